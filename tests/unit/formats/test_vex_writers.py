"""Advisory -> OpenVEX 0.2.0 and CycloneDX 1.6 VEX, valid against their official schemas."""

from __future__ import annotations

import pytest

from akrites.domain.advisory import Advisory
from akrites.domain.formats.cyclonedx_vex_writer import advisory_to_cyclonedx
from akrites.domain.formats.openvex_writer import advisory_to_openvex
from akrites.domain.formats.schemas import SchemaName, schema_errors
from tests.unit.formats.factories import (
    CONTEXT,
    CVSS_V3,
    CVSS_V4,
    MODIFIED,
    draft_advisory,
    full_advisory,
    minimal_advisory,
    samples,
    withdrawn_advisory,
)

ALL = [*samples(), ("draft", draft_advisory())]


@pytest.mark.parametrize(("name", "advisory"), ALL)
def test_openvex_validates_against_the_official_schema(name: str, advisory: Advisory) -> None:
    assert schema_errors(SchemaName.OPENVEX, advisory_to_openvex(advisory, CONTEXT)) == []


@pytest.mark.parametrize(("name", "advisory"), ALL)
def test_cyclonedx_validates_against_the_official_schema(name: str, advisory: Advisory) -> None:
    assert schema_errors(SchemaName.CYCLONEDX, advisory_to_cyclonedx(advisory, CONTEXT)) == []


def test_openvex_statements() -> None:
    document = advisory_to_openvex(full_advisory(), CONTEXT)

    assert document["@context"] == "https://openvex.dev/ns/v0.2.0"
    assert document["@id"] == "https://sirt.example.org/openvex/AKR-2026-0042"
    assert (document["version"], document["timestamp"]) == (2, "2026-03-02T09:30:00Z")
    django_affected, django_fixed, babel_affected, babel_fixed, legacy = document["statements"]
    assert django_affected["vulnerability"] == {
        "@id": "https://sirt.example.org/advisories/AKR-2026-0042",
        "name": "CVE-2026-31337",
        "description": "SQL injection in QuerySet.values() on JSONField",
        "aliases": ["AKR-2026-0042"],
    }
    assert django_affected["status"] == "affected"
    assert django_affected["products"] == [
        {"@id": "pkg:pypi/django", "identifiers": {"purl": "pkg:pypi/django"}}
    ]
    assert (
        django_affected["status_notes"] == "Affected versions: vers:pypi/>=4.2|<4.2.15|>=5.0|<5.0.8"
    )
    assert django_affected["action_statement"].startswith(
        "Upgrade to a fixed version: 4.2.15, 5.0.8."
    )
    assert django_fixed["status"] == "fixed"
    assert [p["@id"] for p in django_fixed["products"]] == [
        "pkg:pypi/django@4.2.15",
        "pkg:pypi/django@5.0.8",
    ]
    assert [p["@id"] for p in babel_fixed["products"]] == [
        "pkg:npm/%40babel/traverse@7.23.2",
        "pkg:npm/%40babel/traverse@8.0.0-alpha.4",
    ]
    assert babel_affected["status"] == "affected"
    assert legacy["products"][0]["@id"] == "pkg:maven/org.example/legacy-json@2.0-beta1"
    assert legacy["action_statement"].startswith("No fix is available.")


def test_openvex_withdrawn_and_draft() -> None:
    withdrawn = advisory_to_openvex(withdrawn_advisory(), CONTEXT)["statements"]
    draft = advisory_to_openvex(draft_advisory(), CONTEXT)["statements"]

    assert {s["status"] for s in withdrawn} == {"not_affected"}
    assert withdrawn[0]["impact_statement"].startswith("The advisory was withdrawn: The report")
    assert [s["status"] for s in draft] == ["under_investigation"]


def test_cyclonedx_vulnerability() -> None:
    document = advisory_to_cyclonedx(full_advisory(), CONTEXT)
    (vulnerability,) = document["vulnerabilities"]

    assert document["specVersion"] == "1.6"
    assert (
        document["serialNumber"] == advisory_to_cyclonedx(full_advisory(), CONTEXT)["serialNumber"]
    )
    assert (
        document["serialNumber"]
        != advisory_to_cyclonedx(minimal_advisory(), CONTEXT)["serialNumber"]
    )
    assert [c["bom-ref"] for c in document["components"]] == [
        "pkg:pypi/django",
        "pkg:npm/%40babel/traverse",
        "pkg:maven/org.example/legacy-json",
    ]
    assert vulnerability["id"] == "CVE-2026-31337"
    assert vulnerability["references"][0]["id"] == "AKR-2026-0042"
    assert [
        (r["method"], r["score"], r["severity"], r["vector"]) for r in vulnerability["ratings"]
    ] == [
        ("CVSSv31", 9.8, "critical", CVSS_V3),
        ("CVSSv4", 9.3, "critical", CVSS_V4),
    ]
    assert vulnerability["cwes"] == [89, 943]
    assert vulnerability["credits"] == {
        "organizations": [{"name": "Frontier AI Lab"}, {"name": "Django Security Team"}],
        "individuals": [{"name": "Ada Researcher"}, {"name": "Akrites SIRT"}],
    }
    assert vulnerability["analysis"] == {
        "state": "exploitable",
        "response": ["update", "workaround_available"],
    }
    django, babel, legacy = vulnerability["affects"]
    assert babel["ref"] == "pkg:npm/%40babel/traverse"
    assert django == {
        "ref": "pkg:pypi/django",
        "versions": [
            {"range": "vers:pypi/>=4.2|<4.2.15|>=5.0|<5.0.8", "status": "affected"},
            {"version": "4.2.15", "status": "unaffected"},
            {"version": "5.0.8", "status": "unaffected"},
        ],
    }
    assert legacy["versions"] == [
        {"range": "vers:maven/>=1.0|<=1.9.3|2.0-beta1", "status": "affected"}
    ]
    assert "Real Name Withheld" not in str(document)


def test_cyclonedx_withdrawn_is_rejected() -> None:
    (vulnerability,) = advisory_to_cyclonedx(withdrawn_advisory(), CONTEXT)["vulnerabilities"]

    assert vulnerability["rejected"] == "2026-03-09T16:00:00Z"
    assert vulnerability["analysis"]["state"] == "false_positive"
    assert vulnerability["updated"] == MODIFIED.strftime("%Y-%m-%dT%H:%M:%SZ")
