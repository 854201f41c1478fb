"""Reads of cases. Need-to-know: the SIRT sees every case; nobody else sees any case until
read in (participants arrive with the case workspace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, QuerySet

from akrites.accounts.models import User
from akrites.audit.models import AuditEvent
from akrites.audit.services import audit_record
from akrites.cases.keys import case_data_key, open_for_case
from akrites.cases.models import Case, CaseParticipant
from akrites.domain.audit import AuditAction
from akrites.domain.errors import NotFound
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
