# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Advisory API: a case's advisory (draft, edit, steps to publication, review comments) and
a finder's credit preference for a report. Confidential until published: hidden cases
answer like missing ones."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema
from ninja.responses import Status

from akrites.cases import selectors as case_selectors
from akrites.domain.advisory import missing_for_publication
from akrites.domain.lifecycle import advisory_checklist
from akrites.domain.permissions import Permission
from akrites.intake import selectors as intake_selectors
from akrites.publication import services
from akrites.publication.models import Advisory, PublishedDocument
from akrites.publication.record import record_to_json
from akrites.web.api_access import actor, api_requires

router = Router(tags=["advisories"])


class StepIn(Schema):
    step: str = Field(
        ...,
        description="submit_for_review | return_to_draft | approve | schedule | publish | "
        "revise | withdraw",
    )
    reason: str = Field("", max_length=2000, description="required to revise or withdraw")
    release_at: datetime | None = Field(None, description="with schedule; default: embargo end")


class CommentIn(Schema):
    body: str = Field(..., max_length=10_000)


class CreditIn(Schema):
    consent: bool
    name: str = Field("", max_length=200)
    credit_type: str = Field("finder", description="finder | reporter | analyst | tool | sponsor")


def _json(advisory: Advisory) -> dict[str, Any]:
    record = services.advisory_record(advisory)
    return {
        "id": advisory.identifier,
        "case": advisory.case.number,
        "state": advisory.state,
        "revision": advisory.revision,
        "release_at": advisory.release_at.isoformat() if advisory.release_at else None,
        "published_at": advisory.published_at.isoformat() if advisory.published_at else None,
        "record": record_to_json(record),
        "missing_for_publication": missing_for_publication(record),
        "next": [
            {"step": name, "missing": missing}
            for name, missing in advisory_checklist(services.advisory_facts(advisory)).items()
        ],
        "documents": [
            {"kind": d.kind, "path": d.path, "sha512": d.sha512}
            for d in PublishedDocument.objects.filter(advisory=advisory, current=True)
        ],
    }


@router.get("/cases/{number}/advisory", response=dict[str, Any])
@api_requires(Permission.CASE_READ)
def advisory_read(request: HttpRequest, number: str) -> dict[str, Any]:
    a = actor(request)
    case = case_selectors.case_open(actor=a, number=number)
    return _json(services.advisory_get(actor=a, case=case))


@router.post("/cases/{number}/advisory", response={201: dict[str, Any]})
@api_requires(Permission.CASE_COORDINATE)
def advisory_create(request: HttpRequest, number: str) -> Status[dict[str, Any]]:
    a = actor(request)
    case = case_selectors.case_get(actor=a, number=number)
    return Status(201, _json(services.advisory_draft(actor=a, case=case)))


@router.put("/cases/{number}/advisory", response=dict[str, Any])
@api_requires(Permission.CASE_COORDINATE)
def advisory_update(
    request: HttpRequest, number: str, payload: Body[dict[str, Any]]
) -> dict[str, Any]:
    """Replace fields of the record (same field names as in ``record`` of the answer)."""
    a = actor(request)
    case = case_selectors.case_get(actor=a, number=number)
    advisory = services.advisory_get(actor=a, case=case)
    services.advisory_update(actor=a, advisory=advisory, raw=payload)
    advisory.refresh_from_db()
    return _json(advisory)


@router.post("/cases/{number}/advisory/steps", response=dict[str, Any])
@api_requires(Permission.CASE_COORDINATE)
def advisory_step(request: HttpRequest, number: str, payload: StepIn) -> dict[str, Any]:
    a = actor(request)
    case = case_selectors.case_get(actor=a, number=number)
    advisory = services.advisory_step(
        actor=a,
        advisory=services.advisory_get(actor=a, case=case),
        step=payload.step,
        reason=payload.reason,
        release_at=payload.release_at,
    )
    return _json(advisory)


@router.get("/cases/{number}/advisory/comments", response=list[dict[str, Any]])
@api_requires(Permission.CASE_READ)
def advisory_comments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    a = actor(request)
    case = case_selectors.case_open(actor=a, number=number)
    advisory = services.advisory_get(actor=a, case=case)
    return [
        {"at": c.created_at.isoformat(), "author": c.author.email, "body": services.comment_text(c)}
        for c in advisory.comments.select_related("author", "advisory__case")
    ]


@router.post("/cases/{number}/advisory/comments", response={201: dict[str, Any]})
@api_requires(Permission.CASE_READ)
def advisory_comment(
    request: HttpRequest, number: str, payload: CommentIn
) -> Status[dict[str, Any]]:
    a = actor(request)
    case = case_selectors.case_get(actor=a, number=number)
    comment = services.advisory_comment(
        actor=a, advisory=services.advisory_get(actor=a, case=case), body=payload.body
    )
    return Status(201, {"id": comment.pk, "at": comment.created_at.isoformat()})


@router.put("/reports/{tracking_id}/credit", response=dict[str, Any])
@api_requires(Permission.REPORT_READ)
def report_credit(request: HttpRequest, tracking_id: str, payload: CreditIn) -> dict[str, Any]:
    a = actor(request)
    report = intake_selectors.report_get(actor=a, tracking_id=tracking_id)
    pref = services.credit_preference_set(
        actor=a,
        report=report,
        consent=payload.consent,
        name=payload.name,
        credit_type=payload.credit_type,
    )
    return {"consent": pref.consent, "name": pref.name, "credit_type": pref.credit_type}
