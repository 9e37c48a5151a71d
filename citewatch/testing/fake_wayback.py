"""A Wayback-compatible service on a loopback address, for tests, the demo and benchmarks.

It answers the Internet Archive's paths, from snapshots added in code::

    /wayback/available?url=U[&timestamp=T]           the availability API (closest 2xx capture)
    /cdx/search/cdx?url=U[&output=json]              CDX: from, to, filter=[!]field:regex (repeatable),
                                                     collapse=field[:N] (repeatable), limit (negative:
                                                     the last N), fl=field,field
    POST /save  (url=U, Authorization: LOW a:s)      Save Page Now 2: {"url", "job_id"}
    GET  /save/status/<job_id>                       {"status": "pending|success|error", "timestamp",
                                                     "status_ext", ...}
    /web/<timestamp>id_/<url>                        the raw archived bytes (302 to the closest
                                                     timestamp when not exact, like the real one)
    /web/<timestamp>/<url>                           the page for humans (with a banner comment)

Use::

    from citewatch.testing.fake_wayback import FakeWayback, SaveMode

    with FakeWayback(keys=("access", "secret")) as wayback:       # 127.0.0.1, ephemeral port
        wayback.add_snapshot("http://site.test/a", "20240101120000", b"<p>old text</p>")
        wayback.add_snapshot("http://site.test/a", "20240301120000", b"moved", statuscode=301)
        client = WaybackClient(wayback.base_url, timeout=1, keys=("access", "secret"))
        ...
        wayback.save_mode = SaveMode.RATE_LIMITED   # failure modes switch while it runs
        wayback.slow = 3.0                          # every answer waits 3 s (or only slow_paths)
        wayback.drip = 1.0                          # every answer sent one byte a second
        wayback.down = True                         # 503 everywhere
        assert wayback.requests_to("/save") == []   # the request log

Failure modes (attributes; change them at any time):

* ``slow`` seconds before every answer (only paths starting with one of ``slow_paths`` if set);
* ``drip`` seconds between the bytes of every answer, status line and headers included (the same
  ``slow_paths`` apply): a hostile or broken service that never stops sending;
* ``down``: 503 on every path;
* ``save_mode``: a :class:`SaveMode` (success, pending then success, 429, 520, job error, job error
  although the capture was made, an ``error:*`` answer without a job, a job that never finishes);
  ``pending_polls`` is how many status polls answer "pending" before the end state;
  ``error_status_ext`` is the ``status_ext`` of error answers;
* ``capture_body(url) -> bytes``: what a save captures (default: a small placeholder page).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


class SaveMode(str, Enum):
    SUCCESS = "success"  # the job succeeds after `pending_polls` pending answers
    RATE_LIMITED = "rate_limited"  # POST /save answers 429
    GATEWAY_ERROR = "gateway_error"  # POST /save answers 520
    JOB_ERROR = "job_error"  # the job ends in error, nothing captured
    ERROR_BUT_CAPTURED = "error_but_captured"  # the job says error, but the capture exists (CDX shows it)
    REFUSED_WITHOUT_JOB = "refused_without_job"  # 200 with status error and no job_id
    NEVER_FINISHES = "never_finishes"  # the job stays pending


@dataclass
class FakeSnapshot:
    url: str
    timestamp: str
    body: bytes
    statuscode: int = 200
    mimetype: str = "text/html"
    location: str | None = None  # for 3xx captures

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode("ascii")

    def cdx_row(self) -> dict[str, str]:
        return {"urlkey": url_key(self.url), "timestamp": self.timestamp, "original": self.url,
                "mimetype": self.mimetype, "statuscode": str(self.statuscode), "digest": self.digest,
                "length": str(len(self.body))}


@dataclass
class LoggedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    form: dict[str, list[str]]
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class _Job:
    url: str
    mode: SaveMode
    polls: int = 0
    timestamp: str | None = None


def url_key(url: str) -> str:
    """A simple SURT: the scheme and ``www.`` do not matter, the host is reversed."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return ",".join(reversed(host.split("."))) + port + ")" + path.lower() + (f"?{parts.query}" if parts.query else "")


def utc_timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")


class FakeWayback:
    """The service; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, keys: tuple[str, str] | None = None):
        self.keys = keys  # None: any "LOW a:s" header is accepted
        self.slow = 0.0
        self.drip = 0.0
        self.slow_paths: tuple[str, ...] | None = None
        self.down = False
        self.save_mode = SaveMode.SUCCESS
        self.pending_polls = 1
        self.error_status_ext = "error:service-unavailable"
        self.capture_body: Callable[[str], bytes] = lambda url: f"<html><body>capture of {url}</body></html>".encode()
        self._snapshots: list[FakeSnapshot] = []
        self._jobs: dict[str, _Job] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self.host, self.port = host, self._server.server_address[1]  # the port bound, if 0 was asked
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- content --------------------------------------------------------------------------

    def add_snapshot(self, url: str, timestamp: str, body: bytes | str, statuscode: int = 200,
                     mimetype: str = "text/html", location: str | None = None) -> FakeSnapshot:
        if not re.fullmatch(r"\d{14}", timestamp):
            raise ValueError(f"timestamp {timestamp!r} is not YYYYMMDDhhmmss")
        snapshot = FakeSnapshot(url, timestamp, body.encode() if isinstance(body, str) else body,
                                statuscode, mimetype, location)
        with self._lock:
            self._snapshots.append(snapshot)
        return snapshot

    def snapshots(self, url: str | None = None) -> list[FakeSnapshot]:
        """The snapshots (of ``url``), oldest first."""
        with self._lock:
            found = [s for s in self._snapshots if url is None or url_key(s.url) == url_key(url)]
        return sorted(found, key=lambda s: s.timestamp)

    # -- the request log ------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[LoggedRequest]:
        return [r for r in self.requests if r.path.startswith(path_prefix) and (method is None or r.method == method)]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- life -----------------------------------------------------------------------------

    def start(self) -> "FakeWayback":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"fake-wayback-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases answers held by `slow`
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> "FakeWayback":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- answers (status, headers, body) ---------------------------------------------------

    def _answer(self, request: LoggedRequest, raw_path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        with self._lock:
            self._log.append(request)
        if self.slow and (self.slow_paths is None or request.path.startswith(self.slow_paths)):
            self._stop.wait(self.slow)
        if self.down:
            return 503, [("Content-Type", "text/html")], b"<h1>503 Service Unavailable</h1>"
        path = request.path
        if path == "/wayback/available":
            return _json(self._available(request.query))
        if path == "/cdx/search/cdx":
            return self._cdx(request.query)
        if path == "/save" and request.method == "POST":
            return self._save(request)
        if path.startswith("/save/status/"):
            return self._status(path.rsplit("/", 1)[1])
        if path.startswith("/web/"):
            return self._web(raw_path)
        return 404, [("Content-Type", "text/plain")], b"not found"

    def _available(self, query) -> dict:
        url = _one(query, "url")
        wanted = _one(query, "timestamp") or utc_timestamp()
        candidates = [s for s in self.snapshots(url) if 200 <= s.statuscode < 300]
        if not url or not candidates:
            return {"url": url, "archived_snapshots": {}}
        best = min(candidates, key=lambda s: abs(_seconds(s.timestamp) - _seconds(wanted.ljust(14, "0"))))
        return {"url": url, "archived_snapshots": {"closest": {
            "status": str(best.statuscode), "available": True, "timestamp": best.timestamp,
            "url": f"{self.base_url}/web/{best.timestamp}/{best.url}"}}}

    def _cdx(self, query):
        url = _one(query, "url")
        if not url:
            return 400, [("Content-Type", "text/plain")], b"url is required"
        rows = [s.cdx_row() for s in self.snapshots(url)]
        low, high = (_one(query, "from") or "").ljust(14, "0"), (_one(query, "to") or "").ljust(14, "9")
        rows = [r for r in rows if low <= r["timestamp"] <= high]
        for expression in query.get("filter", []):
            match = re.fullmatch(r"(!?)(\w+):(.*)", expression)
            if match is None:
                raise ValueError(f"filter {expression!r} is not [!]field:regex")
            negate, name, pattern = match.groups()
            rows = [r for r in rows if bool(re.fullmatch(pattern, r.get(name, ""))) != bool(negate)]
        for collapse in query.get("collapse", []):
            name, _, width = collapse.partition(":")
            rows = _collapse(rows, name, int(width) if width else None)
        limit = _one(query, "limit")
        if limit:
            n = int(limit)
            rows = rows[:n] if n >= 0 else rows[n:]
        fields = (_one(query, "fl") or ",".join(CDX_FIELDS)).split(",")
        table = [[r[f] for f in fields] for r in rows]
        if _one(query, "output") == "json":
            return _json([fields, *table] if table else [])
        return 200, [("Content-Type", "text/plain")], "".join(" ".join(line) + "\n" for line in table).encode()

    def _authorized(self, request: LoggedRequest) -> bool:
        header = request.headers.get("Authorization", "")
        match = re.fullmatch(r"LOW ([^:\s]+):(\S+)", header)
        return match is not None and (self.keys is None or match.groups() == tuple(self.keys))

    def _save(self, request: LoggedRequest):
        if not self._authorized(request):
            return _json({"status": "error", "status_ext": "error:unauthorized",
                          "message": "You need to be logged in to use Save Page Now."}, 401)
        url = _one(request.form, "url")
        if not url:
            return _json({"status": "error", "status_ext": "error:invalid-url-syntax", "message": "no url"}, 400)
        mode = self.save_mode
        if mode is SaveMode.RATE_LIMITED:
            return _json({"status": "error", "status_ext": "error:too-many-requests",
                          "message": "You have already reached the limit of active sessions."}, 429)
        if mode is SaveMode.GATEWAY_ERROR:
            return 520, [("Content-Type", "text/html")], b"<h1>520 Origin Error</h1>"
        if mode is SaveMode.REFUSED_WITHOUT_JOB:
            return _json({"status": "error", "status_ext": self.error_status_ext,
                          "message": "Save Page Now could not start a capture."})
        job_id = f"spn2-{uuid.uuid4().hex}"
        job = _Job(url, mode)
        if mode is SaveMode.ERROR_BUT_CAPTURED:
            job.timestamp = self._capture(url)
        with self._lock:
            self._jobs[job_id] = job
        return _json({"url": url, "job_id": job_id})

    def _capture(self, url: str) -> str:
        timestamp = utc_timestamp()
        self.add_snapshot(url, timestamp, self.capture_body(url))
        return timestamp

    def _status(self, job_id: str):
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                job.polls += 1
        if job is None:
            return _json({"status": "error", "status_ext": "error:job-not-found", "message": "no such job"}, 404)
        if job.mode is SaveMode.NEVER_FINISHES or job.polls <= self.pending_polls:
            return _json({"status": "pending", "job_id": job_id, "resources": []})
        if job.mode in (SaveMode.JOB_ERROR, SaveMode.ERROR_BUT_CAPTURED):
            return _json({"status": "error", "job_id": job_id, "status_ext": self.error_status_ext,
                          "exception": "capture failed", "message": "Save Page Now could not capture the page."})
        if job.timestamp is None:
            job.timestamp = self._capture(job.url)
        return _json({"status": "success", "job_id": job_id, "original_url": job.url,
                      "timestamp": job.timestamp, "duration_sec": 0.1, "resources": [job.url], "outlinks": {}})

    def _web(self, raw_path: str):
        match = re.fullmatch(r"/web/(\d{1,14})([a-z]{2}_)?/(.+)", raw_path, re.S)
        if not match:
            return 404, [("Content-Type", "text/plain")], b"not a /web/<timestamp>/<url> path"
        wanted, modifier, url = match.group(1), match.group(2) or "", match.group(3)
        snapshots = self.snapshots(url)
        if not snapshots:
            return 404, [("Content-Type", "text/html")], b"<p>Wayback Machine has not archived that URL.</p>"
        best = min(snapshots, key=lambda s: abs(_seconds(s.timestamp) - _seconds(wanted.ljust(14, "0"))))
        if best.timestamp != wanted:
            return 302, [("Location", f"{self.base_url}/web/{best.timestamp}{modifier}/{best.url}")], b""
        headers = [("Content-Type", best.mimetype), ("Memento-Datetime", best.timestamp)]
        if best.location:
            headers.append(("Location", best.location))
        body = best.body
        if modifier != "id_" and "html" in best.mimetype:
            body = b"<!-- FAKE WAYBACK BANNER -->\n" + body
        return best.statuscode, headers, body


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _seconds(timestamp: str) -> float:
    try:
        return datetime.strptime(timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").timestamp()
    except ValueError:
        return 0.0


def _collapse(rows: list[dict], name: str, width: int | None) -> list[dict]:
    kept, previous = [], object()
    for row in rows:
        value = row.get(name, "")[:width] if width else row.get(name, "")
        if value != previous:
            kept.append(row)
        previous = value
    return kept


def _json(data, status: int = 200):
    return status, [("Content-Type", "application/json")], json.dumps(data).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeWayback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeWayback/1.0"
    sys_version = ""
    timeout = 10
    server: _Server
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's header lines not yet sent (typeshed omits it)

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self._handle(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        request = LoggedRequest(
            method=self.command, path=parts.path, query=parse_qs(parts.query),
            headers=dict(self.headers.items()), form=parse_qs(body.decode("utf-8", errors="replace")),
        )
        raw_path = self.path
        try:
            status, headers, payload = self.server.fake._answer(request, raw_path)
        except Exception as exc:  # noqa: BLE001 - a bug in the fake shows as a 500, not a hung client
            status, headers, payload = 500, [("Content-Type", "text/plain")], f"fake wayback error: {exc}".encode()
        fake = self.server.fake
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            if fake.drip and (fake.slow_paths is None or request.path.startswith(fake.slow_paths)):
                self.close_connection = True
                answer = b"".join(self._headers_buffer) + b"\r\n" + payload
                self._headers_buffer = []
                for i in range(len(answer)):
                    if fake._stop.wait(fake.drip):
                        return
                    self.wfile.write(answer[i:i + 1])
                return
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (e.g. its timeout passed while we were slow)
