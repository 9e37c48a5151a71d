"""Checks a command makes before it starts a flow, so that a mistake costs a second and one line
that says what to do, not a Prefect traceback half a minute later."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from citewatch.errors import ConfigError


def ensure_writable_folder(path: Path, what: str, how_to_change: str) -> Path:
    """Create ``path`` if needed and prove a file can be written in it.

    ``what`` names the folder for the user ("archive folder"), ``how_to_change`` says how to pick
    another one ("--archive-dir or CITEWATCH_ARCHIVE_DIR").
    """
    path = Path(path)
    probe = path / f".citewatch-write-test-{uuid.uuid4().hex[:8]}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot write to the {what} {path} ({exc.strerror or exc}); make it "
                          f"writable or choose another folder with {how_to_change}") from None
    return path


def ensure_state_database(settings) -> None:
    """Open the state database (creating its tables on a first run): an empty, corrupt or
    unreachable one is a StateError of one line here, before any flow run."""
    from citewatch.pipeline import open_state

    open_state(settings).kw["bind"].dispose()


def ensure_prefect_api_answers(api_url: str | None, timeout: float = 5.0) -> None:
    """When a Prefect server is configured, make sure it answers its health check."""
    if not api_url:
        return  # the ephemeral local API: nothing to reach
    health = api_url.rstrip("/") + "/health"
    try:
        answer = requests.get(health, timeout=timeout)
        ok = answer.status_code == 200
        reason = f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        ok, reason = False, type(exc).__name__
    if not ok:
        raise ConfigError(f"the Prefect server at {api_url} does not answer ({reason}); start it "
                          "with `prefect server start`, or unset PREFECT_API_URL to run on the "
                          "local ephemeral API")
