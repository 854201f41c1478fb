from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from akrites.dedup_cli import cluster_main
from akrites.domain.dedup import EventKind, RangeKind, report_from_record
from akrites.domain.errors import InvalidInput

FIX = "https://github.com/acme/widget/commit/4f2a9c81d3e5b7a6c0f1e2d3c4b5a69788796a5b"
TEXT = (
    "A path traversal vulnerability in the archive extractor of widget before 1.4.2 allows "
    "attackers to write arbitrary files via crafted `../` entries handled by `extract_all`."
)
OTHER = (
    "Widget before 2.0.0 does not limit the size of decompressed request bodies, so a small "
    "request can exhaust the server's memory through the `inflate_body` helper."
)


def _record(record_id: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": record_id,
        "ecosystem": "PyPI",
        "package": "widget",
        "purl": "pkg:pypi/widget",
        "summary": None,
        "details": TEXT,
        "affected": [{"package": {"ecosystem": "PyPI", "name": "widget"}}],
        "cwes": [],
        "severity": None,
        "references": [FIX],
        "published": "2024-01-01T00:00:00Z",
    }
    record.update(fields)
    return record


def test_osv_record_becomes_a_report() -> None:
    report = report_from_record(
        {
            "id": "OSV-1",
            "summary": "Traversal",
            "details": TEXT,
            "aliases": ["CVE-2024-0001"],
            "affected": [
                {
                    "package": {"ecosystem": "Go", "name": "github.com/acme/widget/v2"},
                    "ranges": [
                        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.1.0"}]},
                        {"type": "GIT", "repo": "https://github.com/acme/widget",
                         "events": [{"introduced": "0"}, {"fixed": "4f2a9c81"}]},
                    ],
                    "versions": ["2.0.0"],
                },
                {"package": {"purl": "pkg:npm/%40acme/widget"}},
            ],
            "references": [{"type": "FIX", "url": FIX}],
            "database_specific": {"cwe_ids": ["CWE-22"]},
        }
    )  # fmt: skip
    assert report.id == "OSV-1"
    assert [(p.ecosystem, p.name) for p in report.packages] == [
        ("Go", "github.com/acme/widget/v2"),
        ("npm", "@acme/widget"),
    ]
    git = report.packages[0].ranges[1]
    assert git.kind is RangeKind.GIT
    assert git.repo == "https://github.com/acme/widget"
    assert git.events[1].kind is EventKind.FIXED
    assert report.references == (FIX,)
    assert report.cwes == ("CWE-22",)
    assert report.aliases == ("CVE-2024-0001",)


def test_record_fields_that_must_not_be_scored_are_ignored() -> None:
    with_truth = report_from_record(_record("a", truth="CVE-1", source="one"))
    without = report_from_record(_record("a"))
    assert with_truth == without


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"details": "x"}, "id"),
        ({"id": "a", "affected": "widget"}, "affected"),
        ({"id": "a", "references": [3]}, "references"),
        (
            {"id": "a", "affected": [{"package": {"purl": "not-a-purl"}}]},
            "affected[0].package.purl",
        ),
    ],
)
def test_bad_records_name_the_field(record: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        report_from_record(record)
    assert error.value.field == field


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cluster_writes_one_line_per_record_in_file_order(tmp_path: Path) -> None:
    records = [
        _record("A-1", truth="x"),
        _record("A-2", details=OTHER, references=[], truth="y"),
        _record("B-1", summary="Path traversal in widget", truth="x"),
    ]
    source = _write(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    assert cluster_main(["cluster", str(source), "-o", str(out)]) == 0
    rows = _read(out)
    assert [row["id"] for row in rows] == ["A-1", "A-2", "B-1"]
    assert all(set(row) == {"id", "case", "score", "band"} for row in rows)
    assert [row["case"] for row in rows] == ["A-1", "A-2", "A-1"]
    assert rows[2]["band"] == "auto"
    assert rows[0]["band"] == "new"


def test_cluster_ignores_the_truth_field(tmp_path: Path) -> None:
    records = [_record("A-1"), _record("B-1", summary="Traversal")]
    first = _write(tmp_path / "one.jsonl", [dict(r, truth="same") for r in records])
    second = _write(tmp_path / "two.jsonl", [dict(r, truth=r["id"]) for r in records])
    assert cluster_main([str(first), "-o", str(tmp_path / "one.out")]) == 0
    assert cluster_main([str(second), "-o", str(tmp_path / "two.out")]) == 0
    assert _read(tmp_path / "one.out") == _read(tmp_path / "two.out")


def test_cluster_reports_a_bad_line_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(_record("A-1")) + "\n{not json\n", encoding="utf-8")
    assert cluster_main(["cluster", str(source), "-o", str(tmp_path / "out.jsonl")]) == 1
    assert "in.jsonl:2" in capsys.readouterr().err


def test_cluster_missing_input_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cluster_main(["cluster", str(tmp_path / "absent.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["cluster", "--help"], ["--help"]])
def test_cluster_help_exits_cleanly(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cluster_main(argv)
    assert exit_.value.code == 0
    assert "dedup cluster" in capsys.readouterr().out
