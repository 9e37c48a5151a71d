"""CPU-heavy work of a run (text extraction, checks) in worker processes.

The fetch side of a run is threads waiting on the network; extraction and checking are pure Python
and, in threads of one process, share one core (the GIL). A small process pool gives them every
core. Workers are started with ``spawn``: the run's process has threads (Prefect's, the fetchers')
that a ``fork`` could copy in the middle of holding a lock.

A worker that dies (a hostile PDF crashing a parser, the kernel's OOM killer) breaks the pool; the
run then goes on with the work in its own process and says so in the log. A run that dies (kill -9)
takes its workers with it: each one watches its parent and exits within a second of losing it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from citewatch.errors import CitewatchError
from citewatch.models import CheckResult
from citewatch.results import KEPT_TEXT_CHARS, text_digest, text_hash
from citewatch.textcache import CachedText

log = logging.getLogger("citewatch.workers")

T = TypeVar("T")


def extract_cached(body: bytes, content_type: str, url: str, encoding: str | None) -> CachedText | str:
    """The text, title and publication date of a page, as the text cache keeps them; or, when the
    page has no readable text, why (for the report)."""
    from citewatch.textextract import extract_text

    try:
        extracted = extract_text(body, content_type, url, encoding)
    except CitewatchError as exc:  # e.g. a PDF that cannot be read: no text, not a crash
        log.info("no text from %s: %s", url, exc)
        return f"no text could be read from it: {exc}"
    if not extracted.text or not extracted.text.strip():
        return f"no text could be read from it: the {content_type.split(';')[0].strip() or 'page'} holds none"
    published = extracted.published
    if isinstance(published, datetime):
        published = published.date().isoformat()
    return described(CachedText(extracted.text, extracted.title, str(published) if published else None))


def described(cached: CachedText) -> CachedText:
    """``cached`` with the digests of its text (computed here, in the worker, once per text)."""
    if cached.text_hash and cached.digest:
        return cached
    return replace(cached, text_hash=text_hash(cached.text[:KEPT_TEXT_CHARS]), digest=text_digest(cached.text))


def check_text(claim_text: str, text: str, facts, published: str | None, subject: str | None) -> CheckResult:
    from citewatch.check import check_claim

    return check_claim(claim_text, text, facts=facts, published=published, subject=subject)


PARENT_CHECK_SECONDS = 0.5


def _start_worker(parent: int) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), name="citewatch-parent-watch", daemon=True).start()
    # Pay the imports once per worker, before the first page waits on them.
    import citewatch.check  # noqa: F401
    import citewatch.textextract  # noqa: F401


def _exit_with_parent(parent: int) -> None:
    """End this process once ``parent`` is gone (its children are then handed to another process)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class CpuPool:
    """Runs a function in a worker process (``workers`` > 1) or in the calling thread.

    Thread-safe: the run's reader threads all hand their work to the same pool."""

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._broken = workers <= 1
        self._lock = threading.Lock()

    def call(self, function: Callable[..., T], *args) -> T:
        pool = self._executor()
        if pool is None:
            return function(*args)
        try:
            future = pool.submit(function, *args)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            # e.g. a script without `if __name__ == "__main__":` cannot spawn workers
            self._give_up(f"no worker process could be started ({exc.__class__.__name__})")
            return function(*args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._give_up("a worker process died")
            return function(*args)

    def submit(self, function: Callable[..., T], *args) -> "Future[T] | None":
        """Start ``function(*args)`` in a worker process now and take its answer later with
        :meth:`answer`; None when there is no worker to start it in (the caller then uses
        :meth:`call` when it needs the answer)."""
        pool = self._executor()
        if pool is None:
            return None
        try:
            return pool.submit(function, *args)
        except (BrokenProcessPool, RuntimeError, OSError):
            return None  # the later call() finds out and says why

    def answer(self, future: "Future[T]", function: Callable[..., T], *args) -> T:
        """The answer of a :meth:`submit` of ``function(*args)``; made by :meth:`call` instead when
        the pool broke or was closed meanwhile."""
        try:
            return future.result()
        except BrokenProcessPool:
            self._give_up("a worker process died")
        except CancelledError:
            pass
        return self.call(function, *args)

    def map(self, function: Callable[..., T], calls: list[tuple]) -> list[T]:
        """``[function(*args) for args in calls]``, spread over the workers."""
        pool = self._executor() if len(calls) > 1 else None
        if pool is None:
            return [function(*args) for args in calls]
        try:
            chunk = max(1, min(16, len(calls) // (4 * self.workers)))
            return list(pool.map(function, *zip(*calls), chunksize=chunk))
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            self._give_up(f"worker processes failed ({exc.__class__.__name__})")
            return [function(*args) for args in calls]

    def _executor(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._broken:
                return None
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker,
                                                 initargs=(os.getpid(),),
                                                 mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def _give_up(self, why: str) -> None:
        with self._lock:
            if not self._broken:
                log.warning("%s: extraction and checks go on in the main process", why)
            self._broken = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
