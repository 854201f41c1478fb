"""The OSV API (/osv/v1/query, /querybatch, /vulns/{id}): answers as osv.dev does, from public
records only, and a real client (pip-audit, against a live server) sees what it should."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from akrites.accounts.models import User
from akrites.intake.engine import reset_engine
from akrites.publication import services
from akrites.publication.models import PublishedDocument
from akrites.publication.osv_api import MAX_BATCH
from akrites.publication.record import record_to_json
from tests.publication_helpers import Flow, approved, published, ready_case

REPO = Path(__file__).resolve().parents[2]
PUBLIC_COMMIT = "1f" * 20
EMBARGOED_COMMIT = "e7" * 20


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    reset_engine()
    yield
    reset_engine()


# --- the world: one public advisory, and advisories still under embargo ---------------------


def _add_affected(flow: Flow, *extra: dict[str, Any]) -> None:
    """Add affected packages (or git ranges) to the draft, as a coordinator edits it."""
    current = record_to_json(services.advisory_record(flow.advisory))["affected"]
    services.advisory_update(
        actor=flow.coord, advisory=flow.advisory, raw={"affected": [*current, *extra]}
    )


def public_quetzal() -> Flow:
    """quetzal >=1.0, <2.4.1 (and one commit of its repository), published."""
    flow = ready_case(name="quetzal")
    current = record_to_json(services.advisory_record(flow.advisory))["affected"]
    current[0]["git_ranges"] = [
        {"repo": "https://git.example.net/quetzal", "introduced": PUBLIC_COMMIT, "fixed": None}
    ]
    services.advisory_update(actor=flow.coord, advisory=flow.advisory, raw={"affected": current})
    return published(flow)


def embargoed(flow: Flow) -> Flow:
    """Approved and scheduled for the embargo's end (30 days away): not public."""
    approved(flow)
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    assert flow.advisory.state == "scheduled"
    return flow


def embargoed_cases(coordinator: User) -> list[Flow]:
    """A second flaw of quetzal (2.0 to 2.6), and one in nightjar (PyPI and npm) only. The
    coordinator is the public case's: every SIRT organisation is a party to an embargo."""
    same_package = ready_case(
        name="quetzal",
        title="Path traversal in the Quetzal archive unpacker",
        description="Unpacking a Quetzal archive follows ../ members out of the target folder "
        "and overwrites any file the process may write.",
        vers="vers:pypi/>=2.0|<2.6",
        fixed="2.6",
        credit_name="Secret Finder Collective",
        coordinator=coordinator,
    )
    only = ready_case(
        name="nightjar",
        title="Use after free in the Nightjar event loop",
        description="Cancelling a Nightjar timer from its own callback frees the timer while "
        "the loop still holds it; a crafted schedule corrupts memory.",
        vers="vers:pypi/>=1.0|<1.5",
        fixed="1.5",
        credit_name="Secret Finder Collective",
        coordinator=coordinator,
    )
    _add_affected(
        only,
        {"purl": "pkg:npm/nightjar-loop", "ranges": [{"introduced": "0", "fixed": "3.0.1"}]},
        {
            "purl": "pkg:pypi/nightjar-extras",
            "ranges": [{"introduced": "0", "fixed": "9.9"}],
            "git_ranges": [
                {"repo": "https://git.example.net/nightjar", "introduced": EMBARGOED_COMMIT}
            ],
        },
    )
    return [embargoed(same_package), embargoed(only)]


def seed_live_data() -> None:
    """What the live-server tests serve: run in a separate process with the server's
    AKRITES_DATA_DIR (Django set up by the caller)."""
    reset_engine()
    embargoed_cases(public_quetzal().coordinator)


# --- talking to the API -----------------------------------------------------------------------


def post(path: str, body: Any, client: Client | None = None) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return (client or Client()).post(path, data, content_type="application/json")


def query(body: Any) -> Any:
    return post("/osv/v1/query", body)


def pkg(version: str | None = None, name: str = "quetzal", ecosystem: str = "PyPI") -> Any:
    body: dict[str, Any] = {"package": {"name": name, "ecosystem": ecosystem}}
    if version is not None:
        body["version"] = version
    return body


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json().get("vulns", [])]


def stored(flow: Flow) -> dict[str, Any]:
    doc = PublishedDocument.objects.get(advisory=flow.advisory, kind="osv", current=True)
    return dict(json.loads(doc.content))


# --- query ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_affected_pinned_version_matches_and_a_fixed_one_does_not() -> None:
    flow = public_quetzal()
    record = stored(flow)
    hit = query(pkg("2.0"))
    assert hit.status_code == 200
    assert hit["Content-Type"] == "application/json"
    assert hit.json() == {"vulns": [record]}  # the full record, as stored
    assert record["id"] == f"x_{flow.advisory.identifier}"
    for version in ("2.4.1", "3.0", "0.9"):
        miss = query(pkg(version))
        assert (miss.status_code, miss.content) == (200, b"{}"), version
    assert query(pkg("2.0", name="other")).content == b"{}"


@pytest.mark.django_db
def test_pypi_names_compare_as_pip_compares_them() -> None:
    flow = published(ready_case(name="quetzal-frame"))
    expected = [f"x_{flow.advisory.identifier}"]
    for spelling in ("quetzal-frame", "Quetzal_Frame", "QUETZAL.frame", "quetzal__frame"):
        assert ids(query(pkg("2.0", name=spelling))) == expected, spelling
    assert ids(query(pkg("2.0", name="quetzalframe"))) == []


@pytest.mark.django_db
def test_query_by_purl_with_and_without_a_version() -> None:
    flow = public_quetzal()
    expected = [f"x_{flow.advisory.identifier}"]
    assert ids(query({"package": {"purl": "pkg:pypi/quetzal@2.0"}})) == expected
    assert ids(query({"package": {"purl": "pkg:pypi/Quetzal"}, "version": "2.0"})) == expected
    assert ids(query({"package": {"purl": "pkg:pypi/quetzal@2.4.1"}})) == []
    # Without any version: every record of the package.
    assert ids(query({"package": {"purl": "pkg:pypi/quetzal"}})) == expected
    assert ids(query(pkg())) == expected
    # A purl type OSV has no ecosystem for: nothing, as osv.dev answers.
    assert query({"package": {"purl": "pkg:generic/quetzal@2.0"}}).content == b"{}"


@pytest.mark.django_db
def test_a_version_query_by_name_alone_searches_every_ecosystem() -> None:
    flow = public_quetzal()
    assert ids(query({"package": {"name": "quetzal"}, "version": "2.0"})) == [
        f"x_{flow.advisory.identifier}"
    ]


@pytest.mark.django_db
def test_query_by_commit() -> None:
    flow = public_quetzal()
    assert ids(query({"commit": PUBLIC_COMMIT})) == [f"x_{flow.advisory.identifier}"]
    assert ids(query({"commit": PUBLIC_COMMIT.upper()})) == [f"x_{flow.advisory.identifier}"]
    assert query({"commit": "ab" * 20}).content == b"{}"


@pytest.mark.django_db
def test_querybatch_answers_each_query_in_order_with_ids_and_dates() -> None:
    flow = public_quetzal()
    record = stored(flow)
    short = {"id": record["id"], "modified": record["modified"]}
    answer = post(
        "/osv/v1/querybatch",
        {
            "queries": [
                pkg("2.0"),
                pkg("2.4.1"),
                {"package": {"purl": "pkg:pypi/quetzal@1.0"}},
                pkg("1.0", name="nothing-here"),
                {"commit": PUBLIC_COMMIT},
            ]
        },
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "results": [{"vulns": [short]}, {}, {"vulns": [short]}, {}, {"vulns": [short]}]
    }
    assert post("/osv/v1/querybatch", {"queries": []}).json() == {"results": []}


# --- vulns/{id} -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_is_served_by_id_byte_for_byte() -> None:
    flow = public_quetzal()
    doc = PublishedDocument.objects.get(advisory=flow.advisory, kind="osv", current=True)
    response = Client().get(f"/osv/v1/vulns/x_{flow.advisory.identifier}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == doc.content.encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "vuln_id",
    ["x_AKR-2020-0001", "AKR-2020-0001", "GHSA-xxxx-yyyy-zzzz", "x_", "CVE-2024-1", "x_A%00"],
)
def test_an_unknown_id_is_not_found_as_osv_dev_says_it(vuln_id: str) -> None:
    response = Client().get(f"/osv/v1/vulns/{vuln_id}")
    assert response.status_code == 404
    assert response.json() == {"code": 5, "message": "Bug not found."}


@pytest.mark.django_db
def test_a_withdrawn_record_is_served_by_id_but_matches_no_query() -> None:
    flow = public_quetzal()
    later = flow.advisory.published_at + timedelta(hours=1)
    services.advisory_step(
        actor=flow.coord, advisory=flow.advisory, step="withdraw", reason="not a flaw", now=later
    )
    served = Client().get(f"/osv/v1/vulns/x_{flow.advisory.identifier}")
    assert served.status_code == 200
    assert "withdrawn" in served.json()
    assert query(pkg("2.0")).content == b"{}"
    assert query({"commit": PUBLIC_COMMIT}).content == b"{}"
    batch = post("/osv/v1/querybatch", {"queries": [pkg("2.0")]})
    assert batch.json() == {"results": [{}]}


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("this is not json", "Invalid JSON payload received."),
        ("", "Invalid query: expected a JSON object."),
        ([], "Invalid query: expected a JSON object."),
        ({}, "Invalid query."),
        ({"version": "2.0"}, "Invalid query."),
        ({"package": {"ecosystem": "PyPI"}, "version": "2.0"}, "Invalid query."),
        ({"package": {"name": "quetzal"}}, "Invalid query."),
        ({**pkg("2.0"), "commit": PUBLIC_COMMIT}, "'version' and 'commit' are alternatives"),
        (pkg("2.0", ecosystem="PyPy"), "Invalid ecosystem."),
        (pkg("2.0", ecosystem="pypi"), "Invalid ecosystem."),
        ({"package": {"purl": "pkg:pypi/quetzal", "name": "quetzal"}}, "name specified in a PURL"),
        ({"package": {"purl": "pkg:pypi/quetzal", "ecosystem": "PyPI"}}, "ecosystem specified"),
        (
            {"package": {"purl": "pkg:pypi/quetzal@2.0"}, "version": "2.0"},
            "version specified in params and PURL query",
        ),
        ({"package": {"purl": "quetzal==2.0"}}, "Invalid Package URL:"),
        ({"commit": "not-a-hash"}, "Invalid hash."),
        ({**pkg("2.0"), "colour": "red"}, 'Unknown name "colour"'),
        ({"package": {"name": "quetzal", "ecosystem": "PyPI", "vendor": "x"}}, "Unknown name"),
        ({"package": "quetzal"}, "'package': expected an object"),
        ({"package": {"name": 7, "ecosystem": "PyPI"}}, "'package.name': expected a string"),
        (pkg("2.0", name="quet\x00zal"), "'package.name': contains a NUL character"),
    ],
)
def test_bad_queries_are_refused_with_a_clear_message(body: Any, message: str) -> None:
    batch = body if isinstance(body, str) else {"queries": [body]}  # text: the batch is not JSON
    for path, sent in (("/osv/v1/query", body), ("/osv/v1/querybatch", batch)):
        response = post(path, sent)
        assert response.status_code == 400, (path, response.content)
        answer = response.json()
        assert answer["code"] == 3
        assert message in answer["message"], (path, answer)


@pytest.mark.django_db
def test_a_batch_is_at_most_a_thousand_queries() -> None:
    too_many = post("/osv/v1/querybatch", {"queries": [pkg("2.0")] * (MAX_BATCH + 1)})
    assert too_many.status_code == 400
    assert too_many.json() == {"code": 3, "message": "Too many queries."}
    assert post("/osv/v1/querybatch", {"queries": [pkg("2.0")] * MAX_BATCH}).status_code == 200
    named = post("/osv/v1/querybatch", {"queries": [pkg("2.0"), {"version": "1"}]})
    assert named.json()["message"] == "queries[1]: Invalid query."


@pytest.mark.django_db
def test_wrong_methods_are_refused() -> None:
    client = Client()
    assert client.get("/osv/v1/query").status_code == 405
    assert client.get("/osv/v1/querybatch").status_code == 405
    refused = post("/osv/v1/vulns/x_AKR-2020-0001", {})
    assert refused.status_code == 405
    assert refused["Allow"] == "GET"


@pytest.mark.django_db
def test_tools_need_no_csrf_token_and_get_no_cookies() -> None:
    public_quetzal()
    client = Client(enforce_csrf_checks=True)
    # pip-audit sends its JSON without a Content-Type.
    response = client.generic("POST", "/osv/v1/query", json.dumps(pkg("2.0")), content_type="")
    assert response.status_code == 200
    assert len(response.json()["vulns"]) == 1
    assert post("/osv/v1/querybatch", {"queries": [pkg("2.0")]}, client).status_code == 200
    assert not response.cookies
    assert not client.cookies


# --- embargo: nothing of an unpublished advisory shows, anywhere ------------------------------


def _public_answers(guessed_ids: list[str]) -> list[tuple[str, int, str, bytes]]:
    """Every public OSV surface, asked everything that could touch the embargoed advisories."""
    client = Client()
    versions = ["1.0", "2.0", "2.4.1", "2.5", "2.6", "3.0"]
    queries: list[Any] = [pkg(v) for v in versions]
    queries += [pkg(v, name="nightjar") for v in ("1.0", "1.4", "1.5")]
    queries += [pkg(), pkg(name="nightjar"), pkg(name="nightjar-loop", ecosystem="npm")]
    queries += [{"package": {"name": "nightjar"}, "version": "1.0"}]
    queries += [{"package": {"purl": "pkg:npm/nightjar-loop@3.0.0"}}]
    queries += [{"package": {"purl": "pkg:pypi/nightjar-extras"}, "version": "1.0"}]
    queries += [{"package": {"purl": "pkg:pypi/quetzal@2.5"}}]
    queries += [{"commit": EMBARGOED_COMMIT}, {"commit": PUBLIC_COMMIT}]
    answers = []

    def keep(label: str, response: Any) -> None:
        answers.append((label, response.status_code, response["Content-Type"], response.content))

    for q in queries:
        keep(f"query {q}", post("/osv/v1/query", q, client))
    keep("batch", post("/osv/v1/querybatch", {"queries": queries}, client))
    for vuln_id in guessed_ids:
        keep(f"vuln {vuln_id}", client.get(f"/osv/v1/vulns/{vuln_id}"))
    keep("ecosystems", client.get("/osv/ecosystems.txt"))
    for ecosystem in ("PyPI", "npm", "NoSuchEcosystem"):
        keep(f"zip {ecosystem}", client.get(f"/osv/{ecosystem}/all.zip"))
    return answers


@pytest.mark.django_db
def test_embargoed_advisories_change_no_public_answer_by_a_single_byte() -> None:
    public = public_quetzal()
    year, seq = public.advisory.year, public.advisory.seq
    upcoming = [f"x_AKR-{year}-{seq + n:04d}" for n in (1, 2)]
    before = _public_answers(upcoming)
    secret = embargoed_cases(public.coordinator)
    assert [f"x_{f.advisory.identifier}" for f in secret] == upcoming  # the ids we asked for
    after = _public_answers(upcoming)
    for was, now in zip(before, after, strict=True):
        assert was == now, was[0]
    # And the answers are not all empty: the public advisory is there.
    by_label = {a[0]: a for a in after}
    assert json.loads(by_label[f"query {pkg('2.0')}"][3])["vulns"][0]["id"] == (
        f"x_{public.advisory.identifier}"
    )
    assert by_label["ecosystems"][3] == b"PyPI\n"
    assert by_label["zip npm"][1:] == by_label["zip NoSuchEcosystem"][1:]
    assert by_label[f"vuln {upcoming[0]}"][1] == 404
    text = b"".join(a[3] for a in after if not a[0].startswith("zip"))  # zips: compressed
    for marker in (b"nightjar", b"Secret Finder", b"archive unpacker", b"2.6"):
        assert marker not in text, marker


# --- pip-audit against a live server ----------------------------------------------------------


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "AKRITES_DATA_DIR": str(data_dir),
        "AKRITES_DATABASE_URL": "",  # always the data folder's SQLite file
        "AKRITES_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


SEED = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'akrites.settings'\n"
    "from akrites.cli import _django\n"
    "_django()\n"
    "from tests.integration.test_osv_api import seed_live_data\n"
    "seed_live_data()\n"
)


def seed_data_dir(data_dir: Path) -> None:
    """A data folder holding one published PyPI advisory (quetzal) and two embargoed ones."""
    done = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=REPO,
        # The seeding drives the real intake API through Django's test client.
        env=_env(data_dir, AKRITES_ALLOWED_HOSTS="localhost,127.0.0.1,testserver"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def akrites_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("osv-live")
    seed_data_dir(data_dir)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "akrites",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-worker",
        ],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # up to a minute for migrations on a slow machine
            assert server.poll() is None, "the server stopped"
            try:
                with urllib.request.urlopen(f"{url}/healthz"):
                    break
            except OSError:
                time.sleep(0.25)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)


def pip_audit(url: str, folder: Path, *pins: str) -> tuple[int, dict[str, Any]]:
    requirements = folder / "requirements.txt"
    requirements.write_text("".join(f"{pin}\n" for pin in pins))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-s",
            "osv",
            "--osv-url",
            f"{url}/osv/v1/query",
            "-r",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--cache-dir",
            str(folder / "cache"),
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in {0, 1}, done.stderr  # 1: vulnerabilities found
    return done.returncode, json.loads(done.stdout)


def _vulns(report: dict[str, Any]) -> dict[str, list[str]]:
    return {d["name"]: [v["id"] for v in d.get("vulns", [])] for d in report["dependencies"]}


def test_pip_audit_sees_a_published_vulnerability_and_nothing_else(
    akrites_server: str, tmp_path: Path
) -> None:
    with urllib.request.urlopen(f"{akrites_server}/osv/ecosystems.txt") as answer:
        assert answer.read() == b"PyPI\n"
    code, report = pip_audit(akrites_server, tmp_path, "quetzal==2.0", "nightjar==1.0")
    assert code == 1
    found = _vulns(report)
    assert list(found) == ["quetzal", "nightjar"]
    (advisory,) = found["quetzal"]
    assert advisory.startswith("x_AKR-")
    (vuln,) = next(d for d in report["dependencies"] if d["name"] == "quetzal")["vulns"]
    assert vuln["fix_versions"] == ["2.4.1"]
    assert vuln["description"] == "Heap overflow in the Quetzal frame decoder"
    assert found["nightjar"] == []  # only an embargoed advisory affects it

    code, report = pip_audit(akrites_server, tmp_path, "quetzal==2.4.1", "nightjar-extras==1.0")
    assert code == 0
    assert _vulns(report) == {"quetzal": [], "nightjar-extras": []}
