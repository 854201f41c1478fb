from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.accounts.models import User
from akrites.audit.selectors import audit_chain_verify, audit_events_visible_to
from akrites.domain.permissions import Permission
from akrites.domain.policy import authorize
from akrites.web.access import requires


@requires(Permission.AUDIT_READ)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    events = list(audit_events_visible_to(actor=actor, limit=200))
    users = {
        u.pk: u.email
        for u in User.objects.filter(pk__in={e.actor_user_id for e in events if e.actor_user_id})
    }
    return render(
        request,
        "audit/log.html",
        {
            "events": events,
            "users": users,
            "can_verify": bool(authorize(actor, Permission.AUDIT_VERIFY)),
        },
    )


@requires(Permission.AUDIT_VERIFY)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/_verdict.html", {"verdict": audit_chain_verify()})
