"""An editor's "this source is not dead" (a false alarm) on a real SQLite state database: the
confirmed-dead state goes at once, later runs keep counting failures but never confirm the URL
dead, and clearing the mark lets the rule judge it again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citewatch.config import Settings
from citewatch.db import open_database
from citewatch.history import clear_not_dead, mark_not_dead, not_dead_marks, record_run, source_history
from citewatch.models import SourceStatus, Verdict
from citewatch.results import ClaimResult, RunResult, SourceResult
from verify_fixtures import DAY0

URL = "https://a.example/page"
RULE = Settings(confirm_dead_failures=3, confirm_dead_days=3)


@pytest.fixture
def sf(tmp_path):
    engine, session_factory = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    yield session_factory
    engine.dispose()


def dead_run(day: int) -> RunResult:
    at = DAY0 + timedelta(days=day)
    source = SourceResult(url=URL, status=SourceStatus.DEAD, http_status=404, verdict=Verdict.UNVERIFIABLE)
    return RunResult(document_id="doc", document_title="Doc", run_id=f"r{day}", started_at=at, finished_at=at,
                     claims=[ClaimResult(id="c1", text="A claim.", verdict=Verdict.UNVERIFIABLE, sources=[source])])


def record(sf, day: int):
    return record_run(sf, dead_run(day), DAY0 + timedelta(days=day), RULE).run.claims[0].sources[0]


def test_a_false_alarm_is_never_confirmed_dead_until_cleared(sf):
    for day in range(4):
        last = record(sf, day)
    assert last.confirmed_dead and last.failures == 4

    mark_not_dead(sf, "doc", URL, "opens fine in a browser; the site blocks robots", "eddie", DAY0 + timedelta(days=4))
    assert source_history(sf, "doc")[URL].confirmed_dead is False  # at once
    assert not_dead_marks(sf, "doc")[URL]["who"] == "eddie"

    kept = record(sf, 5)
    assert (kept.failures, kept.confirmed_dead) == (5, False)  # still failing, not dead

    assert clear_not_dead(sf, "doc", URL, "eddie", DAY0 + timedelta(days=6)) is True
    assert clear_not_dead(sf, "doc", URL, "eddie", DAY0 + timedelta(days=6)) is False
    assert not_dead_marks(sf, "doc") == {}
    again = record(sf, 7)
    assert (again.failures, again.confirmed_dead) == (6, True)
