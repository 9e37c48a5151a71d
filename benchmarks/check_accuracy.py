"""Accuracy of ``check_claim`` on the labelled set, per-verdict precision and recall, time per check.

    .venv/bin/python -m benchmarks.check_accuracy              # the whole set, 3 timed rounds
    .venv/bin/python -m benchmarks.check_accuracy --rounds 10 --json out.json
    .venv/bin/python -m benchmarks.check_accuracy --show-misses

The set is ``tests/check_cases/*.yaml`` (claims, source texts, the verdict a careful fact-checker
gives). Cases marked ``xfail`` count like any other: the figures are the checker's, not the
test suite's. Time is wall time of ``check_claim`` alone, in this process (text extraction and
fetching are not included), reported for all cases and for the long pages (100 KB+) apart; the
page caches are cleared before each check, so every page is read as for the first time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from pydantic import TypeAdapter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from check_cases.load import load_cases  # noqa: E402

from citewatch.check import check_claim  # noqa: E402
from citewatch.models import Fact  # noqa: E402
from citewatch.passages import clear_caches  # noqa: E402

VERDICTS = ("supported", "partially_supported", "contradicted", "not_found")
FACTS = TypeAdapter(list[Fact])


def run(rounds: int) -> dict:
    cases = load_cases()
    predictions: dict[str, str] = {}
    timings: dict[str, list[float]] = {case.id: [] for case in cases}
    for _ in range(rounds):
        for case in cases:
            facts = FACTS.validate_python(case.facts) if case.facts else None
            clear_caches()  # each check reads its page for the first time, as in a run
            started = time.perf_counter()
            result = check_claim(case.claim, case.text, facts=facts, published=case.published, subject=case.subject)
            timings[case.id].append(time.perf_counter() - started)
            predictions[case.id] = result.verdict.value
    return summarise(cases, predictions, timings)


def summarise(cases, predictions: dict[str, str], timings: dict[str, list[float]]) -> dict:
    confusion = Counter((case.expected, predictions[case.id]) for case in cases)
    per_verdict = {}
    for verdict in VERDICTS:
        true_positive = confusion[(verdict, verdict)]
        predicted = sum(n for (_, got), n in confusion.items() if got == verdict)
        actual = sum(n for (want, _), n in confusion.items() if want == verdict)
        per_verdict[verdict] = {
            "precision": true_positive / predicted if predicted else None,
            "recall": true_positive / actual if actual else None,
            "predicted": predicted,
            "actual": actual,
        }
    per_case = [min(timings[case.id]) for case in cases]
    long_cases = [min(timings[case.id]) for case in cases if len(case.text) >= 100_000]
    correct = sum(1 for case in cases if predictions[case.id] == case.expected)
    return {
        "cases": len(cases),
        "correct": correct,
        "accuracy": correct / len(cases),
        "per_verdict": per_verdict,
        "confusion": {f"{want}->{got}": n for (want, got), n in sorted(confusion.items())},
        "wrong_supported": sum(n for (want, got), n in confusion.items() if got == "supported" and want != got),
        "time_per_check_ms": {
            "mean": 1000 * statistics.mean(per_case),
            "median": 1000 * statistics.median(per_case),
            "max": 1000 * max(per_case),
            "long_pages_mean": 1000 * statistics.mean(long_cases) if long_cases else None,
            "long_pages": len(long_cases),
        },
        "misses": [
            {"id": case.id, "file": case.file, "expected": case.expected, "got": predictions[case.id]}
            for case in cases
            if predictions[case.id] != case.expected
        ],
    }


def _pct(value: float | None) -> str:
    return "  —  " if value is None else f"{100 * value:5.1f}%"


def print_summary(summary: dict, show_misses: bool) -> None:
    print(f"cases: {summary['cases']}   accuracy: {_pct(summary['accuracy'])} "
          f"({summary['correct']}/{summary['cases']})   wrong 'supported': {summary['wrong_supported']}")
    print(f"{'verdict':22} {'precision':>9} {'recall':>8} {'predicted':>9} {'actual':>7}")
    for verdict, row in summary["per_verdict"].items():
        print(f"{verdict:22} {_pct(row['precision']):>9} {_pct(row['recall']):>8} "
              f"{row['predicted']:>9} {row['actual']:>7}")
    timing = summary["time_per_check_ms"]
    print(f"time per check: mean {timing['mean']:.1f} ms, median {timing['median']:.1f} ms, "
          f"max {timing['max']:.1f} ms; long pages (100 KB+, {timing['long_pages']}): "
          f"mean {timing['long_pages_mean']:.1f} ms")
    if show_misses and summary["misses"]:
        print("misses:")
        for miss in summary["misses"]:
            print(f"  {miss['file']}:{miss['id']}: expected {miss['expected']}, got {miss['got']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the set (the best is kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--show-misses", action="store_true", help="list the cases with another verdict")
    args = parser.parse_args(argv)
    summary = run(max(1, args.rounds))
    print_summary(summary, args.show_misses)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
