"""Fail closed: every route declares what it needs, and undeclared views are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from akrites.api import operations, undeclared_operations
from akrites.web.access import access_of
from akrites.web.middleware import AccessDeclarationMiddleware
from tests.factories import make_user, sign_in

NINJA_MOUNT = "api/v1/"


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_web_route_declares_its_access() -> None:
    undeclared = []
    seen = 0
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(NINJA_MOUNT) and route != "api/v1/openapi.json":
            continue  # API operations are checked one by one below
        seen += 1
        if access_of(callback) is None:
            undeclared.append(route)
    assert seen >= 20
    assert undeclared == []


def test_every_api_operation_declares_its_access() -> None:
    ops = list(operations())
    assert len(ops) >= 12
    assert undeclared_operations() == []


def test_public_routes_are_the_expected_few() -> None:
    public = sorted(
        route
        for route, cb in _walk(get_resolver().url_patterns)
        if (a := access_of(cb)) is not None and not a.signed_in
    )
    assert public == [
        ".well-known/csaf/openpgp/<str:file_name>",
        ".well-known/csaf/provider-metadata.json",
        ".well-known/csaf/white/<str:year>/<str:file_name>",
        ".well-known/csaf/white/changes.csv",
        ".well-known/csaf/white/csaf-feed-tlp-white.json",
        ".well-known/csaf/white/index.txt",
        ".well-known/security.txt",
        "account/set-password/<uidb64>/<token>/",
        "advisories/",
        "advisories/<str:advisory_id>/",
        "advisories/<str:advisory_id>/<str:file_name>",
        "advisories/feed.atom",
        "api/v1/openapi.json",
        "healthz",
        "login/",
        "osv/<str:ecosystem>/all.zip",
        "osv/ecosystems.txt",
        "osv/v1/query",
        "osv/v1/querybatch",
        "osv/v1/vulns/<str:vuln_id>",
        "security.txt",
        "transparency/",
    ]
    api_public = [f"{m} {p}" for m, p, f in operations() if not access_of(f).signed_in]  # type: ignore[union-attr]
    assert api_public == ["GET /api/v1/schemas/report.json"]


def test_undeclared_view_is_refused_at_runtime() -> None:
    def sneaky(request: Any) -> Any:
        raise AssertionError("must never run")

    middleware = AccessDeclarationMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/sneaky/")
    response = middleware.process_view(request, sneaky, (), {})
    assert response is not None
    assert response.status_code == 403


@pytest.mark.django_db
def test_every_page_refuses_anonymous_visitors() -> None:
    client = Client()
    for route, callback in _walk(get_resolver().url_patterns):
        access = access_of(callback)
        if route.startswith(NINJA_MOUNT) or access is None or not access.signed_in:
            continue
        url = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), url


@pytest.mark.django_db
def test_every_api_operation_refuses_anonymous_callers() -> None:
    client = Client()
    for method, path, func in operations():
        if not access_of(func).signed_in:  # type: ignore[union-attr]
            continue
        url = re.sub(r"\{\w+\}", "1", path)
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 401, f"{method} {url}"
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.django_db
def test_observer_is_refused_everything_beyond_reading() -> None:
    observer = make_user("government", "observer")
    client = sign_in(Client(), observer, verified=False)
    assert client.get("/components/").status_code == 200
    for url in ("/components/new/", "/organisations/", "/audit/", "/account/tokens/"):
        assert client.get(url).status_code == 403, url
