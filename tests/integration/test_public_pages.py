"""The public advisory pages, the Atom feed and the transparency page: anyone may read them
without signing in, and they show published advisories and nothing else."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from akrites.accounts.models import User
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.triage import case_merge
from akrites.publication import public_views, services
from akrites.publication.models import PublishedDocument
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit
from tests.publication_helpers import Flow, approved, published, ready_case

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
_CSRF = re.compile(r'"X-CSRFToken": "[^"]+"')


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()  # the dedup engine must not remember reports of rolled-back tests


def seen(client: Client, url: str) -> tuple[int, str, str]:
    """What a visitor gets: status, content type and body (without the per-request CSRF token
    the layout carries)."""
    response = client.get(url)
    body = _CSRF.sub("", response.content.decode())
    return response.status_code, response.headers.get("Content-Type", ""), body


def case_for(name: str, **kwargs: Any) -> Flow:
    """A ready case about package ``name``, worded so that dedup files it as its own case,
    coordinated by the instance's one SIRT (a second SIRT would have to agree to embargoes)."""
    kwargs.setdefault("coordinator", User.objects.filter(organisation__kind="sirt").first())
    if name == "quetzal":
        return ready_case(**kwargs)
    kwargs.setdefault("title", f"Out-of-bounds write in the {name} parser")
    kwargs.setdefault(
        "description",
        f"The {name} parser computes an index from untrusted header bytes of {name} archives "
        f"and writes past its table; {name} users processing uploads are exposed.",
    )
    return ready_case(name=name, **kwargs)


def scheduled(flow: Flow) -> Flow:
    approved(flow)
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    return flow


def as_npm(flow: Flow, name: str) -> Flow:
    """Make the draft's affected package an npm one (ready_case files PyPI packages)."""
    services.advisory_update(
        actor=flow.coord,
        advisory=flow.advisory,
        raw={
            "affected": [
                {"purl": f"pkg:npm/{name}", "ranges": [{"introduced": "0", "fixed": "1.3.0"}]}
            ]
        },
    )
    return flow


# --- the index ------------------------------------------------------------------------------


def test_anyone_sees_published_advisories_newest_first_with_their_facts() -> None:
    older = case_for("quetzal", embargo_days=10)
    services.advisory_update(
        actor=older.coord, advisory=older.advisory, raw={"cve_id": "CVE-2026-31337"}
    )
    published(older)
    newer = published(case_for("axolotl", embargo_days=20))
    status, kind, html = seen(Client(), "/advisories/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    first, second = newer.advisory.identifier, older.advisory.identifier
    assert html.index(first) < html.index(second)
    for text in ("CVE-2026-31337", "Heap overflow in the Quetzal frame decoder", "critical"):
        assert text in html
    assert 'quetzal <span class="muted">(PyPI)</span>' in html
    assert older.advisory.published_at.strftime("%Y-%m-%d") in html
    assert 'href="/advisories/feed.atom"' in html
    assert '<nav aria-label="Public">' in html  # for visitors who are not signed in
    assert '<a href="/advisories/" aria-current="page">Advisories</a>' in html
    reporter = sign_in(Client(), make_user(OrgKind.FINDER, Role.REPORTER))
    signed_in = reporter.get("/advisories/").content.decode()
    main_nav = signed_in[signed_in.index('<nav aria-label="Main">') :]
    assert '<a href="/advisories/" aria-current="page">Advisories</a>' in main_nav


def test_the_index_filters_by_ecosystem_and_package_and_pages() -> None:
    pypi = published(case_for("quetzal", embargo_days=10))
    npm = published(as_npm(case_for("leftpad-like", embargo_days=20), "left-pad"))
    ids = (pypi.advisory.identifier, npm.advisory.identifier)
    only_npm = seen(Client(), "/advisories/?ecosystem=npm")[2]
    assert ids[1] in only_npm
    assert ids[0] not in only_npm
    by_name = seen(Client(), "/advisories/?package=QUETZ")[2]
    assert ids[0] in by_name
    assert ids[1] not in by_name
    nothing = seen(Client(), "/advisories/?ecosystem=npm&package=quetzal")[2]
    assert "No advisories match this filter." in nothing
    assert '<option value="npm">npm</option>' in seen(Client(), "/advisories/")[2]


def test_the_index_pages_through_many_advisories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_views, "PAGE_SIZE", 1)
    a = published(case_for("quetzal", embargo_days=10))
    b = published(case_for("axolotl", embargo_days=20))
    first = seen(Client(), "/advisories/")[2]
    assert b.advisory.identifier in first
    assert a.advisory.identifier not in first
    assert 'href="?page=2">Older</a>' in first
    second = seen(Client(), "/advisories/?page=2")[2]
    assert a.advisory.identifier in second
    assert 'href="?page=1">Newer</a>' in second


def test_nothing_unpublished_is_listed() -> None:
    draft = case_for("quetzal")
    waiting = scheduled(case_for("axolotl"))
    html = seen(Client(), "/advisories/")[2]
    assert "No advisories have been published yet." in html
    for flow in (draft, waiting):
        assert flow.advisory.identifier not in html
        assert flow.case.number not in html


# --- one advisory ---------------------------------------------------------------------------


def test_the_advisory_page_shows_the_whole_record_and_every_format() -> None:
    flow = case_for("quetzal")
    services.advisory_update(
        actor=flow.coord,
        advisory=flow.advisory,
        raw={
            "cve_id": "CVE-2026-31337",
            "cvss_v4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "workarounds": ["Reject frames longer than 4 KiB before decoding."],
            "description": "First paragraph.\n\nSecond paragraph.",
        },
    )
    published(flow)
    identifier = flow.advisory.identifier
    status, _, html = seen(Client(), f"/advisories/{identifier}/")
    assert status == 200
    for text in (
        "Heap overflow in the Quetzal frame decoder",
        "<p>First paragraph.</p>",
        "<p>Second paragraph.</p>",
        "CVE-2026-31337",
        f"x_{identifier}",
        "&gt;= 1.0, &lt; 2.4.1",  # the affected range
        "<td>2.4.1</td>",  # fixed in
        "CVSS 3.1</td><td>9.8</td><td>critical",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS 4.0</td><td>9.3</td><td>critical",
        "CWE-89",
        "Reject frames longer than 4 KiB before decoding.",
        "https://git.example.net/quetzal/commit/0123456789abcdef0123456789abcdef01234567",
        'Osprey Labs research team <span class="muted">(finder)</span>',
        'Akrites SIRT <span class="muted">(coordinator)</span>',
    ):
        assert text in html, text
    docs = PublishedDocument.objects.filter(advisory=flow.advisory, current=True)
    csaf = docs.get(kind="csaf").path
    assert csaf.startswith("/.well-known/csaf/white/")
    for href in (
        f"/advisories/{identifier}/osv.json",
        csaf,
        f"{csaf}.sha512",
        f"{csaf}.asc",
        f"/advisories/{identifier}/csaf-vex.json",
        f"/advisories/{identifier}/openvex.json",
        f"/advisories/{identifier}/cyclonedx.json",
        f"/advisories/{identifier}/cyclonedx.json.sha256",
    ):
        assert f'href="{href}"' in html, href


def test_advisory_text_is_shown_as_text_never_as_markup() -> None:
    flow = case_for("quetzal")
    services.advisory_update(
        actor=flow.coord,
        advisory=flow.advisory,
        raw={
            "description": 'A crafted frame <script>alert("x")</script> overflows the buffer.',
            "workarounds": ["<img src=x onerror=alert(1)>"],
        },
    )
    published(flow)
    html = seen(Client(), f"/advisories/{flow.advisory.identifier}/")[2]
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_withdrawn_advisory_stays_readable_and_says_so() -> None:
    flow = published(case_for("quetzal"))
    services.advisory_step(
        actor=flow.coord,
        advisory=flow.advisory,
        step="withdraw",
        reason="Not a vulnerability after all.",
        now=flow.advisory.published_at + timedelta(days=1),
    )
    page = seen(Client(), f"/advisories/{flow.advisory.identifier}/")[2]
    assert "This advisory was withdrawn on" in page
    assert "Not a vulnerability after all." in page
    index = seen(Client(), "/advisories/")[2]
    assert '<span class="badge withdrawn">withdrawn</span>' in index


def test_every_current_document_downloads_with_its_hashes_and_signature() -> None:
    flow = published(case_for("quetzal"))
    identifier = flow.advisory.identifier
    client = Client()
    docs = PublishedDocument.objects.filter(advisory=flow.advisory, current=True)
    assert {d.kind for d in docs} == {"osv", "csaf", "csaf-vex", "openvex", "cyclonedx"}
    for doc in docs:
        path = f"/advisories/{identifier}/osv.json" if doc.kind == "osv" else doc.path
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content.decode() == doc.content
        expected = (
            "application/vnd.cyclonedx+json" if doc.kind == "cyclonedx" else "application/json"
        )
        assert response["Content-Type"] == expected
        assert response["Access-Control-Allow-Origin"] == "*"
        name = path.rsplit("/", 1)[-1]
        sha256 = client.get(f"{path}.sha256")
        assert sha256["Content-Type"] == "text/plain; charset=utf-8"
        assert (
            sha256.content.decode() == f"{hashlib.sha256(response.content).hexdigest()}  {name}\n"
        )
        sha512 = client.get(f"{path}.sha512").content.decode()
        assert sha512.split()[0] == hashlib.sha512(response.content).hexdigest()
        asc = client.get(f"{path}.asc")
        assert asc["Content-Type"] == "application/pgp-signature"
        assert asc.content.decode().startswith("-----BEGIN PGP SIGNATURE-----")
        assert asc.content.decode() == doc.signature


def test_unknown_draft_and_scheduled_ids_get_the_same_answer() -> None:
    draft = case_for("quetzal")
    waiting = scheduled(case_for("axolotl"))
    client = Client()
    # A made-up id of the same shape, for comparison; ids differ only in the path.
    unknown = "AKR-2026-9999"
    for flow in (draft, waiting):
        real = flow.advisory.identifier
        for pattern in (
            "/advisories/{}/",
            "/advisories/{}/osv.json",
            "/advisories/{}/openvex.json",
            "/advisories/{}/openvex.json.asc",
            "/advisories/{}/cyclonedx.json.sha512",
            "/advisories/{}/csaf-vex.json",
        ):
            got, missing = seen(client, pattern.format(real)), seen(client, pattern.format(unknown))
            assert got[0] == 404, pattern
            assert got == missing, pattern
    assert seen(client, "/advisories/x/")[0] == 404


# --- the Atom feed --------------------------------------------------------------------------


def _feed(client: Client) -> ET.Element:
    response = client.get("/advisories/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314  (our own feed, just written)


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{ATOM}{tag}")
    assert found is not None, tag
    return found.text or ""


def test_the_feed_is_valid_atom_with_one_entry_per_published_advisory() -> None:
    empty = _feed(Client())
    assert empty.tag == f"{ATOM}feed"
    assert _text(empty, "updated") == "1970-01-01T00:00:00+00:00"  # never "now"
    assert empty.findall(f"{ATOM}entry") == []
    scheduled(case_for("axolotl", embargo_days=30))  # not due: never in the feed
    flow = published(case_for("quetzal", embargo_days=10))
    feed = _feed(Client())
    for tag in ("id", "title", "updated"):
        assert _text(feed, tag)
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/advisories/feed.atom")  # type: ignore[union-attr]
    (entry,) = feed.findall(f"{ATOM}entry")
    osv = json.loads(PublishedDocument.objects.get(kind="osv", current=True).content)
    identifier = flow.advisory.identifier
    assert _text(entry, "id").endswith(f"/advisories/{identifier}/")
    assert _text(entry, "title") == f"{identifier}: Heap overflow in the Quetzal frame decoder"
    assert _text(entry, "updated").replace("+00:00", "Z") == osv["modified"]
    assert _text(entry, "published").replace("+00:00", "Z") == osv["published"]
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/advisories/{identifier}/")  # type: ignore[union-attr]
    assert "critical" in _text(entry, "summary")
    assert _text(feed, "updated") == _text(entry, "updated")

    later = flow.advisory.published_at + timedelta(days=2)
    services.advisory_step(
        actor=flow.coord, advisory=flow.advisory, step="revise", reason="more detail", now=later
    )
    (revised,) = _feed(Client()).findall(f"{ATOM}entry")
    assert _text(revised, "id") == _text(entry, "id")
    assert _text(revised, "updated").replace("+00:00", "Z") == later.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- transparency ---------------------------------------------------------------------------


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r"<div><dt>([^<]+)</dt><dd>([^<]+)</dd></div>", html))


def _with_a_duplicate(flow: Flow) -> Flow:
    """A second finder's report of the flaw, filed as its own case, merged into the case."""
    finder = make_user(OrgKind.FINDER, Role.REPORTER)
    doc = report_doc(
        purl="pkg:pypi/unrelated-dup",
        title="Crash in the frame reader of a vendored copy",
        description="A vendored copy of the frame reader crashes on long frames; the "
        "same flaw as the one already reported, seen from another product.",
    )
    receipt = submit(Client(), bearer(finder), doc).json()
    assert receipt["case"] != flow.case.number, receipt
    case_merge(actor=flow.coord, into=flow.case.number, other=receipt["case"])
    flow.case.refresh_from_db()
    return flow


def test_transparency_figures_come_from_published_cases_only() -> None:
    empty = _figures(seen(Client(), "/transparency/")[2])
    assert empty["Advisories published"] == "0"
    assert empty["Median days from first report to fix"] == "—"

    flow = _with_a_duplicate(case_for("quetzal", embargo_days=30))
    assert flow.case.reports.count() == 2
    published(flow)
    published(as_npm(case_for("other", embargo_days=10), "left-pad"))
    status, _, html = seen(Client(), "/transparency/")
    assert status == 200
    figures = _figures(html)
    assert figures["Advisories published"] == "2"
    assert figures["of which withdrawn"] == "0"
    assert figures["Cases handled"] == "2"
    assert figures["Duplicate reports merged"] == "1"
    # The fix was made ready at once; publication waited for the embargo's end.
    assert float(figures["Median days from first report to fix"]) < 1
    assert 19 < float(figures["Median days from first report to publication"]) < 21
    assert '<td><a href="/advisories/?ecosystem=PyPI">PyPI</a></td><td>1</td>' in html
    assert '<td><a href="/advisories/?ecosystem=npm">npm</a></td><td>1</td>' in html
    assert "signing-keys" in html


def test_an_embargoed_case_changes_no_figure() -> None:
    published(case_for("quetzal", embargo_days=30))
    before = seen(Client(), "/transparency/")
    embargoed = _with_a_duplicate(scheduled(case_for("axolotl", embargo_days=20)))
    assert embargoed.case.reports.count() == 2
    case_for("numbat", embargo_days=25)  # a draft under embargo too
    after = seen(Client(), "/transparency/")
    assert after == before
