"""What browser tests do over and over: sign in, read an authenticator, run the worker,
and notice what went wrong in the page."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass, field

from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from akrites.accounts.models import User
from tests.factories import PASSWORD


def at(path: str) -> re.Pattern[str]:
    """Matches a URL of the live server whose path is ``path`` (any query string)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for ``device`` right now."""
    return code_for_key(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)


def code_for_key(
    key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, drift: int = 0
) -> str:
    value = totp(key, step=step, t0=t0, digits=digits, drift=drift)
    return f"{value:0{digits}d}"


def authenticator_for(user: User) -> TOTPDevice:
    """A confirmed TOTP device, as if the user had enrolled an authenticator app earlier."""
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device


def submit_password(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(
    page: Page, email: str, password: str = PASSWORD, *, device: TOTPDevice | None = None
) -> None:
    """Sign in through the real form, and with ``device`` pass the second factor too;
    returns on the dashboard."""
    submit_password(page, email, password)
    if device is not None:
        expect(page).to_have_url(at("/account/two-factor/"))
        page.get_by_label("Code").fill(totp_code(device))
        page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome, "))).to_be_visible()


def run_queued_jobs() -> None:
    """Do what ``akrites worker`` does: run every queued job, then return."""
    watched = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    saved = {s: signal.getsignal(s) for s in watched}
    try:
        call_command(
            "db_worker", batch=True, queue_name="*", reload=False, startup_delay=False, verbosity=0
        )
    finally:
        for sig, handler in saved.items():  # the worker leaves its own shutdown handlers
            signal.signal(sig, handler)


@dataclass
class PageWatch:
    """What went wrong in the browser while a test ran: console errors, uncaught
    exceptions, Content-Security-Policy violations and pages served without a CSP."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    documents: list[Response] = field(default_factory=list)
    # Pages answered with an error status on purpose (a refused sign-in is a 401):
    # Chromium logs "Failed to load resource" for them, which is no defect of the page.
    error_documents: set[str] = field(default_factory=set)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and url in self.error_documents:
            return
        self.console_errors.append(f"{message.text} ({url})")

    def on_response(self, response: Response) -> None:
        if response.request.resource_type != "document" or not response.url.startswith(self.origin):
            return
        if 300 <= response.status < 400:
            return  # a redirect is not a page anyone sees
        if response.status >= 400:
            self.error_documents.add(response.url)
        self.documents.append(response)

    def pages_without_csp(self) -> list[str]:
        return [
            f"{r.status} {r.url}"
            for r in self.documents
            if not r.header_value("content-security-policy")
        ]

    def problems(self) -> list[str]:
        return [
            *(f"console error: {e}" for e in self.console_errors),
            *(f"uncaught exception: {e}" for e in self.page_errors),
            *(f"CSP violation: {v}" for v in self.csp_violations),
            *(f"no Content-Security-Policy header: {d}" for d in self.pages_without_csp()),
        ]
