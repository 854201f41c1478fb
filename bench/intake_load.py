"""End-to-end intake throughput: 10,000 reports through the bulk API of a live server.

Starts `akrites serve` (gunicorn, 2 web processes) on a fresh SQLite data directory and, if
PostgreSQL is reachable, on a fresh PostgreSQL database; creates a reporter and a token; posts
N synthetic reports (many packages, some independent duplicates) as JSON Lines in batches;
prints reports/s for each database. Everything is stored, deduplicated and receipted.

    python bench/intake_load.py [--reports 10000] [--batch 1000] [--pg URL | --no-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/akrites_bench"
ECOSYSTEMS = [
    ("pypi", "vers:pypi"),
    ("npm", "vers:npm"),
    ("cargo", "vers:cargo"),
    ("gem", "vers:gem"),
]
CWES = ["CWE-79", "CWE-89", "CWE-22", "CWE-400", "CWE-502", "CWE-918", "CWE-611"]
WORDS = [
    "parser",
    "decoder",
    "handler",
    "template",
    "session",
    "cookie",
    "header",
    "upload",
    "archive",
    "path",
    "query",
    "serializer",
    "resolver",
    "filter",
    "cache",
    "token",
    "redirect",
]


def synth_reports(n: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    flaws = []
    for i in range(int(n * 0.8)):
        eco, scheme = rng.choice(ECOSYSTEMS)
        pkg = f"pkg{int(rng.paretovariate(1.2)) % 3000}"
        fix = f"https://github.com/org{i % 997}/{pkg}/commit/{rng.getrandbits(160):040x}"
        w = rng.sample(WORDS, 3)
        flaws.append(
            {
                "purl": f"pkg:{eco}/{pkg}",
                "vers": f"{scheme}/<{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(1, 9)}",
                "cwe": rng.choice(CWES),
                "fix": fix,
                "title": f"{w[0].title()} {w[1]} flaw in {pkg} #{i}",
                "text": f"The {w[0]} in {pkg} mishandles crafted {w[1]} input in the {w[2]} "
                f"component (flaw {i}), letting a remote attacker corrupt state.",
            }
        )
    reports = []
    for i in range(n):
        flaw = flaws[i] if i < len(flaws) else rng.choice(flaws)
        reports.append(
            {
                "schema_version": "1.0",
                "title": flaw["title"],
                "description": flaw["text"],
                "affected": [
                    {"purl": flaw["purl"], "ranges": [{"type": "vers", "vers": flaw["vers"]}]}
                ],
                "cwes": [flaw["cwe"]],
                "references": [{"url": flaw["fix"], "type": "fix"}],
                "reporter_ref": f"bench-{i}",
            }
        )
    rng.shuffle(reports)
    return reports


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "akrites", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def measure(
    label: str, env: dict[str, str], reports: list[dict[str, object]], batch: int, senders: int
) -> None:
    _run(env, "migrate")
    _run(env, "org", "create", "Bench Lab", "--kind", "finder")
    _run(
        env,
        "user",
        "create",
        "--email",
        "bench@lab.example",
        "--org",
        "Bench Lab",
        "--role",
        "reporter",
    )
    token = (
        _run(
            env, "token", "create", "--user", "bench@lab.example", "--scope", "intake:report:submit"
        )
        .strip()
        .splitlines()[-1]
    )
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
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.25)
        bodies = [
            "\n".join(json.dumps(r) for r in reports[i : i + batch])
            for i in range(0, len(reports), batch)
        ]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
        url = f"http://127.0.0.1:{port}/api/v1/reports/bulk"

        def send(body: str) -> tuple[int, int]:
            with httpx.Client(timeout=600) as client:
                answer = client.post(url, content=body.encode(), headers=headers).json()
            joined = sum(1 for r in answer["results"] if r["status"] == "duplicate")
            return int(answer["accepted"]), joined

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=senders) as pool:
            outcomes = list(pool.map(send, bodies))
        accepted = sum(a for a, _ in outcomes)
        duplicates = sum(d for _, d in outcomes)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(
        f"{label:<11} {len(reports):>6} reports in {elapsed:6.1f} s = "
        f"{len(reports) / elapsed:7.0f} reports/s  (accepted {accepted}, joined an existing "
        f"case {duplicates}, batch {batch})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pg", default=os.environ.get("AKRITES_BENCH_PG", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--senders", type=int, default=2, help="concurrent client connections (default 2)"
    )
    args = parser.parse_args()
    reports = synth_reports(args.reports)
    base = {
        **os.environ,
        "AKRITES_LOG_LEVEL": "WARNING",
        "AKRITES_INTAKE_PER_MINUTE": "1000000",
        "AKRITES_INTAKE_PER_DAY": "10000000",
    }
    base.pop("DJANGO_SETTINGS_MODULE", None)
    with tempfile.TemporaryDirectory() as tmp:
        measure(
            "SQLite",
            {**base, "AKRITES_DATA_DIR": str(Path(tmp) / "sqlite"), "AKRITES_DATABASE_URL": ""},
            reports,
            args.batch,
            args.senders,
        )
        if not args.no_pg:
            admin = args.pg.rsplit("/", 1)[0] + "/postgres"
            dbname = args.pg.rsplit("/", 1)[1]
            try:
                import psycopg

                with psycopg.connect(
                    admin.replace("postgres://", "postgresql://"), autocommit=True
                ) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
                    conn.execute(f'CREATE DATABASE "{dbname}"')
            except Exception as exc:  # noqa: BLE001  (PostgreSQL is optional for the benchmark)
                print(f"PostgreSQL    skipped: {exc}")
                return 0
            measure(
                "PostgreSQL",
                {
                    **base,
                    "AKRITES_DATA_DIR": str(Path(tmp) / "pg"),
                    "AKRITES_DATABASE_URL": args.pg,
                },
                reports,
                args.batch,
                args.senders,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
