"""The `akrites` command, run as a user would: a separate process on its own data directory."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from akrites.cli import build_parser

COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["demo"],
    ["migrate"],
    ["org"],
    ["org", "create"],
    ["org", "list"],
    ["user"],
    ["user", "create"],
    ["user", "totp"],
    ["user", "reset-2fa"],
    ["token"],
    ["token", "create"],
    ["token", "revoke"],
    ["audit"],
    ["audit", "verify"],
    ["check"],
    ["docs"],
    ["keys"],
    ["keys", "rotate"],
    ["export"],
    ["publish-due"],
    ["keys", "destroy"],
    ["embargo-due"],
]


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AKRITES_DATA_DIR": str(data_dir),
        "AKRITES_DATABASE_URL": "",
        "AKRITES_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "akrites", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("akrites-cli")


def test_every_command_has_help() -> None:
    parser = build_parser()
    for words in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([*words, "--help"])
        assert exit_info.value.code == 0, words


def test_org_user_token_lifecycle(data_dir: Path) -> None:
    created = run(data_dir, "org", "create", "Acme Research", "--kind", "finder")
    assert created.returncode == 0, created.stderr
    assert "created organisation Acme Research" in created.stdout
    assert (data_dir / "akrites.sqlite3").exists()
    assert (data_dir / "secret_key").exists()

    dup = run(data_dir, "org", "create", "acme research", "--kind", "finder")
    assert dup.returncode == 2
    assert "already exists" in dup.stderr

    bad_kind = run(data_dir, "org", "create", "X", "--kind", "bank")
    assert bad_kind.returncode == 2
    assert "kind: unknown organisation kind 'bank'" in bad_kind.stderr

    user = run(
        data_dir,
        "user",
        "create",
        "--email",
        "r@acme.example",
        "--org",
        "Acme Research",
        "--role",
        "reporter",
        "--password-stdin",
        stdin="a long enough passphrase 9\n",
    )
    assert user.returncode == 0, user.stderr

    wrong_role = run(
        data_dir,
        "user",
        "create",
        "--email",
        "c@acme.example",
        "--org",
        "Acme Research",
        "--role",
        "coordinator",
    )
    assert wrong_role.returncode == 2
    assert "roles:" in wrong_role.stderr

    token = run(data_dir, "token", "create", "--user", "r@acme.example", "--expires", "7")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("akr_")
    db = sqlite3.connect(data_dir / "akrites.sqlite3")
    stored = [row[0] for row in db.execute("SELECT digest FROM accounts_apitoken")]
    assert len(stored) == 1
    assert secret not in stored[0]

    too_long = run(data_dir, "token", "create", "--user", "r@acme.example", "--expires", "999")
    assert too_long.returncode == 2
    assert "expires:" in too_long.stderr

    verify = run(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "audit chain intact" in verify.stdout

    db.execute("UPDATE audit_auditevent SET data = '{}' WHERE seq = 1")
    db.commit()
    db.close()
    broken = run(data_dir, "audit", "verify")
    assert broken.returncode == 1
    assert "AUDIT CHAIN BROKEN at event 1" in broken.stderr


def test_demo_is_seeded_once_and_check_passes(tmp_path: Path) -> None:
    first = run(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "demo data seeded" in first.stdout
    assert "coordinator@akrites.example" in first.stdout
    second = run(tmp_path, "demo")
    assert "already present" in second.stdout
    check = run(tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert "migrations: all applied" in check.stdout
    code = run(tmp_path, "user", "totp", "--email", "coordinator@akrites.example")
    assert code.returncode == 0
    assert code.stdout.strip().isdigit()
    assert len(code.stdout.strip()) == 6


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, "-m", "akrites", "check"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "AKRITES_DATA_DIR": str(tmp_path),
            "AKRITES_ENV": "production",
            "AKRITES_ALLOWED_HOSTS": "sirt.example",
            "AKRITES_DATABASE_URL": "",
        },
        timeout=120,
        check=False,
    )
    assert env_run.returncode == 2
    assert "AKRITES_SECRET_KEY is not set" in env_run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_a_real_server_with_demo_data(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "AKRITES_DATA_DIR": str(tmp_path),
        "AKRITES_DATABASE_URL": "",
        "AKRITES_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "akrites", "serve", "--demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _ in range(240):  # up to a minute for migrations on a slow machine
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as resp:
                    body = json.loads(resp.read())
                    server = resp.headers.get("Server", "")
                    break
            except OSError:
                time.sleep(0.25)
        assert body == {"status": "ok"}
        assert "gunicorn" in server
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/akrites/app.css") as css:
            assert css.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/") as page:
            assert "Content-Security-Policy" in page.headers
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert "coordinator@akrites.example" in out
    assert (tmp_path / "static" / "akrites" / "app.css").exists()


def test_concurrent_processes_share_one_audit_chain(tmp_path: Path) -> None:
    """Several `akrites` processes writing the same SQLite file at once."""
    assert run(tmp_path, "migrate").returncode == 0
    env = {**os.environ, "AKRITES_DATA_DIR": str(tmp_path), "AKRITES_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "akrites", "org", "create", f"Org {i}", "--kind", "finder"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, results
    verify = run(tmp_path, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "6 events verified" in verify.stdout


def test_two_submitters_at_once_against_a_live_server_make_one_case(tmp_path: Path) -> None:
    """`akrites submit` end to end, twice in parallel, on SQLite with two web processes."""
    assert run(tmp_path, "org", "create", "Lab A", "--kind", "finder").returncode == 0
    assert run(tmp_path, "org", "create", "Lab B", "--kind", "finder").returncode == 0
    tokens = []
    for org, email in (("Lab A", "a@lab.example"), ("Lab B", "b@lab.example")):
        assert (
            run(
                tmp_path, "user", "create", "--email", email, "--org", org, "--role", "reporter"
            ).returncode
            == 0
        )
        created = run(
            tmp_path, "token", "create", "--user", email, "--scope", "intake:report:submit"
        )
        tokens.append(created.stdout.strip().splitlines()[-1])
    report = {
        "schema_version": "1.0",
        "title": "Heap overflow in the chunked decoder",
        "description": "A crafted chunk size overflows the decode buffer in "
        "decode_chunked() and corrupts the heap.",
        "affected": [
            {
                "purl": "pkg:cargo/hyper",
                "ranges": [{"type": "vers", "vers": "vers:cargo/>=0.14.0|<0.14.28"}],
            }
        ],
        "cwes": ["CWE-122"],
        "references": [
            {
                "url": "https://github.com/hyperium/hyper/commit/"
                "0123456789abcdef0123456789abcdef01234567",
                "type": "fix",
            }
        ],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    port = _free_port()
    env = {
        **os.environ,
        "AKRITES_DATA_DIR": str(tmp_path),
        "AKRITES_DATABASE_URL": "",
        "AKRITES_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "akrites",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-worker",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz"):
                    break
            except OSError:
                time.sleep(0.25)
        submitters = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "akrites",
                    "submit",
                    str(path),
                    "--server",
                    f"http://127.0.0.1:{port}",
                    "--token",
                    token,
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for token in tokens
        ]
        outputs = [p.communicate(timeout=120) for p in submitters]
        assert [p.returncode for p in submitters] == [0, 0], outputs
    finally:
        server.terminate()
        server.wait(timeout=60)
    statuses = sorted(out.split("\t")[1] for out, _ in outputs)
    assert statuses == ["duplicate", "new_case"], outputs
    db = sqlite3.connect(tmp_path / "akrites.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM cases_case").fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM intake_report").fetchone() == (2,)
    db.close()
    # The raw database files hold no plaintext of the embargoed report.
    for name in ("akrites.sqlite3", "akrites.sqlite3-wal"):
        raw = (tmp_path / name).read_bytes() if (tmp_path / name).exists() else b""
        for secret in (
            b"chunked decoder",
            b"decode_chunked",
            b"pkg:cargo/hyper",
            b"0123456789abcdef0123456789abcdef01234567",
        ):
            assert secret not in raw, (name, secret)


@pytest.mark.parametrize(
    "words", [["submit", "--help"], ["dedup", "--help"], ["dedup", "cluster", "--help"]]
)
def test_client_commands_have_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from akrites.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(words)
    assert exit_info.value.code == 0
    assert "usage: akrites" in capsys.readouterr().out


def test_submit_without_a_token_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from akrites.submit import submit_main

    monkeypatch.delenv("AKRITES_TOKEN", raising=False)
    (tmp_path / "r.json").write_text("{}")
    assert submit_main([str(tmp_path / "r.json")]) == 2
    assert "pass --token or set AKRITES_TOKEN" in capsys.readouterr().err


def test_submit_to_an_unreachable_server_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from akrites import submit

    monkeypatch.setattr(submit, "MAX_ATTEMPTS", 1)
    (tmp_path / "r.json").write_text("{}")
    code = submit.submit_main(
        [
            str(tmp_path / "r.json"),
            "--server",
            f"http://127.0.0.1:{_free_port()}",
            "--token",
            "akr_x",
        ]
    )
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
