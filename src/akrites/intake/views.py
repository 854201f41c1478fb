"""Intake pages: submit a report, see one's reports and receipts; the triage queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.accounts.models import User
from akrites.domain.errors import AkritesError, Conflict, InvalidInput, NotFound
from akrites.domain.intake import parse_report
from akrites.domain.intake.errors import IntakeError
from akrites.domain.permissions import Permission
from akrites.domain.policy import OrgId, OwnedResource, authorize
from akrites.domain.tlp import Tlp
from akrites.intake import selectors, services, triage
from akrites.intake.forms import ReportForm, UploadForm
from akrites.intake.models import Channel
from akrites.intake.parsing import drafts_from_body
from akrites.intake.receipts import status_of
from akrites.publication.models import CreditPreference
from akrites.publication.services import FINDER_CREDIT_TYPES
from akrites.web.access import requires

_FIELD_OF = (
    ("affected[0].ranges", "vers"),
    ("affected[0].purl", "purl"),
    ("affected", "purl"),
    ("severity", "cvss_vector"),
    ("cwes", "cwes"),
    ("references", "references"),
    ("provenance", "tool"),
)


def _form_field(path: str, form: ReportForm) -> str | None:
    for prefix, name in _FIELD_OF:
        if path.startswith(prefix):
            return name
    head = path.split("[", maxsplit=1)[0].split(".", maxsplit=1)[0]
    return head if head in form.fields else None


@requires(Permission.REPORT_SUBMIT)
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = ReportForm(request.POST or None)
    upload = UploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            draft = parse_report(form.to_document())
            user: User = request.user  # type: ignore[assignment]
            (receipt,) = services.reports_submit(
                actor=actor,
                user=user,
                organisation=user.organisation,
                items=[draft],
                channel=Channel.WEB,
                source_format="akrites",
            )
            if receipt.error is not None:
                raise receipt.error
        except IntakeError as exc:
            for error in exc.errors:
                form.add_error(_form_field(error.field, form), f"{error.field}: {error.message}")
        except (InvalidInput, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{receipt.tracking_id}: {receipt.message}")
            return HttpResponseRedirect(f"/reports/{receipt.tracking_id}/")
    return render(
        request,
        "intake/new.html",
        {"form": form, "upload": upload},
        status=422 if form.errors else 200,
    )


@requires(Permission.REPORT_SUBMIT)
@require_POST
def report_upload(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    upload = UploadForm(request.POST, request.FILES)
    results = None
    error = ""
    if upload.is_valid():
        data = upload.cleaned_data["file"].read()
        try:
            fmt, items = drafts_from_body(
                data,
                content_type="application/json"
                if not upload.cleaned_data["file"].name.endswith((".jsonl", ".ndjson"))
                else "application/x-ndjson",
                default_purl=upload.cleaned_data["purl"] or None,
            )
            user: User = request.user  # type: ignore[assignment]
            results = services.reports_submit(
                actor=actor,
                user=user,
                organisation=user.organisation,
                items=items,
                channel=Channel.BULK,
                source_format=fmt,
            )
        except AkritesError as exc:
            error = str(exc)
    return render(
        request,
        "intake/upload_result.html",
        {"results": results, "error": error, "upload": upload},
        status=422 if error or not upload.is_valid() else 200,
    )


@requires(Permission.REPORT_READ)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    qs = selectors.reports_visible_to(actor=actor).order_by("-received_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "intake/list.html", {"page": page, "rows": [status_of(r) for r in page]})


@requires(Permission.REPORT_READ)
@require_GET
def report_detail(request: HttpRequest, tracking_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    report = selectors.report_open(actor=actor, tracking_id=tracking_id)
    content = selectors.report_content(report)
    return render(
        request,
        "intake/detail.html",
        {
            "report": report,
            "status": status_of(report),
            "content": content,
            "can_triage": bool(authorize(actor, Permission.CASE_TRIAGE)),
            "case_label": Tlp(report.case.tlp),
            "may_credit": bool(
                authorize(
                    actor, Permission.REPORT_CREDIT, OwnedResource(OrgId(report.organisation_id))
                )
            ),
            "credit": CreditPreference.objects.filter(report=report).first(),
            "credit_types": [t.value for t in FINDER_CREDIT_TYPES],
        },
    )


@requires(Permission.CASE_TRIAGE)
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    items = [
        {"suggestion": s, "evidence": selectors.report_evidence(s.report)}
        for s in selectors.suggestions_open(actor=actor)[:100]
    ]
    return render(request, "intake/triage.html", {"items": items})


@requires(Permission.CASE_TRIAGE)
@require_POST
def suggestion_decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        if request.POST.get("decision") == "confirm":
            case = triage.suggestion_confirm(actor=actor, suggestion_id=suggestion_id)
            messages.success(request, f"Merged into {case.number}.")
        else:
            triage.suggestion_reject(actor=actor, suggestion_id=suggestion_id)
            messages.success(request, "Suggestion rejected: the cases stay apart.")
    except (Conflict, InvalidInput, NotFound) as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/triage/")


@requires(Permission.CASE_TRIAGE)
@require_POST
def report_split(request: HttpRequest, tracking_id: str) -> HttpResponse:
    actor = actor_from_request(request)
    try:
        case = triage.report_split(actor=actor, tracking_id=tracking_id)
        messages.success(request, f"{tracking_id} now has its own case {case.number}.")
    except (Conflict, InvalidInput, NotFound) as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(f"/reports/{tracking_id}/")


@requires(Permission.CASE_TRIAGE)
@require_POST
def case_merge(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    into = request.POST.get("into", "").strip()
    other = request.POST.get("other", "").strip()
    try:
        case = triage.case_merge(actor=actor, into=into, other=other)
        messages.success(request, f"{other} merged into {case.number}.")
    except (Conflict, InvalidInput, NotFound) as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect("/triage/")
