"""The SIRT's case list and case page (the full workspace grows from here)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from akrites.accounts.auth import actor_from_request
from akrites.cases import selectors
from akrites.domain.lifecycle import CaseState
from akrites.domain.permissions import Permission
from akrites.domain.policy import authorize
from akrites.web.access import requires


@requires(Permission.CASE_READ)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    qs = selectors.cases_visible_to(actor=actor).order_by("-first_reported_at")
    state = request.GET.get("state", "")
    if state in {s.value for s in CaseState}:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"case": c, "title": selectors.case_title(c)} for c in page]
    return render(request, "cases/list.html", {
        "page": page, "rows": rows, "state": state, "states": [s.value for s in CaseState],
    })


@requires(Permission.CASE_READ)
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_from_request(request)
    case = selectors.case_get(actor=actor, number=number)
    return render(request, "cases/detail.html", {
        "case": case,
        "title": selectors.case_title(case),
        "finders": selectors.case_finders(case),
        "can_triage": bool(authorize(actor, Permission.CASE_TRIAGE)),
    })
