"""A report's fingerprint: the hashed features the index stores and the scorer compares.

Embargoed text must not sit in derived data in plaintext, so every token, shingle, URL
and package name is passed through a `Hasher` before it is kept. The default hasher is
Python's own string hash, which the interpreter keys with a random per-process secret
(SipHash); callers that persist fingerprints pass `keyed_hasher(secret)` instead, which is
stable across processes for one key. Decisions depend only on hash *equality*, never on
hash values, so clustering does not change with the key.

Only the query's `Labels` map hashes back to readable strings, for explanations; they are
built from the incoming report and never stored.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from akrites.domain.dedup import text as text_features
from akrites.domain.dedup.identity import AliasTable, family_key, repository_of
from akrites.domain.dedup.model import EventKind, RangeKind, Report
from akrites.domain.dedup.urls import (
    SPECIFIC_KINDS,
    Ref,
    RefKind,
    commit_key,
    looks_like_commit,
    parse_reference,
    urls_in_text,
)
from akrites.domain.dedup.versions import (
    Interval,
    fixed_from_text,
    fixed_versions,
    intervals_from_ranges,
    intervals_from_text,
)
from akrites.domain.dedup.weakness import Weakness, classes_in_text, classes_of_cwes

Hasher = Callable[[str], int]
_Sortable = TypeVar("_Sortable", int, str)
_MASK32 = 0xFFFFFFFF


# Python's own str hash: SipHash keyed with this interpreter's random per-process secret.
# (Unless PYTHONHASHSEED pins it: then it is no secret, and callers should pass a key.)
process_hasher: Hasher = hash


def keyed_hasher(key: bytes) -> Hasher:
    """BLAKE2b keyed with `key` (up to 64 bytes): stable across processes, secret without it."""
    if not 1 <= len(key) <= 64:
        raise ValueError("a hasher key must be 1 to 64 bytes long")

    def hasher(value: str) -> int:
        digest = hashlib.blake2b(value.encode(), key=key, digest_size=8).digest()
        return int.from_bytes(digest, "little", signed=True)

    return hasher


@dataclass(frozen=True, slots=True)
class HashedRef:
    key: int
    kind: RefKind
    repo: int  # hashed repository, 0 when the link does not name one


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Everything the scorer needs about one report; no readable text."""

    families: tuple[int, ...]
    repos: tuple[int, ...]
    refs: tuple[HashedRef, ...]
    shingles: array[int]  # 32-bit shingle hashes, distinct
    anchors: array[int]  # the sampled subset of `shingles` the index posts
    words: array[int]  # 32-bit hashes of the content words of title and text
    body_words: array[int]  # the same for the text alone (the title when there is no text)
    identifiers: tuple[int, ...]
    commits: tuple[int, ...]  # hashed commit keys (from links and git ranges)
    cwes: tuple[int, ...]  # CWE numbers
    weaknesses: tuple[Weakness, ...]  # from the CWEs, else from the text
    fixed: tuple[str, ...]  # canonical fixed versions (numbers only: not text)
    intervals: tuple[Interval, ...]


@dataclass(slots=True)
class Labels:
    """Readable names for the query's hashes, to explain a match; never stored."""

    names: dict[int, str] = field(default_factory=dict)

    def name(self, hashed: int, fallback: str = "(hashed)") -> str:
        return self.names.get(hashed, fallback)


@dataclass(frozen=True, slots=True)
class Extractor:
    """Turns reports into fingerprints with one hasher and one alias table."""

    hasher: Hasher = process_hasher
    aliases: AliasTable | None = None

    def families_of(self, report: Report) -> list[str]:
        families: list[str] = []
        for package in report.packages:
            key = family_key(package.ecosystem, package.name)
            if self.aliases is not None:
                key = self.aliases.canonical(key)
            if key not in families:
                families.append(key)
        return families

    def extract(self, report: Report) -> tuple[Fingerprint, Labels]:
        labels = Labels()

        def h(namespace: str, value: str, label: str | None = None) -> int:
            hashed = self.hasher(namespace + "\x00" + value)
            labels.names.setdefault(hashed, label if label is not None else value)
            return hashed

        families = _small(h("family", key) for key in self.families_of(report))
        refs, repo_names = _references(report)
        for package in report.packages:
            if (repo := repository_of(package.ecosystem, package.name)) is not None:
                repo_names.add(repo)
        repos = _small(h("repo", name) for name in repo_names)
        hashed_refs = tuple(
            sorted(
                {
                    HashedRef(
                        h("ref", ref.key, ref.url),
                        ref.kind,
                        h("repo", ref.repo) if ref.repo else 0,
                    )
                    for ref in refs
                },
                key=lambda r: (r.kind, r.key),
            )
        )
        commits = _small(r.key for r in hashed_refs if r.kind is RefKind.COMMIT)
        body = text_features.clean(report.text)
        title = text_features.clean(report.title)
        full = f"{title} . {body}" if title else body
        all_shingles = text_features.shingles(full)
        hashed_shingles = [self.hasher(s) & _MASK32 for s in all_shingles]
        shingles = array("I", sorted(set(hashed_shingles)))
        anchors = array("I", sorted({hashed_shingles[i] for i in anchor_positions(all_shingles)}))
        identifiers = _small(h("ident", name) for name in text_features.identifiers(full))
        ranges = [r for package in report.packages for r in package.ranges]
        intervals = intervals_from_ranges(ranges)
        fixed = fixed_versions(ranges)
        if not intervals:  # prose ranges only when the report has no structured ones
            intervals = intervals_from_text(full)
            fixed = fixed_from_text(full)
        cwe_numbers = frozenset(n for c in report.cwes if (n := _cwe_number(c)) is not None)
        weaknesses = classes_of_cwes(cwe_numbers) or classes_in_text(full)
        body_words = self._word_hashes(text_features.content_words(body or title))
        title_words = self._word_hashes(text_features.content_words(title)) if body else []
        all_words = array("I", sorted(set(body_words).union(title_words)))
        fingerprint = Fingerprint(
            families=families,
            repos=repos,
            refs=hashed_refs,
            shingles=shingles,
            anchors=anchors,
            identifiers=identifiers,
            commits=commits,
            words=all_words,
            body_words=array("I", body_words),
            cwes=_small(cwe_numbers),
            weaknesses=tuple(sorted(weaknesses)),
            fixed=_small(fixed),
            intervals=tuple(intervals),
        )
        return fingerprint, labels

    def _word_hashes(self, words: set[str]) -> list[int]:
        return sorted({self.hasher("word\x00" + w) & _MASK32 for w in words})


ANCHOR_SAMPLING = 4  # about one shingle in four is posted in the index


def anchor_positions(items: list[str]) -> list[int]:
    """Which shingles the index posts: those whose CRC-32 is 0 modulo `ANCHOR_SAMPLING`,
    and always the one with the least CRC-32, so that even a short text has an anchor.

    The choice depends on the shingle alone (content-defined, as in Broder's fingerprint
    sampling): two texts sharing a dozen shingles share an anchor with probability ~97%.
    CRC-32 rather than the keyed hash keeps the choice the same in every process and for
    every key.
    """
    if not items:
        return []
    sums = [zlib.crc32(item.encode()) for item in items]
    chosen = [position for position, value in enumerate(sums) if value % ANCHOR_SAMPLING == 0]
    least = sums.index(min(sums))
    if least not in chosen:
        chosen.append(least)
    return chosen


def _references(report: Report) -> tuple[list[Ref], set[str]]:
    refs = [ref for url in report.references if (ref := parse_reference(url)) is not None]
    # Links written in the text count, except links to a file at some revision: those
    # point at code, and the revision is a snapshot, not a fix.
    refs.extend(
        ref
        for url in urls_in_text(report.text)
        if (ref := parse_reference(url)) is not None and ref.kind in SPECIFIC_KINDS
    )
    # Git ranges name the fix commit itself.
    refs.extend(
        Ref(RefKind.COMMIT, commit_key(event.version), "", f"{rng.repo or 'git'}@{event.version}")
        for package in report.packages
        for rng in package.ranges
        if rng.kind is RangeKind.GIT
        for event in rng.events
        if event.kind is EventKind.FIXED and looks_like_commit(event.version)
    )
    refs.extend(
        Ref(RefKind.ISSUE, "alias:" + alias.strip().upper(), "", alias)
        for alias in report.aliases
        if alias.strip()
    )
    repos = {ref.repo for ref in refs if ref.repo}
    return refs, repos


def _small(values: Iterable[_Sortable]) -> tuple[_Sortable, ...]:
    """A small set as a sorted tuple: a fraction of a frozenset's memory, and the empty one
    is shared. The query side turns them back into sets once per match."""
    return tuple(sorted(set(values)))


def _cwe_number(value: str) -> int | None:
    digits = "".join(c for c in value if c.isdigit())
    return int(digits) if digits else None
