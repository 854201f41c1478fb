"""What the deduplication engine reads from a validated intake report."""

from __future__ import annotations

from akrites.domain.dedup.model import (
    AffectedPackage,
    EventKind,
    RangeEvent,
    RangeKind,
    Report,
    ReportId,
    VersionRange,
)
from akrites.domain.intake.model import RangeKind as IntakeRangeKind
from akrites.domain.intake.model import ReportDraft
from akrites.domain.purl import parse_purl

# purl types whose ecosystem names a package "namespace/name" (OSV convention).
_SLASH_JOINED = frozenset({"npm", "golang", "composer", "github", "swift"})


def osv_package_name(purl: str) -> str:
    """The package name as OSV spells it for this purl's ecosystem."""
    p = parse_purl(purl)
    if not p.namespace:
        return p.name
    if p.type == "maven":
        return f"{p.namespace}:{p.name}"
    if p.type in _SLASH_JOINED:
        return f"{p.namespace}/{p.name}"
    return p.name


def engine_report(draft: ReportDraft, *, report_id: str, submitter: str = "") -> Report:
    packages = []
    for affected in draft.affected:
        ranges = tuple(
            VersionRange(
                kind=RangeKind(r.kind.value),
                events=tuple(RangeEvent(EventKind(e.kind.value), e.version) for e in r.events),
                repo=r.repo or "",
            )
            for r in affected.ranges
            if r.kind is not IntakeRangeKind.VERS
        )
        packages.append(
            AffectedPackage(
                ecosystem=str(affected.ecosystem),
                name=osv_package_name(affected.purl),
                ranges=ranges,
                versions=affected.versions,
            )
        )
    # Code locations carry identifiers (files, functions) that distinguish look-alike flaws.
    where = " ".join(
        part for loc in draft.locations for part in (loc.file, loc.function or "") if part
    )
    text = "\n\n".join(t for t in (draft.description, draft.poc or "", where) if t)
    return Report(
        id=ReportId(report_id),
        packages=tuple(packages),
        title=draft.title,
        text=text,
        cwes=draft.cwes,
        references=tuple(r.url for r in draft.references),
        aliases=draft.aliases,
        submitter=submitter,
    )
