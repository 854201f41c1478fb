"""OSV-like records (as JSON objects) to the engine's `Report`.

Accepts the OSV schema's shapes (`affected[].package`, `ranges[].events`, `references` as
objects with `url`) and the flattened shapes of the development data (top-level
`ecosystem`/`package`/`purl`, `references` as plain URLs, `cwes`). Fields the engine must not
score (a scoring `truth`, the source database) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packageurl import PackageURL

from akrites.domain.dedup.model import (
    AffectedPackage,
    EventKind,
    RangeEvent,
    RangeKind,
    Report,
    ReportId,
    VersionRange,
)
from akrites.domain.errors import InvalidInput

# purl types whose namespace and name join with "/" into the ecosystem's package name.
_SLASH_JOINED = {"npm", "golang", "composer", "github", "swift"}


def report_from_record(record: Mapping[str, Any]) -> Report:
    """A `Report` from one OSV-like record; raises `InvalidInput` naming the bad field."""
    report_id = record.get("id")
    if not isinstance(report_id, str) or not report_id.strip():
        raise InvalidInput("every record needs a non-empty string id", field="id")
    packages = _packages(record)
    title = _text(record, "summary")
    body = _text(record, "details")
    return Report(
        id=ReportId(report_id),
        packages=tuple(packages),
        title=title,
        text=body,
        cwes=tuple(_cwes(record)),
        references=tuple(_references(record)),
        aliases=tuple(_strings(record.get("aliases"), "aliases")),
    )


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field=name)
    return value


def _strings(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name} must be a list of strings", field=name)
    return list(value)


def _packages(record: Mapping[str, Any]) -> list[AffectedPackage]:
    packages: list[AffectedPackage] = []
    affected = record.get("affected") or []
    if not isinstance(affected, list):
        raise InvalidInput("affected must be a list", field="affected")
    for position, entry in enumerate(affected):
        if not isinstance(entry, Mapping):
            raise InvalidInput(
                "each affected entry must be an object", field=f"affected[{position}]"
            )
        package = entry.get("package") or {}
        ecosystem, name = _identity(package, f"affected[{position}].package")
        if not name:
            continue
        packages.append(
            AffectedPackage(
                ecosystem=ecosystem,
                name=name,
                ranges=tuple(_ranges(entry.get("ranges"), f"affected[{position}].ranges")),
                versions=tuple(_strings(entry.get("versions"), f"affected[{position}].versions")),
            )
        )
    top_ecosystem, top_name = _identity(record, "package")
    if top_name and not any(p.name == top_name and p.ecosystem == top_ecosystem for p in packages):
        packages.insert(0, AffectedPackage(ecosystem=top_ecosystem, name=top_name))
    return packages


def _identity(source: Mapping[str, Any], where: str) -> tuple[str, str]:
    """(ecosystem, name) from `ecosystem`+`name`/`package`, falling back to a `purl`."""
    ecosystem = source.get("ecosystem")
    name = source.get("name", source.get("package"))
    if isinstance(ecosystem, str) and isinstance(name, str) and name.strip():
        return ecosystem, name.strip()
    purl = source.get("purl")
    if isinstance(purl, str) and purl.strip():
        try:
            parsed = PackageURL.from_string(purl.strip())
        except ValueError as error:
            raise InvalidInput(f"not a package URL: {error}", field=f"{where}.purl") from error
        return _purl_identity(parsed)
    return "", ""


def _purl_identity(purl: PackageURL) -> tuple[str, str]:
    kind = str(purl.type)
    namespace = str(purl.namespace or "")
    name = str(purl.name)
    if not namespace:
        return kind, name
    if kind == "maven":
        return kind, f"{namespace}:{name}"
    if kind in _SLASH_JOINED:
        return kind, f"{namespace}/{name}"
    return kind, f"{namespace}/{name}"


def _ranges(value: object, where: str) -> list[VersionRange]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("ranges must be a list", field=where)
    ranges: list[VersionRange] = []
    for position, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise InvalidInput("each range must be an object", field=f"{where}[{position}]")
        try:
            kind = RangeKind(str(entry.get("type", "ECOSYSTEM")).upper())
        except ValueError:
            kind = RangeKind.ECOSYSTEM
        events: list[RangeEvent] = []
        for event in entry.get("events") or []:
            if not isinstance(event, Mapping):
                continue
            for event_name, version in event.items():
                try:
                    event_kind = EventKind(event_name)
                except ValueError:
                    continue
                if isinstance(version, str) and version:
                    events.append(RangeEvent(event_kind, version))
        repo = entry.get("repo")
        ranges.append(VersionRange(kind, tuple(events), repo if isinstance(repo, str) else ""))
    return ranges


def _cwes(record: Mapping[str, Any]) -> list[str]:
    found = _strings(record.get("cwes"), "cwes")
    specific = record.get("database_specific")
    if isinstance(specific, Mapping):
        found += _strings(specific.get("cwe_ids"), "database_specific.cwe_ids")
    return found


def _references(record: Mapping[str, Any]) -> list[str]:
    value = record.get("references")
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("references must be a list", field="references")
    urls: list[str] = []
    for entry in value:
        if isinstance(entry, str):
            urls.append(entry)
        elif isinstance(entry, Mapping) and isinstance(entry.get("url"), str):
            urls.append(entry["url"])
        else:
            raise InvalidInput("each reference must be a URL or {url: ...}", field="references")
    return urls
