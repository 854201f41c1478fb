"""Throughput and memory of the deduplication engine on synthetic report streams.

    python bench/dedup_scale.py [--sizes 10000,100000,1000000] [--seed 7]

Each size runs in its own process (so peak memory is that size's alone) over a synthetic
stream: packages across seven ecosystems with Zipf-like popularity, several flaws per
popular package, each flaw reported one to three times; later reports of a flaw copy or
paraphrase the first one's text and share some of its links. Prints reports/s overall and
over the last tenth of the stream (with ~90% of the reports already indexed), the peak
resident memory, and how well the clusters match the synthetic truth. Rates are reports per
second of CPU time (one core): wall time on a shared machine measures the neighbours too.
"""

from __future__ import annotations

import argparse
import heapq
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from akrites.domain.dedup import (
    AffectedPackage,
    Band,
    CaseId,
    DedupEngine,
    EventKind,
    RangeEvent,
    RangeKind,
    Report,
    ReportId,
    VersionRange,
)

ECOSYSTEMS = ("PyPI", "npm", "Go", "Maven", "Packagist", "RubyGems", "crates.io")
SYLLABLES = (
    "ka", "to", "ri", "mo", "ne", "su", "la", "pi", "ve", "do", "gra", "fle", "xo", "zen",
    "tri", "bor", "lun", "mar", "qui", "sal", "ter", "von", "yak", "wen", "ux", "ob", "ar",
    "el", "im", "op",
)  # fmt: skip
VOCABULARY = (
    "parser", "handler", "request", "response", "session", "token", "header", "cookie",
    "template", "upload", "archive", "config", "loader", "renderer", "serializer",
    "router", "middleware", "cache", "buffer", "stream", "socket", "path", "query",
    "filter", "plugin", "extension", "worker", "scheduler", "queue", "client", "server",
    "proxy", "schema", "field", "encoder", "decoder", "image", "document", "attribute",
    "element", "callback", "option", "password", "signature",
)  # fmt: skip
CLASSES = (
    ("cross-site scripting", "inject arbitrary web script or HTML"),
    ("SQL injection", "execute arbitrary SQL commands"),
    ("path traversal", "read arbitrary files outside the intended directory"),
    ("denial of service", "cause excessive memory consumption"),
    ("server-side request forgery", "make the server send requests to internal hosts"),
    ("command injection", "execute arbitrary commands"),
    ("unsafe deserialization", "execute code while loading untrusted data"),
    ("out-of-bounds read", "read memory past the end of a buffer"),
    ("open redirect", "redirect users to an arbitrary site"),
    ("authorization bypass", "access resources without permission"),
)
SYNONYMS = {
    "allows": "lets",
    "attackers": "adversaries",
    "remote": "network",
    "arbitrary": "any",
    "vulnerability": "flaw",
    "function": "routine",
    "crafted": "malicious",
    "before": "prior to",
}


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _package_name(rng: random.Random, ecosystem: str) -> str:
    base = _name(rng, 3)
    match ecosystem:
        case "npm":
            return f"@{_name(rng, 2)}/{base}" if rng.random() < 0.3 else base
        case "Go":
            return f"github.com/{_name(rng, 2)}/{base}"
        case "Maven":
            return f"org.{_name(rng, 2)}:{base}-core"
        case "Packagist":
            return f"{_name(rng, 2)}/{base}"
        case _:
            return base


@dataclass(frozen=True)
class Flaw:
    key: str
    ecosystem: str
    package: str
    repo: str
    title: str
    text: str
    commit: str
    issue: int
    fixed: str
    release: str


def _flaw(rng: random.Random, key: str, ecosystem: str, package: str) -> Flaw:
    repo = f"https://github.com/{package.replace(':', '/').replace('@', '')}"
    weakness, effect = rng.choice(CLASSES)
    function = f"{rng.choice(VOCABULARY)}_{rng.choice(VOCABULARY)}"
    component = rng.choice(VOCABULARY)
    major, minor, patch = rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 20)
    fixed = f"{major}.{minor}.{patch + 1}"
    words = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(8, 30)))
    text = (
        f"A {weakness} vulnerability in the {component} component of {package} before {fixed} "
        f"allows remote attackers to {effect} via a crafted {rng.choice(VOCABULARY)} passed "
        f"to the `{function}` function. The {component} code does not validate the "
        f"{rng.choice(VOCABULARY)} before use. Details: {words}."
    )
    return Flaw(
        key=key,
        ecosystem=ecosystem,
        package=package,
        repo=repo,
        title=f"{weakness} in {package} {component}",
        text=text,
        commit=f"{rng.getrandbits(160):040x}",
        issue=rng.randint(1, 20000),
        fixed=fixed,
        release=f"v{major}.{minor}",
    )


def _paraphrase(rng: random.Random, text: str) -> str:
    words = [SYNONYMS.get(word, word) if rng.random() < 0.7 else word for word in text.split()]
    sentences = " ".join(words).split(". ")
    rng.shuffle(sentences)
    return ". ".join(sentences)


def _report(rng: random.Random, flaw: Flaw, copy: int, structured: bool) -> Report:
    links = [f"{flaw.repo}/releases/tag/{flaw.release}"]
    if copy == 0 or rng.random() < 0.8:
        links.append(f"{flaw.repo}/commit/{flaw.commit}")
    if rng.random() < 0.5:
        links.append(f"{flaw.repo}/issues/{flaw.issue}")
    text = flaw.text if copy == 0 or rng.random() < 0.5 else _paraphrase(rng, flaw.text)
    ranges: tuple[VersionRange, ...] = ()
    if structured:
        events = (
            RangeEvent(EventKind.INTRODUCED, "0"),
            RangeEvent(EventKind.FIXED, flaw.fixed),
        )
        ranges = (VersionRange(RangeKind.ECOSYSTEM, events),)
    return Report(
        id=ReportId(f"{flaw.key}-r{copy}"),
        packages=(AffectedPackage(flaw.ecosystem, flaw.package, ranges=ranges),),
        title=flaw.title if copy == 0 else _paraphrase(rng, flaw.title),
        text=text,
        references=tuple(links),
    )


def stream(size: int, seed: int) -> Iterator[Report]:
    """`size` reports in arrival order; duplicates arrive up to ~2,000 reports later."""
    rng = random.Random(seed)
    package_count = max(500, size // 6)
    packages = [
        (ecosystem, _package_name(rng, ecosystem))
        for ecosystem in (ECOSYSTEMS[i % len(ECOSYSTEMS)] for i in range(package_count))
    ]
    popularity = list(accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(package_count)))
    pending: list[tuple[int, int, Report]] = []
    emitted = flaw_number = 0
    while emitted < size:
        if pending and pending[0][0] <= emitted:
            yield heapq.heappop(pending)[2]
            emitted += 1
            continue
        ecosystem, package = rng.choices(packages, cum_weights=popularity)[0]
        flaw = _flaw(rng, f"F{flaw_number}", ecosystem, package)
        flaw_number += 1
        copies = rng.choices((1, 2, 3), weights=(0.55, 0.35, 0.10))[0]
        for copy in range(copies):
            report = _report(rng, flaw, copy, structured=rng.random() < 0.5)
            if copy == 0:
                yield report
                emitted += 1
            else:
                due = emitted + rng.randint(1, 2000)
                heapq.heappush(pending, (due, flaw_number * 10 + copy, report))


def truth_of(report_id: str) -> str:
    return report_id.rsplit("-r", 1)[0]


def run_one(size: int, seed: int) -> None:
    """Ingest one stream and print one result line (parsed by the parent process)."""
    reports = stream(size, seed)
    engine = DedupEngine()
    tail_start = size - size // 10
    # CPU time of this process: the engine is single-threaded, and wall time on a shared
    # machine measures the neighbours as much as the engine.
    started = time.process_time()
    tail_started = started
    auto = 0
    case_of: dict[str, CaseId] = {}
    for position, report in enumerate(reports):
        if position == tail_start:
            tail_started = time.process_time()
        outcome = engine.ingest(report)
        auto += outcome.match.band is Band.AUTO
        case_of[report.id] = outcome.case_id
    finished = time.process_time()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    precision, recall = _pairwise(case_of)
    print(
        f"{size} {size / (finished - started):.0f} "
        f"{(size - tail_start) / (finished - tail_started):.0f} {peak_kib / 1024:.0f} "
        f"{auto} {precision:.4f} {recall:.4f}"
    )


def _pairwise(case_of: dict[str, CaseId]) -> tuple[float, float]:
    from collections import Counter

    both = Counter((case, truth_of(report)) for report, case in case_of.items())
    cases = Counter(case_of.values())
    truths = Counter(truth_of(report) for report in case_of)

    def pairs(counts: Mapping[Any, int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    good = pairs(both)
    return good / max(1, pairs(cases)), good / max(1, pairs(truths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--single", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.single:
        run_one(args.single, args.seed)
        return 0
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    print(
        f"{'reports':>9} {'reports/s':>10} {'last 10%/s':>11} {'peak MiB':>9} "
        f"{'auto':>8} {'pair P':>7} {'pair R':>7}"
    )
    for size in sizes:
        result = subprocess.run(  # this very script, with our own arguments
            [sys.executable, __file__, "--single", str(size), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        n, rate, tail, peak, auto, precision, recall = result.stdout.split()
        print(
            f"{n:>9} {rate:>10} {tail:>11} {peak:>9} {auto:>8} {precision:>7} {recall:>7}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
