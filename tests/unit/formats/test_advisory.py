"""The advisory record: what it refuses (each with its field and code), how it normalises, and
the publication checklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from akrites.domain.advisory import (
    Advisory,
    AdvisoryError,
    AffectedPackage,
    AffectedRange,
    Credit,
    CreditType,
    GitRange,
    Rating,
    Weakness,
    credits_to_publish,
    missing_for_publication,
    osv_package_name,
    parse_vers,
    revision_history,
)
from akrites.domain.errors import InvalidInput
from akrites.domain.formats.osv_packages import purl_for_osv_package
from akrites.domain.purl import parse_purl
from akrites.domain.tlp import Tlp
from tests.unit.formats.factories import (
    MODIFIED,
    PUBLISHED,
    draft_advisory,
    full_advisory,
    minimal_advisory,
    withdrawn_advisory,
)


def refused(**changes: Any) -> AdvisoryError:
    with pytest.raises(AdvisoryError) as caught:
        minimal_advisory(**changes)
    return caught.value


def package(purl: str = "pkg:pypi/example-static", **fields: Any) -> tuple[AffectedPackage]:
    return (AffectedPackage(purl=purl, **fields),)


BAD_INPUT = [
    pytest.param({"cve_id": "CVE-26-1234"}, "cve_id", "invalid_cve_id", id="cve-short-year"),
    pytest.param({"cve_id": "cve-2026-1234"}, "cve_id", "invalid_cve_id", id="cve-lower-case"),
    pytest.param({"cve_id": "CVE-2026-123"}, "cve_id", "invalid_cve_id", id="cve-three-digits"),
    pytest.param({"cve_id": "CVE-1998-1234"}, "cve_id", "invalid_cve_id", id="cve-before-1999"),
    pytest.param({"id": "AKR-26-1"}, "id", "invalid_advisory_id", id="advisory-id"),
    pytest.param({"id": "GHSA-xxxx"}, "id", "invalid_advisory_id", id="foreign-id"),
    pytest.param(
        {"cwes": (Weakness(id="79"),)}, "cwes[0].id", "invalid_cwe", id="cwe-without-prefix"
    ),
    pytest.param(
        {"cwes": (Weakness(id="CWE-079"),)}, "cwes[0].id", "invalid_cwe", id="cwe-leading-zero"
    ),
    pytest.param(
        {"cvss_v3": "CVSS:3.1/AV:N/AC:L"}, "cvss_v3", "invalid_cvss", id="cvss3-incomplete"
    ),
    pytest.param(
        {"cvss_v3": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
        "cvss_v3",
        "invalid_cvss",
        id="cvss4-given-as-cvss3",
    ),
    pytest.param(
        {"cvss_v4": "CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
        "cvss_v4",
        "invalid_cvss",
        id="cvss4-bad-value",
    ),
    pytest.param(
        {"credits": (Credit(name="Bob Finder"),)},
        "credits[0].consent",
        "credit_without_consent",
        id="credit-without-consent",
    ),
    pytest.param(
        {"affected": package(ranges=(AffectedRange(fixed="not a version!"),))},
        "affected[0].ranges[0].fixed",
        "invalid_version_range",
        id="pypi-range-does-not-parse",
    ),
    pytest.param(
        {"affected": package("pkg:npm/left-pad", ranges=(AffectedRange(introduced="1.x.y~"),))},
        "affected[0].ranges[0].introduced",
        "invalid_version_range",
        id="npm-range-does-not-parse",
    ),
    pytest.param(
        {"affected": package(ranges=(AffectedRange(introduced="2.0", fixed="1.0"),))},
        "affected[0].ranges[0].fixed",
        "invalid_version_range",
        id="fixed-before-introduced",
    ),
    pytest.param(
        {
            "affected": package(
                ranges=(
                    AffectedRange(introduced="1.0", fixed="3.0"),
                    AffectedRange(introduced="2.0", fixed="4.0"),
                )
            )
        },
        "affected[0].ranges",
        "invalid_version_range",
        id="overlapping-ranges",
    ),
    pytest.param(
        {"affected": package(ranges=(AffectedRange(fixed="2.0", last_affected="1.9"),))},
        "affected[0].ranges[0].last_affected",
        "invalid_version_range",
        id="fixed-and-last-affected",
    ),
    pytest.param(
        {"affected": package(versions=("1.0", "bad version"))},
        "affected[0].versions[1]",
        "invalid_version",
        id="single-version-does-not-parse",
    ),
    pytest.param(
        {"affected": package("pkg:pypi/example-static@1.0")},
        "affected[0].purl",
        "invalid_purl",
        id="purl-with-version",
    ),
    pytest.param(
        {"affected": package("pkg:generic/thing")},
        "affected[0].purl",
        "invalid_purl",
        id="purl-without-ecosystem",
    ),
    pytest.param(
        {"affected": package(git_ranges=(GitRange(repo="https://git.example/x", fixed="abc"),))},
        "affected[0].git_ranges[0].fixed",
        "invalid_version_range",
        id="short-commit",
    ),
    pytest.param(
        {"affected": package(ranges=(AffectedRange(fixed="1.0"),), no_fix=True)},
        "affected[0].no_fix",
        "contradictory_fix",
        id="no-fix-with-fix",
    ),
    pytest.param(
        {"affected": package(ranges=(AffectedRange(fixed="2.0"),), versions=("1.5",))},
        "affected[0].ranges",
        "invalid_version_range",
        id="single-version-inside-a-range",
    ),
    pytest.param(
        {"affected": package(versions=("1.0", "1.0"))},
        "affected[0].versions[1]",
        "duplicate_version",
        id="duplicate-version",
    ),
    pytest.param(
        {"credits": (Credit(name="Ada", consent=True), Credit(name="Ada", consent=True))},
        "credits[1]",
        "duplicate_credit",
        id="duplicate-credit",
    ),
    pytest.param(
        {"cwes": (Weakness(id="CWE-22"), Weakness(id="CWE-22"))},
        "cwes[1].id",
        "duplicate_cwe",
        id="duplicate-cwe",
    ),
    pytest.param({"tlp": Tlp.AMBER}, "tlp", "invalid_tlp", id="published-not-clear"),
    pytest.param(
        {"modified": dt.datetime(2026, 3, 2, 9, 30)},  # noqa: DTZ001 - the naive date is the point
        "modified",
        "invalid_date",
        id="naive-date",
    ),
    pytest.param(
        {"published": MODIFIED, "modified": PUBLISHED},
        "modified",
        "invalid_date",
        id="modified-before-published",
    ),
    pytest.param(
        {"published": None, "withdrawn": PUBLISHED},
        "withdrawn",
        "invalid_date",
        id="draft-withdrawn",
    ),
    pytest.param({"title": "two\nlines"}, "title", "invalid_title", id="multi-line-title"),
]


@pytest.mark.parametrize(("changes", "field", "code"), BAD_INPUT)
def test_bad_input_is_refused_with_its_field_and_code(
    changes: dict[str, Any], field: str, code: str
) -> None:
    error = refused(**changes)

    assert isinstance(error, InvalidInput)
    assert error.status == 422
    assert (error.field, error.code) == (field, code)
    assert error.message


def test_every_problem_is_reported_at_once() -> None:
    error = refused(cve_id="CVE-1", cwes=(Weakness(id="XSS"),), credits=(Credit(name="Eve"),))

    assert [(p.field, p.code) for p in error.problems] == [
        ("cve_id", "invalid_cve_id"),
        ("cwes[0].id", "invalid_cwe"),
        ("credits[0].consent", "credit_without_consent"),
    ]


def test_advisory_is_normalised() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    advisory = minimal_advisory(
        title="  Path traversal  ",
        affected=package("pkg:PyPI/Example_Static", ranges=(AffectedRange(fixed="1.4.2"),)),
        cvss_v3="CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:N/A:N",
        published=dt.datetime(2026, 3, 2, 10, 30, 15, 999, tzinfo=paris),
        modified=dt.datetime(2026, 3, 2, 10, 30, 15, 999, tzinfo=paris),
    )

    assert advisory.title == "Path traversal"
    assert advisory.affected[0].purl == "pkg:pypi/example-static"
    assert advisory.cvss_v3 == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert advisory.published == dt.datetime(2026, 3, 2, 9, 30, 15, tzinfo=dt.UTC)


def test_scores_are_computed_from_the_vectors() -> None:
    advisory = full_advisory()

    assert [(s.type.value, s.base_score, s.rating) for s in advisory.severities] == [
        ("CVSS_V3", 9.8, Rating.CRITICAL),
        ("CVSS_V4", 9.3, Rating.CRITICAL),
    ]
    assert minimal_advisory().rating is Rating.HIGH


def test_declined_credits_are_left_out_before_the_advisory() -> None:
    chosen = credits_to_publish(
        [
            Credit(name="Ada", consent=True),
            Credit(name="Declined Person", consent=False),
            Credit(name="Tool X", type=CreditType.TOOL, consent=True),
        ]
    )

    assert [credit.name for credit in chosen] == ["Ada", "Tool X"]
    assert [c.name for c in full_advisory().credits] == [
        "Frontier AI Lab",
        "Ada Researcher",
        "Akrites SIRT",
        "Django Security Team",
    ]


def test_vers_ranges_become_advisory_ranges() -> None:
    assert parse_vers("vers:pypi/>=1.0|<1.4.2|>=2.0|<=2.0.3", "pypi") == (
        AffectedRange(introduced="1.0", fixed="1.4.2"),
        AffectedRange(introduced="2.0", last_affected="2.0.3"),
    )
    assert parse_vers("vers:npm/<2.0.0", "npm") == (AffectedRange(fixed="2.0.0"),)
    assert parse_vers("vers:npm/*", "npm") == (AffectedRange(),)


@pytest.mark.parametrize(
    ("vers", "purl_type"),
    [
        ("vers:pypi/>=1.0|<not~a~version", "pypi"),
        ("vers:npm/>=1.0.0|>=2.0.0", "npm"),
        ("vers:pypi/>1.0", "pypi"),
        ("vers:npm/>=1.0.0", "pypi"),
        ("pypi>=1", "pypi"),
    ],
)
def test_vers_range_that_does_not_parse_is_refused(vers: str, purl_type: str) -> None:
    with pytest.raises(AdvisoryError) as caught:
        parse_vers(vers, purl_type)

    assert (caught.value.field, caught.value.code) == ("vers", "invalid_version_range")


def test_checklist_names_what_a_draft_lacks() -> None:
    advisory = Advisory(
        id="AKR-2026-0100",
        modified=PUBLISHED,
        affected=package(ranges=(AffectedRange(introduced="1.0"),)),
        tlp=Tlp.AMBER_STRICT,
    )

    assert missing_for_publication(advisory) == [
        "a title",
        "a description",
        "a fixed version of pkg:pypi/example-static, or an explicit 'no fix'",
        "a severity (a CVSS 3.1 or 4.0 vector)",
        "the TLP:CLEAR label (it is public once published)",
    ]
    assert "at least one affected package" in missing_for_publication(draft_advisory())


def test_checklist_accepts_an_explicit_no_fix() -> None:
    advisory = minimal_advisory(affected=package(ranges=(AffectedRange(),), no_fix=True))

    assert missing_for_publication(advisory) == []
    assert missing_for_publication(full_advisory()) == []
    assert missing_for_publication(withdrawn_advisory()) == ["not to be withdrawn"]


def test_revision_history_is_derived_from_the_dates() -> None:
    assert [r.date for r in revision_history(minimal_advisory())] == [PUBLISHED]
    assert [r.date for r in revision_history(full_advisory())] == [PUBLISHED, MODIFIED]
    assert revision_history(withdrawn_advisory())[-1].summary == "Advisory withdrawn."
    assert revision_history(draft_advisory()) == ()


@pytest.mark.parametrize(
    "purl",
    [
        "pkg:pypi/django",
        "pkg:npm/%40babel/traverse",
        "pkg:maven/org.apache.logging.log4j/log4j-core",
        "pkg:golang/golang.org/x/net",
        "pkg:deb/debian/openssl",
        "pkg:vscode-extension/ms-python/python",
        "pkg:composer/symfony/http-kernel",
    ],
)
def test_osv_package_names_round_trip_to_the_same_purl(purl: str) -> None:
    advisory_package = AffectedPackage(purl=purl)
    name = osv_package_name(purl)

    assert purl_for_osv_package(advisory_package.ecosystem, name) == parse_purl(purl)
