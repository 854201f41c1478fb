"""Coordinators' deduplication decisions: confirm or reject a suggestion, merge two cases,
split a report out of its case. Each keeps every report's original time and finder, moves
sealed content to the destination case's key, updates the engine through the log, and is
audited in the same transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from akrites.audit.services import audit_record, audit_record_many
from akrites.cases.keys import case_data_key, case_key_create, open_for_case, seal_for_case
from akrites.cases.models import Case, CaseCounter
from akrites.domain import lifecycle
from akrites.domain.audit import AuditAction
from akrites.domain.dedup.model import CaseId, ReportId
from akrites.domain.errors import Conflict, InvalidInput, NotFound
from akrites.domain.lifecycle import CaseFacts, CaseState
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, require
from akrites.intake.engine import locked_engine
from akrites.intake.models import (
    DedupLog,
    DedupOp,
    DedupSuggestion,
    JoinedBy,
    Report,
    SuggestionState,
)


def _reseal(report: Report, source: Case, target: Case, target_key: bytes) -> None:
    source_key = case_data_key(source)
    for field, attr in (("report", "payload_sealed"), ("evidence", "evidence_sealed")):
        sealed = getattr(report, attr)
        if sealed is None:
            continue
        plain = open_for_case(source, source_key, f"{field}:{report.tracking_id}", bytes(sealed))
        setattr(
            report, attr, seal_for_case(target, target_key, f"{field}:{report.tracking_id}", plain)
        )


def _case(number: str) -> Case:
    case = Case.objects.select_for_update().filter(number=number).first()
    if case is None:
        raise NotFound(f"no case {number}")
    return case


def case_merge(*, actor: Actor, into: str, other: str) -> Case:
    """Merge case ``other`` into ``into``: its reports join ``into``; ``other`` becomes a
    duplicate pointing at it."""
    require(actor, Permission.CASE_TRIAGE)
    if into == other:
        raise InvalidInput("a case cannot be merged into itself", field="other")
    with transaction.atomic(), locked_engine() as session:
        target, source = _case(into), _case(other)
        if source.merged_into_id is not None:
            raise Conflict(f"case {other} was already merged", field="other")
        step = lifecycle.apply(
            actor, "mark_duplicate", CaseFacts(state=CaseState(source.state), duplicate_of=into)
        )
        target_key = case_data_key(target)
        reports = list(Report.objects.filter(case=source).select_for_update())
        for report in reports:
            _reseal(report, source, target, target_key)
            report.case = target
            report.joined_by = JoinedBy.COORDINATOR
        Report.objects.bulk_update(
            reports, ["case", "joined_by", "payload_sealed", "evidence_sealed"]
        )
        source.state = step.target.value
        source.merged_into = target
        source.save(update_fields=["state", "merged_into", "updated_at"])
        target.first_reported_at = min(target.first_reported_at, source.first_reported_at)
        target.save(update_fields=["first_reported_at", "updated_at"])
        DedupSuggestion.objects.filter(
            report__in=reports, case=target, state=SuggestionState.OPEN
        ).update(
            state=SuggestionState.CONFIRMED, decided_at=timezone.now(), decided_by_id=actor.user_id
        )
        session.engine.merge(CaseId(into), CaseId(other))
        session.log([DedupLog(op=DedupOp.MERGE, case_number=into, other_case_number=other)])
        audit_record_many(
            actor=actor,
            entries=[
                (
                    AuditAction.CASE_MERGED,
                    "case",
                    into,
                    {"merged": other, "reports": [r.tracking_id for r in reports]},
                ),
                (step.audit_action, "case", other, dict(step.audit_data)),
                *[
                    (AuditAction.REPORT_MOVED, "report", r.tracking_id, {"from": other, "to": into})
                    for r in reports
                ],
            ],
        )
    return target


def report_split(*, actor: Actor, tracking_id: str) -> Case:
    """Move one report out of its case into a new case of its own."""
    require(actor, Permission.CASE_TRIAGE)
    with transaction.atomic(), locked_engine() as session:
        report = (
            Report.objects.select_for_update()
            .select_related("case")
            .filter(tracking_id=tracking_id)
            .first()
        )
        if report is None:
            raise NotFound("no such report")
        source = _case(report.case.number)
        if source.reports.count() < 2:
            raise Conflict(
                f"{tracking_id} is the only report of {source.number}: nothing to split from",
                field="report",
            )
        now = timezone.now()
        counter, _ = CaseCounter.objects.select_for_update().get_or_create(year=now.year)
        counter.last += 1
        counter.save(update_fields=["last"])
        number = f"AK-{now.year}-{counter.last:04d}"
        target = Case.objects.create(
            number=number,
            year=now.year,
            seq=counter.last,
            first_reported_at=report.received_at,
            title_sealed=b"",
        )
        key = case_key_create(target)
        title = open_for_case(source, case_data_key(source), "title", bytes(source.title_sealed))
        target.title_sealed = seal_for_case(target, key, "title", title)
        target.save(update_fields=["title_sealed"])
        _reseal(report, source, target, key)
        report.case = target
        report.joined_by = JoinedBy.COORDINATOR
        report.save(update_fields=["case", "joined_by", "payload_sealed", "evidence_sealed"])
        remaining = source.reports.order_by("received_at").first()
        if remaining is not None and remaining.received_at > source.first_reported_at:
            source.first_reported_at = remaining.received_at
            source.save(update_fields=["first_reported_at", "updated_at"])
        session.engine.split(ReportId(tracking_id), CaseId(number))
        session.log([DedupLog(op=DedupOp.MOVE, report=report, case_number=number)])
        audit_record_many(
            actor=actor,
            entries=[
                (AuditAction.CASE_OPENED, "case", number, {"split_from": source.number}),
                (
                    AuditAction.REPORT_MOVED,
                    "report",
                    tracking_id,
                    {"from": source.number, "to": number},
                ),
            ],
        )
    return target


def suggestion_confirm(*, actor: Actor, suggestion_id: int) -> Case:
    """The report is the same flaw as the suggested case: merge its case into that one."""
    require(actor, Permission.CASE_TRIAGE)
    suggestion = (
        DedupSuggestion.objects.select_related("report__case", "case")
        .filter(pk=suggestion_id, state=SuggestionState.OPEN)
        .first()
    )
    if suggestion is None:
        raise NotFound("no such open suggestion")
    return case_merge(actor=actor, into=suggestion.case.number, other=suggestion.report.case.number)


def suggestion_reject(*, actor: Actor, suggestion_id: int) -> None:
    require(actor, Permission.CASE_TRIAGE)
    with transaction.atomic():
        suggestion = (
            DedupSuggestion.objects.select_for_update()
            .filter(pk=suggestion_id, state=SuggestionState.OPEN)
            .first()
        )
        if suggestion is None:
            raise NotFound("no such open suggestion")
        suggestion.state = SuggestionState.REJECTED
        suggestion.decided_at = timezone.now()
        suggestion.decided_by_id = actor.user_id
        suggestion.save(update_fields=["state", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action=AuditAction.SUGGESTION_REJECTED,
            target_type="report",
            target_id=suggestion.report.tracking_id,
            data={"case": suggestion.case.number},
        )
