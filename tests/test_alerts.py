"""Alerts after a run: the message (pure), Apprise delivery to a local webhook receiver on a real
socket, and two real flow runs against the fixture web (a page that dies, one that changes) that
send exactly one message naming both; a receiver that is down does not fail the run."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from report_samples import sample_report

from citewatch.alerts import build_alert, notify_urls, send_alert
from citewatch.testing.fixture_web import FixtureWeb, Route, closed_port_url
from verify_fixtures import budget_page, serve_pages, write_registry

DESK = "http://desk.example:8800"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_the_message_names_what_changed_and_links_to_the_desk():
    report = sample_report()
    alert = build_alert(report, None, DESK)
    assert alert.kinds == {"started_failing": 1, "content_changed": 1, "verdict_flipped": 1}
    assert "newly failing: https://report.az/en/incident/" in alert.body
    assert "page text changed: https://www.hrw.org/" in alert.body
    assert set(alert.claim_ids) == {"operation-dates", "sentencing", "torture-allegations"}
    assert alert.link == f"{DESK}/documents/nardaran-case?changed=yes" and alert.link in alert.body
    assert build_alert({**report, "changes": {**report["changes"], "first_run": True}}, None, DESK) is None
    assert build_alert({**report, "run": {**report["run"], "offline": True}}, None, DESK) is None


def test_notify_urls_split_on_spaces_and_commas():
    assert notify_urls(" json://a/x, mailto://u:p@h.example  slack://t ") == ["json://a/x", "mailto://u:p@h.example", "slack://t"]
    assert notify_urls(None) == []


@pytest.mark.slow
def test_one_channel_down_does_not_stop_the_others():
    alert = build_alert(sample_report(), None, DESK)
    down = "json://" + closed_port_url().removeprefix("http://")
    with Receiver() as receiver:
        deliveries = send_alert(alert, [down, "nonsense-scheme://x", receiver.url])
    assert [d.ok for d in deliveries] == [False, False, True]
    [message] = receiver.received
    assert message["title"] == alert.title and "report.az" in message["message"]


def _prefect_event(name: str, since: datetime, wait: float = 20.0):
    """The newest event of that name since ``since`` that the Prefect API has stored (events arrive
    asynchronously; earlier tests of the session, the README's demo for one, send their own)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=wait)
    deadline = time.monotonic() + wait
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_events(EventFilter(event=EventNameFilter(name=[name]),
                                                  occurred=EventOccurredFilter(since=since)), limit=50)
            if page.events or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    assert page.events, f"no {name} event reached the Prefect API"
    return page.events[0]


# --- real runs -----------------------------------------------------------------------------------


@pytest.fixture
def site(workdir, monkeypatch, prefect_harness):
    for key, value in {"CITEWATCH_MAX_RETRIES": "0", "CITEWATCH_CONNECT_TIMEOUT": "2",
                       "CITEWATCH_READ_TIMEOUT": "5", "CITEWATCH_TOTAL_DEADLINE": "10",
                       "CITEWATCH_DESK_URL": DESK}.items():
        monkeypatch.setenv(key, value)
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        yield web, write_registry(workdir / "claims", web)


@pytest.mark.slow
def test_a_run_where_a_page_dies_and_one_changes_sends_one_message(site, monkeypatch):
    from flows.verify import verify_document

    web, registry = site
    started = datetime.now(timezone.utc)
    when = datetime(2026, 4, 2, 8, 30, tzinfo=timezone.utc)
    with Receiver() as receiver:
        monkeypatch.setenv("CITEWATCH_NOTIFY", receiver.url)
        verify_document(str(registry), now=when)
        assert receiver.received == []  # a first run changes nothing
        web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))
        web[0].route("/budget", budget_page("15 million euros"))
        verify_document(str(registry), now=when + timedelta(days=1))
    [message] = receiver.received
    assert "newly failing: " + web[1].url("/report") in message["message"]
    assert "page text changed: " + web[0].url("/budget") in message["message"]
    assert "dies-later" in message["message"] and "budget" in message["message"]
    assert f"{DESK}/documents/aldane-harbour?changed=yes" in message["message"]
    event = _prefect_event("citewatch.document.changed", since=started)
    assert event.resource.id == "citewatch.document.aldane-harbour"
    assert set(event.payload["claim_ids"]) >= {"dies-later", "budget"}

    monkeypatch.setenv("CITEWATCH_NOTIFY", "json://" + closed_port_url().removeprefix("http://"))
    web[0].route("/budget", budget_page("17 million euros"))
    summary = verify_document(str(registry), now=when + timedelta(days=2))  # the receiver is down
    assert summary["run_id"] and summary["document_id"] == "aldane-harbour"
