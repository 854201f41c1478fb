"""Cross-cutting web behaviour: fail-closed access declarations, error pages,
and security headers that Django's own settings do not cover."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from akrites.cases.keys import KeyDestroyedError
from akrites.domain.errors import AkritesError, Forbidden, NotFound
from akrites.web.access import access_of

log = logging.getLogger(__name__)

_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., Any]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", _PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages for signed-in users may hold confidential data: never cache them.
            response.headers["Cache-Control"] = "no-store"
        return response

    return middleware


def _is_ninja(view_func: Any) -> bool:
    # django-ninja dispatches to operations that carry their own declarations; those are
    # checked when the API is built (akrites.api) and by the route-walking test.
    owner = getattr(view_func, "__self__", None)
    module = getattr(view_func, "__module__", "") or ""
    return module.startswith("ninja.") or type(owner).__module__.startswith("ninja.")


class AccessDeclarationMiddleware:
    """Refuses any view that did not declare what it needs, and renders domain errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if access_of(view_func) is not None or _is_ninja(view_func):
            return None
        log.error("refused %s: the view declares no permission", request.path)
        return render(
            request,
            "web/error.html",
            {"title": "Not available", "message": "This page is not available."},
            status=403,
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, KeyDestroyedError):
            return render(
                request,
                "web/error.html",
                {
                    "title": "Content destroyed",
                    "message": "The key of this case was destroyed: its content cannot be read "
                    "by anyone any more.",
                },
                status=410,
            )
        if not isinstance(exception, AkritesError):
            return None
        if isinstance(exception, NotFound):
            return render(
                request,
                "web/error.html",
                {
                    "title": "Not found",
                    "message": "There is nothing here, or you do not have access to it.",
                },
                status=404,
            )
        if isinstance(exception, Forbidden):
            return render(
                request,
                "web/error.html",
                {"title": "Not allowed", "message": exception.message},
                status=403,
            )
        return render(
            request,
            "web/error.html",
            {"title": "Request refused", "message": exception.message},
            status=exception.status,
        )


class UserTimeZoneMiddleware:
    """Times are stored in UTC and shown in each signed-in user's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = getattr(getattr(request, "user", None), "time_zone", "") or "UTC"
        try:
            timezone.activate(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            timezone.activate(ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
