"""The validation tooling itself, on the official CSAF 2.0 examples (tests/data/formats/csaf):
the packaged schema (with its FIRST CVSS references resolved offline) and the BSI validator
harness accept real documents, and both catch a broken one, so a green writer test means
something."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from akrites.domain.formats.schemas import SchemaName, schema_errors, validator
from tests.unit.formats.factories import bsi_validate

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "formats" / "csaf"
NAMES = ["bsi-2022-0001.json", "2022-evd-uc-01-a-001.json"]


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return document


def broken_score() -> dict[str, Any]:
    """The BSI example with a CVSS base score that its vector does not give."""
    document = copy.deepcopy(example("bsi-2022-0001.json"))
    document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 9.9
    return document


@pytest.mark.parametrize("name", NAMES)
def test_official_examples_pass_the_packaged_schema(name: str) -> None:
    assert schema_errors(SchemaName.CSAF, example(name)) == []


def test_packaged_schema_resolves_the_first_cvss_schema_offline() -> None:
    document = copy.deepcopy(example("bsi-2022-0001.json"))
    document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = "SEVERE"

    assert any("cvss_v3" in error for error in schema_errors(SchemaName.CSAF, document))


def test_bsi_validator_accepts_the_examples_and_catches_a_wrong_score() -> None:
    results = bsi_validate([example(name) for name in NAMES] + [broken_score()])

    for result in results[:2]:
        assert result["basic"]["isValid"] is True
        assert result["extended"]["isValid"] is True
    broken = results[2]["basic"]
    assert broken["isValid"] is False
    assert {error["test"] for error in broken["errors"]} >= {"mandatoryTest_6_1_9"}


@pytest.mark.parametrize("name", list(SchemaName))
def test_every_packaged_schema_is_itself_valid(name: SchemaName) -> None:
    assert validator(name) is validator(name)
