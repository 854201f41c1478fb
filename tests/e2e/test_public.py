"""An anonymous visitor reads the public advisories: the index, one advisory's page, and its
CSAF document, with no console errors or CSP violations (the ``page`` fixture checks)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from akrites.intake.engine import reset_engine
from tests.e2e.helpers import PageWatch, at
from tests.publication_helpers import published, ready_case

pytestmark = pytest.mark.e2e


def test_an_anonymous_visitor_reads_an_advisory_and_follows_its_csaf_link(
    page: Page, watch: PageWatch, tmp_path: Path
) -> None:
    # Showing a JSON file, Chromium asks for /favicon.ico (pages name theirs): not a defect.
    watch.error_documents.add(f"{watch.origin}/favicon.ico")
    reset_engine()
    flow = published(ready_case())
    identifier = flow.advisory.identifier

    page.goto("/advisories/")
    expect(page.get_by_role("heading", name="Security advisories")).to_be_visible()
    nav = page.get_by_role("navigation", name="Public")  # no sign-in: only the public pages
    expect(nav.get_by_role("link", name="Advisories")).to_have_attribute("aria-current", "page")
    page.screenshot(path=tmp_path / "advisories.png", full_page=True)

    page.get_by_role("link", name=identifier).click()
    expect(page).to_have_url(at(f"/advisories/{identifier}/"))
    expect(
        page.get_by_role(
            "heading", name=f"{identifier}: Heap overflow in the Quetzal frame decoder"
        )
    ).to_be_visible()
    expect(page.locator("#affected")).to_contain_text(">= 1.0, < 2.4.1")
    expect(page.locator("#severity")).to_contain_text("9.8")
    page.screenshot(path=tmp_path / "advisory.png", full_page=True)

    formats = page.locator("#formats")
    csaf_row = formats.get_by_role("row").filter(has_text="CSAF 2.0 security advisory")
    csaf_row.get_by_role("link").first.click()  # the document; then its hashes
    expect(page).to_have_url(re.compile(r"/\.well-known/csaf/white/\d{4}/akr-\d{4}-\d{4}\.json$"))
    document = json.loads(page.locator("body").inner_text())
    assert document["document"]["csaf_version"] == "2.0"
    assert document["document"]["tracking"]["id"] == identifier
