"""Prefect set-up for the CLI: quiet by default, ephemeral local API unless a server is configured.

Everything here sets environment variables, so it must run *before* Prefect is imported (the CLI
imports Prefect only inside the commands that run flows, which keeps ``citewatch --help`` fast).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

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


# Prefect's lines for an exception that ends the run: the command's last line says it again, with
# what to do (`citewatch verify` ends with "error: ..." whenever its flow run fails).
REPEATED_BY_THE_COMMAND = ("Finished in state Failed", "Encountered exception during execution",
                           "Task run failed with exception")


def _not_repeated_by_the_command(record: logging.LogRecord) -> bool:
    if record.levelno < logging.ERROR or not record.name.startswith(("prefect.flow_runs", "prefect.task_runs")):
        return True
    return not any(text in record.getMessage() for text in REPEATED_BY_THE_COMMAND)


# What Prefect's background services (its EventsWorker, its log worker) say while they still send
# what was queued as the process exits: housekeeping, nothing for the user to do or to read.
HOUSEKEEPING = "Still processing items"


def _not_housekeeping(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR or not record.getMessage().startswith(HOUSEKEEPING)


def one_line_errors(verbose: bool) -> None:
    """Unless ``verbose``, the console shows Prefect's errors without their tracebacks, and not the
    engine's lines about the exception that ends a run, which the command's last line states, nor
    its services' housekeeping at exit (call it once Prefect is imported: its console handler
    exists from then on)."""
    if verbose:
        return
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, _WithoutTraceback):
            handler.setFormatter(_WithoutTraceback(handler.formatter))
        for keep in (_not_repeated_by_the_command, _not_housekeeping):
            if keep not in handler.filters:
                handler.addFilter(keep)


def configured_api_url() -> str | None:
    """The Prefect API the user configured (environment, Prefect profile, ``prefect.toml``,
    ``pyproject.toml`` or ``.env`` in the working folder), or None.

    Read without importing Prefect when the files are plain (importing it takes seconds, and
    Prefect fixes its settings at import: the warm local API must be chosen before that)."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    try:
        return _api_url_from_files()
    except Exception:  # noqa: BLE001 - anything unusual: ask Prefect itself
        try:
            from prefect.settings import PREFECT_API_URL
        except ImportError:  # pragma: no cover
            return None
        return PREFECT_API_URL.value() or None


def _api_url_from_files() -> str | None:
    import tomllib

    cwd = Path.cwd()
    dotenv = cwd / ".env"
    if dotenv.is_file():
        for line in dotenv.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip().removeprefix("export ").strip() == "PREFECT_API_URL" and value.strip():
                return value.strip().strip("'\"")
    for name, section in (("prefect.toml", ()), ("pyproject.toml", ("tool", "prefect"))):
        path = cwd / name
        if path.is_file():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            for key in section:
                data = data.get(key, {})
            url = (data.get("api") or {}).get("url")
            if url:
                return url
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles_path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    if not profiles_path.is_file():
        return None
    profiles = tomllib.loads(profiles_path.read_text(encoding="utf-8"))
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return (profiles.get("profiles", {}).get(active) or {}).get("PREFECT_API_URL") or None
