"""Reads of cases. Need-to-know: the SIRT sees every case; nobody else sees any case until
read in (participants arrive with the case workspace)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from akrites.cases.keys import case_data_key, open_for_case
from akrites.cases.models import Case
from akrites.domain.errors import NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import Actor, authorize


def cases_visible_to(*, actor: Actor) -> QuerySet[Case]:
    if authorize(actor, Permission.CASE_READ):
        return Case.objects.annotate(report_count=Count("reports"))
    return Case.objects.none()


def case_get(*, actor: Actor, number: str) -> Case:
    case = cases_visible_to(actor=actor).filter(number=number).first()
    if case is None:
        raise NotFound("no such case")
    return case


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
        FinderCredit(organisation=r.organisation.name, tracking_id=r.tracking_id,
                     received_at=r.received_at, first=i == 0)
        for i, r in enumerate(reports)
    ]
