# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Case API: the queue, one case with its guard checklist, lifecycle transitions, triage's
assessment, the fix, exploitation in the wild, the embargo, and the audit-trail export."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from akrites.cases import selectors
from akrites.cases.embargo import (
    embargo_accept,
    embargo_break,
    embargo_end_early,
    embargo_of,
    embargo_propose,
)
from akrites.domain.embargo import Embargo
from akrites.domain.errors import InvalidInput
from akrites.domain.permissions import Permission
from akrites.web.api_access import actor, api_requires

router = Router(tags=["cases"])


class EmbargoIn(Schema):
    action: str = Field(..., description="propose | accept | break | end (early)")
    end_at: datetime | None = Field(None, description="with propose: the end, with a time zone")
    reason: str = Field(
        "", description="with break: leak | active_exploitation | fix_public; with end: why"
    )
    detail: str = Field("", max_length=2000, description="with break: what happened")


def _embargo_json(e: Embargo | None) -> dict[str, Any]:
    if e is None:
        return {"status": "none"}
    return {
        "status": e.status.value,
        "end_at": e.end_at.isoformat() if e.end_at else None,
        "proposal": None
        if e.proposal is None
        else {
            "end_at": e.proposal.end_at.isoformat(),
            "proposed_by": int(e.proposal.proposed_by),
            "awaiting": sorted(int(o) for o in e.awaiting),
        },
        "broken": None
        if e.broken is None
        else {"reason": e.broken.reason.value, "at": e.broken.at.isoformat()},
    }


@router.get("/cases/{number}/embargo", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def embargo_get(request: HttpRequest, number: str) -> dict[str, Any]:
    case = selectors.case_open(actor=actor(request), number=number)
    return _embargo_json(embargo_of(case))


@router.post("/cases/{number}/embargo", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def embargo_act(request: HttpRequest, number: str, payload: EmbargoIn) -> dict[str, Any]:
    a = actor(request)
    case = selectors.case_get(actor=a, number=number)
    if payload.action == "propose":
        if payload.end_at is None:
            raise InvalidInput("give end_at to propose a date", field="end_at")
        result = embargo_propose(actor=a, case=case, end_at=payload.end_at)
    elif payload.action == "accept":
        result = embargo_accept(actor=a, case=case)
    elif payload.action == "break":
        result = embargo_break(actor=a, case=case, reason=payload.reason, detail=payload.detail)
    elif payload.action == "end":
        result = embargo_end_early(actor=a, case=case, reason=payload.reason)
    else:
        raise InvalidInput(
            f"unknown action '{payload.action}': use propose, accept, break or end", field="action"
        )
    return _embargo_json(result)
