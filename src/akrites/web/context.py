"""Template context shared by every page: who is signed in and what they may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from akrites.accounts.auth import actor_from_request
from akrites.domain.permissions import Permission
from akrites.domain.policy import may_ever

_NAV: tuple[tuple[str, str, Permission], ...] = (
    ("Dashboard", "/", Permission.PROFILE_READ),
    ("Report", "/reports/new/", Permission.REPORT_SUBMIT),
    ("Reports", "/reports/", Permission.REPORT_READ),
    ("Triage", "/triage/", Permission.CASE_TRIAGE),
    ("Cases", "/cases/", Permission.CASE_READ),
    ("Components", "/components/", Permission.COMPONENT_READ),
    ("Organisations", "/organisations/", Permission.ORGANISATION_LIST),
    ("My organisation", "/organisation/", Permission.MEMBER_READ),
    ("Case invitations", "/organisation/cases/", Permission.MEMBER_MANAGE),
    ("Webhooks", "/organisation/webhooks/", Permission.WEBHOOK_MANAGE),
    ("API tokens", "/account/tokens/", Permission.TOKEN_MANAGE),
    ("Audit log", "/audit/", Permission.AUDIT_READ),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = actor_from_request(request)
    if not actor.is_authenticated or actor.needs_second_factor:
        return {"nav": [], "actor": actor}
    path = request.path
    items = [
        {"label": label, "url": url, "active": path == url if url == "/" else path.startswith(url)}
        for label, url, perm in _NAV
        if may_ever(actor, perm)
    ]
    return {"nav": items, "actor": actor}
