"""Politeness across workers (flows/host_limits.py): three runs at once, each with its own fetcher
(as on three workers), share the per-host limits through the session's real Prefect API; the
limits are measured where they matter, at the fixture web's server."""

from __future__ import annotations

import threading
import uuid

import pytest

from citewatch.fetch import Fetcher
from citewatch.models import SourceStatus
from citewatch.testing.fixture_web import html_page
from flows.host_limits import PrefectHostLimits

pytestmark = pytest.mark.slow
RUNS = 3
PAGES = 4


def _three_runs_at_once(site, settings, limits_for) -> list:
    """RUNS fetchers, each fetching PAGES slow pages of the same host, all at the same time."""
    prefix = f"/p-{uuid.uuid4().hex[:6]}"
    for i in range(PAGES):
        site.route(f"{prefix}/{i}", html_page(f"Page {i}", "<p>text</p>" * 20, delay=0.4))
    results: list = []

    def run() -> None:
        fetcher = Fetcher(settings, shared_limits=limits_for())
        results.extend(fetcher.fetch_many([(site.url(f"{prefix}/{i}"), None) for i in range(PAGES)]))

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def settings(fast_settings):
    return fast_settings.model_copy(update={"per_host_concurrency": 2, "read_timeout": 5.0, "total_deadline": 60.0,
                                            "soft404_probe": False, "obey_robots": False, "max_retries": 0})


def test_without_shared_limits_three_runs_exceed_the_per_host_limit(fixture_web, settings):
    """The problem the shared limits solve: each run keeps its own limit only."""
    site = fixture_web[2]
    _three_runs_at_once(site, settings, lambda: None)
    assert site.max_in_flight > settings.per_host_concurrency


def test_three_runs_at_once_never_exceed_the_per_host_limit_with_shared_limits(fixture_web, settings, prefect_harness):
    site = fixture_web[2]
    results = _three_runs_at_once(site, settings, lambda: PrefectHostLimits(settings.per_host_concurrency, 0.0))

    assert len(results) == RUNS * PAGES and all(r.status is SourceStatus.LIVE for r in results)
    assert site.max_in_flight == settings.per_host_concurrency  # held, and used


def test_the_pause_between_requests_holds_across_runs(fixture_web, settings, prefect_harness):
    site = fixture_web[2]
    delay = 0.5
    spaced = settings.model_copy(update={"per_host_delay": delay, "per_host_concurrency": 3})
    prefix = f"/d-{uuid.uuid4().hex[:6]}"
    for i in range(2):
        site.route(f"{prefix}/{i}", html_page(f"Page {i}", "<p>text</p>"))

    def run() -> None:
        fetcher = Fetcher(spaced, shared_limits=PrefectHostLimits(3, delay))
        list(fetcher.fetch_many([(site.url(f"{prefix}/{i}"), None) for i in range(2)]))

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts = sorted(r.received_at for r in site.requests if r.path.startswith(prefix))
    assert len(starts) == RUNS * 2
    # six requests from three runs: one start per `delay` seconds on the host, whoever sends it
    assert starts[-1] - starts[0] >= (len(starts) - 1) * delay - 0.2
    assert min(b - a for a, b in zip(starts, starts[1:])) >= delay - 0.15
