"""Tests that need a system program (Debian's chromium, PostgreSQL's server binaries) call
``need_system_tool``: on a machine without it the test is skipped with the reason and the package
to install (pytest's ``-ra`` summary lists it); with ``CITEWATCH_REQUIRE_SYSTEM_TOOLS=1`` (set by
.ci/run) the same test fails instead, so CI always runs every test."""

from __future__ import annotations

import os

import pytest

REQUIRE_VARIABLE = "CITEWATCH_REQUIRE_SYSTEM_TOOLS"


def tools_are_required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def missing_tool_message(what: str, install: str) -> str:
    return f"needs {what}: {install} (unset {REQUIRE_VARIABLE} to skip instead)" if tools_are_required() \
        else f"needs {what}: {install} (skipped; {REQUIRE_VARIABLE}=1 makes this a failure)"


def need_system_tool(present: bool, what: str, install: str) -> None:
    """Skip the calling test (or fail it when tools are required) unless ``present``."""
    if present:
        return
    message = missing_tool_message(what, install)
    if tools_are_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def need_postgres() -> None:
    """PostgreSQL: a server named by CITEWATCH_TEST_POSTGRES_URL, or Debian's server binaries."""
    from citewatch.testing.postgres import postgres_bin

    need_system_tool(bool(os.environ.get("CITEWATCH_TEST_POSTGRES_URL")) or postgres_bin() is not None,
                     "PostgreSQL's server binaries (initdb, pg_ctl)",
                     "apt-get install postgresql, or set CITEWATCH_TEST_POSTGRES_URL")
