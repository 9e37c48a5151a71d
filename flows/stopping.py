"""SIGTERM and SIGINT stop a run at once, whatever its sources are doing.

The handler first cuts every request in flight and refuses new ones
(:func:`citewatch.wallclock.stop_all`: fetch threads end within a fraction of a second even on a
source that sends one byte a second), then unwinds the main thread as Ctrl-C does
(``KeyboardInterrupt``), so nothing after the interruption is published. Prefect replaces the
SIGTERM handler while a flow runs; the flow itself calls :func:`citewatch.wallclock.stop_all` when
the signal's exception passes through it (:mod:`flows.verify`).
"""

from __future__ import annotations

import atexit
import gc
import signal

from citewatch import wallclock

_exit_prepared = False


def stop_on_signals() -> None:
    """Install the handler for SIGTERM and SIGINT (main thread only, as Python requires)."""
    def stop(_signum, _frame):
        wallclock.stop_all()
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    global _exit_prepared
    if _exit_prepared:
        return
    _exit_prepared = True
    # The interpreter's last garbage collection walks every object Prefect and its imports left:
    # 1.5-3.5 s after a stopped run, measured. At exit nothing needs it (files and the database are
    # closed by then, the OS frees the rest): frozen objects are skipped. Registered first, runs last.
    atexit.register(gc.freeze)
