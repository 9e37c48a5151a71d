"""The colours a terminal shows verdicts in: one table for every command (`verify`, `check`, `demo`),
the palette of the HTML report (citewatch/templates/report.css): supported green, partially
supported amber, contradicted red, not found grey, unverifiable purple, unsourced teal."""

from __future__ import annotations

VERDICT_STYLE = {
    "supported": "green",
    "partially_supported": "yellow",
    "contradicted": "bold red",
    "not_found": "bright_black",
    "unverifiable": "magenta",
    "unsourced": "cyan",
}


def verdict_style(verdict: object) -> str:
    """The rich style of a verdict (a ``Verdict`` or its value); no style for anything else."""
    return VERDICT_STYLE.get(str(getattr(verdict, "value", verdict)), "")
