"""Shared test set-up: a quiet, isolated Prefect and one test harness per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports Prefect: isolate its home and result storage, and keep it quiet.
_PREFECT_TMP = Path(tempfile.mkdtemp(prefix="citewatch-tests-prefect-"))
os.environ.update(
    {
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_HOME": str(_PREFECT_TMP / "home"),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(_PREFECT_TMP / "results"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1",
        "CITEWATCH_WAYBACK_URL": "off",
        "CITEWATCH_REGISTRY_CACHE": str(_PREFECT_TMP / "registry-cache"),  # not the user's ~/.cache
        # Each `citewatch verify` process of a test starts and stops its own Prefect API: no warm
        # server outlives a test (tests/test_warm_api.py tries the warm one and stops it).
        "CITEWATCH_PREFECT_SERVER_IDLE_MINUTES": "0",
    }
)
for _var in ("CITEWATCH_DATABASE_URL", "CITEWATCH_ARCHIVE_DIR", "CITEWATCH_REPORTS_DIR",
             "CITEWATCH_WAYBACK_ACCESS_KEY", "CITEWATCH_WAYBACK_SECRET_KEY"):
    os.environ.pop(_var, None)

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = ["webfixtures"]  # fixture_web (loopback sites with real-web behaviours), fast_settings


def pytest_collection_modifyitems(items):
    """A test on the session's Prefect server is slow (``make check`` leaves it out): whichever
    test comes first starts the server, about ten seconds."""
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test harness (ephemeral API on a temporary database) for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A temporary folder with archive and reports dirs wired into the environment."""
    monkeypatch.setenv("CITEWATCH_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("CITEWATCH_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path
