"""The reporter's view of one report: its status, never other reporters' identities."""

from __future__ import annotations

from typing import Any

from akrites.intake.models import JoinedBy, Report
from akrites.intake.services import Receipt, Status


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    body: dict[str, Any] = {
        "index": receipt.index,
        "status": receipt.status,
        "message": receipt.message,
    }
    if receipt.tracking_id:
        body.update(
            {
                "tracking_id": receipt.tracking_id,
                "received_at": receipt.received_at.isoformat() if receipt.received_at else None,
                "case": receipt.case_number,
                "case_first_reported_at": receipt.case_first_reported_at.isoformat()
                if receipt.case_first_reported_at
                else None,
            }
        )
    if receipt.error is not None:
        errors = getattr(receipt.error, "errors", None)
        body["code"] = receipt.error.code
        body["errors"] = (
            [
                {"field": e.field, "message": e.message, **({"line": e.line} if e.line else {})}
                for e in errors
            ]
            if errors
            else [{"field": receipt.error.field, "message": receipt.error.message}]
        )
    return body


def status_of(report: Report) -> dict[str, Any]:
    """What a reporter sees about their own report at any later time."""
    case = report.case
    earliest = case.reports.order_by("received_at", "id").values_list("pk", flat=True).first()
    duplicate = earliest != report.pk
    status = Status.DUPLICATE if duplicate else Status.NEW_CASE
    message = (
        f"duplicate of case {case.number}, first reported at "
        f"{case.first_reported_at:%Y-%m-%d %H:%M} UTC; you are credited as an independent finder"
        if duplicate
        else f"case {case.number}: {case.get_state_display()}"
    )
    return {
        "tracking_id": report.tracking_id,
        "received_at": report.received_at.isoformat(),
        "channel": report.channel,
        "format": report.source_format,
        "status": status,
        "case": case.number,
        "case_state": case.state,
        "case_first_reported_at": case.first_reported_at.isoformat(),
        "merged_by_coordinator": report.joined_by == JoinedBy.COORDINATOR,
        "message": message,
    }
