"""The case workspace in a real browser: a coordinator triages a case from the queue with the
guard checklist, proposes an embargo and invites the maintainers; their administrator reads
a maintainer in, who finds the case on the dashboard, accepts the date and answers in the
case thread; exploitation in the wild shortens the embargo; a maintainer who is not read in
gets the same "not found" as for a case that does not exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from akrites.accounts.auth import actor_for_user
from akrites.cases import workflow
from akrites.cases.embargo import embargo_propose
from akrites.cases.models import Case, CaseEmbargo, CaseParticipant
from akrites.cases.services import case_invite_organisation
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.messaging.models import Message
from tests.e2e.helpers import PageWatch, at, authenticator_for, sign_in
from tests.factories import ComponentFactory, make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()


def _setup():  # type: ignore[no-untyped-def]
    coordinator = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    maintainer = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    ComponentFactory(
        purl="pkg:pypi/quetzal", name="quetzal", maintainer_org=maintainer.organisation
    )
    number = submit(Client(), bearer(lab), report_doc(purl="pkg:pypi/quetzal")).json()["case"]
    return coordinator, lab, maintainer, Case.objects.get(number=number)


def _step(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#next-steps li[data-transition="{name}"]')


def test_coordinator_triages_from_the_queue_with_the_checklist(
    page: Page, watch: PageWatch
) -> None:
    coordinator, _, _, case = _setup()
    sign_in(page, coordinator.email, device=authenticator_for(coordinator))
    page.goto("/cases/?state=received")
    page.get_by_role("link", name=case.number).click()
    expect(page).to_have_url(at(f"/cases/{case.number}/"))
    _step(page, "start_triage").get_by_role("button", name="Start triage").click()
    expect(page.get_by_role("status")).to_contain_text(f"{case.number} is now triage.")

    accept = _step(page, "accept")
    expect(accept).to_contain_text("missing: a severity is assessed")
    expect(accept.get_by_role("button")).to_have_count(0)

    assessment = page.locator("section").filter(has=page.get_by_role("heading", name="Assessment"))
    assessment.get_by_label("Severity").select_option("critical")
    assessment.get_by_label("Component (package URL)").fill("pkg:pypi/quetzal")
    assessment.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Assessment saved.")
    expect(page.locator("dl.kv").first).to_contain_text("critical (P1)")

    _step(page, "accept").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text(f"{case.number} is now accepted.")
    expect(_step(page, "notify_maintainer")).to_contain_text("missing: an embargo is proposed")
    assert Case.objects.get(pk=case.pk).state == "accepted"

    # The queue finds it by priority, and the timeline records what happened.
    page.goto("/cases/?priority=1")
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    page.goto("/cases/?priority=4")
    expect(page.get_by_role("link", name=case.number)).to_have_count(0)
    page.goto(f"/cases/{case.number}/")
    timeline = page.locator("section").filter(has=page.get_by_role("heading", name="Timeline"))
    expect(timeline).to_contain_text("triage → accepted")
    expect(timeline).to_contain_text(coordinator.email)


def test_maintainer_is_read_in_accepts_the_embargo_and_answers(
    browser: Browser,
    page: Page,
    live_server,
    watch: PageWatch,  # type: ignore[no-untyped-def]
) -> None:
    coordinator, _, maintainer, case = _setup()
    coord = actor_for_user(coordinator, mfa_verified=True)
    case_invite_organisation(
        actor=coord, case=case, organisation=maintainer.organisation, role="maintainer"
    )
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))

    sign_in(page, maintainer.email)
    expect(page.locator("#my-cases")).to_contain_text("You are not read in to any case")
    page.goto("/organisation/cases/")
    card = page.locator("section").filter(has=page.get_by_role("heading", name=case.number))
    card.get_by_role("button", name="Read in").click()
    expect(page.get_by_role("status")).to_contain_text(f"is read in to {case.number}")
    assert CaseParticipant.objects.filter(case=case, user=maintainer, removed_at=None).exists()

    page.goto("/")
    page.locator("#my-cases").get_by_role("link", name=case.number).click()
    expect(page).to_have_url(at(f"/cases/{case.number}/"))
    page.get_by_role("button", name="Accept proposed date").click()
    expect(page.get_by_role("status")).to_contain_text("You accepted the proposed date.")
    assert CaseEmbargo.objects.get(case=case).status == "active"

    page.get_by_role("link", name="Messages").click()
    page.get_by_role("textbox", name="Message").fill("Confirmed; a fix is on the way in 2.4.1.")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Confirmed; a fix is on the way in 2.4.1.")).to_be_visible()
    assert Message.objects.filter(thread__case=case, author=maintainer).count() == 1
    case.refresh_from_db()
    assert case.maintainer_responded_at is None  # not notified yet: nothing to answer

    # Someone of another maintainer organisation, signed in, guesses the URL.
    stranger = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    other = browser.new_context(base_url=live_server.url)
    try:
        spy = other.new_page()
        sign_in(spy, stranger.email)
        missing = spy.goto("/cases/AK-2099-9999/")
        hidden = spy.goto(f"/cases/{case.number}/")
        assert missing is not None
        assert hidden is not None
        assert (hidden.status, missing.status) == (404, 404)
        assert case.number not in spy.content().replace("AK-2099-9999", "")
    finally:
        other.close()


def test_exploitation_in_the_wild_shortens_the_embargo(page: Page, watch: PageWatch) -> None:
    coordinator, _, _, case = _setup()
    coord = actor_for_user(coordinator, mfa_verified=True)
    workflow.case_assess(
        actor=coord, case=case, severity="medium", component_purl="pkg:pypi/quetzal"
    )
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=60))
    assert CaseEmbargo.objects.get(case=case).status == "active"  # no maintainer read in yet

    sign_in(page, coordinator.email, device=authenticator_for(coordinator))
    page.goto(f"/cases/{case.number}/")
    since = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Exploited in the wild since").fill(since)
    page.get_by_label("Source").fill("honeypot telemetry")
    page.get_by_role("button", name="Record exploitation").click()
    expect(page.get_by_role("status")).to_contain_text("the 7-day cap applies")
    expect(page.locator("dl.kv").first).to_contain_text("Exploited in the wild")
    end = CaseEmbargo.objects.get(case=case).end_at
    assert end is not None
    assert end <= timezone.now() + timedelta(days=6, hours=1)

    page.get_by_label("End early because").fill("fix released; every party is ready")
    page.get_by_role("button", name="End embargo now").click()
    expect(page.get_by_role("status")).to_contain_text("The embargo has ended early")
    assert CaseEmbargo.objects.get(case=case).status == "ended"
