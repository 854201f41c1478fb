"""The embargo negotiation as a specification: who must agree, the policy caps, how it
ends or breaks, and the invariants no sequence of moves may violate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from akrites.domain.embargo import (
    AGREED,
    BY_MOVE,
    FINAL,
    REQUIRED_ROLES,
    RULES,
    Audience,
    BreakReason,
    Embargo,
    EmbargoAction,
    EmbargoStatus,
    EndKind,
    Move,
    Outcome,
    Party,
    PartyRole,
    accept,
    break_embargo,
    counter_propose,
    end,
    enforce_cap,
    propose,
    read_in,
)
from akrites.domain.embargo_docs import render_markdown
from akrites.domain.embargo_policy import (
    DEFAULT_POLICY,
    CapRule,
    EmbargoPolicy,
    Timeline,
    binding_cap,
    cap_for,
    in_time_zone,
    reminder_schedule,
    reminders,
)
from akrites.domain.errors import AkritesError, Conflict, Forbidden, InvalidInput
from akrites.domain.lifecycle import EmbargoState as CaseEmbargo
from akrites.domain.policy import OrgId

DAY = timedelta(days=1)
REPORTED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = REPORTED + 10 * DAY
TIMELINE = Timeline(started_at=REPORTED)

COORD, MAINT, REP, DIST = OrgId(1), OrgId(2), OrgId(3), OrgId(4)
PARTIES = frozenset(
    {
        Party(COORD, PartyRole.COORDINATOR),
        Party(MAINT, PartyRole.MAINTAINER),
        Party(REP, PartyRole.REPORTER),
    }
)
ST = EmbargoStatus


def proposed(end_at: datetime = NOW + 30 * DAY, parties: frozenset[Party] = PARTIES) -> Embargo:
    return propose(parties=parties, by=COORD, end_at=end_at, now=NOW, timeline=TIMELINE).embargo


def active(end_at: datetime = NOW + 30 * DAY) -> Embargo:
    return accept(proposed(end_at), by=MAINT, now=NOW, timeline=TIMELINE).embargo


def actions(outcome: Outcome) -> list[EmbargoAction]:
    return [e.action for e in outcome.events]


# --- negotiation -------------------------------------------------------------------------


def test_a_proposal_awaits_the_maintainer_and_counts_the_proposer_as_accepting() -> None:
    outcome = propose(parties=PARTIES, by=COORD, end_at=NOW + 30 * DAY, now=NOW, timeline=TIMELINE)
    embargo = outcome.embargo
    assert embargo.status is ST.PROPOSED
    assert embargo.case_fact is CaseEmbargo.PROPOSED
    assert embargo.end_at is None
    assert embargo.awaiting == {MAINT}
    assert actions(outcome) == [EmbargoAction.PROPOSED]
    assert outcome.events[0].notify is Audience.PARTIES
    assert outcome.events[0].data == {"end_at": (NOW + 30 * DAY).isoformat()}


def test_the_embargo_is_active_once_coordinator_and_maintainer_accept() -> None:
    outcome = accept(proposed(), by=MAINT, now=NOW, timeline=TIMELINE)
    assert outcome.embargo.status is ST.ACTIVE
    assert outcome.embargo.case_fact is CaseEmbargo.ACTIVE
    assert outcome.embargo.end_at == NOW + 30 * DAY
    assert outcome.embargo.proposal is None
    assert actions(outcome) == [EmbargoAction.ACCEPTED, EmbargoAction.AGREED]


def test_the_reporters_acceptance_is_recorded_but_not_required() -> None:
    outcome = accept(proposed(), by=REP, now=NOW, timeline=TIMELINE)
    assert outcome.embargo.status is ST.PROPOSED
    assert outcome.embargo.proposal is not None
    assert REP in outcome.embargo.proposal.accepted_by
    assert outcome.embargo.awaiting == {MAINT}


def test_without_a_maintainer_the_coordinators_proposal_is_agreed_at_once() -> None:
    last_resort = frozenset({Party(COORD, PartyRole.COORDINATOR), Party(REP, PartyRole.REPORTER)})
    outcome = propose(
        parties=last_resort, by=COORD, end_at=NOW + 30 * DAY, now=NOW, timeline=TIMELINE
    )
    assert outcome.embargo.status is ST.ACTIVE
    assert actions(outcome) == [EmbargoAction.PROPOSED, EmbargoAction.AGREED]


def test_every_maintainer_must_accept() -> None:
    parties = PARTIES | {Party(OrgId(7), PartyRole.MAINTAINER)}
    embargo = accept(proposed(parties=parties), by=MAINT, now=NOW, timeline=TIMELINE).embargo
    assert embargo.status is ST.PROPOSED
    assert embargo.awaiting == {OrgId(7)}
    assert accept(embargo, by=OrgId(7), now=NOW, timeline=TIMELINE).embargo.status is ST.ACTIVE


def test_a_counter_proposal_before_agreement_replaces_the_pending_date() -> None:
    outcome = counter_propose(
        proposed(), by=MAINT, end_at=NOW + 20 * DAY, now=NOW, timeline=TIMELINE
    )
    embargo = outcome.embargo
    assert embargo.status is ST.PROPOSED
    assert embargo.proposal is not None
    assert embargo.proposal.end_at == NOW + 20 * DAY
    assert embargo.awaiting == {COORD}  # earlier acceptances do not carry over
    assert actions(outcome) == [EmbargoAction.COUNTER_PROPOSED]
    agreed = accept(embargo, by=COORD, now=NOW, timeline=TIMELINE).embargo
    assert agreed.end_at == NOW + 20 * DAY


def test_a_revision_leaves_the_agreed_date_binding_until_accepted() -> None:
    revised = counter_propose(
        active(), by=REP, end_at=NOW + 40 * DAY, now=NOW, timeline=TIMELINE
    ).embargo
    assert revised.status is ST.REVISED
    assert revised.case_fact is CaseEmbargo.ACTIVE
    assert revised.end_at == NOW + 30 * DAY
    assert revised.awaiting == {COORD, MAINT}
    half = accept(revised, by=COORD, now=NOW, timeline=TIMELINE).embargo
    assert half.status is ST.REVISED
    outcome = accept(half, by=MAINT, now=NOW, timeline=TIMELINE)
    assert outcome.embargo.status is ST.ACTIVE
    assert outcome.embargo.end_at == NOW + 40 * DAY
    assert outcome.events[-1].data == {
        "end_at": (NOW + 40 * DAY).isoformat(),
        "previous_end_at": (NOW + 30 * DAY).isoformat(),
    }


def test_proposing_the_pending_or_agreed_date_again_is_refused() -> None:
    with pytest.raises(InvalidInput, match="already proposed: accept it instead"):
        counter_propose(proposed(), by=MAINT, end_at=NOW + 30 * DAY, now=NOW, timeline=TIMELINE)
    with pytest.raises(InvalidInput, match="already the agreed end"):
        counter_propose(active(), by=MAINT, end_at=NOW + 30 * DAY, now=NOW, timeline=TIMELINE)


def test_accepting_twice_or_with_nothing_pending_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="already accepted"):
        accept(proposed(), by=COORD, now=NOW, timeline=TIMELINE)
    with pytest.raises(Conflict, match="an embargo that is active does not allow 'accept'"):
        accept(active(), by=REP, now=NOW, timeline=TIMELINE)


def test_who_may_propose() -> None:
    with pytest.raises(Forbidden, match="may propose") as caught:
        propose(parties=PARTIES, by=REP, end_at=NOW + DAY, now=NOW, timeline=TIMELINE)
    assert caught.value.field == "by"
    with pytest.raises(Forbidden):
        propose(parties=PARTIES, by=OrgId(99), end_at=NOW + DAY, now=NOW, timeline=TIMELINE)
    maintainer = propose(parties=PARTIES, by=MAINT, end_at=NOW + DAY, now=NOW, timeline=TIMELINE)
    assert maintainer.embargo.awaiting == {COORD}


def test_the_parties_must_include_the_coordinator_once_each() -> None:
    with pytest.raises(InvalidInput, match="needs the coordinator") as caught:
        propose(
            parties=[Party(MAINT, PartyRole.MAINTAINER)],
            by=MAINT,
            end_at=NOW + DAY,
            now=NOW,
            timeline=TIMELINE,
        )
    assert caught.value.field == "parties"
    with pytest.raises(InvalidInput, match="twice"):
        propose(
            parties=[*PARTIES, Party(MAINT, PartyRole.VENDOR)],
            by=COORD,
            end_at=NOW + DAY,
            now=NOW,
            timeline=TIMELINE,
        )


def test_a_non_party_cannot_answer() -> None:
    with pytest.raises(Forbidden, match="organisation 42 is not a party"):
        accept(proposed(), by=OrgId(42), now=NOW, timeline=TIMELINE)


# --- dates and caps ----------------------------------------------------------------------


def test_a_date_in_the_past_is_refused_naming_the_field() -> None:
    for when in (NOW, NOW - DAY):
        with pytest.raises(InvalidInput, match="is not in the future") as caught:
            propose(parties=PARTIES, by=COORD, end_at=when, now=NOW, timeline=TIMELINE)
        assert caught.value.field == "end_at"


def test_a_date_beyond_the_cap_is_refused_with_the_cap_in_the_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        propose(parties=PARTIES, by=COORD, end_at=REPORTED + 91 * DAY, now=NOW, timeline=TIMELINE)
    assert caught.value.field == "end_at"
    assert "beyond the policy cap 2026-05-30 12:00:00 UTC" in caught.value.message
    assert "90 days after the first report" in caught.value.message
    at_cap = REPORTED + 90 * DAY
    assert proposed(at_cap).proposal is not None


def test_a_naive_date_is_refused_and_other_zones_are_stored_in_utc() -> None:
    with pytest.raises(InvalidInput, match="must carry a time zone") as caught:
        proposed(datetime(2026, 4, 1, 12, 0))  # noqa: DTZ001 - the naive input under test
    assert caught.value.field == "end_at"
    athens = timezone(timedelta(hours=3))
    embargo = proposed(datetime(2026, 4, 1, 15, 0, tzinfo=athens))
    assert embargo.proposal is not None
    assert embargo.proposal.end_at == datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    assert embargo.proposal.end_at.tzinfo is UTC


def test_caps_are_measured_from_their_own_start_and_the_earliest_applies() -> None:
    assert cap_for(DEFAULT_POLICY, started_at=REPORTED) == REPORTED + 90 * DAY
    read_in_at = REPORTED + 80 * DAY
    assert cap_for(DEFAULT_POLICY, started_at=REPORTED, distributions_read_in_at=read_in_at) == (
        REPORTED + 90 * DAY
    )
    read_in_at = REPORTED + 30 * DAY
    assert cap_for(DEFAULT_POLICY, started_at=REPORTED, distributions_read_in_at=read_in_at) == (
        read_in_at + 14 * DAY
    )
    cap = binding_cap(DEFAULT_POLICY, Timeline(REPORTED, read_in_at, REPORTED + 40 * DAY))
    assert (cap.at, cap.rule) == (read_in_at + 14 * DAY, CapRule.DISTRIBUTIONS)
    exploited = REPORTED + 33 * DAY
    cap = binding_cap(DEFAULT_POLICY, Timeline(REPORTED, read_in_at, exploited))
    assert (cap.at, cap.rule) == (exploited + 7 * DAY, CapRule.EXPLOITED)
    tie = binding_cap(DEFAULT_POLICY, Timeline(REPORTED, read_in_at, REPORTED + 37 * DAY))
    assert (tie.at, tie.rule) == (read_in_at + 14 * DAY, CapRule.EXPLOITED)
    assert cap.explanation == "7 days after exploitation became known"


def test_caps_come_from_the_policy() -> None:
    strict = EmbargoPolicy(overall=45 * DAY, after_distributions=7 * DAY, when_exploited=2 * DAY)
    assert cap_for(strict, started_at=REPORTED) == REPORTED + 45 * DAY
    with pytest.raises(InvalidInput) as caught:
        EmbargoPolicy(when_exploited=timedelta(0))
    assert caught.value.field == "when_exploited"
    with pytest.raises(InvalidInput):
        EmbargoPolicy(reminders=(DAY, -DAY))


def test_no_date_is_possible_once_the_cap_has_passed() -> None:
    exploited = Timeline(REPORTED, exploited_since=NOW - 8 * DAY)
    with pytest.raises(InvalidInput, match="end or break the embargo"):
        propose(parties=PARTIES, by=COORD, end_at=NOW + DAY, now=NOW, timeline=exploited)


def test_accepting_rechecks_the_cap_as_it_stands_now() -> None:
    exploited = Timeline(REPORTED, exploited_since=NOW)
    with pytest.raises(InvalidInput, match="7 days after exploitation became known") as caught:
        accept(proposed(NOW + 30 * DAY), by=MAINT, now=NOW, timeline=exploited)
    assert caught.value.field == "end_at"


def test_exploitation_shortens_an_agreed_date_without_asking() -> None:
    revised = counter_propose(
        active(NOW + 30 * DAY), by=MAINT, end_at=NOW + 40 * DAY, now=NOW, timeline=TIMELINE
    ).embargo
    exploited = Timeline(REPORTED, exploited_since=NOW + DAY)
    outcome = enforce_cap(revised, now=NOW + DAY, timeline=exploited)
    assert outcome.embargo.end_at == NOW + 8 * DAY
    assert outcome.embargo.status is ST.ACTIVE  # the pending change beyond the cap is dropped
    assert actions(outcome) == [EmbargoAction.SHORTENED]
    assert outcome.events[0].data["cap"] == "exploited"
    assert outcome.events[0].data["pending_change_dropped"] == "yes"


def test_enforcing_a_cap_that_holds_changes_nothing() -> None:
    embargo = active()
    outcome = enforce_cap(embargo, now=NOW, timeline=TIMELINE)
    assert outcome.embargo is embargo
    assert outcome.events == ()
    pending = proposed()
    assert enforce_cap(pending, now=NOW, timeline=Timeline(REPORTED, None, NOW)).events == ()


def test_reading_in_a_distribution_starts_the_14_day_clock() -> None:
    later = NOW + 5 * DAY
    distro = Party(DIST, PartyRole.DISTRIBUTOR)
    with pytest.raises(InvalidInput) as caught:
        read_in(active(), party=distro, by=COORD, now=later, timeline=TIMELINE)
    assert caught.value.field == "distributions_read_in_at"
    timeline = replace(TIMELINE, distributions_read_in_at=later)
    outcome = read_in(active(), party=distro, by=COORD, now=later, timeline=timeline)
    assert outcome.embargo.party(DIST) == distro
    assert outcome.embargo.end_at == later + 14 * DAY
    assert actions(outcome) == [EmbargoAction.PARTY_READ_IN, EmbargoAction.SHORTENED]
    assert outcome.events[0].data == {"org_id": "4", "role": "distributor"}


def test_only_the_coordinator_reads_in_and_only_once() -> None:
    vendor = Party(OrgId(5), PartyRole.VENDOR)
    timeline = replace(TIMELINE, distributions_read_in_at=NOW)
    with pytest.raises(Forbidden, match="a maintainer cannot 'read_in'"):
        read_in(active(), party=vendor, by=MAINT, now=NOW, timeline=timeline)
    with pytest.raises(Conflict, match="already a party") as caught:
        read_in(
            active(), party=Party(MAINT, PartyRole.MAINTAINER), by=COORD, now=NOW, timeline=timeline
        )
    assert caught.value.field == "party"


def test_once_the_date_has_come_it_can_only_end() -> None:
    embargo = active(NOW + 30 * DAY)
    later = NOW + 30 * DAY
    with pytest.raises(Conflict, match="has come"):
        counter_propose(embargo, by=MAINT, end_at=later + DAY, now=later, timeline=TIMELINE)
    revised = counter_propose(
        embargo, by=MAINT, end_at=NOW + 40 * DAY, now=NOW, timeline=TIMELINE
    ).embargo
    with pytest.raises(Conflict, match="has come"):
        accept(revised, by=COORD, now=later, timeline=TIMELINE)
    assert revised.due(later)
    assert not revised.due(later - timedelta(seconds=1))


# --- ending and breaking -----------------------------------------------------------------


def test_the_scheduler_ends_it_on_schedule_dropping_a_pending_change() -> None:
    revised = counter_propose(
        active(NOW + 30 * DAY), by=MAINT, end_at=NOW + 40 * DAY, now=NOW, timeline=TIMELINE
    ).embargo
    outcome = end(revised, by=None, now=NOW + 30 * DAY)
    assert outcome.embargo.status is ST.ENDED
    assert outcome.embargo.case_fact is CaseEmbargo.ENDED
    assert outcome.embargo.ended is not None
    assert outcome.embargo.ended.kind is EndKind.ON_SCHEDULE
    assert outcome.embargo.proposal is None
    assert outcome.events[0].data == {"kind": "on_schedule", "end_at": (NOW + 30 * DAY).isoformat()}


def test_ending_early_takes_the_coordinator_and_a_reason() -> None:
    embargo = active()
    with pytest.raises(Forbidden, match="only the coordinator can end"):
        end(embargo, by=None, now=NOW + DAY)
    with pytest.raises(Forbidden, match="a maintainer cannot 'end'"):
        end(embargo, by=MAINT, now=NOW + DAY, reason="fix released")
    with pytest.raises(InvalidInput, match="say why") as caught:
        end(embargo, by=COORD, now=NOW + DAY, reason="  ")
    assert caught.value.field == "reason"
    outcome = end(embargo, by=COORD, now=NOW + DAY, reason="fix released together")
    assert outcome.embargo.ended is not None
    assert outcome.embargo.ended.kind is EndKind.EARLY
    assert outcome.embargo.ended.reason == "fix released together"
    assert "fix released" not in str(outcome.events)  # free text stays off the events


def test_breaking_notifies_everyone_and_accelerates_disclosure() -> None:
    outcome = break_embargo(
        active(), by=MAINT, reason=BreakReason.LEAK, detail="posted on a forum", now=NOW + DAY
    )
    embargo = outcome.embargo
    assert embargo.status is ST.BROKEN
    assert embargo.case_fact is CaseEmbargo.BROKEN
    assert embargo.broken is not None
    assert embargo.broken.detail == "posted on a forum"
    (event,) = outcome.events
    assert event.action is EmbargoAction.BROKEN
    assert event.notify is Audience.EVERYONE
    assert event.accelerated_disclosure
    assert event.data == {"reason": "leak", "end_at": (NOW + 30 * DAY).isoformat()}
    assert "forum" not in str(event)


def test_breaking_needs_a_known_reason_a_detail_and_the_right_party() -> None:
    with pytest.raises(InvalidInput, match="not a reason to break") as caught:
        break_embargo(active(), by=COORD, reason="bored", detail="x", now=NOW)
    assert caught.value.field == "reason"
    with pytest.raises(InvalidInput, match="describe what happened") as caught:
        break_embargo(active(), by=COORD, reason="fix_public", detail=" ", now=NOW)
    assert caught.value.field == "detail"
    with pytest.raises(Forbidden, match="a reporter cannot 'break'"):
        break_embargo(active(), by=REP, reason=BreakReason.LEAK, detail="x", now=NOW)
    by_code = break_embargo(proposed(), by=COORD, reason="active_exploitation", detail="x", now=NOW)
    assert by_code.embargo.broken is not None
    assert by_code.embargo.broken.reason is BreakReason.ACTIVE_EXPLOITATION


def test_a_broken_or_ended_embargo_refuses_every_move_and_stays_as_it_was() -> None:
    broken = break_embargo(active(), by=COORD, reason="leak", detail="x", now=NOW).embargo
    ended = end(active(), by=COORD, now=NOW, reason="published together").embargo
    read_in_now = replace(TIMELINE, distributions_read_in_at=NOW)
    for final in (broken, ended):
        snapshot = replace(final)
        attempts: list[Callable[[Embargo], Outcome]] = [
            lambda e: accept(e, by=MAINT, now=NOW, timeline=TIMELINE),
            lambda e: counter_propose(e, by=MAINT, end_at=NOW + DAY, now=NOW, timeline=TIMELINE),
            lambda e: read_in(
                e, party=Party(DIST, PartyRole.VENDOR), by=COORD, now=NOW, timeline=read_in_now
            ),
            lambda e: end(e, by=COORD, now=NOW, reason="again"),
            lambda e: end(e, by=None, now=NOW + 99 * DAY),
            lambda e: break_embargo(e, by=COORD, reason="leak", detail="again", now=NOW),
        ]
        for attempt in attempts:
            with pytest.raises(Conflict):
                attempt(final)
        assert final == snapshot
        assert enforce_cap(final, now=NOW, timeline=Timeline(REPORTED, None, NOW)).embargo is final


# --- reminders and time zones ------------------------------------------------------------


def test_reminders_are_scheduled_7_2_and_1_days_before() -> None:
    end_at = NOW + 30 * DAY
    assert reminder_schedule(end_at) == [end_at - 7 * DAY, end_at - 2 * DAY, end_at - DAY]
    assert reminders(end_at, end_at - 8 * DAY) == []
    assert reminders(end_at, end_at - 7 * DAY) == [end_at - 7 * DAY]
    late = end_at - timedelta(hours=12)
    assert reminders(end_at, late) == [end_at - 7 * DAY, end_at - 2 * DAY, end_at - DAY]
    assert reminders(end_at, late, [end_at - 7 * DAY, end_at - 2 * DAY]) == [end_at - DAY]
    assert reminders(end_at, end_at) == []


def test_reminders_are_configurable() -> None:
    end_at = NOW + 30 * DAY
    hourly = (timedelta(hours=3), timedelta(hours=1))
    assert reminders(end_at, end_at - timedelta(hours=2), before=hourly) == [
        end_at - timedelta(hours=3)
    ]


def test_times_are_shown_in_each_users_time_zone() -> None:
    end_at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    shown = in_time_zone(end_at, "Europe/Athens")
    assert (shown.hour, shown.utcoffset()) == (12, timedelta(hours=3))
    assert shown == end_at
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Olympus'") as caught:
        in_time_zone(end_at, "Mars/Olympus")
    assert caught.value.field == "time_zone"


# --- the rules as data -------------------------------------------------------------------


def test_every_move_has_one_rule_and_only_final_states_have_no_way_out() -> None:
    assert [r.move for r in RULES] == list(Move)
    sources = {s for r in RULES for s in r.sources}
    assert sources == set(EmbargoStatus) - FINAL
    assert {PartyRole.COORDINATOR, PartyRole.MAINTAINER} == REQUIRED_ROLES


def test_the_reference_describes_states_moves_and_default_caps() -> None:
    doc = render_markdown()
    for status in EmbargoStatus:
        assert f"`{status.value}`" in doc
    for move in Move:
        assert f"`{move.value}`" in doc
    for reason in BreakReason:
        assert f"`{reason.value}`" in doc
    assert "| overall, from the first report | 90 days |" in doc
    assert "| 14 days |" in doc
    assert "| 7 days |" in doc
    assert "7 days, 2 days, 1 day before the end" in doc


# --- properties --------------------------------------------------------------------------


@given(
    maintainers=st.integers(0, 3),
    others=st.lists(
        st.sampled_from([PartyRole.REPORTER, PartyRole.VENDOR, PartyRole.OPERATOR]), max_size=3
    ),
    days_in=st.integers(0, 100),
    read_in_day=st.none() | st.integers(0, 100),
    exploited_day=st.none() | st.integers(0, 100),
    pick=st.floats(0.0, 1.0),
)
def test_a_proposal_accepted_by_all_required_parties_is_active_within_the_cap(
    maintainers: int,
    others: list[PartyRole],
    days_in: int,
    read_in_day: int | None,
    exploited_day: int | None,
    pick: float,
) -> None:
    now = REPORTED + days_in * DAY
    timeline = Timeline(
        REPORTED,
        None if read_in_day is None else REPORTED + read_in_day * DAY,
        None if exploited_day is None else REPORTED + exploited_day * DAY,
    )
    cap = binding_cap(DEFAULT_POLICY, timeline).at
    assume(cap > now)
    end_at = now + timedelta(seconds=max(1, int((cap - now).total_seconds() * pick)))
    roles = [PartyRole.COORDINATOR] + [PartyRole.MAINTAINER] * maintainers + others
    parties = frozenset(Party(OrgId(i), role) for i, role in enumerate(roles, start=1))
    embargo = propose(
        parties=parties, by=OrgId(1), end_at=end_at, now=now, timeline=timeline
    ).embargo
    while embargo.awaiting:
        embargo = accept(embargo, by=min(embargo.awaiting), now=now, timeline=timeline).embargo
    assert embargo.status is ST.ACTIVE
    assert embargo.end_at == end_at <= cap


@given(days_past_cap=st.integers(1, 400), seconds=st.integers(1, 86_400))
def test_any_date_beyond_the_cap_is_refused(days_past_cap: int, seconds: int) -> None:
    cap = binding_cap(DEFAULT_POLICY, TIMELINE).at
    too_late = cap + (days_past_cap - 1) * DAY + timedelta(seconds=seconds)
    with pytest.raises(InvalidInput) as caught:
        propose(parties=PARTIES, by=COORD, end_at=too_late, now=NOW, timeline=TIMELINE)
    assert caught.value.field == "end_at"


WHO = {
    "coordinator": COORD,
    "maintainer": MAINT,
    "reporter": REP,
    "stranger": OrgId(99),
}


class EmbargoMachine(RuleBasedStateMachine):
    """Random negotiations: any party, any move, time passing, exploitation becoming known."""

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.timeline = TIMELINE
        self.embargo = proposed()
        self.final: Embargo | None = None
        self.ever_ended = False
        self.next_org = 10

    def attempt(self, move: Move, operation: Callable[[], Outcome]) -> None:
        before = self.embargo
        try:
            outcome = operation()
        except (Conflict, Forbidden, InvalidInput):
            return
        except AkritesError as error:  # pragma: no cover - would be a wrong error class
            raise AssertionError(error) from error
        if not outcome.events:  # a no-op (enforce_cap when the cap holds) changes nothing
            assert outcome.embargo is before
            return
        assert before.status not in FINAL, f"{move} changed a {before.status} embargo"
        edge = (before.status, outcome.embargo.status)
        assert edge in BY_MOVE[move].edges, f"{move}: {edge} is not in the rules"
        self.embargo = outcome.embargo

    @initialize()
    def start(self) -> None:
        self.embargo = proposed()

    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(who=st.sampled_from(sorted(WHO)))
    def accepts(self, who: str) -> None:
        self.attempt(
            Move.ACCEPT,
            lambda: accept(self.embargo, by=WHO[who], now=self.now, timeline=self.timeline),
        )

    @rule(who=st.sampled_from(sorted(WHO)), hours=st.integers(1, 24 * 100))
    def counter_proposes(self, who: str, hours: int) -> None:
        self.attempt(
            Move.COUNTER_PROPOSE,
            lambda: counter_propose(
                self.embargo,
                by=WHO[who],
                end_at=self.now + timedelta(hours=hours),
                now=self.now,
                timeline=self.timeline,
            ),
        )

    @rule(
        who=st.sampled_from(sorted(WHO)),
        role=st.sampled_from([PartyRole.DISTRIBUTOR, PartyRole.MAINTAINER, PartyRole.OPERATOR]),
    )
    def reads_in(self, who: str, role: PartyRole) -> None:
        timeline = self.timeline
        if role is not PartyRole.MAINTAINER and timeline.distributions_read_in_at is None:
            timeline = replace(timeline, distributions_read_in_at=self.now)
        party = Party(OrgId(self.next_org), role)
        before = self.embargo
        self.attempt(
            Move.READ_IN,
            lambda: read_in(
                self.embargo, party=party, by=WHO[who], now=self.now, timeline=timeline
            ),
        )
        if self.embargo is not before:
            self.timeline = timeline
            self.next_org += 1

    @rule()
    def exploitation_becomes_known(self) -> None:
        if self.timeline.exploited_since is None:
            self.timeline = replace(self.timeline, exploited_since=self.now)
        self.attempt(
            Move.ENFORCE_CAP,
            lambda: enforce_cap(self.embargo, now=self.now, timeline=self.timeline),
        )

    @rule(who=st.none() | st.sampled_from(sorted(WHO)), reason=st.sampled_from(["", "done"]))
    def ends(self, who: str | None, reason: str) -> None:
        by = None if who is None else WHO[who]
        self.attempt(Move.END, lambda: end(self.embargo, by=by, now=self.now, reason=reason))

    @rule(
        who=st.sampled_from(sorted(WHO)),
        reason=st.sampled_from([*BreakReason, "nonsense"]),
        detail=st.sampled_from(["", "it leaked"]),
    )
    def breaks(self, who: str, reason: str, detail: str) -> None:
        self.attempt(
            Move.BREAK,
            lambda: break_embargo(
                self.embargo, by=WHO[who], reason=reason, detail=detail, now=self.now
            ),
        )

    @invariant()
    def final_states_are_final(self) -> None:
        if self.final is not None:
            assert self.embargo == self.final
        if self.embargo.status in FINAL:
            self.final = self.embargo
        if self.ever_ended:
            assert self.embargo.status is ST.ENDED
        self.ever_ended = self.embargo.status is ST.ENDED

    @invariant()
    def an_agreed_date_never_exceeds_the_cap(self) -> None:
        if self.embargo.status in AGREED:
            assert self.embargo.end_at is not None
            assert self.embargo.end_at <= binding_cap(DEFAULT_POLICY, self.timeline).at

    @invariant()
    def the_shape_matches_the_status(self) -> None:
        embargo = self.embargo
        event(f"status {embargo.status}")
        assert embargo.awaiting <= embargo.required
        assert any(p.role is PartyRole.COORDINATOR for p in embargo.parties)
        if embargo.status in {ST.PROPOSED, ST.REVISED}:
            assert embargo.proposal is not None
            assert embargo.awaiting
        if embargo.status in FINAL:
            assert embargo.proposal is None


TestEmbargoNegotiation = EmbargoMachine.TestCase
