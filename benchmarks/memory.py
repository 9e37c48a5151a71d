"""Peak memory of ``citewatch verify`` against the number of claims (issues 15 and 16).

    .venv/bin/python -m benchmarks.memory                                  # 10,000, 30,000, 100,000 claims
    .venv/bin/python -m benchmarks.memory --claims 2000,20000 --urls 200 --json out.json

For each size it writes a registry of that many claims citing the same ``--urls`` pages of the
benchmark web (:mod:`benchmarks.generate`, :mod:`benchmarks.web`): the generated claims again and
again, each copy with its own id, with a document that holds them all. Copies of a claim share its
words, so its check is made once and reused (every claim still has its own results, history rows
and report entries); with ``--own-words`` every copy has its own words and is checked on its own,
as in a real document (slower: 100,000 checks). Then it runs ``citewatch verify`` twice
(first run, then an unchanged re-run, which also loads the previous run to compare) and prints the
peak of the summed RSS of the process tree (sampled every 0.1 s; Prefect's warm API server runs
detached and is not in it), the largest single process, and the growth per 1,000 claims between
sizes: memory that grows linearly shows the same growth between every two sizes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import generate, host_address
from benchmarks.run import WebFarm, bench_env, citewatch_cmd, measure
from benchmarks.web import free_port


def write_registry(base_registry: Path, claims: int, out: Path, own_words: bool = False) -> Path:
    """``claims`` claims made of the generated ones, each copy with its own id (and, with
    ``own_words``, its own words, so that it is checked on its own)."""
    from citewatch.registry import load_registry

    generated = load_registry(base_registry).registry.claims
    texts, entries = [], []
    for k in range(claims):
        claim = generated[k % len(generated)]
        text = f"{claim.text} (item {k})" if own_words or k < len(generated) else claim.text
        texts.append(text)
        entries.append({"id": f"{claim.id}-{k}", "text": text, "section": claim.section,
                        "facts": [f.model_dump(mode="json", exclude_none=True) for f in claim.facts or []],
                        "sources": [{"url": s.url} for s in claim.sources]})
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.txt").write_text("Memory benchmark\n\n" + "\n".join(dict.fromkeys(texts)) + "\n", encoding="utf-8")
    registry = out / "bench.yaml"
    with open(registry, "w", encoding="utf-8") as handle:  # block YAML, one line per field, as people write it
        handle.write('document:\n  id: bench\n  title: "Memory benchmark"\n  text: bench.txt\nclaims:\n')
        for entry in entries:
            handle.write(f"  - id: {entry['id']}\n    text: {json.dumps(entry['text'])}\n"
                         f"    section: {json.dumps(entry['section'])}\n    facts:\n")
            handle.writelines(f"      - {json.dumps(fact)}\n" for fact in entry["facts"])
            handle.write("    sources:\n")
            handle.writelines(f"      - url: {source['url']}\n" for source in entry["sources"])
    return registry


def bench(sizes: list[int], urls: int, hosts: int, latency: float, work: Path, own_words: bool = False) -> list[dict]:
    env = bench_env(work)
    # the run in the command's own process: through the warm runner it would run in a forked copy
    # outside the measured process tree
    env["CITEWATCH_WARM_RUNNER"] = "off"
    made = generate(urls, hosts, free_port([host_address(i) for i in range(min(hosts, urls))]), work / "web")
    farm = WebFarm(made.manifest, latency, json.loads(made.manifest.read_text())["port"])
    rows = []
    try:
        warm = write_registry(made.registry, 1, work / "warm-up")  # starts the warm API outside the figures
        measure(citewatch_cmd(warm, work / "warm-up" / "archive", work / "warm-up" / "reports"), env,
                work / "warm-up" / "verify.log")
        for claims in sizes:
            base = work / f"c{claims}"
            shutil.rmtree(base, ignore_errors=True)
            registry = write_registry(made.registry, claims, base / "registry", own_words)
            (base / "logs").mkdir(parents=True, exist_ok=True)
            row = {"claims": claims, "urls": urls}
            for name in ("first", "second"):
                print(f"{claims:,} claims: {name} run…", flush=True)
                measured = measure(citewatch_cmd(registry, base / "archive", base / "reports"), env,
                                   base / "logs" / f"{name}.log")
                if measured.returncode not in (0, 1):
                    print(f"  ! exited {measured.returncode}:\n{measured.log[-800:]}", file=sys.stderr)
                row[name] = {"wall": measured.wall, "cpu": measured.cpu, "peak_mb": measured.tree_peak_mb,
                             "largest_process_mb": measured.largest_mb, "returncode": measured.returncode}
            rows.append(row)
    finally:
        farm.stop()
        subprocess.run([str(Path(sys.executable).parent / "citewatch"), "server", "stop"], env=env,
                       capture_output=True, timeout=60)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| claims | run | wall s | CPU s | peak RSS MB | largest process MB | growth MB per 1,000 claims |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    previous: dict[str, dict] = {}
    for row in rows:
        for name in ("first", "second"):
            run = row[name]
            before = previous.get(name)
            growth = ((run["peak_mb"] - before["peak_mb"]) / ((row["claims"] - before["claims"]) / 1000)
                      if before else None)
            lines.append(f"| {row['claims']:,} | {name} | {run['wall']:.1f} | {run['cpu']:.1f} | {run['peak_mb']:.0f} | "
                         f"{run['largest_process_mb']:.0f} | {'–' if growth is None else f'{growth:.1f}'} |")
            previous[name] = {**run, "claims": row["claims"]}
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Peak memory of verify against the number of claims.")
    parser.add_argument("--claims", default="10000,30000,100000", help="sizes, comma-separated")
    parser.add_argument("--urls", type=int, default=500, help="distinct pages the claims cite")
    parser.add_argument("--hosts", type=int, default=25)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--own-words", action="store_true",
                        help="every claim with its own words, so every one is checked (slow at 100,000)")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="citewatch-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = bench([int(c) for c in args.claims.split(",")], args.urls, args.hosts, args.latency, work, args.own_words)
    print("\n" + table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
