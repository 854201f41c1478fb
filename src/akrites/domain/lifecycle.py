"""THE case lifecycle: states, transitions, the permission each needs, the guard conditions
that must hold first, and the audit event each emits. Nothing else decides whether a case
may move from one state to another.

Transitions are data (``TRANSITIONS``); ``docs/lifecycle.md`` is generated from them. Guards
read a ``CaseFacts`` snapshot, so they are pure and return a checklist of what is missing
rather than a bare yes/no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from akrites.domain.audit import AuditAction
from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, Resource, authorize


class CaseState(StrEnum):
    RECEIVED = "received"
    TRIAGE = "triage"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    ACCEPTED = "accepted"
    MAINTAINER_NOTIFIED = "maintainer_notified"
    MAINTAINER_UNRESPONSIVE = "maintainer_unresponsive"
    ESCALATED = "escalated"
    FIX_IN_PROGRESS = "fix_in_progress"
    FIX_READY = "fix_ready"
    DOWNSTREAM_NOTIFIED = "downstream_notified"
    PUBLISHED = "published"
    CLOSED = "closed"


S = CaseState

# States in which the case content is still confidential (under embargo or not yet public).
CONFIDENTIAL_STATES: frozenset[CaseState] = frozenset(set(CaseState) - {S.PUBLISHED, S.CLOSED})
# Once public, always public: no transition may lead from these back to a confidential state.
PUBLIC_STATES: frozenset[CaseState] = frozenset({S.PUBLISHED})
TERMINAL_STATES: frozenset[CaseState] = frozenset({S.CLOSED})


class EmbargoState(StrEnum):
    NONE = "none"
    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the guards may look at. Built by the Django layer from the case's rows."""

    state: CaseState
    was_published: bool = False
    severity_set: bool = False
    affected_packages: int = 0
    deadline: datetime | None = None
    duplicate_of: str | None = None
    reason: str = ""
    maintainer_contact_known: bool = False
    maintainer_responded: bool = False
    days_since_maintainer_notified: int | None = None
    embargo: EmbargoState = EmbargoState.NONE
    fix_references: int = 0
    fixed_versions_known: bool = False
    advisory_approved: bool = False
    downstream_participants: int = 0
    exploited: bool = False


Guard = Callable[[CaseFacts], str | None]  # None when satisfied, else what is missing


def _needs(condition: Callable[[CaseFacts], bool], missing: str) -> Guard:
    def guard(facts: CaseFacts) -> str | None:
        return None if condition(facts) else missing

    guard.__doc__ = missing
    return guard


UNRESPONSIVE_AFTER_DAYS = 14

G_REASON = _needs(lambda f: bool(f.reason.strip()), "a reason is given")
G_DUPLICATE_OF = _needs(lambda f: f.duplicate_of is not None, "the original case is named")
G_SEVERITY = _needs(lambda f: f.severity_set, "a severity is assessed")
G_PACKAGES = _needs(lambda f: f.affected_packages > 0, "at least one affected package is named")
G_DEADLINE = _needs(lambda f: f.deadline is not None, "a fix deadline is set")
G_CONTACT = _needs(
    lambda f: f.maintainer_contact_known,
    "a maintainer security contact is known (or Akrites acts as last resort)",
)
G_NO_CONTACT = _needs(
    lambda f: not f.maintainer_contact_known,
    "no maintainer can be reached (no security contact, no maintainer organisation)",
)
G_EMBARGO_PROPOSED = _needs(
    lambda f: f.embargo in {EmbargoState.PROPOSED, EmbargoState.ACTIVE}, "an embargo is proposed"
)
G_SILENCE = _needs(
    lambda f: (
        not f.maintainer_responded
        and (f.days_since_maintainer_notified or 0) >= UNRESPONSIVE_AFTER_DAYS
    ),
    f"the maintainer has not answered for {UNRESPONSIVE_AFTER_DAYS} days",
)
G_FIX_REFERENCE = _needs(lambda f: f.fix_references > 0, "a fix commit or pull request is recorded")
G_FIXED_VERSIONS = _needs(lambda f: f.fixed_versions_known, "the fixed versions are known")
G_EMBARGO_ACTIVE = _needs(
    lambda f: f.embargo is EmbargoState.ACTIVE, "an embargo is agreed and active"
)
G_DOWNSTREAM = _needs(
    lambda f: f.downstream_participants > 0, "at least one downstream vendor or operator is read in"
)
G_ADVISORY = _needs(lambda f: f.advisory_approved, "the advisory is approved")
G_EMBARGO_OVER = _needs(
    lambda f: f.embargo in {EmbargoState.NONE, EmbargoState.ENDED, EmbargoState.BROKEN},
    "the embargo has ended (or was broken)",
)
G_NEVER_PUBLISHED = _needs(
    lambda f: not f.was_published,
    "the case was never published (published cases cannot be reopened)",
)


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    sources: frozenset[CaseState]
    target: CaseState
    permission: Permission
    guards: tuple[Guard, ...] = ()
    audit: AuditAction = AuditAction.CASE_TRANSITIONED
    label: str = ""
    description: str = ""

    def missing(self, facts: CaseFacts) -> list[str]:
        return [m for g in self.guards if (m := g(facts)) is not None]


def _t(
    name: str,
    sources: set[CaseState],
    target: CaseState,
    permission: Permission,
    *guards: Guard,
    label: str,
    description: str,
) -> Transition:
    return Transition(
        name=name,
        sources=frozenset(sources),
        target=target,
        permission=permission,
        guards=guards,
        label=label,
        description=description,
    )


P = Permission
TRANSITIONS: tuple[Transition, ...] = (
    _t(
        "start_triage",
        {S.RECEIVED},
        S.TRIAGE,
        P.CASE_TRIAGE,
        label="Start triage",
        description="A SIRT member takes the case.",
    ),
    _t(
        "reject",
        {S.RECEIVED, S.TRIAGE},
        S.REJECTED,
        P.CASE_TRIAGE,
        G_REASON,
        label="Reject",
        description="Not a vulnerability, out of scope, or not reproducible.",
    ),
    _t(
        "mark_duplicate",
        {S.RECEIVED, S.TRIAGE},
        S.DUPLICATE,
        P.CASE_TRIAGE,
        G_DUPLICATE_OF,
        label="Mark duplicate",
        description="The same flaw as an existing case.",
    ),
    _t(
        "reopen",
        {S.REJECTED, S.DUPLICATE},
        S.TRIAGE,
        P.CASE_TRIAGE,
        G_NEVER_PUBLISHED,
        label="Reopen",
        description="New information: triage again.",
    ),
    _t(
        "accept",
        {S.TRIAGE},
        S.ACCEPTED,
        P.CASE_TRIAGE,
        G_SEVERITY,
        G_PACKAGES,
        G_DEADLINE,
        label="Accept",
        description="A real, exploitable flaw: one severity, one deadline.",
    ),
    _t(
        "notify_maintainer",
        {S.ACCEPTED},
        S.MAINTAINER_NOTIFIED,
        P.CASE_COORDINATE,
        G_CONTACT,
        G_EMBARGO_PROPOSED,
        label="Notify maintainer",
        description="The upstream maintainers are read in under embargo.",
    ),
    _t(
        "take_over",
        {S.ACCEPTED},
        S.ESCALATED,
        P.CASE_COORDINATE,
        G_NO_CONTACT,
        G_EMBARGO_PROPOSED,
        label="Act as maintainer of last resort",
        description="The package has no reachable maintainer: Akrites prepares the fix itself.",
    ),
    _t(
        "mark_unresponsive",
        {S.MAINTAINER_NOTIFIED},
        S.MAINTAINER_UNRESPONSIVE,
        P.CASE_COORDINATE,
        G_SILENCE,
        label="Maintainer unresponsive",
        description="No answer from upstream within the grace period.",
    ),
    _t(
        "escalate",
        {S.MAINTAINER_UNRESPONSIVE},
        S.ESCALATED,
        P.CASE_COORDINATE,
        label="Escalate (maintainer of last resort)",
        description="Akrites prepares the fix itself as maintainer of last resort.",
    ),
    _t(
        "start_fix",
        {S.MAINTAINER_NOTIFIED, S.MAINTAINER_UNRESPONSIVE, S.ESCALATED},
        S.FIX_IN_PROGRESS,
        P.CASE_FIX,
        label="Fix in progress",
        description="A fix is being developed upstream.",
    ),
    _t(
        "fix_ready",
        {S.FIX_IN_PROGRESS},
        S.FIX_READY,
        P.CASE_FIX,
        G_FIX_REFERENCE,
        G_FIXED_VERSIONS,
        label="Fix ready",
        description="The fix exists and is released or staged.",
    ),
    _t(
        "notify_downstream",
        {S.FIX_READY},
        S.DOWNSTREAM_NOTIFIED,
        P.CASE_COORDINATE,
        G_EMBARGO_ACTIVE,
        G_DOWNSTREAM,
        label="Pre-notify downstream",
        description="Vendors, distributions and operators are read in before publication.",
    ),
    _t(
        "publish",
        {S.FIX_READY, S.DOWNSTREAM_NOTIFIED},
        S.PUBLISHED,
        P.CASE_PUBLISH,
        G_ADVISORY,
        G_EMBARGO_OVER,
        label="Publish",
        description="The advisory is released in every format.",
    ),
    _t(
        "close",
        {S.PUBLISHED, S.REJECTED, S.DUPLICATE},
        S.CLOSED,
        P.CASE_COORDINATE,
        label="Close",
        description="Nothing further to do.",
    ),
)

BY_NAME: Mapping[str, Transition] = {t.name: t for t in TRANSITIONS}


@dataclass(frozen=True, slots=True)
class Step:
    """What a successful transition produced: the new state and the one audit event to record."""

    transition: Transition
    source: CaseState
    target: CaseState
    audit_action: AuditAction
    audit_data: Mapping[str, str] = field(default_factory=dict)


def available(facts: CaseFacts) -> list[Transition]:
    """Transitions out of the current state, whether or not their guards hold yet."""
    return [t for t in TRANSITIONS if facts.state in t.sources]


def checklist(facts: CaseFacts) -> dict[str, list[str]]:
    """For each transition out of the current state, what is still missing (empty: ready)."""
    return {t.name: t.missing(facts) for t in available(facts)}


def apply(actor: Actor, name: str, facts: CaseFacts, resource: Resource | None = None) -> Step:
    """Decide a transition. Raises; never half-applies. The caller persists ``Step.target``
    and records ``Step.audit_action`` in the same database transaction."""
    transition = BY_NAME.get(name)
    if transition is None:
        known = ", ".join(BY_NAME)
        raise InvalidInput(f"unknown transition '{name}': use one of {known}", field="transition")
    decision = authorize(actor, transition.permission, resource)
    if not decision:
        raise Forbidden(decision.reason)
    if facts.state not in transition.sources:
        raise Conflict(
            f"a case in state '{facts.state}' cannot '{transition.name}' (allowed from: "
            + ", ".join(sorted(transition.sources))
            + ")",
            field="transition",
        )
    missing = transition.missing(facts)
    if missing:
        raise InvalidInput("not ready: " + "; ".join(missing), field="transition")
    return Step(
        transition=transition,
        source=facts.state,
        target=transition.target,
        audit_action=transition.audit,
        audit_data={
            "transition": transition.name,
            "from": facts.state.value,
            "to": transition.target.value,
        },
    )


# --- the advisory's own lifecycle ----------------------------------------------------------


class AdvisoryState(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


A = AdvisoryState


@dataclass(frozen=True, slots=True)
class AdvisoryFacts:
    state: AdvisoryState
    missing_fields: tuple[str, ...] = ()  # from domain.advisory.missing_for_publication
    embargo_over: bool = False
    release_at_known: bool = False
    reason: str = ""


AdvisoryGuard = Callable[[AdvisoryFacts], str | None]


def _advisory_needs(condition: Callable[[AdvisoryFacts], bool], missing: str) -> AdvisoryGuard:
    def guard(facts: AdvisoryFacts) -> str | None:
        return None if condition(facts) else missing

    guard.__doc__ = missing
    return guard


def _complete(facts: AdvisoryFacts) -> str | None:
    return "; ".join(facts.missing_fields) or None


_complete.__doc__ = "every field publication needs is filled in"

GA_RELEASE = _advisory_needs(
    lambda f: f.release_at_known, "a release time is known (the agreed embargo end, or given)"
)
GA_EMBARGO_OVER = _advisory_needs(lambda f: f.embargo_over, "the embargo has ended (or was broken)")
GA_REASON = _advisory_needs(lambda f: bool(f.reason.strip()), "a reason is given")


@dataclass(frozen=True, slots=True)
class AdvisoryTransition:
    name: str
    sources: frozenset[AdvisoryState]
    target: AdvisoryState
    permission: Permission
    guards: tuple[AdvisoryGuard, ...]
    label: str

    def missing(self, facts: AdvisoryFacts) -> list[str]:
        return [m for g in self.guards if (m := g(facts)) is not None]


ADVISORY_TRANSITIONS: tuple[AdvisoryTransition, ...] = (
    AdvisoryTransition(
        "submit_for_review", frozenset({A.DRAFT}), A.REVIEW, P.CASE_COORDINATE, (), "Ask for review"
    ),
    AdvisoryTransition(
        "return_to_draft",
        frozenset({A.REVIEW, A.APPROVED, A.SCHEDULED}),
        A.DRAFT,
        P.CASE_COORDINATE,
        (),
        "Back to draft",
    ),
    AdvisoryTransition(
        "approve", frozenset({A.REVIEW}), A.APPROVED, P.CASE_PUBLISH, (_complete,), "Approve"
    ),
    AdvisoryTransition(
        "schedule",
        frozenset({A.APPROVED}),
        A.SCHEDULED,
        P.CASE_PUBLISH,
        (_complete, GA_RELEASE),
        "Schedule the release",
    ),
    AdvisoryTransition(
        "publish",
        frozenset({A.APPROVED, A.SCHEDULED}),
        A.PUBLISHED,
        P.CASE_PUBLISH,
        (_complete, GA_EMBARGO_OVER),
        "Publish now",
    ),
    AdvisoryTransition(
        "revise",
        frozenset({A.PUBLISHED}),
        A.PUBLISHED,
        P.CASE_PUBLISH,
        (_complete, GA_REASON),
        "Publish a revision",
    ),
    AdvisoryTransition(
        "withdraw",
        frozenset({A.PUBLISHED}),
        A.WITHDRAWN,
        P.CASE_PUBLISH,
        (GA_REASON,),
        "Withdraw",
    ),
)

ADVISORY_BY_NAME: Mapping[str, AdvisoryTransition] = {t.name: t for t in ADVISORY_TRANSITIONS}
# Once public, an advisory stays public (a withdrawal is itself published).
ADVISORY_PUBLIC: frozenset[AdvisoryState] = frozenset({A.PUBLISHED, A.WITHDRAWN})


def advisory_checklist(facts: AdvisoryFacts) -> dict[str, list[str]]:
    return {t.name: t.missing(facts) for t in ADVISORY_TRANSITIONS if facts.state in t.sources}


def advisory_apply(
    actor: Actor, name: str, facts: AdvisoryFacts, resource: Resource | None = None
) -> AdvisoryTransition:
    """Decide an advisory transition; raises and changes nothing when it may not happen."""
    transition = ADVISORY_BY_NAME.get(name)
    if transition is None:
        known = ", ".join(ADVISORY_BY_NAME)
        raise InvalidInput(f"unknown advisory step '{name}': use one of {known}", field="step")
    decision = authorize(actor, transition.permission, resource)
    if not decision:
        raise Forbidden(decision.reason)
    if facts.state not in transition.sources:
        raise Conflict(
            f"an advisory in state '{facts.state}' cannot '{name}' (allowed from: "
            + ", ".join(sorted(transition.sources))
            + ")",
            field="step",
        )
    missing = transition.missing(facts)
    if missing:
        raise InvalidInput("not ready: " + "; ".join(missing), field="step")
    return transition


def render_markdown() -> str:
    lines = [
        "# Case lifecycle",
        "",
        "Generated from `akrites.domain.lifecycle` by `akrites docs`; do not edit by hand.",
        "",
        "## States",
        "",
        "| state | confidential |",
        "|---|---|",
    ]
    lines += [f"| `{s.value}` | {'yes' if s in CONFIDENTIAL_STATES else 'no'} |" for s in CaseState]
    lines += [
        "",
        "## Transitions",
        "",
        "| transition | from | to | permission | requires | audit event |",
        "|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS:
        sources = ", ".join(f"`{s.value}`" for s in CaseState if s in t.sources)
        guards = "; ".join(g.__doc__ or "" for g in t.guards) or "—"
        lines.append(
            f"| **{t.label}** (`{t.name}`) | {sources} | `{t.target.value}` | "
            f"`{t.permission.value}` | {guards} | `{t.audit.value}` |"
        )
    lines += [
        "",
        "## The advisory",
        "",
        (
            "An advisory is drafted from an accepted case, reviewed (participants may comment "
            "under embargo), approved, scheduled for the embargo end and published by the worker "
            "(all formats together, or none). Publishing the advisory moves the case to "
            "`published` in the same transaction."
        ),
        "",
        "| step | from | to | permission | requires |",
        "|---|---|---|---|---|",
    ]
    for a in ADVISORY_TRANSITIONS:
        sources = ", ".join(f"`{s.value}`" for s in AdvisoryState if s in a.sources)
        guards = "; ".join(g.__doc__ or "" for g in a.guards) or "—"
        lines.append(
            f"| **{a.label}** (`{a.name}`) | {sources} | `{a.target.value}` | "
            f"`{a.permission.value}` | {guards} |"
        )
    lines += ["", "## Diagram", "", "```mermaid", "stateDiagram-v2"]
    lines += [
        f"    {s} --> {t.target.value}: {t.name}" for t in TRANSITIONS for s in sorted(t.sources)
    ]
    lines += ["```", ""]
    return "\n".join(lines)
