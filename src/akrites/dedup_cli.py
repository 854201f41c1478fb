"""`akrites dedup cluster`: run the deduplication engine alone over a JSONL file.

Records are read in file order and matched online (each only against earlier ones), as a
live intake would; any `truth` field is ignored. One output line per record:
`{"id": ..., "case": ..., "score": ..., "band": ...}`. A new case is named after the report
that opened it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from akrites.domain.dedup import DedupEngine, report_from_record
from akrites.domain.errors import InvalidInput


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="akrites dedup",
        description="Deduplicate vulnerability reports with the engine alone (no server).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cluster = commands.add_parser(
        "cluster",
        help="cluster the records of a JSONL file online, in file order",
        description=(
            "Read OSV-like records (one JSON object per line), match each against the "
            "earlier ones, and write one line per record: id, case, score, band."
        ),
    )
    cluster.add_argument("input", type=Path, help="input JSONL file")
    cluster.add_argument(
        "-o", "--output", type=Path, default=None, help="output JSONL file (default: stdout)"
    )
    return parser


def cluster_main(argv: list[str] | None = None) -> int:
    """Entry point of `akrites dedup cluster INPUT.jsonl [-o OUTPUT.jsonl]`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "cluster":  # accept the arguments with or without the verb
        args = ["cluster", *args]
    return main(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    input_path: Path = args.input
    if not input_path.is_file():
        print(f"akrites dedup cluster: no such file: {input_path}", file=sys.stderr)
        return 2
    try:
        if args.output is None:
            _cluster(input_path, sys.stdout)
        else:
            with args.output.open("w", encoding="utf-8") as out:
                _cluster(input_path, out)
    except InvalidInput as error:
        print(f"akrites dedup cluster: {error.message}", file=sys.stderr)
        return 1
    return 0


def _cluster(input_path: Path, out: IO[str]) -> None:
    engine = DedupEngine()
    for line_number, record in _records(input_path):
        try:
            report = report_from_record(record)
        except InvalidInput as error:
            where = f" (field {error.field})" if error.field else ""
            raise InvalidInput(f"{input_path}:{line_number}: {error.message}{where}") from error
        outcome = engine.ingest(report)
        row = {
            "id": report.id,
            "case": outcome.case_id,
            "score": outcome.match.score,
            "band": outcome.match.band.value,
        }
        out.write(json.dumps(row) + "\n")


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidInput(f"{path}:{line_number}: not JSON: {error.msg}") from error
            if not isinstance(record, dict):
                raise InvalidInput(f"{path}:{line_number}: each line must be a JSON object")
            yield line_number, record


if __name__ == "__main__":
    raise SystemExit(main())
