"""JSON Lines bulk input, format detection and the safe JSON loader."""

from __future__ import annotations

import json

import pytest

from akrites.domain.formats import (
    MAX_REPORT_BYTES,
    detect_format,
    load_json,
    read_document,
    reports_from_json_lines,
)
from akrites.domain.intake import IntakeError, ReportDraft
from tests.unit.intake.factories import TODAY, full_report, load, minimal_report


def test_json_lines_give_a_draft_or_an_error_per_line_with_its_number() -> None:
    lines = [
        json.dumps(minimal_report(reporter_ref="A-1")),
        "",
        json.dumps(minimal_report(reporter_ref="A-2", cwes=["79"])),
        "   ",
        json.dumps(full_report()),
        "{not json",
    ]
    items = reports_from_json_lines("\n".join(lines) + "\n", today=TODAY)

    assert len(items) == 4  # blank lines are not reports
    first, second, third, fourth = items
    assert isinstance(first, ReportDraft)
    assert first.reporter_ref == "A-1"
    assert isinstance(second, IntakeError)
    assert (second.line, second.field) == (3, "cwes[0]")
    assert str(second.errors[0]) == (
        "line 3: cwes[0]: must be written CWE-<number>, such as CWE-79"
    )
    assert isinstance(third, ReportDraft)
    assert isinstance(fourth, IntakeError)
    assert fourth.line == 6
    assert fourth.message.startswith("is not valid JSON: Expecting property name")


def test_json_lines_accept_crlf_line_ends() -> None:
    text = json.dumps(minimal_report()) + "\r\n" + json.dumps(minimal_report()) + "\r\n"
    assert all(isinstance(item, ReportDraft) for item in reports_from_json_lines(text))


def test_an_oversized_line_is_refused_on_its_own() -> None:
    huge = minimal_report(description="x" * (MAX_REPORT_BYTES + 10))
    items = reports_from_json_lines(json.dumps(minimal_report()) + "\n" + json.dumps(huge))
    assert isinstance(items[0], ReportDraft)
    assert isinstance(items[1], IntakeError)
    assert items[1].line == 2
    assert items[1].message.endswith(f"the limit is {MAX_REPORT_BYTES:,}")


def test_load_json_refuses_duplicate_keys_constants_and_bad_bytes() -> None:
    with pytest.raises(IntakeError, match="has the key 'title' twice in one object"):
        load_json('{"title": "a", "title": "b"}')
    with pytest.raises(IntakeError, match="contains NaN, which JSON does not allow"):
        load_json('{"reported_score": NaN}')
    with pytest.raises(IntakeError, match=r"is not UTF-8 text \(bad byte at offset 11\)"):
        load_json(b'{"title": "\xff"}')
    with pytest.raises(IntakeError, match="is 12 bytes; the limit is 10"):
        load_json(b'{"a": "bcd"}', max_bytes=10)
    with pytest.raises(IntakeError, match="nested too deeply"):
        load_json("[" * 100_000 + "]" * 100_000)
    assert load_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}  # a UTF-8 byte order mark is fine


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (minimal_report(), "akrites"),
        ({"title": "no version yet"}, "akrites"),
        (load("osv/go-x-net.json"), "osv"),
        ([load("osv/go-x-net.json"), load("osv/maven-log4j.json")], "osv"),
        (load("sarif/semgrep-js.sarif"), "sarif"),
    ],
)
def test_detect_format(document: object, expected: str) -> None:
    assert detect_format(document) == expected


@pytest.mark.parametrize("document", [{"hello": "world"}, [], [minimal_report()], "text", 3])
def test_detect_format_refuses_what_no_reader_takes(document: object) -> None:
    with pytest.raises(IntakeError) as caught:
        detect_format(document)
    assert caught.value.field == "$"
    assert "is not in a format Akrites reads" in caught.value.message


def test_read_document_dispatches_on_the_detected_format() -> None:
    assert len(read_document(minimal_report(), today=TODAY).reports) == 1
    assert read_document(load("osv/go-x-net.json"), today=TODAY).reports[0].reporter_ref == (
        "GO-2023-2102"
    )
    sarif = read_document(load("sarif/codeql-python.sarif"), today=TODAY)
    assert (len(sarif.reports), len(sarif.skipped)) == (2, 1)
