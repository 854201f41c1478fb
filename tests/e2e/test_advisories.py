"""The advisory in a real browser: the finder chooses how to be credited, the coordinator
drafts the advisory from the case, sees what is still missing, fills it in, and publishes
once the embargo is over; the published files are listed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from akrites.cases.embargo import embargo_end_early
from akrites.intake.engine import reset_engine
from akrites.publication.models import Advisory, PublishedDocument
from tests.e2e.helpers import PageWatch, authenticator_for, sign_in
from tests.publication_helpers import ready_case

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()


def test_finder_credit_then_coordinator_drafts_completes_and_publishes(
    page: Page,
    context,
    watch: PageWatch,  # type: ignore[no-untyped-def]
) -> None:
    flow = ready_case(credit_name=None)
    Advisory.objects.all().delete()  # drafted on the page instead
    report = flow.case.reports.get()

    sign_in(page, flow.finder.email)
    page.goto(f"/reports/{report.tracking_id}/")
    credit = page.locator("#credit")
    credit.get_by_label("Credit us").check()
    credit.get_by_label("Name to credit").fill("Kestrel Security")
    credit.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your credit preference is saved.")
    context.clear_cookies()

    sign_in(page, flow.coordinator.email, device=authenticator_for(flow.coordinator))
    page.goto(f"/cases/{flow.case.number}/")
    page.get_by_role("link", name="Advisory").click()
    page.get_by_role("button", name="Draft the advisory").click()
    expect(page.get_by_role("status")).to_contain_text("drafted from the case")
    expect(page.locator("#advisory-state")).to_contain_text("draft")
    expect(page.get_by_text("Kestrel Security (finder)")).to_be_visible()

    page.get_by_label("CVSS 3.1 vector").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#advisory-state")).to_contain_text("missing: a severity")
    page.get_by_label("CVSS 3.1 vector").fill("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Advisory saved.")

    page.locator('[data-step="submit_for_review"]').get_by_role("button").click()
    page.locator('[data-step="approve"]').get_by_role("button").click()
    expect(page.locator('[data-step="publish"]')).to_contain_text("missing: the embargo has ended")
    embargo_end_early(actor=flow.coord, case=flow.case, reason="fix released")
    page.reload()
    page.locator('[data-step="publish"]').get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("is now published")
    expect(page.get_by_role("link", name="osv")).to_be_visible()
    assert PublishedDocument.objects.filter(current=True).count() == 5
