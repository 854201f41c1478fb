"""Case messages through the API and services: who reads and posts what, TLP, unread
markers, blind search, sealed attachments, nothing in plaintext at rest, everything audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import User
from akrites.accounts.services import token_create
from akrites.audit.models import AuditEvent
from akrites.cases.models import Case
from akrites.cases.services import case_invite_organisation, case_read_in, case_remove_participant
from akrites.domain.permissions import OrgKind, Role, permissions_for
from akrites.domain.policy import SYSTEM
from akrites.intake.engine import reset_engine
from akrites.messaging import selectors, services
from akrites.messaging.signals import message_posted
from tests.factories import make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db

MISSING = "AK-1999-9999"


def actor(user: User) -> Any:
    return actor_for_user(user, mfa_verified=True)


def build_world() -> dict[str, Any]:
    """A case with a coordinator, an analyst, a reporter, two maintainers of one
    organisation, a vendor, and people who must see nothing."""
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.COORDINATOR)
    analyst = make_user(OrgKind.SIRT, Role.ANALYST, org=coord.organisation)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    number = submit(Client(), bearer(lab), report_doc()).json()["case"]
    case = Case.objects.get(number=number)
    m1 = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    m2 = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=m1.organisation)
    m3 = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=m1.organisation)  # never read in
    vendor = make_user(OrgKind.VENDOR, Role.VENDOR)
    removed = make_user(OrgKind.VENDOR, Role.VENDOR, org=vendor.organisation)
    outsider = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    c = actor(coord)
    for org, role in (
        (lab.organisation, "reporter"),
        (m1.organisation, "maintainer"),
        (vendor.organisation, "vendor"),
    ):
        case_invite_organisation(actor=c, case=case, organisation=org, role=role)
    for user in (lab, m1, m2, vendor, removed):
        case_read_in(actor=c, case=case, user=user)
    case_remove_participant(actor=c, case=case, user=removed)
    return {
        "case": case,
        "coord": coord,
        "analyst": analyst,
        "lab": lab,
        "m1": m1,
        "m2": m2,
        "m3": m3,
        "vendor": vendor,
        "removed": removed,
        "outsider": outsider,
    }


@pytest.fixture
def world() -> dict[str, Any]:
    return build_world()


SCOPES = ("cases:case:read", "cases:message:post", "cases:case:coordinate")


def api(user: User) -> dict[str, str]:
    """A token with every messaging scope the user's roles allow."""
    allowed = {p.value for p in permissions_for(actor(user).roles)}
    scopes = [s for s in SCOPES if s in allowed]
    created = token_create(actor=SYSTEM, user=user, name="messages", scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {created.secret}"}


def get(user: User | None, path: str) -> Any:
    return Client().get(f"/api/v1{path}", **(api(user) if user else {}))


def post(user: User | None, path: str, payload: dict[str, Any]) -> Any:
    return Client().post(
        f"/api/v1{path}",
        json.dumps(payload),
        content_type="application/json",
        **(api(user) if user else {}),
    )


def case_thread(w: dict[str, Any]) -> int:
    return services.thread_case_wide(actor=actor(w["coord"]), case=w["case"]).pk


def say(w: dict[str, Any], who: str, body: str, thread: int | None = None, **kw: Any) -> int:
    message = services.message_post(
        actor=actor(w[who]), case=w["case"], thread_id=thread or case_thread(w), body=body, **kw
    )
    return message.pk


def bodies(w: dict[str, Any], who: str, thread: int | None = None) -> list[str]:
    number = w["case"].number
    response = get(w[who], f"/cases/{number}/threads/{thread or case_thread(w)}/messages")
    assert response.status_code == 200, response.content
    return [m["body"] for m in response.json()]


def unread(w: dict[str, Any], who: str) -> dict[int, int]:
    response = get(w[who], f"/cases/{w['case'].number}/threads")
    assert response.status_code == 200, response.content
    return {t["id"]: t["unread"] for t in response.json()}


def test_everyone_read_in_reads_the_coordinators_amber_post(world) -> None:  # type: ignore[no-untyped-def]
    say(world, "coord", "Embargo proposed until the fix ships.", tlp="AMBER")
    for who in ("coord", "analyst", "lab", "m1", "m2", "vendor"):
        assert bodies(world, who) == ["Embargo proposed until the fix ships."], who
    listed = get(
        world["vendor"], f"/cases/{world['case'].number}/threads/{case_thread(world)}/messages"
    )
    assert listed.json()[0]["tlp"] == "TLP:AMBER"


def test_amber_strict_post_stays_within_the_authors_organisation(world) -> None:  # type: ignore[no-untyped-def]
    number = world["case"].number
    response = post(
        world["m1"],
        f"/cases/{number}/threads/{case_thread(world)}/messages",
        {"body": "Patch ready"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["tlp"] == "TLP:AMBER+STRICT"  # the case's label, by default
    assert bodies(world, "m1") == bodies(world, "m2") == bodies(world, "coord") == ["Patch ready"]
    for who in ("lab", "vendor", "analyst"):
        assert bodies(world, who) == [], who


def test_participant_may_not_lower_the_label_or_name_people_elsewhere(world) -> None:  # type: ignore[no-untyped-def]
    path = f"/cases/{world['case'].number}/threads/{case_thread(world)}/messages"
    lowered = post(world["m1"], path, {"body": "hello", "tlp": "AMBER"})
    assert lowered.status_code == 403
    assert lowered.json()["field"] == "tlp"
    elsewhere = post(
        world["m1"], path, {"body": "hi", "tlp": "RED", "recipients": [world["lab"].pk]}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["field"] == "recipients"
    colleague = post(
        world["m1"], path, {"body": "hi", "tlp": "RED", "recipients": [world["m2"].pk]}
    )
    assert colleague.status_code == 201
    assert post(world["m1"], path, {"body": "  "}).json()["field"] == "body"


def test_red_message_reaches_only_named_people_even_in_counts_and_search(world) -> None:  # type: ignore[no-untyped-def]
    thread = case_thread(world)
    say(world, "coord", "Exploit kumquat details", tlp="RED", recipients=[world["m1"].pk])
    number = world["case"].number
    assert bodies(world, "m1") == bodies(world, "coord") == ["Exploit kumquat details"]
    for who in ("m2", "lab", "vendor", "analyst"):
        assert bodies(world, who) == [], who
        assert unread(world, who)[thread] == 0, who
        assert get(world[who], f"/cases/{number}/messages/search?q=kumquat").json() == [], who
    assert unread(world, "m1")[thread] == 1
    found = get(world["m1"], f"/cases/{number}/messages/search?q=KUMQUAT exploit").json()
    assert [m["body"] for m in found] == ["Exploit kumquat details"]
    assert found[0]["tlp"] == "TLP:RED"
    assert found[0]["recipients"] == [world["m1"].pk]


def test_private_thread_is_between_the_coordinators_and_one_participant(world) -> None:  # type: ignore[no-untyped-def]
    number = world["case"].number
    opened = post(world["coord"], f"/cases/{number}/threads", {"user": world["m1"].pk})
    assert opened.status_code == 201, opened.content
    private = opened.json()["id"]
    say(world, "coord", "Can you confirm the affected versions?", thread=private)
    say(world, "m1", "Confirmed: 4.2 to 4.2.16.", thread=private)
    assert bodies(world, "m1", private) == bodies(world, "coord", private)
    assert len(bodies(world, "coord", private)) == 2
    assert private in unread(world, "m1")
    for who in ("m2", "vendor", "lab"):
        assert private not in unread(world, who), who
        response = get(world[who], f"/cases/{number}/threads/{private}/messages")
        assert response.status_code == 404, who
        assert (
            post(
                world[who], f"/cases/{number}/threads/{private}/messages", {"body": "x"}
            ).status_code
            == 404
        )
    refused = post(world["m1"], f"/cases/{number}/threads", {"user": world["m2"].pk})
    assert refused.status_code == 403
    not_read_in = post(world["coord"], f"/cases/{number}/threads", {"user": world["m3"].pk})
    assert not_read_in.status_code == 422


def test_unread_counts_are_per_person_with_many_participants(world) -> None:  # type: ignore[no-untyped-def]
    thread = case_thread(world)
    first = say(world, "coord", "one", tlp="AMBER")
    say(world, "coord", "two", tlp="AMBER")
    say(world, "coord", "three", tlp="AMBER")
    readers = ("lab", "m1", "m2", "vendor", "analyst")
    assert {who: unread(world, who)[thread] for who in readers} == dict.fromkeys(readers, 3)
    path = f"/cases/{world['case'].number}/threads/{thread}/read"
    assert post(world["m1"], path, {}).json()["last_read"] > first
    assert post(world["lab"], path, {"up_to": first}).json()["last_read"] == first
    assert post(world["lab"], path, {"up_to": 0}).json()["last_read"] == first  # never back
    say(world, "m2", "four")  # TLP:AMBER+STRICT: m1 and the coordinators only
    counts = {who: unread(world, who)[thread] for who in (*readers, "coord")}
    assert counts == {"lab": 2, "m1": 1, "m2": 3, "vendor": 3, "analyst": 3, "coord": 1}


def test_hidden_case_answers_exactly_like_a_missing_one(world) -> None:  # type: ignore[no-untyped-def]
    thread = case_thread(world)
    message = say(world, "coord", "secret", tlp="CLEAR")
    attachment = services.message_attachment_add(
        actor=actor(world["coord"]),
        case=world["case"],
        message_id=message,
        upload=services.Upload("poc.txt", "text/plain", b"proof"),
    ).pk

    def answers(user: User | None, number: str) -> list[tuple[int, Any]]:
        calls = [
            get(user, f"/cases/{number}/threads"),
            get(user, f"/cases/{number}/threads/{thread}/messages"),
            get(user, f"/cases/{number}/messages/search?q=secret"),
            get(user, f"/cases/{number}/attachments/{attachment}"),
            post(user, f"/cases/{number}/threads/{thread}/messages", {"body": "hi"}),
            post(user, f"/cases/{number}/threads/{thread}/read", {}),
        ]
        return [(r.status_code, r.json()) for r in calls]

    for who in ("outsider", "m3", "removed", None):
        user = world[who] if who else None
        hidden = answers(user, world["case"].number)
        assert hidden == answers(user, MISSING), who
        assert {status for status, _ in hidden} == ({401} if user is None else {404}), who


def test_search_matches_whole_words_among_readable_messages(world) -> None:  # type: ignore[no-untyped-def]
    say(world, "coord", "The parser overflows on long headers", tlp="AMBER")
    say(world, "m1", "Parser fix attached, headers now bounded")
    number = world["case"].number

    def hits(who: str, q: str) -> list[str]:
        return [m["body"] for m in get(world[who], f"/cases/{number}/messages/search?q={q}").json()]

    assert len(hits("m2", "parser headers")) == 2
    assert hits("vendor", "parser headers") == ["The parser overflows on long headers"]
    assert hits("vendor", "pars") == []
    assert hits("m2", "bounded overflows") == []
    bad = get(world["m2"], f"/cases/{number}/messages/search?q=%20")
    assert bad.status_code == 422
    assert bad.json()["field"] == "q"


def test_attachment_is_sealed_labelled_and_shown_only_to_readers(world) -> None:  # type: ignore[no-untyped-def]
    number = world["case"].number
    message = say(world, "m1", "see attached")
    client = Client()
    added = client.post(
        f"/api/v1/cases/{number}/messages/{message}/attachments",
        {"file": SimpleUploadedFile("trace.txt", b"stack trace", content_type="text/plain")},
        **api(world["m1"]),
    )
    assert added.status_code == 201, added.content
    attachment = added.json()["id"]
    got = get(world["m2"], f"/cases/{number}/attachments/{attachment}")
    assert got.status_code == 200
    assert got.content == b"stack trace"
    assert got["X-TLP"] == "TLP:AMBER+STRICT"
    assert "attachment" in got["Content-Disposition"]
    for who in ("vendor", "lab"):
        hidden = get(world[who], f"/cases/{number}/attachments/{attachment}")
        missing = get(world[who], f"/cases/{number}/attachments/{attachment + 1000}")
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()), who
    other = client.post(
        f"/api/v1/cases/{number}/messages/{message}/attachments",
        {"file": SimpleUploadedFile("x.txt", b"x", content_type="text/plain")},
        **api(world["m2"]),
    )
    assert other.status_code == 403  # only the author attaches to a message
    listed = bodies(world, "m2")
    assert listed == ["see attached"]


def test_nothing_is_stored_in_plaintext(world) -> None:  # type: ignore[no-untyped-def]
    secrets = [b"Zanzibarquux", b"zanzibarquux", b"Overflowwidget", b"overflowwidget"]
    say(
        world,
        "m1",
        "Zanzibarquux triggers Overflowwidget",
        attachments=[services.Upload("Overflowwidget.txt", "text/plain", b"Zanzibarquux PoC")],
    )
    get(world["m2"], f"/cases/{world['case'].number}/messages/search?q=zanzibarquux")
    assert scan(secrets) == []
    assert scan([world["m1"].email.encode()])  # the scan does see what is stored in clear


def scan(needles: list[bytes]) -> list[tuple[str, bytes]]:
    """Every table, every column, every row: where does any needle occur?"""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    raw = (
                        bytes(value)
                        if isinstance(value, (bytes, memoryview))
                        else str(value).encode()
                    )
                    found += [(table, n) for n in needles if n in raw]
    return found


def test_every_read_and_change_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    number = world["case"].number
    thread = case_thread(world)
    message = say(
        world, "m1", "logged", attachments=[services.Upload("a.txt", "text/plain", b"data")]
    )
    attachment = (
        selectors.messages_visible_to(actor=actor(world["m1"]), case=world["case"])
        .get(pk=message)
        .attachments.get()
        .pk
    )
    get(world["m2"], f"/cases/{number}/threads")
    get(world["m2"], f"/cases/{number}/threads/{thread}/messages")
    get(world["m2"], f"/cases/{number}/messages/search?q=logged")
    get(world["m2"], f"/cases/{number}/attachments/{attachment}")
    post(world["m2"], f"/cases/{number}/threads/{thread}/read", {})
    post(world["coord"], f"/cases/{number}/threads", {"user": world["m2"].pk})
    done = set(
        AuditEvent.objects.filter(target_id=number, actor_user_id__in=[world["m2"].pk]).values_list(
            "action", flat=True
        )
    )
    assert done >= {
        "message.threads_listed",
        "message.thread_read",
        "message.searched",
        "message.attachment_downloaded",
        "message.marked_read",
    }
    posted = AuditEvent.objects.get(action="message.posted", actor_user_id=world["m1"].pk)
    assert posted.data["message"] == message
    assert posted.data["tlp"] == "AMBER+STRICT"
    assert (
        AuditEvent.objects.filter(
            action="message.thread_opened", actor_user_id=world["coord"].pk
        ).count()
        == 2
    )  # the case-wide thread and the private one


def test_message_posted_signal_carries_ids_only(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    heard: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        heard.append(kwargs)

    message_posted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = say(world, "coord", "never in a notification", tlp="AMBER")
    finally:
        message_posted.disconnect(receiver)
    (event,) = heard
    event.pop("signal")
    assert event == {
        "case_id": world["case"].pk,
        "case_number": world["case"].number,
        "thread_id": case_thread(world),
        "message_id": message,
        "author_id": world["coord"].pk,
    }


def test_removal_ends_access_to_messages_at_once(world) -> None:  # type: ignore[no-untyped-def]
    say(world, "coord", "still here?", tlp="AMBER")
    assert bodies(world, "vendor") == ["still here?"]
    case_remove_participant(actor=actor(world["coord"]), case=world["case"], user=world["vendor"])
    path = f"/cases/{world['case'].number}/threads/{case_thread(world)}/messages"
    assert get(world["vendor"], path).status_code == 404
