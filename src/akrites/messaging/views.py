"""Case messages pages: threads with unread badges, a thread, posting (htmx or a plain
form), private threads for coordinators, search and attachment downloads. Thin: every
read goes through ``selectors`` with the actor, every write through ``services``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.cases.models import Case
from akrites.cases.selectors import case_get, case_resource
from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize
from akrites.domain.tlp import label
from akrites.messaging import selectors, services
from akrites.messaging.forms import PostForm
from akrites.messaging.models import Thread
from akrites.web.access import requires


def _case(request: HttpRequest, number: str) -> tuple[Actor, Case]:
    actor = actor_from_request(request)
    return actor, case_get(actor=actor, number=number)


def _url(case: Case, thread_id: int | None = None) -> str:
    base = f"/cases/{case.number}/messages/"
    return f"{base}threads/{thread_id}/" if thread_id else base


def _form(actor: Actor, case: Case, thread: Thread, request: HttpRequest | None = None) -> PostForm:
    return PostForm(
        request.POST if request else None,
        request.FILES if request else None,
        case_label=selectors.case_label(case),
        may_lower=selectors.is_coordinator(actor),
        people=selectors.recipients_eligible(actor=actor, case=case, thread=thread),
    )


def _page(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    thread_id: int,
    *,
    form: PostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    thread = selectors.thread_get(actor=actor, case=case, thread_id=thread_id)
    last_read = selectors.read_marker(actor=actor, thread=thread)
    thread, shown = selectors.thread_read(actor=actor, case=case, thread_id=thread.pk)
    if shown:
        services.message_mark_read(actor=actor, case=case, thread_id=thread.pk, up_to=shown[-1].id)
    may_post = bool(authorize(actor, Permission.CASE_MESSAGE, case_resource(case)))
    return render(
        request,
        "messaging/thread.html",
        {
            "case": case,
            "case_label": selectors.case_label(case),
            "thread": thread,
            "thread_title": selectors.thread_title(thread, actor),
            "threads": selectors.thread_rows(actor=actor, case=case),
            "messages_shown": shown,
            "last_read": last_read,
            "me": actor.user_id,
            "form": (form or _form(actor, case, thread)) if may_post else None,
            "candidates": selectors.private_thread_candidates(actor=actor, case=case),
        },
        status=status,
    )


@requires(Permission.CASE_READ)
@require_GET
def messages_home(request: HttpRequest, number: str) -> HttpResponse:
    actor, case = _case(request, number)
    thread = services.thread_case_wide(actor=actor, case=case)
    return _page(request, actor, case, thread.pk)


@requires(Permission.CASE_READ)
@require_GET
def thread_detail(request: HttpRequest, number: str, thread_id: int) -> HttpResponse:
    actor, case = _case(request, number)
    return _page(request, actor, case, thread_id)


def _uploads(form: PostForm) -> list[services.Upload]:
    upload = form.cleaned_data.get("file")
    if not upload:
        return []
    limit = settings.AKRITES.attachment_max_bytes
    return [
        services.Upload(
            filename=upload.name or "attachment",
            content_type=upload.content_type or "",
            data=upload.read(limit + 1),
        )
    ]


@requires(Permission.CASE_MESSAGE)
@require_POST
def message_post(request: HttpRequest, number: str, thread_id: int) -> HttpResponse:
    actor, case = _case(request, number)
    thread = selectors.thread_get(actor=actor, case=case, thread_id=thread_id)
    form = _form(actor, case, thread, request)
    htmx = request.headers.get("HX-Request") == "true"
    if form.is_valid():
        try:
            posted = services.message_post(
                actor=actor,
                case=case,
                thread_id=thread.pk,
                body=form.cleaned_data["body"],
                tlp=form.cleaned_data["tlp"] or None,
                recipients=form.cleaned_data.get("recipients") or [],
                attachments=_uploads(form),
            )
        except (InvalidInput, Forbidden, Conflict) as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not htmx:
                return HttpResponseRedirect(f"{_url(case, thread.pk)}#m{posted.pk}")
            (view,) = selectors.message_views(case, type(posted).objects.filter(pk=posted.pk))
            return render(
                request,
                "messaging/_posted.html",
                {"case": case, "thread": thread, "m": view, "form": _form(actor, case, thread)},
            )
    if htmx:  # htmx swaps only 2xx responses: the form comes back with its errors
        return render(
            request, "messaging/_post_form.html", {"case": case, "thread": thread, "form": form}
        )
    return _page(request, actor, case, thread.pk, form=form, status=422)


@requires(Permission.CASE_COORDINATE)
@require_POST
def private_open(request: HttpRequest, number: str) -> HttpResponse:
    actor, case = _case(request, number)
    try:
        thread = services.thread_open_private(
            actor=actor, case=case, user_id=int(request.POST.get("user") or 0)
        )
    except (InvalidInput, ValueError) as exc:
        flash.error(request, getattr(exc, "message", "Choose a person read in to the case."))
        return HttpResponseRedirect(_url(case))
    return HttpResponseRedirect(_url(case, thread.pk))


@requires(Permission.CASE_READ)
@require_GET
def search(request: HttpRequest, number: str) -> HttpResponse:
    actor, case = _case(request, number)
    query = request.GET.get("q", "")
    results, error = [], ""
    try:
        results = selectors.message_search(actor=actor, case=case, query=query)
    except InvalidInput as exc:
        error = exc.message
    titles = {t.id: t.title for t in selectors.thread_rows(actor=actor, case=case)}
    return render(
        request,
        "messaging/search.html",
        {
            "case": case,
            "case_label": selectors.case_label(case),
            "query": query,
            "results": [(titles.get(m.thread_id, ""), m) for m in results],
            "error": error,
        },
        status=422 if error else 200,
    )


@requires(Permission.CASE_READ)
@require_GET
def attachment_download(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    actor, case = _case(request, number)
    name, content_type, data, tlp = selectors.attachment_open(
        actor=actor, case=case, attachment_id=attachment_id
    )
    return attachment_response(name, content_type, data, label(tlp))


def attachment_response(name: str, content_type: str, data: bytes, tlp: str) -> HttpResponse:
    """A download that never renders in the browser, labelled with its TLP."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-TLP"] = tlp
    return response
