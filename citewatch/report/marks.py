"""Words and links the renderers share: verdict and status labels, facts in plain words,
highlighted passages as segments, and links that scroll to a passage (``#:~:text=``)."""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

VERDICT_LABELS = {
    "supported": "Supported",
    "partially_supported": "Partly supported",
    "contradicted": "Contradicted",
    "not_found": "Not found in source",
    "unverifiable": "Unverifiable",
    "unsourced": "Citation needed",
}

STATUS_LABELS = {
    "live": "live",
    "redirected": "redirected",
    "dead": "gone",  # "dead" is kept for confirmed dead (status_label), as the summary counts it
    "soft_404": "error page (soft 404)",
    "blocked": "blocked",
    "server_error": "server error",
    "timeout": "timed out",
    "too_large": "too large",
    "unreachable": "unreachable",
    "forbidden_address": "refused address",
}

def status_label(source: dict) -> str:
    """The status in words; a page that is gone is called dead only once it is confirmed dead, so
    the label agrees with the report's "N confirmed dead"."""
    if source["status"] == "dead" and source.get("confirmed_dead"):
        return "dead"
    return STATUS_LABELS.get(source["status"], source["status"])


def local_copy_command(source: dict, run_finished_at: str | None) -> str | None:
    """The command that writes out the local archive copy this run read (the page as fetched, to
    open in a browser or PDF viewer); None when the run read no local copy."""
    copy = source.get("checked_copy")
    if copy not in ("live", "local_archive") or (copy == "live" and not source["archive"].get("warc")):
        return None
    suffix = ".pdf" if urlsplit(source["url"]).path.lower().endswith(".pdf") else ".html"
    at = f" --at {shlex.quote(run_finished_at)}" if run_finished_at else ""
    return f"citewatch archive show {shlex.quote(source['url'])}{at} -o copy{suffix}"


COPY_LABELS = {"live": "live page", "local_archive": "local archive copy", "wayback": "Wayback Machine copy"}

_OP_WORDS = {"=": "", ">": "more than ", ">=": "at least ", "<": "fewer than ", "<=": "at most ",
             "~": "about "}
_WORDS = re.compile(r"\S+")
FRAGMENT_WORDS = 5  # words at each end of a long passage in a text fragment


def _field(fact: Any, name: str):
    return fact.get(name) if isinstance(fact, dict) else getattr(fact, name, None)


def _number(value: Any) -> str:
    """3000 → "3,000", 2400000 → "2,400,000", 2.5 → "2.5" (never "2.4e+06")."""
    if value is None:
        return "?"
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


def describe_fact(fact: Any) -> str:
    """A fact of a claim in plain words: "more than 70", "10–20 years", "2017-01-25"."""
    kind = _field(fact, "kind")
    unit = _field(fact, "unit")
    suffix = f" {unit}" if unit else ""
    if kind == "count":
        op = _field(fact, "op")
        op = getattr(op, "value", op) or "="
        return f"{_OP_WORDS.get(op, op + ' ')}{_number(_field(fact, 'value'))}{suffix}"
    if kind == "range":
        return f"{_number(_field(fact, 'low'))}–{_number(_field(fact, 'high'))}{suffix}"
    if kind == "date":
        return str(_field(fact, "value"))
    if kind == "entity":
        return str(_field(fact, "name"))
    if kind == "quote":
        return f"“{_field(fact, 'text')}”"
    return str(kind)


def segments(text: str, marks: list[dict]) -> list[dict]:
    """The passage cut into plain and marked pieces (``kind`` None, "found" or "contradicted"),
    so that a template escapes each piece and wraps the marked ones."""
    pieces: list[dict] = []
    at = 0
    for mark in sorted(marks, key=lambda m: m["start"]):
        start, end = max(mark["start"], at), min(mark["end"], len(text))
        if start >= end:
            continue
        if start > at:
            pieces.append({"text": text[at:start], "kind": None, "fact": None})
        pieces.append({"text": text[start:end], "kind": mark["kind"], "fact": mark.get("fact")})
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "kind": None, "fact": None})
    return pieces


def _fragment_part(words: list[str]) -> str:
    # quote() leaves "-" alone, but in a text directive it separates prefix and suffix.
    return quote(" ".join(words), safe="").replace("-", "%2D")


def text_fragment(passage: str) -> str:
    """The ``text=`` directive that makes a browser scroll to and highlight the passage."""
    words = _WORDS.findall(passage)
    if not words:
        return ""
    if len(words) <= 2 * FRAGMENT_WORDS:
        return "text=" + _fragment_part(words)
    return f"text={_fragment_part(words[:FRAGMENT_WORDS])},{_fragment_part(words[-FRAGMENT_WORDS:])}"


def link_to_passage(url: str, passage: str | None) -> str:
    """The URL with a ``#:~:text=`` fragment for the passage (kept after an existing fragment)."""
    directive = text_fragment(passage or "")
    if not directive:
        return url
    base, hash_, fragment = url.partition("#")
    return f"{base}#{fragment if hash_ else ''}:~:{directive}"


def short_url(url: str, limit: int = 70) -> str:
    """A URL as a reader scans it: no scheme, cut in the middle of a long path."""
    bare = re.sub(r"^https?://(www\.)?", "", url, flags=re.I)
    return bare if len(bare) <= limit else bare[: limit - 21] + "…" + bare[-20:]


def short_time(value: str | None) -> str:
    """An ISO timestamp as "2026-11-25 12:40 UTC" (readers do not need seconds)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    offset = moment.utcoffset()
    zone = " UTC" if offset is not None and offset.total_seconds() == 0 else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def short_date(value: str | None) -> str:
    return short_time(value)[:10]
