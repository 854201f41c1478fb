"""OSV exports (/osv/<Ecosystem>/all.zip, /osv/ecosystems.txt) and `akrites export`: public
records only, deterministic, and written all at once."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from akrites import cli
from akrites.audit.models import AuditEvent
from akrites.intake.engine import reset_engine
from akrites.publication import osv_exports, render, services
from akrites.publication.export_cli import KINDS
from akrites.publication.models import PublishedDocument
from tests.integration.test_osv_api import (
    REPO,
    _add_affected,
    _env,
    embargoed_cases,
    public_quetzal,
    seed_data_dir,
)
from tests.publication_helpers import Flow, published, ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    reset_engine()
    yield
    reset_engine()


def _document(flow: Flow, kind: str = "osv") -> PublishedDocument:
    return PublishedDocument.objects.get(advisory=flow.advisory, kind=kind, current=True)


def _public_pair() -> tuple[Flow, Flow]:
    """quetzal (PyPI), and ibis (PyPI and npm): both published."""
    first = public_quetzal()
    second = ready_case(
        name="ibis",
        title="Integer overflow in the Ibis image resizer",
        description="Resizing an Ibis image to a huge width overflows the row stride and "
        "writes past the pixel buffer.",
        vers="vers:pypi/<4.0.2",
        fixed="4.0.2",
        coordinator=first.coordinator,
    )
    _add_affected(
        second, {"purl": "pkg:npm/ibis-resize", "ranges": [{"introduced": "0", "fixed": "2.1.0"}]}
    )
    return first, published(second)


def _zip_entries(content: bytes) -> dict[str, tuple[bytes, tuple[int, ...]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {i.filename: (archive.read(i), i.date_time) for i in archive.infolist()}


# --- all.zip and ecosystems.txt -------------------------------------------------------------


def test_all_zip_is_built_once_and_rebuilt_when_a_record_is_published() -> None:
    first = public_quetzal()
    client = Client()
    before = _zip_entries(client.get("/osv/PyPI/all.zip").content)
    assert list(before) == [f"x_{first.advisory.identifier}.json"]
    calls = {"n": 0}
    real = osv_exports.osv_zip

    def counting(files):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(files)

    osv_exports.osv_zip = counting  # type: ignore[assignment]
    try:
        assert _zip_entries(client.get("/osv/PyPI/all.zip").content) == before
        assert calls["n"] == 0  # served from the cache
        second = published(
            ready_case(
                name="ibis",
                title="Integer overflow in the Ibis image resizer",
                description="Resizing an Ibis image to a huge width overflows the row stride.",
                vers="vers:pypi/<4.0.2",
                fixed="4.0.2",
                coordinator=first.coordinator,
            )
        )
        after = _zip_entries(client.get("/osv/PyPI/all.zip").content)
        assert calls["n"] == 1
        assert sorted(after) == sorted(
            [f"x_{first.advisory.identifier}.json", f"x_{second.advisory.identifier}.json"]
        )
    finally:
        osv_exports.osv_zip = real  # type: ignore[assignment]


def test_all_zip_holds_every_public_record_of_the_ecosystem_as_stored() -> None:
    first, second = _public_pair()
    client = Client()
    pypi = client.get("/osv/PyPI/all.zip")
    assert pypi.status_code == 200
    assert pypi["Content-Type"] == "application/zip"
    entries = _zip_entries(pypi.content)
    assert list(entries) == sorted(f"x_{f.advisory.identifier}.json" for f in (first, second))
    for flow in (first, second):
        doc = _document(flow)
        content, stamp = entries[f"x_{flow.advisory.identifier}.json"]
        assert content == doc.content.encode()
        when = doc.published_at.astimezone(UTC)
        assert stamp == (*when.timetuple()[:5], when.second - when.second % 2)  # 2 s steps
    npm = _zip_entries(client.get("/osv/npm/all.zip").content)
    assert list(npm) == [f"x_{second.advisory.identifier}.json"]
    listing = client.get("/osv/ecosystems.txt")
    assert listing["Content-Type"] == "text/plain; charset=utf-8"
    assert listing.content == b"PyPI\nnpm\n"


def test_all_zip_is_the_same_bytes_every_time() -> None:
    _public_pair()
    answers = {Client().get("/osv/PyPI/all.zip").content for _ in range(3)}
    assert len(answers) == 1


def test_an_ecosystem_without_records_is_as_missing_as_an_unknown_one() -> None:
    public_quetzal()
    client = Client()
    empty, unknown = client.get("/osv/npm/all.zip"), client.get("/osv/Klingon/all.zip")
    assert empty.status_code == unknown.status_code == 404
    assert (empty.content, empty["Content-Type"]) == (unknown.content, unknown["Content-Type"])
    for odd in ("pypi", "Py%00PI", "%20"):
        assert client.get(f"/osv/{odd}/all.zip").content == unknown.content, odd
    assert client.post("/osv/PyPI/all.zip").status_code == 405


def test_nothing_public_lists_no_ecosystem() -> None:
    ready_case()  # drafted, under embargo
    listing = Client().get("/osv/ecosystems.txt")
    assert (listing.status_code, listing.content) == (200, b"")


def test_withdrawn_records_stay_in_the_export() -> None:
    flow = public_quetzal()
    later = flow.advisory.published_at + timedelta(hours=1)
    services.advisory_step(
        actor=flow.coord, advisory=flow.advisory, step="withdraw", reason="duplicate", now=later
    )
    (content, _), *_ = _zip_entries(Client().get("/osv/PyPI/all.zip").content).values()
    assert "withdrawn" in json.loads(content)


# --- akrites export, in process ---------------------------------------------------------------


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``akrites ARGS`` in this process, on the test database (already set up)."""
    monkeypatch.setattr(cli, "_django", lambda **_: None)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_cli_knows_every_kind_publication_writes() -> None:
    assert KINDS == render.KINDS


def test_export_prints_the_current_published_document(run_cli: Any, tmp_path: Path) -> None:
    flow = public_quetzal()
    identifier = flow.advisory.identifier
    for given in (identifier, f"x_{identifier}"):
        code, out, err = run_cli("export", "osv", given)
        assert (code, err) == (0, "")
        assert out == _document(flow).content
    target = tmp_path / "out" / "csaf.json"
    code, out, _ = run_cli("export", "csaf", identifier, "--out", str(target))
    assert code == 0
    assert target.read_text() == _document(flow, "csaf").content
    assert [p.name for p in target.parent.iterdir()] == ["csaf.json"]  # no temporary left


def test_export_refuses_what_it_cannot_give_and_says_why(run_cli: Any) -> None:
    flow = public_quetzal()
    identifier = flow.advisory.identifier
    code, _, err = run_cli("export", "osv", "AKR-2020-9999")
    assert code == 2
    assert "no advisory AKR-2020-9999" in err
    code, _, err = run_cli("export", "cve", identifier)
    assert code == 2
    assert "has no CVE record" in err
    assert "AKRITES_CVE_ORG_ID" in err
    with pytest.raises(SystemExit) as refused:
        run_cli("export", "pdf", identifier)
    assert refused.value.code == 2
    code, _, err = run_cli("export", "osv")
    assert (code, "name the advisory" in err) == (2, True)


def test_an_unpublished_advisory_exports_only_its_audited_draft(run_cli: Any) -> None:
    flow = ready_case()
    identifier = flow.advisory.identifier
    code, out, err = run_cli("export", "osv", identifier)
    assert (code, out) == (2, "")
    assert f"{identifier} is not published (it is draft)" in err
    assert "--draft" in err
    code, out, _ = run_cli("export", "osv", identifier, "--draft")
    assert code == 0
    draft = json.loads(out)
    assert draft["id"] == f"x_{identifier}"
    assert draft["affected"][0]["package"]["name"] == "quetzal"
    code, out, _ = run_cli("export", "openvex", identifier, "--draft")
    assert code == 0
    assert json.loads(out)["@context"].startswith("https://openvex.dev/")
    viewed = AuditEvent.objects.filter(
        action="case.viewed", target_id=flow.case.number, data__draft=True
    )
    assert [e.data["export"] for e in viewed] == ["osv", "openvex"]
    assert not PublishedDocument.objects.exists()


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_published_export_writes_every_public_record_and_no_embargoed_one(
    run_cli: Any, tmp_path: Path
) -> None:
    public = public_quetzal()
    code, out, err = run_cli("export", "osv", "--published", "--out", str(tmp_path / "before"))
    assert (code, err) == (0, "")
    assert out == f"wrote 1 OSV record(s) to {tmp_path / 'before'}\n"
    embargoed_cases(public.coordinator)
    code, _, _ = run_cli("export", "osv", "--published", "--out", str(tmp_path / "after"))
    assert code == 0
    before, after = _folder(tmp_path / "before"), _folder(tmp_path / "after")
    assert before == after  # byte for byte
    assert before == {f"x_{public.advisory.identifier}.json": _document(public).content.encode()}


def test_published_export_replaces_an_earlier_export_at_once(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = public_quetzal()
    target = tmp_path / "osv"
    assert run_cli("export", "osv", "--published", "--out", str(target))[0] == 0
    earlier = _folder(target)
    (target / "x_AKR-2000-0001.json").write_text("{}")  # a record no longer public
    later = first.advisory.published_at + timedelta(hours=1)
    services.advisory_step(
        actor=first.coord, advisory=first.advisory, step="revise", reason="typo", now=later
    )
    # A crash half-way through writing leaves the earlier export as it was, and no debris.
    real_write = Path.write_bytes

    def failing(self: Path, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        osv_exports.write_osv_folder(target)
    monkeypatch.setattr(Path, "write_bytes", real_write)
    assert _folder(target) == {**earlier, "x_AKR-2000-0001.json": b"{}"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["osv"]
    # Then a run that completes replaces the whole folder.
    assert run_cli("export", "osv", "--published", "--out", str(target))[0] == 0
    assert _folder(target) == {
        f"x_{first.advisory.identifier}.json": _document(first).content.encode()
    }
    assert _folder(target) != earlier  # the revision
    assert sorted(p.name for p in tmp_path.iterdir()) == ["osv"]


def test_published_export_never_replaces_a_folder_of_other_files(
    run_cli: Any, tmp_path: Path
) -> None:
    public_quetzal()
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run_cli("export", "osv", "--published", "--out", str(tmp_path))
    assert code == 2
    assert "holds other things than an earlier export (notes.txt)" in err
    assert _folder(tmp_path) == {"notes.txt": b"mine"}
    for args, message in (
        (("export", "csaf", "--published", "--out", str(tmp_path / "x")), "OSV records only"),
        (("export", "osv", "--published"), "--out DIR"),
        (("export", "osv", "AKR-2026-0001", "--published", "--out", "x"), "no ADVISORY_ID"),
    ):
        code, _, err = run_cli(*args)
        assert (code, message in err) == (2, True), (args, err)


# --- akrites export, as a separate process on its own data --------------------------------------


def _akrites(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "akrites", *args],
        cwd=REPO,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_export_command_on_a_real_data_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_data_dir(data_dir)
    db = sqlite3.connect(data_dir / "akrites.sqlite3")
    states = dict(db.execute("SELECT identifier, state FROM publication_advisory"))
    db.close()
    public = [i for i, s in states.items() if s == "published"]
    secret = [i for i, s in states.items() if s == "scheduled"]
    assert (len(public), len(secret)) == (1, 2)

    done = _akrites(data_dir, "export", "osv", "--published", "--out", str(tmp_path / "osv"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "osv").iterdir()) == [f"x_{public[0]}.json"]
    shown = _akrites(data_dir, "export", "osv", public[0])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (tmp_path / "osv" / f"x_{public[0]}.json").read_text()
    refused = _akrites(data_dir, "export", "osv", secret[0])
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "is not published" in refused.stderr
    draft = _akrites(data_dir, "export", "osv", secret[0], "--draft")
    assert draft.returncode == 0, draft.stderr
    assert json.loads(draft.stdout)["id"] == f"x_{secret[0]}"
