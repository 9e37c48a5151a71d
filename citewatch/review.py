"""Editors' review notes: flags on claims and "this source does / does not support it" overrides.

Both are kept in the state database with who and when, and stay until a human clears them: a flag
shows at the top of every later report, an override replaces the machine's source verdict in every
later run (the machine verdict is kept next to it, see :func:`apply_overrides`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Boolean, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from citewatch.db import Base
from citewatch.models import Verdict
from citewatch.results import AppliedOverride, ClaimResult, RunResult, map_claims
from citewatch.sqltypes import UTCDateTime


class FlagRow(Base):
    __tablename__ = "review_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    claim_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cleared_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class OverrideRow(Base):
    __tablename__ = "review_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    claim_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    supports: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Flag(BaseModel):
    id: int
    document_id: str
    claim_id: str
    reason: str
    who: str
    created_at: datetime


class Override(BaseModel):
    id: int
    document_id: str
    claim_id: str
    url: str
    supports: bool
    reason: str
    who: str
    created_at: datetime


def _flag(row: FlagRow) -> Flag:
    return Flag(id=row.id, document_id=row.document_id, claim_id=row.claim_id, reason=row.reason,
                who=row.who, created_at=row.created_at)


def _override(row: OverrideRow) -> Override:
    return Override(id=row.id, document_id=row.document_id, claim_id=row.claim_id, url=row.url,
                    supports=row.supports, reason=row.reason, who=row.who, created_at=row.created_at)


# --- flags ---------------------------------------------------------------------------------


def flag_claim(session_factory: sessionmaker, document_id: str, claim_id: str, reason: str,
               who: str, now: datetime) -> Flag:
    """Record a review note on a claim. A claim may carry several flags (one per note)."""
    row = FlagRow(document_id=document_id, claim_id=claim_id, reason=reason, who=who, created_at=now)
    with session_factory.begin() as session:
        session.add(row)
        session.flush()
        return _flag(row)


def unflag_claim(session_factory: sessionmaker, document_id: str, claim_id: str, who: str,
                 now: datetime, reason: str | None = None) -> int:
    """Clear every active flag of the claim; returns how many were cleared (0: none was set)."""
    with session_factory.begin() as session:
        rows = session.scalars(
            select(FlagRow).where(FlagRow.document_id == document_id, FlagRow.claim_id == claim_id,
                                  FlagRow.cleared_at.is_(None))
        ).all()
        for row in rows:
            row.cleared_at, row.cleared_by, row.cleared_reason = now, who, reason
        return len(rows)


def active_flags(session_factory: sessionmaker, document_id: str) -> list[Flag]:
    """Flags not cleared yet, oldest first."""
    with session_factory() as session:
        rows = session.scalars(
            select(FlagRow).where(FlagRow.document_id == document_id, FlagRow.cleared_at.is_(None))
            .order_by(FlagRow.created_at, FlagRow.id)
        ).all()
        return [_flag(row) for row in rows]


# --- overrides -----------------------------------------------------------------------------


def _active_override_rows(session, document_id: str, claim_id: str | None = None,
                          url: str | None = None):
    query = select(OverrideRow).where(OverrideRow.document_id == document_id,
                                      OverrideRow.cleared_at.is_(None))
    if claim_id is not None:
        query = query.where(OverrideRow.claim_id == claim_id)
    if url is not None:
        query = query.where(OverrideRow.url == url)
    return session.scalars(query.order_by(OverrideRow.created_at, OverrideRow.id)).all()


def set_override(session_factory: sessionmaker, document_id: str, claim_id: str, url: str,
                 supports: bool, reason: str, who: str, now: datetime) -> Override:
    """Say a human found that the source does (``supports=True``) or does not support the claim.
    Replaces an earlier override of the same claim and source."""
    with session_factory.begin() as session:
        for old in _active_override_rows(session, document_id, claim_id, url):
            old.cleared_at, old.cleared_by = now, who
        row = OverrideRow(document_id=document_id, claim_id=claim_id, url=url, supports=supports,
                          reason=reason, who=who, created_at=now)
        session.add(row)
        session.flush()
        return _override(row)


def clear_override(session_factory: sessionmaker, document_id: str, claim_id: str, url: str,
                   who: str, now: datetime) -> bool:
    """Give the source back to the machine's verdict; False when no override was set."""
    with session_factory.begin() as session:
        rows = _active_override_rows(session, document_id, claim_id, url)
        for row in rows:
            row.cleared_at, row.cleared_by = now, who
        return bool(rows)


def overrides(session_factory: sessionmaker, document_id: str) -> list[Override]:
    """Active overrides of the document, oldest first."""
    with session_factory() as session:
        return [_override(row) for row in _active_override_rows(session, document_id)]


# --- applying overrides to results (pure) --------------------------------------------------


def _default_combine(verdicts: list[Verdict]) -> Verdict:
    from citewatch.check import combine_source_verdicts  # the one place the claim rule lives

    return combine_source_verdicts(verdicts)


def _apply_to_claim(claim: ClaimResult, by_source: dict[tuple[str, str], Override],
                    combine: Callable[[list[Verdict]], Verdict]) -> ClaimResult:
    sources = []
    changed = False
    for source in claim.sources:
        override = by_source.get((claim.id, source.url))
        machine = source.machine_verdict
        if override is None:
            if source.override is not None:  # an override was cleared: back to the machine
                source = source.model_copy(update={"verdict": machine, "override": None})
                changed = True
            sources.append(source)
            continue
        applied = AppliedOverride(supports=override.supports, reason=override.reason,
                                  who=override.who, at=override.created_at, machine_verdict=machine)
        verdict = Verdict.SUPPORTED if override.supports else Verdict.NOT_FOUND
        sources.append(source.model_copy(update={"verdict": verdict, "override": applied}))
        changed = True
    if not changed:
        return claim
    machine_claim = claim.machine_verdict or claim.verdict
    if not any(s.override for s in sources):
        return claim.model_copy(update={"sources": sources, "verdict": machine_claim,
                                        "machine_verdict": None})
    verdict = combine([s.verdict for s in sources])
    return claim.model_copy(update={"sources": sources, "verdict": verdict,
                                    "machine_verdict": machine_claim})


def apply_overrides(run_or_claims: RunResult | list[ClaimResult], active: Iterable[Override],
                    combine: Callable[[list[Verdict]], Verdict] | None = None):
    """Put human overrides over the machine's source verdicts and recompute the claim verdicts.

    Returns a copy of the same shape (a RunResult or a list of claims). An overridden source gets
    verdict ``supported`` (supports=True) or ``not_found`` (supports=False) and
    ``override.machine_verdict`` keeps what the machine said; its claim gets ``machine_verdict``.
    Applying twice gives the same result; a source whose override is gone gets its machine verdict
    back. ``combine`` is the claim rule (default: ``citewatch.check.combine_source_verdicts``).
    """
    applying = overrides_applied(active, combine)
    if isinstance(run_or_claims, RunResult):
        return run_or_claims.model_copy(update={"claims": map_claims(run_or_claims.claims, applying)})
    return [applying(c) for c in run_or_claims]


def overrides_applied(active: Iterable[Override], combine: Callable[[list[Verdict]], Verdict] | None = None
                      ) -> Callable[[ClaimResult], ClaimResult]:
    """:func:`apply_overrides` for one claim at a time (the claim itself when nothing changes):
    ``history.record_run`` applies it as it records each claim, so stored claims are read once."""
    combine = combine or _default_combine
    by_source = {(o.claim_id, o.url): o for o in active}  # later overrides win
    return lambda claim: _apply_to_claim(claim, by_source, combine)
