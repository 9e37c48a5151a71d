"""Reports of a run: the JSON contract (``citewatch.report/1``), Markdown for pull requests and
issues, and one self-contained HTML file for fact-checkers.

    report = build_report(run, changes, flags, history, overrides=...)   # a JSON-ready dict
    paths = write_reports(report, reports_dir)     # runs/<run-id>/report.* and latest.*

The renderers read only the report dict, so ``latest.json`` can be rendered again later.
"""

from citewatch.report.build import SCHEMA, attention_order, build_report
from citewatch.report.files import ReportPaths, write_reports
from citewatch.report.html import render_html
from citewatch.report.markdown import render_markdown

__all__ = ["SCHEMA", "ReportPaths", "attention_order", "build_report", "render_html",
           "render_markdown", "write_reports"]
