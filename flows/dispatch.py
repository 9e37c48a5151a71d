"""Work spread over workers: one flow run of the document deployment per registry, submitted to
the work pool so that every worker can take one (``verify-registries`` with ``document_deployment``).
"""

from __future__ import annotations

import time
from pathlib import Path


def submit_documents(deployment: str, registry_paths: list[str], common: dict) -> list:
    """One flow run of ``deployment`` (e.g. ``verify-document/document``) per registry, linked to
    the calling flow run as its sub-flows; returns the FlowRun objects at once."""
    from prefect.deployments import run_deployment

    return [run_deployment(deployment, parameters={"registry_path": str(path), **common}, timeout=0,
                           flow_run_name=f"{Path(path).stem} (dispatched)", as_subflow=True)
            for path in registry_paths]


def wait_for_runs(flow_run_ids: list, poll_seconds: float = 5.0) -> list:
    """The flow runs once every one of them is in a final state (a crashed run that the crash-watch
    automation schedules again is waited for until its retry ends)."""
    from prefect import get_client

    pending = list(flow_run_ids)
    finished: dict = {}
    with get_client(sync_client=True) as client:
        while pending:
            for flow_run_id in list(pending):
                flow_run = client.read_flow_run(flow_run_id)
                if flow_run.state is not None and flow_run.state.is_final() and not _retry_coming(flow_run):
                    finished[flow_run_id] = flow_run
                    pending.remove(flow_run_id)
            if pending:
                time.sleep(poll_seconds)
    return [finished[flow_run_id] for flow_run_id in flow_run_ids]


def _retry_coming(flow_run) -> bool:
    """A first crash: the crash-watch automation is about to schedule it again."""
    return flow_run.state.is_crashed() and flow_run.run_count <= 1 and _grace_left(flow_run)


CRASH_GRACE_SECONDS = 30.0


def _grace_left(flow_run) -> bool:
    from datetime import datetime, timezone

    when = flow_run.state.timestamp
    return when is not None and (datetime.now(timezone.utc) - when).total_seconds() < CRASH_GRACE_SECONDS
