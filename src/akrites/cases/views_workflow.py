"""Case page actions that move the case along: lifecycle transitions, triage's assessment,
the fix, exploitation in the wild; and the coordinators' export of a case's audit trail."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.cases import selectors, workflow
from akrites.domain.errors import InvalidInput
from akrites.domain.permissions import Permission
from akrites.web.access import requires
from akrites.web.actions import act


def _back(number: str) -> str:
    return f"/cases/{number}/"


def _day_end(raw: str, field: str) -> datetime | None:
    """A date typed in the form, as the end of that day in the user's own time zone."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"'{raw}' is not a date (YYYY-MM-DD)", field=field) from None
    return datetime.combine(day, time(23, 59), tzinfo=timezone.get_current_timezone())


def _moment(raw: str, field: str) -> datetime:
    """A date and time typed in the form, in the user's own time zone."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"'{raw}' is not a date and time", field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.get_current_timezone())
    return value


@requires(Permission.CASE_READ)
@require_POST
def case_transition(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    post = request.POST

    def transition() -> str:
        moved = workflow.case_transition(
            actor=actor,
            case=case,
            name=post.get("transition", ""),
            reason=post.get("reason", ""),
            duplicate_of=post.get("duplicate_of", ""),
        )
        return f"{moved.number} is now {moved.state}."

    return act(request, _back(case.number), transition)


@requires(Permission.CASE_TRIAGE)
@require_POST
def case_assess(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    post = request.POST

    def assess() -> str:
        workflow.case_assess(
            actor=actor,
            case=case,
            severity=post.get("severity", ""),
            component_purl=post.get("component", ""),
            deadline=_day_end(post.get("deadline", ""), "deadline"),
        )
        return "Assessment saved."

    return act(request, _back(case.number), assess)


@requires(Permission.CASE_READ)
@require_POST
def case_fix(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    post = request.POST

    def record() -> str:
        workflow.case_add_fix(
            actor=actor,
            case=case,
            kind=post.get("kind", ""),
            url=post.get("url", ""),
            fixed_versions=post.get("fixed_versions", ""),
        )
        return "Fix recorded."

    return act(request, _back(case.number), record)


@requires(Permission.CASE_TRIAGE)
@require_POST
def case_exploited(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    post = request.POST

    def record() -> str:
        workflow.case_mark_exploited(
            actor=actor,
            case=case,
            since=_moment(post.get("since", ""), "exploited_since"),
            note=post.get("note", ""),
        )
        return "Exploitation in the wild recorded; the 7-day cap applies."

    return act(request, _back(case.number), record)


@requires(Permission.CASE_COORDINATE)
@require_GET
def case_audit_export(request: HttpRequest, number: str) -> HttpResponse:
    """The case's audit trail as CSV or JSON; the export itself is audited."""
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    fmt = request.GET.get("format", "csv")
    if fmt not in {"csv", "json"}:
        raise InvalidInput("format is csv or json", field="format")
    rows = selectors.case_audit_trail(actor=actor, case=case, export_format=fmt)
    if fmt == "json":
        body = json.dumps({"case": case.number, "events": rows}, indent=1, sort_keys=True)
        response = HttpResponse(body, content_type="application/json")
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=selectors.AUDIT_EXPORT_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "data": json.dumps(row["data"], sort_keys=True)})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.number}-audit.{fmt}"'
    return response
