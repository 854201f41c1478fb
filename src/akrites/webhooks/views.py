"""The organisation's webhooks page: register endpoints, see deliveries, rotate secrets,
send a test, disable or delete. Only the organisation's administrators get here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.domain.case_events import CaseEvent
from akrites.domain.errors import Conflict, InvalidInput
from akrites.domain.permissions import Permission
from akrites.web.access import requires
from akrites.web.forms import add_error
from akrites.webhooks import selectors, services
from akrites.webhooks.forms import EndpointEditForm, EndpointForm, RotateForm

BASE = "/organisation/webhooks/"
_NEW_SECRET_KEY = "akrites_new_webhook_secret"


def _keep_secret_for_one_view(request: HttpRequest, created: services.NewSecret) -> None:
    # Post/redirect/get: a reload must not create another secret. The secret waits in the
    # session for exactly one page view of its own endpoint, like a new API token.
    request.session[_NEW_SECRET_KEY] = {"endpoint": created.endpoint.pk, "secret": created.secret}


def _pop_secret(request: HttpRequest, endpoint_id: int) -> str | None:
    if request.method != "GET":
        return None
    kept: Any = request.session.get(_NEW_SECRET_KEY)
    if not isinstance(kept, dict) or kept.get("endpoint") != endpoint_id:
        return None
    del request.session[_NEW_SECRET_KEY]
    return str(kept.get("secret"))


@requires(Permission.WEBHOOK_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = EndpointForm(request.POST or None, initial={"events": [CaseEvent.MESSAGE.value]})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.endpoint_create(
                actor=actor,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except (InvalidInput, Conflict) as exc:
            add_error(form, exc)
        else:
            _keep_secret_for_one_view(request, created)
            return HttpResponseRedirect(f"{BASE}{created.endpoint.pk}/")
    return render(
        request,
        "webhooks/list.html",
        {"endpoints": selectors.endpoints_visible_to(actor=actor), "form": form},
    )


@requires(Permission.WEBHOOK_MANAGE)
@require_http_methods(["GET", "POST"])
def endpoint_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    endpoint = selectors.endpoint_get(actor=actor, endpoint_id=webhook_id)
    form = EndpointEditForm(
        request.POST or None,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                actor=actor,
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                active=form.cleaned_data["active"],
            )
        except InvalidInput as exc:
            add_error(form, exc)
        else:
            messages.success(request, "The webhook was saved.")
            return HttpResponseRedirect(f"{BASE}{endpoint.pk}/")
    return render(
        request,
        "webhooks/detail.html",
        {
            "endpoint": endpoint,
            "form": form,
            "rotate_form": RotateForm(initial={"grace_hours": 24}),
            "new_secret": _pop_secret(request, endpoint.pk),
            "secrets": selectors.signing_secrets(endpoint),
            "deliveries": selectors.recent_deliveries(actor=actor, endpoint=endpoint),
        },
    )


@requires(Permission.WEBHOOK_MANAGE)
@require_POST
def endpoint_rotate(request: HttpRequest, webhook_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    endpoint = selectors.endpoint_get(actor=actor, endpoint_id=webhook_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the grace period in hours, from 0 to 168.")
        return HttpResponseRedirect(f"{BASE}{endpoint.pk}/")
    created = services.endpoint_rotate_secret(
        actor=actor, endpoint=endpoint, grace_hours=form.cleaned_data["grace_hours"]
    )
    _keep_secret_for_one_view(request, created)
    return HttpResponseRedirect(f"{BASE}{endpoint.pk}/")


@requires(Permission.WEBHOOK_MANAGE)
@require_POST
def endpoint_ping(request: HttpRequest, webhook_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    endpoint = selectors.endpoint_get(actor=actor, endpoint_id=webhook_id)
    try:
        delivery = services.endpoint_ping(actor=actor, endpoint=endpoint)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"A test delivery ({delivery.delivery_id}) is on its way.")
    return HttpResponseRedirect(f"{BASE}{endpoint.pk}/")


@requires(Permission.WEBHOOK_MANAGE)
@require_POST
def endpoint_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    endpoint = selectors.endpoint_get(actor=actor, endpoint_id=webhook_id)
    services.endpoint_delete(actor=actor, endpoint=endpoint)
    messages.success(request, "The webhook was deleted.")
    return HttpResponseRedirect(BASE)
