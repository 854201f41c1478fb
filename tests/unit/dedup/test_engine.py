from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akrites.domain.dedup import (
    Band,
    CaseId,
    DedupEngine,
    Report,
    ReportId,
    keyed_hasher,
)
from akrites.domain.errors import Conflict, NotFound
from tests.unit.dedup.factories import make_report

_PACKAGES = ("widget", "gadget", "gizmo")
_FUNCTIONS = ("parse_header", "load_config", "render_page", "open_archive", "check_token")
_EFFECTS = (
    "execute arbitrary commands",
    "read arbitrary files outside the upload directory",
    "inject arbitrary web script",
)


def _flaw_report(report_id: str, flaw: int, variant: int) -> Report:
    """One of a small pool of flaws, written in one of a few ways (copy, titled, bare)."""
    package = _PACKAGES[flaw % len(_PACKAGES)]
    function = _FUNCTIONS[flaw % len(_FUNCTIONS)]
    effect = _EFFECTS[flaw % len(_EFFECTS)]
    text = (
        f"The `{function}` function in {package} before {flaw}.2.1 allows remote attackers to "
        f"{effect} via a crafted request, because input reaching {function} is not checked."
    )
    commit = f"{flaw:07x}" + "ab" * 16 + "c"
    references = (f"https://github.com/acme/{package}/commit/{commit}",)
    if variant == 1:
        return make_report(report_id, package=package, title=f"{package} flaw", text=text)
    if variant == 2:
        return make_report(report_id, package=package, references=references)
    return make_report(report_id, package=package, text=text, references=references)


_streams = st.lists(
    st.tuples(st.integers(min_value=0, max_value=7), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=25,
).map(
    lambda items: [_flaw_report(f"r{i}", flaw, variant) for i, (flaw, variant) in enumerate(items)]
)


def _cluster(engine: DedupEngine, reports: list[Report]) -> list[tuple[str, str, float, Band]]:
    outcomes: list[tuple[str, str, float, Band]] = []
    for report in reports:
        done = engine.ingest(report)
        outcomes.append((report.id, done.case_id, done.match.score, done.match.band))
    return outcomes


@settings(max_examples=40, deadline=None)
@given(_streams)
def test_same_input_gives_the_same_clustering(reports: list[Report]) -> None:
    assert _cluster(DedupEngine(), reports) == _cluster(DedupEngine(), reports)


@settings(max_examples=30, deadline=None)
@given(_streams)
def test_clustering_does_not_depend_on_the_hash_key(reports: list[Report]) -> None:
    plain = _cluster(DedupEngine(), reports)
    keyed = _cluster(DedupEngine(hasher=keyed_hasher(b"one secret")), reports)
    other = _cluster(DedupEngine(hasher=keyed_hasher(b"another secret")), reports)
    assert plain == keyed == other


@settings(max_examples=40, deadline=None)
@given(_streams)
def test_a_report_never_joins_a_case_opened_after_it(reports: list[Report]) -> None:
    engine = DedupEngine()
    opened: set[str] = set()
    for report in reports:
        done = engine.ingest(report)
        if done.match.band is Band.AUTO:
            assert done.case_id in opened
        else:
            assert str(done.case_id) == str(report.id)
            opened.add(done.case_id)


def test_copies_join_and_distinct_flaws_stay_apart() -> None:
    reports = [_flaw_report("a", 1, 0), _flaw_report("b", 2, 0), _flaw_report("c", 1, 0)]
    outcome = {row[0]: row[1] for row in _cluster(DedupEngine(), reports)}
    assert outcome == {"a": "a", "b": "b", "c": "a"}


def test_ingest_can_name_new_cases() -> None:
    engine = DedupEngine()
    done = engine.ingest(_flaw_report("a", 1, 0), new_case_id=CaseId("AK-2026-0001"))
    assert done.case_id == "AK-2026-0001"
    assert engine.members(CaseId("AK-2026-0001")) == ("a",)


# Coordinator operations, drawn at random and applied to an engine holding a stream.
_operations = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split", "move", "remove"]),
        st.integers(min_value=0, max_value=30),
        st.integers(min_value=0, max_value=30),
    ),
    max_size=15,
)


def _apply(engine: DedupEngine, live: list[str], op: str, a: int, b: int, step: int) -> None:
    if not live:
        return
    report = ReportId(live[a % len(live)])
    other = ReportId(live[b % len(live)])
    if op == "merge":
        engine.merge(engine.case_of(report), engine.case_of(other))
    elif op == "split":
        engine.split(report, CaseId(f"split-{step}"))
    elif op == "move":
        engine.move(report, engine.case_of(other))
    else:
        engine.remove(report)
        live.remove(report)


@settings(max_examples=40, deadline=None)
@given(_streams, _operations)
def test_merges_splits_and_moves_keep_every_report_in_exactly_one_case(
    reports: list[Report], operations: list[tuple[str, int, int]]
) -> None:
    engine = DedupEngine()
    _cluster(engine, reports)
    live: list[str] = [report.id for report in reports]
    for step, (op, a, b) in enumerate(operations):
        _apply(engine, live, op, a, b, step)
    members = [report for case in engine.cases() for report in engine.members(case)]
    assert sorted(members) == sorted(live)
    assert all(engine.members(case) for case in engine.cases())
    assert all(report in engine.members(engine.case_of(ReportId(report))) for report in live)


@settings(max_examples=40, deadline=None)
@given(_streams, _operations)
def test_rebuilding_from_stored_reports_equals_the_incremental_index(
    reports: list[Report], operations: list[tuple[str, int, int]]
) -> None:
    engine = DedupEngine()
    _cluster(engine, reports)
    live: list[str] = [report.id for report in reports]
    for step, (op, a, b) in enumerate(operations):
        _apply(engine, live, op, a, b, step)
    stored = [(report, engine.case_of(report.id)) for report in reports if report.id in live]
    rebuilt = DedupEngine.rebuilt(stored)
    assert rebuilt.snapshot() == engine.snapshot()
    probe = _flaw_report("probe", 3, 0)
    assert rebuilt.match(probe) == engine.match(probe)


def test_merge_of_unknown_case_is_refused() -> None:
    engine = DedupEngine()
    engine.ingest(_flaw_report("a", 1, 0))
    with pytest.raises(NotFound):
        engine.merge(CaseId("a"), CaseId("nope"))


def test_split_into_an_existing_case_is_refused() -> None:
    engine = DedupEngine()
    engine.ingest(_flaw_report("a", 1, 0))
    engine.ingest(_flaw_report("b", 2, 0))
    with pytest.raises(Conflict):
        engine.split(ReportId("a"), CaseId("b"))


def test_adding_a_report_twice_is_refused() -> None:
    engine = DedupEngine()
    report = _flaw_report("a", 1, 0)
    engine.add(report, CaseId("a"))
    with pytest.raises(Conflict):
        engine.add(replace(report), CaseId("b"))


def test_removing_the_last_report_closes_its_case() -> None:
    engine = DedupEngine()
    engine.ingest(_flaw_report("a", 1, 0))
    engine.remove(ReportId("a"))
    assert engine.cases() == []
    assert len(engine) == 0
