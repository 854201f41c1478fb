"""The advisory workspace: coordinators draft and edit, participants comment under embargo,
finders choose their credit; everyone else sees nothing. Web and API."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from akrites.accounts.auth import actor_for_user
from akrites.audit.models import AuditEvent
from akrites.cases.services import case_invite_organisation, case_read_in
from akrites.domain.permissions import OrgKind, Role
from akrites.publication import services
from akrites.publication.models import AdvisoryComment, CreditPreference, PublishedDocument
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer
from tests.publication_helpers import published, ready_case

FINDER_SCOPES = ["intake:report:read", "intake:report:credit"]
ADVISORY_SCOPES = ["cases:case:read", "cases:case:coordinate", "cases:case:publish"]


def _maintainer_read_in(flow):  # type: ignore[no-untyped-def]
    maintainer = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    case_invite_organisation(
        actor=flow.coord, case=flow.case, organisation=maintainer.organisation, role="maintainer"
    )
    case_read_in(
        actor=actor_for_user(maintainer, mfa_verified=True), case=flow.case, user=maintainer
    )
    return maintainer


@pytest.mark.django_db
def test_participants_review_and_comment_outsiders_get_not_found() -> None:
    flow = ready_case()
    maintainer = _maintainer_read_in(flow)
    url = f"/cases/{flow.case.number}/advisory/"
    client = sign_in(Client(), maintainer)
    page = client.get(url).content.decode()
    assert flow.advisory.identifier in page
    assert "Heap overflow in the Quetzal frame decoder" in page
    assert 'data-step="approve"' not in page  # steps are the coordinators'
    notices = DBTaskResult.objects.filter(task_path="akrites.notifications.tasks.send_case_notice")
    before = set(notices.values_list("pk", flat=True))
    client.post(url + "comment/", {"body": "Please mention the 2.3 backport."})
    comment = AdvisoryComment.objects.get()
    queued = [n.args_kwargs["args"] for n in notices.exclude(pk__in=before)]
    assert [a[0] for a in queued] == [flow.coordinator.pk]  # the coordinator, not the author
    assert queued[0][2] == "has a new comment on its advisory draft"
    assert all("backport" not in str(a) for a in queued)
    assert b"backport" not in bytes(comment.body_sealed)
    assert "Please mention the 2.3 backport." in client.get(url).content.decode()
    for outsider in (
        make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER),
        flow.finder,  # reported it, but is not read in to the case
    ):
        other = sign_in(Client(), outsider)
        assert other.get(url).status_code == 404
        assert other.get("/cases/AK-2099-0001/advisory/").status_code == 404
        other.post(url + "comment/", {"body": "let me in"})
    assert AdvisoryComment.objects.count() == 1


@pytest.mark.django_db
def test_coordinator_edits_in_the_form_and_bad_lines_change_nothing() -> None:
    flow = ready_case()
    client = sign_in(Client(), flow.coordinator)
    url = f"/cases/{flow.case.number}/advisory/"
    form = {
        "title": "Heap overflow in Quetzal's frame decoder",
        "description": "A crafted frame overflows a fixed buffer.",
        "cve_id": "CVE-2026-40001",
        "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "cvss_v4": "",
        "cwes": "CWE-787",
        "affected": "pkg:pypi/quetzal vers:pypi/>=1.0|<2.4.1",
        "references": "fix https://git.example.net/quetzal/commit/0123456789abcdef0123456789abcdef01234567",
        "workarounds": "Reject frames longer than 64 KiB at the proxy.",
    }
    client.post(url + "edit/", form)
    flow.advisory.refresh_from_db()
    record = services.advisory_record(flow.advisory)
    assert record.cve_id == "CVE-2026-40001"
    assert record.affected[0].fixed_versions == ("2.4.1",)
    assert record.workarounds == ("Reject frames longer than 64 KiB at the proxy.",)
    bad = client.post(
        url + "edit/", {**form, "affected": "pkg:pypi/quetzal vers:pypi/>=banana"}, follow=True
    )
    assert "line 1" in bad.content.decode()
    flow.advisory.refresh_from_db()
    assert services.advisory_record(flow.advisory) == record


@pytest.mark.django_db
def test_api_drafts_edits_and_steps_with_specific_errors(client) -> None:  # type: ignore[no-untyped-def]
    flow = ready_case()
    headers = bearer(flow.coordinator, scopes=ADVISORY_SCOPES)
    base = f"/api/v1/cases/{flow.case.number}/advisory"
    r = client.get(base, **headers)
    assert r.status_code == 200
    assert r.json()["state"] == "draft"
    r = client.put(base, {"cve_id": "CVE-1"}, content_type="application/json", **headers)
    assert r.status_code == 422
    assert r.json()["field"] == "cve_id"
    r = client.post(
        f"{base}/steps", {"step": "approve"}, content_type="application/json", **headers
    )
    assert r.status_code == 409
    r = client.post(
        f"{base}/steps", {"step": "submit_for_review"}, content_type="application/json", **headers
    )
    assert r.json()["state"] == "review"
    r = client.post(base, {}, content_type="application/json", **headers)
    assert r.status_code == 409  # one advisory per case
    read_only = bearer(flow.coordinator, scopes=["cases:case:read"])
    r = client.put(base, {"title": "x"}, content_type="application/json", **read_only)
    assert r.status_code == 403


@pytest.mark.django_db
def test_finders_choose_their_credit_and_publication_honours_it(client) -> None:  # type: ignore[no-untyped-def]
    flow = ready_case(credit_name=None)
    report = flow.case.reports.get()
    page = sign_in(Client(), flow.finder).get(f"/reports/{report.tracking_id}/").content.decode()
    assert 'id="credit"' in page
    sirt_page = sign_in(Client(), flow.coordinator).get(f"/reports/{report.tracking_id}/")
    assert 'id="credit"' not in sirt_page.content.decode()
    r = client.put(
        f"/api/v1/reports/{report.tracking_id}/credit",
        {"consent": True, "name": "", "credit_type": "finder"},
        content_type="application/json",
        **bearer(flow.finder, scopes=FINDER_SCOPES),
    )
    assert r.status_code == 422
    assert r.json()["field"] == "name"
    r = client.put(
        f"/api/v1/reports/{report.tracking_id}/credit",
        {"consent": True, "name": "Kestrel Security", "credit_type": "analyst"},
        content_type="application/json",
        **bearer(flow.finder, scopes=FINDER_SCOPES),
    )
    assert r.status_code == 200
    r = client.put(
        f"/api/v1/reports/{report.tracking_id}/credit",
        {"consent": False, "name": "", "credit_type": "finder"},
        content_type="application/json",
        **bearer(flow.finder),  # a token without the credit scope
    )
    assert r.status_code == 403
    stranger = make_user(OrgKind.FINDER, Role.REPORTER)
    r = client.put(
        f"/api/v1/reports/{report.tracking_id}/credit",
        {"consent": False, "name": "", "credit_type": "finder"},
        content_type="application/json",
        **bearer(stranger),
    )
    assert r.status_code == 404
    assert CreditPreference.objects.get(report=report).name == "Kestrel Security"
    published(flow)
    osv = json.loads(PublishedDocument.objects.get(kind="osv", current=True).content)
    assert {"name": "Kestrel Security", "type": "ANALYST"} in [
        {"name": c["name"], "type": c["type"]} for c in osv["credits"]
    ]
    assert AuditEvent.objects.filter(action="credit.preference_set").count() == 1


@pytest.mark.django_db
def test_a_declined_credit_is_left_out() -> None:
    flow = ready_case()
    report = flow.case.reports.get()
    services.credit_preference_set(
        actor=actor_for_user(flow.finder, mfa_verified=True),
        report=report,
        consent=False,
        name="Osprey Labs research team",
        credit_type="finder",
    )
    published(flow)
    osv = json.loads(PublishedDocument.objects.get(kind="osv", current=True).content)
    assert "Osprey Labs" not in json.dumps(osv)


@pytest.mark.django_db
def test_other_credits_need_the_coordinators_word_that_they_agreed() -> None:
    flow = ready_case()
    client = sign_in(Client(), flow.coordinator)
    url = f"/cases/{flow.case.number}/advisory/"
    record = services.advisory_record(flow.advisory)
    form = {
        "title": record.title,
        "description": record.description,
        "cvss_v3": record.cvss_v3 or "",
        "affected": "pkg:pypi/quetzal vers:pypi/>=1.0|<2.4.1",
        "credits": "coordinator Akrites SIRT\nremediation_developer Jane Maintainer",
    }
    page = client.post(url + "edit/", form, follow=True).content.decode()
    assert "credits[2].consent" in page  # the new line, without the coordinator's word
    flow.advisory.refresh_from_db()
    assert services.advisory_record(flow.advisory) == record
    client.post(url + "edit/", {**form, "consent": "yes"})
    flow.advisory.refresh_from_db()
    given = {(c.name, c.type.value) for c in services.advisory_record(flow.advisory).credits}
    assert given == {
        ("Osprey Labs research team", "finder"),  # the finder's own choice, untouched
        ("Akrites SIRT", "coordinator"),
        ("Jane Maintainer", "remediation_developer"),
    }
    client.post(url + "edit/", {**form, "credits": "tool scanner-9000"})
    page = client.get(url).content.decode()
    assert "Jane Maintainer" in page  # refused: nothing changed
    bad = client.post(url + "edit/", {**form, "credits": "finder Mallory"}, follow=True)
    assert "finders choose their own credit" in bad.content.decode()
