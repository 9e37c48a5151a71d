"""Per-host politeness: at most N requests in flight to one host, and a pause between them.

One :class:`Politeness` is shared by every thread of a fetcher; each host gets its own
:class:`HostGate`, so different hosts never wait for each other.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator


class SlotTimeout(Exception):
    """No slot for the host became free before the deadline."""


class HostGate:
    def __init__(self, concurrency: int, delay: float):
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._delay = delay
        self._next_start = 0.0

    @contextmanager
    def slot(self, deadline: float | None = None) -> Iterator[None]:
        """Hold one of the host's slots; returns once the minimum delay since the last start passed."""
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._slots.acquire(timeout=timeout):
            raise SlotTimeout()
        try:
            with self._lock:  # reserve a start time, then wait outside the lock
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._delay
            if start > now:
                if deadline is not None and start > deadline:
                    raise SlotTimeout()
                time.sleep(start - now)
            yield
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
