"""OSV records -> drafts: realistic records per ecosystem, and malformed ones named by OSV path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from akrites.domain.formats import read_osv, reports_from_osv
from akrites.domain.intake import (
    EventKind,
    IntakeError,
    RangeEvent,
    RangeKind,
    ReferenceType,
    SeverityType,
)
from akrites.domain.purl import Ecosystem
from tests.unit.intake.factories import SCHEMAS, TODAY, load

RECORDS = [
    "osv/pypi-django.json",
    "osv/npm-babel-traverse.json",
    "osv/go-x-net.json",
    "osv/maven-log4j.json",
    "osv/crates-rustsec.json",
]


def osv_errors(record: object) -> list[tuple[str, str]]:
    with pytest.raises(IntakeError) as caught:
        read_osv(record, today=TODAY)
    return [(error.field, error.message) for error in caught.value.errors]


@pytest.mark.parametrize("name", [*RECORDS, "osv/malformed.json"])
def test_fixture_is_checked_against_the_official_osv_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / "osv-schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(load(name)))
    if name == "osv/malformed.json":
        assert errors, "the malformed record must also break the official schema"
    else:
        assert errors == []


def test_pypi_record_maps_every_field() -> None:
    (draft,) = reports_from_osv(load("osv/pypi-django.json"), today=TODAY)

    assert draft.reporter_ref == "PYSEC-2024-157"
    assert draft.aliases == ("CVE-2024-42005", "GHSA-pv4p-cwwg-4rph")
    assert draft.title == "SQL injection in QuerySet.values() on JSONField"
    assert draft.description.startswith("An issue was discovered in Django 5.0")
    (package,) = draft.affected
    assert (package.purl, package.ecosystem) == ("pkg:pypi/django", Ecosystem.PYPI)
    assert package.versions == ("4.2.14", "5.0.7")
    # Events come in version order, as OSV consumers sort them.
    assert [(e.kind, e.version) for e in package.ranges[0].events] == [
        (EventKind.INTRODUCED, "0"),
        (EventKind.FIXED, "4.2.15"),
        (EventKind.INTRODUCED, "5.0"),
        (EventKind.FIXED, "5.0.8"),
    ]
    assert [(s.type, s.base_score) for s in draft.severity] == [(SeverityType.CVSS_V3, 9.8)]
    assert draft.cwes == ("CWE-89",)
    assert [r.type for r in draft.references] == [
        ReferenceType.ADVISORY,
        ReferenceType.FIX,
        ReferenceType.OTHER,
    ]


def test_npm_scoped_packages_and_both_cvss_versions() -> None:
    (draft,) = reports_from_osv(load("osv/npm-babel-traverse.json"), today=TODAY)

    assert [p.purl for p in draft.affected] == [
        "pkg:npm/%40babel/traverse",
        "pkg:npm/babel-traverse",
    ]
    assert draft.affected[1].ranges[0].events[1] == RangeEvent(EventKind.LAST_AFFECTED, "6.26.0")
    assert [s.type for s in draft.severity] == [SeverityType.CVSS_V3, SeverityType.CVSS_V4]
    assert draft.cwes == ("CWE-184", "CWE-697")
    assert draft.credit_as == "William Khem Marquez"


def test_go_module_path_becomes_namespace_and_name() -> None:
    (draft,) = reports_from_osv(load("osv/go-x-net.json"), today=TODAY)

    (package,) = draft.affected
    assert (package.purl, package.ecosystem) == ("pkg:golang/golang.org/x/net", Ecosystem.GO)
    assert package.ranges[0].kind is RangeKind.SEMVER
    assert draft.credit_as == "Google, Cloudflare"
    assert draft.severity == ()


def test_maven_group_and_artifact() -> None:
    (draft,) = reports_from_osv(load("osv/maven-log4j.json"), today=TODAY)

    assert [p.purl for p in draft.affected] == [
        "pkg:maven/org.apache.logging.log4j/log4j-core",
        "pkg:maven/org.ops4j.pax.logging/pax-logging-log4j2",
    ]
    assert len(draft.affected[0].ranges) == 3
    assert draft.cwes == ("CWE-20", "CWE-400", "CWE-502", "CWE-917")


def test_crates_record_keeps_its_purl_and_skips_cvss_v2() -> None:
    result = read_osv(load("osv/crates-rustsec.json"), today=TODAY)

    (draft,) = result.reports
    assert draft.affected[0].purl == "pkg:cargo/openssl"
    assert draft.affected[0].ecosystem is Ecosystem.CRATES_IO
    assert draft.severity == ()
    assert [(s.field, s.reason) for s in result.skipped] == [
        ("severity[0]", "CVSS_V2 scores are not kept")
    ]


def test_malformed_record_names_each_osv_field() -> None:
    errors = osv_errors(load("osv/malformed.json"))

    assert errors[0][0] == "affected[0].package.ecosystem"
    assert errors[0][1].startswith("unknown ecosystem 'Foo'")
    assert [field for field, _ in errors[1:]] == [
        "affected[1].ranges[0].events[0]",
        "affected[1].ranges[0].events[1]",
        "affected[1].versions[0]",
        "severity[0].score",
    ]


def test_record_sorted_events_are_reported_at_their_original_position() -> None:
    record = load("osv/pypi-django.json")
    record["affected"][0]["ranges"][0]["events"][3] = {"fixed": "not-a-version"}
    assert osv_errors(record) == [
        (
            "affected[0].ranges[0].events[3].fixed",
            "'not-a-version' is not a valid PyPI version (PEP 440)",
        )
    ]


def test_record_errors_in_our_fields_are_named_as_osv_fields() -> None:
    record = load("osv/go-x-net.json")
    record["summary"] = "two\nlines are flattened"
    record["database_specific"] = {"cwe_ids": ["CWE79"]}
    record["references"].append({"type": "WEB", "url": "ftp://example.org/x"})
    (field_cwe, _), (field_ref, _) = osv_errors(record)
    assert field_cwe == "database_specific.cwe_ids[0]"
    assert field_ref == "references[3].url"


def test_purl_and_ecosystem_must_agree() -> None:
    record = load("osv/crates-rustsec.json")
    record["affected"][0]["package"]["purl"] = "pkg:pypi/openssl"
    assert osv_errors(record) == [
        ("affected[0].package.purl", "is a PyPI package, but ecosystem is crates.io")
    ]


def test_release_suffix_of_an_ecosystem_is_dropped_and_entries_merged() -> None:
    record = {
        "id": "DSA-5990-1",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "curl security update",
        "details": "Several vulnerabilities were found in curl.",
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": "curl"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": "7.88.1-10+deb12u9"}],
                    }
                ],
            },
            {
                "package": {"ecosystem": "Debian:13", "name": "curl"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "8.14.1-2"}]}
                ],
            },
        ],
    }
    (draft,) = reports_from_osv(record, today=TODAY)
    (package,) = draft.affected
    assert (package.purl, package.ecosystem) == ("pkg:deb/debian/curl", Ecosystem.DEBIAN)
    assert len(package.ranges) == 2


def test_withdrawn_record_is_skipped() -> None:
    record = load("osv/go-x-net.json")
    record["withdrawn"] = "2024-01-01T00:00:00Z"
    result = read_osv(record, today=TODAY)
    assert result.reports == ()
    assert result.skipped[0].reason == "the record is withdrawn"


def test_array_of_records_is_read_whole_or_not_at_all() -> None:
    good = [load(name) for name in RECORDS]
    assert len(reports_from_osv(good, today=TODAY)) == len(RECORDS)

    bad: list[Any] = [*copy.deepcopy(good), {"id": "GHSA-x", "modified": "2026-01-01"}]
    errors = osv_errors(bad)
    assert errors[0] == ("[5].affected", "is required")


def test_record_that_is_not_an_object() -> None:
    assert osv_errors("GHSA-1234") == [("$", "must be an object")]


def test_missing_package_name_and_bad_maven_name() -> None:
    record = load("osv/maven-log4j.json")
    del record["affected"][0]["package"]["name"]
    record["affected"][1]["package"]["name"] = "no-colon-here"
    errors = osv_errors(record)
    assert errors[0] == ("affected[0].package.name", "is required (or a purl)")
    assert errors[1][0] == "affected[1].package.name"
    assert "is not a Maven groupId:artifactId" in errors[1][1]
