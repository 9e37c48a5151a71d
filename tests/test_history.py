"""Run history on a real SQLite file: failure streaks with a controlled clock, the confirmed-dead
rule, offline runs, round trips, concurrency, flags and overrides, and what changed between runs."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from citewatch.changes import MAX_DIFF_LINES, what_changed
from citewatch.config import Settings
from citewatch.db import open_database
from citewatch.errors import StateError
from citewatch.history import (
    RunRow,
    SourceCheckRow,
    documents_with_runs,
    list_runs,
    load_run,
    previous_run,
    record_run,
    source_history,
)
from citewatch.models import CheckedCopy, CountFact, Evidence, FactOutcome, FactResult, SourceStatus, Verdict
from citewatch.results import ArchiveRef, ClaimResult, RunResult, SourceResult
from citewatch.review import (
    active_flags,
    apply_overrides,
    clear_override,
    flag_claim,
    overrides,
    set_override,
    unflag_claim,
)
from citewatch.testing.postgres import temporary_postgres
from system_tools import need_postgres
from verify_fixtures import DAY0

A = "https://a.example/page"
B = "https://b.example/report"
SETTINGS = Settings(confirm_dead_failures=3, confirm_dead_days=3)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


@pytest.fixture
def sf(db_url):
    engine, session_factory = open_database(db_url)
    yield session_factory
    engine.dispose()


def source(url: str, status: SourceStatus = SourceStatus.LIVE, text: str | None = "Some text.",
           verdict: Verdict = Verdict.SUPPORTED, copy: CheckedCopy | None = CheckedCopy.LIVE) -> SourceResult:
    readable = status.readable
    return SourceResult(url=url, status=status, http_status=200 if readable else 404, final_url=url,
                        checked_copy=copy if readable else None, verdict=verdict if readable else Verdict.UNVERIFIABLE,
                        text=text if readable else None)


def run(run_id: str, at: datetime, sources: list[SourceResult] | None = None, *, offline: bool = False,
        claims: list[ClaimResult] | None = None, document_id: str = "doc") -> RunResult:
    if claims is None:
        claims = [ClaimResult(id="c1", text="Claim one.", verdict=Verdict.SUPPORTED,
                              sources=sources if sources is not None else [source(A)])]
    return RunResult(document_id=document_id, document_title="A document", run_id=run_id,
                     started_at=at, finished_at=at + timedelta(seconds=30), offline=offline, claims=claims)


def dead_run(run_id: str, at: datetime, **kw) -> RunResult:
    return run(run_id, at, [source(A, SourceStatus.DEAD)], **kw)


# --- failure history and the confirmed-dead rule -------------------------------------------


def test_failures_count_and_confirm_dead_only_after_three_failures_spread_over_three_days(sf):
    seen = []
    for i, at in enumerate([DAY0, DAY0 + timedelta(days=1), DAY0 + timedelta(days=2),
                            DAY0 + timedelta(days=3)]):
        recorded = record_run(sf, dead_run(f"r{i}", at), at, SETTINGS)
        s = recorded.run.claims[0].sources[0]
        seen.append((s.status, s.failures, s.failing_since, s.confirmed_dead))
    assert seen == [
        (SourceStatus.DEAD, 1, DAY0, False),
        (SourceStatus.DEAD, 2, DAY0, False),
        (SourceStatus.DEAD, 3, DAY0, False),  # three failures, but only two days apart
        (SourceStatus.DEAD, 4, DAY0, True),   # status stays this run's outcome
    ]
    assert source_history(sf, "doc")[A].confirmed_dead


def test_three_failures_within_a_day_are_not_confirmed_dead(sf):
    for i in range(5):
        at = DAY0 + timedelta(hours=i)
        recorded = record_run(sf, dead_run(f"r{i}", at), at, SETTINGS)
    s = recorded.run.claims[0].sources[0]
    assert (s.failures, s.confirmed_dead) == (5, False)


def test_the_rule_comes_from_settings(sf):
    quick = Settings(confirm_dead_failures=2, confirm_dead_days=1)
    record_run(sf, dead_run("r0", DAY0), DAY0, quick)
    recorded = record_run(sf, dead_run("r1", DAY0 + timedelta(days=1)), DAY0 + timedelta(days=1), quick)
    assert recorded.run.claims[0].sources[0].confirmed_dead
    assert recorded.history[A].confirmed_dead


def test_recovery_resets_the_history(sf):
    for i in range(4):
        at = DAY0 + timedelta(days=i)
        record_run(sf, dead_run(f"r{i}", at), at, SETTINGS)
    assert source_history(sf, "doc")[A].confirmed_dead
    back = DAY0 + timedelta(days=5)
    recorded = record_run(sf, run("live", back), back, SETTINGS)
    s = recorded.run.claims[0].sources[0]
    assert (s.failures, s.failing_since, s.confirmed_dead) == (0, None, False)
    assert recorded.history[A].last_ok_at == back
    again = DAY0 + timedelta(days=6)
    s = record_run(sf, dead_run("dead-again", again), again, SETTINGS).run.claims[0].sources[0]
    assert (s.failures, s.failing_since) == (1, again)


def test_an_offline_run_never_counts_as_a_failure(sf):
    record_run(sf, dead_run("r0", DAY0), DAY0, SETTINGS)
    offline_at = DAY0 + timedelta(days=1)
    offline = run("off", offline_at, [source(A, SourceStatus.UNREACHABLE), source(B, SourceStatus.UNREACHABLE)],
                  offline=True)
    recorded = record_run(sf, offline, offline_at, SETTINGS)
    a, b = recorded.run.claims[0].sources
    assert (a.status, a.failures, a.failing_since) == (SourceStatus.UNREACHABLE, 1, DAY0)
    assert (b.failures, b.failing_since, b.confirmed_dead) == (0, None, False)
    later = DAY0 + timedelta(days=2)
    a = record_run(sf, dead_run("r2", later), later, SETTINGS).run.claims[0].sources[0]
    assert (a.failures, a.failing_since) == (2, DAY0)


def test_a_blocked_source_fails_but_is_never_confirmed_dead(sf):
    for i in range(5):
        at = DAY0 + timedelta(days=2 * i)
        recorded = record_run(sf, run(f"r{i}", at, [source(A, SourceStatus.BLOCKED)]), at, SETTINGS)
    s = recorded.run.claims[0].sources[0]
    assert (s.failures, s.confirmed_dead) == (5, False)


@pytest.mark.slow
def test_an_address_the_guard_refused_is_not_counted_as_a_failure(sf):
    record_run(sf, dead_run("r0", DAY0), DAY0, SETTINGS)  # one real failure of A
    for i in range(1, 5):  # then runs without CITEWATCH_ALLOW_PRIVATE_HOSTS: the guard refuses
        at = DAY0 + timedelta(days=i)
        recorded = record_run(sf, run(f"r{i}", at, [source(A, SourceStatus.FORBIDDEN_ADDRESS),
                                                     source(B, SourceStatus.FORBIDDEN_ADDRESS)]), at, SETTINGS)
    a, b = recorded.run.claims[0].sources
    assert (a.status, a.failures, a.failing_since, a.confirmed_dead) == \
        (SourceStatus.FORBIDDEN_ADDRESS, 1, DAY0, False)
    assert (b.failures, b.failing_since, b.confirmed_dead) == (0, None, False)
    assert source_history(sf, "doc")[B].last_status is SourceStatus.FORBIDDEN_ADDRESS


def test_history_is_kept_per_document(sf):
    record_run(sf, dead_run("d1", DAY0), DAY0, SETTINGS)
    other = record_run(sf, dead_run("d2", DAY0, document_id="other"), DAY0, SETTINGS)
    assert other.run.claims[0].sources[0].failures == 1
    assert documents_with_runs(sf) == ["doc", "other"]


# --- storing and reading runs --------------------------------------------------------------


def rich_run(run_id: str, at: datetime) -> RunResult:
    text = "Police said 68 people were arrested. The court sat in Baku."
    fact = CountFact(value=70, op=">")
    s = SourceResult(url=A, status=SourceStatus.REDIRECTED, http_status=200, final_url=A + "?moved",
                     checked_copy=CheckedCopy.LIVE, verdict=Verdict.CONTRADICTED, confidence=0.8,
                     evidence=[Evidence(text="Police said 68 people were arrested.", start=0, end=36,
                                        score=0.9, highlights=[(12, 14)])],
                     facts=[FactResult(fact=fact, outcome=FactOutcome.CONTRADICTED, evidence=0, found="68",
                                       start=12, end=14)],
                     archive=ArchiveRef(warc="w/a.warc.gz", offset=1234, wayback_url="https://web.archive.org/x"),
                     content_digest="sha1:ABC", text=text, title="A <b>page</b>", attempts=2)
    return run(run_id, at, claims=[
        ClaimResult(id="arrests", text="more than seventy were arrested", section="Arrests",
                    verdict=Verdict.CONTRADICTED, facts=[fact], sources=[s]),
        ClaimResult(id="unsourced", text="Nobody cites this.", verdict=Verdict.UNSOURCED),
    ])


def test_a_run_comes_back_from_the_database_as_it_was_stored(sf):
    assert previous_run(sf, "doc") is None
    recorded = record_run(sf, rich_run("r1", DAY0), DAY0, SETTINGS)
    assert recorded.previous is None
    back = previous_run(sf, "doc")
    assert back == recorded.run
    assert back.claims[0].sources[0].text.startswith("Police said 68")
    assert load_run(sf, "r1") == recorded.run
    second = record_run(sf, rich_run("r2", DAY0 + timedelta(days=1)), DAY0 + timedelta(days=1), SETTINGS)
    # the run to compare with comes without what a comparison does not read (evidence, fact results)
    lean = recorded.run.model_copy(update={"claims": [
        c.model_copy(update={"sources": [s.model_copy(update={"evidence": [], "facts": []}) for s in c.sources]})
        for c in recorded.run.claims]})
    assert second.previous == lean and any(s.evidence for c in recorded.run.claims for s in c.sources)
    assert [r.run_id for r in list_runs(sf, "doc")] == ["r2", "r1"]
    assert list_runs(sf, "doc")[0].claims == 2


def test_each_check_row_keeps_status_code_digest_hash_verdict_and_evidence(sf):
    record_run(sf, rich_run("r1", DAY0), DAY0, SETTINGS)
    with sf() as session:
        row = session.scalars(select(SourceCheckRow)).one()
    assert (row.status, row.http_status, row.content_digest, row.verdict) == (
        "redirected", 200, "sha1:ABC", "contradicted")
    assert row.text_hash and len(row.text_hash) == 64
    assert '"start": 0' in row.evidence_json and "68 people" in row.evidence_json


def test_recording_the_same_run_twice_is_refused(sf):
    record_run(sf, run("r1", DAY0), DAY0, SETTINGS)
    with pytest.raises(StateError, match="already recorded"):
        record_run(sf, run("r1", DAY0), DAY0, SETTINGS)
    assert len(list_runs(sf, "doc")) == 1


def test_datetimes_without_time_zone_are_refused(sf):
    naive = datetime(2026, 3, 1, 6, 0)
    with pytest.raises(Exception, match="time zone"):
        record_run(sf, run("r1", DAY0), naive, SETTINGS)


def record_concurrently(db_url: str, document_id: str, per_writer: int = 8) -> None:
    """Two writers (each with its own engine, like two worker processes) record runs of the same
    document at the same moment; every failure must be counted exactly once."""
    open_database(db_url)[0].dispose()
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        engine, session_factory = open_database(db_url)
        try:
            barrier.wait()
            for i in range(per_writer):
                at = DAY0 + timedelta(minutes=i)
                record_run(session_factory, dead_run(f"{document_id}-{name}-{i}", at, document_id=document_id),
                           at, SETTINGS)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine, session_factory = open_database(db_url)
    with session_factory() as session:
        counts = sorted(session.scalars(
            select(SourceCheckRow.failures).join(RunRow, RunRow.seq == SourceCheckRow.run_seq)
            .where(RunRow.document_id == document_id)).all())
    assert counts == list(range(1, 2 * per_writer + 1))
    assert source_history(session_factory, document_id)[A].failures == 2 * per_writer
    assert len(list_runs(session_factory, document_id, limit=100)) == 2 * per_writer
    engine.dispose()


def test_two_runs_of_one_document_recorded_at_once_keep_exact_counts(db_url):
    record_concurrently(db_url, "doc")


@pytest.fixture(scope="module")
def postgres_url():
    need_postgres()
    with temporary_postgres() as url:
        yield url


@pytest.mark.postgres
def test_history_on_postgresql_round_trips_and_serialises_concurrent_runs(postgres_url):
    tag = uuid.uuid4().hex[:8]  # CITEWATCH_TEST_POSTGRES_URL may name a server that outlives the test
    doc = f"pg-doc-{tag}"
    engine, session_factory = open_database(postgres_url)
    try:
        first = rich_run(f"pg-r1-{tag}", DAY0).model_copy(update={"document_id": doc})
        recorded = record_run(session_factory, first, DAY0, SETTINGS)
        assert previous_run(session_factory, doc) == recorded.run
        flag_claim(session_factory, doc, "arrests", "check", "amina", DAY0)
        assert [f.claim_id for f in active_flags(session_factory, doc)] == ["arrests"]
    finally:
        engine.dispose()
    record_concurrently(postgres_url, f"pg-concurrent-{tag}")


# --- flags and overrides -------------------------------------------------------------------


def test_flags_persist_until_unflagged(db_url):
    engine, sf1 = open_database(db_url)
    flag_claim(sf1, "doc", "c1", "Numbers differ between sources", "amina", DAY0)
    flag_claim(sf1, "doc", "c2", "Check the date", "bo", DAY0 + timedelta(hours=1))
    engine.dispose()
    engine, sf2 = open_database(db_url)  # a later run, another process
    flags = active_flags(sf2, "doc")
    assert [(f.claim_id, f.reason, f.who, f.created_at) for f in flags] == [
        ("c1", "Numbers differ between sources", "amina", DAY0),
        ("c2", "Check the date", "bo", DAY0 + timedelta(hours=1))]
    assert active_flags(sf2, "other-doc") == []
    assert unflag_claim(sf2, "doc", "c1", "amina", DAY0 + timedelta(days=1), "fixed") == 1
    assert unflag_claim(sf2, "doc", "c1", "amina", DAY0 + timedelta(days=1)) == 0
    assert [f.claim_id for f in active_flags(sf2, "doc")] == ["c2"]
    engine.dispose()


def test_overrides_replace_each_other_and_clear(sf):
    set_override(sf, "doc", "c1", A, False, "paywalled summary", "amina", DAY0)
    set_override(sf, "doc", "c1", A, True, "the full text says so", "bo", DAY0 + timedelta(hours=1))
    active = overrides(sf, "doc")
    assert [(o.url, o.supports, o.who) for o in active] == [(A, True, "bo")]
    assert clear_override(sf, "doc", "c1", A, "bo", DAY0 + timedelta(days=1))
    assert not clear_override(sf, "doc", "c1", A, "bo", DAY0 + timedelta(days=1))
    assert overrides(sf, "doc") == []


def two_source_run(run_id: str = "r1") -> RunResult:
    return run(run_id, DAY0, claims=[ClaimResult(
        id="c1", text="Claim one.", verdict=Verdict.CONTRADICTED,
        sources=[source(A, verdict=Verdict.CONTRADICTED), source(B, verdict=Verdict.NOT_FOUND)])])


def test_an_override_sticks_across_runs_and_keeps_the_machine_verdict(sf):
    set_override(sf, "doc", "c1", A, True, "the table on page 3 gives 70+", "amina", DAY0)
    for i in range(2):  # two later runs: the machine still says contradicted
        result = apply_overrides(two_source_run(f"r{i}"), overrides(sf, "doc"))
        claim = result.claims[0]
        a, b = claim.sources
        assert (a.verdict, a.override.machine_verdict, a.override.who) == (
            Verdict.SUPPORTED, Verdict.CONTRADICTED, "amina")
        assert b.verdict == Verdict.NOT_FOUND and b.override is None
        assert (claim.verdict, claim.machine_verdict) == (Verdict.SUPPORTED, Verdict.CONTRADICTED)
        recorded = record_run(sf, result, DAY0 + timedelta(days=i), SETTINGS)
        assert previous_run(sf, "doc").claims[0].sources[0].override.reason == "the table on page 3 gives 70+"
    assert apply_overrides(recorded.run, overrides(sf, "doc")) == recorded.run  # idempotent
    clear_override(sf, "doc", "c1", A, "amina", DAY0 + timedelta(days=3))
    restored = apply_overrides(recorded.run, overrides(sf, "doc"))
    assert restored.claims[0].verdict == Verdict.CONTRADICTED
    assert restored.claims[0].machine_verdict is None
    assert restored.claims[0].sources[0].verdict == Verdict.CONTRADICTED
    assert restored.claims[0].sources[0].override is None


def test_a_does_not_support_override_on_a_list_of_claims(sf):
    set_override(sf, "doc", "c1", B, False, "it is about another trial", "bo", DAY0)
    claims = run("r", DAY0, [source(A, verdict=Verdict.SUPPORTED), source(B, verdict=Verdict.SUPPORTED)]).claims
    out = apply_overrides(claims, overrides(sf, "doc"))
    assert isinstance(out, list)
    assert [s.verdict for s in out[0].sources] == [Verdict.SUPPORTED, Verdict.NOT_FOUND]
    assert out[0].verdict == Verdict.SUPPORTED


# --- what changed --------------------------------------------------------------------------

OLD = ("The operation began on 26 November 2015. Police said 68 people were arrested. "
       "The court sat in Baku. Families were not allowed to attend.")
NEW = ("The operation began on 26 November 2015. Police said 71 people were arrested. "
       "The court sat in Baku. Families were not allowed to attend.")


def test_first_run_has_nothing_to_compare():
    changes = what_changed(None, run("r1", DAY0))
    assert changes.first_run and changes.count == 0


def test_a_changed_page_gives_a_short_sentence_diff():
    changes = what_changed(run("r1", DAY0, [source(A, text=OLD)]),
                           run("r2", DAY0 + timedelta(days=1), [source(A, text=NEW)]))
    [change] = changes.content_changed
    assert change.url == A and change.claim_ids == ["c1"]
    assert [(d.op, d.text) for d in change.diff if d.op in "+-"] == [
        ("-", "Police said 68 people were arrested."), ("+", "Police said 71 people were arrested.")]
    assert {d.text for d in change.diff if d.op == " "} <= {
        "The operation began on 26 November 2015.", "The court sat in Baku."}
    assert "Families were not allowed to attend." not in {d.text for d in change.diff}
    assert change.before_hash != change.after_hash


def test_whitespace_only_changes_are_not_content_changes():
    changes = what_changed(run("r1", DAY0, [source(A, text=OLD)]),
                           run("r2", DAY0, [source(A, text=OLD.replace(" ", "  \n "))]))
    assert changes.content_changed == []


def test_a_long_diff_is_cut():
    before = " ".join(f"Sentence number {i} says one thing." for i in range(100))
    after = " ".join(f"Sentence number {i} says another thing." for i in range(100))
    [change] = what_changed(run("r1", DAY0, [source(A, text=before)]),
                            run("r2", DAY0, [source(A, text=after)])).content_changed
    assert change.truncated and len(change.diff) == MAX_DIFF_LINES


def test_a_wayback_copy_is_not_compared_with_the_live_page():
    changes = what_changed(run("r1", DAY0, [source(A, text=OLD)]),
                           run("r2", DAY0, [source(A, text=NEW, copy=CheckedCopy.WAYBACK)]))
    assert changes.content_changed == []


def test_verdict_flips_at_claim_and_source_level_and_claims_added_or_removed():
    before = run("r1", DAY0, claims=[
        ClaimResult(id="kept", text="Kept.", verdict=Verdict.SUPPORTED,
                    sources=[source(A, verdict=Verdict.SUPPORTED), source(B, verdict=Verdict.NOT_FOUND)]),
        ClaimResult(id="gone", text="Gone claim.", verdict=Verdict.UNSOURCED)])
    after = run("r2", DAY0, claims=[
        ClaimResult(id="kept", text="Kept.", verdict=Verdict.CONTRADICTED,
                    sources=[source(A, verdict=Verdict.SUPPORTED), source(B, verdict=Verdict.CONTRADICTED)]),
        ClaimResult(id="new", text="New claim.", verdict=Verdict.UNSOURCED)])
    changes = what_changed(before, after)
    assert [(f.claim_id, f.url, f.before, f.after) for f in changes.verdict_flips] == [
        ("kept", None, Verdict.SUPPORTED, Verdict.CONTRADICTED),
        ("kept", B, Verdict.NOT_FOUND, Verdict.CONTRADICTED)]
    assert [c.id for c in changes.claims_added] == ["new"]
    assert [(c.id, c.text) for c in changes.claims_removed] == [("gone", "Gone claim.")]


def test_a_one_source_claim_that_flips_is_listed_once():
    before = run("r1", DAY0, claims=[
        ClaimResult(id="solo", text="Solo.", verdict=Verdict.SUPPORTED, sources=[source(A, verdict=Verdict.SUPPORTED)])])
    after = run("r2", DAY0, claims=[
        ClaimResult(id="solo", text="Solo.", verdict=Verdict.CONTRADICTED,
                    sources=[source(A, verdict=Verdict.CONTRADICTED)])])
    changes = what_changed(before, after)
    assert [(f.claim_id, f.url, f.before, f.after) for f in changes.verdict_flips] == [
        ("solo", None, Verdict.SUPPORTED, Verdict.CONTRADICTED)]


def test_started_failing_and_recovered():
    before = run("r1", DAY0, [source(A), source(B, SourceStatus.DEAD)])
    after = run("r2", DAY0, [source(A, SourceStatus.DEAD), source(B)])
    changes = what_changed(before, after)
    assert [(c.url, c.before, c.after) for c in changes.started_failing] == [
        (A, SourceStatus.LIVE, SourceStatus.DEAD)]
    assert [(c.url, c.after) for c in changes.recovered] == [(B, SourceStatus.LIVE)]


def test_an_offline_run_reports_no_liveness_changes():
    before = run("r1", DAY0, [source(A)])
    after = run("r2", DAY0, [source(A, SourceStatus.UNREACHABLE)], offline=True)
    changes = what_changed(before, after)
    assert changes.started_failing == [] and changes.recovered == []


def test_what_changed_across_stored_runs_uses_the_stored_texts_and_streaks(sf):
    record_run(sf, run("r1", DAY0, [source(A, text=OLD), source(B)]), DAY0, SETTINGS)
    day1 = DAY0 + timedelta(days=1)
    record_run(sf, run("r2", day1, [source(A, text=OLD), source(B, SourceStatus.DEAD)]), day1, SETTINGS)
    day2 = DAY0 + timedelta(days=2)  # offline in between: B's streak survives it
    record_run(sf, run("r3", day2, [source(A, SourceStatus.UNREACHABLE), source(B, SourceStatus.UNREACHABLE)],
                       offline=True), day2, SETTINGS)
    day3 = DAY0 + timedelta(days=3)
    recorded = record_run(sf, run("r4", day3, [source(A, text=NEW), source(B)]), day3, SETTINGS)
    changes = what_changed(recorded.previous, recorded.run)
    assert changes.previous_run_id == "r2"  # the offline run r3 saw nothing: compared past it
    assert [c.url for c in changes.recovered] == [B]
    assert changes.started_failing == []
    [change] = changes.content_changed
    assert ("+", "Police said 71 people were arrested.") in [(d.op, d.text) for d in change.diff]
    assert previous_run(sf, "doc").run_id == "r4"


def test_an_empty_state_database_is_refused_not_taken_for_a_new_one(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"")
    os.utime(path, (time.time() - 3600, time.time() - 3600))  # cut short an hour ago
    with pytest.raises(StateError, match="is empty \\(0 bytes\\).*Restore it from a backup, or delete it"):
        open_database(f"sqlite:///{path}")
    assert path.stat().st_size == 0  # nothing was written into it


@pytest.mark.slow
def test_a_state_database_that_is_not_one_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"these are not the bytes of a database " * 100)
    with pytest.raises(StateError, match="cannot open the state database .*file is not a database"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == b"these are not the bytes of a database " * 100


def test_recording_copies_only_the_sources_whose_failure_history_it_fills_in(sf):
    # a large run must not be held twice while it is published: a healthy source (0 failures)
    # and its claim come back as they went in; a failing source gets its count in a copy
    healthy = ClaimResult(id="ok", text="Claim ok.", verdict=Verdict.SUPPORTED, sources=[source(A)])
    failing = ClaimResult(id="gone", text="Claim gone.", verdict=Verdict.UNVERIFIABLE,
                          sources=[source(B, SourceStatus.DEAD)])
    given = run("r1", DAY0, claims=[healthy, failing])
    recorded = record_run(sf, given, DAY0, SETTINGS)
    assert recorded.run.claims[0] is healthy
    assert recorded.run.claims[1] is not failing
    assert (recorded.run.claims[1].sources[0].failures, failing.sources[0].failures) == (1, 0)
    again = record_run(sf, run("r2", DAY0 + timedelta(days=1), claims=[healthy]), DAY0 + timedelta(days=1), SETTINGS)
    assert again.run.claims[0] is healthy
    assert [c.id for c in again.previous.claims] == ["ok", "gone"]
    assert [len(c.sources) for c in again.previous.claims] == [1, 1]
    assert again.previous.claims[1].sources[0].failures == 1
