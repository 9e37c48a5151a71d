"""Alerts after a run: one message per run and document when a source newly fails, is newly
confirmed dead, a page's text changed or a verdict flipped, sent to every Apprise URL in
``CITEWATCH_NOTIFY`` (email, Slack, Matrix, Teams, a JSON webhook...). The message names the
claims and links to the review desk (``CITEWATCH_DESK_URL``).

Sending never raises: a channel that fails is logged and reported in the result, and the run
that triggered it goes on (the flows call :func:`send_alert` after the reports are written).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from citewatch.results import RunResult

log = logging.getLogger("citewatch.alerts")
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Alert:
    document_id: str
    title: str
    body: str
    claim_ids: list[str]
    kinds: dict[str, int] = field(default_factory=dict)  # started_failing, confirmed_dead, ...
    link: str = ""

    def payload(self) -> dict:
        """What a Prefect event carries."""
        return {"document_id": self.document_id, "claim_ids": self.claim_ids, "kinds": self.kinds,
                "link": self.link, "title": self.title}


@dataclass(frozen=True)
class Delivery:
    channel: str  # the URL with any password hidden
    ok: bool
    error: str | None = None


def notify_urls(value: str | None) -> list[str]:
    """The Apprise URLs of a ``CITEWATCH_NOTIFY`` value (separated by spaces or commas)."""
    return [url for url in _SEPARATORS.split(value or "") if url]


def _hidden(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def newly_dead(previous: RunResult | None, report: Mapping) -> list[dict]:
    """Sources of the report confirmed dead now that were not at the previous run."""
    before = {s.url for s in previous.sources_by_url().values() if s.confirmed_dead} if previous else set()
    found: dict[str, dict] = {}
    for claim in report["claims"]:
        for source in claim["sources"]:
            if source.get("confirmed_dead") and source["url"] not in before:
                dead = found.setdefault(source["url"], {"url": source["url"], "claim_ids": []})
                dead["claim_ids"].append(claim["id"])
    return list(found.values())


def build_alert(report: Mapping, previous: RunResult | None, desk_url: str) -> Alert | None:
    """The message for a run's report, or None when nothing alert-worthy happened (a first run,
    an offline run, or only recoveries and added claims)."""
    changes = report.get("changes") or {}
    if not changes or changes.get("first_run") or report["run"].get("offline"):
        return None
    document_id = report["document"]["id"]
    lines: list[str] = []
    claims: list[str] = []
    kinds: dict[str, int] = {}

    def add(kind: str, text: str, claim_ids: list[str]) -> None:
        kinds[kind] = kinds.get(kind, 0) + 1
        lines.append(f"- {text} (claims: {', '.join(claim_ids)})")
        claims.extend(c for c in claim_ids if c not in claims)

    for item in changes.get("started_failing", []):
        http = f", HTTP {item['http_status']}" if item.get("http_status") else ""
        add("started_failing", f"newly failing: {item['url']} ({item['after']}{http})", item["claim_ids"])
    for item in newly_dead(previous, report):
        add("confirmed_dead", f"confirmed dead: {item['url']}", item["claim_ids"])
    for item in changes.get("content_changed", []):
        add("content_changed", f"page text changed: {item['url']}", item["claim_ids"])
    for flip in changes.get("verdict_flips", []):
        where = f" for {flip['url']}" if flip.get("url") else ""
        add("verdict_flipped", f"verdict flipped{where}: {flip['before']} -> {flip['after']}", [flip["claim_id"]])
    if not lines:
        return None
    link = f"{desk_url.rstrip('/')}/documents/{quote(document_id, safe='')}?changed=yes"
    title = (f"citewatch: {report['document']['title']}: {len(lines)} change{'s' if len(lines) != 1 else ''} "
             f"at run {report['run']['id']}")
    body = "\n".join(lines + ["", f"Review: {link}"])
    return Alert(document_id=document_id, title=title, body=body, claim_ids=claims, kinds=kinds, link=link)


def send_alert(alert: Alert, urls: list[str]) -> list[Delivery]:
    """Send the alert to each channel on its own, so one that fails does not stop the others."""
    import apprise

    deliveries = []
    for url in urls:
        channel = _hidden(url)
        try:
            sender = apprise.Apprise()
            if not sender.add(url):
                raise ValueError("Apprise does not understand this URL")
            ok = bool(sender.notify(title=alert.title, body=alert.body))
            error = None if ok else "the channel did not accept the message"
        except Exception as exc:  # noqa: BLE001 - a channel must never fail the run
            ok, error = False, str(exc)
        if not ok:
            log.warning("alert for %s not sent to %s: %s", alert.document_id, channel, error)
        deliveries.append(Delivery(channel=channel, ok=ok, error=error))
    return deliveries
