"""THE advisory record: what Akrites publishes about a case, in every format, from one value.

An ``Advisory`` is drafted from a case and revised until publication. Constructing one checks
and normalises everything a writer relies on (ids, package URLs, versions and ranges in each
ecosystem's syntax, CVSS vectors, CWE ids, credits, dates) and raises ``AdvisoryError`` (an
``InvalidInput``) listing every problem with its field path and a stable code. What only
publication needs (a title, a severity, a fix or an explicit "no fix", ...) is not refused in a
draft: ``missing_for_publication`` lists it, for the lifecycle guard to show.

Writers for OSV, CVE JSON 5, CSAF 2.0, OpenVEX and CycloneDX live in ``akrites.domain.formats``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final

from akrites.domain.advisory_checks import (
    credit_problems,
    date_problems,
    id_problems,
    package_list_problems,
    reference_problems,
    severity_of,
    severity_problems,
    text_problems,
    utc_seconds,
    weakness_problems,
)
from akrites.domain.advisory_parts import (
    ALL_VERSIONS,
    AdvisoryError,
    AffectedPackage,
    AffectedRange,
    Credit,
    CreditType,
    GitRange,
    Problem,
    Reference,
    ReferenceType,
    Revision,
    Weakness,
    osv_package_name,
)
from akrites.domain.advisory_versions import parse_vers
from akrites.domain.intake.model import Rating, Severity, SeverityType
from akrites.domain.purl import parse_purl
from akrites.domain.tlp import Tlp

__all__ = [
    "ALL_VERSIONS",
    "Advisory",
    "AdvisoryError",
    "AffectedPackage",
    "AffectedRange",
    "Credit",
    "CreditType",
    "GitRange",
    "Problem",
    "Rating",
    "Reference",
    "ReferenceType",
    "Revision",
    "Severity",
    "SeverityType",
    "Weakness",
    "credits_to_publish",
    "missing_for_publication",
    "osv_package_name",
    "parse_vers",
    "revision_history",
]

INITIAL_SUMMARY: Final = "Initial public release."
UPDATE_SUMMARY: Final = "Advisory updated."
WITHDRAWN_SUMMARY: Final = "Advisory withdrawn."


@dataclass(frozen=True, slots=True, kw_only=True)
class Advisory:
    """One advisory, valid by construction (see the module docstring).

    ``published`` is None for a draft; ``withdrawn`` is set when a published advisory is
    withdrawn (with ``withdrawn_reason`` saying why). ``modified`` is the last change. Dates are
    kept in UTC to the second. ``cvss_v3`` (a CVSS 3.1 vector) and ``cvss_v4`` are kept in their
    canonical metric order; ``severities`` computes their scores. ``tlp`` governs sharing of the
    documents written from it: CLEAR once published. ``revisions`` is the published revision
    history; when empty, ``revision_history`` derives one from the dates.
    """

    id: str
    modified: dt.datetime
    title: str = ""
    description: str = ""
    cve_id: str | None = None
    affected: tuple[AffectedPackage, ...] = ()
    cwes: tuple[Weakness, ...] = ()
    cvss_v3: str | None = None
    cvss_v4: str | None = None
    references: tuple[Reference, ...] = ()
    workarounds: tuple[str, ...] = ()
    credits: tuple[Credit, ...] = ()
    published: dt.datetime | None = None
    withdrawn: dt.datetime | None = None
    withdrawn_reason: str | None = None
    revisions: tuple[Revision, ...] = ()
    tlp: Tlp = Tlp.CLEAR

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise AdvisoryError(problems)
        normal = {
            "title": self.title.strip(),
            "description": self.description.strip(),
            "cwes": tuple(replace(w, name=w.name.strip() if w.name else None) for w in self.cwes),
            "affected": tuple(
                replace(package, purl=parse_purl(package.purl).package) for package in self.affected
            ),
            "cvss_v3": _clean_vector(SeverityType.CVSS_V3, self.cvss_v3),
            "cvss_v4": _clean_vector(SeverityType.CVSS_V4, self.cvss_v4),
            "modified": utc_seconds(self.modified),
            "published": None if self.published is None else utc_seconds(self.published),
            "withdrawn": None if self.withdrawn is None else utc_seconds(self.withdrawn),
            "revisions": tuple(replace(r, date=utc_seconds(r.date)) for r in self.revisions),
        }
        for name, value in normal.items():
            object.__setattr__(self, name, value)

    @property
    def is_published(self) -> bool:
        return self.published is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn is not None

    @property
    def severities(self) -> tuple[Severity, ...]:
        """The CVSS vectors with their computed base scores and ratings (3.1 first)."""
        pairs = [(SeverityType.CVSS_V3, self.cvss_v3), (SeverityType.CVSS_V4, self.cvss_v4)]
        return tuple(severity_of(kind, vector) for kind, vector in pairs if vector is not None)

    @property
    def rating(self) -> Rating | None:
        """The rating publications headline: CVSS 4.0's when given, else CVSS 3.1's."""
        severities = self.severities
        return severities[-1].rating if severities else None


def _problems(advisory: Advisory) -> list[Problem]:
    problems = id_problems(advisory.id, advisory.cve_id)
    problems += text_problems(advisory.title, advisory.description, advisory.workarounds)
    problems += package_list_problems(advisory.affected)
    problems += weakness_problems(advisory.cwes)
    problems += severity_problems("cvss_v3", SeverityType.CVSS_V3, advisory.cvss_v3)
    problems += severity_problems("cvss_v4", SeverityType.CVSS_V4, advisory.cvss_v4)
    problems += reference_problems(advisory.references)
    problems += credit_problems(advisory.credits)
    problems += date_problems(
        modified=advisory.modified,
        published=advisory.published,
        withdrawn=advisory.withdrawn,
        revisions=advisory.revisions,
    )
    if advisory.published is not None and advisory.tlp is not Tlp.CLEAR:
        problems.append(
            Problem("tlp", "invalid_tlp", "a published advisory is public: its label is CLEAR")
        )
    if advisory.withdrawn_reason is not None and advisory.withdrawn is None:
        problems.append(
            Problem("withdrawn_reason", "invalid_state", "is only for a withdrawn advisory")
        )
    return problems


def _clean_vector(kind: SeverityType, vector: str | None) -> str | None:
    return None if vector is None else severity_of(kind, vector).vector


def credits_to_publish(candidates: Iterable[Credit]) -> tuple[Credit, ...]:
    """The credits whose holders agreed to be credited, in order; the others are left out."""
    return tuple(credit for credit in candidates if credit.consent)


def revision_history(advisory: Advisory) -> tuple[Revision, ...]:
    """The published revisions: the recorded history, or one derived from the dates
    (publication, the last change, withdrawal). Empty for a draft."""
    if advisory.revisions or advisory.published is None:
        return advisory.revisions
    history = [Revision(date=advisory.published, summary=INITIAL_SUMMARY)]
    if advisory.withdrawn is not None:
        history.append(Revision(date=advisory.withdrawn, summary=WITHDRAWN_SUMMARY))
    elif advisory.modified > advisory.published:
        history.append(Revision(date=advisory.modified, summary=UPDATE_SUMMARY))
    return tuple(history)


def missing_for_publication(advisory: Advisory) -> list[str]:
    """What the advisory still needs before it may be published, in words (empty when ready)."""
    missing = []
    if not advisory.title:
        missing.append("a title")
    if not advisory.description:
        missing.append("a description")
    if not advisory.affected:
        missing.append("at least one affected package")
    for package in advisory.affected:
        if not (package.ranges or package.versions or package.git_ranges):
            missing.append(f"the affected versions of {package.purl}")
        if not package.fixed_versions and not package.no_fix:
            missing.append(f"a fixed version of {package.purl}, or an explicit 'no fix'")
    if not advisory.severities:
        missing.append("a severity (a CVSS 3.1 or 4.0 vector)")
    if advisory.tlp is not Tlp.CLEAR:
        missing.append("the TLP:CLEAR label (it is public once published)")
    if advisory.is_withdrawn:
        missing.append("not to be withdrawn")
    return missing
