"""The advisory's lifecycle: data, permissions, and "once public, always public"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.lifecycle import (
    ADVISORY_PUBLIC,
    ADVISORY_TRANSITIONS,
    AdvisoryFacts,
    AdvisoryState,
    advisory_apply,
    advisory_checklist,
)
from tests.unit.domain.test_lifecycle import ANALYST, COORD

READY = AdvisoryFacts(
    state=AdvisoryState.DRAFT, embargo_over=True, release_at_known=True, reason="because"
)


def test_no_step_leads_from_public_back_to_confidential() -> None:
    for t in ADVISORY_TRANSITIONS:
        if t.sources & ADVISORY_PUBLIC:
            assert t.target in ADVISORY_PUBLIC, t.name


def test_publishing_needs_a_complete_record_and_the_embargo_over() -> None:
    facts = AdvisoryFacts(state=AdvisoryState.APPROVED, missing_fields=("a title",))
    assert advisory_checklist(facts)["publish"] == [
        "a title",
        "the embargo has ended (or was broken)",
    ]
    with pytest.raises(InvalidInput, match="a title"):
        advisory_apply(COORD, "publish", facts)


def test_unknown_wrong_state_and_unpermitted_steps_are_refused() -> None:
    with pytest.raises(InvalidInput):
        advisory_apply(COORD, "leak", READY)
    with pytest.raises(Conflict):
        advisory_apply(COORD, "publish", READY)
    with pytest.raises(Forbidden):
        advisory_apply(ANALYST, "submit_for_review", READY)


@given(
    st.sampled_from(list(AdvisoryState)),
    st.sampled_from([t.name for t in ADVISORY_TRANSITIONS]),
    st.booleans(),
    st.booleans(),
)
def test_a_step_succeeds_exactly_when_state_guards_and_permission_allow(
    state: AdvisoryState, name: str, complete: bool, embargo_over: bool
) -> None:
    facts = AdvisoryFacts(
        state=state,
        missing_fields=() if complete else ("a severity",),
        embargo_over=embargo_over,
        release_at_known=True,
        reason="why",
    )
    transition = next(t for t in ADVISORY_TRANSITIONS if t.name == name)
    allowed = state in transition.sources and not transition.missing(facts)
    for actor, permitted in ((COORD, True), (ANALYST, False)):
        if allowed and permitted:
            assert advisory_apply(actor, name, facts).target is transition.target
        else:
            with pytest.raises((InvalidInput, Conflict, Forbidden)):
                advisory_apply(actor, name, facts)
