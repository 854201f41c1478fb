"""Turning a request body into validated drafts: our JSON, JSON Lines, OSV or SARIF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from akrites.domain.errors import InvalidInput
from akrites.domain.formats import (
    detect_format,
    load_json,
    reports_from_osv,
    reports_from_sarif,
)
from akrites.domain.formats.ours_reader import reports_from_json_lines
from akrites.domain.intake import ReportDraft, parse_report
from akrites.domain.intake.errors import FieldError, IntakeError

FORMATS = ("auto", "akrites", "osv", "sarif")


def parse_json_body(body: bytes) -> Any:
    """JSON with specific errors (not UTF-8, syntax, duplicate keys, too large)."""
    return load_json(body)


def drafts_from_body(
    body: bytes, *, content_type: str, fmt: str = "auto", default_purl: str | None = None
) -> tuple[str, Sequence[ReportDraft | IntakeError]]:
    """(format, items). A whole-document problem raises; per-item problems are returned."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format '{fmt}': use one of {', '.join(FORMATS)}", field="format"
        )
    if "ndjson" in content_type or "jsonl" in content_type or "json-seq" in content_type:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("the body is not UTF-8 text", field="$") from None
        return "akrites", reports_from_json_lines(text)
    doc = parse_json_body(body)
    if isinstance(doc, dict) and "reports" in doc and fmt in ("auto", "akrites"):
        reports = doc["reports"]
        if not isinstance(reports, list):
            raise InvalidInput("'reports' must be a list of reports", field="reports")
        return "akrites", [_one(item, "") for item in reports]
    kind = detect_format(doc) if fmt == "auto" else fmt
    if kind == "osv":
        docs = doc if isinstance(doc, list) else [doc]
        items: list[ReportDraft | IntakeError] = []
        for i, entry in enumerate(docs):
            try:
                items.extend(reports_from_osv(entry))
            except IntakeError as exc:
                items.append(_prefixed(exc, f"[{i}]") if isinstance(doc, list) else exc)
        return "osv", items
    if kind == "sarif":
        return "sarif", list(reports_from_sarif(doc, default_purl=default_purl))
    if isinstance(doc, list):
        return "akrites", [_one(item, "") for item in doc]
    return "akrites", [_one(doc, "")]


def _one(data: object, prefix: str) -> ReportDraft | IntakeError:
    try:
        return parse_report(data)
    except IntakeError as exc:
        return _prefixed(exc, prefix) if prefix else exc


def _prefixed(exc: IntakeError, prefix: str) -> IntakeError:
    return IntakeError(
        [
            FieldError(f"{prefix}.{e.field}" if e.field != "$" else prefix, e.message, e.line)
            for e in exc.errors
        ],
        omitted=exc.omitted,
    )
