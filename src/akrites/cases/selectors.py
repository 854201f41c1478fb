"""Reads of cases. Need-to-know: the SIRT sees every case; nobody else sees any case until
read in (participants arrive with the case workspace)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from akrites.accounts.models import Organisation, User
from akrites.audit.models import AuditEvent
from akrites.audit.services import audit_record
from akrites.cases.keys import case_data_key, open_for_case
from akrites.cases.models import Case, CaseEmbargo, CaseParticipant
from akrites.domain.audit import AuditAction
from akrites.domain.errors import NotFound
from akrites.domain.lifecycle import CaseState
from akrites.domain.permissions import OrgKind, Permission
from akrites.domain.policy import Actor, CaseResource, UserId, authorize, may_ever, require


def case_resource(case: Case) -> CaseResource:
    """The facts policy needs about a case: who is read in, now."""
    ids = CaseParticipant.objects.filter(case=case, removed_at__isnull=True).values_list(
        "user_id", flat=True
    )
    return CaseResource(participant_user_ids=frozenset(UserId(i) for i in ids))


def cases_visible_to(*, actor: Actor) -> QuerySet[Case]:
    """The SIRT sees every case; anyone else, only the cases they are read in to."""
    cases = Case.objects.annotate(report_count=Count("reports"))
    if authorize(actor, Permission.CASE_READ):
        return cases
    if actor.user_id is None or not may_ever(actor, Permission.CASE_READ):
        return Case.objects.none()
    return cases.filter(participants__user_id=actor.user_id, participants__removed_at__isnull=True)


def case_get(*, actor: Actor, number: str) -> Case:
    """The case if the actor may read it; missing and hidden look the same."""
    case = cases_visible_to(actor=actor).filter(number=number).first()
    if case is None or not authorize(actor, Permission.CASE_READ, case_resource(case)):
        raise NotFound("no such case")
    return case


def case_open(*, actor: Actor, number: str) -> Case:
    """``case_get`` for showing the case's content: the read is audited."""
    case = case_get(actor=actor, number=number)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.CASE_VIEWED,
            target_type="case",
            target_id=case.number,
            data={},
        )
    return case


@dataclass(frozen=True, slots=True)
class AccessRow:
    who: str
    organisation: str
    role: str
    since: datetime | None
    until: datetime | None
    views: int
    last_viewed: datetime | None


def case_access(*, actor: Actor, case: Case) -> list[AccessRow]:
    """Who has (or had) access to the case and who looked: for coordinators."""
    require(actor, Permission.CASE_COORDINATE)
    looked: dict[int, tuple[int, datetime]] = {}
    for user_id, at in AuditEvent.objects.filter(
        action=AuditAction.CASE_VIEWED.value, target_type="case", target_id=case.number
    ).values_list("actor_user_id", "occurred_at"):
        if user_id is None:
            continue
        count, last = looked.get(user_id, (0, at))
        looked[user_id] = (count + 1, max(last, at))
    rows = []
    seen: set[int] = set()
    for p in case.participants.select_related("user", "organisation").order_by("added_at"):
        count, last = looked.get(p.user_id, (0, None))  # type: ignore[assignment]
        rows.append(
            AccessRow(
                p.user.email, p.organisation.name, p.role, p.added_at, p.removed_at, count, last
            )
        )
        seen.add(p.user_id)
    staff = User.objects.filter(organisation__kind=OrgKind.SIRT.value, is_active=True)
    for user in staff.select_related("organisation"):
        if user.pk in seen:
            continue
        count, last = looked.get(user.pk, (0, None))  # type: ignore[assignment]
        rows.append(
            AccessRow(user.email, user.organisation.name, "SIRT staff", None, None, count, last)
        )
        seen.add(user.pk)
    for user_id, (count, last) in looked.items():
        if user_id not in seen:  # looked, but no longer listed (e.g. left the SIRT)
            email = User.objects.filter(pk=user_id).values_list("email", flat=True).first()
            rows.append(
                AccessRow(email or f"user {user_id}", "", "former", None, None, count, last)
            )
    return rows


def case_title(case: Case) -> str:
    return open_for_case(case, case_data_key(case), "title", bytes(case.title_sealed))


@dataclass(frozen=True, slots=True)
class FinderCredit:
    organisation: str
    tracking_id: str
    received_at: datetime
    first: bool


def case_finders(case: Case) -> list[FinderCredit]:
    """Every finder of the flaw, earliest first: one credit per report, never dropped by a merge."""
    reports = case.reports.select_related("organisation").order_by("received_at", "id")
    return [
        FinderCredit(
            organisation=r.organisation.name,
            tracking_id=r.tracking_id,
            received_at=r.received_at,
            first=i == 0,
        )
        for i, r in enumerate(reports)
    ]


AUDIT_EXPORT_FIELDS = [
    "seq",
    "occurred_at",
    "action",
    "actor",
    "actor_organisation",
    "target_type",
    "target_id",
    "data",
    "hash",
    "prev_hash",
]


def case_audit_trail(*, actor: Actor, case: Case, export_format: str) -> list[dict[str, Any]]:
    """Every audit event about the case, oldest first, for coordinators; the export is itself
    audited (in the same transaction as the read)."""
    require(actor, Permission.CASE_COORDINATE)
    with transaction.atomic():
        events = list(
            AuditEvent.objects.filter(target_type="case", target_id=case.number).order_by("seq")
        )
        users = dict(
            User.objects.filter(
                pk__in={e.actor_user_id for e in events if e.actor_user_id}
            ).values_list("pk", "email")
        )
        orgs = dict(
            Organisation.objects.filter(
                pk__in={e.actor_org_id for e in events if e.actor_org_id}
            ).values_list("pk", "name")
        )
        audit_record(
            actor=actor,
            action=AuditAction.CASE_AUDIT_EXPORTED,
            target_type="case",
            target_id=case.number,
            data={"events": len(events), "format": export_format},
        )
    return [
        {
            "seq": e.seq,
            "occurred_at": e.occurred_at.isoformat(),
            "action": e.action,
            "actor": users.get(e.actor_user_id or 0, "system" if e.actor_user_id is None else ""),
            "actor_organisation": orgs.get(e.actor_org_id or 0, ""),
            "target_type": e.target_type,
            "target_id": e.target_id,
            "data": e.data,
            "hash": e.hash,
            "prev_hash": e.prev_hash,
        }
        for e in events
    ]


# What participants outside the SIRT see on the case timeline: what happened, not who.
TIMELINE_ACTIONS = {
    AuditAction.CASE_OPENED.value: "Case opened",
    AuditAction.CASE_TRANSITIONED.value: "State changed",
    AuditAction.CASE_ASSESSED.value: "Assessed",
    AuditAction.CASE_FIX_RECORDED.value: "Fix recorded",
    AuditAction.CASE_EXPLOITED.value: "Exploitation in the wild recorded",
    AuditAction.EMBARGO_CHANGED.value: "Embargo",
    AuditAction.CASE_ORG_INVITED.value: "Organisation invited",
    AuditAction.CASE_ORG_REMOVED.value: "Organisation removed",
    AuditAction.CASE_RELABELLED.value: "Relabelled",
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    what: str
    detail: str
    who: str


def _timeline_detail(action: str, data: dict[str, Any]) -> str:
    if action == AuditAction.CASE_TRANSITIONED.value:
        return f"{data.get('from', '')} → {data.get('to', '')}"
    if action == AuditAction.EMBARGO_CHANGED.value:
        return str(data.get("event", "")).removeprefix("embargo.").replace("_", " ")
    if action == AuditAction.CASE_ASSESSED.value:
        return f"severity {data.get('severity', '')}, P{data.get('priority', '')}"
    if action == AuditAction.CASE_RELABELLED.value:
        return f"TLP:{data.get('from', '')} → TLP:{data.get('to', '')}"
    return ""


def case_timeline(*, actor: Actor, case: Case) -> list[TimelineEntry]:
    """What happened to the case, newest first. Only the SIRT sees who did it."""
    require(actor, Permission.CASE_READ, case_resource(case))
    staff = bool(authorize(actor, Permission.CASE_COORDINATE))
    events = list(
        AuditEvent.objects.filter(
            target_type="case", target_id=case.number, action__in=list(TIMELINE_ACTIONS)
        ).order_by("-seq")[:200]
    )
    names: dict[int, str] = {}
    if staff:
        names = dict(
            User.objects.filter(
                pk__in={e.actor_user_id for e in events if e.actor_user_id}
            ).values_list("pk", "email")
        )
    return [
        TimelineEntry(
            at=e.occurred_at,
            what=TIMELINE_ACTIONS[e.action],
            detail=_timeline_detail(e.action, e.data),
            who=(names.get(e.actor_user_id or 0, "system") if staff else ""),
        )
        for e in events
    ]


DEADLINE_WINDOWS = {"overdue": "overdue", "7": "within 7 days", "30": "within 30 days"}


@dataclass(frozen=True, slots=True)
class CaseQueueFilter:
    """The queue's filters, as typed in the query string (unknown values are ignored)."""

    state: str = ""
    component: str = ""
    priority: int | None = None
    deadline: str = ""

    @staticmethod
    def from_query(query: Mapping[str, str]) -> CaseQueueFilter:
        state = query.get("state", "")
        raw_priority = query.get("priority", "")
        deadline = query.get("deadline", "")
        return CaseQueueFilter(
            state=state if state in {s.value for s in CaseState} else "",
            component=query.get("component", "").strip()[:512],
            priority=int(raw_priority) if raw_priority in {"1", "2", "3", "4"} else None,
            deadline=deadline if deadline in DEADLINE_WINDOWS else "",
        )

    def as_query(self) -> str:
        pairs = {
            "state": self.state,
            "component": self.component,
            "priority": "" if self.priority is None else str(self.priority),
            "deadline": self.deadline,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def case_queue(
    *, actor: Actor, filters: CaseQueueFilter, now: datetime | None = None
) -> QuerySet[Case]:
    """The cases the actor may see, filtered, most urgent first: priority, then deadline."""
    qs = cases_visible_to(actor=actor).select_related("component")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.component:
        qs = qs.filter(Q(component__purl=filters.component) | Q(component__name=filters.component))
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    when = now or timezone.now()
    if filters.deadline == "overdue":
        qs = qs.filter(deadline__lt=when).exclude(state__in=_DONE)
    elif filters.deadline in {"7", "30"}:
        horizon = when + timedelta(days=int(filters.deadline))
        qs = qs.filter(deadline__gte=when, deadline__lte=horizon)
    return qs.order_by(
        F("priority").asc(nulls_last=True),
        F("deadline").asc(nulls_last=True),
        "-first_reported_at",
    )


_DONE = [
    CaseState.PUBLISHED.value,
    CaseState.CLOSED.value,
    CaseState.REJECTED.value,
    CaseState.DUPLICATE.value,
]


@dataclass(frozen=True, slots=True)
class MyCase:
    case: Case
    title: str
    role: str
    embargo_status: str
    embargo_end: datetime | None


def my_cases(*, actor: Actor, limit: int = 50) -> list[MyCase]:
    """The cases a maintainer, vendor or operator is read in to, most urgent first: what
    their own dashboard lists (the SIRT uses the queue)."""
    if actor.user_id is None:
        return []
    live = CaseParticipant.objects.filter(user_id=actor.user_id, removed_at__isnull=True)
    roles = dict(live.values_list("case_id", "role"))
    cases = case_queue(actor=actor, filters=CaseQueueFilter()).filter(pk__in=list(roles))[:limit]
    embargoes = {
        e.case_id: e for e in CaseEmbargo.objects.filter(case_id__in=[c.pk for c in cases])
    }
    out = []
    for c in cases:
        e = embargoes.get(c.pk)
        out.append(
            MyCase(
                case=c,
                title=case_title(c),
                role=roles.get(c.pk, ""),
                embargo_status=e.status if e else "none",
                embargo_end=e.end_at if e else None,
            )
        )
    return out


def case_list_audit(*, actor: Actor, cases: list[Case]) -> None:
    """A list of cases shows their titles: record which ones the actor was shown."""
    if not cases:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.CASES_LISTED,
            target_type="cases",
            target_id="",
            data={"cases": [c.number for c in cases]},
        )
