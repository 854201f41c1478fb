"""The REST API: bearer tokens, session + CSRF, JSON errors with a code and a message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from akrites.accounts import services
from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import ApiToken, User
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import SYSTEM
from akrites.registry.models import Component
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db


def bearer(user: User, scopes: list[str] | None = None) -> dict[str, str]:
    created = services.token_create(actor=SYSTEM, user=user, name="test", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {created.secret}"}


def test_openapi_document_is_served() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/components" in doc["paths"]
    assert "bearer" in str(doc["components"]["securitySchemes"]).lower()


def test_healthz() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_anonymous_gets_401_json() -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_bearer_token_acts_as_its_user() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    response = Client().get("/api/v1/me", **bearer(user))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["via_token"] is True
    assert "accounts:token:manage" not in body["permissions"]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(
                expires_at=timezone.now() - timedelta(days=1)
            ),
            "token_expired",
        ),
        (
            lambda t: ApiToken.objects.filter(pk=t.pk).update(revoked_at=timezone.now()),
            "token_revoked",
        ),
    ],
)
def test_expired_and_revoked_tokens_get_specific_401(mutate, code: str) -> None:  # type: ignore[no-untyped-def]
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    created = services.token_create(actor=SYSTEM, user=user, name="t")
    mutate(created.token)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {created.secret}")
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_garbage_token_is_rejected() -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_token_scope_is_enforced() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    headers = bearer(coord, ["registry:component:read"])
    response = Client().post(
        "/api/v1/components", {"purl": "pkg:pypi/x"}, content_type="application/json", **headers
    )
    assert response.status_code == 403
    assert "scope" in response.json()["message"]
    assert not Component.objects.exists()


def test_tokens_cannot_mint_tokens() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    response = Client().post(
        "/api/v1/tokens", {"name": "child"}, content_type="application/json", **bearer(user)
    )
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_component_create_via_api_and_errors_name_the_field() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    headers = bearer(coord, ["registry:component:read", "registry:component:create"])
    client = Client()
    ok = client.post(
        "/api/v1/components",
        {"purl": "pkg:pypi/Flask", "critical": True, "sectors": ["finance"]},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 201
    assert ok.json()["purl"] == "pkg:pypi/flask"
    dup = client.post(
        "/api/v1/components", {"purl": "pkg:pypi/flask"}, content_type="application/json", **headers
    )
    assert dup.status_code == 409
    assert dup.json() == {
        "code": "conflict",
        "field": "purl",
        "message": "the component pkg:pypi/flask is already registered",
    }
    bad = client.post(
        "/api/v1/components", {"purl": "pkg:pypi/"}, content_type="application/json", **headers
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "purl"
    missing = client.post(
        "/api/v1/components", {"critical": True}, content_type="application/json", **headers
    )
    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid_input"
    assert missing.json()["field"] == "purl"
    malformed = client.post(
        "/api/v1/components", "{not json", content_type="application/json", **headers
    )
    assert malformed.status_code in (400, 422)
    assert "code" in malformed.json()
    assert Component.objects.count() == 1


def test_component_list_is_paginated_and_filtered() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    from akrites.registry.services import component_create

    for name in ("a", "b", "c"):
        component_create(actor=SYSTEM, purl=f"pkg:pypi/{name}")
    response = Client().get("/api/v1/components?limit=2&q=", **bearer(coord))
    body = response.json()
    assert body["count"] == 3
    assert len(body["items"]) == 2


def test_unknown_component_is_404_json() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    response = Client().get("/api/v1/components/999999", **bearer(user))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_contacts_of_others_components_look_missing() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    from akrites.registry.services import component_create, contact_add

    c = component_create(actor=SYSTEM, purl="pkg:pypi/x")
    contact_add(actor=SYSTEM, component=c, channel="email", address="s@x.org")
    response = Client().get(
        f"/api/v1/components/{c.pk}/contacts",
        **bearer(maintainer, ["registry:contact:read", "registry:component:read"]),
    )
    assert response.status_code == 404
    assert "s@x.org" not in response.content.decode()
    ok = Client().get(f"/api/v1/components/{c.pk}/contacts", **bearer(coord))
    assert ok.status_code == 200
    assert ok.json()[0]["address"] == "s@x.org"


def test_maintainer_patches_own_component_only() -> None:
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    from akrites.registry.services import component_create

    own = component_create(
        actor=SYSTEM, purl="pkg:pypi/own", maintainer_org=maintainer.organisation
    )
    other = component_create(actor=SYSTEM, purl="pkg:pypi/other")
    headers = bearer(maintainer, ["registry:component:read", "registry:component:edit"])
    ok = Client().patch(
        f"/api/v1/components/{own.pk}",
        {"description": "ours"},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 200
    assert ok.json()["description"] == "ours"
    denied = Client().patch(
        f"/api/v1/components/{other.pk}",
        {"description": "x"},
        content_type="application/json",
        **headers,
    )
    assert denied.status_code == 403
    classify = Client().patch(
        f"/api/v1/components/{own.pk}",
        {"critical": True, "sectors": ["health"]},
        content_type="application/json",
        **headers,
    )
    assert classify.status_code == 403


def test_session_auth_requires_csrf_for_writes() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    client = sign_in(Client(enforce_csrf_checks=True), coord)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/components", {"purl": "pkg:pypi/x"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not Component.objects.exists()
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    ok = client.post(
        "/api/v1/components",
        {"purl": "pkg:pypi/x"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert ok.status_code == 201


def test_session_without_second_factor_is_refused_for_sirt() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    client = sign_in(Client(), coord, verified=False)
    response = client.get("/api/v1/components")
    assert response.status_code == 403
    assert "two-factor" in response.json()["message"]


def test_audit_api_is_sirt_only() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    assert Client().get("/api/v1/audit/events", **bearer(reporter)).status_code == 403
    response = Client().get("/api/v1/audit/events", **bearer(coord, ["audit:event:read"]))
    assert response.status_code == 200
    assert any(e["action"] == "token.created" for e in response.json())


def test_organisation_members_are_visible_to_own_org_only() -> None:
    a = make_user(OrgKind.FINDER, Role.REPORTER)
    b = make_user(OrgKind.FINDER, Role.REPORTER)
    assert (
        Client().get(f"/api/v1/organisations/{a.organisation_id}/members", **bearer(a)).status_code
        == 200
    )
    other = Client().get(f"/api/v1/organisations/{b.organisation_id}/members", **bearer(a))
    assert other.status_code == 404
    assert b.email not in other.content.decode()
    listing = Client().get("/api/v1/organisations", **bearer(a)).json()
    assert [o["id"] for o in listing] == [a.organisation_id]


def test_actor_for_user_reflects_roles() -> None:
    user = make_user(OrgKind.VENDOR, Role.ADMIN, Role.VENDOR)
    actor = actor_for_user(user, mfa_verified=False)
    assert actor.roles == {Role.ADMIN, Role.VENDOR}


def test_aliases_via_api_are_validated_and_saved() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    headers = bearer(
        coord,
        [
            "registry:component:read",
            "registry:component:create",
            "registry:component:edit",
            "registry:component:classify",
        ],
    )
    created = Client().post(
        "/api/v1/components",
        {"purl": "pkg:pypi/pillow", "aliases": ["pkg:pypi/PIL"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    assert created.json()["aliases"] == ["pkg:pypi/pil"]
    bad = Client().patch(
        f"/api/v1/components/{created.json()['id']}",
        {"aliases": ["x"]},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "aliases[0]"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/components", "/api/v1/reports", "/api/v1/cases"])
def test_out_of_range_pages_are_bad_input_not_server_errors(path: str) -> None:
    """Found by schemathesis: an offset past 64 bits reached SQLite and failed there."""
    client = sign_in(Client(), make_user(OrgKind.SIRT, Role.COORDINATOR, Role.ANALYST))
    for query in ({"offset": "1028142895159439785984"}, {"offset": "-1"}, {"limit": "100000"}):
        r = client.get(path, query)
        assert r.status_code == 422, (path, query, r.status_code)
        assert r.json()["code"] == "invalid_input"
    assert client.get(path, {"offset": "1000000", "limit": "500"}).status_code == 200
