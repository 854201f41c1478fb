"""The component registry in a real browser: the SIRT registers and curates components,
maintainers keep their own ones current."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from akrites.accounts.models import Organisation
from akrites.domain.permissions import OrgKind, Role
from akrites.registry.models import Component, SecurityContact
from tests.e2e.helpers import at, authenticator_for, sign_in
from tests.factories import ComponentFactory, OrganisationFactory, make_user

pytestmark = pytest.mark.e2e


def test_coordinator_registers_a_component_and_adds_a_security_contact(page: Page) -> None:
    coordinator = make_user(OrgKind.SIRT, Role.COORDINATOR)
    sign_in(page, coordinator.email, device=authenticator_for(coordinator))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Components").click()
    page.get_by_role("link", name="Register a component").click()
    expect(page).to_have_url(at("/components/new/"))

    page.get_by_label("Package URL").fill("pypi/some-name")
    page.get_by_label("Description").fill("Parses things that matter.")
    page.get_by_label("Critical", exact=True).check()
    page.get_by_label("finance").check()
    page.get_by_role("button", name="Register").click()

    purl_field = page.locator(".field").filter(has=page.get_by_label("Package URL"))
    expect(purl_field.locator(".field-error")).to_be_visible()
    expect(page).to_have_url(at("/components/new/"))
    assert Component.objects.count() == 0
    # Nothing typed is lost: only the package URL needs fixing.
    expect(page.get_by_label("Description")).to_have_value("Parses things that matter.")
    expect(page.get_by_label("Critical", exact=True)).to_be_checked()
    expect(page.get_by_label("finance")).to_be_checked()

    page.get_by_label("Package URL").fill("pkg:pypi/some-name")
    page.get_by_role("button", name="Register").click()

    component = Component.objects.get()
    expect(page).to_have_url(at(f"/components/{component.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("pkg:pypi/some-name registered.")
    expect(page.get_by_role("heading", name="pkg:pypi/some-name")).to_be_visible()
    details = page.locator("dl.kv")
    expect(details).to_contain_text("Parses things that matter.")
    expect(details.locator(".badge.crit")).to_have_text("critical")
    expect(details).to_contain_text("finance")
    assert component.critical
    assert component.sectors == ["finance"]
    expect(page.get_by_role("cell", name="No security contact known.")).to_be_visible()

    page.get_by_label("Channel").select_option("email")
    page.get_by_label("Address").fill("security@some-name.example")
    page.get_by_label("Role").select_option("security-team")
    page.get_by_label("Confidence").select_option("confirmed")
    page.get_by_role("button", name="Add contact").click()

    expect(page.get_by_role("status")).to_contain_text("Contact added.")
    row = page.get_by_role("row").filter(has_text="security@some-name.example")
    expect(row).to_contain_text("security-team")
    expect(row).to_contain_text("confirmed")
    assert SecurityContact.objects.get().component == component


def test_component_search_filters_the_list_as_you_type(page: Page) -> None:
    coordinator = make_user(OrgKind.SIRT, Role.COORDINATOR)
    ComponentFactory(purl="pkg:pypi/alpha-widget", name="alpha-widget")
    ComponentFactory(purl="pkg:pypi/beta-gadget", name="beta-gadget")
    sign_in(page, coordinator.email, device=authenticator_for(coordinator))
    page.goto("/components/")
    rows = page.locator("#rows")
    alpha = rows.get_by_role("link", name="pkg:pypi/alpha-widget")
    beta = rows.get_by_role("link", name="pkg:pypi/beta-gadget")
    expect(alpha).to_be_visible()
    expect(beta).to_be_visible()

    page.get_by_label("Search").press_sequentially("alpha")

    expect(beta).to_have_count(0)
    expect(alpha).to_be_visible()
    expect(page).to_have_url(at("/components/"))
    assert "q=alpha" in page.url  # htmx pushed the filter into the address bar

    page.get_by_label("Search").fill("no-such-thing")
    expect(rows.get_by_role("cell", name="No components match.")).to_be_visible()
    expect(alpha).to_have_count(0)

    page.get_by_label("Search").fill("")
    expect(alpha).to_be_visible()
    expect(beta).to_be_visible()
    # The filtered rows replaced the old ones: the page still has one search form.
    expect(page.get_by_label("Search")).to_have_count(1)


def test_maintainer_edits_own_component_but_cannot_classify_or_register(page: Page) -> None:
    org: Organisation = OrganisationFactory(kind=OrgKind.MAINTAINER.value, name="Widget Team")
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=org)
    component = ComponentFactory(
        purl="pkg:pypi/widget", name="widget", maintainer_org=org, description="Old words."
    )
    sign_in(page, maintainer.email)

    own = page.locator("section").filter(
        has=page.get_by_role("heading", name="Your organisation's components")
    )
    expect(own.get_by_role("link", name="pkg:pypi/widget")).to_be_visible()

    own.get_by_role("link", name="pkg:pypi/widget").click()
    expect(page).to_have_url(at(f"/components/{component.pk}/"))
    page.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(at(f"/components/{component.pk}/edit/"))
    expect(page.get_by_label("Description")).to_have_value("Old words.")
    expect(page.locator("[name=critical]")).to_have_count(0)
    expect(page.locator("[name=sectors]")).to_have_count(0)
    expect(page.locator("[name=maintainer_org]")).to_have_count(0)

    page.get_by_label("Description").fill("New words from the maintainers.")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(at(f"/components/{component.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.locator("dl.kv")).to_contain_text("New words from the maintainers.")
    component.refresh_from_db()
    assert component.description == "New words from the maintainers."
    assert not component.critical

    page.goto("/components/new/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_label("Package URL")).to_have_count(0)
