"""The case lifecycle as a specification: rules, guards, permissions, and invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.lifecycle import (
    BY_NAME,
    CONFIDENTIAL_STATES,
    PUBLIC_STATES,
    TRANSITIONS,
    CaseFacts,
    CaseState,
    EmbargoState,
    apply,
    checklist,
    render_markdown,
)
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import Actor, CaseResource, OrgId, UserId

COORD = Actor(
    user_id=UserId(1),
    org_id=OrgId(1),
    org_kind=OrgKind.SIRT,
    roles=frozenset({Role.COORDINATOR}),
    mfa_verified=True,
)
ANALYST = Actor(
    user_id=UserId(2),
    org_id=OrgId(1),
    org_kind=OrgKind.SIRT,
    roles=frozenset({Role.ANALYST}),
    mfa_verified=True,
)
MAINTAINER = Actor(
    user_id=UserId(3),
    org_id=OrgId(2),
    org_kind=OrgKind.MAINTAINER,
    roles=frozenset({Role.MAINTAINER}),
)
REPORTER = Actor(
    user_id=UserId(4), org_id=OrgId(3), org_kind=OrgKind.FINDER, roles=frozenset({Role.REPORTER})
)
READ_IN = CaseResource(participant_user_ids=frozenset({UserId(3), UserId(4)}))

READY = CaseFacts(
    state=CaseState.RECEIVED,
    severity_set=True,
    affected_packages=1,
    deadline=datetime(2027, 1, 1, tzinfo=UTC),
    duplicate_of="AK-2026-0001",
    reason="noise",
    maintainer_contact_known=True,
    days_since_maintainer_notified=30,
    embargo=EmbargoState.ACTIVE,
    fix_references=1,
    fixed_versions_known=True,
    advisory_approved=True,
    downstream_participants=1,
)


def test_every_state_is_reachable_from_received() -> None:
    seen = {CaseState.RECEIVED}
    frontier = [CaseState.RECEIVED]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    assert seen == set(CaseState)


def test_no_transition_leads_from_public_back_to_confidential() -> None:
    for t in TRANSITIONS:
        if t.sources & PUBLIC_STATES:
            assert t.target not in CONFIDENTIAL_STATES, t.name


def test_accept_lists_what_is_missing() -> None:
    facts = CaseFacts(state=CaseState.TRIAGE)
    assert checklist(facts)["accept"] == [
        "a severity is assessed",
        "at least one affected package is named",
        "a fix deadline is set",
    ]
    with pytest.raises(InvalidInput, match="not ready: a severity is assessed"):
        apply(COORD, "accept", facts)


def test_wrong_state_is_a_conflict_naming_the_allowed_states() -> None:
    with pytest.raises(Conflict, match="allowed from: triage"):
        apply(COORD, "accept", replace(READY, state=CaseState.RECEIVED))


def test_unknown_transition_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="unknown transition 'teleport'"):
        apply(COORD, "teleport", READY)


def test_permissions_per_transition() -> None:
    triage = replace(READY, state=CaseState.TRIAGE)
    assert apply(ANALYST, "accept", triage).target is CaseState.ACCEPTED
    with pytest.raises(Forbidden):
        apply(
            ANALYST,
            "publish",
            replace(READY, state=CaseState.FIX_READY, embargo=EmbargoState.ENDED),
        )
    fixing = replace(READY, state=CaseState.FIX_IN_PROGRESS)
    assert apply(MAINTAINER, "fix_ready", fixing, READ_IN).target is CaseState.FIX_READY
    with pytest.raises(Forbidden):  # not read in to this case
        apply(MAINTAINER, "fix_ready", fixing, CaseResource())
    with pytest.raises(Forbidden):
        apply(REPORTER, "start_triage", READY, READ_IN)


def test_publish_waits_for_the_embargo() -> None:
    facts = replace(READY, state=CaseState.DOWNSTREAM_NOTIFIED, embargo=EmbargoState.ACTIVE)
    with pytest.raises(InvalidInput, match="embargo has ended"):
        apply(COORD, "publish", facts)
    step = apply(COORD, "publish", replace(facts, embargo=EmbargoState.BROKEN))
    assert step.target is CaseState.PUBLISHED
    assert step.audit_data == {
        "transition": "publish",
        "from": "downstream_notified",
        "to": "published",
    }


def test_lifecycle_doc_is_generated() -> None:
    from pathlib import Path

    doc = Path(__file__).parents[3] / "docs" / "lifecycle.md"
    assert doc.read_text(encoding="utf-8") == render_markdown(), "run 'akrites docs'"


ACTORS = {"coordinator": COORD, "analyst": ANALYST, "maintainer": MAINTAINER, "reporter": REPORTER}


class CaseMachine(RuleBasedStateMachine):
    """Random walks over the lifecycle with random actors and facts."""

    def __init__(self) -> None:
        super().__init__()
        self.facts = CaseFacts(state=CaseState.RECEIVED)
        self.events: list[str] = []
        self.attempts = 0
        self.published = False

    @rule(
        name=st.sampled_from(sorted(BY_NAME)),
        who=st.sampled_from(sorted(ACTORS)),
        severity=st.booleans(),
        packages=st.integers(0, 2),
        deadline=st.booleans(),
        embargo=st.sampled_from(list(EmbargoState)),
        fixes=st.integers(0, 1),
        approved=st.booleans(),
        downstream=st.integers(0, 1),
        silent_days=st.integers(0, 30),
    )
    def attempt(
        self,
        name: str,
        who: str,
        severity: bool,
        packages: int,
        deadline: bool,
        embargo: EmbargoState,
        fixes: int,
        approved: bool,
        downstream: int,
        silent_days: int,
    ) -> None:
        self.facts = replace(
            self.facts,
            severity_set=severity,
            affected_packages=packages,
            deadline=datetime(2027, 1, 1, tzinfo=UTC) if deadline else None,
            duplicate_of="AK-2026-0001",
            reason="r",
            maintainer_contact_known=True,
            embargo=embargo,
            fix_references=fixes,
            fixed_versions_known=bool(fixes),
            advisory_approved=approved,
            downstream_participants=downstream,
            days_since_maintainer_notified=silent_days,
            was_published=self.published,
        )
        actor = ACTORS[who]
        transition = BY_NAME[name]
        before = self.facts.state
        try:
            step = apply(actor, name, self.facts, READ_IN)
        except (Forbidden, Conflict, InvalidInput):
            assert self.facts.state == before
            return
        # Success: permission held, state was allowed, guards held, exactly one event.
        from akrites.domain.policy import authorize

        assert authorize(actor, transition.permission, READ_IN)
        assert before in transition.sources
        assert transition.missing(self.facts) == []
        self.events.append(step.audit_action.value)
        self.attempts += 1
        self.facts = replace(self.facts, state=step.target)
        if step.target is CaseState.PUBLISHED:
            self.published = True

    @invariant()
    def one_event_per_successful_transition(self) -> None:
        assert len(self.events) == self.attempts

    @precondition(lambda self: self.published)
    @invariant()
    def published_case_never_becomes_confidential_again(self) -> None:
        assert self.facts.state not in CONFIDENTIAL_STATES


TestCaseLifecycle = CaseMachine.TestCase
