"""SARIF 2.1.0 logs -> drafts: CodeQL-like and Semgrep-like logs, skips, and named errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft4Validator

from akrites.domain.formats import MAX_SARIF_RESULTS, read_sarif, reports_from_sarif
from akrites.domain.intake import IntakeError, ReferenceType
from tests.unit.intake.factories import SCHEMAS, TODAY, load

CODEQL = "sarif/codeql-python.sarif"
SEMGREP = "sarif/semgrep-js.sarif"


def sarif_errors(log: object, default_purl: str | None = None) -> list[tuple[str, str]]:
    with pytest.raises(IntakeError) as caught:
        read_sarif(log, default_purl=default_purl, today=TODAY)
    return [(error.field, error.message) for error in caught.value.errors]


def minimal_log(*results: dict[str, Any], **run: Any) -> dict[str, Any]:
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "scanner"}}, "results": list(results), **run}],
    }


def a_result(**fields: Any) -> dict[str, Any]:
    return {"ruleId": "R1", "message": {"text": "Tainted data reaches eval."}, **fields}


@pytest.mark.parametrize("name", [CODEQL, SEMGREP])
def test_fixture_is_valid_against_the_official_sarif_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert list(Draft4Validator(schema).iter_errors(load(name))) == []


def test_codeql_results_map_rules_locations_and_provenance() -> None:
    result = read_sarif(load(CODEQL), default_purl=None, today=TODAY)

    sql, logging = result.reports
    assert sql.title == "SQL query built from user-controlled sources in shop/db.py"
    assert sql.description.startswith(
        "This SQL query depends on a user-provided value (`shop/views.py:17`)."
    )
    assert "Reported by CodeQL 2.19.3, rule `py/sql-injection`." in sql.description
    assert "## Recommendation" in sql.description
    assert sql.affected[0].purl == "pkg:pypi/acme-shop"  # from the run's akrites/purl
    assert sql.cwes == ("CWE-89",)
    assert sql.reported_score == 8.8
    assert sql.severity == ()
    (location,) = sql.locations
    assert (location.file, location.line_start, location.line_end) == ("shop/db.py", 42, None)
    assert location.commit == "3f1c2a9be0d44b7a9e51c0f8d2b6a7e4c9d10b55"
    assert location.repository_url == "https://github.com/acme/shop"
    assert sql.reproduction is not None
    assert "1. `shop/views.py:17` — ControlFlowNode for request.args" in sql.reproduction
    assert sql.provenance is not None
    assert (sql.provenance.tool, sql.provenance.tool_version) == ("CodeQL", "2.19.3")
    assert sql.provenance.ai_assisted is None
    assert sql.reporter_ref is not None
    assert sql.reporter_ref.startswith("sarif-")
    assert dict(sql.extensions)["x_sarif"] == json.dumps(
        {
            "partial_fingerprints": {
                "primaryLocationLineHash": "5d3f9a7c21b0e4f8:1",
                "primaryLocationStartColumnFingerprint": "11",
            },
            "rule_id": "py/sql-injection",
            "tool": "CodeQL",
        },
        sort_keys=True,
        separators=(",", ":"),
    )

    assert logging.cwes == ("CWE-312", "CWE-359", "CWE-532")
    assert logging.locations[0].function == "shop.auth.login"
    assert (logging.locations[0].line_start, logging.locations[0].line_end) == (88, 89)


def test_codeql_note_without_security_severity_is_skipped_with_a_reason() -> None:
    result = read_sarif(load(CODEQL), default_purl=None, today=TODAY)
    assert [(s.field, s.reason) for s in result.skipped] == [
        (
            "runs[0].results[2]",
            "level 'note' without a security-severity is not treated as a vulnerability",
        )
    ]


def test_semgrep_results_use_the_default_purl_and_its_version() -> None:
    result = read_sarif(load(SEMGREP), default_purl="pkg:npm/acme-web@2.3.1", today=TODAY)

    (xss,) = result.reports
    # Semgrep's shortDescription only repeats the rule id: the message's first sentence is used.
    assert xss.title == (
        "Detected directly writing to a Response object from user-defined input "
        "in src/routes/search.js"
    )
    assert xss.affected[0].purl == "pkg:npm/acme-web"
    assert xss.affected[0].versions == ("2.3.1",)
    assert xss.cwes == ("CWE-79",)
    assert xss.reported_score == 6.1
    assert [(r.url, r.type) for r in xss.references] == [
        (
            (
                "https://semgrep.dev/r/javascript.express.security.audit.xss.direct-response-write"
                ".direct-response-write"
            ),
            ReferenceType.ARTICLE,
        )
    ]
    assert xss.description.count("This bypasses any HTML escaping") == 1
    assert [(s.field, s.reason) for s in result.skipped] == [("runs[0].results[1]", "suppressed")]


def test_reporter_ref_is_stable_across_scans_and_prefers_the_guid() -> None:
    first = reports_from_sarif(load(SEMGREP), default_purl="pkg:npm/acme-web", today=TODAY)
    moved = load(SEMGREP)
    region = moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    region.update(startLine=30, endLine=30)
    second = reports_from_sarif(moved, default_purl="pkg:npm/acme-web", today=TODAY)
    assert first[0].reporter_ref == second[0].reporter_ref  # fingerprints, not line numbers

    with_guid = load(SEMGREP)
    with_guid["runs"][0]["results"][0]["guid"] = "6f1e0c8a-4b1d-4f6e-9a51-3c2d1e0f9b8a"
    (draft,) = reports_from_sarif(with_guid, default_purl="pkg:npm/acme-web", today=TODAY)
    assert draft.reporter_ref == "6f1e0c8a-4b1d-4f6e-9a51-3c2d1e0f9b8a"


def test_ai_provenance_properties_are_read_from_the_run() -> None:
    log = load(SEMGREP)
    log["runs"][0]["properties"] = {
        "akrites/ai-assisted": True,
        "akrites/human-verified": False,
        "akrites/model": "example-model-2026-05",
    }
    (draft,) = reports_from_sarif(log, default_purl="pkg:npm/acme-web", today=TODAY)
    assert draft.provenance is not None
    assert (draft.provenance.ai_assisted, draft.provenance.human_verified) == (True, False)
    assert draft.provenance.model == "example-model-2026-05"


def test_result_purl_property_wins_over_run_and_default() -> None:
    log = minimal_log(
        a_result(properties={"akrites/purl": "pkg:cargo/tokio"}),
        a_result(),
        properties={"akrites/purl": "pkg:pypi/acme"},
    )
    drafts = reports_from_sarif(log, default_purl="pkg:npm/other", today=TODAY)
    assert [d.affected[0].purl for d in drafts] == ["pkg:cargo/tokio", "pkg:pypi/acme"]


def test_result_without_any_package_is_named() -> None:
    log = minimal_log(a_result(), a_result(), a_result(), a_result())
    errors = sarif_errors(log)
    assert errors[3][0] == "runs[0].results[3]"
    assert "pass a default purl (akrites submit --purl)" in errors[3][1]


def test_bad_purl_is_named_where_it_came_from() -> None:
    log = minimal_log(a_result(properties={"akrites/purl": "pkg:generic/x"}))
    assert sarif_errors(log) == [
        (
            "runs[0].results[0].properties.akrites/purl",
            sarif_errors(log)[0][1],
        )
    ]
    assert sarif_errors(minimal_log(a_result()), default_purl="django")[0][0] == "default_purl"


def test_wrong_version_and_missing_tool_name() -> None:
    assert sarif_errors({"version": "2.0.0", "runs": []}) == [
        ("version", "must be \"2.1.0\" (SARIF 2.1.0), not '2.0.0'")
    ]
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    assert sarif_errors(log) == [("runs[0].tool.driver.name", "is required")]


def test_result_without_message_text_is_named() -> None:
    log = minimal_log({"ruleId": "R1", "message": {}})
    assert sarif_errors(log, "pkg:pypi/acme") == [
        ("runs[0].results[0].message", "needs a text (or an id from its rule's messageStrings)")
    ]


def test_message_from_rule_message_strings_with_arguments() -> None:
    rule = {"id": "R1", "messageStrings": {"default": {"text": "{0} flows into {1}."}}}
    log = minimal_log(
        {"ruleId": "R1", "message": {"id": "default", "arguments": ["argv", "exec"]}},
        tool={"driver": {"name": "scanner", "rules": [rule]}},
    )
    (draft,) = reports_from_sarif(log, default_purl="pkg:pypi/acme", today=TODAY)
    assert draft.description.startswith("argv flows into exec.")


def test_malformed_security_severity_is_named_at_the_rule() -> None:
    rule = {"id": "R1", "properties": {"security-severity": "high"}}
    log = minimal_log(a_result(), tool={"driver": {"name": "scanner", "rules": [rule]}})
    assert sarif_errors(log, "pkg:pypi/acme") == [
        (
            "runs[0].tool.driver.rules[0].properties.security-severity",
            "'high' is not a score between 0.0 and 10.0",
        )
    ]


def test_rule_index_past_the_end_is_named() -> None:
    log = minimal_log(a_result(ruleIndex=4))
    assert sarif_errors(log, "pkg:pypi/acme") == [
        ("runs[0].results[0].ruleIndex", "4 is past the end of the tool's rules (0 rules)")
    ]


def test_bad_line_number_is_named() -> None:
    location = {
        "physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 0}}
    }
    log = minimal_log(a_result(locations=[location]))
    assert sarif_errors(log, "pkg:pypi/acme") == [
        (
            "runs[0].results[0].locations[0].physicalLocation.region.startLine",
            "must be a line number (1 or more)",
        )
    ]


def test_cwe_from_result_taxa_and_tags() -> None:
    log = minimal_log(
        a_result(
            taxa=[{"id": "CWE-078", "toolComponent": {"name": "CWE"}}],
            properties={"tags": ["cwe-94", "security"]},
        )
    )
    (draft,) = reports_from_sarif(log, default_purl="pkg:pypi/acme", today=TODAY)
    assert draft.cwes == ("CWE-94", "CWE-78")


def test_non_failing_and_absent_results_are_skipped() -> None:
    log = minimal_log(a_result(kind="pass"), a_result(baselineState="absent"))
    result = read_sarif(log, default_purl="pkg:pypi/acme", today=TODAY)
    assert result.reports == ()
    assert [s.reason for s in result.skipped] == [
        "kind 'pass' is not a finding",
        "absent from this scan (baselineState 'absent')",
    ]


def test_too_many_results_is_refused_before_reading_them() -> None:
    log = minimal_log(*[{} for _ in range(MAX_SARIF_RESULTS + 1)])
    assert sarif_errors(log) == [("runs", "has 10,001 results; the limit is 10,000 per file")]


def test_one_bad_result_rejects_the_whole_log() -> None:
    log = load(CODEQL)
    log["runs"][0]["results"][1]["message"] = {"text": " "}
    errors = sarif_errors(log)
    assert [field for field, _ in errors] == ["runs[0].results[1].message"]
