"""Readers of the formats reports arrive in: ours (JSON, JSON Lines), OSV and SARIF 2.1.0.

Each reader returns ``ReportDraft`` values (see ``akrites.domain.intake``) or raises an
``IntakeError`` naming fields of the input it was given; a file is accepted whole or not at
all. Writers (OSV, CVE JSON 5, CSAF, OpenVEX) will live here too.
"""

from akrites.domain.formats.common import (
    MAX_DOCUMENT_BYTES,
    MAX_REPORT_BYTES,
    ReadResult,
    Skipped,
    load_json,
)
from akrites.domain.formats.osv_reader import MAX_OSV_RECORDS, read_osv, reports_from_osv
from akrites.domain.formats.ours_reader import (
    MAX_JSON_LINES,
    Format,
    detect_format,
    read_document,
    reports_from_json_lines,
)
from akrites.domain.formats.sarif_reader import MAX_SARIF_RESULTS, read_sarif, reports_from_sarif

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_JSON_LINES",
    "MAX_OSV_RECORDS",
    "MAX_REPORT_BYTES",
    "MAX_SARIF_RESULTS",
    "Format",
    "ReadResult",
    "Skipped",
    "detect_format",
    "load_json",
    "read_document",
    "read_osv",
    "read_sarif",
    "reports_from_json_lines",
    "reports_from_osv",
    "reports_from_sarif",
]
