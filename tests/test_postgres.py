"""The state database on PostgreSQL (the shared set-up): archive index, run history, flags and
two concurrent runs, against a real server.

Uses CITEWATCH_TEST_POSTGRES_URL when set; otherwise a throwaway cluster of Debian's postgresql
binaries (citewatch.testing.postgres). Without either, the tests are skipped with the reason
(failed under CITEWATCH_REQUIRE_SYSTEM_TOOLS=1, as in CI).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from citewatch import pipeline as pl
from citewatch.config import load_settings
from citewatch.history import active_flags, flag_claim, list_runs, source_history
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb, Route
from citewatch.testing.postgres import temporary_postgres
from system_tools import need_postgres
from verify_fixtures import EXPECTED_FIRST_RUN, serve_pages, write_registry

pytestmark = pytest.mark.postgres

DAY0 = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def postgres_url():
    need_postgres()
    with temporary_postgres() as url:
        yield url


@pytest.fixture
def fresh_database(postgres_url):
    """An empty schema for each test: drop everything the previous test created."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return postgres_url


def test_history_flags_and_archive_on_postgresql(fresh_database, tmp_path):
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        loaded = load_registry(write_registry(tmp_path / "claims", web))
        settings = load_settings(database_url=fresh_database, archive_dir=tmp_path / "archive",
                                 reports_dir=tmp_path / "reports", max_retries=0)
        session_factory = pl.open_state(settings)
        assert session_factory.kw["bind"].dialect.name == "postgresql"

        first = pl.verify_registry(loaded, settings, clock=lambda: DAY0)
        flag_claim(session_factory, "aldane-harbour", "workers", "numbers differ", "editor", DAY0)
        web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))
        second = pl.verify_registry(loaded, settings, clock=lambda: DAY0 + timedelta(days=1))

    assert {c["id"]: c["verdict"] for c in first.claims} == EXPECTED_FIRST_RUN
    assert len(list_runs(session_factory, "aldane-harbour")) == 2
    history = source_history(session_factory, "aldane-harbour")
    assert history[web[1].url("/report")].failures == 1
    assert [f.claim_id for f in active_flags(session_factory, "aldane-harbour")] == ["workers"]
    report = json.loads(Path(second.reports["json"]).read_text())
    dead = next(s for c in report["claims"] for s in c["sources"] if s["url"] == web[1].url("/report"))
    assert dead["checked_copy"] == "local_archive"  # read back through the PostgreSQL index
    assert [f["claim_id"] for f in report["flags"]] == ["workers"]


def test_two_concurrent_runs_on_postgresql_keep_exact_counts(fresh_database, tmp_path):
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        loaded = load_registry(write_registry(tmp_path / "claims", web))
        settings = load_settings(database_url=fresh_database, archive_dir=tmp_path / "archive",
                                 reports_dir=tmp_path / "reports", max_retries=0)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                pl.verify_registry(loaded, settings, clock=lambda: DAY0)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    session_factory = pl.open_state(settings)
    assert len(list_runs(session_factory, "aldane-harbour")) == 2
    assert source_history(session_factory, "aldane-harbour")[web[0].url("/gone")].failures == 2
