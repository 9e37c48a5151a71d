"""Time ``citewatch verify`` on the benchmark web, beside its lower bounds and beside wget.

    .venv/bin/python -m benchmarks.run                      # 1, 200/20, 2,000/50, 10,000/500
    .venv/bin/python -m benchmarks.run --quick              # 1 and 200/20
    .venv/bin/python -m benchmarks.run --sizes 1:1,2000:50 --latency 0.1 --json out.json

For each size (sources:hosts) it generates a registry and its web (:mod:`benchmarks.generate`),
serves it from one process (:mod:`benchmarks.web`) and measures, each in a fresh child process
timed with ``os.wait4`` (wall, CPU user+sys of the child and the children it waited for,
``ru_maxrss``) while a sampler sums the RSS of the processes doing the run every 0.1 s: the
command's process tree **and** what the warm runner forked meanwhile (since the warm runner, a
``verify`` hands its run to a fork of that detached process, outside the command's tree), each
process's own high-water mark (``VmHWM``) kept as the largest single process; the warm Prefect API
server (shared by every run, detached) is sampled apart:

- ``citewatch verify`` (the real CLI, Prefect's ephemeral API) on fresh archive/reports folders;
- the same again on unchanged pages (conditional requests, reuse of extracted text);
- ``benchmarks.direct``: the same pipeline without Prefect, on fresh folders, to price the
  orchestration: marginal orchestration = (CLI − direct at N) − (CLI − direct at 1 source);
- ``wget --warc-file`` on the same URL list (sequential, no politeness of its own).

And the two lower bounds of a run: the *politeness bound* (busiest host: Σ answer delays of its
requests ÷ requests allowed in flight per host, + (requests − 1) × per-host delay; robots.txt and
redirect hops count as requests) with citewatch's default Settings, and the *CPU bound* (CPU time
of ``extract_text`` + ``check_claim`` for every readable page, measured in this process on a
sample of pages and scaled, ÷ cores). The fan-out bound (all requests ÷ max_parallel_hosts ×
per_host_concurrency) is printed too, since the default settings cap the hosts in parallel.

Prefect's home (``PREFECT_HOME``) is one temporary folder reused by every run of an invocation:
the very first run pays the creation of Prefect's database (printed as the cold fixed cost),
later runs find it ready (the warm fixed cost, used for the marginal figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

from benchmarks.generate import generate, host_address
from benchmarks.web import free_port

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = "1:1,200:20,2000:50,10000:500"
QUICK_SIZES = "1:1,200:20"
WGET = "/usr/bin/wget"
RUNS = ("cpu", "first", "second", "direct", "wget")


# --- measuring a child process ---------------------------------------------------------------


@dataclass
class Measured:
    wall: float
    cpu: float  # user + sys of the child and the descendants it waited for
    maxrss_mb: float  # largest single process the command waited for (ru_maxrss)
    tree_peak_mb: float  # largest sum of RSS over the processes doing the run, sampled every 0.1 s
    returncode: int
    log: str = ""
    largest_mb: float = 0.0  # largest VmHWM (peak RSS) of any single process doing the run
    api_peak_mb: float = 0.0  # the warm Prefect API server's RSS at its largest during the run
    processes: int = 0  # processes seen doing the run (command, runner's forks, their workers)


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except OSError:
            continue
    return found


def _status_mb(pid: int, field_name: str) -> float:
    """A ``VmRSS``/``VmHWM`` line of /proc/PID/status in MB (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def _rss_mb(pid: int) -> float:
    return _status_mb(pid, "VmRSS")


def detached_pids(env: dict[str, str]) -> dict[str, int]:
    """The warm runner's and the warm API server's pids in ``env``'s PREFECT_HOME (those running)."""
    found = {}
    for name, state in (("runner", "citewatch-runner.json"), ("api", "citewatch-api.json")):
        try:
            pid = int(json.loads((Path(env["PREFECT_HOME"]) / state).read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if os.path.exists(f"/proc/{pid}"):
            found[name] = pid
    return found


def run_processes(command: int, env: dict[str, str]) -> list[int]:
    """The processes doing a run now: the command's tree, and the warm runner's forks with their
    own children (the runner itself, idle between runs, is not one of them)."""
    found = _tree(command)
    runner = detached_pids(env).get("runner") if "PREFECT_HOME" in env else None
    if runner is not None and runner not in found:
        found += [pid for pid in _tree(runner) if pid != runner]
    return found


def measure(cmd: list[str], env: dict[str, str], log_path: Path, cwd: Path = REPO) -> Measured:
    peak, largest, api_peak, seen = [0.0], {}, [0.0], set()
    done = threading.Event()
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)

        def sample() -> None:
            while not done.wait(0.1):
                pids = run_processes(proc.pid, env)
                seen.update(pids)
                peak[0] = max(peak[0], sum(_rss_mb(p) for p in pids))
                for pid in pids:  # the kernel's own high-water mark: exact, not sampled
                    largest[pid] = max(largest.get(pid, 0.0), _status_mb(pid, "VmHWM"))
                api = detached_pids(env).get("api") if "PREFECT_HOME" in env else None
                if api is not None:
                    api_peak[0] = max(api_peak[0], _rss_mb(api))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    text = log_path.read_text(errors="replace")
    maxrss = usage.ru_maxrss / 1024
    return Measured(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss_mb=maxrss,
                    tree_peak_mb=peak[0], returncode=proc.returncode, log=text[-1500:],
                    largest_mb=max([maxrss, *largest.values()]), api_peak_mb=api_peak[0], processes=len(seen))


# --- the benchmark web -----------------------------------------------------------------------


class WebFarm:
    """The web farm as a child process (so its CPU is not counted as citewatch's)."""

    def __init__(self, manifest: Path, latency: float, port: int):
        self.port = port
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.web", "--manifest",
                                      str(manifest), "--latency", str(latency)], cwd=REPO,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.stop()
            raise RuntimeError(f"the web farm did not start (said {line!r})")

    def _get(self, path: str) -> dict:
        with urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as answer:
            return json.load(answer)

    def reset(self) -> None:
        self._get("/__farm/reset")

    def stats(self) -> dict:
        return self._get("/__farm/stats")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(timeout=10)


def served(farm: WebFarm) -> dict:
    stats = farm.stats()
    hosts = stats["hosts"].values()
    statuses: dict[str, int] = {}
    for host in hosts:
        for code, count in host["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    return {"requests": stats["requests"], "busiest_host_requests": max(h["requests"] for h in hosts),
            "max_in_flight_per_host": max(h["max_in_flight"] for h in hosts), "statuses": statuses}


# --- lower bounds ----------------------------------------------------------------------------


def _spec_of(manifest: dict, url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.hostname, manifest["pages"][parts.hostname][parts.path]


def politeness_bound(manifest: dict, latency: float) -> dict:
    """Busiest host's minimum time, and the fan-out bound, with citewatch's default Settings."""
    from citewatch.config import Settings

    defaults = {name: Settings.model_fields[name].default
                for name in ("per_host_concurrency", "per_host_delay", "max_parallel_hosts")}
    per_host: dict[str, list[float]] = {h: [latency] for h in manifest["hosts"]}  # robots.txt
    for url in manifest["urls"]:
        host, spec = _spec_of(manifest, url)
        if spec["kind"] == "redirect":
            per_host[host].append(latency)
            spec = manifest["pages"][host][spec["target"]]
        per_host[host].append(latency + spec.get("delay", 0.0))
    concurrency, delay = defaults["per_host_concurrency"], defaults["per_host_delay"]
    host_bounds = {h: sum(d) / concurrency + (len(d) - 1) * delay for h, d in per_host.items()}
    busiest = max(host_bounds, key=host_bounds.get)
    all_requests = sum(sum(d) for d in per_host.values())
    fan_out = all_requests / (concurrency * defaults["max_parallel_hosts"])
    return {"seconds": host_bounds[busiest], "busiest_host": busiest,
            "busiest_host_requests": len(per_host[busiest]),
            "planned_requests": sum(len(d) for d in per_host.values()),
            "fan_out_seconds": max(fan_out, host_bounds[busiest]), "settings": defaults}


def cpu_bound(manifest: dict, registry_path: Path, sample: int, seed: int = 1) -> dict:
    """CPU time of extraction + checking of every readable page, measured on a sample."""
    from benchmarks.pages import render_page
    from citewatch.check import check_claim
    from citewatch.registry import load_registry
    from citewatch.textextract import extract_text

    citing: dict[str, list] = {}
    for claim in load_registry(registry_path).registry.claims:
        for source in claim.sources:
            citing.setdefault(source.url, []).append(claim)
    readable = []
    for url in manifest["urls"]:
        host, spec = _spec_of(manifest, url)
        if spec["kind"] == "redirect":
            spec = manifest["pages"][host][spec["target"]]
        if spec["kind"] != "gone":
            readable.append((url, spec))
    chosen = readable if len(readable) <= sample else random.Random(seed).sample(readable, sample)
    extract_s = check_s = 0.0
    checks = 0
    for url, spec in chosen:
        body, content_type = render_page(spec)
        started = time.process_time()
        extracted = extract_text(body, content_type, url)
        middle = time.process_time()
        for claim in citing[url]:
            check_claim(claim.text, extracted.text, claim.facts, published=extracted.published)
            checks += 1
        check_s += time.process_time() - middle
        extract_s += middle - started
    scale = len(readable) / max(1, len(chosen))
    cores = os.cpu_count() or 1
    total = (extract_s + check_s) * scale
    return {"seconds": total / cores, "cpu_seconds": total, "cores": cores,
            "pages": len(readable), "sampled": len(chosen),
            "extract_ms_per_page": 1000 * extract_s / max(1, len(chosen)),
            "check_ms_per_check": 1000 * check_s / max(1, checks)}


# --- one size ---------------------------------------------------------------------------------


def bench_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWATCH_", "PREFECT_"))}
    env.update({
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_HOME": str(work / "prefect-home"),  # shared by every run of this invocation
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(work / "prefect-results"),
        "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1",
        "CITEWATCH_WAYBACK_URL": "off",
        "CITEWATCH_REGISTRY_CACHE": str(work / "registry-cache"),  # not the user's ~/.cache
        "PYTHONPATH": str(REPO),
    })
    return env


def citewatch_cmd(registry: Path, archive: Path, reports: Path) -> list[str]:
    return [str(Path(sys.executable).parent / "citewatch"), "verify", str(registry),
            "--archive-dir", str(archive), "--reports-dir", str(reports)]


def direct_cmd(registry: Path, archive: Path, reports: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.direct", str(registry), str(archive), str(reports)]


def wget_cmd(urls: Path, out: Path) -> list[str]:
    # Fair set-up: the URL list, no recursion, citewatch's read timeout and retries; files are
    # deleted after download, the WARC is what counts. wget fetches one URL after the other and
    # reads robots.txt only when recursive.
    return [WGET, "--input-file", str(urls), "--warc-file", str(out / "wget"), "--no-verbose",
            "--tries=4", "--timeout=30", "--directory-prefix", str(out / "files"),
            "--no-directories", "--delete-after"]


def warc_summary(path: Path) -> dict:
    """Response records and size of a WARC file, read back with warcio."""
    from warcio.archiveiterator import ArchiveIterator

    if not path.exists():
        return {"warc_responses": 0, "warc_mb": 0.0}
    with open(path, "rb") as handle:
        responses = sum(record.rec_type == "response" for record in ArchiveIterator(handle))
    return {"warc_responses": responses, "warc_mb": path.stat().st_size / 2**20}


def agreement(manifest: dict, reports: Path) -> dict:
    """How many per-source verdicts of the report match what the generated pages say."""
    try:
        report = json.loads((reports / "bench" / "latest.json").read_text())
    except (OSError, ValueError):
        return {"matched": 0, "sources": 0, "share": None}
    pairs = [(s["url"], s["verdict"]) for c in report["claims"] for s in c["sources"]]
    matched = sum(manifest["expected"].get(url) == verdict for url, verdict in pairs)
    return {"matched": matched, "sources": len(pairs), "share": matched / max(1, len(pairs))}


@dataclass
class SizeResult:
    sources: int
    hosts: int
    claims: int
    first: dict = field(default_factory=dict)
    second: dict = field(default_factory=dict)
    direct: dict = field(default_factory=dict)
    wget: dict = field(default_factory=dict)
    politeness: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)
    served_first: dict = field(default_factory=dict)
    served_second: dict = field(default_factory=dict)
    farm_cpu_first: float = 0.0
    agreement: dict = field(default_factory=dict)


def _timed(name: str, cmd: list[str], env: dict, logs: Path, farm: WebFarm) -> tuple[dict, dict, float]:
    farm.reset()
    farm_cpu = farm.cpu_seconds()
    measured = measure(cmd, env, logs / f"{name}.log")
    farm_cpu = farm.cpu_seconds() - farm_cpu
    if measured.returncode not in (0, 1, 8):  # verify: 1 = --fail-on; wget: 8 = some 404s
        print(f"  ! {name} exited {measured.returncode}; see {logs / (name + '.log')}:\n"
              f"{measured.log[-800:]}", file=sys.stderr)
    out = asdict(measured)
    out.pop("log")
    return out, served(farm), farm_cpu


def bench_size(sources: int, hosts: int, work: Path, latency: float, cpu_sample: int,
               runs: set[str], env: dict) -> SizeResult:
    base = work / f"s{sources}-h{hosts}"
    shutil.rmtree(base, ignore_errors=True)
    host_names = [host_address(i) for i in range(min(hosts, sources))]
    made = generate(sources, hosts, free_port(host_names), base / "registry")
    manifest = json.loads(made.manifest.read_text())
    result = SizeResult(made.sources, made.hosts, made.claims)
    result.politeness = politeness_bound(manifest, latency)
    print(f"- {made.sources} sources / {made.hosts} hosts ({made.claims} claims)", flush=True)
    if "cpu" in runs:
        print("  CPU bound (extract + check in this process)…", flush=True)
        result.cpu = cpu_bound(manifest, made.registry, cpu_sample)
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    farm = WebFarm(made.manifest, latency, manifest["port"])
    try:
        archive, reports = base / "archive", base / "reports"
        if "first" in runs:
            print("  citewatch verify (first run)…", flush=True)
            result.first, result.served_first, result.farm_cpu_first = _timed(
                "first", citewatch_cmd(made.registry, archive, reports), env, logs, farm)
            result.agreement = agreement(manifest, reports)
            result.first["archive_mb"] = sum(f.stat().st_size for f in archive.rglob("*.warc*")) / 2**20
        if "second" in runs and "first" in runs:
            print("  citewatch verify (second run, unchanged pages)…", flush=True)
            result.second, result.served_second, _ = _timed(
                "second", citewatch_cmd(made.registry, archive, reports), env, logs, farm)
        if "direct" in runs:
            print("  pipeline without Prefect…", flush=True)
            result.direct, _, _ = _timed("direct", direct_cmd(made.registry, base / "archive-direct",
                                                              base / "reports-direct"), env, logs, farm)
        if "wget" in runs:
            print("  wget --warc-file…", flush=True)
            (base / "wget").mkdir(exist_ok=True)
            result.wget, served_wget, _ = _timed("wget", wget_cmd(made.urls, base / "wget"), env, logs, farm)
            result.wget.update(warc_summary(base / "wget" / "wget.warc.gz"), requests=served_wget["requests"])
    finally:
        farm.stop()
    return result


def warm_up(work: Path, env: dict) -> dict:
    """The first run in a new PREFECT_HOME (creates Prefect's database): the cold fixed cost."""
    base = work / "cold"
    made = generate(1, 1, free_port([host_address(0)]), base / "registry")
    farm = WebFarm(made.manifest, 0.1, json.loads(made.manifest.read_text())["port"])
    try:
        (base / "logs").mkdir(parents=True, exist_ok=True)
        measured, _, _ = _timed("cold", citewatch_cmd(made.registry, base / "archive", base / "reports"),
                                env, base / "logs", farm)
    finally:
        farm.stop()
    return measured


# --- summary ---------------------------------------------------------------------------------


def derived(results: list[SizeResult]) -> list[dict]:
    """The figures to watch, per size."""
    fixed = next((r for r in results if r.sources == 1), None)
    rows = []
    for r in results:
        wall = r.first.get("wall", float("nan"))
        bound = max(r.politeness["seconds"], r.cpu.get("seconds", 0.0))
        row = {"sources": r.sources, "hosts": r.hosts, "wall": wall, "cpu": r.first.get("cpu"),
               "peak_rss_mb": r.first.get("tree_peak_mb"), "maxrss_mb": r.first.get("largest_mb") or r.first.get("maxrss_mb"),
               "api_peak_mb": r.first.get("api_peak_mb"),
               "sources_per_s": r.sources / wall if wall else None,
               "politeness_bound": r.politeness["seconds"], "fan_out_bound": r.politeness["fan_out_seconds"],
               "cpu_bound": r.cpu.get("seconds"), "wall_over_bound": wall / bound if bound else None,
               "second_wall": r.second.get("wall"), "direct_wall": r.direct.get("wall"),
               "wget_wall": r.wget.get("wall"), "wget_cpu": r.wget.get("cpu"),
               "wget_peak_rss_mb": max(r.wget.get("tree_peak_mb", 0), r.wget.get("maxrss_mb", 0)) or None,
               "agreement": r.agreement.get("share"), "farm_cpu": r.farm_cpu_first,
               "requests": r.served_first.get("requests"), "planned_requests": r.politeness["planned_requests"],
               "max_in_flight_per_host": r.served_first.get("max_in_flight_per_host"),
               "second_statuses": r.served_second.get("statuses")}
        if fixed and r is not fixed and fixed.first and r.first:
            marginal = wall - fixed.first["wall"]
            row["marginal"] = marginal
            row["marginal_over_bound"] = marginal / bound if bound else None
            if r.second:
                second_marginal = r.second["wall"] - fixed.first["wall"]
                row["second_speedup_marginal"] = marginal / second_marginal if second_marginal > 0 else None
            if r.direct and fixed.direct:
                overhead = (wall - r.direct["wall"]) - (fixed.first["wall"] - fixed.direct["wall"])
                row["orchestration_marginal"] = overhead
                row["orchestration_share"] = overhead / marginal if marginal > 0 else None
        if r.second and r.first:
            row["second_speedup"] = wall / r.second["wall"]
        if r.direct and r.first:
            row["prefect_total"] = wall - r.direct["wall"]
        rows.append(row)
    return rows


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows: list[dict], cold: dict | None) -> None:
    if cold:
        print(f"\ncold fixed cost (first run in a new PREFECT_HOME, 1 source): {cold['wall']:.1f} s wall, "
              f"{cold['cpu']:.1f} s CPU")
    header = ("sources/hosts", "wall s", "CPU s", "peak RSS MB", "src/s", "polite s", "fan-out s",
              "CPU-bound s", "wall/bound", "marginal s", "marg/bound", "2nd run s", "2nd ×(marg)",
              "orch. share", "direct s", "wget s", "verdicts ok")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        cells = (f"{r['sources']}/{r['hosts']}", _fmt(r["wall"]), _fmt(r["cpu"]), _fmt(r["peak_rss_mb"], 0),
                 _fmt(r["sources_per_s"]), _fmt(r["politeness_bound"]), _fmt(r["fan_out_bound"]),
                 _fmt(r["cpu_bound"]), _fmt(r["wall_over_bound"]), _fmt(r.get("marginal")),
                 _fmt(r.get("marginal_over_bound"), 2), _fmt(r["second_wall"]),
                 _fmt(r.get("second_speedup_marginal")), _fmt(r.get("orchestration_share"), 2),
                 _fmt(r["direct_wall"]), _fmt(r["wget_wall"]),
                 f"{r['agreement']:.0%}" if r["agreement"] is not None else "–")
        print("| " + " | ".join(cells) + " |")


def machine() -> dict:
    def run(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()

    return {"nproc": run("nproc"), "memory": run("free -h | awk '/Mem:/{print $2}'"),
            "cpu": run("lscpu | sed -n 's/^Model name: *//p'"), "python": platform.python_version(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark citewatch verify (see the module doc).")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"sources:hosts,... (default {DEFAULT_SIZES})")
    parser.add_argument("--quick", action="store_true", help=f"only {QUICK_SIZES}")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("--cpu-sample", type=int, default=300, help="pages measured for the CPU bound")
    parser.add_argument("--runs", default=",".join(RUNS),
                        help=f"which runs per size, of {','.join(RUNS)} (second needs first)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold fixed-cost run")
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)

    sizes = [tuple(int(x) for x in s.split(":")) for s in (QUICK_SIZES if args.quick else args.sizes).split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="citewatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(work)
    print(f"work folder {work}; PREFECT_HOME {env['PREFECT_HOME']} (shared by all runs)", flush=True)
    runs = {r.strip() for r in args.runs.split(",") if r.strip()}
    if runs - set(RUNS):
        parser.error(f"--runs: unknown {', '.join(sorted(runs - set(RUNS)))}")
    try:
        cold = None if args.no_cold or "first" not in runs else warm_up(work, env)
        results = [bench_size(s, h, work, args.latency, args.cpu_sample, runs, env) for s, h in sizes]
    finally:  # the warm Prefect API the runs shared (started by the first one) stops with us
        subprocess.run([str(Path(sys.executable).parent / "citewatch"), "server", "stop"], env=env,
                       capture_output=True, timeout=60)
    rows = derived(results)
    print_table(rows, cold)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "latency": args.latency, "cold": cold,
                                         "rows": rows, "raw": [asdict(r) for r in results]}, indent=1))
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
