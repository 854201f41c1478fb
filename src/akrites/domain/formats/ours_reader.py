"""Our own format in bulk (JSON Lines), and telling the three input formats apart.

JSON Lines: one report document per line (https://jsonlines.org/); blank lines are ignored.
Each line is validated on its own, so the answer lists a draft or an error per line and the
caller decides whether one bad line rejects the batch (the intake service does: nothing
partial is stored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final, Literal

from akrites.domain.formats.common import (
    MAX_DOCUMENT_BYTES,
    MAX_REPORT_BYTES,
    ReadResult,
    load_json,
)
from akrites.domain.formats.osv_reader import read_osv
from akrites.domain.formats.sarif_reader import read_sarif
from akrites.domain.intake.errors import ROOT, IntakeError
from akrites.domain.intake.model import SCHEMA_VERSION, ReportDraft
from akrites.domain.intake.validate import parse_report

MAX_JSON_LINES: Final = 10_000

Format = Literal["akrites", "osv", "sarif"]


def reports_from_json_lines(
    text: str, *, today: dt.date | None = None
) -> list[ReportDraft | IntakeError]:
    """A draft or an IntakeError (with its ``line``) for each non-blank line of ``text``.

    The whole input is refused (IntakeError) when it is larger than MAX_DOCUMENT_BYTES or has
    more than MAX_JSON_LINES reports.
    """
    size = len(text.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise IntakeError.single(ROOT, f"is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}")
    numbered = [
        (number, line) for number, line in enumerate(text.split("\n"), start=1) if line.strip()
    ]
    if len(numbered) > MAX_JSON_LINES:
        raise IntakeError.single(
            ROOT, f"has {len(numbered):,} reports; the limit is {MAX_JSON_LINES:,} per file"
        )
    items: list[ReportDraft | IntakeError] = []
    for number, line in numbered:
        try:
            document = load_json(line.removesuffix("\r"), max_bytes=MAX_REPORT_BYTES)
            items.append(parse_report(document, today=today))
        except IntakeError as error:
            items.append(error.at_line(number))
    return items


def detect_format(doc: object) -> Format:
    """Which reader ``doc`` (a parsed JSON document) is for; IntakeError if none.

    A SARIF log has ``runs``; an OSV record has ``id`` and ``modified`` (a JSON array is read
    as OSV records); anything with our ``schema_version`` or a ``title`` is our format.
    """
    if isinstance(doc, Mapping):
        if "runs" in doc:
            return "sarif"
        if doc.get("schema_version") == SCHEMA_VERSION or "title" in doc:
            return "akrites"
        if "id" in doc and "modified" in doc:
            return "osv"
    elif isinstance(doc, list) and doc and all(detect_osv(entry) for entry in doc):
        return "osv"
    raise IntakeError.single(
        ROOT,
        "is not in a format Akrites reads: expected a report of our format (schema_version "
        f'"{SCHEMA_VERSION}"), an OSV record (id, modified) or an array of them, or a SARIF '
        "2.1.0 log (version, runs)",
    )


def detect_osv(doc: object) -> bool:
    return isinstance(doc, Mapping) and "id" in doc and "modified" in doc and "title" not in doc


def read_document(
    doc: object, *, default_purl: str | None = None, today: dt.date | None = None
) -> ReadResult:
    """Any one parsed document (ours, OSV or SARIF) to drafts; IntakeError if anything is bad."""
    kind = detect_format(doc)
    if kind == "sarif":
        return read_sarif(doc, default_purl=default_purl, today=today)
    if kind == "osv":
        return read_osv(doc, today=today)
    return ReadResult((parse_report(doc, today=today),))
