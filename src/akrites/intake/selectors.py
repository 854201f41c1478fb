"""Reads of reports, receipts and suggestions, shaped by who asks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from akrites.audit.services import audit_record
from akrites.cases.keys import case_data_key, open_for_case
from akrites.domain.audit import AuditAction
from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, OrgId, OrgResource, authorize, may_ever, require
from akrites.intake.models import DedupSuggestion, Report, SuggestionState


def reports_visible_to(*, actor: Actor) -> QuerySet[Report]:
    """SIRT staff see every report; reporters see their own organisation's."""
    if authorize(actor, Permission.REPORT_READ):
        return Report.objects.select_related("case", "organisation")
    if actor.org_id is not None and authorize(
        actor, Permission.REPORT_READ, OrgResource(OrgId(actor.org_id))
    ):
        return Report.objects.filter(organisation_id=actor.org_id).select_related("case")
    return Report.objects.none()


def report_get(*, actor: Actor, tracking_id: str) -> Report:
    report = reports_visible_to(actor=actor).filter(tracking_id=tracking_id).first()
    if report is None:
        raise NotFound("no such report")
    return report


def report_open(*, actor: Actor, tracking_id: str) -> Report:
    """``report_get`` for showing a report (its content or its case's state): the read is
    audited, against the report and its case."""
    report = report_get(actor=actor, tracking_id=tracking_id)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.REPORT_VIEWED,
            target_type="case",
            target_id=report.case.number,
            data={"report": report.tracking_id},
        )
    return report


def report_content(report: Report) -> dict[str, Any]:
    """The report as submitted (normalised). Only for callers that already checked access."""
    key = case_data_key(report.case)
    text = open_for_case(
        report.case, key, f"report:{report.tracking_id}", bytes(report.payload_sealed)
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def report_evidence(report: Report) -> list[dict[str, Any]]:
    if report.evidence_sealed is None:
        return []
    key = case_data_key(report.case)
    text = open_for_case(
        report.case, key, f"evidence:{report.tracking_id}", bytes(report.evidence_sealed)
    )
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


@dataclass(frozen=True, slots=True)
class SuggestionView:
    suggestion: DedupSuggestion
    report_title: str
    case_title: str
    evidence: list[dict[str, Any]]


def suggestions_open(*, actor: Actor) -> QuerySet[DedupSuggestion]:
    require(actor, Permission.CASE_TRIAGE)
    return DedupSuggestion.objects.filter(state=SuggestionState.OPEN).select_related(
        "report", "report__case", "case"
    )


def suggestion_get(*, actor: Actor, suggestion_id: int) -> DedupSuggestion:
    if not may_ever(actor, Permission.CASE_TRIAGE):
        raise NotFound("no such suggestion")
    found = suggestions_open(actor=actor).filter(pk=suggestion_id).first()
    if found is None:
        raise NotFound("no such suggestion")
    return found


def attachment_open(
    *, actor: Actor, tracking_id: str, attachment_id: int
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of an attachment the actor may read; audited."""
    from django.db import transaction

    from akrites.audit.services import audit_record
    from akrites.crypto.sealing import open_sealed
    from akrites.domain.audit import AuditAction
    from akrites.intake.models import Attachment

    report = report_get(actor=actor, tracking_id=tracking_id)
    attachment = Attachment.objects.filter(report=report, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("no such attachment")
    key = case_data_key(report.case)
    name = open_for_case(
        report.case, key, f"attachment-name:{attachment.pk}", bytes(attachment.filename_sealed)
    )
    data = open_sealed(
        key,
        bytes(attachment.data_sealed),
        context=f"{report.case.number}:attachment:{attachment.pk}",
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.ATTACHMENT_DOWNLOADED,
            target_type="report",
            target_id=report.tracking_id,
            data={"attachment": attachment.pk},
        )
    return name, attachment.content_type, data
