"""Advisory -> CSAF 2.0 (security advisory and VEX profiles): valid against the OASIS schema
and, independently, the BSI validator's basic and extended presets."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from akrites.domain.advisory import Advisory, AdvisoryError, AffectedPackage, AffectedRange
from akrites.domain.formats.csaf_writer import (
    CsafProfile,
    advisory_to_csaf,
    csaf_file_name,
    csaf_url,
)
from akrites.domain.formats.schemas import SchemaName, schema_errors
from akrites.domain.tlp import Tlp
from tests.unit.formats.factories import (
    CONTEXT,
    CVSS_V4,
    SQL_INJECTION,
    bsi_validate,
    draft_advisory,
    full_advisory,
    minimal_advisory,
    samples,
)

PROFILES = list(CsafProfile)
CASES = [
    pytest.param(advisory, profile, id=f"{name}-{profile.value}")
    for name, advisory in samples()
    for profile in PROFILES
]


def product_ids(document: dict[str, Any]) -> dict[str, str]:
    """Product name -> product id, over the whole product tree."""
    found: dict[str, str] = {}

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            if "product" in branch:
                found[branch["product"]["name"]] = branch["product"]["product_id"]
            walk(branch.get("branches", []))

    walk(document["product_tree"]["branches"])
    return found


@functools.cache
def bsi_results() -> str:
    """The BSI validator's results for every sample in both profiles (one Node process)."""
    keys = [(name, profile) for name, _ in samples() for profile in PROFILES]
    advisories = dict(samples())
    documents = [advisory_to_csaf(advisories[n], CONTEXT, profile=p) for n, p in keys]
    results = bsi_validate(documents)
    return json.dumps(
        {f"{n}/{p.value}": result for (n, p), result in zip(keys, results, strict=True)}
    )


@pytest.mark.parametrize(("advisory", "profile"), CASES)
def test_document_validates_against_the_oasis_schema(
    advisory: Advisory, profile: CsafProfile
) -> None:
    assert (
        schema_errors(SchemaName.CSAF, advisory_to_csaf(advisory, CONTEXT, profile=profile)) == []
    )


@pytest.mark.parametrize("name", [name for name, _ in samples()])
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("preset", ["basic", "extended"])
def test_document_passes_the_bsi_validator(name: str, profile: CsafProfile, preset: str) -> None:
    result = json.loads(bsi_results())[f"{name}/{profile.value}"][preset]

    assert result["errors"] == []
    assert result["isValid"] is True
    # The extended preset's optional tests give warnings only; these documents earn none.
    assert result["warnings"] == []


def test_draft_document_is_a_draft_and_still_valid() -> None:
    advisory = minimal_advisory(published=None, tlp=Tlp.AMBER_STRICT)
    document = advisory_to_csaf(advisory, CONTEXT)
    tracking = document["document"]["tracking"]

    assert (tracking["status"], tracking["version"]) == ("draft", "0")
    assert document["document"]["distribution"]["tlp"]["label"] == "RED"
    assert "AMBER+STRICT" in document["document"]["distribution"]["text"]
    assert schema_errors(SchemaName.CSAF, document) == []
    results = bsi_validate(document)
    assert results["basic"]["errors"] == results["extended"]["errors"] == []


def test_document_head() -> None:
    document = advisory_to_csaf(full_advisory(), CONTEXT)["document"]

    assert document["category"] == "csaf_security_advisory"
    assert document["publisher"] == {
        "category": "coordinator",
        "contact_details": "security@sirt.example.org",
        "name": "Akrites",
        "namespace": "https://sirt.example.org",
    }
    assert document["distribution"]["tlp"]["label"] == "WHITE"
    assert document["aggregate_severity"] == {"text": "Critical"}
    tracking = document["tracking"]
    assert tracking["id"] == "AKR-2026-0042"
    assert (tracking["status"], tracking["version"]) == ("final", "2")
    assert [r["number"] for r in tracking["revision_history"]] == ["1", "2"]
    assert tracking["initial_release_date"] == "2026-03-02T09:30:00Z"
    assert tracking["current_release_date"] == "2026-03-09T16:00:00Z"
    assert tracking["generator"] == {
        "date": "2026-03-10T08:00:00Z",
        "engine": {"name": "Akrites", "version": "0.1.0"},
    }
    assert document["references"][0] == {
        "category": "self",
        "summary": "Canonical URL of this document",
        "url": "https://sirt.example.org/.well-known/csaf/white/2026/akr-2026-0042.json",
    }


def test_vex_document_has_its_own_tracking_id_and_file() -> None:
    advisory = full_advisory()
    document = advisory_to_csaf(advisory, CONTEXT, profile=CsafProfile.VEX)["document"]

    assert document["category"] == "csaf_vex"
    assert document["tracking"]["id"] == "AKR-2026-0042-VEX"
    assert csaf_url(advisory, CONTEXT, CsafProfile.VEX).endswith("/2026/akr-2026-0042-vex.json")
    assert csaf_file_name("Example: 2026/01") == "example_2026_01.json"


def test_product_tree_and_status() -> None:
    document = advisory_to_csaf(full_advisory(), CONTEXT)
    ids = product_ids(document)
    (vulnerability,) = document["vulnerabilities"]
    status = vulnerability["product_status"]

    vendors = [branch["name"] for branch in document["product_tree"]["branches"]]
    assert vendors == ["Django Software Foundation", "@babel", "org.example"]
    assert ids["Django vers:pypi/>=4.2|<4.2.15"] in status["known_affected"]
    assert ids["Django 5.0.8"] in status["fixed"]
    assert ids["@babel/traverse vers:npm/<7.23.2"] in status["known_affected"]
    assert ids["org.example:legacy-json 2.0-beta1"] in status["known_affected"]
    assert not set(status["known_affected"]) & set(status["fixed"])
    helpers = json.dumps(document["product_tree"])
    assert '"purl": "pkg:pypi/django@5.0.8"' in helpers


def test_vulnerability_content() -> None:
    (vulnerability,) = advisory_to_csaf(full_advisory(), CONTEXT)["vulnerabilities"]

    assert vulnerability["cve"] == "CVE-2026-31337"
    assert vulnerability["cwe"] == {"id": SQL_INJECTION.id, "name": SQL_INJECTION.name}
    assert vulnerability["ids"] == [{"system_name": "Akrites advisory", "text": "AKR-2026-0042"}]
    (score,) = vulnerability["scores"]
    assert score["cvss_v3"]["baseScore"] == 9.8
    assert sorted(score["products"]) == sorted(vulnerability["product_status"]["known_affected"])
    assert any(CVSS_V4 in note["text"] for note in vulnerability["notes"])
    categories = [r["category"] for r in vulnerability["remediations"]]
    assert categories == ["vendor_fix", "vendor_fix", "none_available", "workaround"]
    assert vulnerability["acknowledgments"] == [
        {"organization": "Frontier AI Lab", "summary": "Credited as finder."},
        {"names": ["Ada Researcher"], "summary": "Credited as reporter."},
        {"names": ["Akrites SIRT"], "summary": "Credited as coordinator."},
        {"organization": "Django Security Team", "summary": "Credited as remediation developer."},
    ]
    assert "Real Name Withheld" not in json.dumps(vulnerability)


def test_a_document_needs_an_affected_package() -> None:
    with pytest.raises(AdvisoryError) as caught:
        advisory_to_csaf(draft_advisory(), CONTEXT)

    assert (caught.value.field, caught.value.code) == ("affected", "required_for_csaf")


ECOSYSTEM_PURLS = [
    ("pkg:pypi/requests", "2.31.0", "2.32.0"),
    ("pkg:npm/%40scope/pkg", "1.2.3", "1.2.4"),
    ("pkg:maven/org.example/lib", "1.0-beta1", "1.0"),
    ("pkg:cargo/serde", "1.0.0", "1.0.1"),
    ("pkg:golang/golang.org/x/net", "v0.17.0", "v0.18.0"),
    ("pkg:gem/rails", "7.0.8", "7.0.8.1"),
    ("pkg:nuget/Newtonsoft.Json", "13.0.1", "13.0.2"),
    ("pkg:composer/symfony/http-kernel", "6.4.0", "6.4.1"),
    ("pkg:deb/debian/openssl", "3.0.11-1", "3.0.11-1+deb12u1"),
    ("pkg:hackage/aeson", "2.1.0.0", "2.2.0.0"),
]


def test_bsi_validator_accepts_packages_of_every_kind() -> None:
    advisories = [
        minimal_advisory(
            id=f"AKR-2026-{1000 + index}",
            affected=(
                AffectedPackage(
                    purl=purl,
                    ranges=(AffectedRange(introduced=affected, fixed=fixed),),
                ),
            ),
        )
        for index, (purl, affected, fixed) in enumerate(ECOSYSTEM_PURLS)
    ]
    documents = [
        advisory_to_csaf(advisory, CONTEXT, profile=profile)
        for advisory in advisories
        for profile in PROFILES
    ]

    for document in documents:
        assert schema_errors(SchemaName.CSAF, document) == []
    for document, result in zip(documents, bsi_validate(documents), strict=True):
        for preset in ("basic", "extended"):
            assert result[preset]["errors"] == [], document["document"]["tracking"]["id"]
            assert result[preset]["warnings"] == [], document["document"]["tracking"]["id"]
