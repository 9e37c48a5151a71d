"""What the desk shows, read from the state database: the report of a document as of now (its
latest run with today's flags and overrides), one summary row per document, the claims a filter
keeps, and everything the claim page needs (status timelines, captures, diffs, notes, audit)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from citewatch.archive import WarcArchive
from citewatch.audit import actions_for_report, audit_entries
from citewatch.changes import what_changed
from citewatch.history import (
    RunRow,
    SourceCheckRow,
    documents_with_runs,
    list_runs,
    load_run,
    not_dead_marks,
    previous_run,
    source_history,
)
from citewatch.report import attention_order, build_report
from citewatch.results import RunResult
from citewatch.review import FlagRow, OverrideRow, active_flags, apply_overrides, overrides

# The filters of the document page: query parameter -> what it keeps.
CLAIM_FILTERS = ("verdict", "flag", "changed", "status")


def comparison_base(sf: sessionmaker, document_id: str, latest_run_id: str,
                    lean: bool = False) -> RunResult | None:
    """The run the latest one is compared with, as ``record_run`` chose it: the newest earlier
    run that was not offline, else the newest earlier one (``lean``: as ``load_run`` loads it)."""
    earlier = [r for r in list_runs(sf, document_id, limit=100) if r.run_id != latest_run_id]
    chosen = next((r for r in earlier if not r.offline), earlier[0] if earlier else None)
    return load_run(sf, chosen.run_id, lean=lean) if chosen else None


def current_report(sf: sessionmaker, document_id: str, now: datetime | None = None) -> dict | None:
    """The report of the document's latest run with the flags and overrides in force now, and
    the desk's actions since the previous run (``audit``, additive); None before the first run."""
    latest = previous_run(sf, document_id)
    if latest is None:
        return None
    base = comparison_base(sf, document_id, latest.run_id)
    active = overrides(sf, document_id)
    run = apply_overrides(latest, active)
    report = build_report(run, what_changed(base, run), active_flags(sf, document_id),
                          source_history(sf, document_id), overrides=active,
                          generated_at=now or datetime.now(timezone.utc))
    report["audit"] = actions_for_report(sf, document_id, base.started_at if base else None)
    return report


def changed_claim_ids(report: Mapping) -> set[str]:
    """The claims something happened to at the last run."""
    changes = report.get("changes") or {}
    ids: set[str] = set()
    for key in ("started_failing", "recovered", "content_changed"):
        for item in changes.get(key, []):
            ids.update(item["claim_ids"])
    ids.update(f["claim_id"] for f in changes.get("verdict_flips", []))
    ids.update(c["id"] for c in changes.get("claims_added", []))
    return ids


def _source_state(source: Mapping) -> set[str]:
    states = {source["status"]}
    if source.get("failures", 0) > 0:
        states.add("failing")
    if source.get("confirmed_dead"):
        states.add("confirmed_dead")
    return states


def claim_matches(claim: Mapping, filters: Mapping[str, str], changed: set[str]) -> bool:
    """Whether the document page's filters keep the claim. ``verdict``: a verdict; ``flag``:
    ``flagged`` or ``unflagged``; ``changed``: ``yes``; ``status``: a source status, ``failing``
    or ``confirmed_dead`` (any source of the claim)."""
    verdict = filters.get("verdict")
    if verdict and claim["verdict"] != verdict:
        return False
    flag = filters.get("flag")
    if flag == "flagged" and not claim.get("flags"):
        return False
    if flag == "unflagged" and claim.get("flags"):
        return False
    if filters.get("changed") == "yes" and claim["id"] not in changed:
        return False
    status = filters.get("status")
    if status and not any(status in _source_state(s) for s in claim["sources"]):
        return False
    return True


def document_claims(report: Mapping, filters: Mapping[str, str]) -> list[dict]:
    """The claims the filters keep, most urgent first."""
    changed = changed_claim_ids(report)
    return [c for c in attention_order(report["claims"]) if claim_matches(c, filters, changed)]


def document_rows(sf: sessionmaker, reports: ReportCache | None = None) -> list[dict]:
    """One row per document with runs: its last run, verdict counts, failing and dead sources,
    open flags and what changed."""
    rows = []
    for document_id in documents_with_runs(sf):
        report = reports.get(document_id) if reports is not None else current_report(sf, document_id)
        if report is None:
            continue
        rows.append({"id": document_id, "title": report["document"]["title"], "run": report["run"],
                     "summary": report["summary"], "changes": report["changes"]})
    return rows


# --- the claim page ------------------------------------------------------------------------------


def source_timeline(sf: sessionmaker, document_id: str, claim_id: str, url: str,
                    limit: int = 30) -> list[dict]:
    """The status of one source of one claim at each run, oldest first (the last ``limit``)."""
    with sf() as session:
        rows = session.execute(
            select(RunRow.run_id, RunRow.started_at, RunRow.offline, SourceCheckRow.status,
                   SourceCheckRow.http_status, SourceCheckRow.verdict, SourceCheckRow.failures,
                   SourceCheckRow.confirmed_dead, SourceCheckRow.text_hash)
            .join(RunRow, RunRow.seq == SourceCheckRow.run_seq)
            .where(RunRow.document_id == document_id, SourceCheckRow.claim_id == claim_id,
                   SourceCheckRow.url == url)
            .order_by(RunRow.seq.desc()).limit(limit)
        ).all()
    return [{"run_id": r.run_id, "started_at": r.started_at, "offline": r.offline, "status": r.status,
             "http_status": r.http_status, "verdict": r.verdict, "failures": r.failures,
             "confirmed_dead": r.confirmed_dead, "text_hash": r.text_hash} for r in reversed(rows)]


def _notes(sf: sessionmaker, document_id: str, claim_id: str) -> tuple[list[dict], list[dict]]:
    """Every flag and override of the claim, cleared ones too, newest first."""
    with sf() as session:
        flags = session.scalars(select(FlagRow).where(FlagRow.document_id == document_id,
                                                      FlagRow.claim_id == claim_id)
                                .order_by(FlagRow.created_at.desc(), FlagRow.id.desc())).all()
        overridden = session.scalars(select(OverrideRow).where(OverrideRow.document_id == document_id,
                                                               OverrideRow.claim_id == claim_id)
                                     .order_by(OverrideRow.created_at.desc(), OverrideRow.id.desc())).all()
    flag_rows = [{"reason": f.reason, "who": f.who, "at": f.created_at, "cleared_at": f.cleared_at,
                  "cleared_by": f.cleared_by, "cleared_reason": f.cleared_reason} for f in flags]
    override_rows = [{"url": o.url, "supports": o.supports, "reason": o.reason, "who": o.who,
                      "at": o.created_at, "cleared_at": o.cleared_at, "cleared_by": o.cleared_by}
                     for o in overridden]
    return flag_rows, override_rows


def _captures(archive: WarcArchive | None, url: str) -> list[dict]:
    if archive is None:
        return []
    return [{"id": c.id, "fetched_at": c.fetched_at, "http_status": c.http_status, "status": c.status,
             "digest": c.payload_digest, "revisit": c.is_revisit, "readable": c.has_payload}
            for c in reversed(archive.captures(url))]


def claim_page(sf: sessionmaker, archive: WarcArchive | None, report: Mapping, claim_id: str) -> dict | None:
    """The claim of the report with, per source, its status timeline, its stored captures, the
    diff of its text at the last run and any "not dead" mark; the claim's flags, overrides and
    audit entries."""
    claim = next((c for c in report["claims"] if c["id"] == claim_id), None)
    if claim is None:
        return None
    document_id = report["document"]["id"]
    diffs = {c["url"]: c for c in (report.get("changes") or {}).get("content_changed", [])}
    marks = not_dead_marks(sf, document_id)
    sources = [{"timeline": source_timeline(sf, document_id, claim_id, s["url"]),
                "captures": _captures(archive, s["url"]), "content_change": diffs.get(s["url"]),
                "not_dead": marks.get(s["url"]),
                "failing_now": s.get("failures", 0) > 0 or s.get("confirmed_dead", False)}
               for s in claim["sources"]]
    flags, override_rows = _notes(sf, document_id, claim_id)
    return {"claim": claim, "sources": sources, "flags": flags, "overrides": override_rows,
            "audit": audit_entries(sf, document_id, claim_id)}


def status_rows(report: Mapping) -> list[dict]:
    """One row per claim of the report, most urgent first: what ``citewatch status DOC`` prints."""
    changed = changed_claim_ids(report)
    return [{"id": c["id"], "verdict": c["verdict"], "sources": len(c["sources"]),
             "failing": sum(1 for s in c["sources"] if s.get("failures", 0) > 0),
             "confirmed_dead": sum(1 for s in c["sources"] if s.get("confirmed_dead")),
             "statuses": sorted({s["status"] for s in c["sources"]}),
             "flagged": bool(c.get("flags")), "changed": c["id"] in changed}
            for c in attention_order(report["claims"])]


# --- a report per state: pages of a large document are not rebuilt on every request ----------------


def state_version(sf: sessionmaker, document_id: str) -> tuple:
    """What the document's current report depends on, in a few aggregate queries: its latest
    run, and the count and newest id of its flags, overrides, "not dead" marks (active ones) and
    audit rows. Any run, note or action changes it."""
    from citewatch.audit import AuditRow
    from citewatch.history import NotDeadRow

    def active(table):
        return (select(func.count(table.id), func.max(table.id))
                .where(table.document_id == document_id, table.cleared_at.is_(None)))

    with sf() as session:
        latest = session.scalar(select(func.max(RunRow.seq)).where(RunRow.document_id == document_id))
        notes = tuple(tuple(session.execute(active(table)).one()) for table in (FlagRow, OverrideRow, NotDeadRow))
        audit = session.scalar(select(func.max(AuditRow.id)).where(AuditRow.document_id == document_id))
    return (latest, notes, audit)


class ReportCache:
    """``current_report`` of each document, kept until :func:`state_version` changes."""

    def __init__(self, sf: sessionmaker):
        self.sf = sf
        self._reports: dict[str, tuple[tuple, dict | None]] = {}
        self._lock = threading.Lock()

    def get(self, document_id: str) -> dict | None:
        version = state_version(self.sf, document_id)
        with self._lock:
            kept = self._reports.get(document_id)
        if kept is not None and kept[0] == version:
            return kept[1]
        report = current_report(self.sf, document_id)
        with self._lock:
            self._reports[document_id] = (version, report)
        return report
