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
from citewatch.memo import clear as clear_caches  # noqa: E402

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


def run_public(name: str, limit: int | None = None) -> dict:
    """One public set: every row checked once (its page read as for the first time), scored."""
    from benchmarks.public_sets import is_right, load_set

    rows = load_set(name, limit)
    confusion: Counter = Counter()
    timings: list[float] = []
    wrong_supported = []
    predictions = {}
    for row in rows:
        clear_caches()
        started = time.perf_counter()
        result = check_claim(row.claim, row.text, published=row.published)
        timings.append(time.perf_counter() - started)
        verdict = result.verdict.value
        predictions[row.id] = verdict
        confusion[(row.label, verdict)] += 1
        if verdict == "supported" and not is_right(row.label, verdict):
            wrong_supported.append({"id": row.id, "label": row.label, "claim": row.claim,
                                    "evidence": [e.text for e in result.evidence][:2]})
    correct = sum(n for (label, verdict), n in confusion.items() if is_right(label, verdict))
    said_supported = sum(n for (_, verdict), n in confusion.items() if verdict == "supported")
    contradicted = sum(n for (label, _), n in confusion.items() if label == "contradicted")
    ordered = sorted(timings)
    return {
        "set": name,
        "rows": len(rows),
        "correct": correct,
        "accuracy": correct / len(rows) if rows else None,
        "supported_answers": said_supported,
        "wrong_supported": len(wrong_supported),
        "wrong_supported_share": len(wrong_supported) / said_supported if said_supported else 0.0,
        "contradicted_called_supported": confusion[("contradicted", "supported")],
        "contradicted_called_supported_share": (
            confusion[("contradicted", "supported")] / contradicted if contradicted else None),
        "confusion": {f"{label}->{verdict}": n for (label, verdict), n in sorted(confusion.items())},
        "time_per_check_ms": {
            "median": 1000 * statistics.median(ordered),
            "p95": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
            "max": 1000 * ordered[-1],
        },
        "wrong_supported_rows": wrong_supported,
        "predictions": predictions,
    }


def print_public(summary: dict, show_wrong: int) -> None:
    share = summary["contradicted_called_supported_share"]
    print(f"== {summary['set']}: {summary['rows']} rows   accuracy {_pct(summary['accuracy'])} "
          f"({summary['correct']}/{summary['rows']})   wrong 'supported' {summary['wrong_supported']} of "
          f"{summary['supported_answers']} ({_pct(summary['wrong_supported_share'])})   "
          f"contradicted called supported {summary['contradicted_called_supported']} ({_pct(share)})")
    labels = sorted({key.split("->")[0] for key in summary["confusion"]})
    print(f"   {'label / verdict':22}" + "".join(f"{v[:12]:>13}" for v in VERDICTS))
    for label in labels:
        print(f"   {label:22}" + "".join(f"{summary['confusion'].get(f'{label}->{v}', 0):>13}" for v in VERDICTS))
    timing = summary["time_per_check_ms"]
    print(f"   time per check: median {timing['median']:.1f} ms, 95th percentile {timing['p95']:.1f} ms, "
          f"max {timing['max']:.1f} ms")
    for row in summary["wrong_supported_rows"][:show_wrong]:
        print(f"   wrong supported [{row['label']}] {row['id']}: {row['claim'][:160]}")
        for passage in row["evidence"]:
            print(f"        | {passage[:200]}")


def main(argv: list[str] | None = None) -> int:
    from benchmarks.public_sets import SETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=("labelled", *SETS), dest="sets",
                        help="a set to score (repeatable); default: the labelled cases and every public set")
    parser.add_argument("--limit", type=int, help="only the first N rows of each public set")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the labelled cases (the best is kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--show-misses", action="store_true", help="list the labelled cases with another verdict")
    parser.add_argument("--show-wrong", type=int, default=5, metavar="N",
                        help="print up to N wrong 'supported' answers per public set (default 5)")
    args = parser.parse_args(argv)
    sets = args.sets or ["labelled", *SETS]
    figures: dict = {}
    if "labelled" in sets:
        summary = run(max(1, args.rounds))
        print("== labelled cases (tests/check_cases)")
        print_summary(summary, args.show_misses)
        figures = dict(summary)
    public = [run_public(name, args.limit) for name in sets if name != "labelled"]
    for summary in public:
        print_public(summary, args.show_wrong)
    if public:
        figures["public"] = {summary["set"]: summary for summary in public}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
