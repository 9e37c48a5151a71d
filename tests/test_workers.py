"""Extraction and checks in worker processes: same results as in the run's own process, and a
worker that dies never stops the run."""

from __future__ import annotations

import os

import pytest

from citewatch import pipeline as pl
from citewatch.archive import WarcArchive
from citewatch.config import load_settings
from citewatch.fetch import Fetcher
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb
from citewatch.workers import CpuPool
from verify_fixtures import DAY0, serve_pages, write_registry


pytestmark = pytest.mark.slow  # every test here takes about half a second or more


def die_outside(parent_pid: int) -> str:
    if os.getpid() != parent_pid:
        os._exit(3)  # what a parser crash or the OOM killer does to a worker
    return "done in the run's own process"


def test_work_runs_in_another_process_and_a_dead_worker_falls_back_to_this_one(caplog):
    pool = CpuPool(2)
    try:
        assert pool.call(os.getpid) != os.getpid()
        assert pool.map(pow, [(2, 10), (3, 3), (5, 2)]) == [1024, 27, 25]
        assert pool.call(die_outside, os.getpid()) == "done in the run's own process"
        assert pool.map(pow, [(2, 2), (2, 3)]) == [4, 8]  # goes on, in this process
        assert pool.call(os.getpid) == os.getpid()
    finally:
        pool.close()
    assert "a worker process died" in caplog.text


def test_one_worker_means_no_process_at_all():
    pool = CpuPool(1)
    assert pool.call(os.getpid) == os.getpid()
    assert pool.map(os.getpid, [(), ()]) == [os.getpid(), os.getpid()]


def test_small_runs_stay_in_one_process_big_ones_use_the_cores():
    settings = load_settings(cpu_workers=0)
    assert pl.cpu_workers(settings, pl.WORKERS_FROM_SOURCES - 1) == 1
    assert pl.cpu_workers(settings, pl.WORKERS_FROM_SOURCES) == len(os.sched_getaffinity(0))
    assert pl.cpu_workers(load_settings(cpu_workers=3), 10_000) == 3


class CountingPool(CpuPool):
    def __init__(self, workers):
        super().__init__(workers)
        self.sent: list[str] = []

    def call(self, function, *args):
        self.sent.append(function.__name__)
        return super().call(function, *args)

    def submit(self, function, *args):
        self.sent.append(function.__name__)
        return super().submit(function, *args)

    def map(self, function, calls):
        self.sent += [function.__name__] * len(calls)
        return super().map(function, calls)


def test_a_run_with_worker_processes_gives_the_same_results(tmp_path):
    pools = {}

    def run(folder, workers):
        settings = load_settings(archive_dir=tmp_path / folder / "archive", max_retries=0,
                                 connect_timeout=2, read_timeout=5, total_deadline=10)
        pools[workers] = CountingPool(workers)
        pipeline = pl.Pipeline(settings, fetcher=Fetcher(settings), clock=lambda: DAY0, cpu=pools[workers],
                               archive=WarcArchive(settings.archive_dir, pl.open_state(settings)))
        try:
            return pipeline.run(loaded)
        finally:
            pipeline.close()

    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        loaded = load_registry(write_registry(tmp_path / "claims", web))
        alone, spread = run("one", 1), run("two", 2)

    def verdicts(result):
        return {(c.id, s.url): (s.verdict, s.status, s.checked_copy, s.evidence, s.title)
                for c in result.claims for s in c.sources}

    assert verdicts(spread) == verdicts(alone)
    assert {c.id: c.verdict for c in spread.claims} == {c.id: c.verdict for c in alone.claims}
    assert any(s.evidence for c in spread.claims for s in c.sources)  # checks did run
    assert {"extract_cached", "check_text"} <= set(pools[2].sent)  # through the worker processes


def test_pages_are_extracted_in_the_workers_while_the_batch_is_still_fetched(tmp_path):
    """Each readable page goes to a worker as soon as it is archived (the same bytes once), not
    when its batch is read; reading takes that answer, and nothing is held once read."""
    settings = load_settings(archive_dir=tmp_path / "archive", max_retries=0, connect_timeout=2,
                             read_timeout=5, total_deadline=10)
    pool = CountingPool(2)
    pipeline = pl.Pipeline(settings, fetcher=Fetcher(settings), clock=lambda: DAY0, cpu=pool,
                           archive=WarcArchive(settings.archive_dir, pl.open_state(settings)))
    try:
        with FixtureWeb(hosts=2) as web:
            serve_pages(web)
            loaded = load_registry(write_registry(tmp_path / "claims", web))
            jobs = pl.plan_sources(loaded.registry)
            fetched = pipeline.fetch_sources(jobs)
            early = [f for f in fetched if f.extraction is not None]
            bodies = {f.result.payload_digest() for f in fetched if f.result.body and f.result.status.readable}
            assert early and len({id(f.extraction) for f in early}) == len(bodies)  # one per distinct body
            assert pool.sent.count("extract_cached") == len(bodies)  # sent before any reading
            copies = pipeline.read_sources(fetched)
        assert all(f.extraction is None for f in fetched) and not pipeline._extracting
        assert pool.sent.count("extract_cached") == len(bodies)  # reading sent no page again
        assert pipeline.work["extracted"] + pipeline.work["texts_reused"] >= len(bodies)
        assert sum(c.readable for c in copies) >= len(early)
    finally:
        pipeline.close()


def test_workers_that_cannot_start_leave_the_work_to_this_process(monkeypatch, caplog):
    from concurrent.futures import ProcessPoolExecutor

    def refuse(*_args, **_kwargs):  # what spawn says to a script without a __main__ guard
        raise RuntimeError("An attempt has been made to start a new process before ...")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)
    pool = CpuPool(2)
    try:
        assert pool.call(os.getpid) == os.getpid()
        assert pool.map(pow, [(2, 5), (3, 2)]) == [32, 9]
    finally:
        pool.close()
    assert "no worker process could be started (RuntimeError)" in caplog.text
