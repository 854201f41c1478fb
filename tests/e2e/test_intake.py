"""Intake in a real browser: reporters submit through the form or a file and get a receipt
naming their case; a second finder learns only that the flaw is known; coordinators
confirm a deduplication suggestion, merge two cases and split a report out again. Every
intake page is served with a Content-Security-Policy and runs without console errors (the
`page` fixture fails the test otherwise)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import Organisation, User
from akrites.cases.keys import case_data_key, seal_for_case
from akrites.cases.models import Case
from akrites.domain.intake import parse_report
from akrites.domain.permissions import OrgKind, Role
from akrites.intake import services
from akrites.intake.engine import reset_engine
from akrites.intake.models import Channel, DedupSuggestion, Report
from tests.e2e.helpers import PageWatch, at, authenticator_for, sign_in
from tests.factories import OrganisationFactory, make_user
from tests.integration.intake_helpers import report_doc

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "data" / "intake"
FILE_LABEL = "Report file (Akrites JSON / JSON Lines, OSV, or SARIF 2.1.0)"
TRACKING_ID = re.compile(r"AKR-[0-9A-F]{16}")
FIX_COMMIT = "https://github.com/pallets/flask/commit/70f906c51ce49c485f1d355703e9cc3386b1cc2b"
CVSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N"
FLASK_REPORT: dict[str, str] = {
    "purl": "pkg:pypi/flask",
    "vers": "vers:pypi/<2.3.2",
    "title": "Session cookie sent to the wrong client behind a caching proxy",
    "description": (
        "When Flask is hosted behind a caching proxy that does not strip cookies, a response "
        "that refreshes the permanent session cookie lacks 'Vary: Cookie'. The proxy may then "
        "serve one client's session cookie to other clients. Fixed by always setting "
        "'Vary: Cookie' when the session is accessed or refreshed."
    ),
    "cwes": "CWE-539",
    "cvss": CVSS,
    "references": FIX_COMMIT,
    "reporter_ref": "LAB-2024-017",
}


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    """The live server shares this process's in-memory dedup engine, which still knows the
    cases of earlier tests (their rows were flushed): start from the log."""
    reset_engine()


def _case_number() -> re.Pattern[str]:
    return re.compile(rf"AK-{timezone.now().year}-\d{{4}}")


def _nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def _open_report_form(page: Page) -> None:
    _nav(page, "Report")
    expect(page).to_have_url(at("/reports/new/"))
    expect(page.get_by_role("heading", name="Report a vulnerability")).to_be_visible()


def _report_form(page: Page) -> Locator:
    return page.locator("form[action='/reports/new/']")


def _fill_report(page: Page, values: dict[str, str]) -> None:
    form = _report_form(page)
    form.get_by_label("Affected package (Package URL)").fill(values["purl"])
    form.get_by_label("Affected versions (vers)").fill(values["vers"])
    form.get_by_label("Title").fill(values["title"])
    form.get_by_label("Description").fill(values["description"])
    form.get_by_label("CWE ids").fill(values["cwes"])
    form.get_by_label("CVSS version").select_option("CVSS_V3")
    form.get_by_label("CVSS vector").fill(values["cvss"])
    form.get_by_label("References").fill(values["references"])
    form.get_by_label("Your reference (makes resubmission safe)").fill(values["reporter_ref"])


def _submit_report(page: Page) -> None:
    _report_form(page).get_by_role("button", name="Submit report").click()


def _tracking_id_of_receipt(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/reports/AKR-[0-9A-F]{16}/$"))
    found = TRACKING_ID.search(page.url)
    assert found, page.url
    return found.group(0)


def _field(page: Page, label: str) -> Locator:
    return _report_form(page).locator(".field").filter(has=page.get_by_label(label))


def _assert_served_with_csp(watch: PageWatch, paths: set[str]) -> None:
    """Each of ``paths`` was opened, and every page came with a strict policy."""
    visited = {d.url.removeprefix(watch.origin).split("?")[0] for d in watch.documents}
    assert paths <= visited, sorted(visited)
    for document in watch.documents:
        policy = document.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy, document.url
        assert "unsafe-inline" not in policy, document.url
        assert "frame-ancestors 'none'" in policy, document.url
    assert watch.problems() == []


def _seed_report(user: User, **doc: Any) -> Report:
    """A report ``user`` submitted earlier (through the service the API and form use)."""
    (receipt,) = services.reports_submit(
        actor=actor_for_user(user, mfa_verified=False),
        user=user,
        organisation=user.organisation,
        items=[parse_report(report_doc(**doc))],
        channel=Channel.API,
        source_format="akrites",
    )
    assert receipt.ok, receipt.message
    return Report.objects.select_related("case").get(tracking_id=receipt.tracking_id)


def _suggest(report: Report, case: Case) -> DedupSuggestion:
    """What the engine leaves when it is not sure: as tests/integration/test_intake.py does."""
    key = case_data_key(report.case)
    return DedupSuggestion.objects.create(
        report=report,
        case=case,
        score=0.7,
        evidence_sealed=seal_for_case(report.case, key, f"suggestion:{report.tracking_id}", "[]"),
    )


def test_reporter_submits_a_report_and_gets_a_receipt_with_its_case(
    page: Page, watch: PageWatch
) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    _open_report_form(page)

    _fill_report(page, FLASK_REPORT)
    _submit_report(page)

    tracking_id = _tracking_id_of_receipt(page)
    report = Report.objects.select_related("case").get()
    assert report.tracking_id == tracking_id
    assert report.organisation == reporter.organisation
    assert report.channel == Channel.WEB
    case_number = report.case.number
    assert _case_number().fullmatch(case_number), case_number

    expect(page.get_by_role("heading", level=1)).to_contain_text(tracking_id)
    expect(page.get_by_role("status")).to_contain_text(
        f"{tracking_id}: received; case {case_number} opened"
    )
    expect(page.locator("p.status")).to_contain_text(f"case {case_number}")
    receipt = page.locator("dl.kv").first
    expect(receipt).to_contain_text(case_number)
    expect(page.get_by_role("heading", name=FLASK_REPORT["title"])).to_be_visible()
    content = page.locator("section").filter(
        has=page.get_by_role("heading", level=2, name=FLASK_REPORT["title"])
    )
    expect(content).to_contain_text("pkg:pypi/flask")
    expect(content).to_contain_text("vers:pypi/<2.3.2")
    expect(content).to_contain_text("CWE-539")
    expect(content).to_contain_text(CVSS)
    expect(content).to_contain_text("LAB-2024-017")
    expect(content).to_contain_text(FIX_COMMIT)
    # A reporter does not triage.
    expect(page.get_by_role("button", name="Split into its own case")).to_have_count(0)

    _nav(page, "Reports")
    expect(page).to_have_url(at("/reports/"))
    row = page.get_by_role("row").filter(has_text=tracking_id)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(case_number)
    row.get_by_role("link", name=tracking_id).click()
    expect(page).to_have_url(at(f"/reports/{tracking_id}/"))

    _assert_served_with_csp(watch, {"/reports/new/", f"/reports/{tracking_id}/", "/reports/"})


def test_malformed_purl_and_cvss_vector_are_named_and_the_typed_values_kept(
    page: Page, watch: PageWatch
) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    _open_report_form(page)
    bad = {**FLASK_REPORT, "purl": "pkg:pypi/", "cvss": "CVSS:3.1/AV:N/AC:Q/PR:N"}

    _fill_report(page, bad)
    _submit_report(page)

    expect(page).to_have_url(at("/reports/new/"))
    purl_error = _field(page, "Affected package (Package URL)").locator(".field-error")
    vector_error = _field(page, "CVSS vector").locator(".field-error")
    expect(purl_error).to_contain_text("affected[0].purl")
    expect(vector_error).to_contain_text("severity[0].vector")
    # Only the two bad fields complain.
    expect(_report_form(page).locator(".field-error")).to_have_count(2)
    # Nothing typed is lost.
    form = _report_form(page)
    expect(form.get_by_label("Affected package (Package URL)")).to_have_value("pkg:pypi/")
    expect(form.get_by_label("Affected versions (vers)")).to_have_value(bad["vers"])
    expect(form.get_by_label("Title")).to_have_value(bad["title"])
    expect(form.get_by_label("Description")).to_have_value(bad["description"])
    expect(form.get_by_label("CWE ids")).to_have_value(bad["cwes"])
    expect(form.get_by_label("CVSS version")).to_have_value("CVSS_V3")
    expect(form.get_by_label("CVSS vector")).to_have_value(bad["cvss"])
    expect(form.get_by_label("References")).to_have_value(bad["references"])
    expect(form.get_by_label("Your reference (makes resubmission safe)")).to_have_value(
        bad["reporter_ref"]
    )
    assert not Report.objects.exists()
    assert not Case.objects.exists()

    _assert_served_with_csp(watch, {"/reports/new/"})


def test_second_finder_learns_it_is_a_duplicate_but_not_who_reported_first(
    page: Page, watch: PageWatch
) -> None:
    lab_org: Organisation = OrganisationFactory(
        kind=OrgKind.FINDER.value, name="Lighthouse Research Lab"
    )
    bank_org: Organisation = OrganisationFactory(
        kind=OrgKind.OPERATOR.value, name="Harbour Savings Bank"
    )
    lab = make_user(OrgKind.FINDER, Role.REPORTER, org=lab_org, email="first.finder@lab.example")
    # What the second finder must never learn about the first report.
    first_finder = ["first.finder@lab.example", "Lighthouse Research Lab", FLASK_REPORT["title"]]
    bank = make_user(OrgKind.OPERATOR, Role.REPORTER, org=bank_org, email="analyst@bank.example")
    sign_in(page, lab.email)
    _open_report_form(page)
    _fill_report(page, FLASK_REPORT)
    _submit_report(page)
    first_id = _tracking_id_of_receipt(page)
    first_case = Report.objects.get(tracking_id=first_id).case
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()

    sign_in(page, bank.email)
    _open_report_form(page)
    _fill_report(
        page,
        {
            **FLASK_REPORT,
            "title": "Flask session cookie served to other users by caching proxies",
            "description": (
                "Flask behind a caching proxy: a response that refreshes the permanent session "
                "cookie lacks 'Vary: Cookie', and the proxy can then serve one user's session "
                "cookie to other users."
            ),
            "reporter_ref": "BANK-SEC-88",
        },
    )
    _submit_report(page)

    second_id = _tracking_id_of_receipt(page)
    assert second_id != first_id
    second = Report.objects.select_related("case").get(tracking_id=second_id)
    assert second.case == first_case
    assert second.organisation == bank_org
    first_seen = f"{first_case.first_reported_at:%Y-%m-%d %H:%M} UTC"
    expect(page.get_by_role("status")).to_contain_text(
        f"{second_id}: duplicate of case {first_case.number}, first reported at {first_seen}; "
        "you are credited as an independent finder"
    )
    expect(page.locator("p.status")).to_have_text(
        f"duplicate of case {first_case.number}, first reported at {first_seen}; "
        "you are credited as an independent finder"
    )
    html = page.content()
    for secret in [*first_finder, first_id]:
        assert secret not in html, secret

    _nav(page, "Reports")
    expect(page.get_by_role("row").filter(has_text=second_id)).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text=first_id)).to_have_count(0)

    response = page.goto(f"/reports/{first_id}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    html = page.content()
    for secret in first_finder:
        assert secret not in html, secret

    _assert_served_with_csp(
        watch, {"/reports/new/", f"/reports/{first_id}/", f"/reports/{second_id}/", "/reports/"}
    )


def _upload_section(page: Page) -> Locator:
    return page.locator("section").filter(has=page.get_by_role("heading", name="Or upload a file"))


def test_scanner_sarif_upload_lists_a_tracking_id_per_finding(page: Page, watch: PageWatch) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    _open_report_form(page)
    upload = _upload_section(page)

    upload.get_by_label(FILE_LABEL).set_input_files(DATA / "sarif" / "semgrep-js.sarif")
    upload.get_by_label("Package URL (for SARIF files)").fill("pkg:npm/example-app")
    upload.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(at("/reports/upload/"))
    expect(page.get_by_role("heading", name="Upload result")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    links = page.get_by_role("table").get_by_role("link", name=TRACKING_ID)
    expect(links.first).to_be_visible()
    shown = set(links.all_inner_texts())
    stored = set(Report.objects.values_list("tracking_id", flat=True))
    assert shown
    assert shown == stored
    assert set(Report.objects.values_list("source_format", flat=True)) == {"sarif"}
    assert set(Report.objects.values_list("channel", flat=True)) == {Channel.BULK}

    tracking_id = min(shown)
    links.filter(has_text=tracking_id).click()
    expect(page).to_have_url(at(f"/reports/{tracking_id}/"))
    expect(page.locator("section").filter(has_text="Affected")).to_contain_text(
        "pkg:npm/example-app"
    )

    _assert_served_with_csp(
        watch, {"/reports/new/", "/reports/upload/", f"/reports/{tracking_id}/"}
    )


def test_broken_json_upload_names_the_line_and_stores_nothing(page: Page, watch: PageWatch) -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, reporter.email)
    _open_report_form(page)
    upload = _upload_section(page)
    broken = b'{\n  "schema_version": "1.0",\n  "title": "Unfinished"\n  "description": "x"\n}\n'

    upload.get_by_label(FILE_LABEL).set_input_files(
        {"name": "broken.json", "mimeType": "application/json", "buffer": broken}
    )
    upload.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(at("/reports/upload/"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("is not valid JSON")
    expect(alert).to_contain_text("line 4")
    expect(page.get_by_role("table")).to_have_count(0)
    assert not Report.objects.exists()

    _assert_served_with_csp(watch, {"/reports/new/", "/reports/upload/"})


def test_coordinator_confirms_a_suggestion_merges_two_cases_and_splits_a_report(
    page: Page, watch: PageWatch
) -> None:
    coordinator = make_user(OrgKind.SIRT, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    a = _seed_report(lab)
    b = _seed_report(
        lab,
        title="Path traversal in static serve",
        description="django.views.static.serve allows reading files outside the document root.",
        cwes=("CWE-22",),
        fix="https://github.com/django/django/commit/ffffffffffffffffffffffffffffffffffffffff",
    )
    c = _seed_report(
        lab,
        title="Open redirect in login view",
        description="The login view follows next= to "
        "other hosts when given a backslash-prefixed URL.",
        cwes=("CWE-601",),
        fix="https://github.com/django/django/commit/1111111111111111111111111111111111111111",
    )
    assert len({a.case, b.case, c.case}) == 3
    suggestion = _suggest(b, a.case)
    sign_in(page, coordinator.email, device=authenticator_for(coordinator))

    _nav(page, "Triage")
    expect(page).to_have_url(at("/triage/"))
    item = page.locator("section").filter(
        has=page.get_by_role("heading", name=f"{b.tracking_id} ({b.case.number}) → {a.case.number}")
    )
    expect(item).to_contain_text("score 0.70")
    item.get_by_role("button", name="Same flaw: merge").click()

    expect(page).to_have_url(at("/triage/"))
    expect(page.get_by_role("status")).to_contain_text(f"Merged into {a.case.number}.")
    expect(page.get_by_text("No open suggestions.")).to_be_visible()
    suggestion.refresh_from_db()
    assert suggestion.state == "confirmed"
    assert Report.objects.get(pk=b.pk).case == a.case
    assert Case.objects.get(pk=b.case.pk).state == "duplicate"

    merge = page.locator("section").filter(has=page.get_by_role("heading", name="Merge two cases"))
    merge.get_by_label("Keep case").fill(a.case.number)
    merge.get_by_label("Merge this case into it").fill(c.case.number)
    merge.get_by_role("button", name="Merge").click()

    expect(page).to_have_url(at("/triage/"))
    expect(page.get_by_role("status")).to_contain_text(
        f"{c.case.number} merged into {a.case.number}."
    )
    assert Report.objects.get(pk=c.pk).case == a.case
    source = Case.objects.get(pk=c.case.pk)
    assert source.state == "duplicate"
    assert source.merged_into == a.case
    assert a.case.reports.count() == 3

    page.goto(f"/reports/{c.tracking_id}/")
    expect(page.get_by_role("heading", name="Open redirect in login view")).to_be_visible()
    expect(page.locator("dl.kv").first).to_contain_text(a.case.number)
    page.get_by_role("button", name="Split into its own case").click()

    expect(page).to_have_url(at(f"/reports/{c.tracking_id}/"))
    split_into = Report.objects.select_related("case").get(pk=c.pk).case
    assert split_into not in (a.case, b.case, c.case)
    assert _case_number().fullmatch(split_into.number), split_into.number
    expect(page.get_by_role("status")).to_contain_text(
        f"{c.tracking_id} now has its own case {split_into.number}."
    )
    expect(page.locator("dl.kv").first).to_contain_text(split_into.number)
    # The re-sealed report still opens under its new case's key.
    expect(page.get_by_role("heading", name="Open redirect in login view")).to_be_visible()
    assert a.case.reports.count() == 2

    _assert_served_with_csp(watch, {"/triage/", f"/reports/{c.tracking_id}/"})
