"""CPU per page of the fetch phase: ``Fetcher.fetch_many`` (threads), optionally + ``WarcArchive.store``.

    python -m benchmarks.fetchcost URLS_FILE [--sources 500] [--archive] [--repeat 1]

Fetches the first N URLs of URLS_FILE (one per line) twice with fresh fetchers: once plain (first
run), once with the ETag/Last-Modified of the first answers (second run: 304s from a benchmark web
that honours them). Prints CPU time (process, every thread) per page, wall time, and the statuses.
With ``--archive`` each answer is also stored in a fresh WARC archive in the consuming thread, as
``Pipeline.fetch_sources`` does, and the store's share (that thread's CPU) is printed apart.
Serve the pages first (``python -m benchmarks.web``); CPU time is the figure to trust on a shared
machine, wall time is not. Wrap in ``py-spy record --gil --format raw -o …`` to see inside.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from citewatch.config import Settings
from citewatch.fetch import Fetcher, Validators


@dataclass
class Measure:
    pages: int
    cpu: float
    wall: float
    store_cpu: float
    statuses: Counter

    def line(self, name: str) -> str:
        per_page = 1000 / self.pages
        return (f"{name}: {self.pages} pages, CPU {self.cpu:.2f} s = {self.cpu * per_page:.2f} ms/page "
                f"(fetch {(self.cpu - self.store_cpu) * per_page:.2f} + store {self.store_cpu * per_page:.2f}), "
                f"wall {self.wall:.1f} s; {dict(self.statuses)}")


def run(settings: Settings, items: list[tuple[str, Validators | None]], archive=None) -> tuple[list, Measure]:
    fetcher = Fetcher(settings)
    cpu, wall, store_cpu, results = time.process_time(), time.perf_counter(), 0.0, []
    for result in fetcher.fetch_many(items):
        if archive is not None:
            started = time.thread_time()
            archive.store(result)
            store_cpu += time.thread_time() - started
        results.append(result)
    measure = Measure(len(results), time.process_time() - cpu, time.perf_counter() - wall, store_cpu,
                      Counter(f"{r.status.value} {r.http_status}" for r in results))
    fetcher.close()
    return results, measure


def open_archive(folder: Path):
    from citewatch.archive import WarcArchive
    from citewatch.db import open_database

    _, sessions = open_database(f"sqlite:///{folder / 'state.db'}")
    return WarcArchive(folder / "archive", sessions)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", type=Path, help="a file of URLs, one per line")
    parser.add_argument("--sources", type=int, default=500, help="how many of its URLs to fetch")
    parser.add_argument("--archive", action="store_true", help="also store every answer in a fresh WARC archive")
    parser.add_argument("--repeat", type=int, default=1, help="measure the pair of runs this many times")
    args = parser.parse_args(argv)
    urls = args.urls.read_text().split()[: args.sources]
    settings = Settings(allow_private_hosts=True, wayback_url="off")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="fetchcost-") as folder:
            archive = open_archive(Path(folder)) if args.archive else None
            first, measure = run(settings, [(url, None) for url in urls], archive)
            print(measure.line("first run"), flush=True)
            validators = {r.url: Validators.from_result(r) for r in first}
            _, measure = run(settings, [(url, validators[url]) for url in urls], archive)
            print(measure.line("second run"), flush=True)
            if archive is not None:
                archive.close()


if __name__ == "__main__":
    main()
