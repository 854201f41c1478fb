"""Version ranges, compared loosely and the same way in every ecosystem.

Deduplication needs only two answers: do two reports name the same fixed version, and can
their affected ranges overlap at all. A generic ordering (numbers numerically, pre-release
words before the release, post-release words after it) answers both well enough for PyPI,
npm, Go, Maven, Packagist, RubyGems and crates.io, and is fast; exact ecosystem semantics
belong to the version-range code, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from akrites.domain.dedup.model import EventKind, RangeKind, VersionRange

VersionKey = tuple[tuple[int, int], ...]

_TOKEN = re.compile(r"[0-9]+|[a-z]+")
_PRE_WORDS: dict[str, int] = {
    "dev": 0, "snapshot": 0, "nightly": 0,
    "a": 1, "alpha": 1,
    "b": 2, "beta": 2,
    "m": 3, "milestone": 3, "pre": 3, "preview": 3,
    "c": 4, "rc": 4, "cr": 4,
}  # fmt: skip
_RELEASE_WORDS = frozenset({"final", "ga", "release", "r", "v"})
_POST_WORDS: dict[str, int] = {"post": 1, "p": 1, "patch": 1, "pl": 1, "sp": 2, "rev": 1}
_NUMBER, _POST, _END, _PRE = 3, 2, 1, 0
_ZERO: VersionKey = ((_END, 0),)


@lru_cache(maxsize=1 << 16)  # versions repeat: cached keys are also shared, saving memory
def version_key(version: str) -> VersionKey:
    """A sortable key: `1.0` == `1.0.0` == `v1.0`, `1.0rc1` < `1.0` < `1.0.post1` < `1.0.1`."""
    tokens = _TOKEN.findall(version.strip().lower().split("+", 1)[0])
    items: list[tuple[int, int]] = []
    leading_numbers = True
    for token in tokens:
        if token.isdigit():
            items.append((_NUMBER, int(token)))
            continue
        if leading_numbers:
            _drop_trailing_zeros(items)
            leading_numbers = False
        if token in _RELEASE_WORDS:
            continue
        if token in _POST_WORDS:
            items.append((_POST, _POST_WORDS[token]))
        else:
            items.append((_PRE, _PRE_WORDS.get(token, 0)))
    if leading_numbers:
        _drop_trailing_zeros(items)
    items.append((_END, 0))
    return tuple(items)


def _drop_trailing_zeros(items: list[tuple[int, int]]) -> None:
    while len(items) > 1 and items[-1] == (_NUMBER, 0):
        items.pop()


def is_zero(version: str) -> bool:
    return version_key(version) <= ((_NUMBER, 0), (_END, 0))


@dataclass(frozen=True, slots=True)
class Interval:
    """Affected versions `[low, high)` (or `[low, high]` when `inclusive`); high None: open."""

    low: VersionKey
    high: VersionKey | None
    inclusive: bool = False

    def overlaps(self, other: Interval) -> bool:
        return _below(self.low, other.high, other.inclusive) and _below(
            other.low, self.high, self.inclusive
        )


def _below(low: VersionKey, high: VersionKey | None, inclusive: bool) -> bool:
    if high is None:
        return True
    return low <= high if inclusive else low < high


def intervals_from_ranges(ranges: Iterable[VersionRange]) -> list[Interval]:
    """Affected intervals from OSV ranges (git ranges name commits, not versions: skipped)."""
    intervals: list[Interval] = []
    for version_range in ranges:
        if version_range.kind is RangeKind.GIT:
            continue
        low: VersionKey | None = None
        for event in version_range.events:
            if event.kind is EventKind.INTRODUCED:
                if low is not None:
                    intervals.append(Interval(low, None))
                low = _ZERO if is_zero(event.version) else version_key(event.version)
            elif low is not None and event.kind in {EventKind.FIXED, EventKind.LIMIT}:
                intervals.append(Interval(low, version_key(event.version)))
                low = None
            elif low is not None and event.kind is EventKind.LAST_AFFECTED:
                intervals.append(Interval(low, version_key(event.version), inclusive=True))
                low = None
        if low is not None:
            intervals.append(Interval(low, None))
    return intervals


def fixed_versions(ranges: Iterable[VersionRange]) -> set[str]:
    """Canonical spellings of the versions that fix the flaw."""
    return {
        canonical_version(event.version)
        for version_range in ranges
        if version_range.kind is not RangeKind.GIT
        for event in version_range.events
        if event.kind is EventKind.FIXED
    }


def canonical_version(version: str) -> str:
    """One spelling per `version_key`, for set comparisons."""
    return ".".join(f"{kind}{value}" for kind, value in version_key(version))


# A dotted version in prose; what precedes or follows it says whether it bounds the range.
_PROSE_VERSION = re.compile(
    r"(?<![\w.])v?([0-9]+(?:\.[0-9]+)+(?:[-.]?(?:alpha|beta|rc|pre|post|dev|a|b|p)[-.]?[0-9]*)?)"
    r"(?![\w])"
)
_EXCLUSIVE_BEFORE = ("before", "prior to", "<", "fixed in", "patched in", "upgrade to",
                     "lower than", "older than", "earlier than")  # fmt: skip
_INCLUSIVE_BEFORE = ("through", "<=", "up to", "until", "up to and including")
_INCLUSIVE_AFTER = (" and earlier", " and below", " and prior", " and older")


def prose_bounds(text: str) -> list[tuple[str, bool]]:
    """Upper bounds stated in prose, as (version, inclusive): `before 2.5.0` -> ("2.5.0", False),
    `through 0.23.0` and `1.1.7 and earlier` -> inclusive."""
    lowered = text.lower()
    bounds: list[tuple[str, bool]] = []
    for match in _PROSE_VERSION.finditer(lowered):
        before = lowered[max(0, match.start() - 24) : match.start()].rstrip()
        for word in ("version", "versions", "v"):
            before = before.removesuffix(word).rstrip()
        if before.endswith(_EXCLUSIVE_BEFORE):
            bounds.append((match.group(1), False))
        elif before.endswith(_INCLUSIVE_BEFORE) or lowered.startswith(
            _INCLUSIVE_AFTER, match.end()
        ):
            bounds.append((match.group(1), True))
    return bounds


def intervals_from_text(text: str) -> list[Interval]:
    """Affected intervals stated in prose: `before 2.5.0`, `through 0.23.0`, `1.1.7 and earlier`.

    Only upper bounds are read: the lower bound of a prose range is rarely stated reliably.
    """
    intervals = [
        Interval(_ZERO, version_key(version), inclusive=inclusive)
        for version, inclusive in prose_bounds(text)
    ]
    return [interval for interval in intervals if interval.high != _ZERO]


def fixed_from_text(text: str) -> set[str]:
    return {
        canonical_version(version) for version, inclusive in prose_bounds(text) if not inclusive
    }
