"""Waiting for the document runs a dispatching run submitted (flows/dispatch.py), on the session's
real Prefect API."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


def test_waiting_for_document_runs_gives_a_crashed_run_time_to_be_retried(prefect_harness):
    """flows/dispatch.py: a Crashed run is final only once it has stayed Crashed a while (the
    crash-watch automation may schedule it again); one that moves on is waited for."""
    from prefect import get_client
    from prefect.states import Completed, Crashed, Running

    from flows.dispatch import wait_for_runs
    from flows.verify import verify_document

    with get_client(sync_client=True) as client:
        retried = client.create_flow_run(verify_document, parameters={"registry_path": "x.yaml"})
        stays = client.create_flow_run(verify_document, parameters={"registry_path": "y.yaml"})
        for run in (retried, stays):
            client.set_flow_run_state(run.id, Running(), force=True)
            client.set_flow_run_state(run.id, Crashed(message="worker gone"), force=True)

        def retry_then_finish() -> None:
            time.sleep(1.0)
            client.set_flow_run_state(retried.id, Running(), force=True)
            client.set_flow_run_state(retried.id, Completed(), force=True)

        helper = threading.Thread(target=retry_then_finish)
        helper.start()
        started = time.monotonic()
        done = wait_for_runs([retried.id, stays.id], poll_seconds=0.3, crash_grace_seconds=4)
        helper.join()

    assert [run.state.name for run in done] == ["Completed", "Crashed"]
    assert time.monotonic() - started >= 3.5  # the crash that stayed was given its grace
