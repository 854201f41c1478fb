"""Advisory -> an OSV record (https://ossf.github.io/osv-schema/).

The ``AKR`` prefix is not registered with OSV, so records carry the schema's id form for local
databases: ``x_`` before our id (``x_AKR-2026-0042``). The CVE id goes in ``aliases``. Each
package gets one range of ECOSYSTEM events (SEMVER for npm, crates.io and Go when every version
is SemVer 2), a second one when some ranges end at a last affected version (OSV forbids fixed
and last_affected events in one range), and a GIT range per repository. ``database_specific``
holds what OSV has no field for: our id and page, the CWE ids, the headline rating, the
workarounds and the reason for a withdrawal.
"""

from __future__ import annotations

from typing import Any, Final

from akrites.domain.advisory import (
    ALL_VERSIONS,
    Advisory,
    AffectedPackage,
    AffectedRange,
)
from akrites.domain.advisory_versions import osv_version, uses_semver
from akrites.domain.formats.publication import PublicationContext, timestamp

OSV_SCHEMA_VERSION: Final = "1.7.5"
LOCAL_ID_PREFIX: Final = "x_"


def osv_id(advisory_id: str) -> str:
    """The OSV id of an advisory: the local-database form of our id."""
    return f"{LOCAL_ID_PREFIX}{advisory_id}"


def advisory_id_from_osv(identifier: str) -> str | None:
    """Our advisory id inside an OSV id written by ``osv_id`` (None for any other id)."""
    if not identifier.startswith(LOCAL_ID_PREFIX):
        return None
    return identifier.removeprefix(LOCAL_ID_PREFIX)


def advisory_to_osv(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    """The OSV record of ``advisory`` (a JSON-ready dict)."""
    record: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": osv_id(advisory.id),
        "modified": timestamp(advisory.modified),
    }
    if advisory.published is not None:
        record["published"] = timestamp(advisory.published)
    if advisory.withdrawn is not None:
        record["withdrawn"] = timestamp(advisory.withdrawn)
    if advisory.cve_id is not None:
        record["aliases"] = [advisory.cve_id]
    if advisory.title:
        record["summary"] = advisory.title
    if advisory.description:
        record["details"] = advisory.description
    if advisory.severities:
        record["severity"] = [
            {"type": severity.type.value, "score": severity.vector}
            for severity in advisory.severities
        ]
    if advisory.affected:
        record["affected"] = [_affected(package) for package in advisory.affected]
    record["references"] = _references(advisory, context)
    if advisory.credits:
        record["credits"] = [
            {"name": credit.name, "type": credit.type.value.upper()}
            | ({"contact": list(credit.contacts)} if credit.contacts else {})
            for credit in advisory.credits
        ]
    record["database_specific"] = _database_specific(advisory, context)
    return record


def _affected(package: AffectedPackage) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "package": {
            "ecosystem": package.ecosystem.value,
            "name": package.name,
            "purl": package.purl,
        }
    }
    ranges = _version_ranges(package)
    repos = dict.fromkeys(git_range.repo for git_range in package.git_ranges)
    for repo in repos:
        events: list[dict[str, str]] = []
        for git_range in package.git_ranges:
            if git_range.repo == repo:
                events.append({"introduced": git_range.introduced})
                if git_range.fixed is not None:
                    events.append({"fixed": git_range.fixed})
        ranges.append({"type": "GIT", "repo": repo, "events": events})
    if ranges:
        entry["ranges"] = ranges
    if package.versions:
        entry["versions"] = list(package.versions)
    if package.no_fix:
        entry["database_specific"] = {"no_fix": True}
    return entry


def _version_ranges(package: AffectedPackage) -> list[dict[str, Any]]:
    semver = uses_semver(package)
    kind = "SEMVER" if semver else "ECOSYSTEM"
    to_fix = [r for r in package.ranges if r.last_affected is None]
    to_last = [r for r in package.ranges if r.last_affected is not None]
    found = []
    for group in (to_fix, to_last):
        if group:
            events = [event for r in group for event in _events(package, r, semver=semver)]
            found.append({"type": kind, "events": events})
    return found


def _events(package: AffectedPackage, affected: AffectedRange, *, semver: bool) -> list[Any]:
    def version(text: str) -> str:
        return ALL_VERSIONS if text == ALL_VERSIONS else osv_version(package, text, semver=semver)

    events = [{"introduced": version(affected.introduced)}]
    if affected.fixed is not None:
        events.append({"fixed": version(affected.fixed)})
    if affected.last_affected is not None:
        events.append({"last_affected": version(affected.last_affected)})
    return events


def _references(advisory: Advisory, context: PublicationContext) -> list[dict[str, str]]:
    page = context.advisory_url(advisory)
    # Our reference types are OSV's, in lower case.
    return [{"type": "ADVISORY", "url": page}] + [
        {"type": reference.type.value.upper(), "url": reference.url}
        for reference in advisory.references
        if reference.url != page
    ]


def _database_specific(advisory: Advisory, context: PublicationContext) -> dict[str, Any]:
    specific: dict[str, Any] = {"akrites_id": advisory.id, "url": context.advisory_url(advisory)}
    if advisory.cwes:
        specific["cwe_ids"] = [weakness.id for weakness in advisory.cwes]
    if advisory.rating is not None:
        specific["severity"] = advisory.rating.value.upper()
    if advisory.workarounds:
        specific["workarounds"] = list(advisory.workarounds)
    if advisory.withdrawn_reason:
        specific["withdrawn_reason"] = advisory.withdrawn_reason
    return specific
