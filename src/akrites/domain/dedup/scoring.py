"""Pairwise evidence between two fingerprints, and how it adds up to a score and a band.

Each piece of evidence is a weight in natural-log odds (Fellegi-Sunter style): positive
weights argue the two reports describe one flaw, negative weights that they describe two.
Weights of shared links and identifiers shrink with how many cases already carry them
(the chance of sharing them by accident), so a project-wide release note counts for little
and a fix commit for a lot. The probability is the logistic of the prior plus the sum.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from akrites.domain.dedup.features import Fingerprint, Labels
from akrites.domain.dedup.model import Band, Evidence, EvidenceKind
from akrites.domain.dedup.urls import RefKind
from akrites.domain.dedup.weakness import Weakness


@dataclass(frozen=True, slots=True)
class Weights:
    """Log-odds weights. Defaults reason from how advisories are written, not from one data set.

    A fix commit, pull request or issue is created for one piece of work: sharing one is
    strong evidence (`fix_reference`), yet one commit sometimes fixes several flaws, so it
    does not decide alone. Release notes and announcements cover many flaws (`reference`,
    weak). Databases copy the same upstream description for the same flaw (`text_copy`),
    while descriptions that are *similar but each say something the other does not* are one
    template filled for two flaws (`text_template`). Different fix commits, disjoint affected
    versions or different weakness classes argue for distinct flaws.
    """

    prior: float = -4.0
    package: float = 2.0
    repository: float = 1.5
    package_mismatch: float = -2.5
    fix_reference: float = 4.0
    release_reference: float = 0.5
    page_reference: float = 1.0
    more_references: float = 0.5  # all further shared links together, on top of the best one
    second_fix_kind: float = 1.0  # a shared fix reference of a second kind (commit + issue)
    rarity_decay: float = 1.5  # weight lost per e-fold of cases already carrying the link
    fix_conflict: float = -4.0
    text_copy: float = 6.0  # a copy of a text of at least `text_full_size` shingles
    text_copy_level: float = 0.9  # containment from which two texts are copies
    text_similar_level: float = 0.5  # containment from which texts share a template
    text_template: float = -3.0
    text_full_size: int = 20  # shorter texts match by chance more often: scaled down
    words_unrelated: float = -1.5  # independent write-ups sharing few content words
    words_related: float = 0.8  # independent write-ups sharing most content words
    identifier: float = 1.0
    identifier_max: float = 2.0
    version: float = 0.5
    version_conflict: float = -3.0
    fixed_conflict: float = -1.5  # both name fixed versions, none in common
    weakness: float = 0.5
    weakness_conflict: float = -2.5
    cwe: float = 1.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Bands by estimated probability that the report shows the matched case's flaw.

    Auto-merging asks for 98%: merging two distinct flaws is worse than missing a duplicate,
    and one wrong join pairs the report with every report of the case, so the precision of
    pairs falls below the precision of decisions. Below 50% a match is not worth a
    coordinator's time.
    """

    auto: float = 0.98
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
    words: frozenset[int]
    body_words: frozenset[int]
    ref_keys: frozenset[int]
    families: frozenset[int]
    repos: frozenset[int]
    identifiers: frozenset[int]
    commits: frozenset[int]
    cwes: frozenset[int]
    weaknesses: frozenset[Weakness]
    fixed: frozenset[str]


def prepare(fingerprint: Fingerprint, labels: Labels) -> Query:
    return Query(
        fingerprint=fingerprint,
        labels=labels,
        shingles=frozenset(fingerprint.shingles),
        words=frozenset(fingerprint.words),
        body_words=frozenset(fingerprint.body_words),
        ref_keys=frozenset(ref.key for ref in fingerprint.refs),
        families=frozenset(fingerprint.families),
        repos=frozenset(fingerprint.repos),
        identifiers=frozenset(fingerprint.identifiers),
        commits=frozenset(fingerprint.commits),
        cwes=frozenset(fingerprint.cwes),
        weaknesses=frozenset(fingerprint.weaknesses),
        fixed=frozenset(fingerprint.fixed),
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
    _text(query, other, weights, evidence)
    _identifiers(query, other, weights, frequency, evidence)
    _versions(query, other, weights, evidence)
    _weakness(query, other, weights, evidence)
    return evidence


# Evidence that two reports contradict each other, as opposed to merely not agreeing.
CONTRADICTIONS = frozenset(
    {
        EvidenceKind.FIX_CONFLICT,
        EvidenceKind.IDENTIFIER_CONFLICT,
        EvidenceKind.TEXT_CONFLICT,
        EvidenceKind.VERSION_CONFLICT,
        EvidenceKind.CWE_CONFLICT,
    }
)


def against_case(best: list[Evidence], others: list[list[Evidence]]) -> list[Evidence]:
    """The best member's evidence, plus the strongest contradiction with any other member.

    A case is one flaw, so a report that contradicts one of its reports does not belong in
    it even when it resembles another: this stops cases from snowballing through chains of
    look-alikes. Contradictions the best member already shows are not counted twice.
    """
    seen = {item.kind for item in best if item.kind in CONTRADICTIONS}
    worst: Evidence | None = None
    for evidence in others:
        for item in evidence:
            contradicts = item.kind in CONTRADICTIONS and item.kind not in seen
            if contradicts and (worst is None or item.weight < worst.weight):
                worst = item
    if worst is None:
        return best
    return [*best, Evidence(worst.kind, worst.weight, f"with another report: {worst.detail}")]


def _package(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    mine = query
    shared = mine.families.intersection(other.families)
    if shared:
        names = ", ".join(sorted(query.labels.name(f) for f in shared))
        out.append(Evidence(EvidenceKind.PACKAGE, weights.package, f"same package: {names}"))
        return
    repos = mine.repos.intersection(other.repos)
    if repos:
        names = ", ".join(sorted(query.labels.name(r) for r in repos))
        out.append(
            Evidence(EvidenceKind.REPOSITORY, weights.repository, f"same repository: {names}")
        )
        return
    if mine.families and other.families:
        out.append(Evidence(EvidenceKind.PACKAGE, weights.package_mismatch, "no package in common"))


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
    found: list[tuple[float, EvidenceKind, str, RefKind]] = []
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
        found.append((weight, kind, detail, ref.kind))
    found.sort(key=lambda item: (-item[0], item[2]))
    # Further links mostly repeat what the first one says (one release, one thread), except
    # a second *kind* of fix reference: the same commit and the same issue (or pull request)
    # are two records of the work, not one.
    extra = weights.more_references
    fix_kinds: set[RefKind] = set()
    second_kind_counted = False
    for rank, (weight, kind, detail, ref_kind) in enumerate(found):
        is_fix = kind is EvidenceKind.FIX_REFERENCE
        adjusted = weight
        new_kind = is_fix and bool(fix_kinds) and ref_kind not in fix_kinds
        if rank > 0 and new_kind and not second_kind_counted:
            adjusted = min(weight, weights.second_fix_kind)
            second_kind_counted = True
        elif rank > 0:
            adjusted = min(weight, extra)
            extra -= adjusted
        if is_fix:
            fix_kinds.add(ref_kind)
        out.append(Evidence(kind, round(adjusted, 3), detail))
    if query.commits and other.commits and query.commits.isdisjoint(other.commits):
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
    if containment < weights.text_similar_level:
        _words(query, other, weights, containment, out)
        return containment
    # One template filled twice: texts alike as wholes (not one inside a longer one), each
    # with words of its own. A copy inside a longer write-up has extra words on one side only
    # or is much shorter than the other.
    jaccard = common / (len(query.shingles) + len(other.shingles) - common)
    only_mine, only_other = _exclusive(query.body_words, other.body_words)
    if only_mine and only_other and jaccard >= weights.text_similar_level:
        mine_ids = query.identifiers.difference(other.identifiers)
        other_ids = [i for i in other.identifiers if i not in query.identifiers]
        if mine_ids and other_ids:
            names = ", ".join(sorted(query.labels.name(i) for i in mine_ids)[:3])
            kind, detail = EvidenceKind.IDENTIFIER_CONFLICT, f"this report names {names}"
        else:
            kind, detail = EvidenceKind.TEXT_CONFLICT, f"{only_mine} word(s) the other lacks"
        out.append(
            Evidence(
                kind,
                weights.text_template,
                f"{containment:.0%} similar text, each saying something the other does not"
                f" ({detail}): one template, two flaws",
            )
        )
        return containment
    size = min(1.0, smaller / weights.text_full_size)
    if containment >= weights.text_copy_level:
        weight, what = weights.text_copy * size, "copied text"
    else:
        span = weights.text_copy_level - weights.text_similar_level
        share = (containment - weights.text_similar_level) / span
        weight, what = weights.text_copy * 0.5 * share * size, "similar text"
    out.append(
        Evidence(
            EvidenceKind.TEXT,
            round(weight, 3),
            f"{what}: {containment:.0%} of the shorter text's word triples in common",
        )
    )
    return containment


def _exclusive(mine: frozenset[int], other: array[int]) -> tuple[int, int]:
    """How many content words each side has that the other lacks."""
    shared = len(mine.intersection(other))
    return len(mine) - shared, len(other) - shared


def _words(
    query: Query, other: Fingerprint, weights: Weights, containment: float, out: list[Evidence]
) -> None:
    smaller = min(len(query.words), len(other.words))
    if smaller == 0:
        return
    overlap = len(query.words.intersection(other.words)) / smaller
    if overlap < 0.5:
        weight = weights.words_unrelated
    elif overlap >= 0.7:
        weight = weights.words_related
    else:
        return
    out.append(
        Evidence(
            EvidenceKind.TEXT,
            weight,
            f"independent wording: {overlap:.0%} of content words in common"
            f" ({containment:.0%} of word triples)",
        )
    )


def _identifiers(
    query: Query,
    other: Fingerprint,
    weights: Weights,
    frequency: CaseFrequency,
    out: list[Evidence],
) -> None:
    shared = query.identifiers.intersection(other.identifiers)
    if not shared:
        return
    gained = sum(_rarity(weights, weights.identifier, frequency(i)) for i in shared)
    if gained > 0:
        names = ", ".join(sorted(query.labels.name(i) for i in shared)[:5])
        out.append(
            Evidence(
                EvidenceKind.IDENTIFIER,
                round(min(gained, weights.identifier_max), 3),
                f"same identifiers: {names}",
            )
        )


def _versions(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    mine = query.fingerprint
    if not query.fixed.isdisjoint(other.fixed):
        out.append(Evidence(EvidenceKind.VERSION, weights.version, "same fixed version"))
        return
    if (
        mine.intervals
        and other.intervals
        and not any(a.overlaps(b) for a in mine.intervals for b in other.intervals)
    ):
        out.append(
            Evidence(
                EvidenceKind.VERSION_CONFLICT,
                weights.version_conflict,
                "affected version ranges do not overlap",
            )
        )
        return
    if mine.fixed and other.fixed:
        out.append(
            Evidence(
                EvidenceKind.VERSION_CONFLICT,
                weights.fixed_conflict,
                "fixed in different versions",
            )
        )


def _weakness(query: Query, other: Fingerprint, weights: Weights, out: list[Evidence]) -> None:
    mine = query
    if shared_cwes := mine.cwes.intersection(other.cwes):
        names = ", ".join(f"CWE-{n}" for n in sorted(shared_cwes))
        out.append(Evidence(EvidenceKind.CWE, weights.cwe, f"same weakness: {names}"))
        return
    if not mine.weaknesses or not other.weaknesses:
        return
    shared = mine.weaknesses.intersection(other.weaknesses)
    if shared:
        names = ", ".join(sorted(w.value for w in shared))
        out.append(Evidence(EvidenceKind.CWE, weights.weakness, f"same weakness class: {names}"))
    else:
        names = ", ".join(sorted(w.value for w in mine.weaknesses))
        out.append(
            Evidence(
                EvidenceKind.CWE_CONFLICT,
                weights.weakness_conflict,
                f"different weakness classes (this report: {names})",
            )
        )
