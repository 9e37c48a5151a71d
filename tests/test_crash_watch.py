"""Runs that never hang (flows/crash_watch.py): on the session's real Prefect API, whose trigger
and action services run, `crash-watch` installs its two automations once, and a citewatch flow run
that crashed on its first attempt is retried once; a second crash stays Crashed. A run whose worker
is killed, marked Crashed for its silence and retried to completion by another worker, is in
test_shared_setup.py."""

from __future__ import annotations

import time
import uuid

import pytest

from flows.crash_watch import CRASH_SILENT, RETRY_CRASHED, install_crash_watch

pytestmark = pytest.mark.slow
WAIT_SECONDS = 90


@pytest.fixture
def client(prefect_harness):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        yield client
        for name in (CRASH_SILENT, RETRY_CRASHED):  # the session's other flow runs send no heartbeats
            for automation in client.read_automations_by_name(name):
                client.delete_automation(automation.id)


def _state_names(client, flow_run_id) -> list[str]:
    return [state.name for state in sorted(client.read_flow_run_states(flow_run_id), key=lambda s: s.timestamp)]


def _wait_for(client, flow_run_id, name: str, timeout: float = WAIT_SECONDS) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = _state_names(client, flow_run_id)
        if name in names:
            return names
        time.sleep(1)
    raise AssertionError(f"no {name} state within {timeout:.0f} s: {_state_names(client, flow_run_id)}")


def test_installing_twice_keeps_one_automation_of_each_and_the_command_does_it(client, monkeypatch):
    from prefect.settings import PREFECT_API_URL
    from typer.testing import CliRunner

    from flows.cli import app

    assert install_crash_watch(client, heartbeat_seconds=5, missed=2) in (
        [f"created: {CRASH_SILENT}", f"created: {RETRY_CRASHED}"],
        [f"updated: {CRASH_SILENT}", f"updated: {RETRY_CRASHED}"])
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    result = CliRunner().invoke(app, ["crash-watch", "--heartbeat", "30", "--missed", "3"])
    assert result.exit_code == 0, result.output
    assert f"updated: {CRASH_SILENT}" in result.output and "PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30" in result.output
    silent = client.read_automations_by_name(CRASH_SILENT)
    assert len(silent) == 1 and silent[0].trigger.within.total_seconds() == 90
    assert len(client.read_automations_by_name(RETRY_CRASHED)) == 1


def test_a_run_that_crashed_on_its_first_attempt_is_retried_once(client):
    """The retry automation on its own, reactive: a run its worker reported Crashed (the worker saw
    its process die) is scheduled again; a second crash stays. The silence automation on a run
    whose worker was killed for real is in test_shared_setup.py."""
    from prefect.states import Crashed, Running

    from flows.verify import verify_document

    install_crash_watch(client, heartbeat_seconds=5, missed=2)
    flow_id = client.create_flow_from_name(verify_document.name)
    deployment_id = client.create_deployment(flow_id=flow_id, name=f"crash-{uuid.uuid4().hex[:6]}",
                                             entrypoint="flows/verify.py:verify_document")
    flow_run = client.create_flow_run_from_deployment(deployment_id, parameters={"registry_path": "claims/x.yaml"})
    client.set_flow_run_state(flow_run.id, Running(), force=True)
    crashed_at = time.monotonic()
    client.set_flow_run_state(flow_run.id, Crashed(message="process exited with -9"), force=True)

    names = _wait_for(client, flow_run.id, "AwaitingRetry")
    reaction = time.monotonic() - crashed_at

    assert names.index("Crashed") < names.index("AwaitingRetry")
    assert client.read_flow_run(flow_run.id).state.type.value == "SCHEDULED"  # a worker takes it again

    client.set_flow_run_state(flow_run.id, Running(), force=True)  # the retry, run_count 2 ...
    client.set_flow_run_state(flow_run.id, Crashed(message="killed again"), force=True)  # ... crashes too
    time.sleep(max(3.0, 3 * reaction))  # three times what the first retry took
    assert client.read_flow_run(flow_run.id).state.name == "Crashed"  # retried once, not twice
    assert _state_names(client, flow_run.id).count("AwaitingRetry") == 1
