"""The embargo of a case: the domain's negotiation (akrites.domain.embargo) applied to the
case's parties, sealed with the case key, audited, and announced without content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from akrites.accounts.models import Organisation
from akrites.audit.services import audit_record_many
from akrites.cases.keys import case_data_key, open_for_case, seal_for_case
from akrites.cases.models import Case, CaseEmbargo, CaseOrganisation
from akrites.cases.selectors import case_resource
from akrites.domain import embargo as rules
from akrites.domain.audit import AuditAction
from akrites.domain.embargo import Embargo, Outcome, Party, PartyRole
from akrites.domain.embargo_codec import embargo_from_json, embargo_to_json
from akrites.domain.embargo_policy import Timeline, reminders
from akrites.domain.errors import Conflict, Forbidden, NotFound
from akrites.domain.participation import DOWNSTREAM_ROLES, CaseRole
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import SYSTEM, Actor, OrgId, authorize, require

_PARTY_ROLE = {
    CaseRole.MAINTAINER: PartyRole.MAINTAINER,
    CaseRole.REPORTER: PartyRole.REPORTER,
    CaseRole.OPERATOR: PartyRole.OPERATOR,
}


def _party_role(role: CaseRole, kind: str) -> PartyRole | None:
    if role is CaseRole.VENDOR:
        return PartyRole.DISTRIBUTOR if kind == OrgKind.DISTRIBUTOR.value else PartyRole.VENDOR
    if role is CaseRole.COORDINATOR:
        return PartyRole.COORDINATOR
    return _PARTY_ROLE.get(role)


def _parties(case: Case) -> frozenset[Party]:
    parties = {
        Party(OrgId(org.pk), PartyRole.COORDINATOR)
        for org in Organisation.objects.filter(kind=OrgKind.SIRT.value)
    }
    for inv in CaseOrganisation.objects.filter(case=case, removed_at__isnull=True).select_related(
        "organisation"
    ):
        role = _party_role(CaseRole(inv.role), inv.organisation.kind)
        if role is not None:
            parties.add(Party(OrgId(inv.organisation_id), role))
    return frozenset(parties)


def _timeline(case: Case) -> Timeline:
    downstream = (
        CaseOrganisation.objects.filter(case=case, role__in=[r.value for r in DOWNSTREAM_ROLES])
        .order_by("invited_at")
        .values_list("invited_at", flat=True)
        .first()
    )
    return Timeline(
        started_at=case.first_reported_at,
        distributions_read_in_at=downstream,
        exploited_since=case.exploited_since,
    )


def embargo_of(case: Case) -> Embargo | None:
    row = CaseEmbargo.objects.filter(case=case).first()
    if row is None:
        return None
    text = open_for_case(case, case_data_key(case), "embargo", bytes(row.value_sealed))
    return embargo_from_json(json.loads(text))


def _acting_org(actor: Actor, case: Case) -> OrgId:
    """Who acts: a coordinator for the SIRT, or a person read in for their organisation."""
    if authorize(actor, Permission.CASE_COORDINATE):
        return OrgId(int(actor.org_id or 0))
    require(actor, Permission.CASE_READ, case_resource(case))
    if actor.org_id is None:
        raise Forbidden("only a member of a party may act on the embargo")
    return actor.org_id


def _store(actor: Actor, case: Case, outcome: Outcome) -> Embargo:
    embargo = outcome.embargo
    sealed = seal_for_case(
        case, case_data_key(case), "embargo", json.dumps(embargo_to_json(embargo), sort_keys=True)
    )
    CaseEmbargo.objects.update_or_create(
        case=case,
        defaults={"status": embargo.status.value, "end_at": embargo.end_at, "value_sealed": sealed},
    )
    audit_record_many(
        actor=actor,
        entries=[
            (
                AuditAction.EMBARGO_CHANGED,
                "case",
                case.number,
                {"event": e.action.value, **{k: str(v) for k, v in e.data.items()}},
            )
            for e in outcome.events
        ],
    )
    for event in outcome.events:
        if event.action is rules.EmbargoAction.BROKEN:
            _announce(case, "had its embargo broken: disclosure is accelerated")
        elif event.action is rules.EmbargoAction.AGREED:
            _announce(case, "has an agreed embargo date")
    return embargo


def _announce(case: Case, what: str, kind: str | None = None) -> None:
    """Tell everyone read in (and the coordinators) that something changed, and the
    organisations' webhooks; never what. ``kind`` is the CaseEvent; without it, it is
    told from the sentence."""
    from akrites.domain.case_events import NOTICE_TEXT, CaseEvent
    from akrites.notifications.events import case_event

    if kind is None:
        by_text = {text: event for event, text in NOTICE_TEXT.items()}
        if what in by_text:
            kind = by_text[what]
        elif what.startswith("has its embargo ending"):
            kind = CaseEvent.EMBARGO_REMINDER
        elif "ended its embargo" in what or "embargo has ended" in what:
            kind = CaseEvent.EMBARGO_ENDED
        else:
            kind = CaseEvent.EMBARGO_CHANGED
    case_event(case, kind, "", what=what)


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def embargo_propose(
    *, actor: Actor, case: Case, end_at: datetime, now: datetime | None = None
) -> Embargo:
    by = _acting_org(actor, case)
    with transaction.atomic():
        case = _locked(case)
        current = embargo_of(case)
        when = now or timezone.now()
        if current is None or current.status in rules.FINAL:
            outcome = rules.propose(
                parties=_parties(case), by=by, end_at=end_at, now=when, timeline=_timeline(case)
            )
        else:
            outcome = rules.counter_propose(
                current, by=by, end_at=end_at, now=when, timeline=_timeline(case)
            )
        return _store(actor, case, outcome)


def embargo_accept(*, actor: Actor, case: Case, now: datetime | None = None) -> Embargo:
    by = _acting_org(actor, case)
    with transaction.atomic():
        case = _locked(case)
        current = embargo_of(case)
        if current is None:
            raise NotFound("this case has no embargo proposal")
        outcome = rules.accept(current, by=by, now=now or timezone.now(), timeline=_timeline(case))
        return _store(actor, case, outcome)


def embargo_break(
    *, actor: Actor, case: Case, reason: str, detail: str, now: datetime | None = None
) -> Embargo:
    by = _acting_org(actor, case)
    with transaction.atomic():
        case = _locked(case)
        current = embargo_of(case)
        if current is None:
            raise Conflict("there is no embargo to break", field="reason")
        outcome = rules.break_embargo(
            current, by=by, reason=reason, detail=detail, now=now or timezone.now()
        )
        return _store(actor, case, outcome)


def embargo_end_early(
    *, actor: Actor, case: Case, reason: str, now: datetime | None = None
) -> Embargo:
    """The coordinator ends the embargo before its date, with a reason (e.g. the fix is out
    and every party is ready). Everyone read in is told that it ended, not why."""
    require(actor, Permission.CASE_COORDINATE)
    by = _acting_org(actor, case)
    with transaction.atomic():
        case = _locked(case)
        current = embargo_of(case)
        if current is None:
            raise Conflict("there is no embargo to end", field="reason")
        outcome = rules.end(current, by=by, now=now or timezone.now(), reason=reason)
        embargo = _store(actor, case, outcome)
        _announce(case, "has ended its embargo early")
        return embargo


def embargo_enforce_cap(*, actor: Actor, case: Case, now: datetime | None = None) -> None:
    """Bring an agreed date within the cap after the timeline changed (e.g. exploitation in
    the wild became known). Call inside the transaction that changed the timeline."""
    current = embargo_of(case)
    if current is None:
        return
    outcome = rules.enforce_cap(current, now=now or timezone.now(), timeline=_timeline(case))
    if outcome.events:
        _store(actor, case, outcome)
        _announce(case, "has a shorter embargo: the policy cap now applies")


@dataclass(frozen=True, slots=True)
class DueResult:
    ended: tuple[str, ...]
    reminded: tuple[str, ...]


def embargoes_due(*, now: datetime | None = None) -> DueResult:
    """End agreed embargoes whose date has come, and send the reminders that are due.
    Run by ``akrites embargo-due`` (every few minutes, from cron or a timer)."""
    when = now or timezone.now()
    ended: list[str] = []
    reminded: list[str] = []
    live = [rules.EmbargoStatus.ACTIVE.value, rules.EmbargoStatus.REVISED.value]
    for row in CaseEmbargo.objects.filter(status__in=live, end_at__isnull=False).select_related(
        "case"
    ):
        with transaction.atomic():
            locked = CaseEmbargo.objects.select_for_update().get(pk=row.pk)
            if locked.status not in live or locked.end_at is None:
                continue
            case = locked.case
            current = embargo_of(case)
            if current is None:
                continue
            if current.due(when):
                _store(SYSTEM, case, rules.end(current, by=None, now=when))
                _announce(case, "has reached its embargo date: the embargo has ended")
                ended.append(case.number)
                continue
            sent = [datetime.fromisoformat(t) for t in locked.reminders_sent]
            due = reminders(locked.end_at, when, sent)
            if due:
                days = max(1, (locked.end_at - when).days)
                _announce(case, f"has its embargo ending in {days} day{'s' if days != 1 else ''}")
                locked.reminders_sent = sorted(
                    {*locked.reminders_sent, *(t.isoformat() for t in due)}
                )
                locked.save(update_fields=["reminders_sent"])
                reminded.append(case.number)
    return DueResult(ended=tuple(ended), reminded=tuple(reminded))
