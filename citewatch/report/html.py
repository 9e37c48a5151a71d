"""The report as one self-contained HTML file: inline style and script (allowed by hash in a
Content-Security-Policy that forbids everything else), no external resources. Every piece of text
goes through Jinja2's autoescape; highlighted passages are cut into segments in Python and each
segment is escaped by the template, so no markup from a fetched page ever reaches the browser."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TextIO
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from citewatch.models import Verdict
from citewatch.report.build import attention_order, with_verdict
from citewatch.report.marks import (
    COPY_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
    link_to_passage,
    local_copy_command,
    segments,
    short_date,
    short_time,
    short_url,
    status_label,
)

# A registry of 100,000 claims made a 173 MB page no browser opens. The claims needing attention
# come first: the first MAX_DETAILED_CLAIMS are shown whole, then up to MAX_LISTED_CLAIMS in all
# get one line each; the rest are counted (latest.json always holds every claim).
MAX_DETAILED_CLAIMS = 1_000
MAX_LISTED_CLAIMS = 10_000
_OK_STATUSES = {"live", "redirected"}
_WARN_STATUSES = {"blocked", "timeout", "server_error", "too_large"}


@lru_cache(maxsize=1)
def _loader() -> PackageLoader:
    return PackageLoader("citewatch", "templates")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # autoescape=True, not select_autoescape: it must hold whatever the template is named.
    return Environment(loader=_loader(), autoescape=True, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return _loader().get_source(_environment(), name)[0]


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def safe_href(url: str | None) -> str | None:
    """Only http(s) URLs become links (a ``javascript:`` URL must never be clickable)."""
    return url if url and re.match(r"^https?://", url, re.I) else None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _wayback_when(timestamp: str | None) -> str:
    if timestamp and re.match(r"^\d{8}", timestamp):
        return f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}"
    return ""


def _status_class(status: str) -> str:
    if status in _OK_STATUSES:
        return "ok"
    return "warn" if status in _WARN_STATUSES else "bad"


def _passage_target(source: dict, live: str | None) -> tuple[str | None, str]:
    """Where "at this passage" leads: the copy that was checked, never a live page that failed."""
    if source.get("checked_copy") == "live":
        return live, "Open the live page at this passage"
    if source.get("checked_copy") == "wayback":
        return safe_href(source["archive"].get("wayback_url")), "Open the archived copy at this passage"
    return None, ""


def _warc_label(source: dict) -> str:
    """The local WARC of a failed fetch holds the error answer, not a copy of the page: say so."""
    if source.get("checked_copy") in ("live", "local_archive") or source["status"] in _OK_STATUSES:
        return "local WARC"
    answer = f"HTTP {source['http_status']} answer" if source.get("http_status") else "answer"
    return f"local WARC of this run's {answer} (not a readable copy)"


def _evidence_view(evidence: dict, target: tuple[str | None, str]) -> dict:
    pieces = []
    for piece in segments(evidence["text"], evidence.get("marks", [])):
        title = None
        if piece["kind"] == "contradicted":
            title = "States a different value" + (f" (the claim says {piece['fact']})" if piece["fact"] else "")
        elif piece["kind"] == "found":
            title = f"Matches: {piece['fact']}" if piece["fact"] else "Matches the claim"
        pieces.append({**piece, "title": title})
    url, caption = target
    return {"segments": pieces, "href": link_to_passage(url, evidence["text"]) if url else None,
            "href_label": caption}


def _fact_outcomes(facts: list[dict]) -> list[dict]:
    """Which facts of the claim this source states, states differently, or does not state."""
    groups = (("found", "Found"), ("contradicted", "Different value for"), ("missing", "Not in this source"))
    out = []
    for outcome, heading in groups:
        labels = list(dict.fromkeys(f["label"] for f in facts if f["outcome"] == outcome))
        if labels:
            out.append({"outcome": outcome, "heading": heading, "labels": labels})
    return out


def _source_view(source: dict, finished_at: str | None = None) -> dict:
    live = safe_href(source.get("final_url") if source["status"] == "redirected" else source["url"])
    override = source.get("override")
    return {
        **source,
        "label": source.get("title") or source["url"],
        "host": _host(source["url"]),
        "live_href": live,
        "verdict_label": VERDICT_LABELS.get(source["verdict"], source["verdict"]),
        "status_label": status_label(source).capitalize(),
        "status_class": _status_class(source["status"]),
        "copy_text": (f"checked the {COPY_LABELS[source['checked_copy']]}" if source.get("checked_copy")
                      else "no readable copy found"),
        "outcomes": _fact_outcomes(source.get("facts", [])),
        "failing_since": short_date(source.get("failing_since")),
        "confidence": f"{source['confidence']:.0%}" if source.get("confidence") else "",
        "evidence": [_evidence_view(e, _passage_target(source, live)) for e in source["evidence"]],
        "wayback_href": safe_href(source["archive"].get("wayback_url")),
        "wayback_when": _wayback_when(source["archive"].get("wayback_timestamp")),
        "warc": source["archive"].get("warc"),
        "warc_label": _warc_label(source),
        "open_local_copy": local_copy_command(source, finished_at),
        "override": None if not override else {
            **override, "when": short_time(override.get("at")),
            "machine_label": VERDICT_LABELS.get(override["machine_verdict"], override["machine_verdict"])},
    }


def _claim_view(claim: dict, finished_at: str | None = None) -> dict:
    return {
        **claim,
        "verdict_label": VERDICT_LABELS.get(claim["verdict"], claim["verdict"]),
        "machine_label": VERDICT_LABELS.get(claim.get("machine_verdict") or "", ""),
        "flags": [{**f, "when": short_time(f["at"])} for f in claim.get("flags", [])],
        "sources": [_source_view(s, finished_at) for s in claim["sources"]],
    }


def _changes_view(changes: dict | None) -> dict | None:
    if changes is None:
        return None
    signs = {"+": ("add", "+"), "-": ("del", "−"), " ": ("ctx", " "), "…": ("gap", "…")}

    def liveness(item: dict) -> dict:
        return {**item, "href": safe_href(item["url"]), "label": short_url(item["url"]),
                "status_label": STATUS_LABELS.get(item["after"], item["after"])}

    return {
        **changes,
        "previous_when": short_time(changes.get("previous_started_at")),
        "started_failing": [liveness(i) for i in changes["started_failing"]],
        "recovered": [liveness(i) for i in changes["recovered"]],
        "content_changed": [
            {**c, "href": safe_href(c["url"]), "label": short_url(c["url"]),
             "diff": [{"cls": signs[d["op"]][0], "sign": signs[d["op"]][1], "text": d["text"]}
                      for d in c["diff"]]}
            for c in changes["content_changed"]],
        "verdict_flips": [
            {**f, "label": short_url(f["url"]) if f.get("url") else None,
             "before_label": VERDICT_LABELS.get(f["before"], f["before"]),
             "after_label": VERDICT_LABELS.get(f["after"], f["after"])}
            for f in changes["verdict_flips"]],
    }


def _short_claim_view(claim: dict) -> dict:
    sources = claim["sources"]
    text = claim["text"]
    return {"id": claim["id"], "verdict": claim["verdict"],
            "verdict_label": VERDICT_LABELS.get(claim["verdict"], claim["verdict"]),
            "text": text if len(text) <= 160 else text[:159] + "…",
            "sources": f"{sum(1 for s in sources if s['status'] in _OK_STATUSES)}/{len(sources)} live"}


def render_html(report: Mapping) -> str:
    return "".join(_html_pieces(report))


def write_html(report: Mapping, handle: TextIO) -> None:
    """:func:`render_html` written to ``handle`` as the template produces it (Jinja2's
    ``generate``): the page is never held whole."""
    handle.writelines(_html_pieces(report))


def _html_pieces(report: Mapping) -> Iterator[str]:
    css, script = _asset("report.css"), _asset("report.js")
    ordered = attention_order(report["claims"])
    citation_needed = with_verdict(report["claims"], Verdict.UNSOURCED.value)
    verdicts = [{"key": v.value, "label": VERDICT_LABELS[v.value],
                 "count": report["summary"]["verdicts"].get(v.value, 0)} for v in Verdict]
    return _environment().get_template("report.html").generate(
        report=report,
        summary=report["summary"],
        started=short_time(report["run"]["started_at"]),
        finished=short_time(report["run"].get("finished_at")),
        generated=short_time(report.get("generated_at")),
        verdicts=verdicts,
        flags=[{**f, "when": short_time(f["at"])} for f in report.get("flags", [])],
        audit=[{**a, "when": short_time(a["at"])} for a in report.get("audit", [])],
        changes=_changes_view(report.get("changes")),
        citation_needed=citation_needed[:MAX_LISTED_CLAIMS],
        citation_needed_more=max(0, len(citation_needed) - MAX_LISTED_CLAIMS),
        claims=[_claim_view(c, report["run"].get("finished_at")) for c in ordered[:MAX_DETAILED_CLAIMS]],
        short_claims=[_short_claim_view(c) for c in ordered[MAX_DETAILED_CLAIMS:MAX_LISTED_CLAIMS]],
        claims_not_listed=max(0, len(ordered) - MAX_LISTED_CLAIMS),
        # Our own files, not data: trusted as markup, and allowed by hash in the page's CSP.
        css=Markup(css), script=Markup(script),
        style_hash=_csp_hash(css), script_hash=_csp_hash(script),
    )
