"""Report format 1.0: a valid report normalises; each kind of bad input names its field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from akrites.domain.errors import InvalidInput
from akrites.domain.intake import (
    SCHEMA_ID,
    EventKind,
    FieldError,
    IntakeError,
    RangeKind,
    Rating,
    ReferenceType,
    SeverityType,
    parse_report,
    report_schema,
)
from akrites.domain.purl import Ecosystem
from tests.unit.intake.factories import (
    SCHEMAS,
    TODAY,
    full_report,
    minimal_report,
    with_package,
)


def problems(document: object, *, today: dt.date = TODAY) -> list[FieldError]:
    with pytest.raises(IntakeError) as caught:
        parse_report(document, today=today)
    return list(caught.value.errors)


def problem_at(document: object, field: str, **kwargs: Any) -> str:
    """The message of the one problem reported at ``field`` (and fail if there is none)."""
    found = [error.message for error in problems(document, **kwargs) if error.field == field]
    assert found, f"no problem reported at {field}: {problems(document, **kwargs)}"
    return found[0]


# --- the schema itself ------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12_with_the_published_id() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID == "https://akrites.example/schemas/report-1.0.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_of_the_schema_is_described() -> None:
    def walk(node: Any, path: str) -> list[str]:
        missing = []
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
                    missing.append(f"{path}.{name}")
            for key, value in node.items():
                if key != "if":  # conditions name properties, they do not define them
                    missing += walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                missing += walk(value, f"{path}[{index}]")
        return missing

    assert walk(report_schema(), "$") == []


def test_the_full_example_validates_against_the_schema_file_directly() -> None:
    schema = json.loads((SCHEMAS / "report-1.0.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(full_report())) == []


# --- a valid report -----------------------------------------------------------------------------


def test_full_report_is_normalised_into_a_draft() -> None:
    draft = parse_report(full_report(), today=TODAY)

    assert draft.reporter_ref == "ACME-SEC-2026-017"
    assert draft.title == "SQL injection in the product search endpoint"
    pypi, npm, github = draft.affected
    assert (pypi.purl, pypi.ecosystem) == ("pkg:pypi/acme-shop", Ecosystem.PYPI)
    assert pypi.ranges[0].kind is RangeKind.VERS
    assert pypi.ranges[0].vers == "vers:pypi/>=1.0|<1.4.2"
    assert [(e.kind, e.version) for e in pypi.ranges[1].events] == [
        (EventKind.INTRODUCED, "2.0"),
        (EventKind.FIXED, "2.0.3"),
    ]
    assert pypi.versions == ("1.4.1",)
    assert (npm.purl, npm.ecosystem) == ("pkg:npm/%40acme/shop-client", Ecosystem.NPM)
    assert (github.ecosystem, github.ranges[0].repo) == (
        Ecosystem.GITHUB_ACTIONS,
        "https://github.com/acme/shop-action",
    )
    v3, v4 = draft.severity
    assert (v3.type, v3.base_score, v3.rating) == (SeverityType.CVSS_V3, 7.5, Rating.HIGH)
    assert (v4.type, v4.base_score, v4.rating) == (SeverityType.CVSS_V4, 8.7, Rating.HIGH)
    assert draft.cwes == ("CWE-89",)
    assert draft.locations[0].line_start == 41
    assert [r.type for r in draft.references] == [ReferenceType.ISSUE, ReferenceType.PR]
    assert draft.provenance is not None
    assert (draft.provenance.ai_assisted, draft.provenance.human_verified) == (True, True)
    assert draft.intended_disclosure == dt.date(2027, 2, 1)
    assert draft.credit_as == "Ana Researcher (Acme Security Lab)"
    assert draft.extensions == (("x_acme", '{"labels":["web","sql"],"ticket":17}'),)


def test_minimal_report_needs_only_four_fields() -> None:
    draft = parse_report(minimal_report(), today=TODAY)
    assert draft.affected[0].ranges == ()
    assert draft.severity == ()
    assert draft.provenance is None


def test_identifiers_are_put_in_canonical_form() -> None:
    document = with_package(
        {
            "purl": "pkg:PyPI/Acme_Shop",
            "ranges": [{"type": "vers", "vers": "vers:pypi/ < 1.4.2 | >= 1.0 "}],
        },
        severity=[{"type": "CVSS_V3", "vector": "CVSS:3.1/AC:L/AV:N/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
        locations=[{"file": "a.py", "commit": "9FCEB02"}],
    )
    draft = parse_report(document, today=TODAY)
    assert draft.affected[0].purl == "pkg:pypi/acme-shop"
    assert draft.affected[0].ranges[0].vers == "vers:pypi/>=1.0|<1.4.2"
    assert draft.severity[0].vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert draft.locations[0].commit == "9fceb02"


def test_intake_error_is_an_invalid_input_carrying_the_first_problem() -> None:
    with pytest.raises(IntakeError) as caught:
        parse_report(minimal_report(title="x" * 301, foo=1), today=TODAY)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.status == 422
    assert (error.field, error.message) == (error.errors[0].field, error.errors[0].message)
    assert {e.field for e in error.errors} == {"foo", "title"}


# --- bad input, one case each -------------------------------------------------------------------


def test_invalid_purl_is_named_with_the_component_at_fault() -> None:
    message = problem_at(with_package({"purl": "pypi/django"}), "affected[0].purl")
    assert "must start with the scheme 'pkg:'" in message


def test_purl_type_without_an_osv_ecosystem_is_an_unknown_ecosystem() -> None:
    message = problem_at(with_package({"purl": "pkg:generic/openssl"}), "affected[0].purl")
    assert message.startswith("type pkg:generic has no OSV ecosystem")


def test_distribution_purl_needs_a_known_vendor() -> None:
    message = problem_at(with_package({"purl": "pkg:deb/acmelinux/curl"}), "affected[0].purl")
    assert "vendor 'acmelinux' has no OSV ecosystem" in message


def test_version_in_the_purl_is_refused_with_the_fix() -> None:
    message = problem_at(with_package({"purl": "pkg:pypi/django@5.1"}), "affected[0].purl")
    assert message == (
        "names version '5.1'; give the package alone (pkg:pypi/django) and the affected "
        "versions in ranges or versions"
    )


def test_qualifiers_in_the_purl_are_refused() -> None:
    message = problem_at(
        with_package({"purl": "pkg:maven/org.acme/lib?type=jar"}), "affected[0].purl"
    )
    assert "without qualifiers or subpath" in message


def test_malformed_vers_is_named() -> None:
    package = {"purl": "pkg:pypi/django", "ranges": [{"type": "vers", "vers": "vers:pypi"}]}
    assert problem_at(with_package(package), "affected[0].ranges[0].vers") == (
        "must be written vers:<type>/<constraints>"
    )


def test_vers_with_a_bad_version_names_the_version() -> None:
    package = {"purl": "pkg:pypi/django", "ranges": [{"type": "vers", "vers": "vers:pypi/>=a.b"}]}
    message = problem_at(with_package(package), "affected[0].ranges[0].vers")
    assert message == "'a.b' is not a valid pypi version"


def test_vers_constraints_out_of_order_are_refused() -> None:
    package = {
        "purl": "pkg:pypi/django",
        "ranges": [{"type": "vers", "vers": "vers:pypi/>=1.0|>=2.0"}],
    }
    message = problem_at(with_package(package), "affected[0].ranges[0].vers")
    assert message.startswith("constraints must alternate lower and upper bounds")


def test_vers_scheme_must_match_the_purl_type() -> None:
    package = {"purl": "pkg:pypi/django", "ranges": [{"type": "vers", "vers": "vers:npm/<2.0.0"}]}
    message = problem_at(with_package(package), "affected[0].ranges[0].vers")
    assert message == (
        "uses the versioning scheme 'npm' but the package is pkg:pypi; write vers:pypi/..."
    )


def test_vers_for_a_type_univers_does_not_know_is_checked_for_shape_only() -> None:
    package = {"purl": "pkg:pub/http", "ranges": [{"type": "vers", "vers": "vers:pub/>=1.0|<1.2"}]}
    draft = parse_report(with_package(package), today=TODAY)
    assert draft.affected[0].ranges[0].vers == "vers:pub/>=1.0|<1.2"
    broken = {"purl": "pkg:pub/http", "ranges": [{"type": "vers", "vers": "vers:pub/>=|<1.2"}]}
    assert "is not <comparator><version>" in problem_at(
        with_package(broken), "affected[0].ranges[0].vers"
    )


def events_package(events: list[dict[str, str]], kind: str = "ECOSYSTEM") -> dict[str, Any]:
    return {"purl": "pkg:pypi/django", "ranges": [{"type": kind, "events": events}]}


def test_osv_events_must_start_with_introduced() -> None:
    document = with_package(events_package([{"fixed": "1.0"}, {"fixed": "2.0"}]))
    assert problem_at(document, "affected[0].ranges[0].events[0]").startswith(
        'the first event must be "introduced"'
    )
    assert problem_at(document, "affected[0].ranges[0].events[1]") == (
        "fixed must follow an introduced event"
    )


def test_osv_events_cannot_introduce_twice_in_a_row() -> None:
    document = with_package(
        events_package([{"introduced": "1.0"}, {"introduced": "1.1"}, {"fixed": "1.2"}])
    )
    assert problem_at(document, "affected[0].ranges[0].events[1]") == (
        "introduced twice without a fixed or last_affected between"
    )


def test_osv_events_must_rise_in_version_order() -> None:
    document = with_package(events_package([{"introduced": "2.0"}, {"fixed": "1.9"}]))
    assert problem_at(document, "affected[0].ranges[0].events[1]") == (
        "fixed '1.9' does not come after introduced '2.0'; list events in version order"
    )


def test_osv_range_cannot_mix_fixed_and_last_affected() -> None:
    document = with_package(
        events_package(
            [{"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "2.0"}, {"last_affected": "2.1"}]
        )
    )
    assert "not both" in problem_at(document, "affected[0].ranges[0].events")


def test_event_needs_exactly_one_kind() -> None:
    document = with_package(events_package([{"introduced": "0", "fixed": "1.0"}]))
    assert problem_at(document, "affected[0].ranges[0].events[0]") == (
        "each event must have exactly one of introduced, fixed, last_affected or limit"
    )


def test_unparseable_version_for_the_ecosystem_is_named() -> None:
    document = with_package(events_package([{"introduced": "0"}, {"fixed": "1.0-final!"}]))
    assert problem_at(document, "affected[0].ranges[0].events[1].fixed") == (
        "'1.0-final!' is not a valid PyPI version (PEP 440)"
    )
    listed = with_package({"purl": "pkg:npm/left-pad", "versions": ["one.two"]})
    assert problem_at(listed, "affected[0].versions[0]") == (
        "'one.two' is not a valid npm version (SemVer)"
    )


def test_semver_ranges_take_strict_semver() -> None:
    document = with_package(events_package([{"introduced": "v1.0"}], kind="SEMVER"))
    assert problem_at(document, "affected[0].ranges[0].events[0].introduced") == (
        "'v1.0' is not a SemVer 2.0 version (no 'v')"
    )


def test_git_ranges_need_a_repo_and_full_commit_ids() -> None:
    no_repo = with_package(events_package([{"introduced": "0"}], kind="GIT"))
    assert problem_at(no_repo, "affected[0].ranges[0].repo") == "is required"
    short = {
        "purl": "pkg:github/acme/tool",
        "ranges": [
            {
                "type": "GIT",
                "repo": "https://github.com/acme/tool",
                "events": [{"introduced": "0"}, {"fixed": "9fceb02"}],
            }
        ],
    }
    assert problem_at(with_package(short), "affected[0].ranges[0].events[1].fixed") == (
        "'9fceb02' is not a full git commit id (40 or 64 hex)"
    )


def test_opaque_ecosystem_versions_are_accepted_as_written() -> None:
    document = with_package({"purl": "pkg:hackage/aeson", "versions": ["2.2.1.0", "weird~1"]})
    assert parse_report(document, today=TODAY).affected[0].versions == ("2.2.1.0", "weird~1")


def test_range_fields_belong_to_their_kind() -> None:
    document = with_package(
        {"purl": "pkg:pypi/django", "ranges": [{"type": "vers", "events": [{"introduced": "0"}]}]}
    )
    found = {(e.field, e.message) for e in problems(document)}
    assert ("affected[0].ranges[0].vers", "is required") in found
    assert (
        "affected[0].ranges[0].events",
        "is only for ranges of type ECOSYSTEM, SEMVER or GIT",
    ) in found


def test_bad_cvss_vector_is_named_with_the_reason() -> None:
    document = minimal_report(
        severity=[{"type": "CVSS_V3", "vector": "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    )
    message = problem_at(document, "severity[0].vector")
    assert message.startswith("is not a valid CVSS_V3 vector: ")
    assert "AV:X" in message


def test_cvss_type_must_match_the_vector_prefix() -> None:
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    message = problem_at(
        minimal_report(severity=[{"type": "CVSS_V3", "vector": vector}]), "severity[0].vector"
    )
    assert message.startswith(
        "a CVSS_V3 vector must start with CVSS:3.0/ or CVSS:3.1/; it starts with 'CVSS:4.0'"
    )


def test_one_vector_per_cvss_version() -> None:
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    document = minimal_report(
        severity=[{"type": "CVSS_V3", "vector": vector}, {"type": "CVSS_V3", "vector": vector}]
    )
    assert "given twice" in problem_at(document, "severity[1].type")


def test_bad_cwe_id_is_named() -> None:
    assert problem_at(minimal_report(cwes=["CWE-79", "cwe79"]), "cwes[1]") == (
        "must be written CWE-<number>, such as CWE-79"
    )


def test_too_long_title_says_the_limit() -> None:
    assert problem_at(minimal_report(title="A" * 301), "title") == (
        "is 301 characters long; the limit is 300"
    )


def test_multi_line_title_is_refused() -> None:
    assert problem_at(minimal_report(title="one\ntwo"), "title") == (
        "must be a single line that is not blank"
    )


def test_description_limit_is_counted_in_utf8_bytes() -> None:
    text = "é" * 60_000  # 60,000 characters, 120,000 bytes
    assert problem_at(minimal_report(description=text), "description") == (
        "is 120,000 bytes in UTF-8; the limit is 102,400"
    )


def test_unknown_top_level_field_is_named_and_the_fields_listed() -> None:
    message = problem_at(minimal_report(severity_score=9), "severity_score")
    assert message.startswith("is not a field of report format 1.0; the fields are affected,")
    assert "x_<something>" in message


def test_extension_fields_are_kept() -> None:
    draft = parse_report(minimal_report(x_vendor={"id": 4}), today=TODAY)
    assert draft.extensions == (("x_vendor", '{"id":4}'),)


def test_disclosure_date_ten_years_ahead_is_refused() -> None:
    message = problem_at(minimal_report(intended_disclosure="2036-11-25"), "intended_disclosure")
    assert message.startswith("2036-11-25 is more than 2 years ahead (latest accepted: 2028-11-25)")


def test_disclosure_date_two_years_ahead_is_accepted() -> None:
    draft = parse_report(minimal_report(intended_disclosure="2028-11-25"), today=TODAY)
    assert draft.intended_disclosure == dt.date(2028, 11, 25)


def test_disclosure_date_must_be_a_real_date() -> None:
    assert problem_at(minimal_report(intended_disclosure="2027-02-30"), "intended_disclosure") == (
        '"2027-02-30" is not a calendar date written YYYY-MM-DD'
    )


def test_references_must_be_web_urls() -> None:
    document = minimal_report(references=[{"url": "ftp://example.org/x"}])
    assert problem_at(document, "references[0].url") == (
        "must be an http:// or https:// URL without blanks"
    )
    no_host = minimal_report(references=[{"url": "https:///path"}])
    assert "is not a URL with a host name" in problem_at(no_host, "references[0].url")


def test_line_end_before_line_start_is_refused() -> None:
    document = minimal_report(locations=[{"file": "a.py", "line_start": 9, "line_end": 3}])
    assert problem_at(document, "locations[0].line_end") == "is 3, before line_start 9"


def test_same_package_twice_is_refused() -> None:
    document = minimal_report(affected=[{"purl": "pkg:pypi/Django"}, {"purl": "pkg:pypi/django"}])
    assert "is already listed at affected[0]" in problem_at(document, "affected[1].purl")


def test_wrong_schema_version_and_missing_fields() -> None:
    found = {(e.field, e.message) for e in problems({"schema_version": "2.0"})}
    assert ("schema_version", 'must be "1.0", not "2.0"') in found
    assert {("title", "is required"), ("affected", "is required")} <= found


def test_a_document_that_is_not_an_object() -> None:
    assert [(e.field, e.message) for e in problems([])] == [
        ("$", "must be an object, not an array")
    ]


def test_every_problem_is_reported_at_once() -> None:
    document = with_package(
        {
            "purl": "pkg:pypi/django@1.0",
            "ranges": [{"type": "vers", "vers": "vers:npm/<1"}],
            "versions": ["x!y"],
        },
        severity=[{"type": "CVSS_V4", "vector": "CVSS:4.0/AV:N"}],
        intended_disclosure="2040-01-01",
    )
    fields = [error.field for error in problems(document)]
    assert fields == [
        "affected[0].purl",
        "affected[0].ranges[0].vers",
        "affected[0].versions[0]",
        "severity[0].vector",
        "intended_disclosure",
    ]
