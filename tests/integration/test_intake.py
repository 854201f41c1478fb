"""Intake through the API: receipts, idempotency, bulk, dedup into cases, quotas, access."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client, override_settings

from akrites.audit.models import AuditEvent
from akrites.cases.models import Case
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.models import DedupSuggestion, Report
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db

MARKER = "ZEBRAFISH-7731"  # appears in report text only


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()


@pytest.fixture
def reporter():  # type: ignore[no-untyped-def]
    return make_user(OrgKind.FINDER, Role.REPORTER)


def test_single_report_gets_a_receipt_and_a_case(reporter) -> None:  # type: ignore[no-untyped-def]
    response = submit(Client(), bearer(reporter, ["intake:report:submit"]), report_doc())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new_case"
    assert body["tracking_id"].startswith("AKR-")
    assert body["case"].startswith("AK-")
    report = Report.objects.get()
    assert report.case.number == body["case"]
    assert AuditEvent.objects.filter(
        action="report.received", target_id=body["tracking_id"]
    ).exists()
    event = AuditEvent.objects.get(action="report.received", target_id=body["tracking_id"])
    assert event.data["case"] == body["case"]
    assert event.data["opened_case"] is True


def test_nothing_is_stored_in_plaintext(reporter) -> None:  # type: ignore[no-untyped-def]
    doc = report_doc(
        title=f"Heap overflow {MARKER}",
        description=f"The parser {MARKER} overflows",
        reporter_ref=f"REF-{MARKER}",
    )
    assert submit(Client(), bearer(reporter), doc).status_code == 201
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  (table names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    raw = (
                        bytes(value)
                        if isinstance(value, (bytes, memoryview))
                        else str(value).encode()
                    )
                    assert MARKER.encode() not in raw, table


def test_idempotency_key_makes_retries_safe(reporter) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(reporter)
    first = submit(Client(), headers, report_doc(), key="retry-1")
    again = submit(Client(), headers, report_doc(), key="retry-1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["status"] == "already_received"
    assert again.json()["tracking_id"] == first.json()["tracking_id"]
    changed = submit(Client(), headers, report_doc(title="Something else entirely"), key="retry-1")
    assert changed.status_code == 409
    assert changed.json()["field"] == "idempotency_key"
    assert Report.objects.count() == 1


def test_reporter_reference_is_idempotent_too(reporter) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(reporter)
    assert submit(Client(), headers, report_doc(reporter_ref="LAB-1")).status_code == 201
    assert (
        submit(Client(), headers, report_doc(reporter_ref="LAB-1")).json()["status"]
        == "already_received"
    )
    conflict = submit(Client(), headers, report_doc(reporter_ref="LAB-1", title="Different"))
    assert conflict.status_code == 409
    assert Report.objects.count() == 1


def test_bad_report_names_the_field_and_stores_nothing(reporter) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(reporter)
    cases = [
        (report_doc(purl="pkg:pypi/"), "affected[0].purl"),
        (report_doc(purl="pkg:nosuch/x"), "affected[0].purl"),
        (report_doc(vers="vers:pypi/>=banana"), "affected[0].ranges[0].vers"),
        (
            {**report_doc(), "severity": [{"type": "CVSS_V3", "vector": "CVSS:3.1/AV:X"}]},
            "severity[0].vector",
        ),
        ({**report_doc(), "cwes": ["XSS"]}, "cwes[0]"),
        ({**report_doc(), "surprise": 1}, "surprise"),
    ]
    for doc, field in cases:
        response = submit(Client(), headers, doc)
        assert response.status_code == 422, (field, response.content)
        body = response.json()
        assert body["code"] == "invalid_report"
        assert any(e["field"].startswith(field) for e in body["errors"]), (field, body)
    not_json = Client().post("/api/v1/reports", "{oops", content_type="application/json", **headers)
    assert not_json.status_code == 422
    assert not_json.json()["field"] == "$"
    assert not Report.objects.exists()
    assert not Case.objects.exists()


def test_bulk_reports_each_item_and_keeps_the_valid_ones(reporter) -> None:  # type: ignore[no-untyped-def]
    docs = [
        report_doc(
            title="XSS in admin changelist",
            description="Stored XSS in the admin changelist via a crafted list_display value.",
            cwes=("CWE-79",),
            fix="https://github.com/django/django/commit/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
        report_doc(purl="pkg:pypi/"),
        report_doc(
            title="Path traversal in static serve",
            description="django.views.static."
            "serve allows reading files outside the document root with encoded dots.",
            cwes=("CWE-22",),
            fix="https://github.com/django/django/commit/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        ),
    ]
    response = Client().post(
        "/api/v1/reports/bulk",
        json.dumps({"reports": docs}),
        content_type="application/json",
        **bearer(reporter),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 2
    assert body["rejected"] == 1
    statuses = [r["status"] for r in body["results"]]
    assert statuses[1] == "rejected"
    assert body["results"][1]["errors"][0]["field"].startswith("affected[0].purl")
    assert Report.objects.count() == 2
    assert Case.objects.count() == 2  # two distinct flaws in one package stay apart


def test_json_lines_bulk_reports_line_numbers(reporter) -> None:  # type: ignore[no-untyped-def]
    lines = "\n".join(
        [
            json.dumps(report_doc()),
            "{broken",
            json.dumps(
                report_doc(
                    title="Other",
                    description="Another flaw in the URL resolver with a crafted path.",
                    fix="https://github.com/django/django/commit/cccccccccccccccccccccccccccccccccccccccc",
                )
            ),
        ]
    )
    response = Client().post(
        "/api/v1/reports/bulk", lines, content_type="application/x-ndjson", **bearer(reporter)
    )
    body = response.json()
    assert body["accepted"] == 2
    assert body["results"][1]["status"] == "rejected"
    assert body["results"][1]["errors"][0].get("line") == 2


def test_same_flaw_from_two_finders_becomes_one_case() -> None:
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    bank = make_user(OrgKind.OPERATOR, Role.REPORTER)
    first = submit(Client(), bearer(lab), report_doc()).json()
    second = submit(
        Client(),
        bearer(bank),
        report_doc(
            title="order_by() SQL injection through column alias",
            description="Passing untrusted input as a column alias to QuerySet.order_by() leads to "
            "SQL injection; aliases are interpolated into SQL unquoted.",
        ),
    ).json()
    assert second["status"] == "duplicate", second
    assert second["case"] == first["case"]
    assert "credited as an independent finder" in second["message"]
    assert lab.email not in json.dumps(second)
    assert lab.organisation.name not in json.dumps(second)
    case = Case.objects.get(number=first["case"])
    assert {r.organisation_id for r in case.reports.all()} == {
        lab.organisation_id,
        bank.organisation_id,
    }


def test_distinct_flaws_in_one_package_stay_apart(reporter) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(reporter)
    a = submit(Client(), headers, report_doc()).json()
    b = submit(
        Client(),
        headers,
        report_doc(
            title="Denial of service in intcomma template filter",
            description="The intcomma filter takes quadratic time on very long strings, allowing a "
            "denial of service.",
            cwes=("CWE-400",),
            fix="https://github.com/django/django/commit/dddddddddddddddddddddddddddddddddddddddd",
            vers="vers:pypi/>=5.0|<5.0.9",
        ),
    ).json()
    assert a["case"] != b["case"]


def test_engine_rebuilds_from_the_log_after_a_restart() -> None:
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    bank = make_user(OrgKind.OPERATOR, Role.REPORTER)
    first = submit(Client(), bearer(lab), report_doc()).json()
    reset_engine()  # a new process: the in-memory index is gone
    second = submit(Client(), bearer(bank), report_doc()).json()
    assert second["case"] == first["case"]


@override_settings()
def test_quota_refuses_with_retry_after(reporter, settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    settings.AKRITES = replace(settings.AKRITES, intake_per_minute=2)
    headers = bearer(reporter)
    docs = [
        report_doc(
            title=f"Flaw {i}",
            description=f"Distinct flaw number {i} in the template engine.",
            fix=f"https://github.com/django/django/commit/{i:040d}",
        )
        for i in range(3)
    ]
    too_many = Client().post(
        "/api/v1/reports/bulk",
        json.dumps({"reports": docs}),
        content_type="application/json",
        **headers,
    )
    assert too_many.status_code == 429
    assert int(too_many["Retry-After"]) >= 1
    assert too_many.json()["code"] == "rate_limited"
    assert not Report.objects.exists()
    ok = Client().post(
        "/api/v1/reports/bulk",
        json.dumps({"reports": docs[:2]}),
        content_type="application/json",
        **headers,
    )
    assert ok.json()["accepted"] == 2


def test_reporters_see_their_own_reports_only(reporter) -> None:  # type: ignore[no-untyped-def]
    other = make_user(OrgKind.FINDER, Role.REPORTER)
    mine = submit(Client(), bearer(reporter), report_doc()).json()["tracking_id"]
    own = Client().get(f"/api/v1/reports/{mine}", **bearer(reporter))
    assert own.status_code == 200
    assert own.json()["case"].startswith("AK-")
    stranger = Client().get(f"/api/v1/reports/{mine}", **bearer(other))
    missing = Client().get("/api/v1/reports/AKR-0000000000000000", **bearer(other))
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()
    assert Client().get("/api/v1/reports", **bearer(other)).json()["count"] == 0


def test_coordinator_confirms_rejects_merges_and_splits() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    headers = bearer(lab)
    a = submit(Client(), headers, report_doc()).json()
    b = submit(
        Client(),
        headers,
        report_doc(
            title="Path traversal in static serve",
            description="django.views.static.serve allows reading files outside the document root.",
            cwes=("CWE-22",),
            fix="https://github.com/django/django/commit/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
        ),
    ).json()
    assert a["case"] != b["case"]
    ch = bearer(coord, ["cases:case:triage", "intake:report:read"])
    merged = Client().post(
        f"/api/v1/cases/{a['case']}/merge",
        json.dumps({"other": b["case"]}),
        content_type="application/json",
        **ch,
    )
    assert merged.status_code == 200, merged.content
    moved = Report.objects.get(tracking_id=b["tracking_id"])
    assert moved.case.number == a["case"]
    assert Case.objects.get(number=b["case"]).state == "duplicate"
    assert AuditEvent.objects.filter(action="case.merged", target_id=a["case"]).exists()
    # The moved report is still readable: it was re-sealed with its new case's key.
    detail = sign_in(Client(), coord).get(f"/reports/{b['tracking_id']}/")
    assert b"Path traversal" in detail.content
    split = Client().post(f"/api/v1/reports/{b['tracking_id']}/split", **ch)
    assert split.status_code == 200, split.content
    new_case = split.json()["case"]
    assert new_case not in (a["case"], b["case"])
    assert Report.objects.get(tracking_id=b["tracking_id"]).received_at == moved.received_at
    # Splitting the last report of a case is refused.
    again = Client().post(f"/api/v1/reports/{b['tracking_id']}/split", **ch)
    assert again.status_code == 409
    # Reporters cannot triage.
    denied = Client().post(
        f"/api/v1/cases/{a['case']}/merge",
        json.dumps({"other": new_case}),
        content_type="application/json",
        **headers,
    )
    assert denied.status_code == 403


def _suggest(report_number: str, case_number: str) -> DedupSuggestion:
    from akrites.cases.keys import case_data_key, seal_for_case

    report = Report.objects.get(case__number=report_number)
    key = case_data_key(report.case)
    return DedupSuggestion.objects.create(
        report=report,
        case=Case.objects.get(number=case_number),
        score=0.7,
        evidence_sealed=seal_for_case(report.case, key, f"suggestion:{report.tracking_id}", "[]"),
    )


def test_suggestions_can_be_confirmed_or_rejected() -> None:
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    headers = bearer(lab)
    a = submit(Client(), headers, report_doc()).json()
    b = submit(
        Client(),
        headers,
        report_doc(
            title="Path traversal in static serve",
            description="django.views.static.serve allows reading files outside the document root.",
            cwes=("CWE-22",),
            fix="https://github.com/django/django/commit/ffffffffffffffffffffffffffffffffffffffff",
        ),
    ).json()
    c = submit(
        Client(),
        headers,
        report_doc(
            title="Open redirect in login view",
            description="The login view follows next= to "
            "other hosts when given a backslash-prefixed URL.",
            cwes=("CWE-601",),
            fix="https://github.com/django/django/commit/1111111111111111111111111111111111111111",
        ),
    ).json()
    rejected = _suggest(b["case"], a["case"])
    confirmed = _suggest(c["case"], a["case"])
    client = sign_in(Client(), coord)
    page = client.get("/triage/")
    assert page.status_code == 200
    assert b["tracking_id"].encode() in page.content
    assert (
        client.post(f"/triage/suggestions/{rejected.pk}/", {"decision": "reject"}).status_code
        == 302
    )
    rejected.refresh_from_db()
    assert rejected.state == "rejected"
    assert Report.objects.get(tracking_id=b["tracking_id"]).case.number == b["case"]
    client.post(f"/triage/suggestions/{confirmed.pk}/", {"decision": "confirm"})
    confirmed.refresh_from_db()
    assert confirmed.state == "confirmed"
    assert Report.objects.get(tracking_id=c["tracking_id"]).case.number == a["case"]
    status = Client().get(f"/api/v1/reports/{c['tracking_id']}", **headers).json()
    assert status["status"] == "duplicate"
    assert status["merged_by_coordinator"] is True
    assert AuditEvent.objects.filter(action="suggestion.rejected").exists()


def test_oversized_body_is_refused_with_413(reporter, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = json.dumps({"reports": [report_doc(description="x" * 4096)]})
    response = Client().post(
        "/api/v1/reports/bulk", body, content_type="application/json", **bearer(reporter)
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Report.objects.exists()


def test_malformed_sarif_and_osv_name_the_field(reporter) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(reporter)
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": "nope"}]}
    response = Client().post(
        "/api/v1/reports/bulk?format=sarif&purl=pkg:npm/app",
        json.dumps(sarif),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"].startswith("runs[0]")
    osv = {
        "id": "X-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "NoSuchHub", "name": "x"}}],
    }
    response = Client().post(
        "/api/v1/reports/bulk?format=osv",
        json.dumps(osv),
        content_type="application/json",
        **headers,
    )
    body = response.json()
    assert body["rejected"] == 1
    assert "affected[0].package.ecosystem" in body["results"][0]["errors"][0]["field"]
    assert not Report.objects.exists()


def test_osv_records_are_accepted_in_bulk(reporter) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    record = json.loads(
        (Path(__file__).parents[1] / "data" / "intake" / "osv" / "pypi-django.json").read_text()
    )
    response = Client().post(
        "/api/v1/reports/bulk",
        json.dumps(record),
        content_type="application/json",
        **bearer(reporter),
    )
    body = response.json()
    assert body["format"] == "osv"
    assert body["accepted"] >= 1, body
