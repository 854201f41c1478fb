"""Declarations for API operations, mirroring :mod:`akrites.web.access` for pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from akrites.accounts.auth import actor_from_request
from akrites.domain.errors import Forbidden, Unauthenticated
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, may_ever
from akrites.web.access import ATTRIBUTE, Access

F = TypeVar("F", bound=Callable[..., Any])


def api_requires(permission: Permission) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            actor = actor_from_request(request)
            if not actor.is_authenticated:
                raise Unauthenticated("sign in, or send 'Authorization: Bearer <token>'")
            decision = may_ever(actor, permission)
            if not decision:
                raise Forbidden(decision.reason)
            return func(request, *args, **kwargs)

        setattr(wrapper, ATTRIBUTE, Access(permission=permission, signed_in=True))
        return wrapper  # type: ignore[return-value]

    return decorate


def api_public(reason: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        setattr(func, ATTRIBUTE, Access(permission=None, signed_in=False, reason=reason))
        return func

    return decorate


def actor(request: HttpRequest) -> Actor:
    return actor_from_request(request)
