"""Need-to-know: nobody outside the SIRT sees a case unless read in; removal ends access."""

from __future__ import annotations

import pytest
from django.test import Client

from akrites.accounts.auth import actor_for_user
from akrites.audit.models import AuditEvent
from akrites.cases.models import Case
from akrites.cases.selectors import case_access, cases_visible_to
from akrites.cases.services import (
    case_invite_organisation,
    case_read_in,
    case_remove_organisation,
    case_remove_participant,
)
from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db

TITLE = "SQL injection in QuerySet.order_by via crafted column aliases"


def _a(user):  # type: ignore[no-untyped-def]
    return actor_for_user(user, mfa_verified=True)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    number = submit(Client(), bearer(lab), report_doc()).json()["case"]
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    member = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=admin.organisation)
    colleague = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=admin.organisation)
    outsider = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    return {
        "coord": coord,
        "lab": lab,
        "case": Case.objects.get(number=number),
        "admin": admin,
        "member": member,
        "colleague": colleague,
        "outsider": outsider,
    }


def test_nobody_outside_the_sirt_sees_an_uninvited_case(world) -> None:  # type: ignore[no-untyped-def]
    case = world["case"]
    for who in ("lab", "admin", "member", "outsider"):
        client = sign_in(Client(), world[who])
        hidden = client.get(f"/cases/{case.number}/")
        missing = client.get("/cases/AK-1999-9999/")
        assert hidden.status_code == missing.status_code == 404, who
        assert TITLE.encode() not in hidden.content
        assert case.number.encode() not in client.get("/cases/").content, who
        assert not cases_visible_to(actor=_a(world[who])).exists()
    assert sign_in(Client(), world["coord"]).get(f"/cases/{case.number}/").status_code == 200


def test_invited_organisation_reads_in_chosen_people_only(world) -> None:  # type: ignore[no-untyped-def]
    case, coord, admin = world["case"], world["coord"], world["admin"]
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=admin.organisation, role="maintainer"
    )
    # Invited, but nobody read in yet: still nothing to see.
    assert sign_in(Client(), world["member"]).get(f"/cases/{case.number}/").status_code == 404
    client = sign_in(Client(), admin)
    page = client.get("/organisation/cases/").content.decode()
    assert case.number in page
    assert TITLE not in page  # the invitation alone reveals no content
    client.post(
        "/organisation/cases/",
        {"invitation": case.organisations.get().pk, "user": world["member"].pk, "action": "add"},
    )
    member_client = sign_in(Client(), world["member"])
    seen = member_client.get(f"/cases/{case.number}/")
    assert seen.status_code == 200
    assert TITLE.encode() in seen.content
    assert b"Finders" not in seen.content  # other finders stay hidden from maintainers
    assert sign_in(Client(), world["colleague"]).get(f"/cases/{case.number}/").status_code == 404


def test_removal_ends_access_at_once(world) -> None:  # type: ignore[no-untyped-def]
    case, coord, admin, member = world["case"], world["coord"], world["admin"], world["member"]
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=admin.organisation, role="maintainer"
    )
    case_read_in(actor=_a(admin), case=case, user=member)
    client = sign_in(Client(), member)
    assert client.get(f"/cases/{case.number}/").status_code == 200
    case_remove_participant(actor=_a(admin), case=case, user=member)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    case_read_in(actor=_a(admin), case=case, user=member)
    assert client.get(f"/cases/{case.number}/").status_code == 200
    case_remove_organisation(actor=_a(coord), case=case, organisation=admin.organisation)
    assert client.get(f"/cases/{case.number}/").status_code == 404


def test_reading_in_is_limited_to_ones_own_people_and_invited_organisations(world) -> None:  # type: ignore[no-untyped-def]
    case, coord, admin, outsider = world["case"], world["coord"], world["admin"], world["outsider"]
    with pytest.raises(InvalidInput, match="not invited"):
        case_read_in(actor=_a(admin), case=case, user=world["member"])
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=admin.organisation, role="maintainer"
    )
    with pytest.raises(Forbidden):
        case_read_in(actor=_a(outsider), case=case, user=world["member"])
    with pytest.raises(Forbidden):
        case_invite_organisation(
            actor=_a(admin), case=case, organisation=outsider.organisation, role="maintainer"
        )
    with pytest.raises(InvalidInput, match="cannot take part as vendor"):
        case_invite_organisation(
            actor=_a(coord), case=case, organisation=outsider.organisation, role="vendor"
        )
    with pytest.raises(Conflict):
        case_invite_organisation(
            actor=_a(coord), case=case, organisation=admin.organisation, role="maintainer"
        )
    case_read_in(actor=_a(admin), case=case, user=world["member"])
    with pytest.raises(Conflict):
        case_read_in(actor=_a(admin), case=case, user=world["member"])


def test_every_view_is_audited_and_shown_in_who_looked(world) -> None:  # type: ignore[no-untyped-def]
    case, coord, admin, member = world["case"], world["coord"], world["admin"], world["member"]
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=admin.organisation, role="maintainer"
    )
    case_read_in(actor=_a(admin), case=case, user=member)
    client = sign_in(Client(), member)
    client.get(f"/cases/{case.number}/")
    client.get(f"/cases/{case.number}/")
    assert (
        AuditEvent.objects.filter(
            action="case.viewed", target_id=case.number, actor_user_id=member.pk
        ).count()
        == 2
    )
    rows = {r.who: r for r in case_access(actor=_a(coord), case=case)}
    assert rows[member.email].views == 2
    assert rows[member.email].role == "maintainer"
    assert rows[coord.email].role == "SIRT staff"
    page = sign_in(Client(), coord).get(f"/cases/{case.number}/").content.decode()
    assert "Who has access and who looked" in page
    assert member.email in page
    with pytest.raises(Forbidden):
        case_access(actor=_a(member), case=case)


def test_case_label_is_set_by_the_sirt_and_content_follows_it(world) -> None:  # type: ignore[no-untyped-def]
    from akrites.cases.services import case_set_tlp
    from akrites.messaging.selectors import case_label

    case, coord = world["case"], world["coord"]
    assert case_label(case).value == "AMBER+STRICT"
    analyst = make_user(OrgKind.SIRT, Role.ANALYST, org=coord.organisation)
    case_set_tlp(actor=_a(analyst), case=case, tlp="RED")  # stricter: triage may
    with pytest.raises(Forbidden, match="only a coordinator may lower"):
        case_set_tlp(actor=_a(analyst), case=case, tlp="AMBER")
    with pytest.raises(InvalidInput):
        case_set_tlp(actor=_a(coord), case=case, tlp="PURPLE")
    client = sign_in(Client(), coord)
    assert client.post(f"/cases/{case.number}/tlp/", {"tlp": "AMBER"}).status_code == 302
    case.refresh_from_db()
    assert case.tlp == "AMBER"
    assert case_label(case).value == "AMBER"
    assert "TLP:AMBER" in client.get(f"/cases/{case.number}/").content.decode()
    assert AuditEvent.objects.filter(action="case.relabelled", target_id=case.number).count() == 2
    maintainer_client = sign_in(Client(), world["member"])
    assert maintainer_client.post(f"/cases/{case.number}/tlp/", {"tlp": "CLEAR"}).status_code == 403
