"""What the deduplication engine reads from a validated intake report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from akrites.domain.purl import ecosystem_for_purl, parse_purl

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


def vers_to_range(vers: str) -> tuple[VersionRange | None, tuple[str, ...]]:
    """A vers string as OSV-style events (the engine compares those), plus exact versions.

    ``>=``/``>`` open a range, ``<`` fixes it, ``<=`` is the last affected version, a bare
    version is affected on its own; ``!=`` exclusions are left out (they only narrow).
    """
    _, _, constraints = vers.partition("/")
    events: list[RangeEvent] = []
    exact: list[str] = []
    for raw in constraints.split("|"):
        item = raw.strip()
        if not item:
            continue
        if item == "*":
            events.append(RangeEvent(EventKind.INTRODUCED, "0"))
        elif item.startswith((">=", ">")):
            events.append(RangeEvent(EventKind.INTRODUCED, item.lstrip(">=")))
        elif item.startswith("<="):
            events.append(RangeEvent(EventKind.LAST_AFFECTED, item[2:]))
        elif item.startswith("<"):
            if not events or events[-1].kind is not EventKind.INTRODUCED:
                events.append(RangeEvent(EventKind.INTRODUCED, "0"))
            events.append(RangeEvent(EventKind.FIXED, item[1:]))
        elif not item.startswith("!="):
            exact.append(item.lstrip("="))
    range_ = VersionRange(kind=RangeKind.ECOSYSTEM, events=tuple(events)) if events else None
    return range_, tuple(exact)


def engine_report(draft: ReportDraft, *, report_id: str, submitter: str = "") -> Report:
    packages = []
    for affected in draft.affected:
        ranges: list[VersionRange] = []
        versions = list(affected.versions)
        for r in affected.ranges:
            if r.kind is IntakeRangeKind.VERS:
                converted, exact = vers_to_range(r.vers or "")
                if converted is not None:
                    ranges.append(converted)
                versions.extend(exact)
                continue
            ranges.append(
                VersionRange(
                    kind=RangeKind(r.kind.value),
                    events=tuple(RangeEvent(EventKind(e.kind.value), e.version) for e in r.events),
                    repo=r.repo or "",
                )
            )
        packages.append(
            AffectedPackage(
                ecosystem=str(affected.ecosystem),
                name=osv_package_name(affected.purl),
                ranges=tuple(ranges),
                versions=tuple(versions),
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


def engine_report_from_document(
    doc: Mapping[str, Any], *, report_id: str, submitter: str = ""
) -> Report:
    """``engine_report`` for a stored, already validated report document (the canonical
    JSON written at intake). Skips validation: used when replaying the index."""
    packages = []
    for affected in doc.get("affected", []):
        purl = str(affected["purl"])
        ranges: list[VersionRange] = []
        versions = [str(v) for v in affected.get("versions", [])]
        for r in affected.get("ranges", []):
            if r.get("type") == "vers":
                converted, exact = vers_to_range(str(r.get("vers", "")))
                if converted is not None:
                    ranges.append(converted)
                versions.extend(exact)
                continue
            events = tuple(
                RangeEvent(EventKind(kind), str(version))
                for event in r.get("events", [])
                for kind, version in event.items()
            )
            ranges.append(
                VersionRange(
                    kind=RangeKind(r["type"]), events=events, repo=str(r.get("repo") or "")
                )
            )
        packages.append(
            AffectedPackage(
                ecosystem=str(ecosystem_for_purl(parse_purl(purl))),
                name=osv_package_name(purl),
                ranges=tuple(ranges),
                versions=tuple(versions),
            )
        )
    where = " ".join(
        part
        for loc in doc.get("locations", [])
        for part in (loc.get("file", ""), loc.get("function", ""))
        if part
    )
    text = "\n\n".join(t for t in (doc.get("description", ""), doc.get("poc", ""), where) if t)
    return Report(
        id=ReportId(report_id),
        packages=tuple(packages),
        title=str(doc.get("title", "")),
        text=text,
        cwes=tuple(doc.get("cwes", [])),
        references=tuple(str(r["url"]) for r in doc.get("references", [])),
        aliases=tuple(doc.get("aliases", [])),
        submitter=submitter,
    )
