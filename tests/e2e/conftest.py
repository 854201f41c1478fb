"""Browser end-to-end tests: Playwright drives the system Chromium against pytest-django's
live server. One browser per session, one fresh context (cookies, storage) per test."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from akrites.audit.models import AuditHead
from tests.e2e.helpers import PageWatch

_audit_initial = importlib.import_module("akrites.audit.migrations.0001_initial")

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise refuse
# ORM calls from the test body ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no network: background fetches make Chromium stall or log errors.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_ENV = "AKRITES_REQUIRE_E2E"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last. Playwright's event loop stays registered as running in the
    main thread until the session ends, which would change how later tests see Django
    (async-safety checks, per-context DB connections, async_to_sync refusing to run)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def playwright(django_db_setup: None) -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        message = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes its absence an error", pytrace=False)
        pytest.skip(message)
    # The test database exists (django_db_setup) before Playwright starts its event loop in
    # this thread. From then on asgiref sees "async code" and would hand the tests fresh
    # connection objects (a second SQLite connection beside the live server's, with its
    # table locks): keep using the ones the test database was built on.
    test_connections = list(connections.all())
    with sync_playwright() as pw:
        for conn in test_connections:
            connections[conn.alias] = conn
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Runs in every document before its own scripts. Playwright injects it outside the page's
# CSP, and the binding it calls is not subject to the CSP either.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__akritesCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` in ${e.documentURI} (${e.sourceFile || "?"}:${e.lineNumber})`);
});
"""


@pytest.fixture(autouse=True)
def _migration_data(transactional_db: None) -> None:
    """The live server needs a transactional database, which any transactional test
    (this one or another module's) leaves emptied, data migrations included. Put back
    what they create: the audit chain's head row, without which nothing can be audited.
    (Serialized rollback would too, but clashes with content types that flushes recreate.)"""
    if not AuditHead.objects.exists():
        _audit_initial.create_head(django_apps, None)


@pytest.fixture
def watch(live_server: Any) -> PageWatch:
    return PageWatch(origin=live_server.url)


@pytest.fixture
def context(browser: Browser, live_server: Any, watch: PageWatch) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.expose_binding(
        "__akritesCspViolation", lambda _source, text: watch.csp_violations.append(text)
    )
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, watch: PageWatch) -> Iterator[Page]:
    """A page whose console errors, script errors and CSP problems fail the test."""
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("response", watch.on_response)
    yield page
    problems = watch.problems()
    if problems:
        pytest.fail("the browser reported problems:\n" + "\n".join(problems), pytrace=False)
