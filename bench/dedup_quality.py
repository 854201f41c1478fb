"""Score `akrites dedup cluster` output against a truth file.

    python bench/dedup_quality.py OUTPUT.jsonl [TRUTH.jsonl]

TRUTH.jsonl holds records with `id` and `truth` (the cluster key); by default the
development set `../shared/data/dedup-dev.jsonl` next to the repository. Prints pairwise
precision/recall/F1, the precision of auto-merge decisions alone, and B-cubed P/R/F1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRUTH = REPO_ROOT.parent / "shared" / "data" / "dedup-dev.jsonl"


@dataclass(frozen=True)
class Scores:
    records: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    auto_decisions: int
    auto_precision: float
    suggest_decisions: int
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _pairs(sizes: Mapping[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def score(rows: list[dict[str, object]], truth: dict[str, str]) -> Scores:
    ids = [str(row["id"]) for row in rows]
    missing = [i for i in ids if i not in truth]
    if missing:
        raise SystemExit(f"{len(missing)} output ids have no truth, e.g. {missing[0]}")
    case_of = {str(row["id"]): str(row["case"]) for row in rows}
    predicted = Counter(case_of.values())
    actual = Counter(truth[i] for i in ids)
    both = Counter((case_of[i], truth[i]) for i in ids)
    true_positive = _pairs(both)
    precision = true_positive / max(1, _pairs(predicted)) if _pairs(predicted) else 1.0
    recall = true_positive / max(1, _pairs(actual))

    # An auto decision is right when the case it joined already held the same flaw.
    seen_truths: dict[str, set[str]] = defaultdict(set)
    auto = auto_right = suggest = 0
    for row in rows:
        report, case = str(row["id"]), str(row["case"])
        if row.get("band") == "auto":
            auto += 1
            auto_right += truth[report] in seen_truths[case]
        elif row.get("band") == "suggest":
            suggest += 1
        seen_truths[case].add(truth[report])

    b_precision = sum(both[(case_of[i], truth[i])] / predicted[case_of[i]] for i in ids)
    b_recall = sum(both[(case_of[i], truth[i])] / actual[truth[i]] for i in ids)
    n = max(1, len(ids))
    return Scores(
        records=len(ids),
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        auto_decisions=auto,
        auto_precision=auto_right / auto if auto else 1.0,
        suggest_decisions=suggest,
        bcubed_precision=b_precision / n,
        bcubed_recall=b_recall / n,
        bcubed_f1=_f1(b_precision / n, b_recall / n),
    )


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="output of `akrites dedup cluster`")
    parser.add_argument("truth", type=Path, nargs="?", default=DEFAULT_TRUTH)
    args = parser.parse_args(argv)
    rows = _read_jsonl(args.output)
    truth = {str(r["id"]): str(r["truth"]) for r in _read_jsonl(args.truth) if "truth" in r}
    s = score(rows, truth)
    print(f"records                 {s.records}")
    print(
        f"pairwise                P {s.pairwise_precision:.4f}  R {s.pairwise_recall:.4f}"
        f"  F1 {s.pairwise_f1:.4f}"
    )
    print(f"auto-merge decisions    {s.auto_decisions}  precision {s.auto_precision:.4f}")
    print(f"suggestions             {s.suggest_decisions}")
    print(
        f"B-cubed                 P {s.bcubed_precision:.4f}  R {s.bcubed_recall:.4f}"
        f"  F1 {s.bcubed_f1:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
