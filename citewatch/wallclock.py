"""Wall-clock limits for network I/O that hold whatever the sender's pace, and the switch that stops it all.

A socket timeout bounds each wait for a byte, not a request: a server that sends one byte a second
never trips a 30 s read timeout, and a request could take for ever. :func:`wall_clock` bounds a
whole request, connect, TLS, headers and body included::

    with wall_clock(20.0) as clock:                      # this thread's requests end within 20 s
        response = session.send(request, stream=True)    # a session with DeadlineAdapter mounted
        body = response.raw.read()
    if clock.expired:                                     # what was read was cut: a timeout
        ...

While the block runs, every HTTP connection the thread uses through a :class:`DeadlineAdapter` is
attached to the clock. When the time is up, one watchdog thread shuts those sockets down: the
blocked read returns at once, in whatever library it waits (http.client, urllib3, ssl). A read cut
this way may look like a clean end of the body (an answer without Content-Length ends when the
connection does), so the caller asks ``clock.expired`` instead of trusting what it read.

:func:`stop_all` expires every clock of the process now and every later one at its start, and
:func:`stopping` tells loops to end; :func:`pause` is a sleep that ends when stopping begins. The
CLI calls :func:`stop_all` on SIGTERM and SIGINT, so a run stops within 2 s whatever its
sources do.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()
_stop = threading.Event()


class WallClock:
    """The time one request may take, and the connections it is using."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + max(0.0, seconds)
        self.expired = False
        self._done = False
        self._connections: list[HTTPConnection | socket.socket] = []
        self._lock = threading.RLock()  # re-entrant: stop_all may run in a signal handler of this thread

    def remaining(self) -> float:
        return 0.0 if self.expired else max(0.0, self.ends - time.monotonic())

    def attach(self, connection: HTTPConnection | socket.socket) -> None:
        """Cut ``connection`` (a urllib3 connection, or the socket of one: a response that reads
        until the connection closes keeps the socket after its connection let go of it) when this
        clock expires, at once if it already has."""
        with self._lock:
            if self.expired:
                _shut(connection)
            elif not self._done and connection not in self._connections:
                self._connections.append(connection)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for connection in self._connections:
                _shut(connection)

    def _finish(self) -> None:
        with self._lock:
            self._done = True
            self._connections.clear()  # the pool may hand them to another request now


@contextmanager
def wall_clock(seconds: float) -> Iterator[WallClock]:
    """Bound every request this thread makes inside the block to ``seconds`` in all."""
    clock = WallClock(seconds)
    outer = getattr(_local, "clock", None)
    _local.clock = clock
    _WATCHDOG.watch(clock)
    if _stop.is_set():
        clock.expire()
    try:
        yield clock
    finally:
        clock._finish()
        _WATCHDOG.forget(clock)
        _local.clock = outer


def current() -> WallClock | None:
    """The clock of the request this thread is making, if any."""
    return getattr(_local, "clock", None)


def stop_all() -> None:
    """Stop every request of the process now, and every later one as it starts. Safe in a signal handler."""
    _stop.set()
    _WATCHDOG.expire_all()


def stopping() -> bool:
    return _stop.is_set()


def pause(seconds: float) -> bool:
    """Sleep ``seconds`` unless stopping begins first; True when it did."""
    return _stop.wait(max(0.0, seconds))


def reset_stop() -> None:
    """Let requests run again after :func:`stop_all` (tests; a long-lived process that goes on)."""
    _stop.clear()


def _shut(connection: HTTPConnection | socket.socket) -> None:
    sock = connection if isinstance(connection, socket.socket) else getattr(connection, "sock", None)
    if sock is None:
        return
    try:  # the plain socket's shutdown, also for a TLS socket: it wakes a blocked read of either
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One thread that expires clocks when their time is up."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, WallClock]] = []
        self._active: set[WallClock] = set()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, clock: WallClock) -> None:
        with self._cond:
            self._active.add(clock)
            heapq.heappush(self._heap, (clock.ends, next(self._order), clock))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="citewatch-wallclock", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is clock:
                self._cond.notify()

    def forget(self, clock: WallClock) -> None:
        with self._cond:
            self._active.discard(clock)

    def expire_all(self) -> None:
        # no lock: a signal handler may run while this thread holds it; a copy of the set is enough
        for clock in list(self._active):
            clock.expire()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2] not in self._active):
                    _, _, clock = heapq.heappop(self._heap)
                    if clock in self._active:
                        clock.expire()
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()


# --- the urllib3 connections that attach themselves to the current clock ------------------------


class _AttachingMixin(HTTPConnection):
    """Put before urllib3's HTTP or HTTPS connection class (a subclass of HTTPConnection)."""

    def connect(self) -> None:
        clock = current()
        if clock is not None:
            clock.attach(self)  # the watchdog sees self.sock as soon as it exists (before TLS)
        super().connect()
        if clock is not None and self.sock is not None:
            clock.attach(self.sock)

    def request(self, *args, **kwargs):
        clock = current()
        if clock is not None:
            clock.attach(self)  # a kept-alive connection used by a new request
            if self.sock is not None:
                clock.attach(self.sock)
        return super().request(*args, **kwargs)


class _HTTPConnection(_AttachingMixin, HTTPConnection):
    pass


class _HTTPSConnection(_AttachingMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A requests transport whose connections obey the thread's :func:`wall_clock`."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session(session=None):
    """``session`` (a new requests session by default) with :class:`DeadlineAdapter` on http and https."""
    import requests

    session = session or requests.Session()
    session.mount("http://", DeadlineAdapter())
    session.mount("https://", DeadlineAdapter())
    return session
