"""Affected versions of an advisory's packages: checked in each ecosystem's own syntax (univers
version classes and vers ranges), and written out as vers ranges and OSV events.

Versions of ecosystems univers does not know (Pub, Hackage, CRAN, ...) are accepted as opaque
strings, as intake does; their order cannot be checked.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urlsplit

from akrites.domain.advisory_parts import (
    ALL_VERSIONS,
    AdvisoryError,
    AffectedPackage,
    AffectedRange,
    GitRange,
    Problem,
)
from akrites.domain.intake.versions import VERSION_SYNTAX, canonical_vers, check_version
from akrites.domain.purl import Ecosystem

RANGE_CODE: Final = "invalid_version_range"
VERSION_CODE: Final = "invalid_version"
_GIT_COMMIT: Final = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
_NUMBER: Final = r"(?:0|[1-9][0-9]*)"
_IDENT: Final = r"[0-9A-Za-z-]+"
_SEMVER: Final = re.compile(
    rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+{_IDENT}(?:\.{_IDENT})*)?\Z"
)
# Registries that only take SemVer 2 versions (Go's with a leading "v").
STRICT_SEMVER: Final = frozenset({Ecosystem.NPM, Ecosystem.CRATES_IO, Ecosystem.HEX, Ecosystem.GO})
# Ecosystems whose OSV records use SEMVER ranges (Go versions drop their leading "v" there).
SEMVER_ECOSYSTEMS: Final = frozenset({Ecosystem.NPM, Ecosystem.CRATES_IO, Ecosystem.GO})


def package_problems(package: AffectedPackage, ecosystem: Ecosystem, where: str) -> list[Problem]:
    """Every problem with the versions, ranges and git ranges of one package."""
    problems: list[Problem] = []
    for index, affected_range in enumerate(package.ranges):
        problems += _range_problems(affected_range, ecosystem, f"{where}.ranges[{index}]")
    for index, version in enumerate(package.versions):
        field = f"{where}.versions[{index}]"
        problems += _version_problems(version, ecosystem, field, VERSION_CODE)
        if version in package.versions[:index]:
            problems.append(Problem(field, "duplicate_version", f"{version!r} is listed twice"))
    for index, git_range in enumerate(package.git_ranges):
        problems += _git_problems(git_range, f"{where}.git_ranges[{index}]")
    if package.no_fix and package.fixed_versions:
        problems.append(
            Problem(
                f"{where}.no_fix",
                "contradictory_fix",
                f"says no fix exists, but the ranges name fixed versions "
                f"({', '.join(package.fixed_versions)}); clear one of them",
            )
        )
    if not problems and (package.ranges or package.versions):
        vers, errors = canonical_vers(build_vers(package), package.purl_type, f"{where}.ranges")
        if vers is None:
            problems += [
                Problem(
                    error.field,
                    RANGE_CODE,
                    f"{error.message}; ranges and single versions must not overlap",
                )
                for error in errors
            ]
    return problems


def _range_problems(affected: AffectedRange, ecosystem: Ecosystem, where: str) -> list[Problem]:
    problems: list[Problem] = []
    if affected.fixed is not None and affected.last_affected is not None:
        problems.append(
            Problem(
                f"{where}.last_affected",
                RANGE_CODE,
                "a range ends either at a fixed version or at a last affected one, not both",
            )
        )
    bounds: list[tuple[str, str | None]] = [
        ("introduced", affected.introduced),
        ("fixed", affected.fixed),
        ("last_affected", affected.last_affected),
    ]
    for name, version in bounds:
        if version is None or (name == "introduced" and version == ALL_VERSIONS):
            continue
        problems += _version_problems(version, ecosystem, f"{where}.{name}", RANGE_CODE)
    if problems or affected.introduced == ALL_VERSIONS:
        return problems
    low = _parse(ecosystem, affected.introduced)
    for name, version in bounds[1:]:
        high = None if version is None else _parse(ecosystem, version)
        if low is None or high is None:
            continue
        if high < low or (high == low and name == "fixed"):
            problems.append(
                Problem(
                    f"{where}.{name}",
                    RANGE_CODE,
                    f"{version!r} comes before introduced {affected.introduced!r}",
                )
            )
    return problems


def _version_problems(version: str, ecosystem: Ecosystem, where: str, code: str) -> list[Problem]:
    if not version.strip() or version != version.strip():
        return [Problem(where, code, "must be a version without blanks around it")]
    if version == ALL_VERSIONS and code == VERSION_CODE:
        return []
    if ecosystem in STRICT_SEMVER and not _SEMVER.match(version.removeprefix("v")):
        # univers' SemverVersion coerces ("1.x.y~" reads as 1.0.0+x.y-); these registries
        # take SemVer 2 only, so anything else cannot name a published version.
        return [Problem(where, code, f"{version!r} is not a SemVer 2 version, as {ecosystem} uses")]
    error = check_version(version, ecosystem, where)
    return [] if error is None else [Problem(where, code, error.message)]


def _git_problems(git_range: GitRange, where: str) -> list[Problem]:
    problems: list[Problem] = []
    parts = urlsplit(git_range.repo)
    if parts.scheme not in {"http", "https", "git", "ssh"} or not parts.hostname:
        problems.append(Problem(f"{where}.repo", "invalid_url", "must be the repository's URL"))
    for name, commit in (("introduced", git_range.introduced), ("fixed", git_range.fixed)):
        if commit is None or (name == "introduced" and commit == ALL_VERSIONS):
            continue
        if not _GIT_COMMIT.match(commit):
            problems.append(
                Problem(
                    f"{where}.{name}",
                    RANGE_CODE,
                    f"{commit!r} is not a full git commit id (40 or 64 lower-case hex digits)",
                )
            )
    return problems


def _parse(ecosystem: Ecosystem, version: str) -> Any | None:
    syntax = VERSION_SYNTAX.get(ecosystem)
    if syntax is None:
        return None
    try:
        return syntax[0](version)
    except Exception:  # noqa: BLE001 - univers raises assorted types for "not a version"
        return None


def build_vers(package: AffectedPackage) -> str:
    """The affected versions of ``package`` as one vers range (not yet canonical)."""
    constraints: list[str] = []
    for affected in package.ranges:
        low = [] if affected.introduced == ALL_VERSIONS else [f">={affected.introduced}"]
        if affected.fixed is not None:
            high = [f"<{affected.fixed}"]
        elif affected.last_affected is not None:
            high = [f"<={affected.last_affected}"]
        else:
            high = []
        constraints += low + high or ["*"]
    constraints += list(package.versions)
    return f"vers:{package.purl_type}/{'|'.join(constraints)}"


def package_vers(package: AffectedPackage) -> str | None:
    """The canonical vers range of every affected version of ``package`` (None if none)."""
    if not package.ranges and not package.versions:
        return None
    vers, _ = canonical_vers(build_vers(package), package.purl_type, "vers")
    return vers or build_vers(package)


def range_vers(package: AffectedPackage, affected: AffectedRange) -> str:
    """The canonical vers range of one range of ``package``."""
    single = AffectedPackage(purl=package.purl, ranges=(affected,))
    return package_vers(single) or build_vers(single)


def uses_semver(package: AffectedPackage) -> bool:
    """Whether OSV should get SEMVER events: a SemVer ecosystem and every version SemVer 2."""
    if package.ecosystem not in SEMVER_ECOSYSTEMS:
        return False
    versions = [v for r in package.ranges for v in (r.introduced, r.fixed, r.last_affected) if v]
    return all(v == ALL_VERSIONS or _SEMVER.match(v.removeprefix("v")) for v in versions)


def parse_vers(text: str, purl_type: str, field: str = "vers") -> tuple[AffectedRange, ...]:
    """The ranges a vers string describes (``vers:pypi/>=1.0|<1.4.2``), for a package of type
    ``purl_type``. A single version (``vers:npm/1.2.3``) becomes a range of that one version.
    Raises AdvisoryError naming ``field`` if the range does not parse or cannot be written as
    introduced/fixed/last_affected bounds."""
    canonical, errors = canonical_vers(text, purl_type, field)
    if canonical is None:
        raise AdvisoryError([Problem(error.field, RANGE_CODE, error.message) for error in errors])
    _, _, body = canonical.partition("/")
    if body == "*":
        return (AffectedRange(),)
    ranges: list[AffectedRange] = []
    low: str | None = None
    for item in body.split("|"):
        comparator, version = _split_constraint(item)
        if comparator == ">=":
            low = version
        elif comparator in {"<", "<="}:
            bound = {"fixed": version} if comparator == "<" else {"last_affected": version}
            ranges.append(AffectedRange(introduced=low or ALL_VERSIONS, **bound))
            low = None
        elif comparator == "=":
            ranges.append(AffectedRange(introduced=version, last_affected=version))
        else:
            raise AdvisoryError(
                [
                    Problem(
                        field,
                        RANGE_CODE,
                        f"constraint {item!r} cannot be written as a range: use >=, <, <= "
                        "or a single version",
                    )
                ]
            )
    if low is not None:
        ranges.append(AffectedRange(introduced=low))
    return tuple(ranges)


def _split_constraint(item: str) -> tuple[str, str]:
    for comparator in (">=", "<=", "!=", ">", "<"):
        if item.startswith(comparator):
            return comparator, item[len(comparator) :]
    return "=", item.removeprefix("=")


def osv_version(package: AffectedPackage, version: str, *, semver: bool) -> str:
    """``version`` as OSV writes it in this package's ranges."""
    if semver and package.ecosystem is Ecosystem.GO and version != ALL_VERSIONS:
        return version.removeprefix("v")
    return version
