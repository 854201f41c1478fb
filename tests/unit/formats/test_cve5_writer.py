"""Advisory -> CVE JSON 5.1: the CNA container for CVE Services and the whole record, valid
against the CVE Record Format 5.1.1 schemas."""

from __future__ import annotations

import pytest

from akrites.domain.advisory import Advisory, AdvisoryError
from akrites.domain.formats.cve5_writer import cna_container, cve_record, rejected_container
from akrites.domain.formats.schemas import SchemaName, schema_errors
from tests.unit.formats.factories import (
    CONTEXT,
    CVE_ORG_ID,
    CVSS_V3,
    CVSS_V4,
    REPO,
    full_advisory,
    minimal_advisory,
    samples,
    withdrawn_advisory,
)


def record(advisory: Advisory) -> dict:
    return cve_record(advisory, CONTEXT, org_id=CVE_ORG_ID, short_name="Akrites")


@pytest.mark.parametrize(("name", "advisory"), samples())
def test_record_validates_against_the_bundled_schema(name: str, advisory: Advisory) -> None:
    if advisory.cve_id is None:
        advisory = minimal_advisory(cve_id="CVE-2026-1000")

    assert schema_errors(SchemaName.CVE_RECORD, record(advisory)) == []


@pytest.mark.parametrize(("name", "advisory"), samples()[:2])
def test_container_validates_against_the_cna_published_schema(
    name: str, advisory: Advisory
) -> None:
    container = cna_container(advisory, CONTEXT, org_id=CVE_ORG_ID)

    assert schema_errors(SchemaName.CVE_CNA_PUBLISHED, container) == []


def test_withdrawn_advisory_is_a_rejected_record() -> None:
    document = record(withdrawn_advisory())
    container = rejected_container(withdrawn_advisory(), CONTEXT, org_id=CVE_ORG_ID)

    assert document["cveMetadata"]["state"] == "REJECTED"
    assert document["cveMetadata"]["dateRejected"] == "2026-03-09T16:00:00Z"
    assert container["rejectedReasons"][0]["value"].startswith("The report was a duplicate")
    assert schema_errors(SchemaName.CVE_CNA_REJECTED, container) == []


def test_record_metadata_and_text() -> None:
    document = record(full_advisory())
    cna = document["containers"]["cna"]

    assert document["dataVersion"] == "5.1"
    assert document["cveMetadata"] == {
        "cveId": "CVE-2026-31337",
        "assignerOrgId": CVE_ORG_ID,
        "assignerShortName": "Akrites",
        "state": "PUBLISHED",
        "datePublished": "2026-03-02T09:30:00Z",
        "dateUpdated": "2026-03-09T16:00:00Z",
    }
    assert cna["providerMetadata"] == {"orgId": CVE_ORG_ID, "shortName": "Akrites"}
    assert cna["title"] == "SQL injection in QuerySet.values() on JSONField"
    (description,) = cna["descriptions"]
    assert description["supportingMedia"][0]["type"] == "text/markdown"
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-89"


def test_affected_products_per_ecosystem() -> None:
    affected = record(full_advisory())["containers"]["cna"]["affected"]
    django, django_git, babel, legacy = affected

    assert django["collectionURL"] == "https://pypi.python.org"
    assert (django["packageName"], django["vendor"], django["product"]) == (
        "django",
        "Django Software Foundation",
        "Django",
    )
    assert django["defaultStatus"] == "unaffected"
    assert django["versions"] == [
        {"version": "4.2", "status": "affected", "versionType": "python", "lessThan": "4.2.15"},
        {"version": "5.0", "status": "affected", "versionType": "python", "lessThan": "5.0.8"},
    ]
    assert django_git["repo"] == REPO
    assert django_git["versions"][0]["versionType"] == "git"
    assert babel["packageName"] == "@babel/traverse"
    assert babel["versions"][0] == {
        "version": "0",
        "status": "affected",
        "versionType": "semver",
        "lessThan": "7.23.2",
    }
    assert legacy["packageName"] == "org.example:legacy-json"
    assert legacy["versions"] == [
        {
            "version": "1.0",
            "status": "affected",
            "versionType": "maven",
            "lessThanOrEqual": "1.9.3",
        },
        {"version": "2.0-beta1", "status": "affected"},
    ]


def test_metrics_credits_and_references() -> None:
    cna = record(full_advisory())["containers"]["cna"]

    v3, v4 = cna["metrics"]
    assert (v3["cvssV3_1"]["vectorString"], v3["cvssV3_1"]["baseScore"]) == (CVSS_V3, 9.8)
    assert v3["cvssV3_1"]["baseSeverity"] == "CRITICAL"
    assert v4["cvssV4_0"] == {
        "version": "4.0",
        "vectorString": CVSS_V4,
        "baseScore": 9.3,
        "baseSeverity": "CRITICAL",
    }
    assert [(c["value"], c["type"]) for c in cna["credits"]] == [
        ("Frontier AI Lab", "finder"),
        ("Ada Researcher", "reporter"),
        ("Akrites SIRT", "coordinator"),
        ("Django Security Team", "remediation developer"),
    ]
    assert cna["references"][0] == {
        "url": "https://sirt.example.org/advisories/AKR-2026-0042",
        "name": "Akrites advisory AKR-2026-0042",
        "tags": ["vendor-advisory"],
    }
    assert cna["references"][1]["tags"] == ["patch"]
    assert cna["workarounds"][0]["value"].startswith("Do not pass")
    assert "Real Name Withheld" not in str(cna)


def test_long_description_is_cut_in_value_and_kept_whole_as_markdown() -> None:
    long_text = "word " * 2000
    cna = cna_container(minimal_advisory(description=long_text), CONTEXT, org_id=CVE_ORG_ID)

    (description,) = cna["descriptions"]
    assert len(description["value"]) == 4096
    assert description["supportingMedia"][0]["value"] == long_text.strip()
    assert schema_errors(SchemaName.CVE_CNA_PUBLISHED, cna) == []


def test_record_needs_a_cve_id() -> None:
    with pytest.raises(AdvisoryError) as caught:
        record(minimal_advisory())

    assert (caught.value.field, caught.value.code) == ("cve_id", "cve_id_required")
