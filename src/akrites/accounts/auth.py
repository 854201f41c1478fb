"""Glue between Django's authentication and the domain actor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_otp import user_has_device

from akrites.accounts.models import User
from akrites.domain.permissions import OrgKind, Permission, Role
from akrites.domain.policy import ANONYMOUS, Actor, OrgId, UserId


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account name django-axes throttles on: the e-mail, case-folded."""
    raw = (credentials or {}).get("username") or request.POST.get("email")
    return raw.strip().lower() if isinstance(raw, str) else None


def actor_for_user(
    user: User | Any, *, mfa_verified: bool, token_scopes: frozenset[Permission] | None = None
) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    org = user.organisation
    return Actor(
        user_id=UserId(user.pk),
        org_id=OrgId(org.pk),
        org_kind=OrgKind(org.kind),
        roles=frozenset(Role(r) for r in user.role_assignments.values_list("role", flat=True)),
        is_active=user.is_active,
        mfa_verified=mfa_verified,
        mfa_enrolled=token_scopes is None and user_has_device(user, confirmed=True),
        token_scopes=token_scopes,
    )


def actor_from_request(request: HttpRequest) -> Actor:
    """The actor for this request, computed once and cached on it."""
    cached = getattr(request, "_akrites_actor", None)
    if isinstance(cached, Actor):
        return cached
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    actor = actor_for_user(user, mfa_verified=bool(is_verified and is_verified()))
    request._akrites_actor = actor  # type: ignore[attr-defined]
    return actor
