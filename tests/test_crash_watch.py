"""Runs that never hang (flows/crash_watch.py): on the session's real Prefect API, whose trigger
and action services run, a citewatch flow run whose heartbeats stop is marked Crashed and
retried once; a second crash stays Crashed."""

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


def _heartbeat(flow_run) -> None:
    """The event the flow engine sends every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds."""
    from prefect.events import emit_event
    from prefect.events.worker import EventsWorker

    emit_event(event="prefect.flow-run.heartbeat",
               resource={"prefect.resource.id": f"prefect.flow-run.{flow_run.id}",
                         "prefect.resource.name": flow_run.name},
               related=[{"prefect.resource.id": f"prefect.flow.{flow_run.flow_id}",
                         "prefect.resource.role": "flow", "prefect.resource.name": "verify-document"}])
    EventsWorker.drain_all()


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


def test_a_run_whose_heartbeats_stop_is_crashed_then_retried_once(client):
    from prefect.states import Crashed, Running

    from flows.verify import verify_document

    install_crash_watch(client, heartbeat_seconds=5, missed=2)  # Crashed 10 s after the last heartbeat
    flow_id = client.create_flow_from_name(verify_document.name)
    deployment_id = client.create_deployment(flow_id=flow_id, name=f"crash-{uuid.uuid4().hex[:6]}",
                                             entrypoint="flows/verify.py:verify_document")
    flow_run = client.create_flow_run_from_deployment(deployment_id, parameters={"registry_path": "claims/x.yaml"})
    client.set_flow_run_state(flow_run.id, Running(), force=True)
    _heartbeat(flow_run)  # ... and then its worker is killed: no more heartbeats

    names = _wait_for(client, flow_run.id, "AwaitingRetry")

    assert names.index("Crashed") < names.index("AwaitingRetry")
    assert client.read_flow_run(flow_run.id).state.type.value == "SCHEDULED"  # a worker takes it again

    client.set_flow_run_state(flow_run.id, Running(), force=True)  # the retry, run_count 2 ...
    client.set_flow_run_state(flow_run.id, Crashed(message="killed again"), force=True)  # ... crashes too
    time.sleep(8)
    assert client.read_flow_run(flow_run.id).state.name == "Crashed"  # retried once, not twice
    assert _state_names(client, flow_run.id).count("AwaitingRetry") == 1
