"""Server-rendered pages: per-role dashboards, forms with specific errors, security headers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from akrites.accounts.models import User
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import SYSTEM
from akrites.registry.models import Component
from akrites.registry.services import component_create, contact_add
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure(response) -> None:  # type: ignore[no-untyped-def]
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for header, value in SECURITY_HEADERS.items():
        assert response[header] == value, header
    assert "Permissions-Policy" in response


@pytest.mark.parametrize("url", ["/login/", "/healthz", "/api/v1/openapi.json", "/no-such-page/"])
def test_public_responses_carry_security_headers(url: str) -> None:
    assert_secure(Client().get(url))


def test_signed_in_pages_carry_security_headers_and_are_not_cached(
    coordinator_client: Client,
) -> None:
    component = component_create(actor=SYSTEM, purl="pkg:pypi/x")
    for url in (
        "/",
        "/components/",
        f"/components/{component.pk}/",
        "/components/new/",
        f"/components/{component.pk}/edit/",
        "/organisations/",
        "/organisation/",
        "/account/",
        "/account/tokens/",
        "/audit/",
    ):
        response = coordinator_client.get(url)
        assert response.status_code == 200, url
        assert_secure(response)
        assert response["Cache-Control"] == "no-store", url


def test_static_assets_are_served_by_the_app() -> None:
    response = Client().get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    css = Client().get("/static/akrites/app.css")
    assert css.status_code == 200


def test_pages_load_no_third_party_assets(coordinator_client: Client) -> None:
    html = coordinator_client.get("/components/").content.decode()
    assert "https://" not in html.split("<body")[0]
    assert '<script src="/static/vendor/htmx.min.js"' in html


@pytest.mark.parametrize(
    ("kind", "roles", "heading"),
    [
        (OrgKind.SIRT, (Role.COORDINATOR,), "SIRT overview"),
        (OrgKind.MAINTAINER, (Role.MAINTAINER,), "Your organisation's components"),
        (OrgKind.FINDER, (Role.REPORTER,), "Reporting vulnerabilities"),
        (OrgKind.OPERATOR, (Role.OPERATOR,), "Critical components"),
        (OrgKind.DISTRIBUTOR, (Role.VENDOR,), "Critical components"),
        (OrgKind.FINDER, (Role.ADMIN, Role.REPORTER), "Manage members"),
    ],
)
def test_dashboard_per_role(kind: OrgKind, roles: tuple[Role, ...], heading: str) -> None:
    user = make_user(kind, *roles)
    response = sign_in(Client(), user).get("/")
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_navigation_shows_only_what_the_role_may_open() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    html = sign_in(Client(), reporter).get("/").content.decode()
    assert 'href="/components/"' in html
    assert 'href="/audit/"' not in html
    assert 'href="/organisations/"' not in html


def test_component_form_shows_field_error_and_creates_nothing(coordinator_client: Client) -> None:
    response = coordinator_client.post("/components/new/", {"purl": "pkg:pypi/"})
    assert response.status_code == 422
    assert "purl.name: is missing" in response.content.decode()
    assert not Component.objects.exists()
    ok = coordinator_client.post(
        "/components/new/", {"purl": "pkg:pypi/Flask", "critical": "on", "sectors": ["finance"]}
    )
    assert ok.status_code == 302
    assert Component.objects.get().purl == "pkg:pypi/flask"


def test_component_list_htmx_returns_rows_only(coordinator_client: Client) -> None:
    component_create(actor=SYSTEM, purl="pkg:pypi/flask")
    component_create(actor=SYSTEM, purl="pkg:npm/express")
    partial = coordinator_client.get("/components/?q=fla", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<html" not in html
    assert "pkg:pypi/flask" in html
    assert "pkg:npm/express" not in html


def test_contact_with_bad_key_shows_error(coordinator_client: Client) -> None:
    c = component_create(actor=SYSTEM, purl="pkg:pypi/x")
    response = coordinator_client.post(
        f"/components/{c.pk}/contacts/",
        {
            "channel": "email",
            "address": "s@x.org",
            "role": "security-team",
            "confidence": "confirmed",
            "openpgp_key": "not a key",
        },
    )
    assert response.status_code == 422
    assert "not a valid OpenPGP public key" in response.content.decode()
    assert not c.contacts.exists()


def test_reporter_does_not_see_security_contacts() -> None:
    c = component_create(actor=SYSTEM, purl="pkg:pypi/x")
    contact_add(actor=SYSTEM, component=c, channel="email", address="hidden@x.org")
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    html = sign_in(Client(), reporter).get(f"/components/{c.pk}/").content.decode()
    assert "hidden@x.org" not in html
    assert "Security contacts" not in html


def test_guessed_ids_get_the_same_404() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    other = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), reporter)
    missing = client.get("/organisations/999999/")
    hidden = client.get(f"/organisations/{other.organisation_id}/")
    assert missing.status_code == hidden.status_code == 404

    def strip_csrf(body: bytes) -> str:
        text = re.sub(r'"X-CSRFToken": "[^"]+"', "", body.decode())
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert strip_csrf(missing.content) == strip_csrf(hidden.content)


def test_org_admin_manages_members(mailoutbox: list) -> None:  # type: ignore[type-arg]
    admin = make_user(OrgKind.FINDER, Role.ADMIN, Role.REPORTER)
    client = sign_in(Client(), admin)
    page = client.get("/organisation/").content.decode()
    assert 'value="coordinator"' not in page  # roles offered fit the organisation kind
    response = client.post(
        "/organisation/", {"email": "new@example.org", "display_name": "New", "roles": ["reporter"]}
    )
    assert response.status_code == 302
    new = User.objects.get(email="new@example.org")
    assert new.organisation_id == admin.organisation_id
    bad = client.post("/organisation/", {"email": "x@example.org", "roles": ["coordinator"]})
    assert (
        "does not exist in a &#x27;finder&#x27; organisation" in bad.content.decode()
        or bad.status_code == 200
    )
    assert not User.objects.filter(email="x@example.org").exists()
    client.post(f"/members/{new.pk}/active/", {"active": "0"})
    new.refresh_from_db()
    assert not new.is_active


def test_admin_cannot_touch_other_organisations_members() -> None:
    admin = make_user(OrgKind.FINDER, Role.ADMIN)
    victim = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), admin)
    response = client.post(f"/members/{victim.pk}/active/", {"active": "0"})
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.is_active


def test_token_page_shows_secret_once() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), user)
    created = client.post("/account/tokens/", {"name": "ci", "expires_in_days": 30}, follow=True)
    assert created.redirect_chain[-1][0] == "/account/tokens/"
    html = created.content.decode()
    assert "akr_" in html
    again = client.get("/account/tokens/").content.decode()
    assert "Your new token" not in again
    assert "ci" in again


def test_logout_requires_post() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), user)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")


def test_open_redirect_after_login_is_refused() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    from tests.factories import PASSWORD

    response = Client().post(
        "/login/?next=https://evil.example/", {"email": user.email, "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_times_are_shown_in_the_users_time_zone() -> None:
    from akrites.accounts.auth import actor_for_user
    from akrites.accounts.services import user_set_time_zone
    from akrites.domain.errors import InvalidInput

    coord = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    client = sign_in(Client(), coord)
    response = client.post("/account/", {"form": "time_zone", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    coord.refresh_from_db()
    assert coord.time_zone == "Asia/Tokyo"
    page = client.get("/audit/").content.decode()
    assert "JST" in page  # the audit log's times are now in Tokyo time
    with pytest.raises(InvalidInput, match="unknown time zone"):
        user_set_time_zone(
            actor=actor_for_user(coord, mfa_verified=True), user=coord, time_zone="Mars/Olympus"
        )
    bad = client.post("/account/", {"form": "time_zone", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200
    assert "unknown time zone" in bad.content.decode()


def test_password_form_still_works_beside_the_time_zone_form() -> None:
    from tests.factories import PASSWORD

    user = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), user)
    response = client.post(
        "/account/",
        {"form": "password", "current": PASSWORD, "new": "an even longer passphrase 77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("an even longer passphrase 77")
