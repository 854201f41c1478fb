"""The deduplication engine: match a report against the existing cases, and keep the index.

The Django layer calls `match` for an incoming report and decides from the band; it then
records the outcome with `add` (the report joins a case, new or existing). Coordinators'
merges and splits go through `merge` and `split`. `ingest` does match-then-add in one step
for callers that let the engine decide, such as the `akrites dedup cluster` command.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field

from akrites.domain.dedup.features import Extractor, Fingerprint, Hasher, process_hasher
from akrites.domain.dedup.identity import AliasTable
from akrites.domain.dedup.index import CandidateIndex, Snapshot, anchor_key
from akrites.domain.dedup.model import Band, CaseId, Evidence, MatchResult, Report, ReportId
from akrites.domain.dedup.scoring import (
    Query,
    Thresholds,
    Weights,
    against_case,
    compare,
    order,
    prepare,
    probability,
    total,
)
from akrites.domain.dedup.urls import SPECIFIC_KINDS
from akrites.domain.errors import Conflict

# Votes a shared feature gives a case when picking which cases to score in full.
_VOTE_SPECIFIC = 4.0
_VOTE_LINK = 1.0
_VOTE_IDENTIFIER = 0.5
_VOTE_ANCHOR = 0.25
_MIN_VOTES = 4 * _VOTE_ANCHOR


@dataclass(frozen=True, slots=True)
class EngineConfig:
    weights: Weights = field(default_factory=Weights)
    thresholds: Thresholds = field(default_factory=Thresholds)
    max_cases: int = 5  # candidate cases scored in full, best voted first
    max_members: int = 6  # reports compared per candidate case


@dataclass(frozen=True, slots=True)
class Ingested:
    """What `ingest` did: the match, and the case the report was put in."""

    match: MatchResult
    case_id: CaseId


class DedupEngine:
    def __init__(
        self,
        *,
        config: EngineConfig | None = None,
        hasher: Hasher = process_hasher,
        aliases: AliasTable | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self._extractor = Extractor(hasher=hasher, aliases=aliases)
        self._index = CandidateIndex()

    @classmethod
    def rebuilt(
        cls,
        assignments: Iterable[tuple[Report, CaseId]],
        *,
        config: EngineConfig | None = None,
        hasher: Hasher = process_hasher,
        aliases: AliasTable | None = None,
    ) -> DedupEngine:
        """An engine whose index holds these (report, case) pairs, added in this order."""
        engine = cls(config=config, hasher=hasher, aliases=aliases)
        for report, case_id in assignments:
            engine.add(report, case_id)
        return engine

    # -- matching ----------------------------------------------------------------------------

    def match(self, report: Report) -> MatchResult:
        """The best existing case for `report`, with score, band and evidence. Changes nothing."""
        return self._match(report)[0]

    def _match(self, report: Report) -> tuple[MatchResult, Fingerprint]:
        fingerprint, labels = self._extractor.extract(report)
        query = prepare(fingerprint, labels)
        votes = self._index.candidates(_query_keys(query))
        # Only cases with more in common than one stray text anchor are worth scoring.
        ranked = [
            case_id
            for case_id, vote in heapq.nlargest(
                self.config.max_cases, votes.items(), key=lambda item: (item[1], item[0])
            )
            if vote >= _MIN_VOTES
        ]
        best: tuple[float, int, CaseId, list[Evidence]] | None = None
        weights = self.config.weights
        counted: dict[int, int] = {}

        def frequency(key: int) -> int:  # each feature counted once per match
            if key not in counted:
                counted[key] = self._index.case_frequency(key)
            return counted[key]

        for case_id in ranked:
            compared = [
                compare(query, member, weights, frequency)
                for member in self._index.member_fingerprints(case_id, self.config.max_members)
            ]
            closest = max(compared, key=lambda evidence: total(weights, evidence))
            evidence = against_case(closest, [e for e in compared if e is not closest])
            log_odds = total(weights, evidence)
            opened = self._index.opened_order(case_id)
            if best is None or (log_odds, -opened) > (best[0], -best[1]):
                best = (log_odds, opened, case_id, evidence)
        considered = len(ranked)
        if best is None:
            return MatchResult(report.id, None, 0.0, Band.NEW, (), considered), fingerprint
        score = probability(best[0])
        band = self.config.thresholds.band(score)
        result = MatchResult(report.id, best[2], round(score, 6), band, order(best[3]), considered)
        return result, fingerprint

    def ingest(self, report: Report, *, new_case_id: CaseId | None = None) -> Ingested:
        """Match, then join the matched case on an auto band or open a new case.

        A new case is named `new_case_id`, or after the report when that is not given.
        """
        result, fingerprint = self._match(report)
        if result.band is Band.AUTO and result.case_id is not None:
            case_id = result.case_id
        else:
            case_id = new_case_id if new_case_id is not None else CaseId(report.id)
            if self._index.has_case(case_id):
                raise Conflict(f"case {case_id} already exists: a new case needs a new id")
        self._index.add(report.id, case_id, fingerprint)
        return Ingested(match=result, case_id=case_id)

    # -- keeping the index -------------------------------------------------------------------

    def add(self, report: Report, case_id: CaseId) -> None:
        """Record that `report` belongs to `case_id` (a new case when the id is unknown)."""
        fingerprint, _labels = self._extractor.extract(report)
        self._index.add(report.id, case_id, fingerprint)

    def remove(self, report_id: ReportId) -> None:
        """Forget a report (withdrawn, or deleted); an emptied case goes with it."""
        self._index.remove(report_id)

    def move(self, report_id: ReportId, case_id: CaseId) -> None:
        self._index.move(report_id, case_id)

    def merge(self, into: CaseId, other: CaseId) -> None:
        """A coordinator merged `other` into `into`."""
        self._index.merge(into, other)

    def split(self, report_id: ReportId, new_case_id: CaseId) -> None:
        """A coordinator split a report out of its case into a new case."""
        if self._index.has_case(new_case_id):
            members = self._index.members(new_case_id)
            if members != (report_id,):
                raise Conflict(f"case {new_case_id} already exists: split needs a new case id")
        self._index.move(report_id, new_case_id)

    def case_of(self, report_id: ReportId) -> CaseId:
        return self._index.case_of(report_id)

    def members(self, case_id: CaseId) -> tuple[ReportId, ...]:
        return self._index.members(case_id)

    def cases(self) -> list[CaseId]:
        return list(self._index.cases())

    def __len__(self) -> int:
        return len(self._index)

    def snapshot(self) -> Snapshot:
        return self._index.snapshot()


def _query_keys(query: Query) -> list[tuple[int, float]]:
    keys: dict[int, float] = {}
    for ref in query.fingerprint.refs:
        keys[ref.key] = _VOTE_SPECIFIC if ref.kind in SPECIFIC_KINDS else _VOTE_LINK
    keys.update((ident, _VOTE_IDENTIFIER) for ident in query.fingerprint.identifiers)
    keys.update((anchor_key(a), _VOTE_ANCHOR) for a in query.fingerprint.anchors)
    return list(keys.items())
