"""Cases carried through the whole workflow to a published (or scheduled) advisory, the way
the coordinators and maintainers do it, for tests of publication and the public surfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import User
from akrites.cases import workflow
from akrites.cases.embargo import embargo_propose
from akrites.cases.models import Case
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import Actor
from akrites.publication import services
from akrites.publication.models import Advisory, CreditPreference
from akrites.registry.models import Component
from tests.factories import make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@dataclass
class Flow:
    coordinator: User
    finder: User
    case: Case
    advisory: Advisory

    @property
    def coord(self) -> Actor:
        return actor_for_user(self.coordinator, mfa_verified=True)


def ready_case(
    *,
    name: str = "quetzal",
    vers: str = "vers:pypi/>=1.0|<2.4.1",
    fixed: str = "2.4.1",
    title: str = "Heap overflow in the Quetzal frame decoder",
    description: str = (
        "Quetzal's frame decoder trusts the length prefix of a frame and copies that many "
        "bytes into a fixed buffer; a crafted stream overflows it and runs attacker code."
    ),
    embargo_days: int | None = 30,
    credit_name: str | None = "Osprey Labs research team",
    coordinator: User | None = None,
) -> Flow:
    """A case reported, triaged, accepted, fixed upstream and with its advisory drafted."""
    coordinator = coordinator or make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    finder = make_user(OrgKind.FINDER, Role.REPORTER)
    purl = f"pkg:pypi/{name}"
    Component.objects.get_or_create(purl=purl, defaults={"ecosystem": "PyPI", "name": name})
    doc = report_doc(purl=purl, title=title, description=description)
    doc["affected"] = [{"purl": purl, "ranges": [{"type": "vers", "vers": vers}]}]
    doc["severity"] = [{"type": "CVSS_V3", "vector": VECTOR}]
    receipt = submit(Client(), bearer(finder), doc).json()
    case = Case.objects.get(number=receipt["case"])
    if credit_name is not None:
        CreditPreference.objects.create(
            report=case.reports.get(), consent=True, name=credit_name, credit_type="finder"
        )
    coord = actor_for_user(coordinator, mfa_verified=True)
    workflow.case_transition(actor=coord, case=case, name="start_triage")
    workflow.case_assess(actor=coord, case=case, severity="high", component_purl=purl)
    workflow.case_transition(actor=coord, case=case, name="accept")
    if embargo_days is not None:
        embargo_propose(
            actor=coord, case=case, end_at=timezone.now() + timedelta(days=embargo_days)
        )
    workflow.case_transition(actor=coord, case=case, name="take_over")
    workflow.case_transition(actor=coord, case=case, name="start_fix")
    workflow.case_add_fix(
        actor=coord,
        case=case,
        kind="commit",
        url=f"https://git.example.net/{name}/commit/0123456789abcdef0123456789abcdef01234567",
        fixed_versions=fixed,
    )
    workflow.case_transition(actor=coord, case=case, name="fix_ready")
    advisory = services.advisory_draft(actor=coord, case=case)
    return Flow(coordinator, finder, Case.objects.get(pk=case.pk), advisory)


def approved(flow: Flow) -> Flow:
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="submit_for_review")
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="approve")
    flow.advisory.refresh_from_db()
    return flow


def published(flow: Flow, *, now: datetime | None = None) -> Flow:
    """Approved, scheduled for the embargo's end, and released by the scheduler then."""
    approved(flow)
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    when = now or (flow.advisory.release_at or timezone.now()) + timedelta(minutes=1)
    services.publish_due(now=when)
    flow.advisory.refresh_from_db()
    flow.case.refresh_from_db()
    return flow
