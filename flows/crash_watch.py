"""Runs that never hang: two Prefect automations for citewatch's flow runs on a shared server.

* **silent runs are Crashed** — a flow run sends a heartbeat event every
  ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds while it runs (set it to 30 on the workers); when
  none and no state change follows within ``missed`` heartbeats (its worker was killed, its
  machine died), the server marks the run Crashed;
* **a crashed run is retried once** — a run that enters Crashed on its first attempt (the
  ``prefect.run-count`` of the event is 1: a killed worker, or the automation above) is set back
  to Scheduled (``AwaitingRetry``); a work-pool worker picks it up again. A second crash stays.

Both are limited to citewatch's flows (by flow name) and are created or updated in place by
``citewatch crash-watch`` (``install_crash_watch``), so running it again is harmless.
"""

from __future__ import annotations

from datetime import timedelta

FLOW_NAMES = ("verify-document", "verify-registries")
CRASH_SILENT = "citewatch: crash silent runs"
RETRY_CRASHED = "citewatch: retry crashed runs once"
DEFAULT_HEARTBEAT_SECONDS = 30
DEFAULT_MISSED = 3


def crash_watch_automations(heartbeat_seconds: int = DEFAULT_HEARTBEAT_SECONDS,
                            missed: int = DEFAULT_MISSED) -> list:
    """The two automations (prefect.automations.AutomationCore), not yet on any server."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    ours = ResourceSpecification({"prefect.resource.role": "flow", "prefect.resource.name": list(FLOW_NAMES)})
    silent = AutomationCore(
        name=CRASH_SILENT,
        description=f"A citewatch flow run with no heartbeat for {missed} x {heartbeat_seconds} s is marked Crashed.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.*"},  # another heartbeat, or any state change
            match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
            match_related=ours,
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=missed * heartbeat_seconds),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"no heartbeat for {missed * heartbeat_seconds} s: its worker is gone")],
    )
    retry = AutomationCore(
        name=RETRY_CRASHED,
        description="A citewatch flow run that crashed on its first attempt is scheduled again, once.",
        trigger=EventTrigger(
            expect={"prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*", "prefect.run-count": "1"}),
            match_related=ours,
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[ChangeFlowRunState(state=StateType.SCHEDULED, name="AwaitingRetry",
                                    message="crashed on its first attempt: retried once")],
    )
    return [silent, retry]


def install_crash_watch(client, heartbeat_seconds: int = DEFAULT_HEARTBEAT_SECONDS,
                        missed: int = DEFAULT_MISSED) -> list[str]:
    """Create the automations on the server of ``client`` (a sync Prefect client), or update the
    ones of the same names. Returns one line per automation."""
    done = []
    for automation in crash_watch_automations(heartbeat_seconds, missed):
        existing = client.read_automations_by_name(automation.name)
        if existing:
            client.update_automation(existing[0].id, automation)
            for extra in existing[1:]:
                client.delete_automation(extra.id)
            done.append(f"updated: {automation.name}")
        else:
            client.create_automation(automation)
            done.append(f"created: {automation.name}")
    return done
