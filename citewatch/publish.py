"""Publishing a run: the editors' overrides applied, the run recorded in the history, what changed
since the previous run, the reports written, and :class:`RunOutcome`, what a published run tells
its caller (the CLI's summary, the flow's return value and its Prefect artifacts).

    publish_run(session_factory, run, settings, now) -> RunOutcome

The flows make the Prefect artifacts from ``RunOutcome.markdown_summary()`` and ``.claims_table()``
(citewatch never imports Prefect).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from citewatch.audit import actions_for_report
from citewatch.changes import what_changed
from citewatch.config import Settings
from citewatch.counting import counted
from citewatch.errors import ConfigError
from citewatch.history import active_flags, overrides, record_run
from citewatch.report import build_report, write_reports
from citewatch.report.build import LazyClaims, claim_marks
from citewatch.results import RunResult
from citewatch.review import overrides_applied


class RunOutcome(BaseModel):
    """What a published run tells its caller: the flow returns it (as JSON-ready data), the CLI
    prints it, the flow's Prefect artifacts are made of it."""

    document_id: str
    document_title: str
    run_id: str
    offline: bool
    started_at: datetime
    finished_at: datetime | None = None
    verdicts: dict[str, int] = Field(default_factory=dict)
    sources: dict[str, Any] = Field(default_factory=dict)
    claims: list[dict[str, Any]] = Field(default_factory=list)  # id, verdict, sources, flagged
    changes: list[str] = Field(default_factory=list)  # one line per change
    first_run: bool = True
    flags: list[str] = Field(default_factory=list)
    reports: dict[str, str] = Field(default_factory=dict)  # json / md / html → path
    not_archived: int = 0  # sources whose fetch of this run could not be archived
    source_count: int = 0  # distinct sources of the run

    @property
    def archive_shortfall(self) -> str | None:
        """'3 of 100 sources were not archived' when some were; None otherwise."""
        if not self.not_archived:
            return None
        return (f"{self.not_archived} of {counted(self.source_count, 'source')} could not be archived "
                "(their checks were made; see each source's notes)")

    def claims_with(self, verdicts: Iterable[str]) -> list[str]:
        wanted = set(verdicts)
        return [c["id"] for c in self.claims if c["verdict"] in wanted]

    def one_line(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in self.verdicts.items() if n)
        state = " (OFFLINE: no source was called dead)" if self.offline else ""
        if self.archive_shortfall:
            state += f" (INCOMPLETE: {self.archive_shortfall})"
        return f"{self.document_id}: {counted(len(self.claims), 'claim')}: {counts or 'none'}{state}"

    def markdown_summary(self) -> str:
        lines = [f"# {self.document_title}", "",
                 f"Run `{self.run_id}`" + (" — **offline**: no host could be reached, "
                                          "no source is called dead" if self.offline else ""), "",
                 "| verdict | claims |", "|---|---:|"]
        if self.archive_shortfall:
            lines[3:3] = [f"**Incomplete:** {self.archive_shortfall}.", ""]
        lines += [f"| {v} | {n} |" for v, n in self.verdicts.items() if n]
        if self.flags:
            lines += ["", "## Flagged for review", ""] + [f"- {f}" for f in self.flags]
        lines += ["", "## What changed", ""]
        if self.first_run:
            lines.append("First run of this document.")
        else:
            lines += [f"- {c}" for c in self.changes] or ["Nothing changed since the last run."]
        if self.reports:
            lines += ["", "## Reports", ""] + [f"- {k}: `{p}`" for k, p in self.reports.items()]
        return "\n".join(lines)

    def claims_table(self) -> list[dict[str, Any]]:
        return [{"claim": c["id"], "verdict": c["verdict"], "sources": c["sources"],
                 "flagged": "yes" if c.get("flagged") else ""} for c in self.claims]


def change_lines(report: dict) -> list[str]:
    """The report's "what changed" section as short lines for a terminal or an artifact."""
    changes = report.get("changes") or {}
    lines = [f"started failing: {c['url']} ({c['after']})" for c in changes.get("started_failing", [])]
    lines += [f"recovered: {c['url']}" for c in changes.get("recovered", [])]
    lines += [f"content changed: {c['url']}" for c in changes.get("content_changed", [])]
    lines += [f"verdict of {f['claim_id']}" + (f" for {f['url']}" if f.get("url") else "")
              + f": {f['before']} → {f['after']}" for f in changes.get("verdict_flips", [])]
    lines += [f"claim added: {c['id']}" for c in changes.get("claims_added", [])]
    lines += [f"claim removed: {c['id']}" for c in changes.get("claims_removed", [])]
    return lines


def _claim_line(marks) -> dict[str, Any]:
    """A claim as the outcome lists it, from its report.build.ClaimMarks."""
    return {"id": marks.id, "verdict": marks.verdict,
            "sources": f"{marks.readable}/{marks.sources} read" if marks.sources else "none",
            "flagged": marks.flagged}


def outcome_from_report(report: dict, run: RunResult, paths: dict[str, str]) -> RunOutcome:
    changes = report.get("changes") or {}
    if isinstance(report["claims"], LazyClaims):  # marked as the report was built: no claim read again
        claims = [_claim_line(marks) for marks in report["claims"].marks()]
        source_count = report["summary"]["sources"]["total"]
    else:
        claims = [_claim_line(claim_marks(claim)) for claim in report["claims"]]
        source_count = len({source["url"] for claim in report["claims"] for source in claim.get("sources", [])})
    return RunOutcome(
        document_id=run.document_id, document_title=run.document_title, run_id=run.run_id,
        offline=run.offline, started_at=run.started_at, finished_at=run.finished_at,
        verdicts={k: v for k, v in report["summary"]["verdicts"].items() if v},
        sources=report["summary"].get("sources", {}),
        claims=claims,
        changes=change_lines(report), first_run=bool(changes.get("first_run", True)),
        flags=[f"{f['claim_id']}: {f['reason']} ({f['who']})" for f in report.get("flags", [])],
        reports=paths, not_archived=len(run.not_archived), source_count=source_count)


def _report_paths(written) -> dict[str, str]:
    """The latest.* paths of a report.ReportPaths, and the run's folder."""
    return {"json": str(written.latest_json), "md": str(written.latest_markdown),
            "html": str(written.latest_html), "run": str(written.run_dir)}


def publish_run(session_factory, run: RunResult, settings: Settings, now: datetime) -> RunOutcome:
    """Apply editors' overrides, record the run in the history, compare it with the previous
    run, and write the reports. Returns what the caller shows.

    The reports are written inside the transaction that records the run: a report that cannot be
    written (read-only folder, full disk, a name too long) leaves the run unrecorded and raises
    the real cause, and publishing again repeats all of it."""
    active = overrides(session_factory, run.document_id)
    flags = active_flags(session_factory, run.document_id)
    published: dict = {}

    def write(recorded) -> None:
        report = build_report(recorded.run, what_changed(recorded.previous, recorded.run), flags,
                              recorded, overrides=active, lazy_claims=True)  # written claim by claim
        report["audit"] = actions_for_report(session_factory, run.document_id,  # the review desk's actions
                                             recorded.previous.started_at if recorded.previous else None)
        published.update(report=report, written=write_reports(report, settings.reports_dir))

    try:
        recorded = record_run(session_factory, run, now, settings, before_commit=write,
                              change=overrides_applied(active))  # applied as each claim is recorded
    except ConfigError as exc:  # the reports could not be written: the message is the OS's reason
        raise ConfigError(f"{exc}; the run was not recorded: run it again once this is fixed") from exc
    return outcome_from_report(published["report"], recorded.run, _report_paths(published["written"]))
