"""Every endpoint declares what it needs. Undeclared endpoints are refused
(:class:`akrites.web.middleware.AccessDeclarationMiddleware`) and fail the test
that walks all routes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from akrites.accounts.auth import actor_from_request
from akrites.domain.errors import Forbidden
from akrites.domain.permissions import Permission
from akrites.domain.policy import may_ever

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "akrites_access"
TWO_FACTOR_URL = "/account/two-factor/"


@dataclass(frozen=True, slots=True)
class Access:
    """What an endpoint needs: a permission, only a signed-in user, or nothing (public)."""

    permission: Permission | None
    signed_in: bool
    reason: str = ""


def access_of(view: Any) -> Access | None:
    seen = 0
    while view is not None and seen < 10:
        found = getattr(view, ATTRIBUTE, None)
        if isinstance(found, Access):
            return found
        view = getattr(view, "__wrapped__", None) or getattr(view, "view_class", None)
        seen += 1
    return None


def _mark(view: F, access: Access) -> F:
    setattr(view, ATTRIBUTE, access)
    return view


def public(reason: str) -> Callable[[F], F]:
    """No sign-in needed. ``reason`` says why that is safe."""

    def decorate(view: F) -> F:
        return _mark(view, Access(permission=None, signed_in=False, reason=reason))

    return decorate


def _to_login(request: HttpRequest) -> HttpResponse:
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")


def signed_in(reason: str) -> Callable[[F], F]:
    """Any signed-in user, before two-factor checks (e.g. the enrolment page itself)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _to_login(request)
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]

        return _mark(wrapper, Access(permission=None, signed_in=True, reason=reason))  # type: ignore[arg-type]

    return decorate


def requires(permission: Permission) -> Callable[[F], F]:
    """A web view that needs ``permission`` (for at least one resource: the view's
    selector or service then checks the specific one)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = actor_from_request(request)
            if not actor.is_authenticated:
                return _to_login(request)
            if actor.needs_second_factor:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{TWO_FACTOR_URL}?{query}")
            decision = may_ever(actor, permission)
            if not decision:
                raise Forbidden(decision.reason)
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]

        return _mark(wrapper, Access(permission=permission, signed_in=True))  # type: ignore[arg-type]

    return decorate
