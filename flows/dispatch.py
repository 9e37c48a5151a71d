"""Work spread over workers: one flow run of the document deployment per registry, submitted to
the work pool so that every worker can take one (``verify-registries`` with ``document_deployment``).
"""

from __future__ import annotations

import time
from pathlib import Path

CRASH_GRACE_SECONDS = 60.0


def submit_documents(deployment: str, registry_paths: list[str], common: dict) -> list:
    """One flow run of ``deployment`` (e.g. ``verify-document/document``) per registry, linked to
    the calling flow run as its sub-flows; returns the FlowRun objects at once."""
    from prefect.deployments import run_deployment

    return [run_deployment(deployment, parameters={"registry_path": str(path), **common}, timeout=0,
                           flow_run_name=f"{Path(path).stem} (dispatched)", as_subflow=True)
            for path in registry_paths]


def wait_for_runs(flow_run_ids: list, poll_seconds: float = 5.0,
                  crash_grace_seconds: float = CRASH_GRACE_SECONDS) -> list:
    """The flow runs once every one of them is in a final state. A Crashed state counts only once
    it has lasted ``crash_grace_seconds``: the crash-watch automation schedules a first crash again,
    and a run marked Crashed for a silence it survived goes on to its real end."""
    from prefect import get_client

    pending = list(flow_run_ids)
    finished: dict = {}
    with get_client(sync_client=True) as client:
        while pending:
            for flow_run_id in list(pending):
                flow_run = client.read_flow_run(flow_run_id)
                if flow_run.state is not None and flow_run.state.is_final() \
                        and not _may_still_change(flow_run, crash_grace_seconds):
                    finished[flow_run_id] = flow_run
                    pending.remove(flow_run_id)
            if pending:
                time.sleep(poll_seconds)
    return [finished[flow_run_id] for flow_run_id in flow_run_ids]


def _may_still_change(flow_run, grace_seconds: float) -> bool:
    from datetime import datetime, timezone

    if not flow_run.state.is_crashed():
        return False
    when = flow_run.state.timestamp
    return when is not None and (datetime.now(timezone.utc) - when).total_seconds() < grace_seconds
