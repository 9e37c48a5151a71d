"""Where a run's time goes: the pipeline's phases, one after the other, in this process, each
with its wall and CPU time (no Prefect; the same steps the flow's tasks call).

    python -m benchmarks.phases REGISTRY ARCHIVE_DIR REPORTS_DIR

The phases run one after the other here, while a real run overlaps them (one batch of hosts is
read and checked while the next is fetched). Run it against a benchmark web that is being served (``python -m benchmarks.web``); wrap it in
``py-spy record -o profile.svg -- …`` to see inside each phase.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def phase(name: str, rows: list):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))


def main(argv: list[str] | None = None) -> None:
    registry_path, archive_dir, reports_dir = (Path(a) for a in (argv or sys.argv[1:]))
    rows: list = []
    with phase("imports", rows):
        from citewatch import pipeline as pl
        from citewatch.config import load_settings
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
        outcome = pl.publish_run(session_factory, run, settings, pl.utcnow())
    pipeline.close()
    print(outcome.one_line())
    total_wall, total_cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'phase':40} {'wall s':>8} {'CPU s':>8}")
    for name, wall, cpu in rows + [("total", total_wall, total_cpu)]:
        print(f"{name:40} {wall:8.2f} {cpu:8.2f}")


if __name__ == "__main__":
    main()
