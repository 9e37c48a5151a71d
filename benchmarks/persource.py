"""CPU per source against the reference work a page needs (issue 16), first run and re-runs.

    .venv/bin/python -m benchmarks.persource                          # 1,000 sources / 50 hosts, 0.2 s
    .venv/bin/python -m benchmarks.persource --sources 2000 --hosts 50 --profile --json out.json

One size, on the benchmark web (:mod:`benchmarks.web`), each run a real ``citewatch verify`` in a
child process timed as in :mod:`benchmarks.run` (CPU of the process and the children it waited
for, plus the CPU the warm Prefect API server and the warm runner (which forks the run itself) spent
meanwhile, which run detached):

- **fixed cost**: a 1-source registry, verified four times (the first starts the warm API); the
  cheapest of the other three is what every marginal figure subtracts;
- **first run** on fresh folders;
- **re-run, validators**: the same pages, answered 304 to the conditional requests;
- **re-run, no validators**: the web now sends neither ETag nor Last-Modified and answers every
  request with the full page, byte for byte the same (most news sites);
- the **reference work** (:mod:`benchmarks.reference`): trafilatura's extraction of each page's
  main text + gzip of the answer as a WARC record, measured in this process on a sample;
- **verdicts**: the share of per-source verdicts that agree with the generated pages, and whether
  every verdict of each re-run equals the first run's.

CPU per source = (CPU of the run − CPU of the fixed-cost run) ÷ (sources − 1), printed beside the
reference work and as a multiple of it. Peak RSS is the largest sum of the RSS of the processes
doing the run (the command, the warm runner's fork that runs it, the fork's CPU workers), sampled
every 0.1 s; the largest process is the largest kernel high-water mark (``VmHWM``) among them; the
warm API server, shared by every run, is shown apart. With ``--profile`` the same three runs are repeated
without Prefect (:mod:`benchmarks.direct`) under py-spy (every process, idle threads left out, so
samples are CPU), and the samples are shared out by the innermost citewatch module on their stack
and the library below it: where the CPU beyond the reference work goes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from benchmarks.generate import generate, host_address
from benchmarks.reference import reference_work
from benchmarks.run import REPO, WebFarm, agreement, bench_env, citewatch_cmd, direct_cmd, measure, politeness_bound
from benchmarks.web import free_port

PY_SPY = Path(sys.executable).parent / "py-spy"
RUNS = (("first", "first run", True), ("rerun", "re-run, validators (304)", True),
        ("rerun-nv", "re-run, no validators (200, same bytes)", False))


def detached_cpu(env: dict) -> float:
    """CPU seconds spent so far by the detached processes of ``env``'s PREFECT_HOME (0 for those
    not running): the warm Prefect API server, and the warm runner with the runs it forked and
    reaped (``verify`` hands its run to the runner, so ``wait4`` on the command does not see it)."""
    total = 0.0
    for state in ("citewatch-api.json", "citewatch-runner.json"):
        try:
            pid = json.loads((Path(env["PREFECT_HOME"]) / state).read_text())["pid"]
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError, KeyError):
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    return total


def timed(name: str, cmd: list[str], env: dict, logs: Path) -> dict:
    before = detached_cpu(env)
    measured = measure(cmd, env, logs / f"{name}.log")
    time.sleep(1.0)  # the runner reaps the run it forked in its own loop
    if measured.returncode not in (0, 1):
        print(f"  ! {name} exited {measured.returncode}; see {logs / (name + '.log')}:\n{measured.log[-800:]}",
              file=sys.stderr)
    out = asdict(measured)
    out.pop("log")
    out["detached_cpu"] = max(0.0, detached_cpu(env) - before)
    return out


def verdicts(reports: Path) -> dict[tuple[str, str], str]:
    report = json.loads((reports / "bench" / "latest.json").read_text())
    return {(c["id"], s["url"]): s["verdict"] for c in report["claims"] for s in c["sources"]}


def fixed_cost(work: Path, env: dict) -> dict:
    """A 1-source registry verified four times; the cheapest of the last three is the warm fixed cost."""
    base = work / "fixed"
    made = generate(1, 1, free_port([host_address(0)]), base / "registry")
    farm = WebFarm(made.manifest, 0.1, json.loads(made.manifest.read_text())["port"])
    (base / "logs").mkdir(parents=True, exist_ok=True)
    try:
        cmd = citewatch_cmd(made.registry, base / "archive", base / "reports")
        timed("start", cmd, env, base / "logs")  # starts the warm API
        runs = [timed(f"fixed-{i}", cmd, env, base / "logs") for i in range(3)]
        return min(runs, key=lambda run: run["cpu"] + run["detached_cpu"])  # the least disturbed by others
    finally:
        farm.stop()


# --- profile: where the CPU goes -----------------------------------------------------------------

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
LIBRARIES = (("sqlalchemy", "SQLAlchemy"), ("sqlite3", "SQLAlchemy"), ("warcio", "warcio"),
             ("pydantic", "pydantic"), ("json/", "json"), ("urllib3", "requests/urllib3"),
             ("requests/", "requests/urllib3"), ("http/client", "requests/urllib3"),
             ("socket.py", "sockets"), ("ssl.py", "sockets"), ("lxml", "lxml"), ("trafilatura", "trafilatura"),
             ("htmldate", "trafilatura"), ("justext", "trafilatura"), ("charset_normalizer", "charset"),
             ("pickle", "pickle"), ("multiprocessing", "multiprocessing"), ("concurrent/futures", "futures"),
             ("gzip", "zlib"), ("hashlib", "hashlib"), ("jinja2", "jinja2"), ("markupsafe", "jinja2"),
             ("re/", "re"), ("importlib", "imports"), ("<frozen", "imports"))


def frame_module(frame: str) -> str | None:
    """``citewatch/fetch.py`` → ``citewatch.fetch`` (also ``flows.*``), else None."""
    match = _FRAME.match(frame.strip())
    path = match.group("file") if match else ""
    found = re.search(r"(?:^|/)((?:citewatch|flows)/[\w/]+)\.py$", path)
    return found.group(1).replace("/", ".") if found else None


def library_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for needle, name in LIBRARIES:
            if needle in frame:
                return name
    return "own code"


def classify(stack: list[str]) -> tuple[str, str]:
    """(innermost citewatch/flows module, library below it) of one sampled stack; importing
    modules is a fixed cost of its own ("imports")."""
    if any("importlib._bootstrap" in frame for frame in stack):
        return "imports", library_of(stack)
    for depth in range(len(stack) - 1, -1, -1):
        module = frame_module(stack[depth])
        if module:
            return module, library_of(stack[depth + 1:])
    if any("prefect" in frame for frame in stack):
        return "prefect", library_of(stack)
    return "other", library_of(stack)


def shares(raw: Path) -> Counter:
    """Samples per (module, library) of a py-spy ``--format raw`` file."""
    found: Counter = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        if frames:  # a sample with no Python frame (a process starting or ending) says nothing
            found[classify(frames)] += int(count)
    return found


def profiled(name: str, made, archive: Path, reports: Path, env: dict, logs: Path, rate: int) -> Counter:
    raw = logs / f"{name}.pyspy.txt"
    cmd = [str(PY_SPY), "record", "--subprocesses", "--gil", "--format", "raw", "--rate", str(rate),
           "--output", str(raw), "--"] + direct_cmd(made.registry, archive, reports)
    subprocess.run(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return shares(raw) if raw.exists() else Counter()


# --- the benchmark -------------------------------------------------------------------------------


def bench(sources: int, hosts: int, latency: float, work: Path, sample: int, profile: bool, rate: int) -> dict:
    env = bench_env(work)
    result: dict = {"sources": sources, "hosts": hosts, "latency": latency}
    print("fixed cost (1 source, warm API)…", flush=True)
    result["fixed"] = fixed_cost(work, env)
    base = work / f"s{sources}-h{hosts}"
    shutil.rmtree(base, ignore_errors=True)
    made = generate(sources, hosts, free_port([host_address(i) for i in range(min(hosts, sources))]),
                    base / "registry")
    manifest = json.loads(made.manifest.read_text())
    result["claims"] = made.claims
    result["politeness"] = politeness_bound(manifest, latency)
    print(f"reference work ({sources} sources, {made.claims} claims)…", flush=True)
    result["reference"] = reference_work(manifest, sample)
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    farm = WebFarm(made.manifest, latency, manifest["port"])
    first_verdicts = None
    try:
        archive, reports = base / "archive", base / "reports"
        for name, label, validators in RUNS:
            farm._get(f"/__farm/validators?on={int(validators)}")
            farm.reset()
            print(f"{label}…", flush=True)
            run = timed(name, citewatch_cmd(made.registry, archive, reports), env, logs)
            run["statuses"] = _statuses(farm.stats())
            run["agreement"] = agreement(manifest, reports)["share"]
            found = verdicts(reports)
            first_verdicts = first_verdicts or found
            run["same_verdicts_as_first"] = found == first_verdicts
            result[name] = run
        if profile:
            result["profile"] = {}
            direct_archive, direct_reports = base / "archive-direct", base / "reports-direct"
            for name, label, validators in RUNS:
                farm._get(f"/__farm/validators?on={int(validators)}")
                print(f"profile without Prefect: {label}…", flush=True)
                found = profiled(name, made, direct_archive, direct_reports, env, logs, rate)
                result["profile"][name] = {f"{m}|{lib}": n for (m, lib), n in found.most_common()}
    finally:
        farm.stop()
        subprocess.run([str(Path(sys.executable).parent / "citewatch"), "server", "stop"], env=env,
                       capture_output=True, timeout=60)
    return result


def _statuses(stats: dict) -> dict:
    found: Counter = Counter()
    for host in stats["hosts"].values():
        found.update(host["statuses"])
    return dict(found)


def per_source(result: dict, name: str) -> float:
    run, fixed = result[name], result["fixed"]
    spent = run["cpu"] + run["detached_cpu"] - fixed["cpu"] - fixed["detached_cpu"]
    return 1000 * spent / max(1, result["sources"] - 1)


def report(result: dict) -> str:
    ref = result["reference"]
    lines = [f"{result['sources']} sources / {result['hosts']} hosts, {result['claims']} claims, latency "
             f"{result['latency']} s; pages {ref['mean_page_kb']:.0f} KB on average",
             f"reference work: {ref['ms_per_source']:.1f} ms per source (trafilatura {ref['extract_ms']:.1f} + "
             f"WARC gzip {ref['gzip_ms']:.1f}; {ref['sampled']} sources measured)",
             f"politeness bound (busiest host, {result['politeness']['busiest_host_requests']} requests): "
             f"{result['politeness']['seconds']:.1f} s",
             f"fixed cost (1 source, warm API): {result['fixed']['wall']:.1f} s wall, "
             f"{result['fixed']['cpu'] + result['fixed']['detached_cpu']:.1f} s CPU", "",
             "| run | wall s | CPU s (detached: API server, runner) | CPU per source ms | × reference | peak RSS MB "
             "(run's processes) | largest process MB | API server MB | answers | verdicts as the pages say | "
             "same verdicts as the first run |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for name, label, _ in RUNS:
        run = result.get(name)
        if not run:
            continue
        ms = per_source(result, name)
        answers = ", ".join(f"{n} × {code}" for code, n in sorted(run["statuses"].items()))
        lines.append(f"| {label} | {run['wall']:.1f} | {run['cpu'] + run['detached_cpu']:.1f} ({run['detached_cpu']:.1f}) | "
                     f"{ms:.1f} | {ms / ref['ms_per_source']:.2f} | {run['tree_peak_mb']:.0f} | "
                     f"{run.get('largest_mb', 0):.0f} | {run.get('api_peak_mb', 0):.0f} | {answers} | "
                     f"{run['agreement']:.0%} | {'yes' if run['same_verdicts_as_first'] else 'NO'} |")
    first, fixed = result.get("first"), result["fixed"]["wall"]
    for name, label, _ in RUNS[1:]:
        rerun = result.get(name)
        if first and rerun:
            lines.append(f"\n{label}, marginal wall (fixed cost excluded): {rerun['wall'] - fixed:.1f} s against "
                         f"{first['wall'] - fixed:.1f} s: {(first['wall'] - fixed) / max(0.01, rerun['wall'] - fixed):.1f} × "
                         f"faster than the first run; {(rerun['wall'] - fixed) / result['politeness']['seconds']:.2f} × "
                         "the politeness bound")
    for name, label, _ in RUNS:
        found = (result.get("profile") or {}).get(name)
        if found:
            lines += ["", f"where the CPU goes without Prefect, {label} (py-spy samples, ms per source):", ""]
            lines += profile_table(found, result["sources"], result.get("rate", 100))
    return "\n".join(lines)


def profile_table(found: dict, sources: int, rate: int, top: int = 18) -> list[str]:
    total = sum(found.values())
    by_module: Counter = Counter()
    for key, n in found.items():
        by_module[key.split("|")[0]] += n
    lines = ["| module | ms per source | share | mostly in |", "|---|---:|---:|---|"]
    for module, n in by_module.most_common(top):
        libs = Counter({k.split("|")[1]: v for k, v in found.items() if k.split("|")[0] == module})
        mostly = ", ".join(f"{lib} {v / n:.0%}" for lib, v in libs.most_common(3))
        lines.append(f"| {module} | {1000 * n / rate / sources:.2f} | {n / total:.0%} | {mostly} |")
    lines.append(f"| all | {1000 * total / rate / sources:.2f} | 100% | |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="CPU per source against the reference work (see the module doc).")
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--sample", type=int, default=300, help="sources measured for the reference work")
    parser.add_argument("--profile", action="store_true", help="also profile the runs without Prefect (py-spy)")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="citewatch-persource-"))
    work.mkdir(parents=True, exist_ok=True)
    result = bench(args.sources, args.hosts, args.latency, work, args.sample, args.profile, args.rate)
    result["rate"] = args.rate
    print("\n" + report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
