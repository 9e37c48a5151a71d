"""Prefect set-up for the CLI: quiet by default, ephemeral local API unless a server is configured.

Everything here sets environment variables, so it must run *before* Prefect is imported (the CLI
imports Prefect only inside the commands that run flows, which keeps ``citewatch --help`` fast).
"""

from __future__ import annotations

import logging
import os
import sys

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # The ephemeral server's own access log and start-up banner.
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOGGERS_PREFECT_SERVER_API_SERVER_LEVEL": "WARNING",
}


def prefect_already_imported() -> bool:
    return "prefect" in sys.modules


def configure_prefect(verbose: bool = False, api_url: str | None = None) -> None:
    """Quiet logging unless ``verbose``; point at ``api_url`` when given.

    Values the user set in the environment win over our quiet defaults, except that
    ``verbose`` turns Prefect's own logging up to INFO.
    """
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    if verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    # A cold ephemeral server on a busy 2-core machine can take longer than Prefect's 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url


class _WithoutTraceback(logging.Formatter):
    """The console's formatter, minus tracebacks: Prefect's error lines already name the exception."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return self.inner.format(record)
        finally:  # other handlers (the Prefect API's log, for the UI) keep the whole record
            record.exc_info, record.exc_text, record.stack_info = saved


def one_line_errors(verbose: bool) -> None:
    """Unless ``verbose``, the console shows Prefect's errors without their tracebacks (call it once
    Prefect is imported: its console handler exists from then on)."""
    if verbose:
        return
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, _WithoutTraceback):
            handler.setFormatter(_WithoutTraceback(handler.formatter))


def configured_api_url() -> str | None:
    """The Prefect API the user configured (environment or Prefect profile), or None."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    try:
        from prefect.settings import PREFECT_API_URL  # cheap enough here: only `serve` asks
    except ImportError:  # pragma: no cover
        return None
    return PREFECT_API_URL.value() or None
