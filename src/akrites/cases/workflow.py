"""Moving a case through its lifecycle: the facts the guards read, triage's assessment, the
fix, exploitation in the wild, and the transitions themselves. ``domain.lifecycle`` decides;
this module gathers the facts from the rows, persists the outcome and records the one audit
event in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from akrites.audit.services import audit_record
from akrites.cases.embargo import embargo_enforce_cap
from akrites.cases.keys import case_data_key, open_for_case, seal_for_case
from akrites.cases.models import Case, CaseEmbargo, CaseOrganisation, CaseParticipant
from akrites.cases.selectors import case_resource
from akrites.cases.services import case_invite_organisation
from akrites.domain import assessment as rules
from akrites.domain import lifecycle
from akrites.domain.audit import AuditAction
from akrites.domain.case_events import CaseEvent
from akrites.domain.errors import AkritesError, InvalidInput
from akrites.domain.lifecycle import CaseFacts, CaseState, EmbargoState
from akrites.domain.participation import DOWNSTREAM_ROLES, CaseRole
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize, require
from akrites.notifications.events import case_event
from akrites.registry.models import Component

_EMBARGO_STATE = {
    "proposed": EmbargoState.PROPOSED,
    "active": EmbargoState.ACTIVE,
    "revised": EmbargoState.ACTIVE,  # a change is pending; the agreed date stands
    "ended": EmbargoState.ENDED,
    "broken": EmbargoState.BROKEN,
}


@dataclass(frozen=True, slots=True)
class CaseDetails:
    """The confidential half of the assessment, sealed with the case key."""

    fix_references: tuple[rules.FixReference, ...] = ()
    fixed_versions: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)  # transition name -> why
    exploitation_note: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "fix_references": [{"kind": r.kind, "url": r.url} for r in self.fix_references],
                "fixed_versions": list(self.fixed_versions),
                "reasons": self.reasons,
                "exploitation_note": self.exploitation_note,
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> CaseDetails:
        raw = json.loads(text)
        return CaseDetails(
            fix_references=tuple(
                rules.FixReference(kind=r["kind"], url=r["url"]) for r in raw["fix_references"]
            ),
            fixed_versions=tuple(raw["fixed_versions"]),
            reasons=dict(raw["reasons"]),
            exploitation_note=raw.get("exploitation_note", ""),
        )


def case_details(case: Case) -> CaseDetails:
    if not case.details_sealed:
        return CaseDetails()
    text = open_for_case(case, case_data_key(case), "details", bytes(case.details_sealed))
    return CaseDetails.from_json(text)


def _save_details(case: Case, details: CaseDetails) -> None:
    case.details_sealed = seal_for_case(case, case_data_key(case), "details", details.to_json())
    case.save(update_fields=["details_sealed", "updated_at"])


def case_facts(
    case: Case, *, now: datetime | None = None, reason: str = "", duplicate_of: str | None = None
) -> CaseFacts:
    """What the lifecycle's guards look at, read from the case's rows as they are now."""
    when = now or timezone.now()
    details = case_details(case)
    live = CaseOrganisation.objects.filter(case=case, removed_at__isnull=True)
    embargo = CaseEmbargo.objects.filter(case=case).values_list("status", flat=True).first()
    contact = live.filter(role=CaseRole.MAINTAINER.value).exists()
    if case.component_id is not None and not contact:
        component = Component.objects.get(pk=case.component_id)
        contact = component.maintainer_org_id is not None or component.contacts.exists()
    notified = case.maintainer_notified_at
    return CaseFacts(
        state=CaseState(case.state),
        was_published=case.published_at is not None,
        severity_set=bool(case.severity),
        affected_packages=1 if case.component_id else 0,
        deadline=case.deadline,
        duplicate_of=duplicate_of,
        reason=reason,
        maintainer_contact_known=contact,
        maintainer_responded=case.maintainer_responded_at is not None,
        days_since_maintainer_notified=None if notified is None else (when - notified).days,
        embargo=_EMBARGO_STATE.get(embargo or "", EmbargoState.NONE),
        fix_references=len(details.fix_references),
        fixed_versions_known=bool(details.fixed_versions),
        advisory_approved=_advisory_approved(case),
        downstream_participants=live.filter(role__in=[r.value for r in DOWNSTREAM_ROLES]).count(),
        exploited=case.exploited_since is not None,
    )


def _advisory_approved(case: Case) -> bool:
    from akrites.publication.models import Advisory

    state = Advisory.objects.filter(case=case).values_list("state", flat=True).first()
    return state in {"approved", "scheduled"}


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    name: str
    label: str
    description: str
    missing: tuple[str, ...]
    permitted: bool

    @property
    def ready(self) -> bool:
        return self.permitted and not self.missing


def case_checklist(*, actor: Actor, case: Case) -> list[ChecklistItem]:
    """The transitions out of the case's state, what each still needs, and whether the actor
    may make it. Reasons and the original of a duplicate are asked for with the action, so
    they are not listed as missing here."""
    facts = case_facts(case, reason="given with the action", duplicate_of="given")
    resource = case_resource(case)
    return [
        ChecklistItem(
            name=t.name,
            label=t.label,
            description=t.description,
            missing=tuple(t.missing(facts)),
            permitted=bool(authorize(actor, t.permission, resource)),
        )
        for t in lifecycle.available(facts)
    ]


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def case_transition(
    *, actor: Actor, case: Case, name: str, reason: str = "", duplicate_of: str = ""
) -> Case:
    """Make one lifecycle transition, or raise and change nothing."""
    with transaction.atomic():
        case = _locked(case)
        original: Case | None = None
        if duplicate_of.strip():
            original = Case.objects.filter(number=duplicate_of.strip().upper()).first()
            if original is None or original.pk == case.pk:
                raise InvalidInput(
                    f"'{duplicate_of}' is not another case's number", field="duplicate_of"
                )
        now = timezone.now()
        facts = case_facts(
            case,
            now=now,
            reason=reason,
            duplicate_of=None if original is None else original.number,
        )
        step = lifecycle.apply(actor, name, facts, case_resource(case))
        case.state = step.target.value
        fields = ["state", "updated_at"]
        if step.transition.name == "mark_duplicate":
            case.duplicate_of = original
            fields.append("duplicate_of")
        elif step.transition.name == "reopen":
            case.duplicate_of = None
            fields.append("duplicate_of")
        if step.transition.name == "notify_maintainer":
            case.maintainer_notified_at = now
            case.maintainer_responded_at = None
            fields += ["maintainer_notified_at", "maintainer_responded_at"]
            _invite_maintainers(actor, case)
            _disclose_to_contacts(case)
        if step.target is CaseState.PUBLISHED:
            case.published_at = now
            fields.append("published_at")
        case.save(update_fields=fields)
        if reason.strip():
            details = case_details(case)
            _save_details(
                case,
                CaseDetails(
                    fix_references=details.fix_references,
                    fixed_versions=details.fixed_versions,
                    reasons={**details.reasons, step.transition.name: reason.strip()[:2000]},
                    exploitation_note=details.exploitation_note,
                ),
            )
        audit_record(
            actor=actor,
            action=step.audit_action,
            target_type="case",
            target_id=case.number,
            data=dict(step.audit_data),
        )
        case_event(case, CaseEvent.TRANSITIONED, what=f"has moved to '{step.transition.label}'")
    return case


def _invite_maintainers(actor: Actor, case: Case) -> None:
    """Notifying the maintainer invites the component's maintainer organisation (if it is
    registered and not invited yet); its administrator then reads people in."""
    component = case.component
    if component is None or component.maintainer_org is None:
        return
    invited = CaseOrganisation.objects.filter(
        case=case, organisation_id=component.maintainer_org_id, removed_at__isnull=True
    ).exists()
    if not invited:
        case_invite_organisation(
            actor=actor,
            case=case,
            organisation=component.maintainer_org,
            role=CaseRole.MAINTAINER.value,
        )


def _disclose_to_contacts(case: Case) -> None:
    """The component's e-mail security contacts with an OpenPGP key get the report itself,
    encrypted to their key (sent by the worker after commit); others learn of the case
    when their organisation's people are read in."""
    from akrites.jobs import enqueue_after_commit
    from akrites.notifications.disclosure import disclosure_check, send_contact_disclosure

    if case.component is None:
        return
    for contact in case.component.contacts.exclude(openpgp_key=""):
        try:
            disclosure_check(contact_id=contact.pk, case_number=case.number)
        except AkritesError:
            continue  # e.g. not an e-mail address: nothing can be sent encrypted
        enqueue_after_commit(send_contact_disclosure, contact.pk, case.number)


def case_assess(
    *,
    actor: Actor,
    case: Case,
    severity: str,
    component_purl: str = "",
    deadline: datetime | None = None,
) -> Case:
    """Triage's one severity, one deadline, and the affected component. Without a deadline,
    the priority's default applies (from the first report)."""
    require(actor, Permission.CASE_TRIAGE)
    level = rules.parse_severity(severity)
    now = timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if component_purl.strip():
            component = Component.objects.filter(purl=component_purl.strip()).first()
            if component is None:
                raise InvalidInput(
                    f"no registered component has the package URL '{component_purl.strip()}'",
                    field="component",
                )
            case.component = component
        critical = bool(case.component and case.component.critical)
        prio = rules.priority(
            level, critical_component=critical, exploited=case.exploited_since is not None
        )
        if deadline is not None:
            case.deadline = rules.validate_deadline(deadline, now=now)
        elif case.deadline is None:
            case.deadline = rules.default_deadline(prio, start=case.first_reported_at)
        case.severity = level.value
        case.priority = int(prio)
        case.save(update_fields=["component", "severity", "priority", "deadline", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CASE_ASSESSED,
            target_type="case",
            target_id=case.number,
            data={
                "severity": level.value,
                "priority": int(prio),
                "deadline": case.deadline.isoformat() if case.deadline else None,
                "component": case.component_id,
            },
        )
    return case


def case_add_fix(
    *, actor: Actor, case: Case, kind: str = "", url: str = "", fixed_versions: str = ""
) -> CaseDetails:
    """Record where the fix is and which versions carry it (the maintainers may do this)."""
    require(actor, Permission.CASE_FIX, case_resource(case))
    reference = rules.FixReference.parse(kind, url) if url.strip() else None
    versions = rules.parse_versions(fixed_versions)
    if reference is None and not versions:
        raise InvalidInput("give a fix reference or the fixed versions", field="url")
    with transaction.atomic():
        case = _locked(case)
        details = case_details(case)
        refs = details.fix_references
        if reference is not None and reference not in refs:
            refs = (*refs, reference)
        updated = CaseDetails(
            fix_references=refs,
            fixed_versions=versions or details.fixed_versions,
            reasons=details.reasons,
            exploitation_note=details.exploitation_note,
        )
        _save_details(case, updated)
        audit_record(
            actor=actor,
            action=AuditAction.CASE_FIX_RECORDED,
            target_type="case",
            target_id=case.number,
            data={"references": len(refs), "fixed_versions": len(updated.fixed_versions)},
        )
    return updated


def case_mark_exploited(*, actor: Actor, case: Case, since: datetime, note: str = "") -> Case:
    """Exploitation in the wild is known: the embargo's 7-day cap starts from ``since``,
    an agreed date beyond it is shortened at once, and the priority rises."""
    require(actor, Permission.CASE_TRIAGE)
    now = timezone.now()
    rules.validate_exploited_since(since, now=now)
    with transaction.atomic():
        case = _locked(case)
        if case.exploited_since is not None and case.exploited_since <= since:
            raise InvalidInput(
                "exploitation is already recorded from an earlier time", field="exploited_since"
            )
        case.exploited_since = since
        fields = ["exploited_since", "updated_at"]
        if case.severity:
            critical = bool(case.component and case.component.critical)
            case.priority = int(
                rules.priority(
                    rules.Severity(case.severity), critical_component=critical, exploited=True
                )
            )
            fields.append("priority")
        case.save(update_fields=fields)
        if note.strip():
            details = case_details(case)
            _save_details(
                case,
                CaseDetails(
                    fix_references=details.fix_references,
                    fixed_versions=details.fixed_versions,
                    reasons=details.reasons,
                    exploitation_note=note.strip()[:2000],
                ),
            )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_EXPLOITED,
            target_type="case",
            target_id=case.number,
            data={"since": since.isoformat()},
        )
        embargo_enforce_cap(actor=actor, case=case, now=now)
        case_event(case, CaseEvent.EXPLOITED)
    return case


def note_maintainer_reply(case: Case, user_id: int) -> None:
    """A maintainer read in to the case wrote: the maintainer has answered. Called in the
    transaction of the message."""
    if case.maintainer_responded_at is not None or case.maintainer_notified_at is None:
        return
    is_maintainer = CaseParticipant.objects.filter(
        case=case, user_id=user_id, removed_at__isnull=True, role=CaseRole.MAINTAINER.value
    ).exists()
    if is_maintainer:
        Case.objects.filter(pk=case.pk, maintainer_responded_at__isnull=True).update(
            maintainer_responded_at=timezone.now()
        )
