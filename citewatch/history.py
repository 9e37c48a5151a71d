"""Run history: every run of a document, each source check and claim verdict, and the failure
history of each source (failing since when, how many checks in a row, confirmed dead or not).

How a run flows through here (the flows layer calls these; nothing here knows Prefect)::

    run = RunResult(...)                                   # the pipeline's results (citewatch.results)
    run = apply_overrides(run, overrides(sf, doc_id))      # citewatch.review: humans over machine
    recorded = record_run(sf, run, now, settings)          # stores it; fills failures/failing_since/
                                                           #   confirmed_dead on every source
    changes = what_changed(recorded.previous, recorded.run)            # citewatch.changes
    report = build_report(recorded.run, changes, active_flags(sf, doc_id), recorded.history,
                          overrides=overrides(sf, doc_id))              # citewatch.report
    paths = write_reports(report, settings.reports_dir)

``record_run`` reads the previous run inside the same transaction that stores the new one, and
that transaction starts by writing the document's lock row: SQLite then holds its write lock and
PostgreSQL the row lock until commit, so two runs of one document are recorded one after the
other and the failure counts stay exact. ``previous_run`` is for readers (CLI, tests).

The confirmed-dead rule (as Wikipedia's link-rescue bot): a source is confirmed dead only after
``confirm_dead_failures`` failed checks in a row spread over at least ``confirm_dead_days`` days.
A check in an offline run changes nothing, nor does a URL that citewatch's own address guard
refused to fetch (``forbidden_address``: a loopback or private address, which says nothing about
the page and is usually a run without ``CITEWATCH_ALLOW_PRIVATE_HOSTS`` on a test web). A
readable check resets the count. A source that the site refuses (``blocked``) is counted as
failing but never confirmed dead: the page may well exist; nor is one an editor marked "not dead"
(:func:`mark_not_dead`, a false alarm) until the mark is cleared. History is kept per document
and URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, cast

from pydantic import BaseModel
from sqlalchemy import Boolean, CursorResult, ForeignKey, Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from citewatch.config import Settings, load_settings
from citewatch.db import Base
from citewatch.errors import StateError
from citewatch.models import SourceStatus
from citewatch.results import ClaimResult, RunResult, SourceResult, StoredClaims, map_claims
from citewatch.review import (  # noqa: F401 - re-exported: the review tables live in the same database
    Flag,
    Override,
    active_flags,
    apply_overrides,
    clear_override,
    flag_claim,
    overrides,
    set_override,
    unflag_claim,
)
from citewatch.sqltypes import UTCDateTime

NEVER_CONFIRMED_DEAD = frozenset({SourceStatus.BLOCKED, SourceStatus.FORBIDDEN_ADDRESS})
# Refused by citewatch itself before a byte was sent: neither a failure nor a success of the source.
NOT_A_CHECK = frozenset({SourceStatus.FORBIDDEN_ADDRESS})
ROWS_PER_STATEMENT = 400  # rows or parameters per statement: well under SQLite's limit on bound variables
ROWS_PER_INSERT = 1000  # rows of a run per executemany


# --- tables --------------------------------------------------------------------------------


class DocumentLockRow(Base):
    """One row per document; writing it first serialises the recording of that document's runs."""

    __tablename__ = "history_document_locks"

    document_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(200))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RunRow(Base):
    __tablename__ = "history_runs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(200), unique=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    document_title: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    offline: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClaimVerdictRow(Base):
    __tablename__ = "history_claim_verdicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_seq: Mapped[int] = mapped_column(ForeignKey("history_runs.seq", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    claim_id: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(40))
    machine_verdict: Mapped[str | None] = mapped_column(String(40), nullable=True)
    result_json: Mapped[str] = mapped_column(Text)  # the ClaimResult without its sources


class SourceCheckRow(Base):
    __tablename__ = "history_source_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_seq: Mapped[int] = mapped_column(ForeignKey("history_runs.seq", ondelete="CASCADE"), index=True)
    claim_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(40))
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checked_copy: Mapped[str | None] = mapped_column(String(40), nullable=True)
    verdict: Mapped[str] = mapped_column(String(40))
    machine_verdict: Mapped[str] = mapped_column(String(40))
    content_digest: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evidence_json: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_dead: Mapped[bool] = mapped_column(Boolean)
    result_json: Mapped[str] = mapped_column(Text)  # the SourceResult without its text


class TextRow(Base):
    """Extracted texts, stored once per distinct text (a page that did not change costs nothing)."""

    __tablename__ = "history_texts"

    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class SourceStateRow(Base):
    __tablename__ = "history_source_state"

    document_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_dead: Mapped[bool] = mapped_column(Boolean)
    last_status: Mapped[str] = mapped_column(String(40))
    last_checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotDeadRow(Base):
    """An editor's "this source is not dead" (a false alarm): while it stands, the confirmed-dead
    rule never confirms the URL dead for the document; failed checks are still counted."""

    __tablename__ = "history_not_dead"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


# --- the failure-history rule (pure) -------------------------------------------------------


class SourceHistory(BaseModel):
    """What the checks so far say about one URL of one document."""

    failures: int = 0  # failed checks in a row (offline runs skipped)
    failing_since: datetime | None = None  # the first failed check of the current streak
    confirmed_dead: bool = False
    last_status: SourceStatus | None = None
    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None


@dataclass(frozen=True)
class DeadRule:
    failures: int = 3
    days: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeadRule:
        return cls(failures=settings.confirm_dead_failures, days=settings.confirm_dead_days)


def next_history(previous: SourceHistory | None, status: SourceStatus, offline: bool,
                 now: datetime, rule: DeadRule = DeadRule()) -> SourceHistory:
    """The history of a URL after one more check that ended with ``status`` at ``now``."""
    previous = previous or SourceHistory()
    if status.readable:
        return SourceHistory(last_status=status, last_checked_at=now, last_ok_at=now)
    if offline or status in NOT_A_CHECK:  # nothing was asked of the source: it says nothing
        return previous.model_copy(update={"last_status": status, "last_checked_at": now})
    failures = previous.failures + 1
    since = previous.failing_since or now
    spread = now - since >= timedelta(days=rule.days)
    confirmed = previous.confirmed_dead or (
        failures >= rule.failures and spread and status not in NEVER_CONFIRMED_DEAD
    )
    return SourceHistory(failures=failures, failing_since=since, confirmed_dead=confirmed,
                         last_status=status, last_checked_at=now, last_ok_at=previous.last_ok_at)


# --- recording -----------------------------------------------------------------------------


class RecordedRun(BaseModel):
    run: RunResult  # the run as stored, with failures/failing_since/confirmed_dead filled
    # The document's latest earlier run that was not offline (else the latest): what to compare with,
    # loaded without its sources' evidence and fact results (load_run has them).
    previous: RunResult | None
    history: dict[str, SourceHistory]  # by URL


def _dialect_insert(session: Session, table):
    name = session.get_bind().dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite
        return sqlite.insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert(table)
    raise StateError(  # pragma: no cover - only SQLite and PostgreSQL are supported
        f"the state database must be SQLite or PostgreSQL, not {name}")


def _lock_document(session: Session, document_id: str, run_id: str, now: datetime) -> None:
    # This write is the transaction's first statement: from here to commit, SQLite holds its
    # write lock (waiting for the other run through busy_timeout) and PostgreSQL the row lock.
    stmt = _dialect_insert(session, DocumentLockRow).values(document_id=document_id, run_id=run_id,
                                                             locked_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["document_id"],
                                               set_={"run_id": run_id, "locked_at": now}))


def _chunks(items: list, size: int = ROWS_PER_STATEMENT) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _store_texts(session: Session, texts: dict[str, str]) -> None:
    """Store the texts (by hash) the history does not hold yet (an unchanged page's text is there
    already: it is neither sent to the database again nor compiled into a statement)."""
    for chunk in _chunks(list(texts)):
        known = set(session.scalars(select(TextRow.text_hash).where(TextRow.text_hash.in_(chunk))))
        new = [{"text_hash": h, "text": texts[h]} for h in chunk if h not in known]
        if new:  # one statement for many rows (executemany); a concurrent run may have stored one
            stmt = _dialect_insert(session, TextRow).on_conflict_do_nothing(index_elements=["text_hash"])
            session.execute(stmt, new)


def _load_states(session: Session, document_id: str) -> dict[str, SourceStateRow]:
    rows = session.scalars(select(SourceStateRow).where(SourceStateRow.document_id == document_id))
    return {row.url: row for row in rows}


def _history_of(row: SourceStateRow) -> SourceHistory:
    return SourceHistory(failures=row.failures, failing_since=row.failing_since,
                         confirmed_dead=row.confirmed_dead, last_status=SourceStatus(row.last_status),
                         last_checked_at=row.last_checked_at, last_ok_at=row.last_ok_at)


def _state_row(document_id: str, url: str, h: SourceHistory) -> dict:
    if h.last_status is None:  # every history updated by a run has one
        raise StateError(f"the history of {url} has no last status to save")
    return {"document_id": document_id, "url": url, "failures": h.failures,
            "failing_since": h.failing_since, "confirmed_dead": h.confirmed_dead,
            "last_status": h.last_status.value, "last_checked_at": h.last_checked_at,
            "last_ok_at": h.last_ok_at}


def _save_states(session: Session, document_id: str, history: dict[str, SourceHistory]) -> None:
    values = [_state_row(document_id, url, h) for url, h in history.items()]
    if not values:
        return
    stmt = _dialect_insert(session, SourceStateRow)
    keys = ("failures", "failing_since", "confirmed_dead", "last_status", "last_checked_at", "last_ok_at")
    stmt = stmt.on_conflict_do_update(index_elements=["document_id", "url"],
                                      set_={k: getattr(stmt.excluded, k) for k in keys})
    session.execute(stmt, values)


def _with_history(claim: ClaimResult, history: dict[str, SourceHistory]) -> ClaimResult:
    """The claim with each source's failure history filled in. Only the sources whose history
    differs from what they carry are copied (a healthy source keeps 0 / None / False), and the
    claim only when one of its sources was: a large run is not held twice while it is published."""
    def annotate(source: SourceResult) -> SourceResult:
        h = history[source.url]
        if (source.failures, source.failing_since, source.confirmed_dead) == (
                h.failures, h.failing_since, h.confirmed_dead):
            return source
        return source.model_copy(update={"failures": h.failures, "failing_since": h.failing_since,
                                         "confirmed_dead": h.confirmed_dead})

    sources = [annotate(s) for s in claim.sources]
    if all(new is old for new, old in zip(sources, claim.sources)):
        return claim
    return claim.model_copy(update={"sources": sources})


class _RunRows:
    """The rows of one run, added claim by claim and inserted a thousand at a time (Core
    executemany, not ORM objects: a registry of thousands of sources stays quick to record, and
    a huge one never holds all its rows as JSON); the texts of its sources gathered by hash."""

    def __init__(self, session: Session, run: RunResult, now: datetime):
        self.session = session
        inserted = cast(CursorResult, session.execute(insert(RunRow).values(  # an INSERT's result is a cursor's
            run_id=run.run_id, document_id=run.document_id, document_title=run.document_title,
            started_at=run.started_at, finished_at=run.finished_at, offline=run.offline, recorded_at=now,
        )))
        key = inserted.inserted_primary_key
        if key is None:  # never: SQLite and PostgreSQL both give the new row's key
            raise StateError(f"the database gave no key for the row of run {run.run_id}")
        self.seq = key[0]
        self.position = 0
        self.claims: list[dict] = []
        self.checks: list[dict] = []
        self.texts: dict[str, str] = {}  # the page texts the run's claims share, by hash

    def add(self, claim: ClaimResult) -> None:
        self.claims.append({
            "run_seq": self.seq, "position": self.position, "claim_id": claim.id,
            "verdict": claim.verdict.value,
            "machine_verdict": claim.machine_verdict.value if claim.machine_verdict else None,
            "result_json": claim.model_dump_json(exclude={"sources"}),
        })
        self.position += 1
        for source_position, s in enumerate(claim.sources):
            if s.text and s.text_hash:
                self.texts.setdefault(s.text_hash, s.text)
            self.checks.append({
                "run_seq": self.seq, "claim_id": claim.id, "position": source_position, "url": s.url,
                "status": s.status.value, "http_status": s.http_status,
                "checked_copy": s.checked_copy.value if s.checked_copy else None,
                "verdict": s.verdict.value, "machine_verdict": s.machine_verdict.value,
                "content_digest": s.content_digest, "text_hash": s.text_hash,
                "evidence_json": json.dumps([e.model_dump(mode="json") for e in s.evidence]),
                "failures": s.failures, "failing_since": s.failing_since,
                "confirmed_dead": s.confirmed_dead, "result_json": s.model_dump_json(exclude={"text"}),
            })
        if len(self.checks) >= ROWS_PER_INSERT:
            self.flush()

    def flush(self) -> None:
        if self.claims:
            self.session.execute(insert(ClaimVerdictRow), self.claims)
        if self.checks:
            self.session.execute(insert(SourceCheckRow), self.checks)
        self.claims.clear()
        self.checks.clear()


def _record_claims(session: Session, run: RunResult, now: datetime, history: dict[str, SourceHistory],
                   history_of: Callable[[SourceResult], SourceHistory],
                   change: Callable[[ClaimResult], ClaimResult] | None) -> RunResult:
    """Store the run claim by claim, each read once (its claims may be stored ones, parsed at each
    read): ``change`` applied to it first, the history of a URL decided by its first result
    (``history_of``, kept in ``history``), every source annotated with it, the rows of the claim
    added. Returns the run as stored."""
    rows = _RunRows(session, run, now)

    def record(claim: ClaimResult) -> ClaimResult:
        claim = change(claim) if change is not None else claim
        for source in claim.sources:
            if source.url not in history:
                history[source.url] = history_of(source)
        annotated = _with_history(claim, history)
        rows.add(annotated)
        return annotated

    claims = map_claims(run.claims, record)  # stored claims changed one at a time, the others kept as stored
    unchanged = not isinstance(claims, StoredClaims) and all(new is old for new, old in zip(claims, run.claims))
    stored = run if unchanged else run.model_copy(update={"claims": claims})
    rows.flush()
    _store_texts(session, rows.texts)
    return stored


def record_run(session_factory: sessionmaker, run: RunResult, now: datetime,
               settings: Settings | None = None,
               before_commit: Callable[[RecordedRun], None] | None = None,
               change: Callable[[ClaimResult], ClaimResult] | None = None) -> RecordedRun:
    """Store one run of a document and update the failure history of its sources.

    ``now`` is the time of the checks (the confirmed-dead rule measures days with it; tests pass
    their own clock). ``settings`` gives the rule (``confirm_dead_failures``/``_days``).
    ``before_commit(recorded)`` runs inside the transaction, once everything is stored: when it
    raises, nothing is recorded (writing the reports goes there, so a run whose reports could not
    be written is not in the history, and running it again is safe).
    ``change`` is applied to each claim as it is recorded (``review.overrides_applied``: the
    editors' overrides), in the same reading of the claim as the recording.
    Raises StateError when a run with the same id was already recorded.
    """
    rule = DeadRule.from_settings(settings or load_settings())
    with session_factory.begin() as session:
        _lock_document(session, run.document_id, run.run_id, now)
        if session.scalar(select(RunRow.seq).where(RunRow.run_id == run.run_id)) is not None:
            raise StateError(f"run {run.run_id!r} was already recorded; give each run its own id")
        previous = _comparison_base(session, run.document_id)
        rows = _load_states(session, run.document_id)
        not_dead = _not_dead_urls(session, run.document_id)
        history: dict[str, SourceHistory] = {}

        def history_of(source: SourceResult) -> SourceHistory:  # given the first result of its URL
            after = next_history(_history_of(rows[source.url]) if source.url in rows else None,
                                 source.status, run.offline, now, rule)
            if source.url in not_dead:  # a human said it is a false alarm
                after = after.model_copy(update={"confirmed_dead": False})
            return after

        stored = _record_claims(session, run, now, history, history_of, change)  # each claim read once
        _save_states(session, run.document_id, history)
        recorded = RecordedRun(run=stored, previous=previous, history=history)
        if before_commit is not None:
            before_commit(recorded)
    return recorded


# --- false alarms ("this source is not dead") ------------------------------------------------


def _active_not_dead(session: Session, document_id: str, url: str | None = None):
    query = select(NotDeadRow).where(NotDeadRow.document_id == document_id, NotDeadRow.cleared_at.is_(None))
    if url is not None:
        query = query.where(NotDeadRow.url == url)
    return session.scalars(query.order_by(NotDeadRow.created_at, NotDeadRow.id)).all()


def _not_dead_urls(session: Session, document_id: str) -> set[str]:
    return {row.url for row in _active_not_dead(session, document_id)}


def mark_not_dead(session_factory: sessionmaker, document_id: str, url: str, reason: str, who: str,
                  now: datetime) -> None:
    """Record that the source is not dead (a false alarm) and take back its confirmed-dead state
    at once; it stays unconfirmed at every later run until :func:`clear_not_dead`."""
    with session_factory.begin() as session:
        _lock_document(session, document_id, f"not-dead:{now.isoformat()}", now)  # not during a run's recording
        for old in _active_not_dead(session, document_id, url):
            old.cleared_at, old.cleared_by = now, who
        session.add(NotDeadRow(document_id=document_id, url=url, reason=reason, who=who, created_at=now))
        state = session.get(SourceStateRow, (document_id, url))
        if state is not None:
            state.confirmed_dead = False


def clear_not_dead(session_factory: sessionmaker, document_id: str, url: str, who: str, now: datetime) -> bool:
    """Let the confirmed-dead rule judge the source again from its next run; False if unmarked."""
    with session_factory.begin() as session:
        rows = _active_not_dead(session, document_id, url)
        for row in rows:
            row.cleared_at, row.cleared_by = now, who
        return bool(rows)


def not_dead_marks(session_factory: sessionmaker, document_id: str) -> dict[str, dict]:
    """The standing false alarms of the document by URL: who, when, why."""
    with session_factory() as session:
        return {row.url: {"who": row.who, "at": row.created_at, "reason": row.reason}
                for row in _active_not_dead(session, document_id)}


# --- reading -------------------------------------------------------------------------------


def _load_run(session: Session, row: RunRow, lean: bool = False) -> RunResult:
    """A recorded run, with its texts. ``lean`` leaves out each source's evidence and fact
    results (what a comparison of two runs does not read) and keeps its claims as
    :class:`StoredClaims`: a run of a huge registry is then loaded for "what changed" at a
    fraction of its size. Rows are read a thousand at a time."""
    text_hashes = sorted(h for h in session.scalars(
        select(SourceCheckRow.text_hash).where(SourceCheckRow.run_seq == row.seq).distinct()) if h)
    texts: dict[str, str] = {}
    for chunk in _chunks(text_hashes):
        texts.update(session.execute(select(TextRow.text_hash, TextRow.text)
                                     .where(TextRow.text_hash.in_(chunk))).all())
    fields = dict(document_id=row.document_id, document_title=row.document_title, run_id=row.run_id,
                  started_at=row.started_at, finished_at=row.finished_at, offline=row.offline)
    if lean:
        stored = _stored_side_by_side(session, row.seq, texts)
        if stored is not None:
            return RunResult.with_claims(stored, **fields)
    checks = _check_rows(session, row.seq)
    sources_of: dict[str, list[SourceResult]] = {}
    for claim_id, hash_, result_json in checks:
        sources_of.setdefault(claim_id, []).append(_source_of(result_json, texts.get(hash_), lean))
    claims = (_claim_of(result_json, sources_of.pop(claim_id, []))
              for claim_id, result_json in _claim_rows(session, row.seq))
    return RunResult.with_claims(StoredClaims(claims) if lean else list(claims), **fields)


def _check_rows(session: Session, seq: int):
    return session.execute(
        select(SourceCheckRow.claim_id, SourceCheckRow.text_hash, SourceCheckRow.result_json)
        .where(SourceCheckRow.run_seq == seq).order_by(SourceCheckRow.id)
        .execution_options(yield_per=ROWS_PER_INSERT))


def _claim_rows(session: Session, seq: int):
    return session.execute(
        select(ClaimVerdictRow.claim_id, ClaimVerdictRow.result_json)
        .where(ClaimVerdictRow.run_seq == seq).order_by(ClaimVerdictRow.position)
        .execution_options(yield_per=ROWS_PER_INSERT))


def _stored_side_by_side(session: Session, seq: int, texts: dict[str, str]) -> StoredClaims | None:
    """The claims of a run, lean and stored, read side by side with their sources: ``_RunRows.add``
    writes each claim's sources after those of the claims before it, so no claim's sources wait
    in memory for their claim. None when the rows are not in that order (then they are matched
    by claim id, as for a whole run)."""
    checks = iter(_check_rows(session, seq))
    ahead = next(checks, None)
    stored = StoredClaims()
    for claim_id, result_json in _claim_rows(session, seq):
        sources = []
        while ahead is not None and ahead[0] == claim_id:
            sources.append(_source_of(ahead[2], texts.get(ahead[1]), True))
            ahead = next(checks, None)
        stored.append(_claim_of(result_json, sources))
    return stored if ahead is None else None


def _claim_of(result_json: str, sources: list[SourceResult]) -> ClaimResult:
    """A stored claim with its sources put in place (not a copy of it: a run of 100,000 claims
    would be held twice while it loads)."""
    claim = ClaimResult.model_validate_json(result_json)
    claim.sources = sources
    return claim


def _source_of(result_json: str, text: str | None, lean: bool) -> SourceResult:
    if lean:
        data = json.loads(result_json)
        data.pop("evidence", None)
        data.pop("facts", None)
        if text is not None:
            data["text"] = text
        return SourceResult.model_validate(data)  # the text put in, not in a copy of the source
    source = SourceResult.model_validate_json(result_json)
    return source if text is None else source.model_copy(update={"text": text})


def _load_latest_run(session: Session, document_id: str, online: bool = False, lean: bool = False) -> RunResult | None:
    query = select(RunRow).where(RunRow.document_id == document_id)
    if online:
        query = query.where(RunRow.offline.is_(False))
    row = session.scalars(query.order_by(RunRow.seq.desc()).limit(1)).first()
    return _load_run(session, row, lean) if row is not None else None


def _comparison_base(session: Session, document_id: str) -> RunResult | None:
    # An offline run saw nothing new, so "what changed" looks past it to the last run that did.
    # Only compared (changes.what_changed): loaded without evidence and fact results.
    return (_load_latest_run(session, document_id, online=True, lean=True)
            or _load_latest_run(session, document_id, lean=True))


def previous_run(session_factory: sessionmaker, document_id: str) -> RunResult | None:
    """The latest recorded run of the document, with texts, or None before the first run.
    (``record_run`` returns the run to compare with as ``RecordedRun.previous``.)"""
    with session_factory() as session:
        return _load_latest_run(session, document_id)


def load_run(session_factory: sessionmaker, run_id: str, lean: bool = False) -> RunResult | None:
    """A recorded run by id; ``lean``: without evidence and fact results, its claims stored
    (:class:`~citewatch.results.StoredClaims`), for comparing and counting."""
    with session_factory() as session:
        row = session.scalars(select(RunRow).where(RunRow.run_id == run_id)).first()
        return _load_run(session, row, lean) if row is not None else None


def source_history(session_factory: sessionmaker, document_id: str) -> dict[str, SourceHistory]:
    """The failure history of every URL the document's runs checked."""
    with session_factory() as session:
        return {url: _history_of(row) for url, row in _load_states(session, document_id).items()}


def documents_with_runs(session_factory: sessionmaker) -> list[str]:
    """The ids of the documents this database has recorded runs of, sorted."""
    with session_factory() as session:
        return sorted(session.scalars(select(RunRow.document_id).distinct()))


class RunSummary(BaseModel):
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    offline: bool
    claims: int


def list_runs(session_factory: sessionmaker, document_id: str, limit: int = 20) -> list[RunSummary]:
    """The document's latest runs, newest first."""
    with session_factory() as session:
        rows = session.execute(
            select(RunRow, func.count(ClaimVerdictRow.id))
            .outerjoin(ClaimVerdictRow, ClaimVerdictRow.run_seq == RunRow.seq)
            .where(RunRow.document_id == document_id)
            .group_by(RunRow.seq).order_by(RunRow.seq.desc()).limit(limit)
        ).all()
        return [RunSummary(run_id=r.run_id, started_at=r.started_at, finished_at=r.finished_at,
                           offline=r.offline, claims=n) for r, n in rows]


__all__ = [
    "DeadRule", "RecordedRun", "RunSummary", "SourceHistory", "clear_not_dead", "documents_with_runs", "list_runs",
    "load_run", "mark_not_dead", "next_history", "not_dead_marks", "previous_run", "record_run", "source_history",
    "Flag", "Override", "active_flags", "apply_overrides", "clear_override", "flag_claim",
    "overrides", "set_override", "unflag_claim",
]
