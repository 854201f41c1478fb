"""docs/dedup.md states the engine's weights and bands: it must not drift from the code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from akrites.domain.dedup import Thresholds, Weights

DOC = Path(__file__).parents[3] / "docs" / "dedup.md"


def test_weights_table_in_docs_matches_the_defaults() -> None:
    text = DOC.read_text(encoding="utf-8")
    defaults = Weights()
    for item in fields(Weights):
        row = f"| `{item.name}` | {getattr(defaults, item.name)} |"
        assert row in text, f"docs/dedup.md should have the row {row!r}"


def test_bands_in_docs_match_the_default_thresholds() -> None:
    text = DOC.read_text(encoding="utf-8")
    thresholds = Thresholds()
    assert f"`auto` from p >= {thresholds.auto}" in text
    assert f"`suggest` from p >= {thresholds.suggest}" in text
