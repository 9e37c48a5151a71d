"""Per-host politeness: at most N requests in flight to one host, and a pause between them.

One :class:`Politeness` is shared by every thread of a fetcher; each host gets its own
:class:`HostGate`, so different hosts never wait for each other.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from citewatch.wallclock import pause


class HostGate:
    def __init__(self, concurrency: int, delay: float):
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
            yield time.monotonic() - asked
        finally:
            self._slots.release()


class Politeness:
    def __init__(self, concurrency: int, delay: float):
        self.concurrency = concurrency
        self.delay = delay
        self._gates: dict[str, HostGate] = {}
        self._lock = threading.Lock()

    def gate(self, host: str) -> HostGate:
        with self._lock:
            if host not in self._gates:
                self._gates[host] = HostGate(self.concurrency, self.delay)
            return self._gates[host]
