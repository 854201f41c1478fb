"""Intake pages: the report form, file upload, one's reports, the triage queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.models import Report
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import report_doc

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parents[1] / "data" / "intake"


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()


FORM = {
    "purl": "pkg:pypi/flask",
    "vers": "vers:pypi/<2.3.2",
    "title": "Session cookie leak",
    "description": "Responses with Vary: Cookie missing let caching proxies share session "
    "cookies between users.",
    "cwes": "CWE-539",
    "cvss_type": "CVSS_V3",
    "cvss_vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "references": "https://github.com/pallets/flask/commit/70f906c51ce49c485f1d355703e9cc3386b1cc2b",
    "reporter_ref": "LAB-77",
    "ai_assisted": "on",
    "tool": "fuzzbot 2",
}


def test_reporter_submits_through_the_form_and_sees_the_receipt() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), reporter)
    assert client.get("/reports/new/").status_code == 200
    response = client.post("/reports/new/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert response["Location"] == f"/reports/{report.tracking_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Session cookie leak" in page
    assert report.case.number in page
    listing = client.get("/reports/").content.decode()
    assert report.tracking_id in listing


def test_form_errors_name_the_field_and_store_nothing() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), reporter)
    bad = {**FORM, "purl": "pkg:pypi/", "cvss_vector": "CVSS:3.1/AV:Q"}
    response = client.post("/reports/new/", bad)
    assert response.status_code == 422
    html = response.content.decode()
    assert "affected[0].purl" in html
    assert "severity[0].vector" in html
    assert not Report.objects.exists()


def test_upload_of_a_sarif_log_files_one_report_per_result() -> None:
    sarif = DATA / "sarif" / "semgrep-js.sarif"
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), reporter)
    response = client.post(
        "/reports/upload/",
        {
            "file": SimpleUploadedFile(
                "scan.sarif.json", sarif.read_bytes(), content_type="application/json"
            ),
            "purl": "pkg:npm/example-app",
        },
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    assert Report.objects.filter(source_format="sarif").count() >= 1


def test_upload_of_broken_json_is_refused_with_the_position() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), reporter)
    response = client.post(
        "/reports/upload/",
        {"file": SimpleUploadedFile("r.json", b'{"title": ', content_type="application/json")},
    )
    assert response.status_code == 422
    assert "line 1" in response.content.decode()
    assert not Report.objects.exists()


def test_triage_pages_are_for_the_sirt_only() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    assert sign_in(Client(), reporter).get("/triage/").status_code == 403
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    assert sign_in(Client(), coord).get("/triage/").status_code == 200


def test_reporter_cannot_open_another_organisations_report() -> None:
    a = make_user(OrgKind.FINDER, Role.REPORTER)
    b = make_user(OrgKind.FINDER, Role.REPORTER)
    client = sign_in(Client(), a)
    client.post("/reports/new/", FORM)
    tracking = Report.objects.get().tracking_id
    other = sign_in(Client(), b).get(f"/reports/{tracking}/")
    assert other.status_code == 404
    assert b"Session cookie leak" not in other.content
    assert json.dumps(report_doc())  # the helper stays importable for other tests


def test_sirt_sees_cases_with_every_finder_credited() -> None:
    from tests.integration.intake_helpers import bearer, submit

    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    bank = make_user(OrgKind.OPERATOR, Role.REPORTER)
    first = submit(Client(), bearer(lab), report_doc()).json()
    submit(Client(), bearer(bank), report_doc())
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    client = sign_in(Client(), coord)
    listing = client.get("/cases/").content.decode()
    assert first["case"] in listing
    page = client.get(f"/cases/{first['case']}/").content.decode()
    assert lab.organisation.name in page
    assert bank.organisation.name in page
    assert "independent finder" in page
    reporter_view = sign_in(Client(), lab).get(f"/cases/{first['case']}/")
    assert reporter_view.status_code == 404


def test_triage_mistakes_come_back_as_messages_not_error_pages() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    client = sign_in(Client(), coord)
    response = client.post(
        "/triage/merge/", {"into": "AK-1999-0001", "other": "AK-1999-0002"}, follow=True
    )
    assert response.status_code == 200
    assert "no case AK-1999-0001" in response.content.decode()
    twice = client.post("/triage/suggestions/999999/", {"decision": "confirm"}, follow=True)
    assert twice.status_code == 200
    assert "no such open suggestion" in twice.content.decode()
