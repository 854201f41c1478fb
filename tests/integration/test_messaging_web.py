"""Case messages pages: labels everywhere, unread badges, posting with and without htmx,
private threads, search, downloads, and hidden cases that look missing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from akrites.audit.models import AuditEvent
from akrites.messaging import services
from akrites.messaging.models import Message, Thread
from tests.factories import sign_in
from tests.integration.test_messaging import MISSING, actor, build_world, case_thread, say

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    return build_world()


def page(w: dict[str, Any], who: str, path: str = "") -> Any:
    return sign_in(Client(), w[who]).get(f"/cases/{w['case'].number}/messages/{path}")


def _without_tokens(content: bytes) -> bytes:
    # CSRF tokens are masked afresh on every response; everything else must match.
    return re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', rb"\1-", content)


def test_thread_page_shows_labels_unread_badges_and_marks_read(world) -> None:  # type: ignore[no-untyped-def]
    say(world, "coord", "Please test the candidate fix.", tlp="AMBER")
    say(world, "coord", "Red details for you", tlp="RED", recipients=[world["m1"].pk])
    client = sign_in(Client(), world["m1"])
    number = world["case"].number
    first = client.get(f"/cases/{number}/messages/").content.decode()
    assert "TLP:AMBER</span>" in first
    assert "TLP:RED</span>" in first
    assert "TLP:AMBER+STRICT</span>" in first  # the case's label in the heading
    assert first.count(">new</span>") == 2
    again = client.get(f"/cases/{number}/messages/").content.decode()
    assert ">new</span>" not in again
    assert "unread</span>" not in again
    vendor = page(world, "vendor").content.decode()
    assert "Please test the candidate fix." in vendor
    assert "Red details" not in vendor
    assert "1 unread" not in vendor  # already shown, so read


def test_unread_badge_in_thread_list_counts_only_what_the_reader_may_see(world) -> None:  # type: ignore[no-untyped-def]
    private = services.thread_open_private(
        actor=actor(world["coord"]), case=world["case"], user_id=world["m1"].pk
    ).pk
    say(world, "coord", "one", thread=private)
    say(world, "coord", "two", thread=private)
    say(world, "m2", "colleagues only")
    home = page(world, "m1").content.decode()  # reads the case-wide thread only
    assert "2 unread" in home
    assert "Private, with the coordinators" in home
    m2 = page(world, "m2").content.decode()
    assert "Private" not in m2
    assert page(world, "m2", f"threads/{private}/").status_code == 404


def test_posting_without_javascript_redirects_to_the_new_message(world) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), world["m1"])
    thread = case_thread(world)
    url = f"/cases/{world['case'].number}/messages/threads/{thread}/post/"
    response = client.post(
        url,
        {
            "body": "Fix is in 4.2.17",
            "tlp": "",
            "file": SimpleUploadedFile("fix.diff", b"--- a\n+++ b\n", content_type="text/x-diff"),
        },
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/threads/{thread}/#m{message.pk}")
    shown = client.get(response["Location"]).content.decode()
    assert "Fix is in 4.2.17" in shown
    assert "fix.diff" in shown
    assert shown.count("TLP:AMBER+STRICT</span>") >= 3  # heading, message, attachment
    refused = client.post(url, {"body": "lower please", "tlp": "CLEAR"})
    assert refused.status_code == 422
    assert "Select a valid choice" in refused.content.decode()


def test_posting_with_htmx_swaps_in_the_new_message(world) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), world["coord"])
    thread = case_thread(world)
    url = f"/cases/{world['case'].number}/messages/threads/{thread}/post/"
    response = client.post(url, {"body": "Swapped in", "tlp": "GREEN"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#messages"' in body
    assert "Swapped in" in body
    assert "TLP:GREEN</span>" in body
    assert 'id="post-form"' in body
    invalid = client.post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert invalid.status_code == 200
    assert 'role="alert"' in invalid.content.decode()
    assert Message.objects.count() == 1


def test_coordinator_opens_a_private_thread_from_the_switcher(world) -> None:  # type: ignore[no-untyped-def]
    client = sign_in(Client(), world["coord"])
    number = world["case"].number
    home = client.get(f"/cases/{number}/messages/").content.decode()
    assert world["vendor"].email in home  # offered in the switcher
    assert world["removed"].email not in home
    response = client.post(f"/cases/{number}/messages/private/", {"user": world["vendor"].pk})
    thread = Thread.objects.get(kind="private")
    assert response["Location"] == f"/cases/{number}/messages/threads/{thread.pk}/"
    assert f"Private: {world['vendor'].email}" in client.get(response["Location"]).content.decode()
    participant = sign_in(Client(), world["m1"])
    assert participant.post(f"/cases/{number}/messages/private/", {"user": 1}).status_code == 403


def test_search_page_and_attachment_download(world) -> None:  # type: ignore[no-untyped-def]
    message = say(
        world,
        "coord",
        "Crash reproducer attached",
        tlp="AMBER",
        attachments=[services.Upload("repro.txt", "text/plain", b"repro steps")],
    )
    attachment = Message.objects.get(pk=message).attachments.get().pk
    found = page(world, "vendor", "search/?q=reproducer").content.decode()
    assert "Crash reproducer attached" in found
    assert "TLP:AMBER</span>" in found
    assert "1 message" in found
    assert page(world, "vendor", "search/?q=x").status_code == 422
    download = page(world, "vendor", f"attachments/{attachment}/")
    assert download.content == b"repro steps"
    assert download["X-TLP"] == "TLP:AMBER"
    assert AuditEvent.objects.filter(action="message.attachment_downloaded").count() == 1


def test_hidden_case_pages_look_exactly_like_missing_ones(world) -> None:  # type: ignore[no-untyped-def]
    thread = case_thread(world)
    message = say(
        world,
        "coord",
        "for participants",
        tlp="CLEAR",
        attachments=[services.Upload("a.txt", "text/plain", b"a")],
    )
    attachment = Message.objects.get(pk=message).attachments.get().pk
    paths = [
        ("get", ""),
        ("get", f"threads/{thread}/"),
        ("get", "search/?q=participants"),
        ("get", f"attachments/{attachment}/"),
        ("post", f"threads/{thread}/post/"),
    ]
    for who in ("outsider", "m3", "removed", None):
        client = sign_in(Client(), world[who]) if who else Client()
        for method, path in paths:
            answers = []
            for number in (world["case"].number, MISSING):
                url = f"/cases/{number}/messages/{path}"
                r = getattr(client, method)(url, {"body": "x"} if method == "post" else None)
                location = r.get("Location", "").replace(number, "N")
                answers.append((r.status_code, location, _without_tokens(r.content)))
            assert answers[0] == answers[1], (who, path)
            assert answers[0][0] == (302 if who is None else 404), (who, path)
            assert b"for participants" not in answers[0][2]
