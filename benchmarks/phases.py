"""Where a run's time goes: the pipeline's phases, one after the other, in this process, each
with its wall and CPU time and the peak RSS of this process during it (no Prefect; the same steps
the flow's tasks call).

    python -m benchmarks.phases REGISTRY ARCHIVE_DIR REPORTS_DIR

The phases run one after the other here, while a real run overlaps them (one batch of hosts is
read and checked while the next is fetched). Run it against a benchmark web that is being served (``python -m benchmarks.web``); wrap it in
``py-spy record -o profile.svg -- …`` to see inside each phase.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def rss_mb() -> float:
    """This process's resident memory now (worker processes not included)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextmanager
def phase(name: str, rows: list):
    """Wall and CPU time of the block, and the peak of this process's RSS during it (sampled)."""
    wall, cpu = time.perf_counter(), time.process_time()
    peak, done = [rss_mb()], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    yield
    done.set()
    sampler.join()
    rows.append((name, time.perf_counter() - wall, time.process_time() - cpu, max(peak[0], rss_mb())))


def main(argv: list[str] | None = None) -> None:
    registry_path, archive_dir, reports_dir = (Path(a) for a in (argv or sys.argv[1:]))
    rows: list = []
    with phase("imports", rows):
        from citewatch import pipeline as pl
        from citewatch.config import load_settings
        from citewatch.publish import publish_run
        from citewatch.registry import load_registry
    settings = load_settings(archive_dir=archive_dir, reports_dir=reports_dir)
    with phase("load registry", rows):
        loaded = load_registry(registry_path)
    jobs = pl.plan_sources(loaded.registry)
    with phase("open state + pipeline", rows):
        session_factory = pl.open_state(settings)
        pipeline = pl.Pipeline.open(settings, session_factory=session_factory, sources=len(jobs))
    with phase(f"fetch + archive ({len(jobs)} URLs)", rows):
        fetched = pipeline.fetch_sources(jobs)
        offline = pl.run_offline(fetched)
    with phase("read (archive → extract text)", rows):
        copies = pipeline.read_sources(fetched, offline)
    with phase("check claims", rows):
        pipeline.prepare_checks(loaded.registry, copies)
        claims = pipeline.check_claims(loaded.registry, copies)
    run = pl.assemble_run(loaded.registry, claims, offline, pl.utcnow(), pl.utcnow())
    with phase("record history + write reports", rows):
        outcome = publish_run(session_factory, run, settings, pl.utcnow())
    pipeline.close()
    print(outcome.one_line())
    total_wall, total_cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'phase':40} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for name, wall, cpu, peak in rows + [("total", total_wall, total_cpu, max(r[3] for r in rows))]:
        print(f"{name:40} {wall:8.2f} {cpu:8.2f} {peak:12.0f}")


if __name__ == "__main__":
    main()
