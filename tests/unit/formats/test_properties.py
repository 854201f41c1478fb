"""Properties over generated advisories: whatever valid advisory the coordinators write (ids,
ecosystems, versions, ranges, credits, dates), every writer's document validates against its
official schema, and ranges survive the trip through vers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akrites.domain.advisory import (
    ALL_VERSIONS,
    Advisory,
    AffectedPackage,
    AffectedRange,
    Credit,
    CreditType,
    Reference,
    ReferenceType,
    Weakness,
    parse_vers,
)
from akrites.domain.advisory_versions import package_vers
from akrites.domain.formats.csaf_writer import CsafProfile, advisory_to_csaf
from akrites.domain.formats.cve5_writer import cna_container, cve_record
from akrites.domain.formats.cyclonedx_vex_writer import advisory_to_cyclonedx
from akrites.domain.formats.openvex_writer import advisory_to_openvex
from akrites.domain.formats.osv_writer import advisory_to_osv
from akrites.domain.formats.schemas import SchemaName, schema_errors
from akrites.domain.tlp import Tlp
from tests.unit.formats.factories import CONTEXT, CVE_ORG_ID, CVSS_V3, CVSS_V4, SQL_INJECTION

# purl template per package type; Go versions carry their "v".
PURLS = {
    "pypi": "pkg:pypi/{}",
    "npm": "pkg:npm/{}",
    "maven": "pkg:maven/org.example/{}",
    "cargo": "pkg:cargo/{}",
    "golang": "pkg:golang/example.com/{}",
    "gem": "pkg:gem/{}",
    "nuget": "pkg:nuget/{}",
}
VECTORS = [
    CVSS_V3,
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N",
    CVSS_V4,
    "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
]
LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda text: text.strip() == text and text
)
TEXT = st.text(min_size=1, max_size=400).filter(lambda text: text.strip())
START = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@st.composite
def packages(draw: st.DrawFn, name: str) -> AffectedPackage:
    purl_type = draw(st.sampled_from(sorted(PURLS)))
    triples = draw(
        st.lists(st.tuples(*[st.integers(0, 30)] * 3), min_size=1, max_size=6, unique=True).map(
            sorted
        )
    )
    prefix = "v" if purl_type == "golang" else ""
    versions = [f"{prefix}{a}.{b}.{c}" for a, b, c in triples]
    ranges = []
    if draw(st.booleans()):
        versions.insert(0, ALL_VERSIONS)
    for index in range(0, len(versions), 2):
        pair = versions[index : index + 2]
        if len(pair) == 1:
            ranges.append(AffectedRange(introduced=pair[0]))
        elif draw(st.booleans()):
            ranges.append(AffectedRange(introduced=pair[0], fixed=pair[1]))
        else:
            ranges.append(AffectedRange(introduced=pair[0], last_affected=pair[1]))
    fixed = any(r.fixed for r in ranges)
    return AffectedPackage(
        purl=PURLS[purl_type].format(name),
        ranges=tuple(ranges),
        no_fix=not fixed and draw(st.booleans()),
    )


@st.composite
def advisories(draw: st.DrawFn) -> Advisory:
    names = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9]{0,12}", fullmatch=True),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    published = START + draw(st.timedeltas(dt.timedelta(0), dt.timedelta(days=3000)))
    modified = published + draw(st.timedeltas(dt.timedelta(0), dt.timedelta(days=400)))
    draft = draw(st.booleans())
    withdrawn = None if draft else draw(st.none() | st.just(modified))
    credit_types = st.sampled_from(list(CreditType))
    credited = draw(
        st.lists(
            st.builds(
                Credit,
                name=LINE,
                type=credit_types,
                consent=st.sampled_from([True]),
                organization=st.booleans(),
            ),
            max_size=4,
            unique_by=lambda credit: (credit.name, credit.type),
        )
    )
    fields: dict[str, Any] = {
        "id": f"AKR-{draw(st.integers(2000, 2099))}-{draw(st.integers(1, 999_999)):04d}",
        "cve_id": draw(
            st.none()
            | st.builds("CVE-{}-{:04d}".format, st.integers(1999, 2099), st.integers(1, 10**8))
        ),
        "title": draw(LINE),
        "description": draw(TEXT),
        "affected": tuple(draw(packages(name)) for name in names),
        "cwes": tuple(draw(st.sampled_from([(), (SQL_INJECTION,), (Weakness(id="CWE-20"),)]))),
        "cvss_v3": draw(st.none() | st.sampled_from(VECTORS[:2])),
        "cvss_v4": draw(st.none() | st.sampled_from(VECTORS[2:])),
        "references": tuple(
            Reference(url=f"https://example.org/{index}", type=kind)
            for index, kind in enumerate(
                draw(st.lists(st.sampled_from(list(ReferenceType)), max_size=3))
            )
        ),
        "workarounds": tuple(draw(st.lists(TEXT, max_size=2, unique=True))),
        "credits": tuple(credited),
        "published": None if draft else published,
        "modified": modified,
        "withdrawn": withdrawn,
        "tlp": draw(st.sampled_from(list(Tlp))) if draft else Tlp.CLEAR,
    }
    return Advisory(**fields)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(advisories())
def test_every_writer_output_validates_against_its_schema(advisory: Advisory) -> None:
    documents = [
        (SchemaName.OSV, advisory_to_osv(advisory, CONTEXT)),
        (SchemaName.CVE_CNA_PUBLISHED, cna_container(advisory, CONTEXT, org_id=CVE_ORG_ID)),
        (SchemaName.OPENVEX, advisory_to_openvex(advisory, CONTEXT)),
        (SchemaName.CYCLONEDX, advisory_to_cyclonedx(advisory, CONTEXT)),
    ] + [
        (SchemaName.CSAF, advisory_to_csaf(advisory, CONTEXT, profile=profile))
        for profile in CsafProfile
    ]
    if advisory.cve_id is not None:
        record = cve_record(advisory, CONTEXT, org_id=CVE_ORG_ID)
        documents.append((SchemaName.CVE_RECORD, record))

    for name, document in documents:
        assert schema_errors(name, document) == [], name


@SETTINGS
@given(advisories())
def test_ranges_survive_the_trip_through_vers(advisory: Advisory) -> None:
    for package in advisory.affected:
        vers = package_vers(package)
        assert vers is not None
        # vers writes Go versions without their "v" (univers' canonical form).
        expected = [
            tuple(map(_bare, (r.introduced, r.fixed, r.last_affected))) for r in package.ranges
        ]
        parsed = parse_vers(vers, package.purl_type)
        found = [(r.introduced, r.fixed, r.last_affected) for r in parsed]
        assert found == expected


def _bare(version: str | None) -> str | None:
    return None if version is None else version.removeprefix("v")


@SETTINGS
@given(advisories())
def test_writers_are_deterministic(advisory: Advisory) -> None:
    assert advisory_to_osv(advisory, CONTEXT) == advisory_to_osv(advisory, CONTEXT)
    assert advisory_to_csaf(advisory, CONTEXT) == advisory_to_csaf(advisory, CONTEXT)
