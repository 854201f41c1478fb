from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.dedup import Band, DedupEngine, Evidence, EvidenceKind, Thresholds
from akrites.domain.dedup.scoring import order, probability
from tests.unit.dedup.factories import (
    REPO,
    fixed_range,
    make_report,
    sqli_report,
    xss_report,
)


@pytest.mark.parametrize(
    ("score", "band"),
    [(0.99, Band.AUTO), (0.98, Band.AUTO), (0.979, Band.SUGGEST), (0.5, Band.SUGGEST),
     (0.49, Band.NEW), (0.0, Band.NEW)],
)  # fmt: skip
def test_default_bands_follow_the_score(score: float, band: Band) -> None:
    assert Thresholds().band(score) is band


@pytest.mark.parametrize(("auto", "suggest"), [(0.5, 0.9), (1.0, 0.5), (0.9, 0.0)])
def test_thresholds_must_be_ordered_probabilities(auto: float, suggest: float) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(auto=auto, suggest=suggest)


@given(st.floats(min_value=-50, max_value=50), st.floats(min_value=-50, max_value=50))
def test_probability_is_monotonic_and_bounded(a: float, b: float) -> None:
    assert 0.0 <= probability(a) <= 1.0
    if a < b:
        assert probability(a) <= probability(b)


_evidence = st.builds(
    Evidence,
    st.sampled_from(list(EvidenceKind)),
    st.floats(min_value=-6, max_value=6, allow_nan=False),
    st.text(max_size=5),
)


@given(st.lists(_evidence, max_size=12), st.randoms(use_true_random=False))
def test_evidence_is_ordered_strongest_first_whatever_the_input_order(
    evidence: list[Evidence], rnd: object
) -> None:
    shuffled = list(evidence)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    ordered = order(evidence)
    assert ordered == order(shuffled)
    assert sorted(ordered, key=repr) == sorted(evidence, key=repr)
    strengths = [abs(item.weight) for item in ordered]
    assert strengths == sorted(strengths, reverse=True)


def _kinds(evidence: tuple[Evidence, ...]) -> set[EvidenceKind]:
    return {item.kind for item in evidence}


def test_copied_report_auto_merges_and_says_why() -> None:
    engine = DedupEngine()
    engine.add(xss_report("first"), engine_case := "case-1")  # type: ignore[arg-type]
    result = engine.match(xss_report("second", title="XSS in widget comments", fixed=None))
    assert result.case_id == engine_case
    assert result.band is Band.AUTO
    kinds = _kinds(result.evidence)
    assert {EvidenceKind.PACKAGE, EvidenceKind.FIX_REFERENCE, EvidenceKind.TEXT} <= kinds
    fix = next(e for e in result.evidence if e.kind is EvidenceKind.FIX_REFERENCE)
    assert "commit" in fix.detail
    assert "4f2a9c8" in fix.detail
    assert result.evidence == order(list(result.evidence))


def test_distinct_flaws_of_one_package_stay_apart() -> None:
    engine = DedupEngine()
    engine.add(xss_report("xss"), "case-xss")  # type: ignore[arg-type]
    result = engine.match(sqli_report("sqli"))
    assert result.band is Band.NEW


def test_one_template_filled_twice_is_evidence_of_two_flaws() -> None:
    template = (
        "The {name} package for Python, as distributed on PyPI, included a code-execution "
        "backdoor inserted by a third party. The backdoor is the {dep} package. The affected "
        "version is 0.1.0."
    )
    engine = DedupEngine()
    first = make_report("a", text=template.format(name="toolkit", dep="netpkg"))
    engine.add(first, "case-a")  # type: ignore[arg-type]
    result = engine.match(make_report("b", text=template.format(name="toolkit", dep="filepkg")))
    assert result.band is not Band.AUTO
    assert EvidenceKind.TEXT_CONFLICT in _kinds(result.evidence)


def test_different_fix_commits_argue_for_different_flaws() -> None:
    engine = DedupEngine()
    engine.add(xss_report("a"), "case-a")  # type: ignore[arg-type]
    other_fix = (f"{REPO}/commit/0123456789abcdef0123456789abcdef01234567",)
    result = engine.match(xss_report("b", references=other_fix))
    conflict = [e for e in result.evidence if e.kind is EvidenceKind.FIX_CONFLICT]
    assert conflict
    assert conflict[0].weight < 0


def test_disjoint_affected_versions_argue_for_different_flaws() -> None:
    notes = ("https://widget.example.org/security/",)
    engine = DedupEngine()
    engine.add(xss_report("a", references=notes), "case-a")  # type: ignore[arg-type]
    later = make_report("b", text=XSS_LATER, references=notes)
    later = replace(
        later, packages=(replace(later.packages[0], ranges=(fixed_range("5.0.3", "5.0.0"),)),)
    )
    result = engine.match(later)
    assert result.case_id == "case-a"
    assert EvidenceKind.VERSION_CONFLICT in _kinds(result.evidence)
    assert result.band is Band.NEW


XSS_LATER = (
    "Widget from 5.0.0 before 5.0.3 lets a crafted comment run script in the admin page "
    "through the moderation queue preview."
)


def test_same_fix_in_a_renamed_package_joins_through_the_alias_table() -> None:
    from akrites.domain.dedup import AliasTable

    aliases = AliasTable.from_groups([("pypi:widget", "pypi:widget-ng")])
    engine = DedupEngine(aliases=aliases)
    engine.add(xss_report("a"), "case-a")  # type: ignore[arg-type]
    result = engine.match(xss_report("b", package="Widget_NG"))
    assert result.case_id == "case-a"
    package = next(e for e in result.evidence if e.kind is EvidenceKind.PACKAGE)
    assert package.weight > 0


def test_no_candidate_means_a_new_case_with_no_evidence() -> None:
    result = DedupEngine().match(xss_report("lonely"))
    assert result.case_id is None
    assert result.band is Band.NEW
    assert result.evidence == ()


def test_a_second_kind_of_fix_reference_counts_but_repeated_links_do_not_add_up() -> None:
    commit = f"{REPO}/commit/4f2a9c81d3e5b7a6c0f1e2d3c4b5a69788796a5b"
    pages = tuple(f"https://lists.example.org/announce/{n}.html" for n in range(6))
    links = (commit, f"{REPO}/issues/77", *pages)
    engine = DedupEngine()
    engine.add(make_report("a", text=XSS_LATER, references=links), "case-a")  # type: ignore[arg-type]
    result = engine.match(make_report("b", text=SQLI_LIKE, references=links))
    fixes = sorted(
        (e.weight for e in result.evidence if e.kind is EvidenceKind.FIX_REFERENCE), reverse=True
    )
    weights = DedupEngine().config.weights
    assert fixes == [weights.fix_reference, weights.second_fix_kind]
    pages_total = sum(e.weight for e in result.evidence if e.kind is EvidenceKind.REFERENCE)
    assert pages_total <= weights.more_references


SQLI_LIKE = "Widget's moderation preview renders comment bodies as HTML for administrators."
