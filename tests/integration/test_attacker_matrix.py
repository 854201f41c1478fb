"""The attacker's matrix: every page and API operation x every kind of onlooker.

For each route (walked from the URL configuration and the API, so a new route is covered the
day it is added) and each actor, the route is requested with the REAL ids of the world's
confidential objects and with guessed ids that do not exist. Whoever may not see an object
must get exactly the answer a missing one gets, and no answer may carry a confidential marker
the actor is not entitled to. The actors who are entitled must see the markers: that proves
the matrix can detect content at all.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

from akrites.accounts.auth import actor_for_user
from akrites.intake.engine import reset_engine
from akrites.intake.models import Report
from akrites.messaging.services import message_post, thread_case_wide
from tests.integration.attacker_helpers import (
    GUESSED_TRACKING_ID,
    PROBE_PURL,
    Actor,
    Route,
    Seen,
    World,
    all_routes,
    build_world,
    delete_confidential,
    guessed_case_number,
    probe,
    probe_doc,
)
from tests.integration.intake_helpers import report_doc

# The test database must exist for the module's world; each test then runs in a savepoint.
pytestmark = pytest.mark.django_db

ROUTES = all_routes()
DENIED = {302, 401, 403, 404, 405}
SIGN_IN_PAGES = ("/login/", "/account/two-factor/")

# --- the world, once per module ----------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            reset_engine()


# --- what each route's parameters are, really and when guessed ---------------------------

# Who legitimately knows each confidential object (and so may tell it from a missing one).
SIRT = frozenset({"coordinator"})
MAINTAINER_ORG = frozenset({"participant", "colleague", "removed", "maintainer_admin"})
CASE_READERS = SIRT | {"participant", "co_participant"}
PRIVATE_THREAD = SIRT | {"participant"}
FINDER = SIRT | {"finder"}
PUBLIC = None  # not confidential: the registry is readable by every signed-in user
FORGED: frozenset[str] = frozenset()  # a forged link: nobody may tell it from another


def _params(w: World, route: Route) -> dict[str, tuple[str, str, frozenset[str] | None]]:
    """name -> (real value, guessed value, who knows the real object)."""
    guess = str(w.guessed_pk)
    year = w.case.number.split("-")[1]
    messages = route.pattern.startswith(("cases/<str:number>/messages/", "/api/v1/cases/"))
    params: dict[str, tuple[str, str, frozenset[str] | None]] = {
        "number": (w.case.number, guessed_case_number(w.case.number), CASE_READERS),
        "tracking_id": (w.report.tracking_id, GUESSED_TRACKING_ID, FINDER),
        "attachment_id": (str(w.attachment.pk), guess, FINDER),
        "suggestion_id": (str(w.suggestion.pk), guess, SIRT),
        "contact_id": (str(w.contact.pk), guess, SIRT | MAINTAINER_ORG),
        "token_id": (str(w.finder_token_id), guess, frozenset({"finder"})),  # not even the SIRT
        "org_id": (str(w.finder_org.pk), guess, FINDER),  # another organisation
        "user_id": (str(w.participant.pk), guess, SIRT | MAINTAINER_ORG),
        "uidb64": (
            urlsafe_base64_encode(force_bytes(w.participant.pk)),
            urlsafe_base64_encode(force_bytes(w.guessed_pk)),
            FORGED,
        ),
        "token": ("c0ffee-0123456789abcdef0123", "c0ffee-0123456789abcdef0123", PUBLIC),
        "component_id": (str(w.component.pk), str(w.component.pk), PUBLIC),
        "thread_id": (str(w.private_thread.pk), guess, PRIVATE_THREAD),
        "message_id": (str(w.private_message.pk), guess, PRIVATE_THREAD),
        "webhook_id": (str(w.webhook.pk), guess, frozenset({"maintainer_admin"})),
        "invitation_id": (str(w.invitation.pk), guess, frozenset({"maintainer_admin"})),
        # The OSV surfaces: the world publishes nothing, so the year's first advisory id and an
        # ecosystem with only embargoed packages must look exactly like made-up ones.
        "vuln_id": (f"x_AKR-{w.case.number.split('-')[1]}-0001", "x_AKR-2000-9973", FORGED),
        "ecosystem": ("PyPI", "NoSuchEcosystem", FORGED),
        # The public advisory pages and CSAF provider, likewise: the year's first advisory id,
        # its CSAF folder and file must look exactly like made-up ones.
        "advisory_id": (f"AKR-{year}-0001", "AKR-2000-9973", FORGED),
        "year": (year, "2000", FORGED),
        "file_name": (f"akr-{year}-0001.json", "akr-2000-9973.json", FORGED),
    }
    if route.pattern == "advisories/<str:advisory_id>/<str:file_name>":
        params["file_name"] = ("openvex.json", "openvex.json", PUBLIC)
    if messages:
        params["attachment_id"] = (str(w.private_attachment.pk), guess, PRIVATE_THREAD)
    if route.pattern in {
        "cases/<str:number>/organisations/<int:org_id>/remove/",
        "/api/v1/cases/{number}/organisations/{org_id}",
    }:
        params["org_id"] = (str(w.maintainer_org.pk), guess, SIRT | MAINTAINER_ORG)
    unknown = set(route.params) - set(params)
    assert not unknown, f"{route.key}: say what {unknown} means in the attacker's matrix"
    return {name: params[name] for name in route.params}


def _bindings(w: World, route: Route, actor: str) -> tuple[dict[str, str], dict[str, str] | None]:
    """The real ids, and the same with every object the actor does not know guessed
    (None: the actor knows them all, so there is nothing to hide from them)."""
    params = _params(w, route)
    real = {k: v[0] for k, v in params.items()}
    hidden = [
        k for k, (_, _, knowers) in params.items() if knowers is not None and actor not in knowers
    ]
    if not hidden:
        return real, None
    return real, {k: (params[k][1] if k in hidden else v) for k, v in real.items()}


# Known leaks (actor, route pattern) -> markers; empty: the ones this matrix found are fixed
# and pinned by the regression tests at the end of this module.
KNOWN_LEAKS: dict[tuple[str, str], frozenset[str]] = {}

# Known cases where a real id is told apart from a guessed one; empty for the same reason.
KNOWN_TOLD_APART: set[tuple[str, str]] = set()

# --- plausible bodies for unsafe methods -------------------------------------------------

DataFn = Callable[[World, Actor], Any]


def _member(w: World, a: Actor) -> dict[str, Any]:
    return {"email": "probe-member@example.net", "display_name": "Probe", "roles": ["observer"]}


def _upload(w: World, a: Actor) -> dict[str, Any]:
    doc = json.dumps(probe_doc()).encode()
    return {"file": SimpleUploadedFile("probe.json", doc, "application/json"), "purl": ""}


WEB_POST: dict[str, DataFn] = {
    "login/": lambda w, a: {"email": "nobody@example.net", "password": "wrong password"},
    "account/": lambda w, a: {"current": "wrong", "new": "a brand new long passphrase 7"},
    "account/two-factor/": lambda w, a: {"code": "123456"},
    "account/set-password/<uidb64>/<token>/": lambda w, a: {
        "new_password1": "a brand new long passphrase 7",
        "new_password2": "a brand new long passphrase 7",
    },
    "account/tokens/": lambda w, a: {"name": "probe", "expires_in_days": "30"},
    "organisation/": _member,
    "organisations/": lambda w, a: {"name": "Probe Org", "kind": "finder"},
    "organisations/<int:org_id>/": _member,
    "members/<int:user_id>/roles/": lambda w, a: {"roles": ["observer"]},
    "members/<int:user_id>/active/": lambda w, a: {"active": "0"},
    "components/new/": lambda w, a: {"purl": "pkg:pypi/attacker-new"},
    "components/<int:component_id>/edit/": lambda w, a: {"description": "defaced"},
    "components/<int:component_id>/contacts/": lambda w, a: {
        "channel": "email",
        "address": "probe@example.net",
        "role": "security-team",
        "confidence": "inferred",
    },
    "reports/new/": lambda w, a: {
        "purl": PROBE_PURL,
        "title": "Probe: reflected XSS in the attacker-probe search box",
        "description": "The search box of attacker-probe echoes the q parameter unescaped.",
        "cwes": "CWE-79",
    },
    "reports/upload/": _upload,
    "cases/<str:number>/invite/": lambda w, a: {
        "organisation": str(w.actors["out_vendor"].user.organisation_id),  # type: ignore[union-attr]
        "role": "vendor",
    },
    # A real invitation id of another organisation, and oneself: "read me in".
    "organisation/cases/": lambda w, a: {
        "invitation": str(w.invitation.pk),
        "user": str(a.user.pk if a.user else 0),
        "action": "add",
    },
    "triage/suggestions/<int:suggestion_id>/": lambda w, a: {"decision": "reject"},
    "triage/merge/": lambda w, a: {"into": w.case.number, "other": w.second_case.number},
    "cases/<str:number>/messages/threads/<int:thread_id>/post/": lambda w, a: {
        "body": "probe message",
        "tlp": "",
    },
    "cases/<str:number>/messages/private/": lambda w, a: {"user": str(w.participant.pk)},
    "organisation/webhooks/": lambda w, a: {
        "url": "https://hooks.example.net/akrites",
        "events": ["case.message"],
    },
    "organisation/webhooks/<int:webhook_id>/": lambda w, a: {
        "url": "https://hooks.example.net/moved",
        "events": ["case.message"],
        "active": "on",
    },
    "organisation/webhooks/<int:webhook_id>/rotate/": lambda w, a: {"grace_hours": "1"},
    "cases/<str:number>/transition/": lambda w, a: {"transition": "start_triage"},
    "cases/<str:number>/advisory/step/": lambda w, a: {"step": "submit_for_review"},
    "cases/<str:number>/advisory/comment/": lambda w, a: {"body": "probe comment"},
    "cases/<str:number>/advisory/edit/": lambda w, a: {"title": "defaced"},
    "reports/<str:tracking_id>/credit/": lambda w, a: {"consent": "yes", "name": "Probe"},
    "cases/<str:number>/assessment/": lambda w, a: {"severity": "low"},
    "cases/<str:number>/fix/": lambda w, a: {"kind": "commit", "url": "https://example.net/c/1"},
    "cases/<str:number>/exploited/": lambda w, a: {"since": "2026-01-01T00:00"},
}

# Query strings for GET routes that need one: a word of the private message.
GET_QUERY: dict[str, DataFn] = {
    "cases/<str:number>/messages/search/": lambda w, a: {"q": "between"},
    "/api/v1/cases/{number}/messages/search": lambda w, a: {"q": "between"},
}

API_BODY: dict[tuple[str, str], DataFn] = {
    ("POST", "/api/v1/organisations"): lambda w, a: {"name": "Probe Org", "kind": "finder"},
    ("POST", "/api/v1/tokens"): lambda w, a: {"name": "probe"},
    ("POST", "/api/v1/components"): lambda w, a: {"purl": "pkg:pypi/attacker-new"},
    ("PATCH", "/api/v1/components/{component_id}"): lambda w, a: {"description": "defaced"},
    ("POST", "/api/v1/components/{component_id}/contacts"): lambda w, a: {
        "channel": "email",
        "address": "probe@example.net",
    },
    ("POST", "/api/v1/reports"): lambda w, a: probe_doc(),
    ("POST", "/api/v1/reports/bulk"): lambda w, a: {"reports": [probe_doc()]},
    ("POST", "/api/v1/reports/{tracking_id}/attachments"): lambda w, a: {
        "file": SimpleUploadedFile("probe.txt", b"probe", "text/plain")
    },
    ("POST", "/api/v1/cases/{number}/merge"): lambda w, a: {"other": w.second_case.number},
    ("POST", "/api/v1/cases/{number}/embargo"): lambda w, a: {"action": "accept"},
    ("POST", "/api/v1/cases/{number}/transitions"): lambda w, a: {"transition": "start_triage"},
    ("PUT", "/api/v1/cases/{number}/advisory"): lambda w, a: {"title": "defaced"},
    ("POST", "/api/v1/cases/{number}/organisations"): lambda w, a: {
        "organisation": a.user.organisation_id if a.user else 0,
        "role": "observer",
    },
    ("PUT", "/api/v1/cases/{number}/tlp"): lambda w, a: {"tlp": "CLEAR"},
    ("POST", "/api/v1/organisation/invitations/{invitation_id}/participants"): lambda w, a: {
        "user": a.user.pk if a.user else 0
    },
    ("POST", "/api/v1/cases/{number}/advisory/steps"): lambda w, a: {"step": "submit_for_review"},
    ("POST", "/api/v1/cases/{number}/advisory/comments"): lambda w, a: {"body": "probe"},
    ("PUT", "/api/v1/reports/{tracking_id}/credit"): lambda w, a: {"consent": True, "name": "x"},
    ("PUT", "/api/v1/cases/{number}/assessment"): lambda w, a: {"severity": "low"},
    ("POST", "/api/v1/cases/{number}/fix"): lambda w, a: {
        "kind": "commit",
        "url": "https://example.net/commit/1",
    },
    ("POST", "/api/v1/cases/{number}/exploited"): lambda w, a: {
        "since": "2026-01-01T00:00:00+00:00"
    },
    ("POST", "/api/v1/cases/{number}/threads"): lambda w, a: {"user": w.participant.pk},
    ("POST", "/api/v1/cases/{number}/threads/{thread_id}/messages"): lambda w, a: {
        "body": "probe message"
    },
    ("POST", "/api/v1/cases/{number}/messages/{message_id}/attachments"): lambda w, a: {
        "file": SimpleUploadedFile("probe.txt", b"probe", "text/plain")
    },
    ("POST", "/api/v1/webhooks"): lambda w, a: {
        "url": "https://hooks.example.net/akrites",
        "events": ["case.message"],
    },
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): lambda w, a: {"description": "probe"},
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate"): lambda w, a: {"grace_hours": 1},
    ("POST", "/api/v1/webhooks/{webhook_id}/ping"): lambda w, a: {},
}


def _data(w: World, a: Actor, route: Route) -> Any:
    if route.method == "GET":
        query = GET_QUERY.get(route.pattern)
        return query(w, a) if query else None
    fn = (
        WEB_POST.get(route.pattern)
        if route.kind == "web"
        else API_BODY.get((route.method, route.pattern))
    )
    return fn(w, a) if fn else {}


# --- the checks --------------------------------------------------------------------------

CHECKS = {"requests": 0}


def _leaks(w: World, a: Actor, route: Route, seen: Seen) -> list[str]:
    allowed = a.sees | KNOWN_LEAKS.get((a.name, route.pattern), frozenset())
    text = seen.text_for_markers()
    return [
        f"{name}={value!r}"
        for name, value in w.markers.items()
        if name not in allowed and value and value.casefold() in text
    ]


# Public pages that refuse a forged or stale link with an ordinary page.
REFUSED_WITH_A_PAGE = {"account/set-password/<uidb64>/<token>/"}


def _difference(real: tuple[Any, ...], guessed: tuple[Any, ...]) -> str:
    status, body, headers, cookies = real
    if status != guessed[0]:
        return f"status {status} vs {guessed[0]}"
    if body != guessed[1]:
        diff = difflib.unified_diff(body.splitlines(), guessed[1].splitlines(), lineterm="", n=0)
        return "body differs: " + " | ".join(list(diff)[2:8])[:600]
    if headers != guessed[2]:
        return f"headers {sorted(set(headers) ^ set(guessed[2]))}"
    return f"cookies set {cookies} vs {guessed[3]}"


def _refused_like_missing(route: Route, real: Seen, guessed: Seen, urls: tuple[str, str]) -> str:
    if real.normalised(*urls) != guessed.normalised():
        why = _difference(real.normalised(*urls), guessed.normalised())
        return f"real id is told apart from a guessed one: {why}"
    if real.status not in DENIED and route.pattern not in REFUSED_WITH_A_PAGE:
        return f"real and guessed ids both answered {real.status}, not a refusal"
    if real.status == 302 and not real.location.startswith(SIGN_IN_PAGES):
        return f"real id redirected to {real.location}"
    return ""


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.key)
def test_no_route_tells_an_onlooker_anything(world: World, route: Route) -> None:
    problems = []
    for actor in world.actors.values():
        real_values, guessed_values = _bindings(world, route, actor.name)
        urls = (route.url(real_values), route.url(guessed_values) if guessed_values else "")
        answers: dict[str, Seen] = {}
        for label, values in (("real", real_values), ("guessed", guessed_values)):
            if values is None:
                continue
            url = route.url(values)
            seen = probe(actor, route, url, _data(world, actor, route))
            CHECKS["requests"] += 1
            answers[label] = seen
            where = f"{actor.name} {route.method} {url}"
            if seen.status >= 500:
                problems.append(f"{where}: {seen.status} {seen.error or seen.body[:300]}")
            if leaked := _leaks(world, actor, route, seen):
                problems.append(f"{where}: {seen.status} leaks {', '.join(leaked)}")
        if (actor.name, route.pattern) in KNOWN_TOLD_APART:
            continue
        if "guessed" in answers:
            why = _refused_like_missing(route, answers["real"], answers["guessed"], urls)
            if why:
                problems.append(f"{actor.name} {route.method} {route.url(real_values)}: {why}")
    assert not problems, "\n".join(problems)


# --- the matrix can see: entitled actors get the content -----------------------------------

EXPECT: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("coordinator", "web", "cases/<str:number>/", ("title", "finder_org", "tracking")),
    ("coordinator", "web", "cases/", ("case", "title")),
    ("coordinator", "web", "reports/<str:tracking_id>/", ("title", "description", "package")),
    ("coordinator", "web", "reports/", ("tracking",)),
    ("coordinator", "web", "triage/", ("second_tracking",)),
    ("coordinator", "web", "components/<int:component_id>/", ("contact",)),
    ("coordinator", "web", "organisations/<int:org_id>/", ("finder_org", "finder_email")),
    ("coordinator", "api", "/api/v1/reports/{tracking_id}", ("tracking", "case")),
    ("coordinator", "api", "/api/v1/reports", ("tracking", "second_tracking")),
    (
        "coordinator",
        "api",
        "/api/v1/reports/{tracking_id}/attachments/{attachment_id}",
        ("attachment", "attachment_name"),
    ),
    ("coordinator", "api", "/api/v1/dedup/suggestions", ("second_tracking", "case")),
    ("coordinator", "api", "/api/v1/components/{component_id}/contacts", ("contact",)),
    ("coordinator", "api", "/api/v1/organisations/{org_id}", ("finder_org",)),
    ("participant", "web", "cases/<str:number>/", ("title", "case")),
    ("participant", "web", "cases/", ("case", "title")),
    ("participant", "web", "components/<int:component_id>/", ("contact",)),
    ("finder", "web", "reports/<str:tracking_id>/", ("title", "description", "tracking")),
    ("finder", "web", "reports/", ("tracking", "second_tracking")),
    ("finder", "web", "account/tokens/", ("token_name",)),
    ("finder", "api", "/api/v1/reports/{tracking_id}", ("tracking", "case")),
    ("finder", "api", "/api/v1/reports", ("tracking",)),
    ("finder", "api", "/api/v1/reports/{tracking_id}/attachments/{attachment_id}", ("attachment",)),
    ("maintainer_admin", "web", "organisation/cases/", ("case",)),
    (
        "coordinator",
        "web",
        "cases/<str:number>/messages/threads/<int:thread_id>/",
        ("message_private", "participant_email"),
    ),
    ("coordinator", "api", "/api/v1/cases/{number}/messages/search", ("message_private",)),
    (
        "participant",
        "web",
        "cases/<str:number>/messages/",
        ("message_amber", "message_named", "message_maint"),
    ),
    (
        "participant",
        "web",
        "cases/<str:number>/messages/threads/<int:thread_id>/",
        ("message_private",),
    ),
    ("participant", "web", "cases/<str:number>/messages/search/", ("message_private",)),
    (
        "participant",
        "api",
        "/api/v1/cases/{number}/threads/{thread_id}/messages",
        ("message_private",),
    ),
    (
        "participant",
        "api",
        "/api/v1/cases/{number}/attachments/{attachment_id}",
        ("attachment_private",),
    ),
    ("co_participant", "web", "cases/<str:number>/", ("title", "case")),
    ("co_participant", "web", "cases/<str:number>/messages/", ("message_amber",)),
    ("maintainer_admin", "web", "organisation/webhooks/", ("webhook_url",)),
    ("maintainer_admin", "web", "organisation/webhooks/<int:webhook_id>/", ("webhook_url",)),
    ("maintainer_admin", "api", "/api/v1/webhooks", ("webhook_url",)),
    ("maintainer_admin", "api", "/api/v1/webhooks/{webhook_id}", ("webhook_url",)),
]


@pytest.mark.parametrize(
    ("who", "kind", "pattern", "markers"), EXPECT, ids=[f"{e[0]} {e[2]}" for e in EXPECT]
)
def test_entitled_actors_see_the_content(
    world: World, who: str, kind: str, pattern: str, markers: tuple[str, ...]
) -> None:
    route = Route(kind, "GET", pattern)
    real, _ = _bindings(world, route, who)
    seen = probe(world.actors[who], route, route.url(real), _data(world, world.actors[who], route))
    assert seen.status == 200, (seen.status, seen.error, seen.body[:500])
    text = seen.text_for_markers()
    for name in markers:
        assert world.markers[name].casefold() in text, name


# --- lists: the same with and without the confidential case --------------------------------

# (actor, route pattern) whose lists legitimately show the case or the finder's reports.
LIST_SEES = {
    ("finder", "reports/"),
    ("finder", "/api/v1/reports"),
    ("participant", "cases/"),
    ("participant", "organisation/cases/"),  # read in: the invitation shows the number
    ("co_participant", "cases/"),
    ("participant", "/api/v1/cases"),
    # The dashboard lists one's own cases (read in) and one's organisation's reports.
    ("finder", ""),
    ("participant", ""),
    ("co_participant", ""),
    ("co_participant", "/api/v1/cases"),
    ("co_participant", "organisation/cases/"),
    ("maintainer_admin", "organisation/cases/"),
    *KNOWN_LEAKS,
}
LISTS = [r for r in ROUTES if r.method == "GET" and not r.params]


@pytest.mark.parametrize("route", LISTS, ids=lambda r: r.key)
def test_lists_are_the_same_with_and_without_the_case(world: World, route: Route) -> None:
    onlookers = [
        a
        for a in world.actors.values()
        if a.name != "coordinator" and (a.name, route.pattern) not in LIST_SEES
    ]
    url = route.url({})
    with_case = {a.name: probe(a, route, url, None) for a in onlookers}
    with transaction.atomic():
        delete_confidential(world)
        without = {a.name: probe(a, route, url, None) for a in onlookers}
        transaction.set_rollback(True)
    CHECKS["requests"] += 2 * len(onlookers)
    differ = [
        f"{name}: {with_case[name].status} {with_case[name].body[:200]!r} vs "
        f"{without[name].body[:200]!r}"
        for name in with_case
        if with_case[name].normalised() != without[name].normalised()
    ]
    assert not differ, "\n".join(differ)


def test_api_counts_count_only_what_the_caller_may_see(world: World) -> None:
    route = Route("api", "GET", "/api/v1/reports")
    expected = {
        "coordinator": Report.objects.count(),
        "finder": 2,
        "out_reporter": 1,
    }
    for name, count in expected.items():
        seen = probe(world.actors[name], route, "/api/v1/reports", None)
        assert seen.status == 200, name
        assert json.loads(seen.body)["count"] == count, name


def test_unread_counts_count_only_what_the_reader_may_see(world: World) -> None:
    url = f"/api/v1/cases/{world.case.number}/threads"
    route = Route("api", "GET", "/api/v1/cases/{number}/threads")
    expected = {
        # AMBER and the message naming them (their own post is not unread); their private thread
        "participant": [("case", 2), ("private", 1)],
        "co_participant": [("case", 1)],  # only the AMBER message; no private thread of theirs
    }
    for name, threads in expected.items():
        seen = probe(world.actors[name], route, url, None)
        assert seen.status == 200, (name, seen.body)
        assert [(t["kind"], t["unread"]) for t in json.loads(seen.body)] == threads, name


# --- pointed attacks ------------------------------------------------------------------------


def test_removed_participant_loses_access_in_the_same_session(world: World) -> None:
    # build_world showed the case to this very session and token before the removal.
    removed = world.actors["removed"]
    number, guessed = world.case.number, guessed_case_number(world.case.number)
    for route, pattern in (
        (Route("web", "GET", "cases/<str:number>/"), "/cases/{}/"),
        (Route("web", "GET", "cases/<str:number>/messages/"), "/cases/{}/messages/"),
        (Route("api", "GET", "/api/v1/cases/{number}/threads"), "/api/v1/cases/{}/threads"),
    ):
        real = probe(removed, route, pattern.format(number), None)
        missing = probe(removed, route, pattern.format(guessed), None)
        assert real.status == 404, route.key
        assert real.normalised() == missing.normalised(), route.key
    listing = probe(removed, Route("web", "GET", "cases/"), "/cases/", None)
    assert number not in listing.body


def test_someone_elses_attachment_id_under_ones_own_report_is_missing(world: World) -> None:
    outsider = world.actors["out_reporter"]
    own = Report.objects.filter(organisation_id=outsider.user.organisation_id).get()  # type: ignore[union-attr]
    route = Route("api", "GET", "/api/v1/reports/{tracking_id}/attachments/{attachment_id}")
    base = f"/api/v1/reports/{own.tracking_id}/attachments/"
    real = probe(outsider, route, f"{base}{world.attachment.pk}", None)
    guessed = probe(outsider, route, f"{base}{world.guessed_pk}", None)
    assert real.status == guessed.status == 404
    assert real.body == guessed.body


def test_an_outside_admin_cannot_read_itself_in_with_a_real_invitation_id(world: World) -> None:
    outsider = world.actors["out_admin"]
    route = Route("web", "POST", "organisation/cases/")
    me = str(outsider.user.pk)  # type: ignore[union-attr]
    real = probe(
        outsider,
        route,
        "/organisation/cases/",
        {"invitation": str(world.invitation.pk), "user": me, "action": "add"},
    )
    guessed = probe(
        outsider,
        route,
        "/organisation/cases/",
        {"invitation": str(world.guessed_pk), "user": me, "action": "add"},
    )
    assert real.status == guessed.status == 404
    assert real.normalised() == guessed.normalised()


def test_signing_in_does_not_tell_whether_an_account_exists(world: World) -> None:
    route = Route("web", "POST", "login/")
    anonymous = world.actors["anonymous"]
    known = probe(
        anonymous,
        route,
        "/login/",
        {"email": world.markers["finder_email"], "password": "wrong password"},
    )
    unknown = probe(
        anonymous, route, "/login/", {"email": "nobody@example.net", "password": "wrong password"}
    )
    assert known.status == unknown.status
    assert (
        known.normalised()[1].replace(world.markers["finder_email"], "nobody@example.net")
        == (unknown.normalised()[1])
    )


def test_a_duplicate_submission_learns_no_content(world: World) -> None:
    """An outsider who finds the same flaw is told it is a duplicate, of which case and since
    when (they are credited as an independent finder), but never its title, description,
    messages, other finders or their reports: not in the receipt, nor later."""
    outsider = world.actors["out_reporter"]
    doc = report_doc(
        title="Heap overflow in the quokka-vault frame decoder",
        description="The quokka-vault frame decoder trusts the declared frame length and "
        "copies past the end of its buffer: a crafted archive gives remote code execution.",
        purl=f"pkg:pypi/{world.markers['package']}",
        vers="vers:pypi/>=2.0|<2.4.1",
        cwes=("CWE-122",),
        fix="https://example.org/quokka-vault/commit/aaaabbbbccccddddeeeeffff0000111122223333",
    )
    seen_by_duplicate = frozenset({"package", "case"})  # what the finder's own report says
    answers = []
    with transaction.atomic():
        receipt = outsider.api.post(
            "/api/v1/reports",
            json.dumps(doc),
            content_type="application/json",
            **outsider.api_headers,
        )
        assert receipt.status_code in {200, 201}, receipt.content
        assert receipt.json()["status"] == "duplicate", receipt.content  # the probe hit it
        tracking = receipt.json()["tracking_id"]
        answers.append(("receipt", receipt))
        pages = (
            f"/reports/{tracking}/",
            "/reports/",
            "/cases/",
            "/",
            f"/cases/{world.case.number}/",
            f"/cases/{world.case.number}/messages/",
        )
        answers += [(url, outsider.web.get(url)) for url in pages]
        api = (
            f"/api/v1/reports/{tracking}",
            "/api/v1/reports",
            f"/api/v1/cases/{world.case.number}/threads",
        )
        answers += [(url, outsider.api.get(url, **outsider.api_headers)) for url in api]
        transaction.set_rollback(True)
    reset_engine()
    problems = []
    for url, response in answers:
        text = response.content.decode().casefold()
        problems += [
            f"{url}: {response.status_code} shows {name}"
            for name, value in world.markers.items()
            if name not in seen_by_duplicate and value.casefold() in text
        ]
    assert problems == []


def test_notifications_carry_no_content(world: World) -> None:
    """Whatever a member's invitation or a new case message sends (after the commit, or by
    a queued job), none of it holds case content: only that there is something to look at."""
    admin = world.actors["maintainer_admin"]
    coordinator = actor_for_user(world.actors["coordinator"].user, mfa_verified=True)
    secret = f"{world.markers['message_private']} {world.markers['title']}"
    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            added = admin.web.post(
                "/organisation/",
                {
                    "email": "new.member@kookaburra.example",
                    "display_name": "New",
                    "roles": ["maintainer"],
                },
            )
            assert added.status_code == 302, added.content
            wide = thread_case_wide(actor=coordinator, case=world.case)
            message_post(
                actor=coordinator,
                case=world.case,
                thread_id=wide.pk,
                tlp="AMBER",
                recipients=[world.participant.pk],
                body=f"New finding: {secret}",
            )
        jobs = list(DBTaskResult.objects.all())
        assert jobs, "adding a member queues its invitation mail"
        for job in jobs:
            job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
        transaction.set_rollback(True)
    assert mail.outbox
    for message in mail.outbox:
        text = "\n".join(
            [message.subject, message.body, *(str(a) for a in message.alternatives)]
        ).casefold()
        shown = [n for n, v in world.markers.items() if v.casefold() in text]
        assert shown == [], (message.subject, shown)


# --- regressions of leaks this matrix found (both fixed) ------------------------------------


@pytest.mark.parametrize("who", ["colleague", "removed"])
def test_members_not_read_in_do_not_learn_which_cases_exist(world: World, who: str) -> None:
    seen = probe(
        world.actors[who], Route("web", "GET", "organisation/cases/"), "/organisation/cases/", None
    )
    assert world.case.number not in seen.body


@pytest.mark.parametrize("kind", ["web", "api"])
def test_another_maintainer_cannot_tell_which_contacts_a_component_has(
    world: World, kind: str
) -> None:
    outsider = world.actors["out_maintainer"]
    c = world.component.pk
    if kind == "web":
        pattern = "components/<int:component_id>/contacts/<int:contact_id>/remove/"
        route, url = Route("web", "POST", pattern), f"/components/{c}/contacts/{{}}/remove/"
    else:
        pattern = "/api/v1/components/{component_id}/contacts/{contact_id}"
        route, url = Route("api", "DELETE", pattern), f"/api/v1/components/{c}/contacts/{{}}"
    real = probe(outsider, route, url.format(world.contact.pk), {})
    guessed = probe(outsider, route, url.format(world.guessed_pk), {})
    assert real.normalised() == guessed.normalised()


def test_the_matrix_covers_every_route(world: World) -> None:
    web = {r.pattern for r in ROUTES if r.kind == "web"}
    api = {(r.method, r.pattern) for r in ROUTES if r.kind == "api"}
    assert len(web) >= 30
    assert len(api) >= 20
    for route in ROUTES:
        _params(world, route)  # every parameter has a real and a guessed value
    print(f"\nattacker matrix: {CHECKS['requests']} (route x actor x id) requests")
    assert len(world.actors) == 15
