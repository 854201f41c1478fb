"""The advisory record as stored (JSON, sealed with the case key until it is public), and the
first draft of it made from a case's reports, fix and finders."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from akrites.domain.advisory import (
    Advisory,
    AdvisoryError,
    AffectedPackage,
    AffectedRange,
    Credit,
    CreditType,
    GitRange,
    Reference,
    ReferenceType,
    Revision,
    Weakness,
    parse_vers,
)
from akrites.domain.errors import AkritesError
from akrites.domain.purl import parse_purl
from akrites.domain.tlp import Tlp

log = logging.getLogger(__name__)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def record_to_json(a: Advisory) -> dict[str, Any]:
    return {
        "id": a.id,
        "modified": a.modified.isoformat(),
        "title": a.title,
        "description": a.description,
        "cve_id": a.cve_id,
        "affected": [
            {
                "purl": p.purl,
                "ranges": [
                    {"introduced": r.introduced, "fixed": r.fixed, "last_affected": r.last_affected}
                    for r in p.ranges
                ],
                "versions": list(p.versions),
                "git_ranges": [
                    {"repo": g.repo, "introduced": g.introduced, "fixed": g.fixed}
                    for g in p.git_ranges
                ],
                "no_fix": p.no_fix,
                "vendor": p.vendor,
                "product": p.product,
            }
            for p in a.affected
        ],
        "cwes": [{"id": w.id, "name": w.name} for w in a.cwes],
        "cvss_v3": a.cvss_v3,
        "cvss_v4": a.cvss_v4,
        "references": [
            {"url": r.url, "type": r.type.value, "title": r.title} for r in a.references
        ],
        "workarounds": list(a.workarounds),
        "credits": [
            {
                "name": c.name,
                "type": c.type.value,
                "consent": c.consent,
                "contacts": list(c.contacts),
                "organization": c.organization,
            }
            for c in a.credits
        ],
        "published": _iso(a.published),
        "withdrawn": _iso(a.withdrawn),
        "withdrawn_reason": a.withdrawn_reason,
        "revisions": [{"date": r.date.isoformat(), "summary": r.summary} for r in a.revisions],
        "tlp": a.tlp.value,
    }


def record_from_json(raw: dict[str, Any]) -> Advisory:
    """The inverse of ``record_to_json``; raises ``AdvisoryError`` for an invalid record."""
    return Advisory(
        id=raw["id"],
        modified=dt.datetime.fromisoformat(raw["modified"]),
        title=raw.get("title", ""),
        description=raw.get("description", ""),
        cve_id=raw.get("cve_id"),
        affected=tuple(
            AffectedPackage(
                purl=p["purl"],
                ranges=tuple(
                    AffectedRange(
                        introduced=r.get("introduced") or "0",
                        fixed=r.get("fixed"),
                        last_affected=r.get("last_affected"),
                    )
                    for r in p.get("ranges", ())
                ),
                versions=tuple(p.get("versions", ())),
                git_ranges=tuple(
                    GitRange(
                        repo=g["repo"], introduced=g.get("introduced") or "0", fixed=g.get("fixed")
                    )
                    for g in p.get("git_ranges", ())
                ),
                no_fix=bool(p.get("no_fix", False)),
                vendor=p.get("vendor"),
                product=p.get("product"),
            )
            for p in raw.get("affected", ())
        ),
        cwes=tuple(Weakness(id=w["id"], name=w.get("name")) for w in raw.get("cwes", ())),
        cvss_v3=raw.get("cvss_v3"),
        cvss_v4=raw.get("cvss_v4"),
        references=tuple(
            Reference(url=r["url"], type=ReferenceType(r.get("type", "web")), title=r.get("title"))
            for r in raw.get("references", ())
        ),
        workarounds=tuple(raw.get("workarounds", ())),
        credits=tuple(
            Credit(
                name=c["name"],
                type=CreditType(c.get("type", "finder")),
                consent=bool(c.get("consent", False)),
                contacts=tuple(c.get("contacts", ())),
                organization=bool(c.get("organization", False)),
            )
            for c in raw.get("credits", ())
        ),
        published=_when(raw.get("published")),
        withdrawn=_when(raw.get("withdrawn")),
        withdrawn_reason=raw.get("withdrawn_reason"),
        revisions=tuple(
            Revision(date=dt.datetime.fromisoformat(r["date"]), summary=r["summary"])
            for r in raw.get("revisions", ())
        ),
        tlp=Tlp(raw.get("tlp", Tlp.CLEAR.value)),
    )


def _ranges_of(item: dict[str, Any]) -> tuple[tuple[AffectedRange, ...], tuple[GitRange, ...]]:
    purl_type = parse_purl(item["purl"]).type
    ranges: list[AffectedRange] = []
    git: list[GitRange] = []
    for r in item.get("ranges", ()):
        if r.get("type") == "vers" and r.get("vers"):
            try:
                ranges.extend(parse_vers(r["vers"], purl_type))
            except AdvisoryError:
                continue  # left for the coordinator to write in the package's syntax
        elif r.get("type") == "git" and r.get("repo"):
            events = {
                e.get("kind", e.get("type", "")): e.get("version") for e in r.get("events", ())
            }
            git.append(
                GitRange(
                    repo=r["repo"],
                    introduced=events.get("introduced") or "0",
                    fixed=events.get("fixed"),
                )
            )
    return tuple(ranges), tuple(git)


_REFERENCE_TYPES = {t.value for t in ReferenceType}


@dataclass
class _Collected:
    affected: dict[str, AffectedPackage] = field(default_factory=dict)
    cwes: dict[str, Weakness] = field(default_factory=dict)
    references: dict[str, Reference] = field(default_factory=dict)
    vectors: dict[str, str] = field(default_factory=dict)


def _collect(reports: list[dict[str, Any]]) -> _Collected:
    found = _Collected()
    for report in reports:
        for item in report.get("affected", ()):
            try:
                purl = parse_purl(item["purl"]).package
                ranges, git = _ranges_of(item)
            except (AkritesError, KeyError, ValueError):
                log.info("draft: left out an affected package the advisory cannot carry")
                continue
            found.affected.setdefault(
                purl, AffectedPackage(purl=purl, ranges=ranges, git_ranges=git)
            )
        for cwe in report.get("cwes", ()):
            found.cwes.setdefault(cwe, Weakness(id=cwe))
        for severity in report.get("severity", ()):
            found.vectors.setdefault(severity.get("type", ""), severity.get("vector", ""))
        for ref in report.get("references", ()):
            kind = ref.get("type", "web")
            found.references.setdefault(
                ref["url"],
                Reference(
                    url=ref["url"],
                    type=ReferenceType(kind if kind in _REFERENCE_TYPES else "web"),
                ),
            )
    return found


def draft_from_reports(
    *,
    identifier: str,
    now: dt.datetime,
    title: str,
    reports: list[dict[str, Any]],
    credited: list[Credit],
    fix_urls: list[str],
    fixed_versions: tuple[str, ...],
) -> Advisory:
    """A first draft: the first report's text, every report's affected packages, CWEs,
    CVSS vectors and references, the recorded fix, and the finders who agreed to credit."""
    first = reports[0] if reports else {}
    found = _collect(reports)
    affected, references = found.affected, found.references
    for url in fix_urls:
        references.setdefault(url, Reference(url=url, type=ReferenceType.FIX))
    if fixed_versions and len(affected) == 1:
        ((purl, package),) = affected.items()
        if not package.fixed_versions:
            affected[purl] = AffectedPackage(
                purl=purl,
                ranges=tuple(AffectedRange(fixed=v) for v in fixed_versions[:1]),
                git_ranges=package.git_ranges,
            )
    fields: dict[str, Any] = {
        "title": title,
        "description": first.get("description", ""),
        "affected": tuple(affected.values()),
        "cwes": tuple(found.cwes.values()),
        "cvss_v3": found.vectors.get("CVSS_V3") or None,
        "cvss_v4": found.vectors.get("CVSS_V4") or None,
        "references": tuple(references.values()),
        "credits": tuple(credited),
    }
    empty: dict[str, Any] = {"cvss_v3": None, "cvss_v4": None, "title": "", "description": ""}
    for _ in range(len(fields)):
        try:
            return Advisory(id=identifier, modified=now, **fields)
        except AdvisoryError as exc:
            # Whatever the reports had that an advisory cannot carry is left for the
            # coordinator to fill in (e.g. a CVSS 3.0 vector where 3.1 is needed).
            bad = {p.field.split("[", 1)[0].split(".", 1)[0] for p in exc.problems}
            for name in bad & set(fields):
                fields[name] = empty.get(name, ())
            if not bad & set(fields):
                raise
    return Advisory(id=identifier, modified=now)
