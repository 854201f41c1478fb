"""Does an OSV record affect a package version? The question the OSV API answers.

Semantics of the OSV schema (https://ossf.github.io/osv-schema/#evaluation): a version is
affected when it is listed in ``versions``, or when an ECOSYSTEM or SEMVER range's events,
taken in version order, leave it after an ``introduced`` and before the next ``fixed`` (or
at or before a ``last_affected``). Versions are ordered by the ecosystem's own rules (the
univers version classes intake already uses); a version that does not parse matches only
exact entries of ``versions``. GIT ranges need commit graphs and are answered only by
exact commit equality with their events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from akrites.domain.intake.versions import VERSION_SYNTAX
from akrites.domain.purl import Ecosystem

_PYPI_SEPARATORS = re.compile(r"[-_.]+")


def normalise_name(ecosystem: str, name: str) -> str:
    """The form in which two names of one package compare equal (PEP 503 for PyPI)."""
    if ecosystem == Ecosystem.PYPI.value:
        return _PYPI_SEPARATORS.sub("-", name).lower()
    return name


def _key(ecosystem: str, version: str) -> Any | None:
    try:
        syntax = VERSION_SYNTAX.get(Ecosystem(ecosystem))
    except ValueError:
        return None
    if syntax is None:
        return None
    try:
        return syntax[0](version.removeprefix("v") if ecosystem == Ecosystem.GO.value else version)
    except Exception:  # noqa: BLE001 - univers raises assorted types for "not a version"
        return None


@dataclass(frozen=True, slots=True)
class Query:
    ecosystem: str
    name: str
    version: str | None = None
    commit: str | None = None


def _in_events(events: Sequence[Mapping[str, str]], ecosystem: str, version: str) -> bool:
    target = _key(ecosystem, version)
    if target is None:
        return False
    points: list[tuple[Any, int, str]] = []
    for event in events:
        for kind, value in event.items():
            if kind == "introduced" and value == "0":
                points.append((None, 0, kind))
                continue
            key = _key(ecosystem, value)
            if key is None:
                continue
            # At equal versions a fix wins over an introduction of that same version.
            points.append(
                (key, {"fixed": 0, "introduced": 1, "last_affected": 2}.get(kind, 3), kind)
            )
    points.sort(key=lambda p: (p[0] is not None, p[0] if p[0] is not None else 0, p[1]))
    affected = False
    for key, _, kind in points:  # the last event at or below the version decides
        if kind == "introduced" and (key is None or key <= target):
            affected = True
        elif key is not None and (
            (kind == "fixed" and key <= target) or (kind == "last_affected" and key < target)
        ):
            affected = False
    return affected


def _package_matches(entry: Mapping[str, Any], query: Query) -> bool:
    package = entry.get("package") or {}
    return package.get("ecosystem") == query.ecosystem and normalise_name(
        query.ecosystem, str(package.get("name", ""))
    ) == normalise_name(query.ecosystem, query.name)


def affects(record: Mapping[str, Any], query: Query) -> bool:
    """True when ``record`` affects the queried package version (or commit). A query with
    neither version nor commit asks about the package as a whole."""
    if record.get("withdrawn"):
        return False
    for entry in record.get("affected", ()):
        if not _package_matches(entry, query):
            continue
        if query.version is None and query.commit is None:
            return True
        if query.version is not None:
            if query.version in entry.get("versions", ()):
                return True
            for r in entry.get("ranges", ()):
                if r.get("type") in {"ECOSYSTEM", "SEMVER"} and _in_events(
                    r.get("events", ()), query.ecosystem, query.version
                ):
                    return True
        if query.commit is not None:
            for r in entry.get("ranges", ()):
                if r.get("type") == "GIT" and any(
                    query.commit in e.values() for e in r.get("events", ())
                ):
                    return True
    return False
