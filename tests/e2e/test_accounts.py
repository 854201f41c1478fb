"""Accounts in a real browser: API tokens, and an organisation admin adding a member who
then chooses a password from the e-mailed link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Page, Playwright, expect

from akrites.accounts.models import ApiToken, User
from akrites.domain.permissions import OrgKind, Role
from tests.e2e.helpers import at, run_queued_jobs, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def test_reporter_creates_an_api_token_uses_it_and_revokes_it(
    page: Page, playwright: Playwright, live_server: Any
) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(at("/account/tokens/"))
    expect(page.get_by_role("cell", name="No tokens yet.")).to_be_visible()

    page.get_by_label("Name").fill("scanner in CI")
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token")
    expect(shown).to_have_text(re.compile(r"^akr_\S{20,}$"))
    secret = shown.inner_text().strip()
    token = ApiToken.objects.get(user=reporter)
    assert secret.startswith(token.prefix)
    assert secret not in (token.digest, token.prefix)  # only a digest is stored
    row = page.get_by_role("row").filter(has_text="scanner in CI")
    expect(row).to_contain_text(token.prefix)

    # Coming back to the page (a fresh GET) never shows the secret again.
    page.goto("/account/tokens/")
    expect(page.get_by_role("row").filter(has_text="scanner in CI")).to_have_count(1)
    expect(page.locator("#new-token")).to_have_count(0)
    assert secret not in page.content()

    api = playwright.request.new_context(base_url=live_server.url)  # no browser cookies
    try:
        bearer = {"Authorization": f"Bearer {secret}"}
        before = api.get("/api/v1/me", headers=bearer)
        assert before.status == 200, before.text()
        me = before.json()
        assert me["email"] == reporter.email
        assert me["via_token"] is True

        page.get_by_role("row").filter(has_text="scanner in CI").get_by_role(
            "button", name="Revoke"
        ).click()

        expect(page.get_by_role("status")).to_contain_text("The token was revoked.")
        row = page.get_by_role("row").filter(has_text="scanner in CI")
        expect(row).to_have_class("revoked")
        expect(row).to_contain_text("revoked")
        expect(row.get_by_role("button", name="Revoke")).to_have_count(0)

        after = api.get("/api/v1/me", headers=bearer)
        assert after.status == 401
        assert after.json()["code"] == "token_revoked"
        assert after.headers["www-authenticate"] == "Bearer"
    finally:
        api.dispose()


def test_org_admin_adds_a_member_who_sets_a_password_from_the_emailed_link(page: Page) -> None:
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My organisation").click()
    expect(page).to_have_url(at("/organisation/"))
    expect(page.get_by_role("heading", name=admin.organisation.name, exact=True)).to_be_visible()

    add = page.locator("section").filter(has=page.get_by_role("heading", name="Add a member"))
    add.get_by_label("Email").fill("new.member@vendor.example")
    add.get_by_label("Display name").fill("Nia Member")
    add.get_by_label("vendor", exact=True).check()
    add.get_by_role("button", name="Add member").click()

    expect(page).to_have_url(at("/organisation/"))
    expect(page.get_by_role("status")).to_contain_text("new.member@vendor.example was added")
    row = page.get_by_role("row").filter(has_text="new.member@vendor.example")
    expect(row).to_contain_text("Nia Member")
    expect(row).to_contain_text("vendor")
    expect(row).to_contain_text("active")

    # The e-mail is the worker's job: queued with the change, not sent by the request.
    member = User.objects.get(email="new.member@vendor.example")
    job = DBTaskResult.objects.get()
    assert job.task_path.endswith("send_set_password_link")
    assert job.args_kwargs["args"] == [member.pk]
    assert mail.outbox == []
    run_queued_jobs()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.member@vendor.example"]
    link = re.search(r"https?://\S+/account/set-password/\S+/", message.body)
    assert link, message.body

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.goto(urlsplit(link.group(0)).path)  # the mail names the configured public URL
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    password = "Orchid-lantern-4471-river"
    page.get_by_label(re.compile(r"^New password(?! confirmation)")).fill(password)
    page.get_by_label("New password confirmation").fill(password)
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(at("/login/"))
    expect(page.get_by_text("Your password is set.")).to_be_visible()
    sign_in(page, "new.member@vendor.example", password)
    expect(page.get_by_role("heading", name="Welcome, Nia Member")).to_be_visible()

    # The link works once.
    page.goto(urlsplit(link.group(0)).path)
    expect(page.get_by_role("alert")).to_contain_text("expired or was already used")
