"""The attacker's world and probe machinery for ``test_attacker_matrix``.

One world per test module: an embargoed case submitted by a finder, read in to one person of
an invited maintainer organisation, plus every kind of onlooker. Each probe runs inside a
savepoint that is rolled back, so a probe that manages to change something (a bug the matrix
reports) cannot change what the next probe sees.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import Organisation, User
from akrites.accounts.services import token_create
from akrites.api import operations
from akrites.cases.keys import case_data_key, seal_for_case
from akrites.cases.models import Case, CaseOrganisation
from akrites.cases.services import (
    case_invite_organisation,
    case_read_in,
    case_remove_participant,
)
from akrites.domain.permissions import OrgKind, Role, token_scopes_allowed
from akrites.domain.policy import SYSTEM
from akrites.intake.engine import reset_engine
from akrites.intake.models import Attachment, DedupSuggestion, Report
from akrites.intake.services import TRACKING_PREFIX
from akrites.messaging.models import Message, MessageAttachment, Thread
from akrites.messaging.services import (
    Upload,
    message_post,
    thread_case_wide,
    thread_open_private,
)
from akrites.registry.models import Component, SecurityContact
from akrites.registry.services import component_create, contact_add
from akrites.webhooks.models import WebhookEndpoint
from akrites.webhooks.services import endpoint_create
from tests.factories import OrganisationFactory, make_user, sign_in
from tests.integration.intake_helpers import report_doc, submit

# --- what must never leak: each marker appears only in confidential data ------------------

MARKERS = {
    "title": "Quetzalcoatl",  # a word of the case title
    "description": "MARKER-DESC-7F3A91",  # in the report description only
    "package": "quokka-vault",  # the affected package (not in the registry)
    "case": "",  # the case number: each world fills in the numbers and tracking ids
    "tracking": "",  # the finder's tracking id
    "finder_org": "Lyrebird Finders",  # the reporting organisation's name
    "finder_email": "lyrebird.finder@example.org",
    "attachment": "PLATYPUS-ATTACH-9931",  # inside the attached file
    "attachment_name": "lyrebird-poc.sh",
    "second_title": "Numbat",  # the second report, suggested as a duplicate
    "second_case": "",
    "second_tracking": "",
    "contact": "hidden-psirt@wombat.example",  # a component's security contact
    "participant_email": "read.in.maintainer@kookaburra.example",
    "token_name": "lyrebird-ci-token",  # the finder's API token
    # Case messages, each with the audience its label and thread give it:
    "message_amber": "MSG-AMBER-55D1",  # TLP:AMBER, case-wide: every organisation read in
    "message_named": "MSG-NAMED-21C7",  # case default (AMBER+STRICT), naming the participant
    "message_private": "MSG-PRIVATE-8B02",  # the private thread with the participant
    "message_maint": "MSG-MAINT-4E66",  # the participant's own AMBER+STRICT post
    "attachment_amber": "FILE-AMBER-0A9F",  # attached to the AMBER message
    "attachment_private": "FILE-PRIVATE-77E3",  # attached to the private message
    "webhook_url": "hooks.kookaburra-tools.example",  # the maintainer organisation's webhook
    "webhook_secret": "",  # its signing secret: shown once at creation, then to nobody
}

TITLE = f"Heap overflow in {MARKERS['title']} frame decoder"
DESCRIPTION = (
    f"The frame decoder of quokka-vault trusts the declared length {MARKERS['description']} and "
    "copies past the end of its buffer; a crafted archive gives remote code execution."
)
SECOND_TITLE = f"Path traversal in {MARKERS['second_title']} archive extraction"
PROBE_PURL = "pkg:pypi/attacker-probe"


def probe_doc(**extra: Any) -> dict[str, Any]:
    """A plausible, unrelated report: what an attacker submits to see what comes back."""
    return report_doc(
        title="Probe: reflected XSS in the attacker-probe search box",
        description="The search box of attacker-probe echoes the q parameter unescaped.",
        purl=PROBE_PURL,
        vers="vers:pypi/<1.0",
        cwes=("CWE-79",),
        fix="https://example.net/attacker-probe/commit/0123456789abcdef0123456789abcdef01234567",
        **extra,
    )


# --- the actors -------------------------------------------------------------------------


@dataclass
class Actor:
    name: str
    user: User | None
    web: Client
    api_headers: dict[str, str]
    sees: frozenset[str]  # marker names this actor may legitimately see anywhere
    api: Client = field(default_factory=Client)


@dataclass
class World:
    case: Case
    second_case: Case
    report: Report
    second_report: Report
    attachment: Attachment
    suggestion: DedupSuggestion
    component: Component
    contact: SecurityContact
    private_thread: Thread
    private_message: Message
    private_attachment: MessageAttachment
    finder_token_id: int
    finder_org: Organisation
    maintainer_org: Organisation
    invitation: CaseOrganisation
    participant: User
    webhook: WebhookEndpoint
    actors: dict[str, Actor]
    guessed_pk: int
    markers: dict[str, str]


EVERYTHING = frozenset(MARKERS) - {"webhook_secret"}
FINDER_SEES = frozenset(
    {
        "title",
        "description",
        "package",
        "case",
        "tracking",
        "finder_org",
        "finder_email",
        "attachment",
        "attachment_name",
        "second_title",
        "second_case",
        "second_tracking",
        "token_name",
    }
)
# The maintainer organisation owns the registry component, so its maintainers see its
# security contact, and its members see one another.
MAINTAINER_ORG_SEES = frozenset({"contact", "participant_email"})
CASE_SEES = frozenset({"title", "description", "package", "case"})
PARTICIPANT_SEES = (
    MAINTAINER_ORG_SEES
    | CASE_SEES
    | {
        "message_amber",
        "message_named",
        "message_private",
        "message_maint",
        "attachment_amber",
        "attachment_private",
    }
)
# Read in from another organisation: the case, and what is labelled for every party.
CO_PARTICIPANT_SEES = CASE_SEES | {"message_amber", "attachment_amber"}
# The organisation's administrator sees which case it is invited to (to read people in).
MAINTAINER_ADMIN_SEES = MAINTAINER_ORG_SEES | {"case", "webhook_url"}
NOTHING: frozenset[str] = frozenset()


def _bearer(user: User, name: str) -> dict[str, str]:
    roles = frozenset(Role(r) for r in user.role_assignments.values_list("role", flat=True))
    scopes = sorted(token_scopes_allowed(roles))
    created = token_create(actor=SYSTEM, user=user, name=name, scopes=scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {created.secret}"}


def _a(user: User) -> Any:
    return actor_for_user(user, mfa_verified=True)


def build_world() -> World:
    reset_engine()
    coord = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    coord_nomfa = make_user(OrgKind.SIRT, Role.COORDINATOR, org=coord.organisation)

    finder_org = OrganisationFactory(name=MARKERS["finder_org"], kind=OrgKind.FINDER.value)
    finder = make_user(OrgKind.FINDER, Role.REPORTER, org=finder_org, email=MARKERS["finder_email"])
    finder_token = token_create(
        actor=SYSTEM,
        user=finder,
        name=MARKERS["token_name"],
        scopes=["intake:report:submit", "intake:report:read"],
    )
    finder_auth = {"HTTP_AUTHORIZATION": f"Bearer {finder_token.secret}"}
    doc = report_doc(
        title=TITLE,
        description=DESCRIPTION,
        purl=f"pkg:pypi/{MARKERS['package']}",
        vers="vers:pypi/>=2.0|<2.4.1",
        cwes=("CWE-122",),
        fix="https://example.org/quokka-vault/commit/aaaabbbbccccddddeeeeffff0000111122223333",
    )
    first = submit(Client(), finder_auth, doc)
    assert first.status_code == 201, first.content
    second = submit(
        Client(),
        finder_auth,
        report_doc(
            title=SECOND_TITLE,
            description="Extraction of numbat-tar archives follows ../ entries out of the "
            "target directory and overwrites arbitrary files.",
            purl="pkg:npm/numbat-tar",
            vers="vers:npm/<3.1.2",
            cwes=("CWE-22",),
            fix="https://example.org/numbat-tar/commit/9999888877776666555544443333222211110000",
        ),
    )
    assert second.status_code == 201, second.content
    report = Report.objects.select_related("case").get(tracking_id=first.json()["tracking_id"])
    second_report = Report.objects.select_related("case").get(
        tracking_id=second.json()["tracking_id"]
    )
    case, second_case = report.case, second_report.case
    assert case.pk != second_case.pk
    markers = dict(MARKERS)
    markers["case"], markers["tracking"] = case.number, report.tracking_id
    markers["second_case"], markers["second_tracking"] = (
        second_case.number,
        second_report.tracking_id,
    )

    upload = Client().post(
        f"/api/v1/reports/{report.tracking_id}/attachments",
        {
            "file": SimpleUploadedFile(
                MARKERS["attachment_name"],
                f"#!/bin/sh\necho {MARKERS['attachment']}\n".encode(),
                "text/plain",
            )
        },
        **finder_auth,
    )
    assert upload.status_code == 201, upload.content
    attachment = Attachment.objects.get(pk=upload.json()["id"])

    key = case_data_key(second_case)
    suggestion = DedupSuggestion.objects.create(
        report=second_report,
        case=case,
        score=0.71,
        evidence_sealed=seal_for_case(
            second_case, key, f"suggestion:{second_report.tracking_id}", "[]"
        ),
    )

    maint_admin = make_user(OrgKind.MAINTAINER, Role.ADMIN, Role.MAINTAINER)
    maintainer_org = maint_admin.organisation
    participant = make_user(
        OrgKind.MAINTAINER, Role.MAINTAINER, org=maintainer_org, email=MARKERS["participant_email"]
    )
    colleague = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=maintainer_org)
    removed = make_user(OrgKind.MAINTAINER, Role.MAINTAINER, org=maintainer_org)

    component = component_create(
        actor=SYSTEM, purl="pkg:pypi/wombat-registry", maintainer_org=maintainer_org
    )
    hook = endpoint_create(
        actor=_a(maint_admin),
        url=f"https://{MARKERS['webhook_url']}/akrites",
        events=["case.message", "case.embargo_agreed"],
    )
    markers["webhook_secret"] = hook.secret
    contact = contact_add(
        actor=SYSTEM, component=component, channel="email", address=MARKERS["contact"]
    )

    invitation = case_invite_organisation(
        actor=_a(coord), case=case, organisation=maintainer_org, role="maintainer"
    )
    case_read_in(actor=_a(maint_admin), case=case, user=participant)
    case_read_in(actor=_a(maint_admin), case=case, user=removed)
    co_participant = make_user(OrgKind.VENDOR, Role.VENDOR)
    case_invite_organisation(
        actor=_a(coord), case=case, organisation=co_participant.organisation, role="vendor"
    )
    case_read_in(actor=_a(coord), case=case, user=co_participant)
    private_thread, private_message = _messages(coord, participant, case)
    private_attachment = private_message.attachments.get()

    outsiders = {
        "out_reporter": make_user(OrgKind.FINDER, Role.REPORTER),
        "out_maintainer": make_user(OrgKind.MAINTAINER, Role.MAINTAINER),
        "out_vendor": make_user(OrgKind.VENDOR, Role.VENDOR),
        "out_operator": make_user(OrgKind.OPERATOR, Role.OPERATOR),
        "out_observer": make_user(OrgKind.GOVERNMENT, Role.OBSERVER),
        "out_admin": make_user(OrgKind.FINDER, Role.ADMIN),
    }
    # The outside finder has a report of its own, so its lists are not trivially empty.
    own = submit(Client(), _bearer(outsiders["out_reporter"], "own"), probe_doc())
    assert own.status_code == 201, own.content
    assert own.json()["case"] not in (case.number, second_case.number)

    actors: dict[str, Actor] = {}

    def add(name: str, user: User | None, sees: frozenset[str], *, verified: bool = False) -> None:
        web = sign_in(Client(), user, verified=verified) if user is not None else Client()
        headers = _bearer(user, f"matrix-{name}") if user is not None else {}
        actors[name] = Actor(name, user, web, headers, sees)

    add("anonymous", None, NOTHING)
    add("coordinator", coord, EVERYTHING, verified=True)
    add("coordinator_without_2fa", coord_nomfa, NOTHING)
    add("finder", finder, FINDER_SEES)
    add("participant", participant, PARTICIPANT_SEES)
    add("colleague", colleague, MAINTAINER_ORG_SEES)
    add("removed", removed, MAINTAINER_ORG_SEES)
    add("co_participant", co_participant, CO_PARTICIPANT_SEES)
    add("maintainer_admin", maint_admin, MAINTAINER_ADMIN_SEES)
    for name, user in outsiders.items():
        add(name, user, NOTHING)
    # A password-only SIRT session uses the API through its session, not a token.
    actors["coordinator_without_2fa"].api = actors["coordinator_without_2fa"].web
    actors["coordinator_without_2fa"].api_headers = {}

    # The removed participant looked at the case while read in, in this very session and
    # with this very token; the matrix then checks that both lost access at once.
    removed_actor = actors["removed"]
    assert removed_actor.web.get(f"/cases/{case.number}/").status_code == 200
    threads = f"/api/v1/cases/{case.number}/threads"
    assert removed_actor.api.get(threads, **removed_actor.api_headers).status_code == 200
    case_remove_participant(actor=_a(maint_admin), case=case, user=removed)

    biggest = max(
        m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for m in (
            User,
            Organisation,
            Attachment,
            DedupSuggestion,
            SecurityContact,
            Component,
            Thread,
            Message,
            MessageAttachment,
            WebhookEndpoint,
        )
    )
    return World(
        case=case,
        second_case=second_case,
        report=report,
        second_report=second_report,
        attachment=attachment,
        suggestion=suggestion,
        component=component,
        contact=contact,
        private_thread=private_thread,
        private_message=private_message,
        private_attachment=private_attachment,
        finder_token_id=finder_token.token.pk,
        finder_org=finder_org,
        maintainer_org=maintainer_org,
        invitation=invitation,
        participant=participant,
        webhook=hook.endpoint,
        actors=actors,
        guessed_pk=biggest + 7919,
        markers=markers,
    )


def _messages(coord: User, participant: User, case: Case) -> tuple[Thread, Message]:
    """One message per audience; returns the private thread and its message."""
    sirt, maintainer = _a(coord), _a(participant)
    wide = thread_case_wide(actor=sirt, case=case).pk
    message_post(
        actor=sirt,
        case=case,
        thread_id=wide,
        tlp="AMBER",
        body=f"Fix timeline for every party: {MARKERS['message_amber']}",
        attachments=[Upload("timeline.txt", "text/plain", MARKERS["attachment_amber"].encode())],
    )
    message_post(
        actor=sirt,
        case=case,
        thread_id=wide,
        recipients=[participant.pk],
        body=f"Only for the maintainer: {MARKERS['message_named']}",
    )
    message_post(
        actor=maintainer,
        case=case,
        thread_id=wide,
        body=f"Maintainers' note: {MARKERS['message_maint']}",
    )
    private = thread_open_private(actor=sirt, case=case, user_id=participant.pk)
    message = message_post(
        actor=sirt,
        case=case,
        thread_id=private.pk,
        body=f"Between us: {MARKERS['message_private']}",
        attachments=[Upload("private.txt", "text/plain", MARKERS["attachment_private"].encode())],
    )
    return private, message


def guessed_case_number(number: str) -> str:
    return re.sub(r"\d+$", "9973", number)


GUESSED_TRACKING_ID = TRACKING_PREFIX + "0F1E2D3C4B5A6978"


def delete_confidential(world: World) -> None:
    """The same world without the confidential cases: what onlookers must not tell apart."""
    cases = [world.case.pk, world.second_case.pk]
    Report.objects.filter(case_id__in=cases).delete()
    Case.objects.filter(pk__in=cases).delete()


# --- routes ------------------------------------------------------------------------------

NINJA_MOUNT = "api/v1/"
_WEB_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_API_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    kind: str  # "web" or "api"
    method: str
    pattern: str  # as declared: "cases/<str:number>/" or "/api/v1/reports/{tracking_id}"

    @property
    def params(self) -> list[str]:
        return (_WEB_PARAM if self.kind == "web" else _API_PARAM).findall(self.pattern)

    def url(self, values: dict[str, str]) -> str:
        if self.kind == "web":
            return "/" + _WEB_PARAM.sub(lambda m: quote(values[m.group(1)]), self.pattern)
        return _API_PARAM.sub(lambda m: quote(values[m.group(1)]), self.pattern)

    @property
    def key(self) -> str:
        return f"{self.kind} {self.method} {self.pattern}"


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def all_routes() -> list[Route]:
    """Every page (GET and POST: the view decides which it accepts) and API operation."""
    routes = []
    for pattern in _walk(get_resolver().url_patterns):
        if pattern.startswith(NINJA_MOUNT) and pattern != "api/v1/openapi.json":
            continue
        routes += [Route("web", "GET", pattern), Route("web", "POST", pattern)]
    routes += [Route("api", method, path) for method, path, _ in operations()]
    return routes


# --- probing -----------------------------------------------------------------------------

_VOLATILE = (
    re.compile(r'"X-CSRFToken": "[^"]+"'),
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
    # The two-factor enrolment page shows a fresh secret on every visit.
    re.compile(r'<div class="qr">.*?</div>', re.DOTALL),
    re.compile(r'<code class="secret">[A-Z2-7]+</code>'),
)


def strip_volatile(text: str) -> str:
    """CSRF tokens and enrolment secrets differ between any two answers: drop them."""
    for pattern in _VOLATILE:
        text = pattern.sub("", text)
    return text


@dataclass(frozen=True)
class Seen:
    status: int
    body: str
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[str, ...]
    error: str = ""

    @property
    def location(self) -> str:
        return dict(self.headers).get("location", "")

    def text_for_markers(self) -> str:
        """Everything the caller receives except the Location it asked for itself."""
        shown = [v for k, v in self.headers if k != "location"]
        return "\n".join([self.body, *shown]).casefold()

    def normalised(self, requested: str = "", instead: str = "") -> tuple[Any, ...]:
        """For comparing a real id's answer with a guessed id's: the URL the caller asked
        for (echoed in a redirect's ``next=``) is mapped to the guessed URL."""
        headers = []
        for k, value in self.headers:
            if k in {"content-length", "expires"}:
                continue  # the body is compared itself; Expires is "now" (a clock, not a hint)
            shown = value
            if k == "location" and requested:
                shown = shown.replace(quote(requested, safe=""), quote(instead, safe=""))
                shown = shown.replace(requested, instead)
            headers.append((k, shown))
        return (self.status, strip_volatile(self.body), tuple(headers), self.cookies)


DataFn = Callable[[World, Actor], Any]


def probe(actor: Actor, route: Route, url: str, data: Any) -> Seen:
    """One request, rolled back afterwards; the client's cookies are restored too."""
    client = actor.web if route.kind == "web" else actor.api
    saved = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            try:
                response = _send(client, actor, route, url, data)
            finally:
                transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001  (an unhandled error is a finding, not a crash)
        return Seen(500, "", (), (), error=f"{type(exc).__name__}: {exc}")
    finally:
        client.cookies = saved
        if route.method != "GET":
            reset_engine()  # the engine may hold what the rollback removed
    headers = tuple(sorted((k.lower(), v) for k, v in response.headers.items()))
    return Seen(
        response.status_code,
        response.content.decode("utf-8", errors="replace"),
        headers,
        tuple(sorted(response.cookies.keys())),
    )


def _send(client: Client, actor: Actor, route: Route, url: str, data: Any) -> Any:
    if route.kind == "web":
        if route.method == "GET":
            return client.get(url, data or {})
        return client.post(url, data or {})
    headers = actor.api_headers
    if route.method == "GET":
        return client.get(url, data or {}, **headers)
    if isinstance(data, dict) and any(isinstance(v, SimpleUploadedFile) for v in data.values()):
        return client.post(url, data, **headers)
    body = json.dumps(data if data is not None else {})
    return client.generic(route.method, url, body, content_type="application/json", **headers)
