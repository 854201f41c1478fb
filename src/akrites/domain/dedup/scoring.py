"""Pairwise evidence between two fingerprints, and how it adds up to a score and a band.

Each piece of evidence is a weight in natural-log odds (Fellegi-Sunter style): positive
weights argue the two reports describe one flaw, negative weights that they describe two.
Weights of shared links and identifiers shrink with how many cases already carry them
(the chance of sharing them by accident), so a project-wide release note counts for little
and a fix commit for a lot. The probability is the logistic of the prior plus the sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from akrites.domain.dedup.features import Fingerprint, Labels
from akrites.domain.dedup.model import Band, Evidence, EvidenceKind
from akrites.domain.dedup.urls import RefKind


@dataclass(frozen=True, slots=True)
class Weights:
    """Log-odds weights. Defaults reason from how advisories are written, not from one data set.

    A fix commit, pull request or issue is created for one flaw: sharing one is close to
    proof (`fix_reference`). Release notes and announcements cover many flaws (`reference`,
    weaker). Copying the same upstream description is what databases do for the same flaw
    (`text_*`); templated descriptions of different flaws differ in the code they name
    (`identifier_conflict`). Different fix commits, disjoint affected versions or different
    weakness classes argue for distinct flaws.
    """

    prior: float = -4.0
    package: float = 2.0
    repository: float = 1.5
    package_mismatch: float = -2.5
    fix_reference: float = 6.0
    release_reference: float = 1.0
    page_reference: float = 2.5
    more_references: float = 0.5  # each further shared link, on top of the best one
    rarity_decay: float = 1.5  # weight lost per e-fold of cases already carrying the link
    fix_conflict: float = -3.0
    text_identical: float = 6.0  # at containment 1.0 for a text of `text_full_size` shingles
    text_floor: float = 0.4  # containment that counts as neither for nor against
    text_against: float = -1.5  # at containment 0
    text_full_size: int = 20  # shorter texts match by chance more often: scaled down
    identifier: float = 1.0
    identifier_max: float = 2.0
    identifier_conflict: float = -4.0
    version: float = 1.0
    version_conflict: float = -3.0
    cwe: float = 0.7
    cwe_conflict: float = -1.5


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Bands by estimated probability: auto-merge only when a mistake is unlikely."""

    auto: float = 0.95
    suggest: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.suggest <= self.auto < 1.0:
            raise ValueError("thresholds must satisfy 0 < suggest <= auto < 1")

    def band(self, score: float) -> Band:
        if score >= self.auto:
            return Band.AUTO
        if score >= self.suggest:
            return Band.SUGGEST
        return Band.NEW


CaseFrequency = Callable[[int], int]  # hashed feature -> number of cases carrying it


@dataclass(frozen=True, slots=True)
class Query:
    """The incoming report's side of every comparison, prepared once."""

    fingerprint: Fingerprint
    labels: Labels
    shingles: frozenset[int]
    ref_keys: frozenset[int]


def prepare(fingerprint: Fingerprint, labels: Labels) -> Query:
    return Query(
        fingerprint=fingerprint,
        labels=labels,
        shingles=frozenset(fingerprint.shingles),
        ref_keys=frozenset(ref.key for ref in fingerprint.refs),
    )


def probability(log_odds: float) -> float:
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    odds = math.exp(log_odds)
    return odds / (1.0 + odds)


def total(weights: Weights, evidence: list[Evidence]) -> float:
    return weights.prior + sum(item.weight for item in evidence)


def order(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    """Strongest first (by absolute weight), then by kind and detail: a stable explanation."""
    return tuple(sorted(evidence, key=lambda e: (-abs(e.weight), e.kind.value, e.detail)))


def compare(
    query: Query, other: Fingerprint, weights: Weights, frequency: CaseFrequency
) -> list[Evidence]:
    """The evidence for and against `query` and `other` describing the same flaw."""
    evidence: list[Evidence] = []
    _package(query, other, weights, evidence)
    _references(query, other, weights, frequency, evidence)
    text_similarity = _text(query, other, weights, evidence)
    _identifiers(query, other, weights, frequency, text_similarity, evidence)
    _versions(query.fingerprint, other, weights, evidence)
    _cwes(query, other, weights, evidence)
    return evidence


def _package(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    mine = query.fingerprint
    shared = mine.families & other.families
    if shared:
        names = ", ".join(sorted(query.labels.name(f) for f in shared))
        out.append(Evidence(EvidenceKind.PACKAGE, weights.package, f"same package: {names}"))
        return
    repos = mine.repos & other.repos
    if repos:
        names = ", ".join(sorted(query.labels.name(r) for r in repos))
        out.append(
            Evidence(EvidenceKind.REPOSITORY, weights.repository, f"same repository: {names}")
        )
        return
    if mine.families and other.families:
        out.append(
            Evidence(EvidenceKind.PACKAGE, weights.package_mismatch, "no package in common")
        )


def _rarity(weights: Weights, base: float, cases: int) -> float:
    return max(0.0, base - weights.rarity_decay * math.log(max(1, cases)))


def _references(
    query: Query,
    other: Fingerprint,
    weights: Weights,
    frequency: CaseFrequency,
    out: list[Evidence],
) -> None:
    shared = [ref for ref in other.refs if ref.key in query.ref_keys]
    found: list[tuple[float, EvidenceKind, str]] = []
    seen: set[int] = set()
    for ref in shared:
        if ref.key in seen:
            continue
        seen.add(ref.key)
        if ref.kind in {RefKind.COMMIT, RefKind.CHANGE, RefKind.ISSUE}:
            base, kind = weights.fix_reference, EvidenceKind.FIX_REFERENCE
        elif ref.kind is RefKind.RELEASE:
            base, kind = weights.release_reference, EvidenceKind.REFERENCE
        else:
            base, kind = weights.page_reference, EvidenceKind.REFERENCE
        cases = frequency(ref.key)
        weight = _rarity(weights, base, cases)
        detail = f"same {ref.kind.value} {query.labels.name(ref.key)} (in {cases} case(s))"
        found.append((weight, kind, detail))
    found.sort(key=lambda item: (-item[0], item[2]))
    for rank, (weight, kind, detail) in enumerate(found):
        adjusted = weight if rank == 0 else min(weight, weights.more_references)
        out.append(Evidence(kind, round(adjusted, 3), detail))
    mine = query.fingerprint
    if mine.commits and other.commits and not mine.commits & other.commits:
        out.append(
            Evidence(
                EvidenceKind.FIX_CONFLICT,
                weights.fix_conflict,
                "both name fix commits, none in common",
            )
        )


def _text(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> float:
    smaller = min(len(query.shingles), len(other.shingles))
    if smaller == 0:
        return 0.0
    common = len(query.shingles.intersection(other.shingles))
    containment = common / smaller
    if containment >= weights.text_floor:
        span = (containment - weights.text_floor) / (1.0 - weights.text_floor)
        size = min(1.0, smaller / weights.text_full_size)
        weight = weights.text_identical * span * size
    else:
        weight = weights.text_against * (1.0 - containment / weights.text_floor)
    out.append(
        Evidence(
            EvidenceKind.TEXT,
            round(weight, 3),
            f"{containment:.0%} of the shorter text's word triples in common",
        )
    )
    return containment


def _identifiers(
    query: Query,
    other: Fingerprint,
    weights: Weights,
    frequency: CaseFrequency,
    text_similarity: float,
    out: list[Evidence],
) -> None:
    mine = query.fingerprint.identifiers
    shared = mine & other.identifiers
    if shared:
        gained = 0.0
        for ident in shared:
            gained += _rarity(weights, weights.identifier, frequency(ident))
        if gained > 0:
            names = ", ".join(sorted(query.labels.name(i) for i in shared)[:5])
            out.append(
                Evidence(
                    EvidenceKind.IDENTIFIER,
                    round(min(gained, weights.identifier_max), 3),
                    f"same identifiers: {names}",
                )
            )
    only_mine = mine - other.identifiers
    only_other = other.identifiers - mine
    # Near-identical texts that each name code the other does not: one template, two flaws.
    if only_mine and only_other and text_similarity >= weights.text_floor:
        names = ", ".join(sorted(query.labels.name(i) for i in only_mine)[:3])
        out.append(
            Evidence(
                EvidenceKind.IDENTIFIER_CONFLICT,
                weights.identifier_conflict,
                f"similar text about other code (this report names {names})",
            )
        )


def _versions(mine: Fingerprint, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    if mine.fixed & other.fixed:
        out.append(Evidence(EvidenceKind.VERSION, weights.version, "same fixed version"))
        return
    if mine.intervals and other.intervals:
        overlap = any(a.overlaps(b) for a in mine.intervals for b in other.intervals)
        if not overlap:
            out.append(
                Evidence(
                    EvidenceKind.VERSION_CONFLICT,
                    weights.version_conflict,
                    "affected version ranges do not overlap",
                )
            )


def _cwes(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    mine = query.fingerprint.cwes
    if not mine or not other.cwes:
        return
    shared = mine & other.cwes
    if shared:
        names = ", ".join(sorted(query.labels.name(c) for c in shared))
        out.append(Evidence(EvidenceKind.CWE, weights.cwe, f"same weakness: {names}"))
    else:
        out.append(Evidence(EvidenceKind.CWE_CONFLICT, weights.cwe_conflict, "different CWE"))
