"""Realistic demo data: the organisations, people and components a newcomer expects."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pysequoia
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from akrites.accounts.models import Organisation, User
from akrites.accounts.services import organisation_create, user_create
from akrites.domain.policy import SYSTEM
from akrites.registry.services import component_create, contact_add

DEMO_PASSWORD = "akrites-demo-password"
SIRT_NAME = "Akrites SIRT"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    organisation: str
    roles: tuple[str, ...]
    totp_secret: str | None = None


_ORGS: tuple[tuple[str, str, str], ...] = (
    (SIRT_NAME, "sirt", "https://akrites.example"),
    ("Frontier AI Lab", "finder", "https://frontier-ai.example"),
    ("ScanCorp", "finder", "https://scancorp.example"),
    ("First Continental Bank", "operator", "https://fcbank.example"),
    ("Pallets Project", "maintainer", "https://palletsprojects.com"),
    ("Django Software Foundation", "maintainer", "https://www.djangoproject.com"),
    ("Lodash Maintainers", "maintainer", "https://lodash.com"),
    ("Northwind Linux", "distributor", "https://northwind-linux.example"),
    ("Nordic Grid Operator", "operator", "https://nordic-grid.example"),
    ("National CERT", "government", "https://cert.example"),
)

_USERS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("coordinator@akrites.example", SIRT_NAME, ("admin", "coordinator"), "Chris Coordinator"),
    ("analyst@akrites.example", SIRT_NAME, ("analyst",), "Ana Analyst"),
    (
        "researcher@frontier-ai.example",
        "Frontier AI Lab",
        ("admin", "reporter"),
        "Riley Researcher",
    ),
    ("bot@scancorp.example", "ScanCorp", ("reporter",), "ScanCorp intake bot"),
    (
        "security@fcbank.example",
        "First Continental Bank",
        ("admin", "reporter", "operator"),
        "Bank security team",
    ),
    (
        "maintainer@palletsprojects.example",
        "Pallets Project",
        ("admin", "maintainer"),
        "Max Maintainer",
    ),
    (
        "security@djangoproject.example",
        "Django Software Foundation",
        ("admin", "maintainer"),
        "Django security team",
    ),
    ("maintainer@lodash.example", "Lodash Maintainers", ("admin", "maintainer"), "Lo Dash"),
    (
        "security@northwind-linux.example",
        "Northwind Linux",
        ("admin", "vendor"),
        "Northwind security",
    ),
    ("soc@nordic-grid.example", "Nordic Grid Operator", ("admin", "operator"), "Grid SOC"),
    ("liaison@cert.example", "National CERT", ("observer",), "CERT liaison"),
)

# (purl, repository, critical sectors, maintainer org, description)
_COMPONENTS: tuple[tuple[str, str, tuple[str, ...], str | None, str], ...] = (
    (
        "pkg:pypi/django",
        "https://github.com/django/django",
        ("finance", "government", "health"),
        "Django Software Foundation",
        "The web framework for perfectionists with deadlines.",
    ),
    (
        "pkg:pypi/flask",
        "https://github.com/pallets/flask",
        ("finance", "telecom"),
        "Pallets Project",
        "A lightweight WSGI web application framework.",
    ),
    (
        "pkg:pypi/werkzeug",
        "https://github.com/pallets/werkzeug",
        ("finance", "telecom"),
        "Pallets Project",
        "The comprehensive WSGI web application library.",
    ),
    (
        "pkg:pypi/jinja2",
        "https://github.com/pallets/jinja",
        ("finance",),
        "Pallets Project",
        "A very fast and expressive template engine.",
    ),
    (
        "pkg:npm/lodash",
        "https://github.com/lodash/lodash",
        ("finance", "energy", "health"),
        "Lodash Maintainers",
        "A modern JavaScript utility library.",
    ),
    (
        "pkg:pypi/urllib3",
        "https://github.com/urllib3/urllib3",
        ("energy", "telecom", "finance"),
        None,
        "HTTP client used by most of the Python ecosystem.",
    ),
    (
        "pkg:pypi/pyyaml",
        "https://github.com/yaml/pyyaml",
        ("energy", "telecom"),
        None,
        "YAML parser and emitter.",
    ),
    (
        "pkg:golang/golang.org/x/net",
        "https://go.googlesource.com/net",
        ("telecom", "energy"),
        None,
        "Supplementary Go networking libraries (HTTP/2, html, ...).",
    ),
    (
        "pkg:maven/org.apache.logging.log4j/log4j-core",
        "https://github.com/apache/logging-log4j2",
        ("finance", "government", "energy"),
        None,
        "The Apache Log4j implementation.",
    ),
    (
        "pkg:cargo/rustls",
        "https://github.com/rustls/rustls",
        ("telecom",),
        None,
        "A modern TLS library in Rust.",
    ),
    (
        "pkg:gem/nokogiri",
        "https://github.com/sparklemotion/nokogiri",
        (),
        None,
        "HTML, XML, SAX and Reader parser for Ruby.",
    ),
    (
        "pkg:composer/guzzlehttp/guzzle",
        "https://github.com/guzzle/guzzle",
        (),
        None,
        "PHP HTTP client.",
    ),
    (
        "pkg:npm/%40angular/core",
        "https://github.com/angular/angular",
        ("government",),
        None,
        "Angular's core framework package.",
    ),
)


def demo_seeded() -> bool:
    return Organisation.objects.filter(name=SIRT_NAME).exists()


def demo_logins() -> list[DemoLogin]:
    out = []
    for email, org, roles, _ in _USERS:
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        secret = base64.b32encode(bytes.fromhex(device.key)).decode() if device else None
        out.append(DemoLogin(email=email, organisation=org, roles=roles, totp_secret=secret))
    return out


@transaction.atomic
def seed_demo() -> bool:
    """Seed once. Returns False when the demo data was already there."""
    if demo_seeded():
        return False
    orgs = {
        name: organisation_create(actor=SYSTEM, name=name, kind=kind, website=site)
        for name, kind, site in _ORGS
    }
    for email, org, roles, display in _USERS:
        user = user_create(
            actor=SYSTEM, email=email, organisation=orgs[org], roles=roles, display_name=display
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if orgs[org].kind == "sirt":
            TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
    for purl, repo, sectors, maintainer, description in _COMPONENTS:
        component = component_create(
            actor=SYSTEM,
            purl=purl,
            repository_url=repo,
            description=description,
            critical=bool(sectors),
            sectors=sectors,
            maintainer_org=orgs[maintainer] if maintainer else None,
        )
        if maintainer:
            contact_add(
                actor=SYSTEM,
                component=component,
                channel="email",
                address=User.objects.filter(organisation=orgs[maintainer])
                .values_list("email", flat=True)
                .first()
                or "",
                role="security-team",
                confidence="confirmed",
            )
    django = orgs["Django Software Foundation"].components.get(purl="pkg:pypi/django")
    key = pysequoia.Tsk.generate(
        "Django security team <security@djangoproject.example>"
    ).extract_certificate()
    contact_add(
        actor=SYSTEM,
        component=django,
        channel="github-private-reporting",
        address="https://github.com/django/django",
        role="security-team",
        confidence="published",
        openpgp_key=str(key),
    )
    _seed_reports()
    _seed_workflow()
    return True


_DEMO_REPORTS: tuple[tuple[str, dict[str, object]], ...] = (
    (
        "researcher@frontier-ai.example",
        {
            "title": "SQL injection through QuerySet.order_by() column aliases",
            "description": "QuerySet.order_by() interpolates user-supplied column aliases into "
            "raw SQL without quoting. An application that forwards a request parameter to "
            "order_by() is open to SQL injection.",
            "affected": [
                {
                    "purl": "pkg:pypi/django",
                    "ranges": [{"type": "vers", "vers": "vers:pypi/>=4.2|<4.2.17"}],
                }
            ],
            "cwes": ["CWE-89"],
            "severity": [
                {"type": "CVSS_V3", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
            ],
            "references": [
                {
                    "url": "https://github.com/django/django/commit/"
                    "8c2a3a1f0e9d7b6c5a4f3e2d1c0b9a8f7e6d5c4b",
                    "type": "fix",
                }
            ],
            "provenance": {
                "tool": "frontier-audit",
                "model": "frontier-7",
                "ai_assisted": True,
                "human_verified": True,
            },
            "reporter_ref": "FAL-2026-0141",
        },
    ),
    (
        "bot@scancorp.example",
        {
            "title": "order_by() alias SQL injection in Django ORM",
            "description": "Column aliases passed to QuerySet.order_by() reach the SQL compiler "
            "unescaped, so crafted aliases inject SQL. Found by ScanCorp taint analysis.",
            "affected": [
                {
                    "purl": "pkg:pypi/django",
                    "ranges": [{"type": "vers", "vers": "vers:pypi/>=4.2|<4.2.17"}],
                }
            ],
            "cwes": ["CWE-89"],
            "references": [
                {
                    "url": "https://github.com/django/django/commit/"
                    "8c2a3a1f0e9d7b6c5a4f3e2d1c0b9a8f7e6d5c4b",
                    "type": "fix",
                }
            ],
            "provenance": {"tool": "scancorp-sast", "ai_assisted": False, "human_verified": False},
            "reporter_ref": "SC-88213",
        },
    ),
    (
        "security@fcbank.example",
        {
            "title": "Proxy-Authorization header kept on cross-origin redirects",
            "description": "urllib3 forwards the Proxy-Authorization header when a request is "
            "redirected to another origin, leaking proxy credentials to the redirect target.",
            "affected": [
                {
                    "purl": "pkg:pypi/urllib3",
                    "ranges": [{"type": "vers", "vers": "vers:pypi/<2.2.2"}],
                }
            ],
            "cwes": ["CWE-200"],
            "reporter_ref": "FCB-SEC-17",
        },
    ),
)


def _seed_reports() -> None:
    from akrites.domain.intake import parse_report
    from akrites.intake.models import Channel
    from akrites.intake.services import reports_submit

    for email, doc in _DEMO_REPORTS:
        user = User.objects.select_related("organisation").get(email=email)
        draft = parse_report({"schema_version": "1.0", **doc})
        reports_submit(
            actor=SYSTEM,
            user=user,
            organisation=user.organisation,
            items=[draft],
            channel=Channel.API,
            source_format="akrites",
        )


def _seed_workflow() -> None:
    """Carry the demo cases along, so a newcomer sees both sides of the embargo: the Django
    flaw still confidential (embargo agreed with its maintainers), and the urllib3 flaw,
    fixed by Akrites as maintainer of last resort, published in every format."""
    from datetime import timedelta

    from django.utils import timezone

    from akrites.accounts.auth import actor_for_user
    from akrites.cases import workflow
    from akrites.cases.embargo import embargo_accept, embargo_end_early, embargo_propose
    from akrites.cases.models import Case
    from akrites.cases.services import case_invite_organisation, case_read_in
    from akrites.intake.models import Report
    from akrites.publication import services as publication
    from akrites.publication.models import CreditPreference

    coord = actor_for_user(User.objects.get(email="coordinator@akrites.example"), mfa_verified=True)
    now = timezone.now()

    def case_of(email: str) -> Case:
        return Report.objects.filter(submitted_by__email=email).get().case

    # Django: accepted, maintainers notified and read in, embargo agreed (still confidential).
    django = case_of("researcher@frontier-ai.example")
    workflow.case_transition(actor=coord, case=django, name="start_triage")
    workflow.case_assess(
        actor=coord, case=django, severity="critical", component_purl="pkg:pypi/django"
    )
    workflow.case_transition(actor=coord, case=django, name="accept")
    dsf = Organisation.objects.get(name="Django Software Foundation")
    case_invite_organisation(actor=coord, case=django, organisation=dsf, role="maintainer")
    embargo_propose(actor=coord, case=django, end_at=now + timedelta(days=45))
    workflow.case_transition(actor=coord, case=django, name="notify_maintainer")
    maintainer = User.objects.filter(organisation=dsf).first()
    if maintainer is not None:
        as_maintainer = actor_for_user(maintainer, mfa_verified=True)
        case_read_in(actor=as_maintainer, case=django, user=maintainer)
        embargo_accept(actor=as_maintainer, case=django)

    # urllib3: no maintainer to reach, so Akrites fixed it; the advisory is public.
    urllib3 = case_of("security@fcbank.example")
    workflow.case_transition(actor=coord, case=urllib3, name="start_triage")
    workflow.case_assess(
        actor=coord, case=urllib3, severity="medium", component_purl="pkg:pypi/urllib3"
    )
    workflow.case_transition(actor=coord, case=urllib3, name="accept")
    embargo_propose(actor=coord, case=urllib3, end_at=now + timedelta(days=7))
    workflow.case_transition(actor=coord, case=urllib3, name="take_over")
    workflow.case_transition(actor=coord, case=urllib3, name="start_fix")
    workflow.case_add_fix(
        actor=coord,
        case=urllib3,
        kind="commit",
        url="https://github.com/urllib3/urllib3/commit/accff72ecc2f6cf5a76d9570198a93ac7c90270e",
        fixed_versions="2.2.2",
    )
    workflow.case_transition(actor=coord, case=urllib3, name="fix_ready")
    embargo_end_early(actor=coord, case=urllib3, reason="urllib3 2.2.2 is released")
    report = urllib3.reports.get()
    CreditPreference.objects.create(
        report=report, consent=True, name="First Continental Bank security team"
    )
    advisory = publication.advisory_draft(actor=coord, case=urllib3)
    publication.advisory_update(
        actor=coord,
        advisory=advisory,
        raw={
            "cvss_v3": "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N",
            "workarounds": ["Disable redirects for requests that use proxy credentials."],
        },
    )
    for step in ("submit_for_review", "approve", "publish"):
        publication.advisory_step(actor=coord, advisory=advisory, step=step)
