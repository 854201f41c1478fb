"""Writing advisories: draft from a case, edit, comment under embargo, review, approve,
schedule, publish (every format at once, or nothing), revise and withdraw. Every change is
audited in its own transaction; the case moves to ``published`` with its advisory."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from akrites.audit.services import audit_record
from akrites.cases import workflow
from akrites.cases.keys import case_data_key, open_for_case, seal_for_case
from akrites.cases.models import Case, CaseEmbargo
from akrites.cases.selectors import case_resource, case_title
from akrites.domain.advisory import (
    Advisory,
    AdvisoryError,
    Credit,
    CreditType,
    missing_for_publication,
)
from akrites.domain.audit import AuditAction
from akrites.domain.case_events import CaseEvent
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from akrites.domain.lifecycle import (
    AdvisoryFacts,
    AdvisoryState,
    CaseState,
    advisory_apply,
)
from akrites.domain.permissions import Permission
from akrites.domain.policy import SYSTEM, Actor, OrgId, OwnedResource, authorize, require
from akrites.intake.models import Report
from akrites.intake.selectors import report_content
from akrites.notifications.events import case_event, people_read_in
from akrites.publication import render
from akrites.publication.models import (
    Advisory as AdvisoryRow,
)
from akrites.publication.models import (
    AdvisoryComment,
    AdvisoryCounter,
    CreditPreference,
)
from akrites.publication.record import draft_from_reports, record_from_json, record_to_json

_DRAFTABLE = frozenset(
    set(CaseState) - {CaseState.RECEIVED, CaseState.TRIAGE, CaseState.REJECTED, CaseState.DUPLICATE}
)
MAX_COMMENT = 10_000


def _audit(actor: Actor, advisory: AdvisoryRow, action: AuditAction, data: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="case",
        target_id=advisory.case.number,
        data={"advisory": advisory.identifier, **data},
    )


def advisory_record(advisory: AdvisoryRow) -> Advisory:
    case = advisory.case
    text = open_for_case(case, case_data_key(case), "advisory", bytes(advisory.record_sealed))
    return record_from_json(json.loads(text))


def _save(advisory: AdvisoryRow, record: Advisory) -> None:
    case = advisory.case
    advisory.record_sealed = seal_for_case(
        case, case_data_key(case), "advisory", json.dumps(record_to_json(record), sort_keys=True)
    )
    advisory.cve_id = record.cve_id or ""


def _next_identifier(year: int) -> tuple[str, int]:
    counter, _ = AdvisoryCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"AKR-{year}-{counter.last:04d}", counter.last


def finder_credits(case: Case) -> list[Credit]:
    """One credit per finder that agreed, under the name they chose; declined ones are left
    out (a finder who never answered is not credited)."""
    out: list[Credit] = []
    seen: set[tuple[str, str]] = set()
    reports = (
        Report.objects.filter(case=case)
        .select_related("organisation")
        .order_by("received_at", "id")
    )
    for report in reports:
        pref = CreditPreference.objects.filter(report=report).first()
        if pref is None or not pref.consent:
            continue
        name = pref.name.strip() or report.organisation.name
        key = (name, pref.credit_type)
        if key in seen:
            continue
        seen.add(key)
        out.append(Credit(name=name, type=CreditType(pref.credit_type), consent=True))
    return out


def advisory_draft(*, actor: Actor, case: Case, now: dt.datetime | None = None) -> AdvisoryRow:
    """The case's advisory, drafted from its reports, fix and consenting finders."""
    require(actor, Permission.CASE_COORDINATE)
    when = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if CaseState(case.state) not in _DRAFTABLE:
            raise Conflict(
                f"a case in state '{case.state}' has no advisory yet: accept it first",
                field="case",
            )
        if AdvisoryRow.objects.filter(case=case).exists():
            raise Conflict(f"{case.number} already has an advisory", field="case")
        identifier, seq = _next_identifier(when.year)
        details = workflow.case_details(case)
        reports = [report_content(r) for r in case.reports.order_by("received_at", "id")]
        record = draft_from_reports(
            identifier=identifier,
            now=when,
            title=case_title(case),
            reports=reports,
            credited=[
                *finder_credits(case),
                Credit(
                    name="Akrites SIRT",
                    type=CreditType.COORDINATOR,
                    consent=True,
                    organization=True,
                ),
            ],
            fix_urls=[r.url for r in details.fix_references],
            fixed_versions=details.fixed_versions,
        )
        row = AdvisoryRow(identifier=identifier, year=when.year, seq=seq, case=case)
        _save(row, record)
        row.save()
        _audit(actor, row, AuditAction.ADVISORY_CHANGED, {"step": "draft"})
    return row


def advisory_update(*, actor: Actor, advisory: AdvisoryRow, raw: dict[str, Any]) -> Advisory:
    """Replace the record's content. Editing an approved or scheduled draft returns it to
    draft (it must be approved again). Edits to a published advisory wait, unpublished,
    until a ``revise`` step releases them; a withdrawn advisory no longer changes."""
    require(actor, Permission.CASE_COORDINATE)
    with transaction.atomic():
        row = AdvisoryRow.objects.select_for_update().select_related("case").get(pk=advisory.pk)
        state = AdvisoryState(row.state)
        if state is AdvisoryState.WITHDRAWN:
            raise Conflict("a withdrawn advisory no longer changes", field="step")
        current = advisory_record(row)
        record = _merge(current, raw)
        _save(row, record)
        if state in {AdvisoryState.APPROVED, AdvisoryState.SCHEDULED}:
            row.state = AdvisoryState.DRAFT.value
        row.save()
        _audit(actor, row, AuditAction.ADVISORY_CHANGED, {"step": "edit", "state": row.state})
    return record


def _merge(current: Advisory, raw: dict[str, Any]) -> Advisory:
    base = record_to_json(current)
    allowed = {
        "title",
        "description",
        "cve_id",
        "affected",
        "cwes",
        "cvss_v3",
        "cvss_v4",
        "references",
        "workarounds",
        "credits",
    }
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidInput(f"unknown field '{unknown[0]}'", field=unknown[0])
    modified = max(timezone.now(), current.modified)  # never before what it revises
    merged = {**base, **raw, "id": current.id, "modified": modified.isoformat()}
    try:
        return record_from_json(merged)
    except AdvisoryError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"the advisory is malformed: {exc}", field="advisory") from None


def advisory_comment(*, actor: Actor, advisory: AdvisoryRow, body: str) -> AdvisoryComment:
    """A participant comments on the draft (need-to-know: anyone who may read the case)."""
    case = advisory.case
    require(actor, Permission.CASE_MESSAGE, case_resource(case))
    text = body.strip()
    if not text:
        raise InvalidInput("write a comment first", field="body")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT} characters", field="body")
    if actor.user_id is None:
        raise InvalidInput("only a person may comment", field="body")
    with transaction.atomic():
        comment = AdvisoryComment.objects.create(
            advisory=advisory, author_id=actor.user_id, body_sealed=b""
        )
        comment.body_sealed = seal_for_case(
            case, case_data_key(case), f"advisory-comment:{comment.pk}", text
        )
        comment.save(update_fields=["body_sealed"])
        _audit(actor, advisory, AuditAction.ADVISORY_COMMENTED, {"comment": comment.pk})
        others = [u for u in people_read_in(case) if u != actor.user_id]
        case_event(case, CaseEvent.ADVISORY_COMMENTED, "advisory/", readers=others)
    return comment


def comment_text(comment: AdvisoryComment) -> str:
    case = comment.advisory.case
    return open_for_case(
        case, case_data_key(case), f"advisory-comment:{comment.pk}", bytes(comment.body_sealed)
    )


def _embargo_over(case: Case) -> bool:
    status = CaseEmbargo.objects.filter(case=case).values_list("status", flat=True).first()
    return status in {None, "ended", "broken"}


def _release_at(case: Case, given: dt.datetime | None) -> dt.datetime | None:
    if given is not None:
        return given
    return CaseEmbargo.objects.filter(case=case).values_list("end_at", flat=True).first()


def advisory_facts(
    advisory: AdvisoryRow, *, reason: str = "", release_at: dt.datetime | None = None
) -> AdvisoryFacts:
    record = advisory_record(advisory)
    return AdvisoryFacts(
        state=AdvisoryState(advisory.state),
        missing_fields=tuple(missing_for_publication(record)),
        embargo_over=_embargo_over(advisory.case),
        release_at_known=_release_at(advisory.case, release_at or advisory.release_at) is not None,
        reason=reason,
    )


def advisory_step(
    *,
    actor: Actor,
    advisory: AdvisoryRow,
    step: str,
    reason: str = "",
    release_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> AdvisoryRow:
    """One step of the advisory's lifecycle (see docs/lifecycle.md)."""
    if step in {"publish", "revise", "withdraw"}:
        return advisory_release(actor=actor, advisory=advisory, step=step, reason=reason, now=now)
    with transaction.atomic():
        row = AdvisoryRow.objects.select_for_update().select_related("case").get(pk=advisory.pk)
        facts = advisory_facts(row, reason=reason, release_at=release_at)
        transition = advisory_apply(actor, step, facts, case_resource(row.case))
        row.state = transition.target.value
        if step == "schedule":
            row.release_at = _release_at(row.case, release_at or row.release_at)
        row.save()
        if step == "submit_for_review":
            case_event(row.case, CaseEvent.ADVISORY_REVIEW, "advisory/")
        _audit(
            actor,
            row,
            AuditAction.ADVISORY_CHANGED,
            {
                "step": step,
                "state": row.state,
                "release_at": row.release_at and row.release_at.isoformat(),
            },
        )
    return row


def _publishable(record: Advisory, case: Case, *, now: dt.datetime, first: bool) -> Advisory:
    """The record as it goes public: TLP:CLEAR, dated, with the finders' current choices."""
    finders = {CreditType.FINDER, CreditType.REPORTER}
    kept = [c for c in record.credits if c.type not in finders]
    raw = record_to_json(record)
    raw["credits"] = [
        {
            "name": c.name,
            "type": c.type.value,
            "consent": True,
            "contacts": list(c.contacts),
            "organization": c.organization,
        }
        for c in [*finder_credits(case), *kept]
    ]
    raw["tlp"] = "CLEAR"
    raw["modified"] = now.isoformat()
    if first:
        raw["published"] = now.isoformat()
    return record_from_json(raw)


def advisory_release(
    *,
    actor: Actor,
    advisory: AdvisoryRow,
    step: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> AdvisoryRow:
    """Publish, revise or withdraw: the record, every document, the package index, the
    advisory's state and (on first publication) the case's state change in ONE transaction.
    Every document is checked against its schema first; anything wrong rolls all back."""
    when = (now or timezone.now()).replace(microsecond=0)  # formats say times to the second
    with transaction.atomic():
        row = AdvisoryRow.objects.select_for_update().select_related("case").get(pk=advisory.pk)
        case = row.case
        facts = advisory_facts(row, reason=reason)
        advisory_apply(actor, step, facts, case_resource(case))
        record = advisory_record(row)
        first = step == "publish"
        if first:
            workflow.case_transition(actor=actor, case=case, name="publish")
        record = _publishable(record, case, now=when, first=first)
        if step == "withdraw":
            raw = record_to_json(record)
            raw["withdrawn"] = when.isoformat()
            raw["withdrawn_reason"] = reason.strip()
            record = record_from_json(raw)
        row.revision += 1
        render.store(row, record, now=when, base_url=settings.AKRITES.base_url)
        _save(row, record)
        row.state = (
            AdvisoryState.WITHDRAWN.value if step == "withdraw" else AdvisoryState.PUBLISHED.value
        )
        if first:
            row.published_at = when
        row.save()
        case_event(case, CaseEvent.ADVISORY_PUBLISHED, "advisory/")
        _audit(
            actor,
            row,
            AuditAction.ADVISORY_PUBLISHED,
            {"step": step, "revision": row.revision, "reason": reason.strip()[:500]},
        )
    return row


def advisory_find(*, actor: Actor, case: Case) -> AdvisoryRow | None:
    """The case's advisory (None before it is drafted), for someone who may read the case:
    need-to-know, exactly as the case."""
    require(actor, Permission.CASE_READ, case_resource(case))
    return AdvisoryRow.objects.select_related("case").filter(case=case).first()


def advisory_get(*, actor: Actor, case: Case) -> AdvisoryRow:
    row = advisory_find(actor=actor, case=case)
    if row is None:
        raise NotFound("this case has no advisory yet")
    return row


def publish_due(*, now: dt.datetime | None = None) -> list[str]:
    """Release every scheduled advisory whose time has come and whose embargo is over.
    What ``akrites publish-due`` and the worker's scheduler run. A failure of one advisory
    rolls back that advisory only; the next run tries again."""
    from akrites.cases.embargo import embargoes_due

    when = now or timezone.now()
    embargoes_due(now=when)
    released: list[str] = []
    due = AdvisoryRow.objects.filter(
        state=AdvisoryState.SCHEDULED.value, release_at__lte=when
    ).order_by("release_at", "pk")
    for row in due:
        if not _embargo_over(row.case):
            continue
        try:
            advisory_release(actor=SYSTEM, advisory=row, step="publish", now=when)
        except Conflict:
            continue  # released meanwhile by another worker
        released.append(row.identifier)
    return released


FINDER_CREDIT_TYPES = (
    CreditType.FINDER,
    CreditType.REPORTER,
    CreditType.ANALYST,
    CreditType.TOOL,
    CreditType.SPONSOR,
)


def credit_preference_set(
    *, actor: Actor, report: Report, consent: bool, name: str, credit_type: str
) -> CreditPreference:
    """The finder (a member of the reporting organisation) says whether and under what name
    to be credited; the advisory honours it at publication, revisions included."""
    decision = authorize(
        actor, Permission.REPORT_CREDIT, OwnedResource(OrgId(report.organisation_id))
    )
    if not decision:
        raise Forbidden("only the reporting organisation's reporters choose how it is credited")
    clean = " ".join(name.split())
    if len(clean) > 200:
        raise InvalidInput("a credit name is at most 200 characters", field="name")
    if consent and not clean:
        raise InvalidInput("give the name to credit", field="name")
    try:
        kind = CreditType(credit_type)
    except ValueError:
        kind = None
    if kind not in FINDER_CREDIT_TYPES:
        known = ", ".join(t.value for t in FINDER_CREDIT_TYPES)
        raise InvalidInput(
            f"unknown credit type '{credit_type}': use one of {known}", field="credit_type"
        )
    with transaction.atomic():
        pref, _ = CreditPreference.objects.update_or_create(
            report=report,
            defaults={"consent": consent, "name": clean, "credit_type": kind.value},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREDIT_PREFERENCE_SET,
            target_type="case",
            target_id=report.case.number,
            data={"report": report.tracking_id, "consent": consent, "type": kind.value},
        )
    return pref
