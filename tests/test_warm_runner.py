"""The warm runner (flows.warm_runner): after a `citewatch verify` that ran in its own process, the
next runs are forked from a process that has Prefect and citewatch imported. They still are real
Prefect flow runs on the warm API, print on the caller's terminal, exit with the command's status,
and stop on the caller's Ctrl-C or death; a caller whose Prefect settings differ runs in its own
process. Slow (real `citewatch verify` processes, a Prefect server start): one test, and quick ones
of when the runner takes a command."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from citewatch.testing.fixture_web import FixtureWeb, Route
from test_warm_api import alive
from verify_fixtures import serve_pages, write_registry

pytestmark = pytest.mark.slow

CITEWATCH = str(Path(sys.executable).with_name("citewatch"))
SLOW = Route(body="<html><body><article><p>Too late.</p></article></body></html>", delay=60)
LATE_SECONDS = 7  # longer than the 5 s the runner waits for a command's request


def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home"), "CITEWATCH_PREFECT_SERVER_IDLE_MINUTES": "5",
           "CITEWATCH_ARCHIVE_DIR": str(tmp_path / "archive"), "CITEWATCH_REPORTS_DIR": str(tmp_path / "reports")}
    env.pop("PREFECT_API_URL", None)
    return env


def wait_for_runner(home: Path, seconds: float = 120) -> None:
    from flows.warm_runner import answers

    deadline = time.monotonic() + seconds
    while not answers(home):
        assert time.monotonic() < deadline, (home / "citewatch-runner.log").read_text(errors="replace")
        time.sleep(0.2)


def runs_in_log(home: Path) -> list[str]:
    log = home / "citewatch-runner.log"
    return [line for line in log.read_text().splitlines() if " run " in line] if log.exists() else []


def last_run_ended(home: Path, ending: str, seconds: float = 15) -> bool:
    """The runner logs a run's end once it has collected the process (just after the command exits)."""
    deadline = time.monotonic() + seconds
    while not runs_in_log(home)[-1].endswith(ending) and time.monotonic() < deadline:
        time.sleep(0.1)
    return runs_in_log(home)[-1].endswith(ending)


def stop_all(env: dict[str, str]) -> None:
    subprocess.run([CITEWATCH, "server", "stop"], env=env, capture_output=True, timeout=60)


def test_later_runs_fork_the_warm_runner_and_behave_as_the_command_would(tmp_path):
    env = environment(tmp_path)
    home = Path(env["PREFECT_HOME"])

    def citewatch(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([CITEWATCH, *args], cwd=tmp_path, env={**env, **extra}, capture_output=True,
                              text=True, timeout=300)

    try:
        with FixtureWeb(hosts=2) as web:
            serve_pages(web)
            registry = write_registry(tmp_path / "claims", web)
            first = citewatch("verify", str(registry))
            assert first.returncode == 0, first.stdout + first.stderr
            assert runs_in_log(home) == []  # the first run ran in its own process, then started the runner
            wait_for_runner(home)

            second = citewatch("verify", str(registry))
            assert second.returncode == 0, second.stdout + second.stderr
            assert [line.split(": ", 1)[1] for line in runs_in_log(home) if "ended" not in line] == \
                [f"citewatch verify {registry} (in {tmp_path})"]
            assert second.stdout.splitlines()[0] == first.stdout.splitlines()[0]  # the same summary, here
            assert "report json:" in second.stdout and second.stderr.strip() == ""

            # Its exit status and stdout are the command's: --fail-on and --json.
            failing = citewatch("verify", str(registry), "--json", "--fail-on", "supported")
            assert failing.returncode == 1, failing.stdout + failing.stderr
            summaries = json.loads(failing.stdout)
            assert summaries[0]["document_id"] == "aldane-harbour"
            assert "matching --fail-on (supported)" in failing.stderr
            assert last_run_ended(home, "s of CPU: exit 1")
            before = len(runs_in_log(home))

            # Other Prefect settings than the runner imported with: the command runs by itself.
            other = citewatch("verify", str(registry), PREFECT_LOGGING_LEVEL="ERROR")
            assert other.returncode == 0, other.stdout + other.stderr
            assert len(runs_in_log(home)) == before
            assert "refused a run: other Prefect settings" in (home / "citewatch-runner.log").read_text()

            # A run longer than the few seconds the runner gives a command to hand over goes on to its end.
            web[0].route("/late", dataclasses.replace(SLOW, delay=LATE_SECONDS))
            late = write_registry(tmp_path / "late", web, document_id="late-harbour")
            late.write_text(late.read_text().replace(web[0].url("/budget"), web[0].url("/late")))
            before = len(runs_in_log(home))
            finished = citewatch("verify", str(late))
            assert finished.returncode == 0, finished.stdout + finished.stderr
            assert len(runs_in_log(home)) > before and last_run_ended(home, "s of CPU: exit 0")

            # Ctrl-C of the command stops the run in the runner (exit 130, one line); so does its death.
            web[0].route("/slow", SLOW)
            slow = write_registry(tmp_path / "slow", web, document_id="slow-harbour")
            slow.write_text(slow.read_text().replace(web[0].url("/budget"), web[0].url("/slow")))
            for signum in (signal.SIGINT, signal.SIGKILL):
                process = subprocess.Popen([CITEWATCH, "verify", str(slow)], cwd=tmp_path, env=env,
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                deadline = time.monotonic() + 60
                while not runs_in_log(home)[-1].endswith(f"verify {slow} (in {tmp_path})"):
                    assert time.monotonic() < deadline and process.poll() is None
                    time.sleep(0.1)
                child = int(runs_in_log(home)[-1].split()[3].rstrip(":"))
                time.sleep(1.0)  # fetching by now
                process.send_signal(signum)
                out, err = process.communicate(timeout=30)
                deadline = time.monotonic() + 15
                while alive(child) and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert not alive(child)  # the run in the runner ended with its command
                if signum == signal.SIGINT:
                    assert process.returncode == 130, out + err
                    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("Interrupted")
                assert last_run_ended(home, ": exit 130")  # stopped as on Ctrl-C, either way
                assert f"run {child} ended after " in runs_in_log(home)[-1]

        api = json.loads((home / "citewatch-api.json").read_text())
        runs = requests.post(f"http://127.0.0.1:{api['port']}/api/flow_runs/filter", json={}, timeout=10).json()
        states = [r["state_type"] for r in runs]  # every run is a Prefect flow run, the stopped ones too
        assert len(states) == 7 and states.count("COMPLETED") == 5, states

        runner = json.loads((home / "citewatch-runner.json").read_text())["pid"]
        status = citewatch("server", "status")
        assert f"warm runner: process {runner}" in status.stdout
        stopped = citewatch("server", "stop")
        assert f"stopped the warm runner (process {runner})" in stopped.stdout
        assert not alive(runner) and not (home / "citewatch-runner.sock").exists()
    finally:
        stop_all(env)


def test_the_runner_takes_a_command_only_when_its_imports_still_fit(tmp_path, monkeypatch):
    from flows import warm_runner

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    runner = warm_runner.Runner(tmp_path, idle_seconds=60)
    fitting = {"code": runner.code, "key": runner.key, "namespaces": warm_runner.namespaces()}
    assert runner.refusal(fitting) == ("the warm Prefect API it was started for is gone", True)
    monkeypatch.setattr(runner, "api_still_ours", lambda: True)
    assert runner.refusal(fitting) is None
    assert runner.refusal({**fitting, "code": runner.code - 1}) == ("the code changed since the runner started", True)
    assert runner.refusal({**fitting, "key": "other"}) == ("other Prefect settings", False)
    assert runner.refusal({**fitting, "namespaces": "mnt:[1] user:[2]"})[1] is False
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "DEBUG"}
    assert warm_runner.environment_key(env) != runner.key  # Prefect fixed its logging at import
    assert warm_runner.environment_key({**os.environ, "CITEWATCH_ARCHIVE_DIR": "/elsewhere"}) == runner.key


def test_only_a_plain_verify_goes_to_the_runner():
    from flows.warm_runner import wants_runner

    env = {"PREFECT_HOME": "/h"}
    assert wants_runner(["verify", "claims/a.yaml", "--json"], env)
    assert not wants_runner(["verify", "claims/a.yaml", "-v"], env)
    assert not wants_runner(["verify", "--help"], env)
    assert not wants_runner(["validate", "claims/a.yaml"], env)
    assert not wants_runner(["verify", "claims/a.yaml"], {**env, "PREFECT_API_URL": "http://prefect:4200/api"})
    assert not wants_runner(["verify", "claims/a.yaml"], {**env, "CITEWATCH_WARM_RUNNER": "off"})
    assert not wants_runner(["verify", "claims/a.yaml"], {**env, "CITEWATCH_PREFECT_SERVER_IDLE_MINUTES": "0"})
