"""Need-to-know through the API: coordinators invite, the organisation's administrator reads
its own people in, removal ends access at once; nobody else can do either."""

from __future__ import annotations

import pytest
from django.test import Client

from akrites.cases.models import Case
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit

COORD_SCOPES = ["cases:case:read", "cases:case:coordinate", "cases:case:triage"]


@pytest.mark.django_db
def test_invite_read_in_look_and_remove_through_the_api(client: Client) -> None:
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    case = Case.objects.get(number=submit(Client(), bearer(lab), report_doc()).json()["case"])
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    dev = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=admin.organisation)
    coord_h = bearer(coord, scopes=COORD_SCOPES)
    # Tokens never manage members: administrators act through their signed-in session.
    admin_client = sign_in(Client(), admin)
    dev_h = bearer(dev, scopes=["cases:case:read"])
    base = f"/api/v1/cases/{case.number}"

    assert client.get(base, **dev_h).status_code == 404
    r = client.post(
        f"{base}/organisations",
        {"organisation": admin.organisation_id, "role": "vendor"},
        content_type="application/json",
        **coord_h,
    )
    assert r.status_code == 422  # a maintainer organisation cannot take part as vendor
    assert r.json()["field"] == "role"
    r = client.post(
        f"{base}/organisations",
        {"organisation": admin.organisation_id, "role": "maintainer"},
        content_type="application/json",
        **coord_h,
    )
    assert r.status_code == 201
    (invitation,) = admin_client.get("/api/v1/organisation/invitations").json()
    assert (invitation["case"], invitation["read_in"]) == (case.number, [])
    outsider_admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    r = sign_in(Client(), outsider_admin).post(
        f"/api/v1/organisation/invitations/{invitation['invitation']}/participants",
        {"user": outsider_admin.pk},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = admin_client.post(
        f"/api/v1/organisation/invitations/{invitation['invitation']}/participants",
        {"user": dev.pk},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert client.get(base, **dev_h).status_code == 200
    access = client.get(f"{base}/access", **coord_h).json()
    assert [(row["who"], row["views"]) for row in access if row["who"] == dev.email] == [
        (dev.email, 1)
    ]
    assert client.get(f"{base}/access", **dev_h).status_code == 403
    r = admin_client.delete(
        f"/api/v1/organisation/invitations/{invitation['invitation']}/participants/{dev.pk}"
    )
    assert r.status_code == 204
    assert client.get(base, **dev_h).status_code == 404
    r = client.put(f"{base}/tlp", {"tlp": "RED"}, content_type="application/json", **coord_h)
    assert r.json()["tlp"] == "RED"
    r = client.delete(f"{base}/organisations/{admin.organisation_id}", **coord_h)
    assert r.status_code == 204
    assert admin_client.get("/api/v1/organisation/invitations").json() == []
    assert client.get("/api/v1/organisation/invitations", **dev_h).status_code == 403
