"""The local Prefect API that `citewatch verify` keeps warm: the first run starts it, the next run
uses the same process (and Prefect still records each flow run), `citewatch server status` shows
it, `citewatch server stop` stops it, and left alone it stops by itself after its idle time.
Slow (real `citewatch verify` processes and a Prefect server start): one test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from citewatch.testing.fixture_web import FixtureWeb
from verify_fixtures import serve_pages, write_registry

pytestmark = pytest.mark.slow

CITEWATCH = str(Path(sys.executable).with_name("citewatch"))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not alive(pid)


def test_verify_keeps_one_prefect_api_warm_between_runs_until_stopped_or_idle(tmp_path):
    home = tmp_path / "prefect-home"
    env = {**os.environ, "PREFECT_HOME": str(home), "CITEWATCH_PREFECT_SERVER_IDLE_MINUTES": "5",
           "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1", "CITEWATCH_WAYBACK_URL": "off",
           "CITEWATCH_ARCHIVE_DIR": str(tmp_path / "archive"), "CITEWATCH_REPORTS_DIR": str(tmp_path / "reports")}
    env.pop("PREFECT_API_URL", None)

    def citewatch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CITEWATCH, *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    record = home / "citewatch-api.json"
    pids = []
    try:
        with FixtureWeb(hosts=2) as web:
            serve_pages(web)
            registry = write_registry(tmp_path / "claims", web)
            for _ in range(2):
                done = citewatch("verify", str(registry))
                assert done.returncode == 0, done.stdout + done.stderr
                pids.append(json.loads(record.read_text())["pid"])
        assert pids[0] == pids[1] and alive(pids[0])  # the second run used the first run's server
        api = json.loads(record.read_text())
        url = f"http://127.0.0.1:{api['port']}/api"
        runs = requests.post(f"{url}/flow_runs/filter", json={}, timeout=10).json()
        assert [r["state_type"] for r in runs] == ["COMPLETED", "COMPLETED"]  # both runs recorded

        status = citewatch("server", "status")
        assert status.returncode == 0 and f"warm Prefect API: {url} (process {pids[0]}" in status.stdout
        stopped = citewatch("server", "stop")
        assert stopped.stdout.splitlines()[0] == f"stopped the warm Prefect API (process {pids[0]})"
        assert wait_until_gone(pids[0], 10) and not record.exists()
        assert "no warm Prefect API is running" in citewatch("server", "status").stdout

        # Left alone, it stops by itself once its idle time has passed since its last use.
        from flows.warm_api import ensure_warm_api

        idle = ensure_warm_api(idle_seconds=2, home=home)
        pids.append(idle.pid)
        assert alive(idle.pid)
        assert wait_until_gone(idle.pid, 30), "the idle server did not stop by itself"
        assert not record.exists()
    finally:
        for pid in pids:
            if alive(pid):
                os.killpg(pid, 9)
