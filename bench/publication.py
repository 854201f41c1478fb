"""Publication pipeline and OSV API at scale: N advisories released through the real services.

    python bench/publication.py [--count 500] [--packages 100] [--database-url URL] [--no-profile]

In a fresh data directory (SQLite, or a NEW PostgreSQL database named by --database-url, created
here and dropped after) ten finder organisations report N distinct flaws in PyPI packages (one
case each); a coordinator carries each case through triage, an embargo ended early, Akrites's own
fix and a reviewed, approved advisory; each advisory is then released (five formats rendered,
checked against their schemas, signed with OpenPGP, stored), and that step alone is timed.
Prints reports/s, the release step's p50/p95/max and advisories/s, process memory, a cProfile of
20 releases, and the public surfaces' latency at that size through django.test.Client (in
process, no network). Wall-clock times: they include whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PROFILED = 20
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
WORDS = (
    "parser", "header", "cookie", "template", "upload", "archive", "loader", "renderer", "router",
    "cache", "buffer", "stream", "socket", "query", "filter", "plugin", "worker", "proxy", "schema",
)  # fmt: skip
WEAKNESSES = (
    ("CWE-79", "cross-site scripting"), ("CWE-89", "SQL injection"), ("CWE-22", "path traversal"),
    ("CWE-400", "resource exhaustion"), ("CWE-918", "request forgery"), ("CWE-502", "unsafe load"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Flaw:
    package: str
    fixed: str
    fix_url: str
    doc: dict[str, Any]


def synth(count: int, packages: int, seed: int = 7) -> tuple[list[str], list[Flaw]]:
    """Package names, and one report per flaw: flaw ``i`` is the ``i // packages``-th of its
    package, with its own text, fix commit and fixed version (so dedup opens a case each)."""
    rng = random.Random(seed)
    names = [f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{k}" for k in range(packages)]
    flaws = []
    for i in range(count):
        name, nth = names[i % packages], i // packages
        cwe, weakness = WEAKNESSES[(i + nth) % len(WEAKNESSES)]
        part, function = rng.choice(WORDS), f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{i}"
        fixed = f"{2 + nth}.{rng.randint(0, 9)}.{rng.randint(1, 9)}"
        fix_url = f"https://git.example.net/{name}/commit/{rng.getrandbits(160):040x}"
        words = " ".join(rng.choices(WORDS, k=12))
        versions = {"type": "vers", "vers": f"vers:pypi/>=1.0|<{fixed}"}
        doc = {
            "schema_version": "1.0",
            "title": f"{weakness.capitalize()} in the {name} {part} through {function}()",
            "description": f"The {part} of {name} before {fixed} passes input to {function}() "
            f"unchecked, so a remote attacker can abuse it. Flaw {i}; touched: {words}.",
            "affected": [{"purl": f"pkg:pypi/{name}", "ranges": [versions]}],
            "cwes": [cwe],
            "severity": [{"type": "CVSS_V3", "vector": VECTOR}],
            "references": [{"url": fix_url, "type": "fix"}],
            "reporter_ref": f"BENCH-{i}",
        }
        flaws.append(Flaw(name, fixed, fix_url, doc))
    return names, flaws


class QueryCounter:
    """Counts SQL statements (a Django execute wrapper): the N+1 detector."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.n += 1
        return execute(*args)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """The URL to use: empty for SQLite, else the PostgreSQL database ``url`` names, created
    here (never an existing one) and dropped afterwards."""
    if not url:
        yield ""
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:  # fails if it exists: never reuse
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(data_dir: Path, database_url: str) -> None:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)  # tests' settings must not leak in
    os.environ.update(
        AKRITES_DATA_DIR=str(data_dir),
        AKRITES_DATABASE_URL=database_url,
        AKRITES_DEBUG="false",  # DEBUG keeps every query in memory
        AKRITES_INTAKE_PER_MINUTE="100000000",
        AKRITES_INTAKE_PER_DAY="100000000",
        DJANGO_SETTINGS_MODULE="akrites.settings",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def pipeline(names: list[str], flaws: list[Flaw]) -> tuple[Any, list[Any]]:
    """The SIRT, ten finders and the components; every report submitted; each case carried
    as a coordinator does to an approved advisory. Returns the coordinator and the advisories."""
    from django.utils import timezone

    from akrites.accounts.auth import actor_for_user
    from akrites.accounts.services import organisation_create, user_create
    from akrites.cases import workflow
    from akrites.cases.embargo import embargo_end_early, embargo_propose
    from akrites.cases.models import Case
    from akrites.domain.intake import parse_report
    from akrites.domain.policy import SYSTEM
    from akrites.intake.models import Channel
    from akrites.intake.services import reports_submit
    from akrites.publication.services import advisory_draft, advisory_step, credit_preference_set
    from akrites.publication.signing import current_signing_key
    from akrites.registry.services import component_create

    def person(email: str, org: str, kind: str, *roles: str) -> Any:
        made = organisation_create(actor=SYSTEM, name=org, kind=kind)
        user = user_create(actor=SYSTEM, email=email, organisation=made, roles=roles)
        return user, actor_for_user(user, mfa_verified=True)

    _, coord = person("coord@sirt.example", "Akrites SIRT", "sirt", "admin", "coordinator")
    finders = [person(f"bot@{n}.example", f"Lab {n}", "finder", "reporter") for n in range(10)]
    for name in names:
        component_create(actor=SYSTEM, purl=f"pkg:pypi/{name}")
    current_signing_key()  # as `akrites serve` does, so no release pays for key generation
    api = {"channel": Channel.API, "source_format": "akrites"}  # as the REST API files them
    started, receipts = time.perf_counter(), []
    for i, flaw in enumerate(flaws):
        user, finder = finders[i % len(finders)]
        items, org = [parse_report(flaw.doc)], user.organisation
        (receipt,) = reports_submit(actor=finder, user=user, organisation=org, items=items, **api)
        if receipt.status != "new_case":
            raise SystemExit(f"report {i} opened no case of its own: {receipt.message}")
        receipts.append((receipt.case_number, finder))
    print(f"reports submitted: {len(flaws) / (time.perf_counter() - started):.1f}/s")
    started, advisories = time.perf_counter(), []
    for (number, finder), flaw in zip(receipts, flaws, strict=True):
        case = Case.objects.get(number=number)
        credit = {"consent": True, "name": "Lab", "credit_type": "finder"}
        credit_preference_set(actor=finder, report=case.reports.get(), **credit)
        workflow.case_transition(actor=coord, case=case, name="start_triage")
        purl = f"pkg:pypi/{flaw.package}"
        workflow.case_assess(actor=coord, case=case, severity="high", component_purl=purl)
        workflow.case_transition(actor=coord, case=case, name="accept")
        embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))
        workflow.case_transition(actor=coord, case=case, name="take_over")
        workflow.case_transition(actor=coord, case=case, name="start_fix")
        fix = {"kind": "commit", "url": flaw.fix_url, "fixed_versions": flaw.fixed}
        workflow.case_add_fix(actor=coord, case=case, **fix)
        workflow.case_transition(actor=coord, case=case, name="fix_ready")
        embargo_end_early(actor=coord, case=case, reason=f"{flaw.fixed} is released")
        advisory = advisory_draft(actor=coord, case=case)
        for step in ("submit_for_review", "approve"):
            advisory_step(actor=coord, advisory=advisory, step=step)
        advisories.append(advisory)
    rate = len(advisories) / (time.perf_counter() - started)
    print(f"cases carried from report to approved advisory: {rate:.1f}/s")
    return coord, advisories


def pct(ms: list[float], p: int) -> float:
    return statistics.quantiles(ms, n=100, method="inclusive")[p - 1] if len(ms) > 1 else ms[0]


def release(coord: Any, advisories: list[Any], profiled: int, queries: QueryCounter) -> None:
    from akrites.publication.services import advisory_step

    timed, rest = advisories[: len(advisories) - profiled], advisories[len(advisories) - profiled :]
    ms, q0, started = [], queries.n, time.perf_counter()
    for advisory in timed:
        t = time.perf_counter()
        advisory_step(actor=coord, advisory=advisory, step="publish")
        ms.append((time.perf_counter() - t) * 1000)
    total, tenth = time.perf_counter() - started, max(1, len(ms) // 10)
    print(
        f"release step ({len(ms)} advisories, 5 formats each): p50 {pct(ms, 50):.1f} ms, "
        f"p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms; {len(ms) / total:.1f} advisories/s; "
        f"{(queries.n - q0) / len(ms):.0f} SQL statements each; p50 of the first tenth "
        f"{statistics.median(ms[:tenth]):.1f} ms, of the last {statistics.median(ms[-tenth:]):.1f}"
    )
    if not rest:
        return
    profile = cProfile.Profile()
    profile.runcall(lambda: [advisory_step(actor=coord, advisory=a, step="publish") for a in rest])
    stats: dict[Any, Any] = pstats.Stats(profile).stats
    mine = (__file__, "~")  # the benchmark's own frames and built-in wrappers
    top = sorted((kv for kv in stats.items() if kv[0][0] not in mine), key=lambda kv: -kv[1][3])
    print(f"\ncProfile of {len(rest)} more releases (profiling slows them), top 10 cumulative:")
    print(f"{'calls':>8} {'own ms':>8} {'cum ms':>8}  function (per advisory)")
    n = len(rest)
    for (path, line, func), (_, calls, own, cumulative, _) in top[:10]:
        where = re.sub(r".*/(site-packages|src)/", "", path)
        print(f"{calls / n:>8.1f} {own / n * 1e3:>8.1f} {cumulative / n * 1e3:>8.1f}  ", end="")
        print(f"{where}:{line}({func})")


def surfaces(names: list[str], flaws: list[Flaw], queries: QueryCounter) -> None:
    from django.test import Client

    from akrites.domain.formats.osv_writer import osv_id
    from akrites.publication.models import Advisory

    client = Client(HTTP_HOST="localhost")

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(path, json.dumps(body), content_type="application/json")

    def query(version: str, name: str = names[0]) -> Callable[[], Any]:
        body = {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}
        return lambda: post("/osv/v1/query", body)

    # The highest fix of the first package: a version none of its flaws affects.
    own = [f.fixed for f in flaws if f.package == names[0]]
    fixed = max(own, key=lambda v: [int(x) for x in v.split(".")])
    package = [{"package": {"name": n, "ecosystem": "PyPI"}, "version": "1.5"} for n in names]
    batch = {"queries": (package * 100)[:100]}
    rolie = "/.well-known/csaf/white/csaf-feed-tlp-white.json"
    vuln = f"/osv/v1/vulns/{osv_id(Advisory.objects.order_by('pk').first().identifier)}"
    checks: list[tuple[str, Callable[[], Any], int]] = [
        ("POST /osv/v1/query affected 1.5", query("1.5"), 500),
        (f"POST /osv/v1/query fixed {fixed}", query(fixed), 500),
        ("POST /osv/v1/query unknown package", query("1.5", "no-such-package"), 500),
        ("POST /osv/v1/querybatch (100)", lambda: post("/osv/v1/querybatch", batch), 20),
        ("GET /osv/v1/vulns/<id>", lambda: client.get(vuln), 500),
        ("GET /osv/PyPI/all.zip", lambda: client.get("/osv/PyPI/all.zip"), 5),
        ("GET /advisories/", lambda: client.get("/advisories/"), 20),
        ("GET /advisories/feed.atom", lambda: client.get("/advisories/feed.atom"), 20),
        ("GET /transparency/", lambda: client.get("/transparency/"), 20),
        ("GET csaf-feed-tlp-white.json", lambda: client.get(rolie), 20),
    ]
    print(f"\n{'request (ms)':<36} {'n':>4} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}", end="")
    print(f" {'SQL':>4}  answer")
    for label, call, n in checks:
        ms = []
        for _ in range(n):
            q, t = queries.n, time.perf_counter()
            response = call()
            ms.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code} {response.content[:200]!r}")
        answer = f"{len(response.content) / 1024:.0f} KiB"
        if label.startswith("POST"):  # an answer of {"vulns": [...]} or {"results": [...]}
            found = response.json().get("results") or [response.json()]
            answer = f"{sum(len(r.get('vulns', [])) for r in found)} vulns"
        print(f"{label:<36} {n:>4} {ms[0]:>7.1f} {pct(ms, 50):>7.1f} {pct(ms, 95):>7.1f}", end="")
        print(f" {max(ms):>7.1f} {queries.n - q:>4}  {answer}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="advisories (default 500)")
    parser.add_argument("--packages", type=int, default=100, help="PyPI packages (default 100)")
    parser.add_argument("--database-url", default="", help="a NEW PostgreSQL database to use")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    names, flaws = synth(args.count, args.packages)
    profiled = PROFILED if args.profile and args.count > PROFILED else 0
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url) as url:
        setup_django(Path(tmp), url)
        from django.db import connection

        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            print(f"{connection.vendor}: {args.count} advisories over {args.packages} packages")
            coord, advisories = pipeline(names, flaws)
            release(coord, advisories, profiled, queries)
            surfaces(names, flaws, queries)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"\nprocess RSS (peak): {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
