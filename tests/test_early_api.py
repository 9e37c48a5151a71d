"""flows.early_api: Prefect's ephemeral server started ahead of need is the one Prefect's client
uses, and it never outlives the process (run in a child process: the session's Prefect harness
must not see it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json
from flows.early_api import start_early
early = start_early(None)
adopted = early.adopt()
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:
    healthy = client.api_healthcheck() is None
    url = str(client.api_url)
print(json.dumps({"adopted": adopted, "port": early.port, "pid": early.process.pid,
                  "client_url": url, "healthy": healthy, "log": str(early.log)}))
"""


def test_early_server_is_the_one_prefect_uses_and_stops_at_exit(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["adopted"] and seen["healthy"]
    assert f":{seen['port']}/" in seen["client_url"]
    assert not Path(f"/proc/{seen['pid']}").exists()  # stopped and reaped at exit
    # the server's own lines go to its log beside its database, not to the run's console
    assert seen["log"] == str(tmp_path / "prefect-home" / "ephemeral-api.log") and Path(seen["log"]).exists()
    assert "uvicorn" not in done.stderr and "Traceback" not in done.stderr
    try:
        requests.get(f"http://127.0.0.1:{seen['port']}/api/health", timeout=2)
        answered = True
    except requests.RequestException:
        answered = False
    assert not answered


def test_no_early_server_when_a_server_is_configured():
    from flows.early_api import start_early

    assert start_early("http://127.0.0.1:4200/api") is None
