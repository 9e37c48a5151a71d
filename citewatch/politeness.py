"""Per-host politeness: at most N requests in flight to one host, and a pause between them.

One :class:`Politeness` is shared by every thread of a fetcher; each host gets its own
:class:`HostGate`, so different hosts never wait for each other.

Across processes (several runs, several workers) a :class:`SharedLimits` holds the same limit for
every fetcher that uses it: each request also takes a slot of it, inside the process's own gate.
The flows give one backed by Prefect's global concurrency limits (``CITEWATCH_POLITENESS=shared``).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager, nullcontext
from typing import ContextManager, Iterator, Protocol
from urllib.parse import urlsplit

from citewatch.wallclock import pause


def host_of(url: str) -> str:
    """The host a URL's requests count against, lower-cased: the key of its politeness gate, of the
    fetcher's queues, of a run's batches (a host never spans two) and of the offline test. Every
    port and scheme of a name is one host."""
    return (urlsplit(url).hostname or "").lower()


class SharedLimits(Protocol):
    """Per-host limits that hold across processes."""

    def slot(self, host: str) -> ContextManager[object]:
        """Hold one of the host's shared slots (waiting for it, and for its pause) for the block."""


class HostGate:
    def __init__(self, concurrency: int, delay: float, host: str = "", limits: SharedLimits | None = None):
        self.host = host
        self._limits = limits
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self.delay = delay
        self._next_start = 0.0

    def slow_down(self, delay: float) -> None:
        """Raise the pause between requests (e.g. to the host's robots.txt Crawl-delay); never lowers it."""
        with self._lock:
            self.delay = max(self.delay, delay)

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Hold one of the host's slots, once the pause since the last start has passed.
        Yields the seconds spent waiting (callers do not count them against their deadlines)."""
        asked = time.monotonic()
        self._slots.acquire()
        try:
            with self._lock:  # reserve a start time, then wait outside the lock
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self.delay
            if start > now:
                pause(start - now)  # ends early when the run is stopped; the fetch then raises Stopped
            with self._limits.slot(self.host) if self._limits is not None else nullcontext():
                yield time.monotonic() - asked
        finally:
            self._slots.release()


class Politeness:
    def __init__(self, concurrency: int, delay: float, shared: SharedLimits | None = None):
        self.concurrency = concurrency
        self.delay = delay
        self.shared = shared
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def gate(self, host: str) -> HostGate:
        with self._lock:
            if host not in self._gates:
                self._gates[host] = HostGate(self.concurrency, self.delay, host=host, limits=self.shared)
            return self._gates[host]
