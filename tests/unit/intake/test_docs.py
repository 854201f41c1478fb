"""docs/report-format.md cannot drift from the schema and the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from akrites.domain.intake import draft_to_json, parse_report, report_schema
from akrites.domain.intake.versions import VERSION_SYNTAX
from tests.unit.intake.factories import TODAY, full_report

DOC = Path(__file__).resolve().parents[3] / "docs" / "report-format.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_complete_example_is_a_valid_report() -> None:
    block = re.search(r"```json\n(.*?)\n```", _section("Complete example"), re.DOTALL)
    assert block is not None
    example = json.loads(block[1])
    draft = parse_report(example, today=TODAY)
    assert draft_to_json(draft) == draft_to_json(parse_report(full_report(), today=TODAY))


def test_every_top_level_field_is_documented() -> None:
    fields = _section("Fields")
    for name in report_schema()["properties"]:
        assert f"| `{name}` |" in fields, f"{name} is missing from docs/report-format.md"


def test_every_ecosystem_with_a_version_syntax_is_documented() -> None:
    table = _section("Fields")
    for ecosystem in VERSION_SYNTAX:
        assert ecosystem.value in table, f"{ecosystem.value} is missing from the syntax table"
