"""Moving a case along: assessment, guard checklist fed by real facts, transitions through the
services, the web page and the API; exploitation in the wild; early end of the embargo; the
queue's filters; the audit-trail export."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from akrites.accounts.auth import actor_for_user
from akrites.audit.models import AuditEvent
from akrites.cases import workflow
from akrites.cases.embargo import embargo_accept, embargo_of, embargo_propose
from akrites.cases.models import Case, CaseEmbargo
from akrites.cases.services import case_invite_organisation, case_read_in
from akrites.domain.errors import Conflict, Forbidden, InvalidInput
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.messaging.services import message_post, thread_case_wide
from tests.factories import ComponentFactory, make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit

ALL_CASE_SCOPES = [
    "cases:case:read",
    "cases:case:triage",
    "cases:case:coordinate",
    "cases:case:fix",
]


def _a(user):  # type: ignore[no-untyped-def]
    return actor_for_user(user, mfa_verified=True)


OTHER = {
    "title": "Timing side channel in HMAC token comparison",
    "description": (
        "The session token check compares HMAC digests with ==, so response time leaks how "
        "many leading bytes match; an attacker can forge a token byte by byte remotely."
    ),
    "purl": "pkg:pypi/left-pad",
}


def _case(lab, **doc):  # type: ignore[no-untyped-def]
    return Case.objects.get(number=submit(Client(), bearer(lab), report_doc(**doc)).json()["case"])


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    analyst = make_user(OrgKind.SIRT, Role.ANALYST, org=coord.organisation)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    maintainer = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    component = ComponentFactory(
        purl="pkg:pypi/quetzal", name="quetzal", maintainer_org=maintainer.organisation
    )
    case = _case(lab)
    return {
        "coord": coord,
        "analyst": analyst,
        "lab": lab,
        "maintainer": maintainer,
        "component": component,
        "case": case,
    }


def _events(case: Case, action: str) -> list[dict]:  # type: ignore[type-arg]
    return list(
        AuditEvent.objects.filter(action=action, target_id=case.number)
        .order_by("seq")
        .values_list("data", flat=True)
    )


def _read_in_maintainer(w) -> None:  # type: ignore[no-untyped-def]
    org = w["maintainer"].organisation
    if not w["case"].organisations.filter(organisation=org, removed_at__isnull=True).exists():
        _invite_maintainer(w)
    case_read_in(actor=_a(w["maintainer"]), case=w["case"], user=w["maintainer"])


def _invite_maintainer(w) -> None:  # type: ignore[no-untyped-def]
    case_invite_organisation(
        actor=_a(w["coord"]),
        case=w["case"],
        organisation=w["maintainer"].organisation,
        role="maintainer",
    )


def _accepted(w) -> Case:  # type: ignore[no-untyped-def]
    coord = _a(w["coord"])
    workflow.case_transition(actor=coord, case=w["case"], name="start_triage")
    workflow.case_assess(
        actor=coord, case=w["case"], severity="high", component_purl="pkg:pypi/quetzal"
    )
    return workflow.case_transition(actor=coord, case=w["case"], name="accept")


# --- assessment -------------------------------------------------------------------------


@pytest.mark.django_db
def test_assessment_sets_one_severity_priority_and_deadline(world) -> None:  # type: ignore[no-untyped-def]
    world["component"].critical = True
    world["component"].save()
    case = workflow.case_assess(
        actor=_a(world["analyst"]),
        case=world["case"],
        severity="High",
        component_purl="pkg:pypi/quetzal",
    )
    case.refresh_from_db()
    assert (case.severity, case.priority, case.component_id) == ("high", 1, world["component"].pk)
    # P1's default deadline: 7 days from the first report.
    assert case.deadline == case.first_reported_at + timedelta(days=7)
    assert _events(case, "case.assessed")[-1]["priority"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"severity": "low", "component_purl": "pkg:pypi/unknown"}, "component"),
        ({"severity": "low", "deadline_days": -1}, "deadline"),
        ({"severity": "low", "deadline_days": 400}, "deadline"),
    ],
)
def test_bad_assessments_are_refused_and_change_nothing(world, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    days = kwargs.pop("deadline_days", None)
    if days is not None:
        kwargs["deadline"] = timezone.now() + timedelta(days=days)
    with pytest.raises(InvalidInput) as err:
        workflow.case_assess(actor=_a(world["coord"]), case=world["case"], **kwargs)
    assert err.value.field == field
    case = Case.objects.get(pk=world["case"].pk)
    assert (case.severity, case.priority, case.deadline, case.component_id) == (
        "",
        None,
        None,
        None,
    )
    assert not _events(case, "case.assessed")


@pytest.mark.django_db
def test_only_triage_may_assess(world) -> None:  # type: ignore[no-untyped-def]
    _read_in_maintainer(world)
    with pytest.raises(Forbidden):
        workflow.case_assess(actor=_a(world["maintainer"]), case=world["case"], severity="low")


# --- checklist and transitions ------------------------------------------------------------


@pytest.mark.django_db
def test_checklist_names_what_is_missing_from_the_real_facts(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    case = workflow.case_transition(actor=coord, case=world["case"], name="start_triage")
    items = {i.name: i for i in workflow.case_checklist(actor=coord, case=case)}
    assert set(items) == {"reject", "mark_duplicate", "accept"}
    assert set(items["accept"].missing) == {
        "a severity is assessed",
        "at least one affected package is named",
        "a fix deadline is set",
    }
    workflow.case_assess(
        actor=coord, case=world["case"], severity="low", component_purl="pkg:pypi/quetzal"
    )
    case.refresh_from_db()
    items = {i.name: i for i in workflow.case_checklist(actor=coord, case=case)}
    assert items["accept"].missing == ()
    assert items["accept"].ready


@pytest.mark.django_db
def test_a_transition_whose_guard_fails_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    workflow.case_transition(actor=coord, case=world["case"], name="start_triage")
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="a severity is assessed"):
        workflow.case_transition(actor=coord, case=world["case"], name="accept")
    with pytest.raises(Conflict):
        workflow.case_transition(actor=coord, case=world["case"], name="publish")
    with pytest.raises(InvalidInput, match="unknown transition"):
        workflow.case_transition(actor=coord, case=world["case"], name="teleport")
    with pytest.raises(InvalidInput, match="a reason is given"):
        workflow.case_transition(actor=coord, case=world["case"], name="reject", reason="  ")
    with pytest.raises(InvalidInput) as dup:
        workflow.case_transition(
            actor=coord, case=world["case"], name="mark_duplicate", duplicate_of="AK-1999-0001"
        )
    assert dup.value.field == "duplicate_of"
    assert Case.objects.get(pk=world["case"].pk).state == "triage"
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_each_transition_records_exactly_one_event_and_tells_people(world, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    before = len(_events(world["case"], "case.transitioned"))
    case = workflow.case_transition(actor=coord, case=world["case"], name="start_triage")
    events = _events(case, "case.transitioned")
    assert len(events) == before + 1
    assert events[-1] == {"transition": "start_triage", "from": "received", "to": "triage"}


@pytest.mark.django_db
def test_duplicate_names_its_original_and_reopen_clears_it(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    other = _case(world["lab"], **OTHER)
    assert other.pk != world["case"].pk
    case = workflow.case_transition(
        actor=coord, case=world["case"], name="mark_duplicate", duplicate_of=other.number.lower()
    )
    assert (case.state, case.duplicate_of_id) == ("duplicate", other.pk)
    case = workflow.case_transition(actor=coord, case=case, name="reopen")
    assert (case.state, case.duplicate_of_id) == ("triage", None)


@pytest.mark.django_db
def test_the_maintainer_path_with_silence_and_answer(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    case = _accepted(world)
    with pytest.raises(InvalidInput, match="an embargo is proposed"):
        workflow.case_transition(actor=coord, case=case, name="notify_maintainer")
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))
    case = workflow.case_transition(actor=coord, case=case, name="notify_maintainer")
    assert case.maintainer_notified_at is not None
    # Two weeks of silence make "unresponsive" possible...
    Case.objects.filter(pk=case.pk).update(
        maintainer_notified_at=timezone.now() - timedelta(days=15)
    )
    case.refresh_from_db()
    items = {i.name: i for i in workflow.case_checklist(actor=coord, case=case)}
    assert items["mark_unresponsive"].missing == ()
    # ...until a maintainer read in to the case writes.
    _read_in_maintainer(world)
    m = _a(world["maintainer"])
    thread = thread_case_wide(actor=m, case=case)
    message_post(actor=m, case=case, thread_id=thread.pk, body="We are on it.")
    case.refresh_from_db()
    assert case.maintainer_responded_at is not None
    with pytest.raises(InvalidInput, match="has not answered"):
        workflow.case_transition(actor=coord, case=case, name="mark_unresponsive")
    # The maintainer may move the fix along, and record it.
    case = workflow.case_transition(actor=m, case=case, name="start_fix")
    with pytest.raises(InvalidInput, match="fix commit"):
        workflow.case_transition(actor=m, case=case, name="fix_ready")
    workflow.case_add_fix(
        actor=m,
        case=case,
        kind="commit",
        url="https://git.example.net/quetzal/commit/abc123",
        fixed_versions="2.4.1, 2.4.1 3.0.2",
    )
    details = workflow.case_details(Case.objects.get(pk=case.pk))
    assert details.fixed_versions == ("2.4.1", "3.0.2")
    case = workflow.case_transition(actor=m, case=case, name="fix_ready")
    assert case.state == "fix_ready"
    # Pre-notifying downstream needs an agreed embargo and someone downstream.
    items = {i.name: i for i in workflow.case_checklist(actor=coord, case=case)}
    # (With no maintainer read in when it was proposed, the coordinator's date was agreed.)
    assert items["notify_downstream"].missing == (
        "at least one downstream vendor or operator is read in",
    )
    # The maintainer cannot do the coordinator's part.
    with pytest.raises(Forbidden):
        workflow.case_transition(actor=m, case=case, name="notify_downstream")


@pytest.mark.django_db
def test_fix_references_are_sealed_and_checked(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    with pytest.raises(InvalidInput) as bad:
        workflow.case_add_fix(actor=coord, case=world["case"], kind="commit", url="http://x")
    assert bad.value.field == "url"
    with pytest.raises(InvalidInput) as kind:
        workflow.case_add_fix(
            actor=coord, case=world["case"], kind="tweet", url="https://x.example"
        )
    assert kind.value.field == "kind"
    url = "https://git.example.net/quetzal/commit/feedface"
    workflow.case_add_fix(actor=coord, case=world["case"], kind="commit", url=url)
    row = Case.objects.get(pk=world["case"].pk)
    assert url.encode() not in bytes(row.details_sealed)


@pytest.mark.django_db
def test_last_resort_only_without_any_maintainer(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    case = _accepted(world)
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))
    with pytest.raises(InvalidInput, match="no maintainer can be reached"):
        workflow.case_transition(actor=coord, case=case, name="take_over")
    world["component"].maintainer_org = None
    world["component"].save()
    case = workflow.case_transition(actor=coord, case=case, name="take_over")
    assert case.state == "escalated"


# --- exploitation in the wild and early end -----------------------------------------------


@pytest.mark.django_db
def test_exploitation_shortens_the_agreed_embargo_to_seven_days(world, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    _read_in_maintainer(world)
    workflow.case_assess(
        actor=coord, case=world["case"], severity="medium", component_purl="pkg:pypi/quetzal"
    )
    embargo_propose(actor=coord, case=world["case"], end_at=timezone.now() + timedelta(days=60))
    embargo_accept(actor=_a(world["maintainer"]), case=world["case"])
    since = timezone.now() - timedelta(days=1)
    case = workflow.case_mark_exploited(
        actor=coord, case=world["case"], since=since, note="seen by OSPREY honeypots"
    )
    assert case.priority == 2  # medium (P3), one step more urgent when exploited
    embargo = embargo_of(case)
    assert embargo is not None
    assert embargo.end_at == since + timedelta(days=7)
    assert CaseEmbargo.objects.get(case=case).end_at == since + timedelta(days=7)
    assert any(e["event"] == "embargo.shortened" for e in _events(case, "embargo.changed"))
    assert workflow.case_details(case).exploitation_note == "seen by OSPREY honeypots"
    # Notices say that something happened, never what.
    assert all("OSPREY" not in m.body and "OSPREY" not in m.subject for m in mailoutbox)


@pytest.mark.django_db
def test_exploitation_from_the_future_or_later_than_known_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    with pytest.raises(InvalidInput) as future:
        workflow.case_mark_exploited(
            actor=coord, case=world["case"], since=timezone.now() + timedelta(hours=1)
        )
    assert future.value.field == "exploited_since"
    first = timezone.now() - timedelta(days=3)
    workflow.case_mark_exploited(actor=coord, case=world["case"], since=first)
    with pytest.raises(InvalidInput):
        workflow.case_mark_exploited(
            actor=coord, case=world["case"], since=first + timedelta(days=1)
        )
    assert Case.objects.get(pk=world["case"].pk).exploited_since == first


@pytest.mark.django_db
def test_embargo_ends_early_only_by_the_coordinator_with_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    coord_client = sign_in(Client(), world["coord"])
    _read_in_maintainer(world)
    embargo_propose(
        actor=_a(world["coord"]), case=world["case"], end_at=timezone.now() + timedelta(days=30)
    )
    embargo_accept(actor=_a(world["maintainer"]), case=world["case"])
    maint = Client()
    sign_in(maint, world["maintainer"])
    url = f"/cases/{world['case'].number}/embargo/"
    maint.post(url, {"action": "end", "reason": "we shipped"})
    assert CaseEmbargo.objects.get(case=world["case"]).status == "active"
    coord_client.post(url, {"action": "end", "reason": ""})
    assert CaseEmbargo.objects.get(case=world["case"]).status == "active"
    coord_client.post(url, {"action": "end", "reason": "fix released, all parties ready"})
    assert CaseEmbargo.objects.get(case=world["case"]).status == "ended"
    ended = [e for e in _events(world["case"], "embargo.changed") if e["event"] == "embargo.ended"]
    assert ended
    assert ended[-1]["kind"] == "early"


# --- web and API --------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_page_shows_the_checklist_and_moves_the_case(world) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), world["coord"])
    number = world["case"].number
    page = client.get(f"/cases/{number}/").content.decode()
    assert 'data-transition="start_triage"' in page
    client.post(f"/cases/{number}/transition/", {"transition": "start_triage"})
    client.post(
        f"/cases/{number}/assessment/",
        {"severity": "critical", "component": "pkg:pypi/quetzal", "deadline": ""},
    )
    page = client.get(f"/cases/{number}/").content.decode()
    assert "critical" in page
    assert "(P1)" in page
    assert "missing:" not in page.split('data-transition="accept"')[1].split("</li>")[0]
    response = client.post(f"/cases/{number}/transition/", {"transition": "accept"}, follow=True)
    assert Case.objects.get(pk=world["case"].pk).state == "accepted"
    assert "is now accepted" in response.content.decode()


@pytest.mark.django_db
def test_api_moves_the_case_and_explains_refusals(world, client) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(world["coord"], scopes=ALL_CASE_SCOPES)
    number = world["case"].number
    base = f"/api/v1/cases/{number}"
    r = client.post(
        f"{base}/transitions", {"transition": "accept"}, content_type="application/json", **headers
    )
    assert r.status_code == 409
    assert r.json()["field"] == "transition"
    r = client.post(
        f"{base}/transitions",
        {"transition": "start_triage"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 200
    assert r.json()["state"] == "triage"
    accept = next(n for n in r.json()["next"] if n["transition"] == "accept")
    assert "a severity is assessed" in accept["missing"]
    r = client.put(
        f"{base}/assessment",
        {"severity": "nope"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 422
    assert r.json()["field"] == "severity"
    r = client.put(
        f"{base}/assessment",
        {"severity": "low", "component": "pkg:pypi/quetzal"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 200
    assert r.json()["priority"] == 4
    r = client.post(
        f"{base}/transitions", {"transition": "accept"}, content_type="application/json", **headers
    )
    assert r.json()["state"] == "accepted"
    viewed = AuditEvent.objects.filter(action="case.viewed", target_id=number).count()
    assert client.get(base, **headers).status_code == 200
    assert AuditEvent.objects.filter(action="case.viewed", target_id=number).count() == viewed + 1


@pytest.mark.django_db
def test_a_read_only_token_cannot_move_a_case(world, client) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(world["coord"], scopes=["cases:case:read"])
    r = client.post(
        f"/api/v1/cases/{world['case'].number}/transitions",
        {"transition": "start_triage"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 403
    assert Case.objects.get(pk=world["case"].pk).state == "received"


@pytest.mark.django_db
def test_queue_filters_by_state_component_priority_and_deadline(world, client) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    urgent = world["case"]
    workflow.case_assess(
        actor=coord, case=urgent, severity="critical", component_purl="pkg:pypi/quetzal"
    )
    calm = _case(world["lab"], **OTHER)
    workflow.case_assess(actor=coord, case=calm, severity="low")
    Case.objects.filter(pk=urgent.pk).update(deadline=timezone.now() - timedelta(days=1))
    headers = bearer(world["coord"], scopes=ALL_CASE_SCOPES)

    def numbers(**query: str) -> list[str]:
        r = client.get("/api/v1/cases", query, **headers)
        assert r.status_code == 200
        return [c["number"] for c in r.json()["items"]]

    assert numbers() == [urgent.number, calm.number]  # P1 before P4
    listed = AuditEvent.objects.filter(action="case.listed").order_by("-seq").first()
    assert listed is not None
    assert listed.data == {"cases": [urgent.number, calm.number]}
    assert numbers(priority="4") == [calm.number]
    assert numbers(component="pkg:pypi/quetzal") == [urgent.number]
    assert numbers(component="quetzal") == [urgent.number]
    assert numbers(deadline="overdue") == [urgent.number]
    assert numbers(deadline="30") == []  # calm's deadline is 90 days out
    assert numbers(state="triage") == []
    page = sign_in(Client(), world["coord"]).get("/cases/", {"priority": "1"}).content.decode()
    assert urgent.number in page
    assert calm.number not in page
    assert "overdue" in page


@pytest.mark.django_db
def test_the_queue_of_a_maintainer_holds_only_their_cases(world, client) -> None:  # type: ignore[no-untyped-def]
    other = _case(world["lab"], **OTHER)
    _read_in_maintainer(world)
    headers = bearer(world["maintainer"], scopes=["cases:case:read"])
    items = client.get("/api/v1/cases", **headers).json()["items"]
    assert [c["number"] for c in items] == [world["case"].number]
    assert client.get(f"/api/v1/cases/{other.number}", **headers).status_code == 404


# --- audit-trail export -------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinators_export_the_audit_trail_and_the_export_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), world["coord"])
    number = world["case"].number
    workflow.case_transition(actor=_a(world["coord"]), case=world["case"], name="start_triage")
    r = client.get(f"/cases/{number}/audit/", {"format": "csv"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    actions = [row["action"] for row in rows]
    assert actions.count("case.transitioned") == 1
    assert "case.transitioned" in actions
    assert {row["target_id"] for row in rows} == {number}
    data = json.loads(client.get(f"/cases/{number}/audit/", {"format": "json"}).content)
    assert data["case"] == number
    assert [e["action"] for e in data["events"]][: len(actions)] == actions
    exports = _events(world["case"], "case.audit_exported")
    assert [e["format"] for e in exports] == ["csv", "json"]
    assert client.get(f"/cases/{number}/audit/", {"format": "xml"}).status_code == 422


@pytest.mark.django_db
def test_no_one_else_exports_the_audit_trail(world) -> None:  # type: ignore[no-untyped-def]
    _read_in_maintainer(world)
    number = world["case"].number
    for user in (world["maintainer"], world["analyst"], world["lab"]):
        r = sign_in(Client(), user).get(f"/cases/{number}/audit/")
        assert r.status_code in {403, 404}
        assert b"case.opened" not in r.content
    r = Client().get(
        f"/api/v1/cases/{number}/audit", **bearer(world["maintainer"], scopes=["cases:case:read"])
    )
    assert r.status_code == 403
    assert not _events(world["case"], "case.audit_exported")


# --- the maintainer's and the reporter's views ---------------------------------------------


@pytest.mark.django_db
def test_dashboards_show_a_maintainer_their_cases_and_a_reporter_their_reports(world) -> None:  # type: ignore[no-untyped-def]
    other = _case(world["lab"], **OTHER)
    outsider = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    page = sign_in(Client(), outsider).get("/").content.decode()
    assert world["case"].number not in page
    assert "You are not read in to any case" in page
    _read_in_maintainer(world)
    page = sign_in(Client(), world["maintainer"]).get("/").content.decode()
    mine = page.split('id="my-cases"')[1].split("</section>")[0]
    assert world["case"].number in mine
    assert other.number not in mine
    assert "maintainer" in mine
    page = sign_in(Client(), world["lab"]).get("/").content.decode()
    reports = page.split('id="my-reports"')[1].split("</section>")[0]
    assert world["case"].number in reports
    assert other.number in reports


@pytest.mark.django_db
def test_reading_a_report_is_audited_on_the_web_and_the_api(world) -> None:  # type: ignore[no-untyped-def]
    tracking = world["case"].reports.get().tracking_id
    assert sign_in(Client(), world["lab"]).get(f"/reports/{tracking}/").status_code == 200
    headers = bearer(world["lab"])
    assert Client().get(f"/api/v1/reports/{tracking}", **headers).status_code == 200
    viewed = _events(world["case"], "report.viewed")
    assert viewed == [{"report": tracking}, {"report": tracking}]


@pytest.mark.django_db
def test_notifying_the_maintainer_invites_their_organisation_once(world) -> None:  # type: ignore[no-untyped-def]
    coord = _a(world["coord"])
    case = _accepted(world)
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))
    workflow.case_transition(actor=coord, case=case, name="notify_maintainer")
    invited = case.organisations.filter(removed_at__isnull=True)
    assert [(i.organisation_id, i.role) for i in invited] == [
        (world["maintainer"].organisation_id, "maintainer")
    ]
    assert len(_events(case, "case.organisation_invited")) == 1
