"""A draft back to our JSON format, its canonical text and its content digest.

``draft_to_json`` writes what ``parse_report`` reads, so ``parse_report(draft_to_json(d)) == d``.
The canonical text sorts keys, drops insignificant blanks and leaves out absent fields, so two
documents that say the same thing (in any key order or layout) give the same digest: the
service compares digests to tell a harmless resubmission from "same reporter_ref, different
content".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from akrites.domain.intake.model import (
    AffectedPackage,
    CodeLocation,
    Provenance,
    RangeKind,
    ReportDraft,
    VersionRange,
)


def draft_to_json(draft: ReportDraft) -> dict[str, Any]:
    """The draft as a report-format document (a JSON-ready dict); absent fields are left out."""
    document: dict[str, Any] = {
        "schema_version": draft.schema_version,
        "reporter_ref": draft.reporter_ref,
        "title": draft.title,
        "description": draft.description,
        "affected": [_package(package) for package in draft.affected],
        "aliases": list(draft.aliases),
        "cwes": list(draft.cwes),
        "severity": [{"type": s.type.value, "vector": s.vector} for s in draft.severity],
        "reported_score": draft.reported_score,
        "poc": draft.poc,
        "reproduction": draft.reproduction,
        "locations": [_location(location) for location in draft.locations],
        "references": [{"url": r.url, "type": r.type.value} for r in draft.references],
        "provenance": _provenance(draft.provenance),
        "intended_disclosure": (
            draft.intended_disclosure.isoformat() if draft.intended_disclosure else None
        ),
        "credit_as": draft.credit_as,
    }
    present = {
        key: value
        for key, value in document.items()
        if value is not None and (value != [] or key == "affected")
    }
    # Extensions are kept as given, null and empty values included.
    present.update((name, json.loads(text)) for name, text in draft.extensions)
    return present


def canonical_json(draft: ReportDraft) -> str:
    """The draft as compact JSON with sorted keys: one text per meaning."""
    return json.dumps(
        draft_to_json(draft), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def content_digest(draft: ReportDraft) -> str:
    """SHA-256 (hex) of the canonical JSON of the draft's content.

    ``reporter_ref`` is left out: it names the submission, it is not part of what it says.
    """
    text = canonical_json(replace(draft, reporter_ref=None))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package(package: AffectedPackage) -> dict[str, Any]:
    entry: dict[str, Any] = {"purl": package.purl}
    if package.ranges:
        entry["ranges"] = [_range(version_range) for version_range in package.ranges]
    if package.versions:
        entry["versions"] = list(package.versions)
    return entry


def _range(version_range: VersionRange) -> dict[str, Any]:
    if version_range.kind is RangeKind.VERS:
        return {"type": version_range.kind.value, "vers": version_range.vers}
    entry: dict[str, Any] = {
        "type": version_range.kind.value,
        "events": [{event.kind.value: event.version} for event in version_range.events],
    }
    if version_range.repo is not None:
        entry["repo"] = version_range.repo
    return entry


def _location(location: CodeLocation) -> dict[str, Any]:
    entry = {
        "file": location.file,
        "function": location.function,
        "line_start": location.line_start,
        "line_end": location.line_end,
        "commit": location.commit,
        "repository_url": location.repository_url,
    }
    return {key: value for key, value in entry.items() if value is not None}


def _provenance(provenance: Provenance | None) -> dict[str, Any] | None:
    if provenance is None:
        return None
    entry = {
        "tool": provenance.tool,
        "tool_version": provenance.tool_version,
        "model": provenance.model,
        "ai_assisted": provenance.ai_assisted,
        "human_verified": provenance.human_verified,
        "notes": provenance.notes,
    }
    return {key: value for key, value in entry.items() if value is not None}
