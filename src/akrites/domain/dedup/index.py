"""The in-memory candidate index: which reports form which case, and who shares what.

Postings map a hashed feature (a link, a code identifier, a winnowed text anchor) to the
reports carrying it, so finding candidates for a report costs a few dictionary look-ups,
whatever the number of cases. Postings hold reports, not cases: merging, splitting or
moving a report between cases only rewrites the report's case, never a posting.

The index is a pure function of its (report, case) pairs: `rebuilt` from the same pairs in
the same order gives an equal `snapshot` to any sequence of incremental operations that
ended with those pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from akrites.domain.dedup.features import Fingerprint
from akrites.domain.dedup.model import CaseId, ReportId
from akrites.domain.errors import Conflict, NotFound

# A feature carried by more reports than this is common (a project-wide release note, a
# boilerplate sentence): it is not worth counting precisely.
COMMON = 64
# Candidates come only from features carried by at most this many reports: a feature that
# many reports share singles none of them out, and scanning it would make the cost of a
# match grow with the size of the index.
SELECTIVE = 16


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A comparable view of an index: cases with their reports, and every posting."""

    cases: dict[CaseId, tuple[ReportId, ...]]
    postings: dict[int, tuple[ReportId, ...]]


class CandidateIndex:
    def __init__(self) -> None:
        self._next_serial = 0
        self._serial: dict[ReportId, int] = {}
        self._report_id: dict[int, ReportId] = {}
        self._fingerprint: dict[int, Fingerprint] = {}
        self._case_of: dict[int, CaseId] = {}
        self._members: dict[CaseId, list[int]] = {}
        # A key carried by one report maps to that report's serial; by several, to a list of
        # them. Most keys are carried by one report, and a list each would double the memory.
        self._postings: dict[int, int | list[int]] = {}

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._serial)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._serial

    def case_of(self, report_id: ReportId) -> CaseId:
        return self._case_of[self._serial_of(report_id)]

    def members(self, case_id: CaseId) -> tuple[ReportId, ...]:
        """The case's reports, oldest first."""
        serials = self._members.get(case_id)
        if serials is None:
            raise NotFound(f"case {case_id} is not in the deduplication index")
        return tuple(self._report_id[s] for s in serials)

    def cases(self) -> Iterator[CaseId]:
        return iter(self._members)

    def has_case(self, case_id: CaseId) -> bool:
        return case_id in self._members

    def fingerprint(self, report_id: ReportId) -> Fingerprint:
        return self._fingerprint[self._serial_of(report_id)]

    def case_frequency(self, key: int) -> int:
        """How many cases carry `key`; at least `COMMON` when more reports than that do."""
        posting = self._postings.get(key)
        if posting is None:
            return 0
        if isinstance(posting, int):
            return 1
        if len(posting) > COMMON:
            return len(posting)
        return len({self._case_of[s] for s in posting})

    def candidates(self, keys: Iterable[tuple[int, float]]) -> dict[CaseId, float]:
        """Cases sharing any of the (key, vote) pairs, with the summed votes per case.

        A case gets each key's vote once however many of its reports carry the key.
        """
        votes: dict[CaseId, float] = {}
        for key, vote in keys:
            posting = self._postings.get(key)
            if posting is None:
                continue
            if isinstance(posting, int):
                case_id = self._case_of[posting]
                votes[case_id] = votes.get(case_id, 0.0) + vote
                continue
            if len(posting) > SELECTIVE:
                continue
            for case_id in {self._case_of[s] for s in posting}:
                votes[case_id] = votes.get(case_id, 0.0) + vote
        return votes

    def member_fingerprints(self, case_id: CaseId, limit: int) -> list[Fingerprint]:
        """Up to `limit` reports of the case: the oldest and the newest ones."""
        serials = self._members[case_id]
        if len(serials) > limit:
            serials = serials[:1] + serials[-(limit - 1) :]
        return [self._fingerprint[s] for s in serials]

    def opened_order(self, case_id: CaseId) -> int:
        """A sort key: cases whose oldest report came first sort first."""
        return self._members[case_id][0]

    # -- writing -----------------------------------------------------------------------------

    def add(self, report_id: ReportId, case_id: CaseId, fingerprint: Fingerprint) -> None:
        if report_id in self._serial:
            raise Conflict(f"report {report_id} is already in case {self.case_of(report_id)}")
        serial = self._next_serial
        self._next_serial += 1
        self._serial[report_id] = serial
        self._report_id[serial] = report_id
        self._fingerprint[serial] = fingerprint
        self._case_of[serial] = case_id
        self._members.setdefault(case_id, []).append(serial)
        for key in posted_keys(fingerprint):
            posting = self._postings.get(key)
            if posting is None:
                self._postings[key] = serial
            elif isinstance(posting, int):
                self._postings[key] = [posting, serial]
            else:
                posting.append(serial)

    def remove(self, report_id: ReportId) -> CaseId:
        """Forget a report; its case goes when it was the last one. Returns the old case."""
        serial = self._serial_of(report_id)
        fingerprint = self._fingerprint.pop(serial)
        for key in posted_keys(fingerprint):
            posting = self._postings[key]
            if isinstance(posting, int):
                del self._postings[key]
                continue
            posting.remove(serial)
            if len(posting) == 1:
                self._postings[key] = posting[0]
        case_id = self._detach(serial)
        del self._serial[report_id], self._report_id[serial], self._case_of[serial]
        return case_id

    def move(self, report_id: ReportId, case_id: CaseId) -> None:
        """Put a report in another (possibly new) case."""
        serial = self._serial_of(report_id)
        if self._case_of[serial] == case_id:
            return
        self._detach(serial)
        self._case_of[serial] = case_id
        members = self._members.setdefault(case_id, [])
        members.append(serial)
        members.sort()

    def merge(self, into: CaseId, other: CaseId) -> None:
        """Move every report of `other` into `into`; `other` ceases to exist."""
        if into == other:
            return
        moving = self._members.get(other)
        if moving is None or into not in self._members:
            missing = other if moving is None else into
            raise NotFound(f"case {missing} is not in the deduplication index")
        for serial in moving:
            self._case_of[serial] = into
        self._members[into] = sorted(self._members[into] + moving)
        del self._members[other]

    def snapshot(self) -> Snapshot:
        cases = {
            case_id: tuple(self._report_id[s] for s in serials)
            for case_id, serials in sorted(self._members.items())
        }
        postings = {
            key: tuple(sorted(self._report_id[s] for s in _serials(posting)))
            for key, posting in self._postings.items()
        }
        return Snapshot(cases=cases, postings=postings)

    def _detach(self, serial: int) -> CaseId:
        case_id = self._case_of[serial]
        members = self._members[case_id]
        members.remove(serial)
        if not members:
            del self._members[case_id]
        return case_id

    def _serial_of(self, report_id: ReportId) -> int:
        serial = self._serial.get(report_id)
        if serial is None:
            raise NotFound(f"report {report_id} is not in the deduplication index")
        return serial


def posted_keys(fingerprint: Fingerprint) -> set[int]:
    """The keys a report is posted under: links, identifiers and text anchors.

    Text anchors live in their own key space (32-bit values shifted above 2**64), so they can
    never be confused with a 64-bit link or identifier hash.
    """
    keys = {ref.key for ref in fingerprint.refs}
    keys.update(fingerprint.identifiers)
    keys.update(anchor_key(a) for a in fingerprint.anchors)
    return keys


def anchor_key(anchor: int) -> int:
    return anchor + (1 << 64)


def _serials(posting: int | list[int]) -> list[int]:
    return [posting] if isinstance(posting, int) else posting
