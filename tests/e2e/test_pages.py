"""Every page a SIRT coordinator opens is served with a Content-Security-Policy and runs
without console errors or CSP violations (the `page` fixture also checks this after every
test); screenshots of the main pages can be taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from akrites.domain.permissions import OrgKind, Role
from akrites.registry.models import SecurityContact
from tests.e2e.helpers import PageWatch, at, authenticator_for, sign_in
from tests.factories import ComponentFactory, OrganisationFactory, make_user

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > len(PNG_SIGNATURE), path
    assert data.startswith(PNG_SIGNATURE), path


def test_pages_have_a_csp_and_no_console_errors(
    page: Page, watch: PageWatch, tmp_path: Path
) -> None:
    coordinator = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    maintainers = OrganisationFactory(kind=OrgKind.MAINTAINER.value, name="Widget Team")
    component = ComponentFactory(
        purl="pkg:pypi/widget",
        name="widget",
        critical=True,
        sectors=["energy"],
        maintainer_org=maintainers,
    )
    SecurityContact.objects.create(
        component=component,
        channel="email",
        address="security@widget.example",
        role="security-team",
        confidence="published",
    )
    sign_in(page, coordinator.email, device=authenticator_for(coordinator))

    expect(page.get_by_role("heading", name="SIRT overview")).to_be_visible()
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    nav = page.get_by_role("navigation", name="Main")
    for label, heading in [
        ("Components", "Component registry"),
        ("Organisations", "Organisations"),
        ("My organisation", coordinator.organisation.name),
        ("API tokens", "API tokens"),
        ("Audit log", "Audit log"),
    ]:
        nav.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    page.get_by_role("button", name="Verify the chain").click()  # htmx
    expect(page.locator("#verdict")).to_contain_text("The chain is intact")

    page.goto("/components/")
    page.get_by_label("Search").press_sequentially("widg")  # htmx
    expect(page).to_have_url(at("/components/"))
    page.locator("#rows").get_by_role("link", name="pkg:pypi/widget").click()
    expect(page.get_by_role("heading", name="pkg:pypi/widget")).to_be_visible()
    expect(page.get_by_role("cell", name="security@widget.example")).to_be_visible()
    page.screenshot(path=tmp_path / "component.png", full_page=True)
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Critical", exact=True)).to_be_checked()
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    _assert_png(tmp_path / "dashboard.png")
    _assert_png(tmp_path / "component.png")

    visited = {d.url.removeprefix(watch.origin).split("?")[0] for d in watch.documents}
    assert {
        "/",
        "/components/",
        f"/components/{component.pk}/",
        f"/components/{component.pk}/edit/",
        "/organisations/",
        "/organisation/",
        "/account/tokens/",
        "/audit/",
        "/account/",
        "/account/two-factor/",
    } <= visited
    for document in watch.documents:
        policy = document.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy, document.url
        assert "unsafe-inline" not in policy, document.url
        assert "frame-ancestors 'none'" in policy, document.url
    assert watch.problems() == []


def test_the_watch_notices_a_csp_violation(page: Page, watch: PageWatch) -> None:
    """The check above would pass vacuously if violations went unnoticed: inject an
    inline script, which the policy must block, and see it reported."""
    page.goto("/login/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        blocked = page.evaluate("""() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation", () => resolve(true),
                                      {once: true});
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.append(s);
        })""")

    assert blocked
    assert page.evaluate("() => window.injected === undefined")
    assert any("script-src" in v for v in watch.csp_violations), watch.csp_violations
    assert any("Content Security Policy" in e for e in watch.console_errors), watch.console_errors
    # Seen and understood: the fixture's own end-of-test check must not fail on it.
    watch.csp_violations.clear()
    watch.console_errors.clear()
