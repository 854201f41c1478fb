"""Affected versions: vers ranges, OSV-style events and single versions, checked per ecosystem.

Version syntax comes from univers, which has a version class per versioning scheme. For an
ecosystem univers does not know (Pub, Hackage, CRAN, ...), versions are accepted as opaque
strings: we would rather take a report than reject a version we cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from univers import versions as uv
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange

from akrites.domain.intake.errors import FieldError, join_path
from akrites.domain.intake.model import EventKind, RangeEvent, RangeKind
from akrites.domain.purl import Ecosystem

# univers signals bad input with assorted exception types (ValueError, TypeError, its own
# InvalidNuGetVersion derived from Exception, ...), not one of its own; any of them means
# "not a version of this scheme".
_UNIVERS_ERRORS: Final = (Exception,)

_DEB: Final = (uv.DebianVersion, "epoch:upstream-revision")
_RPM: Final = (uv.RpmVersion, "RPM")
_APK: Final = (uv.AlpineLinuxVersion, "apk")
_SEMVER: Final = (uv.SemverVersion, "SemVer")
# Ecosystem -> (univers version class, the syntax's name for error messages).
VERSION_SYNTAX: Final[Mapping[Ecosystem, tuple[Any, str]]] = MappingProxyType(
    {
        Ecosystem.PYPI: (uv.PypiVersion, "PEP 440"),
        Ecosystem.NPM: _SEMVER,
        Ecosystem.CRATES_IO: _SEMVER,
        Ecosystem.HEX: _SEMVER,
        Ecosystem.GO: (uv.GolangVersion, "SemVer, optionally with a leading v"),
        Ecosystem.MAVEN: (uv.MavenVersion, "Maven"),
        Ecosystem.NUGET: (uv.NugetVersion, "NuGet"),
        Ecosystem.PACKAGIST: (uv.ComposerVersion, "Composer"),
        Ecosystem.RUBYGEMS: (uv.RubygemsVersion, "RubyGems"),
        Ecosystem.CONAN_CENTER: (uv.ConanVersion, "Conan"),
        Ecosystem.DEBIAN: _DEB,
        Ecosystem.UBUNTU: _DEB,
        Ecosystem.RED_HAT: _RPM,
        Ecosystem.ALMALINUX: _RPM,
        Ecosystem.ROCKY_LINUX: _RPM,
        Ecosystem.OPENSUSE: _RPM,
        Ecosystem.SUSE: _RPM,
        Ecosystem.ALPINE: _APK,
        Ecosystem.WOLFI: _APK,
        Ecosystem.CHAINGUARD: _APK,
    }
)

_VERS_PARSER: Final[Any] = VersionRange  # untyped: its results are only turned into text
ALL_VERSIONS: Final = "0"  # OSV: `introduced: "0"` means from the very first version
_VERS: Final = re.compile(r"vers:(?P<scheme>[^/]*)/(?P<constraints>.*)\Z", re.DOTALL)
_COMPARATOR: Final = re.compile(r"(>=|<=|!=|<|>|=)?(.*)\Z", re.DOTALL)
_GIT_COMMIT: Final = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
# SemVer 2.0.0 (semver.org): numeric parts without leading zeros, dot-separated pre-release and
# build identifiers; OSV SEMVER ranges use it without a leading "v".
_NUMBER: Final = r"(?:0|[1-9][0-9]*)"
_PRE_ID: Final = rf"(?:{_NUMBER}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_STRICT_SEMVER: Final = re.compile(
    rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_PRE_ID}(?:\.{_PRE_ID})*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\Z"
)


def check_version(version: str, ecosystem: Ecosystem, field: str) -> FieldError | None:
    """An error if ``version`` is not a version of ``ecosystem`` (opaque ecosystems: never)."""
    syntax = VERSION_SYNTAX.get(ecosystem)
    if syntax is None:
        return None
    version_class, label = syntax
    if _parse(version_class, version) is None:
        return FieldError(field, _not_a_version(version, ecosystem, label))
    return None


def _not_a_version(version: str, ecosystem: Ecosystem, syntax: str) -> str:
    return f"{version!r} is not a valid {ecosystem.value} version ({syntax})"


def canonical_vers(text: str, purl_type: str, field: str) -> tuple[str | None, list[FieldError]]:
    """The canonical form of the vers range ``text`` for a package of type ``purl_type``."""
    compact = "".join(text.split())  # blanks are not significant in vers
    match = _VERS.match(compact)
    if match is None:
        return None, [FieldError(field, "must be written vers:<type>/<constraints>")]
    scheme, constraints = match["scheme"].lower(), match["constraints"]
    if scheme != purl_type:
        return None, [
            FieldError(
                field,
                f"uses the versioning scheme {scheme!r} but the package is pkg:{purl_type}; "
                f"write vers:{purl_type}/...",
            )
        ]
    if not constraints.strip("|"):
        return None, [FieldError(field, "has no constraints after the scheme")]
    range_class = RANGE_CLASS_BY_SCHEMES.get(scheme)
    if range_class is None:
        return _opaque_vers(scheme, constraints, field)
    errors = _constraint_errors(constraints, range_class.version_class, scheme, field)
    if errors:
        return None, errors
    try:
        parsed = _VERS_PARSER.from_string(f"vers:{scheme}/{constraints}", validate=True)
    except _UNIVERS_ERRORS as error:
        return None, [FieldError(field, _vers_problem(str(error)))]
    return str(parsed), []


def _constraint_errors(
    constraints: str, version_class: Any, scheme: str, field: str
) -> list[FieldError]:
    items = constraints.strip("|").split("|")
    if "*" in items and len(items) > 1:
        return [FieldError(field, "'*' (every version) must be the only constraint")]
    errors: list[FieldError] = []
    for item in items:
        if item == "*":
            continue
        comparator_match = _COMPARATOR.match(item)
        version = comparator_match[2] if comparator_match else item
        if not version or version[0] in "<>=!":
            errors.append(FieldError(field, f"constraint {item!r} is not <comparator><version>"))
        elif _parse(version_class, version) is None:
            errors.append(FieldError(field, f"{version!r} is not a valid {scheme} version"))
    return errors


def _opaque_vers(scheme: str, constraints: str, field: str) -> tuple[str | None, list[FieldError]]:
    items = constraints.strip("|").split("|")
    if items == ["*"]:
        return f"vers:{scheme}/*", []
    for item in items:
        comparator_match = _COMPARATOR.match(item)
        version = comparator_match[2] if comparator_match else ""
        if not version or version[0] in "<>=!*":
            return None, [FieldError(field, f"constraint {item!r} is not <comparator><version>")]
    return f"vers:{scheme}/{'|'.join(items)}", []


def _vers_problem(detail: str) -> str:
    if "cannot be followed by" in detail:
        return (
            "constraints must alternate lower and upper bounds in version order, "
            "as in >=1.0|<1.4.2|>=2.0|<2.0.3"
        )
    if "duplicated" in detail:
        return "names the same version in two constraints"
    return "is not a valid vers range"


def _parse(version_class: Any, version: str) -> Any | None:
    try:
        return version_class(version)
    except _UNIVERS_ERRORS:
        return None


def check_events(
    kind: RangeKind, events: Sequence[RangeEvent], ecosystem: Ecosystem, field: str
) -> list[FieldError]:
    """Errors in one range's events: syntax of each version, and their order."""
    errors = _order_errors(events, field)
    parsed: list[Any | None] = []
    for position, event in enumerate(events):
        where = join_path(field, f"[{position}].{event.kind.value}")
        if event.version == ALL_VERSIONS:
            if event.kind is not EventKind.INTRODUCED:
                errors.append(FieldError(where, 'only an introduced event may be "0"'))
            parsed.append(None)
            continue
        problem, value = _event_version(kind, event.version, ecosystem, where)
        if problem is not None:
            errors.append(problem)
        parsed.append(value)
    if not errors:
        errors.extend(_monotonic_errors(events, parsed, field))
    return errors


def _event_version(
    kind: RangeKind, version: str, ecosystem: Ecosystem, where: str
) -> tuple[FieldError | None, Any | None]:
    if kind is RangeKind.GIT:
        if _GIT_COMMIT.match(version):
            return None, None
        return FieldError(where, f"{version!r} is not a full git commit id (40 or 64 hex)"), None
    if kind is RangeKind.SEMVER:
        if not _STRICT_SEMVER.match(version):
            return FieldError(where, f"{version!r} is not a SemVer 2.0 version (no 'v')"), None
        return None, _parse(uv.SemverVersion, version)
    syntax = VERSION_SYNTAX.get(ecosystem)
    if syntax is None:
        return None, None
    value = _parse(syntax[0], version)
    if value is None:
        return FieldError(where, _not_a_version(version, ecosystem, syntax[1])), None
    return None, value


def _order_errors(events: Sequence[RangeEvent], field: str) -> list[FieldError]:
    if not events:
        return []
    errors: list[FieldError] = []
    if events[0].kind is not EventKind.INTRODUCED:
        errors.append(
            FieldError(
                join_path(field, "[0]"),
                'the first event must be "introduced" (use "0" for "since the first version")',
            )
        )
    kinds = {event.kind for event in events}
    if {EventKind.FIXED, EventKind.LAST_AFFECTED} <= kinds:
        errors.append(
            FieldError(field, "a range has fixed or last_affected events, not both; split it")
        )
    open_range = False
    for position, event in enumerate(events):
        where = join_path(field, f"[{position}]")
        if event.kind is EventKind.INTRODUCED:
            if open_range:
                errors.append(
                    FieldError(where, "introduced twice without a fixed or last_affected between")
                )
            open_range = True
        elif event.kind in {EventKind.FIXED, EventKind.LAST_AFFECTED}:
            if not open_range and position > 0:
                errors.append(
                    FieldError(where, f"{event.kind.value} must follow an introduced event")
                )
            open_range = False
    return errors


def _monotonic_errors(
    events: Sequence[RangeEvent], parsed: Sequence[Any | None], field: str
) -> list[FieldError]:
    """Versions must rise along the events (limits aside), where the syntax lets us compare."""
    previous: tuple[RangeEvent, Any] | None = None
    for position, (event, value) in enumerate(zip(events, parsed, strict=True)):
        if event.kind is EventKind.LIMIT:
            continue
        if value is None:
            if event.version != ALL_VERSIONS:
                return []  # opaque or git versions: order cannot be checked
            continue
        if previous is not None:
            before, before_value = previous
            same_allowed = (
                before.kind is EventKind.INTRODUCED and event.kind is EventKind.LAST_AFFECTED
            )
            if value < before_value or (value == before_value and not same_allowed):
                return [
                    FieldError(
                        join_path(field, f"[{position}]"),
                        f"{event.kind.value} {event.version!r} does not come after "
                        f"{before.kind.value} {before.version!r}; list events in version order",
                    )
                ]
        previous = (event, value)
    return []


def sort_events(events: Sequence[RangeEvent], ecosystem: Ecosystem, kind: RangeKind) -> list[int]:
    """The positions of ``events`` in version order, as OSV consumers sort them before use.

    Only ECOSYSTEM and SEMVER ranges whose versions all parse are sorted; for the others the
    order is kept as given. Ties keep their order, with introduced "0" first.
    """
    order = list(range(len(events)))
    if kind not in {RangeKind.ECOSYSTEM, RangeKind.SEMVER}:
        return order
    syntax = VERSION_SYNTAX.get(ecosystem) if kind is RangeKind.ECOSYSTEM else _SEMVER
    if syntax is None:
        return order
    keys: list[Any] = []
    for event in events:
        if event.version == ALL_VERSIONS and event.kind is EventKind.INTRODUCED:
            keys.append(None)
            continue
        value = _parse(syntax[0], event.version)
        if value is None:
            return order
        keys.append(value)
    try:
        return sorted(order, key=lambda i: (keys[i] is not None, 0 if keys[i] is None else keys[i]))
    except TypeError:
        return order
