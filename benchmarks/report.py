"""Table and plot of benchmark figures: merges the JSON files of ``benchmarks.run --json`` (later
files fill in or replace what earlier ones measured, size by size, run by run), prints the
markdown table of the README and draws wall time and memory against the number of sources.

    python -m benchmarks.report results-a.json results-b.json --plot benchmarks/scaling.png
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

from benchmarks.run import SizeResult, derived, print_table


def merge(files: list[Path]) -> tuple[list[SizeResult], dict | None, dict]:
    by_size: dict[tuple[int, int], dict] = {}
    cold, machine = None, {}
    for path in files:
        data = json.loads(path.read_text())
        cold = data.get("cold") or cold
        machine = data.get("machine") or machine
        for raw in data["raw"]:
            key = (raw["sources"], raw["hosts"])
            merged = by_size.setdefault(key, {})
            for name, value in raw.items():
                if value not in ({}, None, 0.0) or name not in merged:
                    merged[name] = value
    names = {f.name for f in fields(SizeResult)}
    results = [SizeResult(**{k: v for k, v in raw.items() if k in names})
               for _, raw in sorted(by_size.items())]
    return results, cold, machine


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["sources"] > 0]
    xs = [r["sources"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = [("wall", "citewatch verify (first run)", "o-"),
              ("second_wall", "citewatch verify (unchanged second run)", "s--"),
              ("direct_wall", "pipeline without Prefect", "^:"),
              ("wget_wall", "wget --warc-file (sequential)", "x-"),
              ("politeness_bound", "politeness bound", "."),
              ("cpu_bound", "CPU bound", "+")]
    for key, label, style in series:
        points = [(x, r[key]) for x, r in zip(xs, rows) if r.get(key) is not None and r[key] == r[key]]
        if points:
            left.plot(*zip(*points), style, label=label)
    left.set(xscale="log", yscale="log", xlabel="sources", ylabel="wall time (s)",
             title="Wall time against sources")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    for key, label, style in [("peak_rss_mb", "citewatch: peak RSS of the process tree", "o-"),
                              ("maxrss_mb", "citewatch: largest process (VmHWM)", "s--"),
                              ("wget_peak_rss_mb", "wget: peak RSS", "x-")]:
        points = [(x, r[key]) for x, r in zip(xs, rows) if r.get(key)]
        if points:
            right.plot(*zip(*points), style, label=label)
    right.set(xscale="log", xlabel="sources", ylabel="MB", title="Memory against sources")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Merge benchmark JSON files; print the table; plot.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--plot", type=Path, help="PNG to write")
    parser.add_argument("--json", type=Path, help="write the merged figures here")
    args = parser.parse_args(argv)
    results, cold, machine = merge(args.files)
    rows = derived(results)
    print(machine)
    print_table(rows, cold)
    if args.plot:
        plot(rows, args.plot)
        print(f"plot written to {args.plot}")
    if args.json:
        from dataclasses import asdict

        args.json.write_text(json.dumps({"machine": machine, "cold": cold, "rows": rows,
                                         "raw": [asdict(r) for r in results]}, indent=1))


if __name__ == "__main__":
    main()
