"""Writing a report to disk: ``<doc>/runs/<run-id>/report.*`` and ``<doc>/latest.*``, each file
written to a temporary name and renamed, so a reader never sees half a report."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from citewatch.atomicfile import write_atomic
from citewatch.errors import ConfigError
from citewatch.faults import DISK_FULL
from citewatch.report.html import render_html
from citewatch.report.markdown import render_markdown

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ReportPaths:
    run_dir: Path
    json: Path
    markdown: Path
    html: Path
    latest_json: Path
    latest_markdown: Path
    latest_html: Path


def safe_name(value: str) -> str:
    """A folder name from an id: no separators, no leading dots."""
    name = _UNSAFE.sub("_", value).lstrip(".")
    if not name:
        raise ConfigError(f"{value!r} cannot be used as a folder name")
    return name


def write_reports(report: dict, reports_dir: Path) -> ReportPaths:
    """Write the JSON, Markdown and HTML of the report for its run and as the document's latest."""
    doc_dir = Path(reports_dir) / safe_name(report["document"]["id"])
    run_dir = doc_dir / "runs" / safe_name(report["run"]["id"])
    rendered = {
        "json": json.dumps(report, ensure_ascii=False, indent=2) + "\n",
        "md": render_markdown(report),
        "html": render_html(report),
    }
    try:
        for ext, text in rendered.items():
            write_atomic(run_dir / f"report.{ext}", text)
        for ext, text in rendered.items():
            write_atomic(doc_dir / f"latest.{ext}", text)
    except OSError as exc:
        what_to_do = ("free some space on its disk, or choose a folder on another disk with --reports-dir"
                      if exc.errno in DISK_FULL else "check the --reports-dir folder")
        raise ConfigError(f"cannot write reports to {doc_dir}: {exc}; {what_to_do}") from exc
    return ReportPaths(run_dir=run_dir, json=run_dir / "report.json", markdown=run_dir / "report.md",
                       html=run_dir / "report.html", latest_json=doc_dir / "latest.json",
                       latest_markdown=doc_dir / "latest.md", latest_html=doc_dir / "latest.html")
