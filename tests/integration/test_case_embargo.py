"""A case's embargo: proposed by the coordinator, accepted by the maintainers, capped by
policy, broken with a reason; sealed, audited and announced without content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from akrites.accounts.auth import actor_for_user
from akrites.audit.models import AuditEvent
from akrites.cases.embargo import embargo_accept, embargo_break, embargo_of, embargo_propose
from akrites.cases.models import Case, CaseEmbargo
from akrites.cases.services import case_invite_organisation, case_read_in
from akrites.domain.errors import Forbidden, InvalidInput, NotFound
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from tests.factories import make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

BREAK_DETAIL = "exploit posted on a forum by OSPREY-2231"


def _a(user):  # type: ignore[no-untyped-def]
    return actor_for_user(user, mfa_verified=True)


def _world():  # type: ignore[no-untyped-def]
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    case = Case.objects.get(number=submit(Client(), bearer(lab), report_doc()).json()["case"])
    maintainer = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=maintainer.organisation, role="maintainer"
    )
    case_read_in(actor=_a(maintainer), case=case, user=maintainer)
    outsider = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    return coord, maintainer, outsider, case


@pytest.mark.django_db
def test_proposal_becomes_active_when_the_maintainer_accepts() -> None:
    coord, maintainer, _, case = _world()
    end = timezone.now() + timedelta(days=30)
    proposed = embargo_propose(actor=_a(coord), case=case, end_at=end)
    assert proposed.status.value == "proposed"
    active = embargo_accept(actor=_a(maintainer), case=case)
    assert active.status.value == "active"
    row = CaseEmbargo.objects.get(case=case)
    assert row.status == "active"
    assert row.end_at == end
    events = list(
        AuditEvent.objects.filter(action="embargo.changed", target_id=case.number).values_list(
            "data", flat=True
        )
    )
    assert [e["event"] for e in events][:1] == ["embargo.proposed"]
    assert any(e["event"] == "embargo.agreed" for e in events)


@pytest.mark.django_db
def test_dates_in_the_past_or_beyond_the_cap_are_refused() -> None:
    coord, _, _, case = _world()
    with pytest.raises(InvalidInput) as past:
        embargo_propose(actor=_a(coord), case=case, end_at=timezone.now() - timedelta(days=1))
    assert past.value.field == "end_at"
    with pytest.raises(InvalidInput) as far:
        embargo_propose(actor=_a(coord), case=case, end_at=timezone.now() + timedelta(days=120))
    assert far.value.field == "end_at"
    assert "90 days" in far.value.message
    assert not CaseEmbargo.objects.exists()


@pytest.mark.django_db
def test_outsiders_cannot_touch_the_embargo() -> None:
    coord, _, outsider, case = _world()
    embargo_propose(actor=_a(coord), case=case, end_at=timezone.now() + timedelta(days=10))
    with pytest.raises((Forbidden, NotFound)):
        embargo_accept(actor=_a(outsider), case=case)
    assert embargo_of(case).status.value == "proposed"  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_breaking_is_sealed_audited_and_announced_without_content() -> None:
    coord, maintainer, _, case = _world()
    embargo_propose(actor=_a(coord), case=case, end_at=timezone.now() + timedelta(days=30))
    embargo_accept(actor=_a(maintainer), case=case)
    mail.outbox.clear()
    broken = embargo_break(
        actor=_a(maintainer), case=case, reason="active_exploitation", detail=BREAK_DETAIL
    )
    assert broken.status.value == "broken"
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert maintainer.email in recipients
    assert coord.email in recipients
    for message in mail.outbox:
        assert "OSPREY" not in message.subject + message.body
        assert case.number in message.subject
    with connection.cursor() as cursor:
        cursor.execute("SELECT value_sealed FROM cases_caseembargo")
        assert b"OSPREY" not in bytes(cursor.fetchone()[0])
    assert embargo_of(case).broken.detail == BREAK_DETAIL  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_case_page_proposes_accepts_and_breaks() -> None:
    from tests.factories import sign_in

    coord, maintainer, _, case = _world()
    coord_client = sign_in(Client(), coord)
    day = (timezone.now() + timedelta(days=20)).date().isoformat()
    response = coord_client.post(
        f"/cases/{case.number}/embargo/", {"action": "propose", "end_at": day}
    )
    assert response.status_code == 302
    page = coord_client.get(f"/cases/{case.number}/").content.decode()
    assert "proposed" in page
    assert maintainer.organisation.name in page  # awaiting the maintainer
    m_client = sign_in(Client(), maintainer)
    m_client.post(f"/cases/{case.number}/embargo/", {"action": "accept"})
    assert embargo_of(case).status.value == "active"  # type: ignore[union-attr]
    bad = coord_client.post(
        f"/cases/{case.number}/embargo/", {"action": "propose", "end_at": "tomorrow"}, follow=True
    )
    assert "is not a date" in bad.content.decode()
    far = coord_client.post(
        f"/cases/{case.number}/embargo/", {"action": "propose", "end_at": "2099-01-01"}, follow=True
    )
    assert "90 days" in far.content.decode()
    m_client.post(
        f"/cases/{case.number}/embargo/",
        {"action": "break", "reason": "leak", "detail": BREAK_DETAIL},
    )
    assert embargo_of(case).status.value == "broken"  # type: ignore[union-attr]
    outsider = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    denied = sign_in(Client(), outsider).post(
        f"/cases/{case.number}/embargo/", {"action": "accept"}
    )
    assert denied.status_code == 404


@pytest.mark.django_db
def test_the_api_reads_and_negotiates_the_embargo() -> None:
    import json

    from akrites.accounts.services import token_create
    from akrites.domain.policy import SYSTEM

    coord, maintainer, outsider, case = _world()

    def token(user, scopes):  # type: ignore[no-untyped-def]
        secret = token_create(actor=SYSTEM, user=user, name="t", scopes=scopes).secret
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    c = token(coord, ["cases:case:read", "cases:case:coordinate"])
    m = token(maintainer, ["cases:case:read"])
    o = token(outsider, ["cases:case:read"])
    url = f"/api/v1/cases/{case.number}/embargo"
    assert Client().get(url, **c).json() == {"status": "none"}
    end = (timezone.now() + timedelta(days=15)).isoformat()
    proposed = Client().post(
        url, json.dumps({"action": "propose", "end_at": end}), content_type="application/json", **c
    )
    assert proposed.status_code == 200, proposed.content
    assert proposed.json()["proposal"]["awaiting"] == [maintainer.organisation_id]
    accepted = Client().post(
        url, json.dumps({"action": "accept"}), content_type="application/json", **m
    )
    assert accepted.json()["status"] == "active"
    too_far = Client().post(
        url,
        json.dumps({"action": "propose", "end_at": "2099-01-01T00:00:00+00:00"}),
        content_type="application/json",
        **c,
    )
    assert too_far.status_code == 422
    assert too_far.json()["field"] == "end_at"
    hidden = Client().get(url, **o)
    missing = Client().get("/api/v1/cases/AK-1999-9999/embargo", **o)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_reminds_once_and_ends_on_schedule() -> None:
    from akrites.cases.embargo import embargoes_due

    coord, maintainer, _, case = _world()
    start = timezone.now()
    end = start + timedelta(days=10)
    embargo_propose(actor=_a(coord), case=case, end_at=end, now=start)
    embargo_accept(actor=_a(maintainer), case=case, now=start)
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    assert any("agreed embargo date" in m.subject for m in mail.outbox)
    assert embargoes_due(now=start).reminded == ()  # nothing due 10 days out
    six_days_before = end - timedelta(days=6)
    assert embargoes_due(now=six_days_before).reminded == (case.number,)  # the 7-day reminder
    assert embargoes_due(now=six_days_before).reminded == ()  # sent once only
    mail.outbox.clear()
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    assert mail.outbox
    assert all("ending in 6 days" in m.subject for m in mail.outbox)
    result = embargoes_due(now=end + timedelta(minutes=1))
    assert result.ended == (case.number,)
    assert embargo_of(case).status.value == "ended"  # type: ignore[union-attr]
    assert embargoes_due(now=end + timedelta(days=1)).ended == ()
