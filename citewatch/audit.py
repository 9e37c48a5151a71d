"""The audit log: who did what to which claim, when, and why. Every action of the review desk
writes one row; the claim page shows them, and each report lists the actions since the previous
run (``report["audit"]``, see :func:`actions_for_report`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from citewatch.db import Base
from citewatch.sqltypes import UTCDateTime


class AuditRow(Base):
    __tablename__ = "desk_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # flag, unflag, override, clear-override, ...
    document_id: Mapped[str] = mapped_column(String(200), index=True)
    claim_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    what: Mapped[str] = mapped_column(Text)  # the action in words: "flagged", "source does not support"
    why: Mapped[str] = mapped_column(Text)


class AuditEntry(BaseModel):
    id: int
    at: datetime
    who: str
    action: str
    document_id: str
    claim_id: str | None
    url: str | None
    what: str
    why: str


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(id=row.id, at=row.at, who=row.who, action=row.action,
                      document_id=row.document_id, claim_id=row.claim_id, url=row.url,
                      what=row.what, why=row.why)


def record_action(sf: sessionmaker, *, who: str, action: str, document_id: str, what: str,
                  why: str, now: datetime, claim_id: str | None = None,
                  url: str | None = None) -> AuditEntry:
    row = AuditRow(at=now, who=who, action=action, document_id=document_id, claim_id=claim_id,
                   url=url, what=what, why=why)
    with sf.begin() as session:
        session.add(row)
        session.flush()
        return _entry(row)


def audit_entries(sf: sessionmaker, document_id: str, claim_id: str | None = None,
                  since: datetime | None = None, limit: int = 200) -> list[AuditEntry]:
    """The document's (or one claim's) actions, newest first."""
    query = select(AuditRow).where(AuditRow.document_id == document_id)
    if claim_id is not None:
        query = query.where(AuditRow.claim_id == claim_id)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    with sf() as session:
        rows = session.scalars(query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit))
        return [_entry(row) for row in rows]


def actions_for_report(sf: sessionmaker, document_id: str, previous_started_at: datetime | None) -> list[dict]:
    """The report's ``audit`` field: the desk's actions on the document since the previous run
    started (all of them before a second run), oldest first, as JSON-ready dicts."""
    entries = audit_entries(sf, document_id, since=previous_started_at)
    return [e.model_dump(mode="json", exclude={"id", "document_id"}) for e in reversed(entries)]
