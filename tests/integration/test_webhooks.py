"""Signed webhooks, end to end: an organisation registers an endpoint, a real HTTP receiver
(a thread on 127.0.0.1) gets each delivery from the worker and verifies it with the
receiver's procedure in akrites.domain.webhooks. Failures are retried with back-off and
given up after the last attempt; organisations removed from a case get nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from akrites.accounts.models import User
from akrites.audit.models import AuditEvent
from akrites.cases.models import WrappedKey
from akrites.cases.services import case_remove_organisation
from akrites.domain.audit import AuditAction
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.tlp import Tlp
from akrites.domain.webhook_endpoints import MAX_ATTEMPTS, retry_delay, secret_key
from akrites.domain.webhooks import (
    ReplayedDelivery,
    SignatureMismatch,
    StaleTimestamp,
    verify,
)
from akrites.messaging import services as messaging
from akrites.webhooks import services
from akrites.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from akrites.webhooks.transport import post
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer
from tests.integration.test_messaging import actor, build_world, case_thread

SECRET_TEXT = "the overflow is in decode_chunked HERON-4471"

# --- a real receiver ------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(Received(dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/akrites-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.AKRITES_WEBHOOKS_ALLOW_LOOPBACK = True  # the receiver runs on this machine


def _run_worker() -> None:
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)


def _never_seen() -> Any:
    seen: set[str] = set()

    def check(delivery_id: str) -> bool:
        if delivery_id in seen:
            return True
        seen.add(delivery_id)
        return False

    return check


def _org_admin(member: User) -> User:
    return make_user(OrgKind.MAINTAINER, Role.ADMIN, org=member.organisation)


def _post_amber(w: dict[str, Any]) -> None:
    messaging.message_post(
        actor=actor(w["coord"]),
        case=w["case"],
        thread_id=case_thread(w),
        body=SECRET_TEXT,
        tlp=Tlp.AMBER,
    )


def _hook(w: dict[str, Any], url: str, events: list[str] | None = None) -> services.NewSecret:
    return services.endpoint_create(
        actor=actor(_org_admin(w["m1"])), url=url, events=events or ["case.message"]
    )


# --- delivery -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_case_message_reaches_the_endpoint_signed_and_content_free(receiver: Receiver) -> None:
    w = build_world()
    admin = _org_admin(w["m1"])
    created = Client().post(
        "/api/v1/webhooks",
        json.dumps({"url": receiver.url, "events": ["case.message"]}),
        content_type="application/json",
        **bearer(admin, ["accounts:webhook:manage"]),
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    _post_amber(w)
    _run_worker()

    assert len(receiver.received) == 1
    got = receiver.received[0]
    seen = _never_seen()
    verify(secret_key(secret), got.body, got.headers, now=int(time.time()), seen=seen)
    doc = json.loads(got.body)
    number = w["case"].number
    assert doc["event"] == "case.message"
    assert doc["case"] == number
    assert doc["url"].endswith(f"/cases/{number}/messages/")
    assert doc["delivery_id"] == got.headers["Akrites-Delivery"]
    assert set(doc) == {"event", "case", "url", "delivery_id", "occurred_at"}
    assert b"HERON" not in got.body
    assert b"decode_chunked" not in got.body

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")

    # What a receiver refuses, each with its own error.
    with pytest.raises(ReplayedDelivery):
        verify(secret_key(secret), got.body, got.headers, now=int(time.time()), seen=seen)
    tampered = got.body.replace(number.encode(), b"AK-1999-0001")
    with pytest.raises(SignatureMismatch):
        verify(secret_key(secret), tampered, got.headers, now=int(time.time()), seen=_never_seen())
    forged = dict(got.headers)
    value = forged["Akrites-Signature"]
    forged["Akrites-Signature"] = value[:-1] + ("0" if value[-1] != "0" else "1")
    with pytest.raises(SignatureMismatch):
        verify(secret_key(secret), got.body, forged, now=int(time.time()), seen=_never_seen())
    later = int(got.headers["Akrites-Timestamp"]) + 301
    with pytest.raises(StaleTimestamp):
        verify(secret_key(secret), got.body, got.headers, now=later, seen=_never_seen())
    with pytest.raises(SignatureMismatch):
        verify(b"whsec_some-other-secret", got.body, got.headers, now=later - 301, seen=seen)


@pytest.mark.django_db(transaction=True)
def test_only_subscribed_events_are_sent(receiver: Receiver) -> None:
    w = build_world()
    _hook(w, receiver.url, events=["case.embargo_agreed"])
    _post_amber(w)
    _run_worker()
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_back_off_then_given_up(receiver: Receiver) -> None:
    w = build_world()
    _hook(w, receiver.url)
    receiver.status = 500
    _post_amber(w)
    _run_worker()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    for number in range(1, MAX_ATTEMPTS + 1):
        delivery.refresh_from_db()
        attempt = WebhookAttempt.objects.get(delivery=delivery, number=number)
        assert attempt.status_code == 500
        retries = DBTaskResult.objects.filter(
            status="READY", task_path="akrites.webhooks.tasks.deliver_webhook"
        )
        retry = retries.get()
        if number == MAX_ATTEMPTS:
            break
        assert retry.args_kwargs["args"] == [delivery.pk]
        assert retry.run_after == delivery.next_attempt_at
        # Queued when the attempt was claimed, just before it was made.
        early = retry_delay(number) - (retry.run_after - attempt.started_at)
        assert timedelta(0) <= early < timedelta(seconds=5), (number, early)
        assert retry.run_after > timezone.now()  # not before its time
        retries.update(run_after=timezone.now() - timedelta(seconds=1))
        _run_worker()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert f"gave up after {MAX_ATTEMPTS} attempts" in delivery.note
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS
    # What is left is the check that the last attempt finished: it sends nothing more.
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_worker()
    assert not DBTaskResult.objects.filter(status="READY").exists()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    # One delivery, one id, every time.
    assert len(receiver.received) == MAX_ATTEMPTS
    assert {r.headers["Akrites-Delivery"] for r in receiver.received} == {delivery.delivery_id}
    page = sign_in(Client(), _org_admin(w["m1"])).get(
        f"/organisation/webhooks/{delivery.endpoint_id}/"
    )
    text = page.content.decode()
    assert "failed (gave up)" in text
    assert text.count("HTTP 500") == MAX_ATTEMPTS + 1  # each attempt, and why it gave up
    assert delivery.delivery_id in text
    assert w["case"].number in text


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_recovers_gets_the_delivery_on_retry(receiver: Receiver) -> None:
    w = build_world()
    secret = _hook(w, receiver.url).secret
    receiver.status = 503
    _post_amber(w)
    _run_worker()
    receiver.status = 200
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 200]
    last = receiver.received[-1]
    verify(secret_key(secret), last.body, last.headers, now=int(time.time()), seen=_never_seen())
    # The retry job queued before the successful attempt finds nothing left to do.
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_worker()
    assert len(receiver.received) == 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_crash_mid_attempt_loses_nothing(receiver: Receiver) -> None:
    from akrites.notifications.events import case_event
    from akrites.webhooks.tasks import _claim

    w = build_world()
    _hook(w, receiver.url)
    case_event(w["case"], "case.message", "messages/")
    delivery = WebhookDelivery.objects.get()
    first = DBTaskResult.objects.get(task_path="akrites.webhooks.tasks.deliver_webhook")
    assert _claim(delivery.pk) is not None  # the worker claimed attempt 1...
    first.delete()  # ...and died with its job before sending or recording anything
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.number for a in delivery.attempt_log.all()] == [2]
    assert len(receiver.received) == 1

    # A crash during the last attempt: the follow-up settles it instead of leaving it pending.
    case_event(w["case"], "case.message", "messages/")
    last = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    DBTaskResult.objects.filter(status="READY").delete()
    WebhookDelivery.objects.filter(pk=last.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert _claim(last.pk) is not None
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    _run_worker()
    last.refresh_from_db()
    assert last.status == DeliveryStatus.FAILED
    assert "did not finish" in last.note
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_removed_organisation_receives_nothing(receiver: Receiver) -> None:
    from akrites.notifications.events import case_event

    w = build_world()
    _hook(w, receiver.url)
    case_event(w["case"], "case.message", "messages/")  # queued while it takes part...
    assert WebhookDelivery.objects.count() == 1
    case_remove_organisation(
        actor=actor(w["coord"]), case=w["case"], organisation=w["m1"].organisation
    )  # ...and removed before the worker runs: checked again at delivery time
    _run_worker()
    assert receiver.received == []
    dropped = WebhookDelivery.objects.get()
    assert dropped.status == DeliveryStatus.DROPPED
    assert "no longer takes part" in dropped.note
    assert not dropped.attempt_log.exists()

    _post_amber(w)  # after removal: nothing is even queued for it
    _run_worker()
    assert WebhookDelivery.objects.count() == 1
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_a_disabled_endpoint_receives_nothing(receiver: Receiver) -> None:
    from akrites.notifications.events import case_event

    w = build_world()
    endpoint = _hook(w, receiver.url).endpoint
    case_event(w["case"], "case.message", "messages/")
    services.endpoint_update(actor=actor(_org_admin(w["m1"])), endpoint=endpoint, active=False)
    _run_worker()
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DROPPED


@pytest.mark.django_db(transaction=True)
def test_an_embargo_agreement_is_announced_to_subscribers(receiver: Receiver) -> None:
    from akrites.cases.embargo import _announce

    w = build_world()
    _hook(w, receiver.url, events=["case.embargo_agreed"])
    _announce(w["case"], "has an agreed embargo date")
    _run_worker()
    assert [json.loads(r.body)["event"] for r in receiver.received] == ["case.embargo_agreed"]


# --- managing endpoints ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ping_and_rotation_sign_with_old_and_new_secret_during_the_grace(
    receiver: Receiver,
) -> None:
    w = build_world()
    admin = _org_admin(w["m1"])
    auth = bearer(admin, ["accounts:webhook:manage"])
    client = Client()
    created = client.post(
        "/api/v1/webhooks",
        json.dumps({"url": receiver.url, "events": ["case.message"], "description": "SIEM"}),
        content_type="application/json",
        **auth,
    )
    hook_id, old = created.json()["endpoint"]["id"], created.json()["secret"]
    assert created.json()["endpoint"] == {
        "id": hook_id,
        "url": receiver.url,
        "description": "SIEM",
        "events": ["case.message"],
        "active": True,
        "created_at": created.json()["endpoint"]["created_at"],
        "updated_at": created.json()["endpoint"]["updated_at"],
    }
    rotated = client.post(
        f"/api/v1/webhooks/{hook_id}/rotate",
        json.dumps({"grace_hours": 2}),
        content_type="application/json",
        **auth,
    )
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["secret"]
    assert new != old
    ping = client.post(f"/api/v1/webhooks/{hook_id}/ping", "{}", "application/json", **auth)
    assert ping.status_code == 202, ping.content
    _run_worker()
    got = receiver.received[-1]
    assert json.loads(got.body)["event"] == "ping"
    assert json.loads(got.body)["case"] is None
    assert got.headers["Akrites-Signature"].count("v1=") == 2
    for secret in (old, new):  # a receiver holding either one accepts it
        verify(secret_key(secret), got.body, got.headers, now=int(time.time()), seen=_never_seen())

    # A leaked secret: rotate with no grace, and the old one stops signing at once.
    newest = client.post(
        f"/api/v1/webhooks/{hook_id}/rotate",
        json.dumps({"grace_hours": 0}),
        content_type="application/json",
        **auth,
    ).json()["secret"]
    client.post(f"/api/v1/webhooks/{hook_id}/ping", "{}", "application/json", **auth)
    _run_worker()
    got = receiver.received[-1]
    assert got.headers["Akrites-Signature"].count("v1=") == 1
    verify(secret_key(newest), got.body, got.headers, now=int(time.time()), seen=_never_seen())
    for stale in (old, new):
        with pytest.raises(SignatureMismatch):
            verify(
                secret_key(stale), got.body, got.headers, now=int(time.time()), seen=_never_seen()
            )

    deliveries = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", **auth).json()
    assert [(d["event"], d["case"], d["status"]) for d in deliveries] == [
        ("ping", "", "delivered"),
        ("ping", "", "delivered"),
    ]
    assert deliveries[0]["attempts"][0]["status_code"] == 200
    actions = list(
        AuditEvent.objects.filter(target_type="webhook", target_id=str(hook_id))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.WEBHOOK_CREATED,
        AuditAction.WEBHOOK_SECRET_ROTATED,
        AuditAction.WEBHOOK_PINGED,
        AuditAction.WEBHOOK_SECRET_ROTATED,
        AuditAction.WEBHOOK_PINGED,
    ]
    removed = client.delete(f"/api/v1/webhooks/{hook_id}", **auth)
    assert removed.status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=hook_id).exists()
    assert AuditEvent.objects.filter(action=AuditAction.WEBHOOK_DELETED).count() == 1


@pytest.mark.django_db
def test_the_secret_is_shown_once_and_never_again(settings: Any) -> None:
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    web = sign_in(Client(), admin)
    created = web.post(
        "/organisation/webhooks/",
        {"url": "https://hooks.example.net/akrites", "events": ["case.message"]},
    )
    assert created.status_code == 302, created.content
    endpoint = WebhookEndpoint.objects.get()
    assert created["Location"] == f"/organisation/webhooks/{endpoint.pk}/"
    first = web.get(created["Location"])
    secrets = [line for line in first.content.decode().split('"') if "whsec_" in line]
    shown = first.content.decode().split('id="new-webhook-secret">')[1].split("<")[0]
    assert shown.startswith("whsec_"), secrets
    rotated = web.post(f"/organisation/webhooks/{endpoint.pk}/rotate/", {"grace_hours": "1"})
    assert rotated.status_code == 302
    second = web.get(rotated["Location"]).content.decode()
    shown_too = second.split('id="new-webhook-secret">')[1].split("<")[0]
    assert shown_too != shown

    auth = bearer(admin, ["accounts:webhook:manage"])
    api = Client()
    answers = [
        web.get(f"/organisation/webhooks/{endpoint.pk}/"),
        web.get("/organisation/webhooks/"),
        api.get("/api/v1/webhooks", **auth),
        api.get(f"/api/v1/webhooks/{endpoint.pk}", **auth),
        api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", **auth),
        api.patch(
            f"/api/v1/webhooks/{endpoint.pk}",
            json.dumps({"description": "renamed"}),
            content_type="application/json",
            **auth,
        ),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "whsec_" not in text
        assert shown not in text
        assert shown_too not in text
    # At rest: sealed, under a platform key that is itself wrapped by the master key.
    for row in WebhookSecret.objects.all():
        assert b"whsec_" not in bytes(row.sealed)
    assert WrappedKey.objects.filter(name="webhooks").exists()
    for event in AuditEvent.objects.all():
        assert "whsec_" not in json.dumps(event.data)


@pytest.mark.django_db
def test_other_organisations_and_non_admins_cannot_see_or_change_an_endpoint() -> None:
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    endpoint = services.endpoint_create(
        actor=actor(admin), url="https://hooks.example.net/a", events=["case.message"]
    ).endpoint
    member = make_user(OrgKind.VENDOR, Role.VENDOR, org=admin.organisation)
    other_admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    sirt_admin = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    missing = endpoint.pk + 1000

    for outsider in (other_admin, sirt_admin):
        auth = bearer(outsider, ["accounts:webhook:manage"])
        api = Client()
        web = sign_in(Client(), outsider)
        for method, suffix, body in (
            ("get", "", None),
            ("patch", "", {"active": False}),
            ("delete", "", None),
            ("post", "/rotate", {}),
            ("post", "/ping", {}),
            ("get", "/deliveries", None),
        ):
            answers = []
            for pk in (endpoint.pk, missing):
                url = f"/api/v1/webhooks/{pk}{suffix}"
                data = json.dumps(body) if body is not None else None
                kwargs: dict[str, Any] = {"content_type": "application/json"} if data else {}
                answers.append(
                    getattr(api, method)(url, *([data] if data else []), **kwargs, **auth)
                )
            assert [a.status_code for a in answers] == [404, 404], (method, suffix)
            assert answers[0].content == answers[1].content
        for suffix, verb in (("", "get"), ("", "post"), ("rotate/", "post"), ("ping/", "post")):
            real = getattr(web, verb)(f"/organisation/webhooks/{endpoint.pk}/{suffix}")
            guessed = getattr(web, verb)(f"/organisation/webhooks/{missing}/{suffix}")
            assert real.status_code == guessed.status_code == 404
        assert Client().get("/api/v1/webhooks", **auth).json() == []
        assert "hooks.example.net" not in web.get("/organisation/webhooks/").content.decode()

    member_web = sign_in(Client(), member)
    assert member_web.get("/organisation/webhooks/").status_code == 403
    assert member_web.get(f"/organisation/webhooks/{endpoint.pk}/").status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert WebhookSecret.objects.filter(endpoint=endpoint).count() == 1


@pytest.mark.django_db
def test_internal_addresses_are_refused_with_specific_errors(settings: Any) -> None:
    settings.AKRITES_WEBHOOKS_ALLOW_LOOPBACK = False
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    auth = bearer(admin, ["accounts:webhook:manage"])
    for url, code in (
        ("http://169.254.169.254/latest/meta-data/", "webhook_url_private"),
        ("https://10.0.0.5/hook", "webhook_url_private"),
        ("https://[fd12::1]/hook", "webhook_url_private"),
        ("https://localhost/hook", "webhook_url_private"),
        ("http://127.0.0.1:8000/hook", "webhook_url_private"),
        ("https://intranet/hook", "webhook_url_private"),
        ("http://hooks.example.net/hook", "webhook_url_insecure"),
        ("https://ops:hunter2@hooks.example.net/", "webhook_url_credentials"),
        ("https://2130706433/", "webhook_url_malformed"),
    ):
        answer = Client().post(
            "/api/v1/webhooks",
            json.dumps({"url": url, "events": ["case.message"]}),
            content_type="application/json",
            **auth,
        )
        assert answer.status_code == 422, (url, answer.content)
        assert answer.json()["code"] == code, url
        assert answer.json()["field"] == "url"
    bad_event = Client().post(
        "/api/v1/webhooks",
        json.dumps({"url": "https://hooks.example.net/", "events": ["case.everything"]}),
        content_type="application/json",
        **auth,
    )
    assert bad_event.status_code == 422
    assert bad_event.json()["field"] == "events"
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CREATED).exists()


@pytest.mark.django_db(transaction=True)
def test_addresses_are_checked_again_at_delivery_time(
    receiver: Receiver, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build_world()
    _hook(w, receiver.url)
    _post_amber(w)
    settings.AKRITES_WEBHOOKS_ALLOW_LOOPBACK = False  # e.g. the server moved to production
    _run_worker()
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("refused:")

    # A public-looking name that resolves inside is refused before any connection.
    monkeypatch.setattr(
        "akrites.webhooks.transport.resolve",
        lambda host, port: [__import__("ipaddress").ip_address("10.9.8.7")],
    )
    outcome = post("https://hooks.example.net/x", b"{}", {}, allow_loopback=False)
    assert outcome.status_code is None
    assert "10.9.8.7" in outcome.error
    assert "public addresses only" in outcome.error


@pytest.mark.django_db
def test_secrets_survive_master_key_rotation() -> None:
    from dataclasses import replace

    from django.conf import settings
    from django.test import override_settings

    from akrites.cases.keys import keys_rotate
    from akrites.crypto import sealing
    from akrites.webhooks.keys import open_secrets

    def use(current: str, previous: tuple[str, ...] = ()) -> Any:
        sealing.master_key.cache_clear()
        sealing.master_keyring.cache_clear()
        return override_settings(
            AKRITES=replace(settings.AKRITES, master_key=current, master_key_previous=previous)
        )

    old, new = sealing.generate_master_key_text(), sealing.generate_master_key_text()
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    try:
        with use(old):
            created = services.endpoint_create(
                actor=actor(admin), url="https://hooks.example.net/a", events=["case.message"]
            )
        with use(new, (old,)):
            keys_rotate()
        with use(new):  # the old master key is gone: the secret still opens
            sealed = [bytes(s.sealed) for s in created.endpoint.secrets.all()]
            assert open_secrets(created.endpoint.pk, sealed) == [created.secret]
    finally:
        sealing.master_key.cache_clear()
        sealing.master_keyring.cache_clear()
