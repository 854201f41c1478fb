"""Values exchanged with the deduplication engine.

A `Report` is what the engine reads: package identities, version ranges, free text, CWE ids
and reference URLs. A `MatchResult` is what it answers: the best existing case, a score, a
band and the evidence that produced them, so a coordinator can see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NewType

ReportId = NewType("ReportId", str)
CaseId = NewType("CaseId", str)


class EventKind(StrEnum):
    """OSV range event kinds."""

    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


class RangeKind(StrEnum):
    """OSV range types: ecosystem/semver versions, or git commits."""

    ECOSYSTEM = "ECOSYSTEM"
    SEMVER = "SEMVER"
    GIT = "GIT"


@dataclass(frozen=True, slots=True)
class RangeEvent:
    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True)
class VersionRange:
    kind: RangeKind
    events: tuple[RangeEvent, ...]
    repo: str = ""


@dataclass(frozen=True, slots=True)
class AffectedPackage:
    """One affected package as the reporter named it (ecosystem as in OSV or a purl type)."""

    ecosystem: str
    name: str
    ranges: tuple[VersionRange, ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """One incoming report, as the engine sees it.

    `submitter` is carried for the caller's benefit; the engine does not score it.
    """

    id: ReportId
    packages: tuple[AffectedPackage, ...]
    title: str = ""
    text: str = ""
    cwes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # public ids the reporter cites (CVE, GHSA, ...)
    submitter: str = ""


class Band(StrEnum):
    """What the caller should do with a match."""

    AUTO = "auto"  # join the matched case without asking
    SUGGEST = "suggest"  # open a new case, and suggest the merge to a coordinator
    NEW = "new"  # open a new case


class EvidenceKind(StrEnum):
    """Each kind of evidence the scorer weighs. Negative weights argue for distinct flaws."""

    PACKAGE = "package"  # same package identity (after normalisation and aliases)
    REPOSITORY = "repository"  # same source repository (from package path or references)
    FIX_REFERENCE = "fix_reference"  # same fix commit, pull request, issue, ticket
    FIX_CONFLICT = "fix_conflict"  # different fix commits in the same repository
    REFERENCE = "reference"  # same other URL (release notes, mailing-list post, ...)
    TEXT = "text"  # similar description text
    TEXT_CONFLICT = "text_conflict"  # one template, filled in differently
    IDENTIFIER = "identifier"  # same code identifiers (functions, files, options)
    IDENTIFIER_CONFLICT = "identifier_conflict"  # near-identical text naming other code
    VERSION = "version"  # same fixed version / overlapping affected ranges
    VERSION_CONFLICT = "version_conflict"  # disjoint affected ranges
    CWE = "cwe"  # same weakness class
    CWE_CONFLICT = "cwe_conflict"  # different weakness classes


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason for (positive weight) or against (negative weight) a match, in log-odds."""

    kind: EvidenceKind
    weight: float
    detail: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The engine's answer for one report.

    `case_id` is the best existing case (None when there was no candidate at all); `score` is
    the estimated probability that the report describes the same flaw as that case; `band`
    follows from the score and the thresholds; `evidence` is ordered strongest first.
    """

    report_id: ReportId
    case_id: CaseId | None
    score: float
    band: Band
    evidence: tuple[Evidence, ...]
    candidates_considered: int = 0
