"""The normalised intake report: what every reader (our JSON, OSV, SARIF) produces.

A ``ReportDraft`` is a value: frozen, hashable, built only by the validators in this package,
so holding one means its purls, ranges, versions, vectors and dates have been checked. Text is
kept as the reporter wrote it (stripped of surrounding blanks); identifiers are in canonical
form (purls normalised, vers canonical, CVSS vectors in the standard metric order, CWE ids as
``CWE-<n>``), so that equal content gives equal drafts and equal digests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from akrites.domain.purl import Ecosystem

SCHEMA_VERSION: Final = "1.0"


class RangeKind(StrEnum):
    """How a range is written: a vers string, or OSV events of one of the OSV range types."""

    VERS = "vers"
    ECOSYSTEM = "ECOSYSTEM"
    SEMVER = "SEMVER"
    GIT = "GIT"


class EventKind(StrEnum):
    """OSV range event kinds."""

    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


class SeverityType(StrEnum):
    CVSS_V3 = "CVSS_V3"
    CVSS_V4 = "CVSS_V4"


class Rating(StrEnum):
    """The qualitative rating both CVSS 3.x and 4.0 attach to a score."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ReferenceType(StrEnum):
    FIX = "fix"
    ISSUE = "issue"
    PR = "pr"
    ADVISORY = "advisory"
    ARTICLE = "article"
    REPORT = "report"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RangeEvent:
    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRange:
    """One affected range: ``vers`` is set for VERS ranges, ``events`` for the OSV kinds.

    ``repo`` is the repository URL of a GIT range.
    """

    kind: RangeKind
    vers: str | None = None
    events: tuple[RangeEvent, ...] = ()
    repo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedPackage:
    """One package: ``purl`` is its canonical package URL without version (the registry key)."""

    purl: str
    ecosystem: Ecosystem
    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Severity:
    """A validated CVSS vector with the score and rating it gives.

    For CVSS 4.0 the score is that of every metric group present in the vector (CVSS-B when
    only base metrics are given), as the specification computes a single score.
    """

    type: SeverityType
    vector: str
    base_score: float
    rating: Rating


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeLocation:
    file: str
    function: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    commit: str | None = None
    repository_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    url: str
    type: ReferenceType = ReferenceType.OTHER


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """How the flaw was found. ``None`` means the reporter did not say."""

    tool: str | None = None
    tool_version: str | None = None
    model: str | None = None
    ai_assisted: bool | None = None
    human_verified: bool | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportDraft:
    """One validated, normalised report, not yet stored.

    ``extensions`` holds the ``x_`` fields as (name, canonical JSON text) pairs, sorted by name,
    so the draft stays hashable.
    """

    title: str
    description: str
    affected: tuple[AffectedPackage, ...]
    schema_version: str = SCHEMA_VERSION
    reporter_ref: str | None = None
    aliases: tuple[str, ...] = ()
    cwes: tuple[str, ...] = ()
    severity: tuple[Severity, ...] = ()
    reported_score: float | None = None
    poc: str | None = None
    reproduction: str | None = None
    locations: tuple[CodeLocation, ...] = ()
    references: tuple[Reference, ...] = ()
    provenance: Provenance | None = None
    intended_disclosure: dt.date | None = None
    credit_as: str | None = None
    extensions: tuple[tuple[str, str], ...] = ()
