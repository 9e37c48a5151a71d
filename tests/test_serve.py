"""`citewatch serve` end to end: it starts its own Prefect server, serves the scheduled
deployment, a run triggered through Prefect's API (run_deployment) writes the report, and
stopping the command stops the server. Slow (a real server and a cold flow process): one test."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from citewatch.testing.fixture_web import FixtureWeb
from system_tools import need_postgres
from verify_fixtures import serve_pages, write_registry

pytestmark = pytest.mark.slow

CITEWATCH = str(Path(sys.executable).with_name("citewatch"))
STARTUP_SECONDS = 180
RUN_SECONDS = 240


def _lines(stream, into: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        into.put(line)
    into.put(None)


def wait_for_line(lines: queue.Queue, pattern: str, timeout: float, seen: list[str]) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            raise AssertionError("citewatch serve exited:\n" + "".join(seen))
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} within {timeout:.0f} s:\n" + "".join(seen))


def wait_for_deployment(api_url: str, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    flow_name, deployment = name.split("/")
    while time.monotonic() < deadline:
        answer = requests.get(f"{api_url}/deployments/name/{flow_name}/{deployment}", timeout=5)
        if answer.status_code == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"deployment {name} did not appear")


def _shared_setup_databases(postgres_url: str) -> tuple[str, str]:
    """Two databases on one PostgreSQL server, as in the shared set-up of docs/deployment.md:
    one for Prefect's server, one for citewatch's state. Returns (prefect_url, citewatch_url)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name in ("prefect", "citewatch"):
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    url = make_url(postgres_url)
    prefect = url.set(drivername="postgresql+asyncpg", database="prefect")
    citewatch = url.set(database="citewatch")
    return (prefect.render_as_string(hide_password=False), citewatch.render_as_string(hide_password=False))


def test_serve_runs_the_scheduled_deployment_on_its_own_server_with_postgresql(tmp_path):
    """The shared set-up on one machine: a Prefect server whose database is PostgreSQL, the served
    deployment, and citewatch's state database on PostgreSQL too."""
    from citewatch.testing.postgres import temporary_postgres

    need_postgres()
    with temporary_postgres() as postgres_url:
        prefect_db, citewatch_db = _shared_setup_databases(postgres_url)
        _serve_and_trigger_a_run(tmp_path, {"PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
                                            "CITEWATCH_DATABASE_URL": citewatch_db})
        from sqlalchemy import create_engine, text

        engine = create_engine(citewatch_db)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM archive_captures")).scalar() > 0
        engine.dispose()
        prefect_engine = create_engine(prefect_db.replace("+asyncpg", "+psycopg"))
        with prefect_engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM flow_run")).scalar() >= 1
            # stopping serve paused its schedule: the server keeps no schedule for a runner that is gone
            paused, tags = connection.execute(text("SELECT paused, tags FROM deployment WHERE name = 'served'")).one()
            assert paused is True and "citewatch-serve" in tags
        prefect_engine.dispose()


def _serve_and_trigger_a_run(tmp_path, extra_env: dict[str, str]) -> None:
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(extra_env)
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-home"), "CITEWATCH_MAX_RETRIES": "0",
                "CITEWATCH_CONNECT_TIMEOUT": "2", "CITEWATCH_READ_TIMEOUT": "5",
                # the runner looks for due runs every second instead of ten; no UI to build
                "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_SERVER_UI_ENABLED": "false"})
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = write_registry(tmp_path / "claims", web)
        process = subprocess.Popen(
            [CITEWATCH, "serve", str(registry), "--cron", "0 0 1 1 *",
             "--reports-dir", str(tmp_path / "reports"), "--archive-dir", str(tmp_path / "archive")],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        seen: list[str] = []
        try:
            started = time.monotonic()
            api_url = wait_for_line(lines, r"Prefect API: (\S+)", STARTUP_SECONDS, seen).group(1)
            print(f"server up after {time.monotonic() - started:.1f} s")
            assert api_url.startswith("http://127.0.0.1:")
            wait_for_deployment(api_url, "verify-registries/served", STARTUP_SECONDS)
            print(f"deployment after {time.monotonic() - started:.1f} s")
            with temporary_settings(updates={PREFECT_API_URL: api_url}):
                flow_run = run_deployment("verify-registries/served", timeout=RUN_SECONDS,
                                          poll_interval=1)
            print(f"run done after {time.monotonic() - started:.1f} s")
            assert flow_run.state.is_completed(), (flow_run.state, "".join(seen))
            report = json.loads((tmp_path / "reports" / "aldane-harbour" / "latest.json").read_text())
            assert {c["id"]: c["verdict"] for c in report["claims"]}["workers"] == "contradicted"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
    # stopping `serve` stopped the Prefect server it started
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{api_url}/health", timeout=5)
    shutil.rmtree(tmp_path / "prefect-home", ignore_errors=True)


def test_prefect_yaml_declares_the_same_flow_for_a_process_work_pool():
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint
    from ruamel.yaml import YAML

    repo = Path(__file__).resolve().parent.parent
    config = YAML(typ="safe").load((repo / "prefect.yaml").read_text(encoding="utf-8"))
    scheduled, document = config["deployments"]
    flow = load_flow_from_entrypoint(str(repo / scheduled["entrypoint"]))
    assert flow.name == "verify-registries"
    flow.validate_parameters(scheduled["parameters"])  # raises when a parameter does not fit
    for path in scheduled["parameters"]["registry_paths"]:
        assert (repo / path).exists(), path
    assert CronSchedule(cron=scheduled["schedules"][0]["cron"])
    # the schedule submits one run per document to the deployment declared beside it
    one = load_flow_from_entrypoint(str(repo / document["entrypoint"]))
    assert scheduled["parameters"]["document_deployment"] == f"{one.name}/{document['name']}"
    one.validate_parameters(document["parameters"])
    assert {scheduled["work_pool"]["name"], document["work_pool"]["name"]} == {"citewatch"}


def test_serve_refuses_a_bad_cron_expression_before_starting_anything(tmp_path):
    from typer.testing import CliRunner

    from citewatch.errors import ConfigError
    from flows.cli import app

    registry = Path(__file__).parent / "data" / "registries" / "good.yaml"
    result = CliRunner().invoke(app, ["serve", str(registry), "--cron", "every morning"])
    assert isinstance(result.exception, ConfigError)
    assert "every morning" in str(result.exception) and "cron" in str(result.exception)


def test_the_pull_step_of_prefect_yaml_enters_the_workers_checkout(tmp_path, monkeypatch, prefect_harness):
    """What a worker runs before each flow run (Prefect's own run_steps), with no path written in
    prefect.yaml: the checkout citewatch is installed from, or CITEWATCH_CHECKOUT."""
    from prefect.deployments.steps.core import run_steps
    from prefect.utilities.asyncutils import run_coro_as_sync
    from ruamel.yaml import YAML

    repo = Path(__file__).resolve().parent.parent
    config = YAML(typ="safe").load((repo / "prefect.yaml").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CITEWATCH_CHECKOUT", raising=False)
    outputs = run_coro_as_sync(run_steps(config["pull"]))
    assert Path.cwd() == repo and outputs["directory"] == str(repo)

    elsewhere = tmp_path / "srv-citewatch"
    (elsewhere / "flows").mkdir(parents=True)
    (elsewhere / "flows" / "verify.py").write_text("")
    monkeypatch.setenv("CITEWATCH_CHECKOUT", str(elsewhere))
    run_coro_as_sync(run_steps(config["pull"]))
    assert Path.cwd() == elsewhere


def test_the_pull_step_says_what_to_set_when_there_is_no_checkout_and_can_git_pull(tmp_path, monkeypatch):
    from citewatch.errors import ConfigError
    from flows.checkout import enter_checkout

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="CITEWATCH_CHECKOUT"):
        enter_checkout(str(tmp_path / "nothing-here"))

    def git(*args, cwd):
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})

    origin = tmp_path / "origin"
    (origin / "flows").mkdir(parents=True)
    (origin / "flows" / "verify.py").write_text("")
    git("init", "-q", cwd=origin)
    git("add", ".", cwd=origin)
    git("commit", "-qm", "first", cwd=origin)
    git("clone", "-q", str(origin), str(tmp_path / "worker"), cwd=tmp_path)
    (origin / "claims.yaml").write_text("new registry\n")
    git("add", ".", cwd=origin)
    git("commit", "-qm", "a registry", cwd=origin)

    enter_checkout(str(tmp_path / "worker"), git_pull=True)

    assert Path.cwd() == tmp_path / "worker"
    assert (tmp_path / "worker" / "claims.yaml").read_text() == "new registry\n"
