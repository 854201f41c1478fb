"""Intake: the report format (version 1.0), its validation and its normalised value.

``parse_report`` turns a JSON document in our format into a ``ReportDraft`` or raises an
``IntakeError`` listing every problem by field. The readers in ``akrites.domain.formats``
produce the same drafts from OSV and SARIF.
"""

from akrites.domain.intake.canonical import canonical_json, content_digest, draft_to_json
from akrites.domain.intake.errors import FieldError, IntakeError
from akrites.domain.intake.model import (
    SCHEMA_VERSION,
    AffectedPackage,
    CodeLocation,
    EventKind,
    Provenance,
    RangeEvent,
    RangeKind,
    Rating,
    Reference,
    ReferenceType,
    ReportDraft,
    Severity,
    SeverityType,
    VersionRange,
)
from akrites.domain.intake.schema import SCHEMA_ID, report_schema
from akrites.domain.intake.validate import parse_report

__all__ = [
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "AffectedPackage",
    "CodeLocation",
    "EventKind",
    "FieldError",
    "IntakeError",
    "Provenance",
    "RangeEvent",
    "RangeKind",
    "Rating",
    "Reference",
    "ReferenceType",
    "ReportDraft",
    "Severity",
    "SeverityType",
    "VersionRange",
    "canonical_json",
    "content_digest",
    "draft_to_json",
    "parse_report",
    "report_schema",
]
