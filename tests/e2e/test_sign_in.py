"""Signing in and out in a real browser, with and without the second factor."""

from __future__ import annotations

import base64
import time

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from akrites.domain.permissions import OrgKind, Role
from tests.e2e.helpers import (
    at,
    authenticator_for,
    code_for_key,
    sign_in,
    submit_password,
    totp_code,
)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e


def test_wrong_password_is_refused_and_the_right_one_opens_the_reporter_dashboard(
    page: Page,
) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)

    submit_password(page, reporter.email, "not the password at all")

    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    expect(page).to_have_url(at("/login/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(reporter.email)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="Reporting vulnerabilities")).to_be_visible()
    expect(page.get_by_role("heading", name="SIRT overview")).to_have_count(0)


def test_sirt_coordinator_passes_the_second_factor_and_walks_the_sirt_pages(page: Page) -> None:
    coordinator = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    device = authenticator_for(coordinator)

    submit_password(page, coordinator.email)
    expect(page).to_have_url(at("/account/two-factor/"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # Until the second factor is passed, the SIRT pages stay closed.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)

    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="SIRT overview")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")

    nav.get_by_role("link", name="Components").click()
    expect(page).to_have_url(at("/components/"))
    expect(page.get_by_role("heading", name="Component registry")).to_be_visible()
    expect(nav.get_by_role("link", name="Components")).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name="Organisations").click()
    expect(page).to_have_url(at("/organisations/"))
    expect(page.get_by_role("cell", name=coordinator.organisation.name)).to_be_visible()
    # Something for the audit log to show: add an organisation through the form.
    page.get_by_label("Name").fill("Example Maintainers e.V.")
    page.get_by_label("Kind").select_option("maintainer")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Example Maintainers e.V.")).to_be_visible()

    nav.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(at("/audit/"))
    created = page.get_by_role("row").filter(has_text="organisation.created")
    expect(created).to_have_count(1)
    expect(created).to_contain_text(coordinator.email)
    expect(created).to_contain_text("Example Maintainers e.V.")

    page.get_by_role("button", name="Verify the chain").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("The chain is intact")
    # htmx swapped the verdict in: the page itself did not navigate away.
    expect(page).to_have_url(at("/audit/"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()


def test_sirt_user_without_authenticator_enrols_one_before_reaching_the_dashboard(
    page: Page,
) -> None:
    analyst = make_user(OrgKind.SIRT, Role.ANALYST)

    submit_password(page, analyst.email)

    expect(page).to_have_url(at("/account/two-factor/"))
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    pending = TOTPDevice.objects.get(user=analyst, confirmed=False)
    assert key == pending.bin_key

    # A code the authenticator would not show now (nor a step before or after).
    accepted = {code_for_key(key, drift=d) for d in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "123456", "654321", "999999") if c not in accepted)
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Confirm").click()

    # A first wrong code is called wrong (not "too many wrong codes": that needs several).
    expect(page.get_by_role("alert")).to_contain_text("That code is not valid")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    # Same secret after the failure: the user does not have to scan again.
    expect(page.locator("code.secret")).to_have_text(secret)
    assert not TOTPDevice.objects.filter(user=analyst, confirmed=True).exists()

    # django-otp throttles after a failure (1 s, doubling); a person would simply retry.
    pending.refresh_from_db()
    allowed, details = pending.verify_is_allowed()
    if not allowed:
        time.sleep(max(0.0, (details["locked_until"] - timezone.now()).total_seconds()) + 0.1)

    page.get_by_label("Code").fill(code_for_key(key))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name="SIRT overview")).to_be_visible()
    assert TOTPDevice.objects.filter(user=analyst, confirmed=True).count() == 1


def test_sign_out_from_the_top_bar_ends_the_session(page: Page) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    # The top bar names the account on every page, not only on the dashboard.
    top_bar = page.get_by_role("banner")
    top_bar.get_by_role("link", name=reporter.email).click()
    expect(page).to_have_url(at("/account/"))
    account = page.locator("dl.kv")
    expect(account).to_contain_text(reporter.email)
    expect(account).to_contain_text(reporter.organisation.name)
    expect(top_bar).to_contain_text(reporter.organisation.name)

    top_bar.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(at("/login/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(at("/login/"))
    assert page.url.endswith("/login/?next=%2F")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
