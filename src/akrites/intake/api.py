# No "from __future__ import annotations": django-ninja resolves these annotations at runtime.
"""Intake API: submit (single and bulk, our format, OSV, SARIF), receipts, triage."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.pagination import paginate

from akrites.accounts.models import Organisation, User
from akrites.domain.errors import InvalidInput
from akrites.domain.intake.errors import IntakeError
from akrites.domain.intake.schema import report_schema
from akrites.domain.permissions import Permission
from akrites.intake import selectors, services, triage
from akrites.intake.models import Channel
from akrites.intake.parsing import drafts_from_body
from akrites.intake.receipts import receipt_json, status_of
from akrites.web.api_access import actor, api_public, api_requires
from akrites.web.pagination import BoundedPagination

router = Router(tags=["intake"])

MAX_BULK_ITEMS = 10_000


class ReportStatusOut(Schema):
    tracking_id: str
    received_at: str
    channel: str
    format: str
    status: str
    case: str
    case_state: str
    case_first_reported_at: str
    merged_by_coordinator: bool
    message: str


class MergeIn(Schema):
    other: str


def _submitter(request: HttpRequest) -> tuple[User, Organisation]:
    a = actor(request)
    user = User.objects.select_related("organisation").get(pk=a.user_id)
    return user, user.organisation


def _idempotency_key(request: HttpRequest) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 200:
        raise InvalidInput(
            "the Idempotency-Key header must be 1 to 200 characters", field="Idempotency-Key"
        )
    return key


def _error_response(exc: IntakeError) -> JsonResponse:
    return JsonResponse(
        {
            "code": exc.code,
            "message": str(exc.errors[0]),
            "field": exc.field,
            "errors": [{"field": e.field, "message": e.message} for e in exc.errors],
            "omitted": exc.omitted,
        },
        status=422,
    )


@router.post("/reports", response={201: Any, 200: Any, 409: Any, 422: Any})
@api_requires(Permission.REPORT_SUBMIT)
def report_submit(request: HttpRequest) -> HttpResponse:
    """Submit one report in the Akrites format (see /api/v1/schemas/report.json).
    Send `Idempotency-Key` to make retries safe."""
    fmt, items = drafts_from_body(
        request.body, content_type=request.content_type or "", fmt="akrites"
    )
    if len(items) != 1:
        raise InvalidInput(
            "this endpoint takes one report; use /api/v1/reports/bulk for several", field="$"
        )
    if isinstance(items[0], IntakeError):
        return _error_response(items[0])
    user, org = _submitter(request)
    (receipt,) = services.reports_submit(
        actor=actor(request),
        user=user,
        organisation=org,
        items=items,
        channel=Channel.API,
        source_format=fmt,
        idempotency_key=_idempotency_key(request),
    )
    if receipt.error is not None:
        raise receipt.error
    status = 200 if receipt.status == services.Status.ALREADY_RECEIVED else 201
    return JsonResponse(receipt_json(receipt), status=status)


@router.post("/reports/bulk", response={200: Any, 422: Any})
@api_requires(Permission.REPORT_SUBMIT)
def report_submit_bulk(
    request: HttpRequest,
    format: str = "auto",  # noqa: A002
    purl: str | None = None,
) -> HttpResponse:
    """Submit many reports: `{"reports": [...]}`, a JSON array, JSON Lines
    (`Content-Type: application/x-ndjson`), an OSV record or list, or a SARIF 2.1.0 log
    (`purl` names the package its results are about). Each item gets its own result; invalid
    items are rejected with their reasons and do not affect the valid ones."""
    fmt, items = drafts_from_body(
        request.body, content_type=request.content_type or "", fmt=format, default_purl=purl
    )
    if len(items) > MAX_BULK_ITEMS:
        raise InvalidInput(
            f"a bulk submission holds at most {MAX_BULK_ITEMS} reports, not {len(items)}: split it",
            field="$",
        )
    user, org = _submitter(request)
    receipts = services.reports_submit(
        actor=actor(request),
        user=user,
        organisation=org,
        items=items,
        channel=Channel.BULK,
        source_format=fmt,
        idempotency_key=_idempotency_key(request),
    )
    results = [receipt_json(r) for r in receipts]
    accepted = sum(1 for r in receipts if r.ok)
    return JsonResponse(
        {
            "format": fmt,
            "accepted": accepted,
            "rejected": len(receipts) - accepted,
            "results": results,
        }
    )


@router.get("/reports", response=list[ReportStatusOut])
@paginate(BoundedPagination)
@api_requires(Permission.REPORT_READ)
def report_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.reports_visible_to(actor=actor(request)).order_by("-received_at")[:1000]
    return [status_of(r) for r in rows]


@router.get("/reports/{tracking_id}", response=ReportStatusOut)
@api_requires(Permission.REPORT_READ)
def report_status(request: HttpRequest, tracking_id: str) -> dict[str, Any]:
    return status_of(selectors.report_open(actor=actor(request), tracking_id=tracking_id))


@router.post("/reports/{tracking_id}/attachments", response={201: Any})
@api_requires(Permission.REPORT_SUBMIT)
def attachment_add(request: HttpRequest, tracking_id: str) -> HttpResponse:
    """Attach a file (multipart form field `file`): text, JSON, PDF, PNG, JPEG, zip or gzip;
    the declared type must match the content."""
    a = actor(request)
    report = selectors.report_get(actor=a, tracking_id=tracking_id)
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("send the file as multipart form field 'file'", field="file")
    limit = settings.AKRITES.attachment_max_bytes
    if upload.size is not None and upload.size > limit:
        raise InvalidInput(
            f"the attachment is {upload.size} bytes; the limit is {limit}", field="file"
        )
    attachment = services.attachment_add(
        actor=a,
        report=report,
        filename=upload.name or "attachment",
        content_type=upload.content_type or "",
        data=upload.read(limit + 1),
    )
    return JsonResponse(
        {
            "id": attachment.pk,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "content_type": attachment.content_type,
        },
        status=201,
    )


@router.get("/reports/{tracking_id}/attachments/{attachment_id}")
@api_requires(Permission.REPORT_READ)
def attachment_get(request: HttpRequest, tracking_id: str, attachment_id: int) -> HttpResponse:
    name, content_type, data = selectors.attachment_open(
        actor=actor(request), tracking_id=tracking_id, attachment_id=attachment_id
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/schemas/report.json", auth=None)
@api_public("the report format is public documentation")
def report_schema_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(dict(report_schema()), json_dumps_params={"indent": 1})


@router.get("/dedup/suggestions", response=list[dict[str, Any]])
@api_requires(Permission.CASE_TRIAGE)
def suggestion_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "report": s.report.tracking_id,
            "report_case": s.report.case.number,
            "suggested_case": s.case.number,
            "score": s.score,
            "created_at": s.created_at.isoformat(),
        }
        for s in selectors.suggestions_open(actor=actor(request))[:500]
    ]


@router.post("/dedup/suggestions/{suggestion_id}/confirm", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def suggestion_confirm(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    case = triage.suggestion_confirm(actor=actor(request), suggestion_id=suggestion_id)
    return {"case": case.number}


@router.post("/dedup/suggestions/{suggestion_id}/reject", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def suggestion_reject(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    triage.suggestion_reject(actor=actor(request), suggestion_id=suggestion_id)
    return {"rejected": suggestion_id}


@router.post("/cases/{number}/merge", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def case_merge(request: HttpRequest, number: str, payload: MergeIn) -> dict[str, Any]:
    case = triage.case_merge(actor=actor(request), into=number, other=payload.other)
    return {"case": case.number, "merged": payload.other}


@router.post("/reports/{tracking_id}/split", response=dict[str, Any])
@api_requires(Permission.CASE_TRIAGE)
def report_split(request: HttpRequest, tracking_id: str) -> dict[str, Any]:
    case = triage.report_split(actor=actor(request), tracking_id=tracking_id)
    return {"case": case.number, "report": tracking_id}
