"""Start-up of `citewatch verify`: wall and CPU time of a one-source run, the run a fact-checker
makes most often, in the ways it can start.

    python -m benchmarks.startup [--repeat 3] [--base DIR]

- ``first run (new PREFECT_HOME)``: a new ``PREFECT_HOME`` each time; the run starts the warm local
  Prefect API (on the shipped empty database), runs in its own process, then starts the warm runner.
- ``warm runner, later runs``: the same ``PREFECT_HOME``; the run is forked from the warm runner.
- ``warm API, own process``: ``CITEWATCH_WARM_RUNNER=off``: the run imports everything itself.
- ``per-run API``: ``CITEWATCH_PREFECT_SERVER_IDLE_MINUTES=0``, each run starts and stops its own
  ephemeral API (Prefect's default behaviour; same code otherwise).
- ``before``: with ``--base DIR``, the code in DIR (e.g. ``git archive <commit> | tar -x -C DIR``)
  run with this environment's packages (``python -m flows.cli``), first and later runs.

The page is served from 127.0.0.1 by the fixture web; no Wayback. Every run is a child process
timed with ``os.wait4``: CPU is user + system of the command and of the children it waited for (the
per-run ephemeral API is such a child; the warm API is not: its start-up is paid in the first run's
wall time). For the warm runner, the forked run's CPU (the runner logs it) is added to the command's. Runs of the
modes alternate, so that a busy machine weighs on all alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from citewatch.testing.fixture_web import FixtureWeb, html_page

CITEWATCH = str(Path(sys.executable).parent / "citewatch")
DOCUMENT = "= Harbour =\n\n== Events ==\nIn 2017 the harbour court met 12 times.\n"


def registry_for(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "one.txt").write_text(DOCUMENT, encoding="utf-8")
    path = folder / "one.yaml"
    path.write_text("document: {id: one, title: One, text: one.txt}\nclaims:\n"
                    f"  - {{id: met, text: In 2017 the harbour court met 12 times., sources: [{{url: '{url}'}}]}}\n",
                    encoding="utf-8")
    return path


def environment(work: Path, home: Path, idle_minutes: str, base: Path | None = None,
                runner: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWATCH_", "PREFECT_"))}
    env.update({"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_HOME": str(home),
                "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1", "CITEWATCH_WAYBACK_URL": "off",
                "CITEWATCH_REGISTRY_CACHE": str(work / "registry-cache"),
                "CITEWATCH_ARCHIVE_DIR": str(work / "archive"), "CITEWATCH_REPORTS_DIR": str(work / "reports"),
                "CITEWATCH_PREFECT_SERVER_IDLE_MINUTES": idle_minutes})
    if not runner:
        env["CITEWATCH_WARM_RUNNER"] = "off"
    if base is not None:
        env["PYTHONPATH"] = str(base)
    return env


def command(env: dict[str, str]) -> list[str]:
    if env.get("PYTHONPATH"):  # older code: its own entry point
        return [sys.executable, "-m", "flows.cli"]
    return [CITEWATCH]


def timed(registry: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `citewatch verify` process."""
    started = time.perf_counter()
    process = subprocess.Popen([*command(env), "verify", str(registry)], env=env, cwd=registry.parent,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"citewatch verify failed (exit {process.returncode}) with {env.get('PYTHONPATH', 'this code')}")
    return wall, usage.ru_utime + usage.ru_stime


def runs_ended(home: Path) -> list[str]:
    """The warm runner's log lines of the runs it forked and collected, with their CPU time."""
    log = home / "citewatch-runner.log"
    return [line for line in log.read_text().splitlines() if " ended after " in line] if log.exists() else []


def runner_cpu(home: Path, before: int) -> float:
    """CPU seconds of the run the warm runner forked after ``before`` runs had ended."""
    deadline = time.monotonic() + 10
    while len(ended := runs_ended(home)) <= before:
        if time.monotonic() > deadline:
            raise SystemExit(f"the warm runner did not take the run (see {home / 'citewatch-runner.log'})")
        time.sleep(0.05)
    return float(ended[before].split(" ended after ")[1].split(" s of CPU")[0])


def stop_warm(env: dict[str, str]) -> None:
    subprocess.run([CITEWATCH, "server", "stop"], env={**env, "PYTHONPATH": ""}, capture_output=True, timeout=60)


def wait_for_runner(home: Path, seconds: float = 120.0) -> None:
    from flows.warm_runner import answers

    deadline = time.monotonic() + seconds
    while not answers(home) and time.monotonic() < deadline:
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start-up of a one-source `citewatch verify`.")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mode (default 3)")
    parser.add_argument("--base", type=Path, help="also time the code in this folder ('before')")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="citewatch-startup-"))
    figures: dict[str, list[tuple[float, float]]] = {}
    with FixtureWeb(hosts=1) as web:
        web[0].route("/story", html_page("Harbour court", "<p>In 2017 the harbour court met 12 times.</p>"))
        registry = registry_for(work / "claims", web[0].url("/story"))
        firsts = {"first run (new PREFECT_HOME)": None}
        if args.base:
            firsts["before (--base), first run (new PREFECT_HOME)"] = args.base
        for round_ in range(args.repeat):  # a new home each time: Prefect's database and API start anew
            for mode, base in firsts.items():
                env = environment(work, work / f"home-first-{round_}-{bool(base)}", "30", base)
                try:
                    figures.setdefault(mode, []).append(timed(registry, env))
                finally:
                    stop_warm(env)
        modes = {"warm runner, later runs": environment(work, work / "home-warm", "30"),
                 "warm API, own process (CITEWATCH_WARM_RUNNER=off)":
                     environment(work, work / "home-own", "30", runner=False),
                 "per-run API (idle minutes 0)": environment(work, work / "home-per-run", "0")}
        if args.base:
            modes["before (--base), later runs"] = environment(work, work / "home-base", "30", args.base)
        try:
            for env in modes.values():
                timed(registry, env)  # creates that PREFECT_HOME's database and warm API: not counted
            wait_for_runner(work / "home-warm")
            for _ in range(args.repeat):
                for mode, env in modes.items():
                    before = len(runs_ended(work / "home-warm"))
                    wall, cpu = timed(registry, env)
                    if mode.startswith("warm runner"):  # the forked run's CPU is the runner's child's
                        cpu += runner_cpu(work / "home-warm", before)
                    figures.setdefault(mode, []).append((wall, cpu))
        finally:
            for env in modes.values():
                stop_warm(env)
    print(f"one-source `citewatch verify`, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end; median of {args.repeat}")
    print("| start-up | wall s | CPU s | runs |\n|---|---:|---:|---:|")
    for mode, runs in figures.items():
        print(f"| {mode} | {statistics.median(w for w, _ in runs):.1f} | "
              f"{statistics.median(c for _, c in runs):.1f} | {len(runs)} |")


if __name__ == "__main__":
    main()
