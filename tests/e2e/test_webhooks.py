"""Webhooks in a real browser: an organisation administrator registers an endpoint that a
real HTTP receiver (a thread on 127.0.0.1) serves, copies the secret shown once, sends a
test and sees its delivery; internal addresses are refused in the form; members who are
not administrators neither see the page nor reach it."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from akrites.accounts.auth import actor_for_user
from akrites.audit.models import AuditEvent
from akrites.domain.audit import AuditAction
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.webhook_endpoints import secret_key
from akrites.domain.webhooks import verify
from akrites.webhooks import services
from akrites.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from tests.e2e.helpers import at, run_queued_jobs, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.e2e

WEBHOOKS = "/organisation/webhooks/"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An organisation's own tooling: answers every POST with 200 and keeps what it got."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(Received(dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/akrites-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _never_seen() -> Any:
    seen: set[str] = set()

    def check(delivery_id: str) -> bool:
        if delivery_id in seen:
            return True
        seen.add(delivery_id)
        return False

    return check


def _open_webhooks(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page).to_have_url(at(WEBHOOKS))
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()


def test_org_admin_registers_an_endpoint_sees_the_secret_once_and_a_signed_test_arrives(
    page: Page, receiver: Receiver, settings: Any
) -> None:
    settings.AKRITES_WEBHOOKS_ALLOW_LOOPBACK = True  # the receiver runs on this machine
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    sign_in(page, admin.email)
    _open_webhooks(page)
    expect(page.get_by_role("cell", name="No webhooks yet.")).to_be_visible()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("SIEM intake")
    expect(page.get_by_label("case.message", exact=True)).to_be_checked()  # the default
    page.get_by_label("case.transitioned", exact=True).check()
    page.get_by_label("case.embargo_agreed", exact=True).check()
    page.get_by_role("button", name="Register").click()

    endpoint = WebhookEndpoint.objects.get()
    detail = f"{WEBHOOKS}{endpoint.pk}/"
    expect(page).to_have_url(at(detail))
    assert endpoint.organisation_id == admin.organisation_id
    assert endpoint.url == receiver.url
    assert endpoint.description == "SIEM intake"
    assert endpoint.events == ["case.embargo_agreed", "case.message", "case.transitioned"]
    for event in endpoint.events:
        expect(page.locator("dd code.scope", has_text=event)).to_have_count(1)

    shown = page.locator("#new-webhook-secret")
    expect(shown).to_have_text(re.compile(r"^whsec_[A-Za-z0-9_-]{20,}$"))
    secret = shown.inner_text().strip()
    for row in WebhookSecret.objects.filter(endpoint=endpoint):
        assert secret.encode() not in bytes(row.sealed)  # stored sealed, never as shown

    # A reload (a fresh GET) never shows it again, nor does the list.
    page.reload()
    expect(page).to_have_url(at(detail))
    expect(page.get_by_role("heading", name=re.compile(r"^Webhook "))).to_be_visible()
    expect(page.locator("#new-webhook-secret")).to_have_count(0)
    assert secret not in page.content()
    expect(page.get_by_role("cell", name="No deliveries yet.")).to_be_visible()

    page.get_by_role("button", name="Send a test").click()
    expect(page).to_have_url(at(detail))
    status = page.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"A test delivery \(dlv_[0-9a-f]+\) is on its way\."))
    delivery = WebhookDelivery.objects.get()
    expect(status).to_contain_text(delivery.delivery_id)
    assert delivery.status == DeliveryStatus.PENDING
    assert receiver.received == []  # sent by the worker, not by the request

    run_queued_jobs()
    page.reload()
    row = page.get_by_role("row").filter(has_text=delivery.delivery_id)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ping")
    expect(row).to_contain_text("delivered")
    expect(row).to_contain_text("HTTP 200")
    assert secret not in page.content()

    assert len(receiver.received) == 1
    got = receiver.received[0]
    verify(secret_key(secret), got.body, got.headers, now=int(time.time()), seen=_never_seen())
    assert got.headers["Akrites-Delivery"] == delivery.delivery_id
    doc = json.loads(got.body)
    assert doc["event"] == "ping"
    assert doc["case"] is None
    assert doc["delivery_id"] == delivery.delivery_id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log.all()] == [200]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://10.0.0.5/hook",
            (
                "10.0.0.5 resolves to 10.0.0.5, a private network address: "
                "webhooks go to public addresses only"
            ),
        ),
        (
            "https://localhost.internal/x",
            "localhost.internal is an internal name: use a public, fully qualified host name",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            (
                "169.254.169.254 resolves to 169.254.169.254, a link-local address "
                "(such as a cloud metadata service): webhooks go to public addresses only"
            ),
        ),
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is this server itself: use a public address"),
    ],
    ids=["private-network", "internal-name", "cloud-metadata", "loopback"],
)
def test_an_internal_address_is_refused_with_a_specific_error_and_nothing_is_created(
    page: Page, settings: Any, url: str, message: str
) -> None:
    settings.AKRITES_WEBHOOKS_ALLOW_LOOPBACK = False  # as in production
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    sign_in(page, admin.email)
    _open_webhooks(page)

    page.get_by_label("Endpoint URL").fill(url)
    page.get_by_label("case.transitioned", exact=True).check()
    page.get_by_role("button", name="Register").click()

    expect(page).to_have_url(at(WEBHOOKS))
    error = page.locator(".field.has-error").get_by_role("alert")
    expect(error).to_have_text(message)
    # What was typed and chosen is kept for correcting, and nothing was registered.
    expect(page.get_by_label("Endpoint URL")).to_have_value(url)
    expect(page.get_by_label("case.message", exact=True)).to_be_checked()
    expect(page.get_by_label("case.transitioned", exact=True)).to_be_checked()
    expect(page.get_by_role("cell", name="No webhooks yet.")).to_be_visible()
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookSecret.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.WEBHOOK_CREATED).exists()


def test_a_member_who_is_not_an_administrator_neither_sees_nor_reaches_the_webhooks(
    page: Page,
) -> None:
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    endpoint = services.endpoint_create(
        actor=actor_for_user(admin, mfa_verified=True),
        url="https://hooks.example.net/akrites",
        events=["case.message"],
    ).endpoint
    member = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=admin.organisation)
    sign_in(page, member.email)

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My organisation")).to_be_visible()
    expect(nav.get_by_role("link", name="Webhooks")).to_have_count(0)

    for path in (WEBHOOKS, f"{WEBHOOKS}{endpoint.pk}/"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Webhooks")
        assert "hooks.example.net" not in page.content()
        assert "whsec_" not in page.content()

    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert WebhookSecret.objects.filter(endpoint=endpoint).count() == 1
