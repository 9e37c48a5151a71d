"""A small web on loopback addresses that behaves like the real one, for tests, demos and benchmarks.

Each host is a real HTTP/1.1 server (``ThreadingHTTPServer``) bound to its own loopback address
(127.0.0.1, 127.0.0.2, ...). Pages are declared as data, can be changed while the servers run, and
every request received is recorded, so a test can say "exactly two attempts reached /busy" or
"the forbidden host received nothing"::

    from citewatch.testing.fixture_web import FixtureWeb, Route, Steps, html_page, redirect

    with FixtureWeb(hosts=2) as web:
        news, blog = web[0], web[1]
        news.route("/story", html_page("Budget passed", "<p>The budget passed on 3 May.</p>"))
        news.route("/old", redirect("/story", status=301))
        news.route("/busy", Steps(Route(status=429, headers=[("Retry-After", "1")]), html_page("OK", "<p>ok</p>")))
        news.route("/slow", Route(body="late", delay=2.0))
        news.route("/gone", Route(status=410, body="Gone"))
        ...  # fetch news.url("/story") ...
        assert len(news.requests_to("/busy")) == 2
        news.route("/story", Route(status=404))   # the page dies between two runs

A route's behaviour is a :class:`Route` (fixed answer), a :class:`Steps` (the n-th request gets
the n-th answer, the last one repeats) or any callable ``(RecordedRequest) -> Route``. Unknown
paths get :attr:`WebHost.fallback` (a site-styled 404 page unless changed; set it to a 200 page
to make a "soft-404 site").
"""

from __future__ import annotations

import gzip
import html
import socket
import ssl
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator, Sequence, Union
from urllib.parse import urlsplit

# --- what a route answers -----------------------------------------------------------------


@dataclass
class Route:
    """One answer, as data. Every field has the plain default of a 200 HTML page.

    - ``status``, ``headers`` (extra, in order), ``content_type`` (``None``: no header);
    - ``body``: bytes, or str encoded with ``charset``;
    - ``location``: a redirect target (relative or absolute); give ``status`` 301/302/307/308;
    - ``delay``: seconds to wait before the status line (a slow server);
    - ``gzip``: send the body with ``Content-Encoding: gzip``;
    - ``chunks``/``chunk_delay``: send the body chunked in that many pieces, pausing between them;
    - ``reset``: read the request, then reset the connection (TCP RST) without answering;
    - ``gzip_bomb``: stream a gzip body that inflates to this many bytes (it costs ~1/1000 on the wire);
    - ``etag``/``last_modified``: answer 304 to a matching conditional request;
    - ``drip_headers``/``drip_body``: a hostile sender: the status line and headers, or the body, go
      out one byte at a time with this many seconds between bytes; the body has no Content-Length
      and ends when the connection closes, so an answer cut short looks complete.
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    charset: str = "utf-8"
    location: str | None = None
    delay: float = 0.0
    gzip: bool = False
    chunks: int | None = None
    chunk_delay: float = 0.0
    reset: bool = False
    gzip_bomb: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    drip_headers: float = 0.0
    drip_body: float = 0.0

    def payload(self) -> bytes:
        return self.body.encode(self.charset) if isinstance(self.body, str) else bytes(self.body)


class Steps:
    """Answers that change with each request: the n-th request gets ``routes[n]``, the last repeats."""

    def __init__(self, *routes: Route):
        if not routes:
            raise ValueError("Steps needs at least one Route")
        self.routes = list(routes)
        self._count = 0
        self._lock = threading.Lock()

    def __call__(self, request: "RecordedRequest") -> Route:
        with self._lock:
            index = min(self._count, len(self.routes) - 1)
            self._count += 1
        return self.routes[index]


Behaviour = Union[Route, Steps, Callable[["RecordedRequest"], Route]]


def redirect(location: str, status: int = 302) -> Route:
    return Route(status=status, location=location, body=f'<a href="{html.escape(location)}">moved</a>')


def text(body: str, status: int = 200, content_type: str = "text/plain; charset=utf-8", **kw) -> Route:
    return Route(status=status, body=body, content_type=content_type, **kw)


# --- pages that look like real sites -----------------------------------------------------------


def html_page(
    title: str,
    main_html: str,
    *,
    site: str = "The Caspian Herald",
    lang: str = "en",
    status: int = 200,
    charset: str = "utf-8",
    meta_charset: bool = True,
    content_type: str | None = None,
    head_extra: str = "",
    **route_kwargs,
) -> Route:
    """A page with the boilerplate of a real news site: head with scripts and metadata, cookie
    banner, navigation, the article (``main_html``), related links, footer and trackers."""
    return Route(
        status=status,
        body=site_html(title, main_html, site=site, lang=lang, charset=charset if meta_charset else None,
                       head_extra=head_extra),
        charset=charset,
        content_type=content_type if content_type is not None else f"text/html; charset={charset}",
        **route_kwargs,
    )


def site_html(title: str, main_html: str, *, site: str = "The Caspian Herald", lang: str = "en",
              charset: str | None = "utf-8", head_extra: str = "") -> str:
    """The HTML text of :func:`html_page` (``charset=None`` leaves out the meta tag)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    esc_title, esc_site = html.escape(title), html.escape(site)
    sections = ["World", "Politics", "Business", "Culture", "Opinion", "Archive"]
    nav = "".join(f'<li><a href="/section/{s.lower()}">{s}</a></li>' for s in sections)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
{meta}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc_title} | {esc_site}</title>
<meta property="og:title" content="{esc_title}">
<meta property="og:site_name" content="{esc_site}">
<link rel="stylesheet" href="/static/css/main.3f9a1c.css">
<link rel="icon" href="/favicon.ico">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}
gtag('js', new Date()); gtag('config', 'G-FAKE000000');</script>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{esc_title}", "publisher": {{"@type": "Organization", "name": "{esc_site}"}}}}</script>
{head_extra}
</head>
<body class="article-page">
<div id="cookie-consent" class="banner">We use cookies to improve your experience.
<button onclick="acceptCookies()">Accept all</button> <a href="/privacy">Privacy policy</a></div>
<header class="site-header">
<a class="logo" href="/">{esc_site}</a>
<nav aria-label="Main"><ul>{nav}</ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"><button>Go</button></form>
</header>
<main id="content">
<article>
<h1>{esc_title}</h1>
<div class="byline">By Staff Reporter &middot; <time datetime="2017-01-25">25 January 2017</time></div>
{main_html}
</article>
<aside class="related"><h2>Read more</h2><ul>
<li><a href="/section/world/regional-talks">Regional talks resume after a long pause</a></li>
<li><a href="/section/business/oil-prices">Oil prices steady as markets wait</a></li>
<li><a href="/section/culture/film-festival">Film festival opens with a record crowd</a></li>
</ul></aside>
</main>
<footer class="site-footer">
<p>&copy; 2017 {esc_site}. All rights reserved.</p>
<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/terms">Terms of use</a></li><li><a href="/privacy">Privacy</a></li></ul>
</footer>
<script src="/static/js/vendor.81be2d.js" defer></script>
<script>function acceptCookies(){{document.getElementById('cookie-consent').remove();}}</script>
</body>
</html>
"""


def not_found_page(site: str = "The Caspian Herald", status: int = 404) -> Route:
    """The site-styled "page not found" page (with ``status=200`` it is a classic soft-404)."""
    return html_page(
        "Page not found",
        "<p>Sorry, the page you are looking for does not exist or has been moved.</p>"
        '<p>Try the <a href="/search">search</a> or go back to the <a href="/">home page</a>.</p>',
        site=site,
        status=status,
    )


# --- the recorded traffic ----------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    received_at: float  # time.monotonic()
    client: str
    bytes_sent: int = 0  # bytes of the answer written to the socket (status line, headers, body)
    finished_at: float | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == name), None)


# --- hosts and the web -----------------------------------------------------------------------------


class WebHost:
    """One site on one loopback address: its routes, its fallback and the requests it received."""

    def __init__(self, ip: str, port: int = 0, name: str | None = None, tls: ssl.SSLContext | None = None,
                 server_name: str | None = None):
        self.ip = ip
        self.name = name or ip  # a label for people
        # what URLs call the host: the IP, or a name only a resolver stub knows (for TLS certificates)
        self.server_name = server_name or ip
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, Behaviour] = {}
        self.fallback: Behaviour = not_found_page()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._stop = threading.Event()
        self._server = _Server((ip, port), _Handler)
        self._server.host = self
        if tls is not None:  # the handshake happens on first read, in the handler's thread
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    # routes
    def route(self, path: str, behaviour: Behaviour) -> "WebHost":
        with self._lock:
            self.routes[path] = behaviour
        return self

    def remove(self, path: str) -> None:
        with self._lock:
            self.routes.pop(path, None)

    def behaviour_for(self, path: str) -> Behaviour:
        with self._lock:
            if path in self.routes:
                return self.routes[path]
            return self.routes.get(urlsplit(path).path, self.fallback)

    # addresses
    @property
    def base_url(self) -> str:
        host = f"[{self.server_name}]" if ":" in self.server_name else self.server_name
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # traffic
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Requests for ``path`` (compared without the query string unless ``path`` has one)."""
        with_query = "?" in path
        return [r for r in self.requests if (r.path if with_query else urlsplit(r.path).path) == path]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self.max_in_flight = 0

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _done(self, request: RecordedRequest) -> None:
        with self._lock:
            self._in_flight -= 1
            request.finished_at = time.monotonic()

    # life
    def start(self) -> "WebHost":
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"fixture-web-{self.ip}:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.close_connections()
        self._server.server_close()


class FixtureWeb:
    """``hosts`` servers on 127.0.0.1, 127.0.0.2, ... (ephemeral ports unless ``ports`` is given).

    With ``tls`` (a server-side ``ssl.SSLContext``, e.g. from ``trustme``) the hosts speak HTTPS and
    their URLs use ``names`` (which then only a resolver stub can map to the loopback addresses).
    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``web[i]`` is the i-th
    :class:`WebHost`.
    """

    def __init__(self, hosts: int = 1, ports: list[int] | None = None, first_ip: int = 1,
                 names: list[str] | None = None, tls: ssl.SSLContext | None = None):
        if (ports is not None and len(ports) != hosts) or (names is not None and len(names) != hosts):
            raise ValueError("give one port and one name per host")
        self.hosts: list[WebHost] = []
        try:
            for i in range(hosts):
                self.hosts.append(WebHost(f"127.0.0.{first_ip + i}", ports[i] if ports else 0,
                                          tls=tls, server_name=names[i] if names else None))
        except BaseException:
            self.stop()
            raise

    def __getitem__(self, index: int) -> WebHost:
        return self.hosts[index]

    def __iter__(self) -> Iterator[WebHost]:
        return iter(self.hosts)

    def start(self) -> "FixtureWeb":
        for host in self.hosts:
            host.start()
        return self

    def stop(self) -> None:
        # each server notices the stop on its next poll: stop them side by side, not one after another
        stoppers = [threading.Thread(target=host.stop) for host in self.hosts]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def __enter__(self) -> "FixtureWeb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def clear(self) -> None:
        for host in self.hosts:
            host.clear()


_HELD_PORTS: list[socket.socket] = []  # the sockets that keep closed ports closed, until the process ends


def closed_port_url(ip: str = "127.0.0.1", path: str = "/") -> str:
    """A URL on a loopback port where nothing listens: connecting is refused ("network down").

    The port stays bound (never listening) for the rest of the process: a port given back at once
    could be taken by a server another test starts before this URL is used, and then it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((ip, 0))
    _HELD_PORTS.append(sock)
    return f"http://{ip}:{sock.getsockname()[1]}{path}"


# --- the server ----------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    host: WebHost

    def __init__(self, *args, **kwargs):
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections too, so no handler thread outlives the server."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):  # a client hanging up or failing TLS is normal here
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    timeout = 10  # an idle keep-alive connection does not hold a thread for ever
    server: _Server
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's header lines not yet sent (typeshed omits it)

    def log_message(self, format, *args):  # quiet
        pass

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        host: WebHost = self.server.host
        record = RecordedRequest(
            method=self.command, path=self.path, headers=dict(self.headers.items()),
            received_at=time.monotonic(), client=self.client_address[0],
        )
        self._record = record
        host._record(record)
        try:
            behaviour = host.behaviour_for(self.path)
            route = behaviour if isinstance(behaviour, Route) else behaviour(record)
            self._respond(route, head, host._stop)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            host._done(record)

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self._record.bytes_sent += len(data)

    def _respond(self, route: Route, head: bool, stop: threading.Event) -> None:
        if route.delay and stop.wait(route.delay):
            self.close_connection = True
            return
        if route.reset:
            self._reset()
            return
        if route.drip_headers or route.drip_body:
            self._drip(route, head, stop)
            return
        if self._not_modified(route):
            self._head_lines(304, [("ETag", route.etag), ("Last-Modified", route.last_modified)], None)
            return
        headers = [("Content-Type", route.content_type)] if route.content_type else []
        if route.location is not None:
            headers.append(("Location", route.location))
        headers += [(k, v) for k, v in (("ETag", route.etag), ("Last-Modified", route.last_modified)) if v]
        headers += route.headers
        if route.gzip_bomb is not None:
            headers += [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
            self._head_lines(route.status, headers, None)
            if not head:
                self._send_chunked(_gzip_bomb(route.gzip_bomb), 0.0, stop)
            return
        payload = route.payload()
        if route.gzip:
            payload = gzip.compress(payload)
            headers.append(("Content-Encoding", "gzip"))
        if route.chunks:
            headers.append(("Transfer-Encoding", "chunked"))
            self._head_lines(route.status, headers, None)
            if not head:
                self._send_chunked(_split(payload, route.chunks), route.chunk_delay, stop)
            return
        self._head_lines(route.status, headers, len(payload))
        if not head:
            self._write(payload)

    def _head_lines(self, status: int, headers: Sequence[tuple[str, str | None]], length: int | None) -> None:
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        self.send_header("Server", self.server_version)
        for name, value in headers:
            if value is not None:
                self.send_header(name, value)
        if length is not None or status == 304:
            self.send_header("Content-Length", str(length or 0))
        self._record.bytes_sent += sum(map(len, self._headers_buffer)) + 2
        self.end_headers()

    def _drip(self, route: Route, head: bool, stop: threading.Event) -> None:
        self.close_connection = True
        lines = [f"HTTP/1.1 {route.status} OK", f"Date: {self.date_time_string()}", f"Server: {self.server_version}",
                 *(f"Content-Type: {route.content_type}" for _ in [1] if route.content_type),
                 *(f"{name}: {value}" for name, value in route.headers), "Connection: close"]
        block = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        for data, pause in ((block, route.drip_headers), (b"" if head else route.payload(), route.drip_body)):
            for i in range(len(data)):
                if pause and stop.wait(pause):
                    return
                self._write(data[i:i + 1])

    def _send_chunked(self, pieces, pause: float, stop: threading.Event) -> None:
        for piece in pieces:
            if not piece:
                continue
            if pause and stop.wait(pause):
                self.close_connection = True
                return
            self._write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self._write(b"0\r\n\r\n")

    def _not_modified(self, route: Route) -> bool:
        if route.etag and self.headers.get("If-None-Match"):
            return route.etag in [t.strip() for t in self.headers["If-None-Match"].split(",")]
        return bool(route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified)

    def _reset(self) -> None:
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass


def _split(payload: bytes, pieces: int) -> list[bytes]:
    size = max(1, -(-len(payload) // max(1, pieces)))
    return [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]


_BOMB_BLOCK = 1 << 20


def _gzip_bomb(inflated_size: int) -> Iterator[bytes]:
    """A gzip stream of ``inflated_size`` zero bytes, made lazily from one compressed block.

    After a full flush deflate forgets its history, so the same 1 MiB of zeros compresses to the
    same bytes every time: the stream is the gzip header, that block repeated, and the trailer.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(_BOMB_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    yield b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    crc = 0
    zeros = bytes(_BOMB_BLOCK)
    blocks, rest = divmod(inflated_size, _BOMB_BLOCK)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
        yield block
    tail = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = zlib.crc32(bytes(rest), crc)
    yield tail.compress(bytes(rest)) + tail.flush()
    yield struct.pack("<II", crc & 0xFFFFFFFF, inflated_size & 0xFFFFFFFF)
