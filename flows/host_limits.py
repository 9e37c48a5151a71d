"""Politeness across workers: the per-host limits of citewatch (requests in flight, pause between
requests) held by Prefect's global concurrency limits, so that every run on every worker that uses
the same Prefect server shares them (``CITEWATCH_POLITENESS=shared``).

For each host ``H``: ``citewatch-host-H`` has ``CITEWATCH_PER_HOST_CONCURRENCY`` slots, held for
each request; with ``CITEWATCH_PER_HOST_DELAY`` > 0, ``citewatch-host-rate-H`` (one slot that
decays in that many seconds) spaces the starts of requests. Both are created on first use and
follow the settings of the last run that used them. A slot is a lease: the server takes it back
when the worker that held it dies.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Iterator

from flows.document_limit import ensure_limit

PREFIX = "citewatch-host-"
RATE_PREFIX = "citewatch-host-rate-"
LEASE_SECONDS = 60  # renewed while a request lasts longer; a dead worker's slot frees itself after this


def _safe(host: str) -> str:
    """A host as a limit name (Prefect refuses a few characters in names)."""
    return re.sub(r"[^A-Za-z0-9._:-]", "_", host) or "_"


class PrefectHostLimits:
    """citewatch.politeness.SharedLimits on the Prefect server of this process."""

    def __init__(self, concurrency: int, delay: float):
        self.concurrency = concurrency
        self.delay = delay
        self._ready: set[str] = set()
        self._lock = threading.Lock()

    def names(self, host: str) -> tuple[str, str | None]:
        return PREFIX + _safe(host), (RATE_PREFIX + _safe(host) if self.delay > 0 else None)

    def _ensure(self, host: str) -> tuple[str, str | None]:
        slots, rate = self.names(host)
        with self._lock:
            if host in self._ready:
                return slots, rate
        from prefect import get_client

        with get_client(sync_client=True) as client:
            ensure_limit(client, slots, self.concurrency)
            if rate:
                ensure_limit(client, rate, 1, slot_decay_per_second=1.0 / self.delay)
        with self._lock:
            self._ready.add(host)
        return slots, rate

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        from prefect.concurrency.sync import concurrency, rate_limit

        slots, rate = self._ensure(host)
        with concurrency(slots, occupy=1, strict=True, lease_duration=LEASE_SECONDS,
                         raise_on_lease_renewal_failure=False):
            if rate:
                rate_limit(rate, occupy=1, strict=True)
            yield
