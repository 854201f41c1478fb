"""Generated documentation cannot drift from the data it documents."""

from __future__ import annotations

from pathlib import Path

from akrites.domain.permissions import Permission, render_markdown

ROOT = Path(__file__).parents[2]


def test_permissions_doc_is_generated_from_the_matrix() -> None:
    assert (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is out of date: run 'akrites docs'"
    )


def test_permissions_doc_lists_every_permission() -> None:
    text = render_markdown()
    for perm in Permission:
        assert f"`{perm.value}`" in text


def test_report_schema_in_docs_is_the_served_one() -> None:
    import json

    from akrites.domain.intake.schema import report_schema

    doc = json.loads((ROOT / "docs" / "report-1.0.schema.json").read_text(encoding="utf-8"))
    assert doc == dict(report_schema())


def test_embargo_and_tlp_docs_are_generated() -> None:
    from akrites.domain import embargo, embargo_docs, tlp

    assert (ROOT / "docs" / "embargo.md").read_text(
        encoding="utf-8"
    ) == embargo_docs.render_markdown(embargo.DEFAULT_POLICY)
    assert (ROOT / "docs" / "tlp.md").read_text(encoding="utf-8") == tlp.render_markdown()
