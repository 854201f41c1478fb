"""The dashboard (one per role) and the liveness probe."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from akrites.accounts.auth import actor_from_request
from akrites.accounts.selectors import organisations_visible_to
from akrites.audit.selectors import audit_events_visible_to
from akrites.cases.selectors import case_list_audit, my_cases
from akrites.domain.permissions import Permission, Role
from akrites.domain.policy import authorize, may_ever
from akrites.intake.receipts import status_of
from akrites.intake.selectors import reports_visible_to
from akrites.registry.selectors import components_visible_to
from akrites.web.access import public, requires


@public("liveness probe for load balancers; reveals nothing but 'ok'")
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001  (any database failure means not healthy)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@requires(Permission.PROFILE_READ)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    user = request.user
    ctx: dict[str, object] = {"user": user, "roles": sorted(actor.roles)}
    components = components_visible_to(actor=actor)
    if actor.is_sirt:
        ctx["sirt"] = {
            "organisations": organisations_visible_to(actor=actor).count(),
            "components": components.count(),
            "critical": components.filter(critical=True).count(),
            "unowned_critical": components.filter(
                critical=True, maintainer_org__isnull=True
            ).count(),
        }
        if authorize(actor, Permission.AUDIT_READ):
            ctx["recent_events"] = list(audit_events_visible_to(actor=actor, limit=8))
    if Role.MAINTAINER in actor.roles and actor.org_id is not None:
        ctx["own_components"] = list(components.filter(maintainer_org_id=actor.org_id)[:50])
    if actor.roles & {Role.VENDOR, Role.OPERATOR, Role.OBSERVER}:
        ctx["critical_components"] = list(components.filter(critical=True)[:50])
    if not actor.is_sirt and may_ever(actor, Permission.CASE_READ):
        mine = my_cases(actor=actor)
        case_list_audit(actor=actor, cases=[m.case for m in mine])
        ctx["my_cases"] = mine
    if Role.REPORTER in actor.roles:
        ctx["reporter"] = True
        ctx["my_reports"] = [
            status_of(r)
            for r in reports_visible_to(actor=actor)
            .select_related("case")
            .order_by("-received_at")[:10]
        ]
    if Role.ADMIN in actor.roles:
        ctx["org_admin"] = True
    return render(request, "web/dashboard.html", ctx)
