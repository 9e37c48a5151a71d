"""Ctrl-C stops a `citewatch verify` run at once: within a second or two, with one line that says
what was kept, and exit status 130 (128 + SIGINT), as shells expect.

Nothing needs waiting for. Fetches in flight are abandoned (their threads die with the process);
the archive is built to survive a process that stops at any instant (the WARC bytes are synced
before the index row that points at them; docs/archive.md, "Crash safety"); reports and the
registry cache are written to a temporary name and renamed; the state database commits whole
transactions. So after the first Ctrl-C the flow gets a moment to unwind, Prefect is told that
the flow run was cancelled (so that no UI shows it running for ever), and the process ends,
whether or not those finished: it never waits for a fetch.
A second Ctrl-C ends it on the spot. Child processes (the local Prefect API server, worker
processes) are stopped on the way out.

Without --verbose, Prefect's "Crash detected!" log lines and tracebacks are not shown.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Literal

EXIT_INTERRUPTED = 130
GRACE_SECONDS = 0.8  # for the flow engine to unwind by itself
BEFORE_EXIT_SECONDS = 0.7  # to tell Prefect the run was cancelled


class StopOnInterrupt:
    """A SIGINT handler for the duration of a run. ``describe_kept()`` gives the line to print."""

    def __init__(self, describe_kept: Callable[[], str], verbose: bool = False,
                 children: Callable[[], list[subprocess.Popen]] = lambda: [],
                 on_interrupt: Callable[[], None] = lambda: None,
                 before_exit: Callable[[], None] = lambda: None,
                 grace: float = GRACE_SECONDS) -> None:
        """``on_interrupt`` runs in the signal handler (the main thread, where the flow runs);
        ``before_exit`` gets at most BEFORE_EXIT_SECONDS before the process ends."""
        self.describe_kept = describe_kept
        self.verbose = verbose
        self.children = children
        self.on_interrupt = on_interrupt
        self.before_exit = before_exit
        self.grace = grace
        self.interrupted = False
        self._previous: Callable[[int, FrameType | None], Any] | int | None = None
        self._exiting = threading.Lock()

    def __enter__(self) -> "StopOnInterrupt":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if self.interrupted or (exc_type is not None and issubclass(exc_type, KeyboardInterrupt)):
            self.exit_now()
        return False

    def _on_sigint(self, _signum, _frame) -> None:
        if self.interrupted:  # a second Ctrl-C: no grace
            self.exit_now()
        self.interrupted = True
        try:
            self.on_interrupt()
        except Exception:  # noqa: BLE001 - stopping matters more
            pass
        if not self.verbose:
            logging.disable(logging.CRITICAL)  # Prefect's crash report is noise to the user here
        watchdog = threading.Timer(self.grace, self.exit_now)
        watchdog.daemon = True
        watchdog.start()
        raise KeyboardInterrupt  # unwinds the flow: Prefect records the run as crashed

    def exit_now(self) -> None:
        """Print the one line, stop child processes, end the process with 130. Never returns."""
        if not self._exiting.acquire(blocking=False):
            threading.Event().wait()  # another thread is already ending the process
        try:
            line = self.describe_kept()
        except Exception:  # noqa: BLE001 - the exit must happen anyway
            line = "interrupted"
        try:
            sys.stderr.write("\n" + line + "\n")
            sys.stderr.flush()
            sys.stdout.flush()
        except Exception:  # noqa: BLE001
            pass
        last_words = threading.Thread(target=_quietly, args=(self.before_exit,), daemon=True)
        last_words.start()
        last_words.join(BEFORE_EXIT_SECONDS)
        stop_children([*self.children(), *multiprocessing.active_children()])
        os._exit(EXIT_INTERRUPTED)


def _quietly(action: Callable[[], None]) -> None:
    try:
        action()
    except Exception:  # noqa: BLE001 - the process ends anyway
        pass


def stop_children(children: list) -> None:
    """SIGTERM every child process still running (they clean up on it); never waits long."""
    for child in children:
        try:
            child.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
    for child in children:
        try:
            child.wait(0.5) if isinstance(child, subprocess.Popen) else child.join(0.5)
        except Exception:  # noqa: BLE001
            pass
