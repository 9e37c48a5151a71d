"""Writing a report to disk: ``<doc>/runs/<run-id>/report.*`` and ``<doc>/latest.*``, each file
written to a temporary name and renamed, so a reader never sees half a report."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from citewatch.atomicfile import copy_atomic, move_atomic, stage_text
from citewatch.errors import ConfigError
from citewatch.faults import DISK_FULL
from citewatch.report.build import LazyClaims
from citewatch.report.html import write_html
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


def write_reports(report: Mapping, reports_dir: Path) -> ReportPaths:
    """Write the JSON, Markdown and HTML of the report for its run and as the document's latest."""
    doc_dir = Path(reports_dir) / safe_name(report["document"]["id"])
    run_dir = doc_dir / "runs" / safe_name(report["run"]["id"])
    # One rendering at a time, the JSON and the HTML streamed to their files (the JSON claim by
    # claim, so lazy claims are built one at a time): the report of a huge registry is never held
    # as a big string, nor as dicts when its claims are lazy. The latest.* files are copies of the run's.
    # Nothing is put in place before all three are rendered: a report that cannot be rendered
    # leaves no run folder and the latest files as they were.
    renderers = {"json": _json_text, "md": render_markdown, "html": _html_text}
    staged: dict[str, Path] = {}
    try:
        for ext, render in renderers.items():
            staged[ext] = stage_text(run_dir.parent, f"report.{ext}", render(report))
        for ext, temp in staged.items():
            copy_atomic(temp, doc_dir / f"latest.{ext}")
            move_atomic(temp, run_dir / f"report.{ext}")
    except OSError as exc:
        what_to_do = ("free some space on its disk, or choose a folder on another disk with --reports-dir"
                      if exc.errno in DISK_FULL else "check the --reports-dir folder")
        raise ConfigError(f"cannot write reports to {doc_dir}: {exc}; {what_to_do}") from exc
    finally:
        for temp in staged.values():
            temp.unlink(missing_ok=True)  # left over only when something failed
    return ReportPaths(run_dir=run_dir, json=run_dir / "report.json", markdown=run_dir / "report.md",
                       html=run_dir / "report.html", latest_json=doc_dir / "latest.json",
                       latest_markdown=doc_dir / "latest.md", latest_html=doc_dir / "latest.html")


def _json_text(report: Mapping):
    """The report as indented JSON, written to the file piece by piece."""
    return lambda handle: write_json(report, handle)


def _html_text(report: Mapping):
    return lambda handle: write_html(report, handle)


def write_json(report: Mapping, handle: TextIO) -> None:
    """The same text as ``json.dump(report, handle, ensure_ascii=False, indent=2)`` and a line end,
    written one top-level field and one claim at a time: a claim's dict may be built just for
    this (:class:`~citewatch.report.build.LazyClaims`), and ``json.dumps`` with an indent builds
    every piece of a big value in a list first (several times the size of the text)."""
    if not report:
        handle.write("{}\n")
        return
    handle.write("{")
    for n, (key, value) in enumerate(report.items()):
        handle.write(("," if n else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
        if key == "claims" and isinstance(value, (list, LazyClaims)):
            for i, item in enumerate(value):
                handle.write(("," if i else "[") + "\n    " + _nested(item, "    "))
            handle.write("\n  ]" if len(value) else "[]")
        else:
            handle.write(_nested(value, "  "))
    handle.write("\n}\n")


def _nested(value: object, indent: str) -> str:
    # A JSON text holds no raw line end (strings escape theirs): indenting every line is exact.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)
