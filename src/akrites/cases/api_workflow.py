# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Case API: the queue, one case with its guard checklist, lifecycle transitions, triage's
assessment, the fix, exploitation in the wild, and the coordinators' audit-trail export.
Tokens act as their user, limited by their scopes; hidden cases answer like missing ones."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from akrites.cases import selectors, workflow
from akrites.cases.models import Case
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize
from akrites.web.api_access import actor, api_requires

router = Router(tags=["cases"])


class QueueQuery(Schema):
    state: str = Field("", description="a lifecycle state")
    component: str = Field("", description="package URL or name of the component")
    priority: str = Field("", description="1 (most urgent) to 4")
    deadline: str = Field("", description="overdue | 7 | 30 (days ahead)")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class TransitionIn(Schema):
    transition: str = Field(..., description="a transition name from docs/lifecycle.md")
    reason: str = Field("", max_length=2000, description="required to reject")
    duplicate_of: str = Field("", max_length=20, description="with mark_duplicate: AK-YYYY-NNNN")


class AssessmentIn(Schema):
    severity: str = Field(..., description="critical | high | medium | low")
    component: str = Field("", max_length=512, description="package URL of a registered component")
    deadline: datetime | None = Field(None, description="fix deadline, with a time zone")


class FixIn(Schema):
    kind: str = Field("commit", description="commit | pull_request | release | patch")
    url: str = Field("", max_length=500, description="https URL of the fix")
    fixed_versions: str = Field("", max_length=2000, description="comma-separated versions")


class ExploitedIn(Schema):
    since: datetime = Field(..., description="when exploitation became known, with a time zone")
    note: str = Field("", max_length=2000, description="source (sealed with the case)")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _summary(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": selectors.case_title(case),
        "state": case.state,
        "tlp": case.tlp,
        "component": case.component.purl if case.component else None,
        "severity": case.severity or None,
        "priority": case.priority,
        "deadline": _iso(case.deadline),
        "exploited_since": _iso(case.exploited_since),
        "first_reported_at": case.first_reported_at.isoformat(),
    }


def _full(a: Actor, case: Case) -> dict[str, Any]:
    details = workflow.case_details(case)
    body = _summary(case)
    body.update(
        {
            "duplicate_of": case.duplicate_of.number if case.duplicate_of else None,
            "maintainer_notified_at": _iso(case.maintainer_notified_at),
            "maintainer_responded_at": _iso(case.maintainer_responded_at),
            "fix": {
                "references": [{"kind": r.kind, "url": r.url} for r in details.fix_references],
                "fixed_versions": list(details.fixed_versions),
            },
            "next": [
                {
                    "transition": item.name,
                    "label": item.label,
                    "missing": list(item.missing),
                    "permitted": item.permitted,
                }
                for item in workflow.case_checklist(actor=a, case=case)
            ],
        }
    )
    if authorize(a, Permission.CASE_COORDINATE):
        body["timeline"] = [
            {"at": e.at.isoformat(), "what": e.what, "detail": e.detail, "who": e.who}
            for e in selectors.case_timeline(actor=a, case=case)
        ]
    return body


@router.get("/cases", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def case_queue(request: HttpRequest, filters: Query[QueueQuery]) -> dict[str, Any]:
    """The cases the caller may see, most urgent first (priority, then deadline)."""
    wanted = selectors.CaseQueueFilter.from_query(
        {
            "state": filters.state,
            "component": filters.component,
            "priority": filters.priority,
            "deadline": filters.deadline,
        }
    )
    qs = selectors.case_queue(actor=actor(request), filters=wanted)
    page = list(qs[filters.offset : filters.offset + filters.limit])
    selectors.case_list_audit(actor=actor(request), cases=page)
    return {"count": qs.count(), "items": [_summary(c) for c in page]}


@router.get("/cases/{number}", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def case_read(request: HttpRequest, number: str) -> dict[str, Any]:
    a = actor(request)
    return _full(a, selectors.case_open(actor=a, number=number))


@router.post("/cases/{number}/transitions", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def case_transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    case = workflow.case_transition(
        actor=a,
        case=case,
        name=payload.transition,
        reason=payload.reason,
        duplicate_of=payload.duplicate_of,
    )
    return _full(a, case)


@router.put("/cases/{number}/assessment", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def case_assess(request: HttpRequest, number: str, payload: AssessmentIn) -> dict[str, Any]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    case = workflow.case_assess(
        actor=a,
        case=case,
        severity=payload.severity,
        component_purl=payload.component,
        deadline=payload.deadline,
    )
    return _full(a, case)


@router.post("/cases/{number}/fix", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def case_fix(request: HttpRequest, number: str, payload: FixIn) -> dict[str, Any]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    workflow.case_add_fix(
        actor=a,
        case=case,
        kind=payload.kind,
        url=payload.url,
        fixed_versions=payload.fixed_versions,
    )
    return _full(a, case)


@router.post("/cases/{number}/exploited", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def case_exploited(request: HttpRequest, number: str, payload: ExploitedIn) -> dict[str, Any]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    case = workflow.case_mark_exploited(actor=a, case=case, since=payload.since, note=payload.note)
    return _full(a, case)


@router.get("/cases/{number}/audit", response=dict[str, Any])
@api_requires(Permission.CASE_COORDINATE)
def case_audit(request: HttpRequest, number: str) -> dict[str, Any]:
    """Every audit event about the case, oldest first (the export is itself audited)."""
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    return {
        "case": case.number,
        "events": selectors.case_audit_trail(actor=a, case=case, export_format="api"),
    }
