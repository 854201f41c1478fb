"""THE embargo: the date until which a case stays confidential, how the parties agree on
it, the policy caps that bound it, and how it ends (or is broken).

An :class:`Embargo` is a value. Every operation (:func:`propose`, :func:`accept`,
:func:`counter_propose`, :func:`read_in`, :func:`enforce_cap`, :func:`end`,
:func:`break_embargo`) checks its input, then returns an :class:`Outcome`: the new value and
the events to audit and notify. On bad input it raises a specific error and nothing changes.
Who may make which move is data (``RULES``); ``docs/embargo.md`` is generated from it.

Decisions, and why:

- **Parties are organisations.** An embargo binds an organisation, not one of its members;
  the service checks (through ``policy``) that the acting user may answer for it.
- **Required parties** are the coordinator and the maintainers (``REQUIRED_ROLES``): the
  embargo is active once every one of them has accepted the same date. The reporter and
  downstream parties (vendors, distributors, operators) may counter-propose, and their
  acceptance is recorded, but cannot hold the embargo up: the reporter's say is the
  disclosure deadline agreed at intake, and downstream parties are read in under terms
  already agreed. With no maintainer read in (Akrites as maintainer of last resort), the
  coordinator's acceptance suffices.
- **REVISED** means a change is pending while an agreed date stands; the agreed date stays
  binding until every required party accepts the change. A counter-proposal before any
  date was agreed simply replaces the pending proposal (the state stays PROPOSED).
- **Caps** (``EmbargoPolicy``) are measured from the event that started each clock: 90 days
  from the first report, 14 days from when distributions were read in, 7 days from when
  exploitation in the wild became known. The earliest applies. Caps are not negotiable: when
  a later fact tightens the cap, :func:`enforce_cap` shortens the agreed date without asking.
- **Ending** is on schedule when the agreed date has come (the scheduler may do it, with no
  party), otherwise early: only the coordinator, with a reason.
- **Breaking** (leak, active exploitation, fix already public) is allowed to the coordinator
  and the maintainer, who may have to ship at once. Everyone read in is notified and the
  case moves to accelerated disclosure. BROKEN and ENDED are final: a new embargo is a new
  value.
- Free text (reasons, break details) stays on the embargo, sealed with the case; events
  carry only codes and dates, so notifications and audit rows reveal no content.
- Times are timezone-aware; they are stored in UTC (:func:`as_utc`) and shown in each
  user's zone (:func:`in_time_zone`). ``now`` is always an argument, never the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

# The policy half (caps, timeline, reminders, time zones) lives in embargo_policy.
from akrites.domain.embargo_policy import (
    DEFAULT_POLICY,
    EmbargoPolicy,
    Timeline,
    _when,
    as_utc,
    binding_cap,
)
from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.lifecycle import EmbargoState as CaseEmbargo
from akrites.domain.policy import OrgId


class EmbargoStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    REVISED = "revised"
    ENDED = "ended"
    BROKEN = "broken"


ST = EmbargoStatus
OPEN: frozenset[EmbargoStatus] = frozenset({ST.PROPOSED, ST.ACTIVE, ST.REVISED})
AGREED: frozenset[EmbargoStatus] = frozenset({ST.ACTIVE, ST.REVISED})
FINAL: frozenset[EmbargoStatus] = frozenset({ST.ENDED, ST.BROKEN})

MEANING: Mapping[EmbargoStatus, str] = {
    ST.PROPOSED: "a date is proposed; no date is agreed yet",
    ST.ACTIVE: "every required party accepted the date; it is binding",
    ST.REVISED: "a date is agreed and binding; a change to it awaits acceptance",
    ST.ENDED: "over, on schedule or early (final)",
    ST.BROKEN: "broken before its date; the case is in accelerated disclosure (final)",
}

# What the case lifecycle's guards see.
CASE_FACT: Mapping[EmbargoStatus, CaseEmbargo] = {
    ST.PROPOSED: CaseEmbargo.PROPOSED,
    ST.ACTIVE: CaseEmbargo.ACTIVE,
    ST.REVISED: CaseEmbargo.ACTIVE,
    ST.ENDED: CaseEmbargo.ENDED,
    ST.BROKEN: CaseEmbargo.BROKEN,
}


class PartyRole(StrEnum):
    COORDINATOR = "coordinator"
    MAINTAINER = "maintainer"
    REPORTER = "reporter"
    VENDOR = "vendor"
    DISTRIBUTOR = "distributor"
    OPERATOR = "operator"


R = PartyRole
REQUIRED_ROLES: frozenset[PartyRole] = frozenset({R.COORDINATOR, R.MAINTAINER})
DOWNSTREAM_ROLES: frozenset[PartyRole] = frozenset({R.VENDOR, R.DISTRIBUTOR, R.OPERATOR})


class EndKind(StrEnum):
    ON_SCHEDULE = "on_schedule"
    EARLY = "early"


class BreakReason(StrEnum):
    LEAK = "leak"
    ACTIVE_EXPLOITATION = "active_exploitation"
    FIX_PUBLIC = "fix_public"


BREAK_MEANING: Mapping[BreakReason, str] = {
    BreakReason.LEAK: "the details leaked",
    BreakReason.ACTIVE_EXPLOITATION: "the flaw is exploited in the wild",
    BreakReason.FIX_PUBLIC: "the fix is already public",
}


class EmbargoAction(StrEnum):
    PROPOSED = "embargo.proposed"
    COUNTER_PROPOSED = "embargo.counter_proposed"
    ACCEPTED = "embargo.accepted"
    AGREED = "embargo.agreed"
    PARTY_READ_IN = "embargo.party_read_in"
    SHORTENED = "embargo.shortened"
    ENDED = "embargo.ended"
    BROKEN = "embargo.broken"


class Audience(StrEnum):
    PARTIES = "parties"  # every organisation party to the embargo
    EVERYONE = "everyone"  # everyone read in to the case, party or not


class Move(StrEnum):
    PROPOSE = "propose"
    ACCEPT = "accept"
    COUNTER_PROPOSE = "counter_propose"
    READ_IN = "read_in"
    ENFORCE_CAP = "enforce_cap"
    END = "end"
    BREAK = "break"


Edge = tuple[EmbargoStatus | None, EmbargoStatus]  # None: the move creates the embargo


@dataclass(frozen=True, slots=True)
class Rule:
    move: Move
    edges: frozenset[Edge]  # every (from, to) the move can produce
    roles: frozenset[PartyRole]  # parties who may make the move
    by_scheduler: str = ""  # when the scheduler may make it with no party; empty: never
    description: str = ""

    @property
    def sources(self) -> frozenset[EmbargoStatus]:
        return frozenset(s for s, _ in self.edges if s is not None)


def _edges(*pairs: Edge) -> frozenset[Edge]:
    return frozenset(pairs)


RULES: tuple[Rule, ...] = (
    Rule(
        Move.PROPOSE,
        # ACTIVE at once when the proposer is the only required party (no maintainer).
        _edges((None, ST.PROPOSED), (None, ST.ACTIVE)),
        frozenset({R.COORDINATOR, R.MAINTAINER}),
        description="Propose an end date; the proposer accepts it by proposing.",
    ),
    Rule(
        Move.ACCEPT,
        _edges(
            (ST.PROPOSED, ST.PROPOSED),
            (ST.PROPOSED, ST.ACTIVE),
            (ST.REVISED, ST.REVISED),
            (ST.REVISED, ST.ACTIVE),
        ),
        frozenset(PartyRole),
        description="Accept the pending date; once every required party has, it is agreed.",
    ),
    Rule(
        Move.COUNTER_PROPOSE,
        _edges(
            (ST.PROPOSED, ST.PROPOSED),
            (ST.PROPOSED, ST.ACTIVE),
            (ST.ACTIVE, ST.REVISED),
            (ST.ACTIVE, ST.ACTIVE),
            (ST.REVISED, ST.REVISED),
            (ST.REVISED, ST.ACTIVE),
        ),
        frozenset(PartyRole),
        description="Propose another date; it replaces any pending one and needs acceptance "
        "(agreed at once when the proposer is the only required party).",
    ),
    Rule(
        Move.READ_IN,
        _edges(
            (ST.PROPOSED, ST.PROPOSED),
            (ST.ACTIVE, ST.ACTIVE),
            (ST.REVISED, ST.REVISED),
            (ST.REVISED, ST.ACTIVE),
        ),
        frozenset({R.COORDINATOR}),
        description="Add a party; reading in distributions may tighten the cap.",
    ),
    Rule(
        Move.ENFORCE_CAP,
        _edges((ST.ACTIVE, ST.ACTIVE), (ST.REVISED, ST.REVISED), (ST.REVISED, ST.ACTIVE)),
        frozenset(),
        by_scheduler="always",
        description="Shorten an agreed date to a tightened cap, dropping a pending change "
        "beyond it; otherwise change nothing.",
    ),
    Rule(
        Move.END,
        _edges(*((s, ST.ENDED) for s in (ST.PROPOSED, ST.ACTIVE, ST.REVISED))),
        frozenset({R.COORDINATOR}),
        by_scheduler="on schedule only",
        description="End on schedule, or early with a reason.",
    ),
    Rule(
        Move.BREAK,
        _edges(*((s, ST.BROKEN) for s in (ST.PROPOSED, ST.ACTIVE, ST.REVISED))),
        frozenset({R.COORDINATOR, R.MAINTAINER}),
        description="Break with a reason: everyone is notified; accelerated disclosure.",
    ),
)
BY_MOVE: Mapping[Move, Rule] = {r.move: r for r in RULES}
# Once the agreed date has come the embargo can only end (or be broken), not be renegotiated.
NOT_ONCE_DUE: frozenset[Move] = frozenset({Move.ACCEPT, Move.COUNTER_PROPOSE, Move.READ_IN})


@dataclass(frozen=True, slots=True)
class Party:
    org_id: OrgId
    role: PartyRole


@dataclass(frozen=True, slots=True)
class Proposal:
    end_at: datetime
    proposed_by: OrgId
    proposed_at: datetime
    accepted_by: frozenset[OrgId]


@dataclass(frozen=True, slots=True)
class Ending:
    kind: EndKind
    at: datetime
    by: OrgId | None  # None: the scheduler, on schedule
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Breach:
    reason: BreakReason
    detail: str
    at: datetime
    by: OrgId


@dataclass(frozen=True, slots=True)
class Embargo:
    parties: frozenset[Party]
    proposal: Proposal | None = None  # the pending date, if any
    end_at: datetime | None = None  # the agreed, binding date (kept once ended, for history)
    ended: Ending | None = None
    broken: Breach | None = None

    @property
    def status(self) -> EmbargoStatus:
        if self.broken is not None:
            return ST.BROKEN
        if self.ended is not None:
            return ST.ENDED
        if self.end_at is None:
            return ST.PROPOSED
        return ST.REVISED if self.proposal is not None else ST.ACTIVE

    @property
    def case_fact(self) -> CaseEmbargo:
        return CASE_FACT[self.status]

    @property
    def required(self) -> frozenset[OrgId]:
        return frozenset(p.org_id for p in self.parties if p.role in REQUIRED_ROLES)

    @property
    def awaiting(self) -> frozenset[OrgId]:
        """Required parties that have not yet accepted the pending date."""
        if self.proposal is None or self.status in FINAL:
            return frozenset()
        return self.required - self.proposal.accepted_by

    def party(self, org_id: OrgId) -> Party | None:
        return next((p for p in self.parties if p.org_id == org_id), None)

    def due(self, now: datetime) -> bool:
        """Has the agreed date come (so the scheduler should end it on schedule)?"""
        return (
            self.status in AGREED
            and self.end_at is not None
            and self.end_at <= as_utc(now, name="now")
        )


@dataclass(frozen=True, slots=True)
class EmbargoEvent:
    """One thing to audit and to notify ``notify`` about. Codes and dates only, no text."""

    action: EmbargoAction
    at: datetime
    by: OrgId | None
    notify: Audience = Audience.PARTIES
    data: Mapping[str, str] = field(default_factory=dict)
    accelerated_disclosure: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    embargo: Embargo
    events: tuple[EmbargoEvent, ...]


def _roles(rule: Rule) -> str:
    return ", ".join(r.value for r in PartyRole if r in rule.roles)


def _guard(move: Move, embargo: Embargo, by: OrgId | None, now: datetime) -> None:
    rule = BY_MOVE[move]
    if embargo.status not in rule.sources:
        allowed = ", ".join(s.value for s in EmbargoStatus if s in rule.sources)
        raise Conflict(
            f"an embargo that is {embargo.status} does not allow '{move}' (allowed when: "
            f"{allowed})",
            field="embargo",
        )
    if move in NOT_ONCE_DUE and embargo.due(now):
        raise Conflict(
            f"the agreed date {_when(embargo.end_at or now)} has come: the embargo can only "
            "end now (or be broken)",
            field="embargo",
        )
    if by is None:
        if not rule.by_scheduler:
            raise Forbidden(f"'{move}' must be made by a party to the embargo", field="by")
        return
    party = embargo.party(by)
    if party is None:
        raise Forbidden(f"organisation {by} is not a party to this embargo", field="by")
    if party.role not in rule.roles:
        raise Forbidden(
            f"a {party.role} cannot '{move}' an embargo (only: {_roles(rule)})", field="by"
        )


def _check_end(
    end_at: datetime, *, now: datetime, policy: EmbargoPolicy, timeline: Timeline, what: str
) -> datetime:
    end = as_utc(end_at, name="end_at")
    if end <= now:
        raise InvalidInput(
            f"{what} {_when(end)} is not in the future (now: {_when(now)})", field="end_at"
        )
    cap = binding_cap(policy, timeline)
    if cap.at <= now:
        raise InvalidInput(
            f"the policy cap ({cap.explanation}) passed at {_when(cap.at)}: no embargo date "
            "is possible any more; end or break the embargo",
            field="end_at",
        )
    if end > cap.at:
        raise InvalidInput(
            f"{what} {_when(end)} is beyond the policy cap {_when(cap.at)} ({cap.explanation})",
            field="end_at",
        )
    return end


def _settle(embargo: Embargo, now: datetime, events: list[EmbargoEvent]) -> Outcome:
    """Agree the pending date once every required party has accepted it."""
    proposal = embargo.proposal
    if proposal is not None and embargo.required <= proposal.accepted_by:
        data = {"end_at": proposal.end_at.isoformat()}
        if embargo.end_at is not None:
            data["previous_end_at"] = embargo.end_at.isoformat()
        embargo = replace(embargo, end_at=proposal.end_at, proposal=None)
        events.append(EmbargoEvent(EmbargoAction.AGREED, now, None, data=data))
    return Outcome(embargo, tuple(events))


def propose(
    *,
    parties: Iterable[Party],
    by: OrgId,
    end_at: datetime,
    now: datetime,
    policy: EmbargoPolicy = DEFAULT_POLICY,
    timeline: Timeline,
) -> Outcome:
    """Open a negotiation: a new embargo with ``by``'s proposed date pending."""
    now = as_utc(now, name="now")
    members = frozenset(parties)
    if len({p.org_id for p in members}) != len(members):
        raise InvalidInput("an organisation is listed as a party twice", field="parties")
    if not any(p.role is R.COORDINATOR for p in members):
        raise InvalidInput("an embargo needs the coordinator as a party", field="parties")
    embargo = Embargo(parties=members)
    rule = BY_MOVE[Move.PROPOSE]
    proposer = embargo.party(by)
    if proposer is None or proposer.role not in rule.roles:
        raise Forbidden(
            f"only a party with one of the roles {_roles(rule)} may propose an embargo",
            field="by",
        )
    end = _check_end(end_at, now=now, policy=policy, timeline=timeline, what="the embargo end")
    embargo = replace(embargo, proposal=Proposal(end, by, now, frozenset({by})))
    event = EmbargoEvent(EmbargoAction.PROPOSED, now, by, data={"end_at": end.isoformat()})
    return _settle(embargo, now, [event])


def accept(
    embargo: Embargo,
    *,
    by: OrgId,
    now: datetime,
    policy: EmbargoPolicy = DEFAULT_POLICY,
    timeline: Timeline,
) -> Outcome:
    """``by`` accepts the pending date, which must still be in the future and within the
    cap as it stands now (it may have tightened since the date was proposed)."""
    now = as_utc(now, name="now")
    _guard(Move.ACCEPT, embargo, by, now)
    proposal = embargo.proposal
    if proposal is None:  # pragma: no cover - PROPOSED and REVISED always have one
        raise Conflict("there is no pending date to accept", field="embargo")
    if by in proposal.accepted_by:
        raise Conflict("your organisation has already accepted this date", field="by")
    _check_end(proposal.end_at, now=now, policy=policy, timeline=timeline, what="the proposed end")
    accepted = replace(proposal, accepted_by=proposal.accepted_by | {by})
    event = EmbargoEvent(
        EmbargoAction.ACCEPTED, now, by, data={"end_at": proposal.end_at.isoformat()}
    )
    return _settle(replace(embargo, proposal=accepted), now, [event])


def counter_propose(
    embargo: Embargo,
    *,
    by: OrgId,
    end_at: datetime,
    now: datetime,
    policy: EmbargoPolicy = DEFAULT_POLICY,
    timeline: Timeline,
) -> Outcome:
    """``by`` proposes another date. It replaces any pending one; any agreed date stands
    until every required party accepts the new one."""
    now = as_utc(now, name="now")
    _guard(Move.COUNTER_PROPOSE, embargo, by, now)
    end = _check_end(end_at, now=now, policy=policy, timeline=timeline, what="the embargo end")
    if embargo.proposal is not None and embargo.proposal.end_at == end:
        raise InvalidInput("that date is already proposed: accept it instead", field="end_at")
    if embargo.status is ST.ACTIVE and embargo.end_at == end:
        raise InvalidInput("that date is already the agreed end", field="end_at")
    data = {"end_at": end.isoformat()}
    if embargo.end_at is not None:
        data["agreed_end_at"] = embargo.end_at.isoformat()
    embargo = replace(embargo, proposal=Proposal(end, by, now, frozenset({by})))
    event = EmbargoEvent(EmbargoAction.COUNTER_PROPOSED, now, by, data=data)
    return _settle(embargo, now, [event])


def enforce_cap(
    embargo: Embargo, *, now: datetime, policy: EmbargoPolicy = DEFAULT_POLICY, timeline: Timeline
) -> Outcome:
    """Bring an agreed date within the cap as it stands now (no acceptance needed: caps are
    not negotiable). A pending change beyond the cap is dropped. Without an agreed date,
    nothing changes: a pending proposal beyond the cap simply cannot be accepted. Safe to
    call at any time, e.g. whenever the timeline changes; it changes nothing if all is well."""
    now = as_utc(now, name="now")
    cap = binding_cap(policy, timeline)
    if embargo.status not in AGREED or embargo.end_at is None or embargo.end_at <= cap.at:
        return Outcome(embargo, ())
    proposal = embargo.proposal
    data = {
        "end_at": cap.at.isoformat(),
        "previous_end_at": embargo.end_at.isoformat(),
        "cap": cap.rule.value,
    }
    if proposal is not None and proposal.end_at > cap.at:
        proposal = None
        data["pending_change_dropped"] = "yes"
    shortened = replace(embargo, end_at=cap.at, proposal=proposal)
    return Outcome(shortened, (EmbargoEvent(EmbargoAction.SHORTENED, now, None, data=data),))


def read_in(
    embargo: Embargo,
    *,
    party: Party,
    by: OrgId,
    now: datetime,
    policy: EmbargoPolicy = DEFAULT_POLICY,
    timeline: Timeline,
) -> Outcome:
    """The coordinator adds a party (under the agreed date, if there is one). ``timeline``
    is the one after the read-in: reading in a distribution starts its cap's clock, and the
    agreed date is shortened at once if it now lies beyond the cap."""
    now = as_utc(now, name="now")
    _guard(Move.READ_IN, embargo, by, now)
    if embargo.party(party.org_id) is not None:
        raise Conflict(f"organisation {party.org_id} is already a party", field="party")
    if party.role in DOWNSTREAM_ROLES and timeline.distributions_read_in_at is None:
        raise InvalidInput(
            "reading in a downstream party starts the distributions cap: record when "
            "distributions were read in",
            field="distributions_read_in_at",
        )
    added = replace(embargo, parties=embargo.parties | {party})
    event = EmbargoEvent(
        EmbargoAction.PARTY_READ_IN,
        now,
        by,
        data={"org_id": str(party.org_id), "role": party.role.value},
    )
    capped = enforce_cap(added, now=now, policy=policy, timeline=timeline)
    return Outcome(capped.embargo, (event, *capped.events))


def end(embargo: Embargo, *, by: OrgId | None, now: datetime, reason: str = "") -> Outcome:
    """End the embargo: on schedule once the agreed date has come (``by=None``: the
    scheduler), otherwise early, by the coordinator, with a reason. Any pending change is
    dropped."""
    now = as_utc(now, name="now")
    on_schedule = embargo.due(now)
    if by is None and embargo.status in OPEN and not on_schedule:
        raise Forbidden("only the coordinator can end an embargo before its date", field="by")
    _guard(Move.END, embargo, by, now)
    if not on_schedule and not reason.strip():
        raise InvalidInput("say why the embargo ends before its date", field="reason")
    kind = EndKind.ON_SCHEDULE if on_schedule else EndKind.EARLY
    data = {"kind": kind.value}
    if embargo.end_at is not None:
        data["end_at"] = embargo.end_at.isoformat()
    ended = replace(embargo, proposal=None, ended=Ending(kind, now, by, reason.strip()))
    return Outcome(ended, (EmbargoEvent(EmbargoAction.ENDED, now, by, data=data),))


def break_embargo(
    embargo: Embargo,
    *,
    by: OrgId,
    reason: BreakReason | str,
    detail: str,
    now: datetime,
) -> Outcome:
    """Break the embargo before its date. Everyone read in to the case is notified and the
    case moves to accelerated disclosure (the lifecycle treats BROKEN as over)."""
    now = as_utc(now, name="now")
    try:
        why = BreakReason(reason)
    except ValueError:
        known = ", ".join(BreakReason)
        raise InvalidInput(
            f"'{reason}' is not a reason to break an embargo: use one of {known}", field="reason"
        ) from None
    _guard(Move.BREAK, embargo, by, now)
    if not detail.strip():
        raise InvalidInput("describe what happened, for the parties", field="detail")
    data = {"reason": why.value}
    if embargo.end_at is not None:
        data["end_at"] = embargo.end_at.isoformat()
    broken = replace(embargo, proposal=None, broken=Breach(why, detail.strip(), now, by))
    event = EmbargoEvent(
        EmbargoAction.BROKEN,
        now,
        by,
        notify=Audience.EVERYONE,
        data=data,
        accelerated_disclosure=True,
    )
    return Outcome(broken, (event,))
