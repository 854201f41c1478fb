"""``akrites submit``: a command-line client of the intake API.

Sends our JSON / JSON Lines, OSV or SARIF files to ``/api/v1/reports/bulk`` in batches. Each
batch carries an Idempotency-Key derived from the file's content and the batch number, so
running the same command again after a failure never files a report twice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

MAX_ATTEMPTS = 5


def _batches(path: Path, data: bytes, size: int) -> Iterator[tuple[bytes, str]]:
    if path.suffix in (".jsonl", ".ndjson"):
        lines = [line for line in data.splitlines() if line.strip()]
        for start in range(0, len(lines), size):
            yield b"\n".join(lines[start : start + size]) + b"\n", "application/x-ndjson"
        return
    yield data, "application/json"


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            if attempt == MAX_ATTEMPTS:
                raise
            wait = min(2**attempt, 30)
            print(f"connection problem ({exc}); retrying in {wait} s", file=sys.stderr)
            time.sleep(wait)
            continue
        if response.status_code in (429, 502, 503, 504) and attempt < MAX_ATTEMPTS:
            wait = int(response.headers.get("Retry-After", "0") or 0) or min(2**attempt, 30)
            print(f"server answered {response.status_code}; retrying in {wait} s", file=sys.stderr)
            time.sleep(min(wait, 120))
            continue
        return response
    raise RuntimeError("unreachable")


def _print_results(body: dict[str, Any]) -> tuple[int, int]:
    for item in body.get("results", []):
        where = item.get("tracking_id") or f"item {item.get('index')}"
        print(f"{where}\t{item.get('status')}\t{item.get('message')}")
        for error in item.get("errors", []) if item.get("status") == "rejected" else []:
            print(f"\t{error.get('field')}: {error.get('message')}")
    return int(body.get("accepted", 0)), int(body.get("rejected", 0))


def submit_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="akrites submit",
        description="Submit reports (Akrites JSON / JSON Lines, OSV, SARIF 2.1.0) to a server.",
    )
    parser.add_argument("file", help="the file to submit")
    parser.add_argument(
        "--server",
        default=os.environ.get("AKRITES_SERVER", "http://127.0.0.1:8000"),
        help="server URL (default $AKRITES_SERVER or http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("AKRITES_TOKEN"),
        help="API token (default $AKRITES_TOKEN)",
    )
    parser.add_argument("--format", default="auto", choices=["auto", "akrites", "osv", "sarif"])
    parser.add_argument("--purl", help="package URL the SARIF results are about")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=1000,
        help="reports per request for JSON Lines (default 1000)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        print("error: no token: pass --token or set AKRITES_TOKEN", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    digest = hashlib.sha256(data).hexdigest()[:32]
    params = {"format": args.format, **({"purl": args.purl} if args.purl else {})}
    url = f"{args.server.rstrip('/')}/api/v1/reports/bulk"
    accepted = rejected = 0
    with httpx.Client(timeout=300, params=params) as client:
        for number, (body, content_type) in enumerate(_batches(path, data, args.batch_size)):
            headers = {
                "Authorization": f"Bearer {args.token}",
                "Content-Type": content_type,
                "Idempotency-Key": f"file-{digest}-{number}",
            }
            try:
                response = _post(client, url, body, headers)
            except httpx.TransportError as exc:
                print(f"error: cannot reach {args.server}: {exc}", file=sys.stderr)
                return 2
            try:
                answer = response.json()
            except json.JSONDecodeError:
                print(
                    f"error: the server answered {response.status_code} without JSON",
                    file=sys.stderr,
                )
                return 2
            if response.status_code != 200:
                where = f" ({answer.get('field')})" if answer.get("field") else ""
                print(
                    f"error: {answer.get('code')}{where}: {answer.get('message')}", file=sys.stderr
                )
                for error in answer.get("errors", [])[1:]:
                    print(f"\t{error.get('field')}: {error.get('message')}", file=sys.stderr)
                return 2
            ok, bad = _print_results(answer)
            accepted += ok
            rejected += bad
    print(f"{accepted} accepted, {rejected} rejected")
    return 0 if rejected == 0 else 1
