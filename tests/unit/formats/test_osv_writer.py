"""Advisory -> OSV: valid against the official schema, with the content OSV consumers read."""

from __future__ import annotations

import pytest

from akrites.domain.advisory import Advisory
from akrites.domain.formats.osv_writer import advisory_id_from_osv, advisory_to_osv, osv_id
from akrites.domain.formats.schemas import SchemaName, schema_errors
from tests.unit.formats.factories import (
    CONTEXT,
    CVSS_V3,
    CVSS_V4,
    FIX_COMMIT,
    INTRODUCED_COMMIT,
    REPO,
    draft_advisory,
    full_advisory,
    samples,
    withdrawn_advisory,
)


@pytest.mark.parametrize(("name", "advisory"), [*samples(), ("draft", draft_advisory())])
def test_record_validates_against_the_official_osv_schema(name: str, advisory: Advisory) -> None:
    assert schema_errors(SchemaName.OSV, advisory_to_osv(advisory, CONTEXT)) == []


def test_id_uses_the_local_database_form() -> None:
    record = advisory_to_osv(full_advisory(), CONTEXT)

    assert record["id"] == "x_AKR-2026-0042" == osv_id("AKR-2026-0042")
    assert advisory_id_from_osv(record["id"]) == "AKR-2026-0042"
    assert advisory_id_from_osv("GHSA-xxxx-xxxx-xxxx") is None
    assert record["aliases"] == ["CVE-2026-31337"]
    assert record["schema_version"] == "1.7.5"


def test_record_carries_dates_text_and_severity() -> None:
    record = advisory_to_osv(full_advisory(), CONTEXT)

    assert record["published"] == "2026-03-02T09:30:00Z"
    assert record["modified"] == "2026-03-09T16:00:00Z"
    assert "withdrawn" not in record
    assert record["summary"] == "SQL injection in QuerySet.values() on JSONField"
    assert record["details"].startswith("An attacker who controls **JSON keys**")
    assert record["severity"] == [
        {"type": "CVSS_V3", "score": CVSS_V3},
        {"type": "CVSS_V4", "score": CVSS_V4},
    ]


def test_ranges_per_ecosystem() -> None:
    django, babel, legacy = advisory_to_osv(full_advisory(), CONTEXT)["affected"]

    assert django["package"] == {"ecosystem": "PyPI", "name": "django", "purl": "pkg:pypi/django"}
    assert django["ranges"] == [
        {
            "type": "ECOSYSTEM",
            "events": [
                {"introduced": "4.2"},
                {"fixed": "4.2.15"},
                {"introduced": "5.0"},
                {"fixed": "5.0.8"},
            ],
        },
        {
            "type": "GIT",
            "repo": REPO,
            "events": [{"introduced": INTRODUCED_COMMIT}, {"fixed": FIX_COMMIT}],
        },
    ]
    assert babel["package"]["name"] == "@babel/traverse"
    assert babel["ranges"] == [
        {
            "type": "SEMVER",
            "events": [
                {"introduced": "0"},
                {"fixed": "7.23.2"},
                {"introduced": "8.0.0-alpha.0"},
                {"fixed": "8.0.0-alpha.4"},
            ],
        }
    ]
    assert legacy["package"]["ecosystem"] == "Maven"
    assert legacy["package"]["name"] == "org.example:legacy-json"
    assert legacy["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.9.3"}]}
    ]
    assert legacy["versions"] == ["2.0-beta1"]
    assert legacy["database_specific"] == {"no_fix": True}


def test_credits_honour_chosen_names_and_types_and_omit_declined_ones() -> None:
    record = advisory_to_osv(full_advisory(), CONTEXT)

    assert record["credits"] == [
        {"name": "Frontier AI Lab", "type": "FINDER"},
        {"name": "Ada Researcher", "type": "REPORTER", "contact": ["https://ada.example"]},
        {"name": "Akrites SIRT", "type": "COORDINATOR"},
        {"name": "Django Security Team", "type": "REMEDIATION_DEVELOPER"},
    ]
    assert "Real Name Withheld" not in str(record)


def test_references_and_database_specific() -> None:
    record = advisory_to_osv(full_advisory(), CONTEXT)
    page = "https://sirt.example.org/advisories/AKR-2026-0042"

    assert [(r["type"], r["url"]) for r in record["references"]][:2] == [
        ("ADVISORY", page),
        ("FIX", f"{REPO}/commit/{FIX_COMMIT}"),
    ]
    assert [r["type"] for r in record["references"]][2:] == ["ADVISORY", "REPORT", "WEB"]
    assert record["database_specific"] == {
        "akrites_id": "AKR-2026-0042",
        "url": page,
        "cwe_ids": ["CWE-89", "CWE-943"],
        "severity": "CRITICAL",
        "workarounds": ["Do not pass user-controlled keys to `values()`."],
    }


def test_withdrawn_record_says_when_and_why() -> None:
    record = advisory_to_osv(withdrawn_advisory(), CONTEXT)

    assert record["withdrawn"] == "2026-03-09T16:00:00Z"
    assert record["database_specific"]["withdrawn_reason"].startswith("The report was a duplicate")


def test_writer_is_deterministic() -> None:
    assert advisory_to_osv(full_advisory(), CONTEXT) == advisory_to_osv(full_advisory(), CONTEXT)
