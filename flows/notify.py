"""Alerts after a published run: the Apprise channels of ``CITEWATCH_NOTIFY`` and a Prefect event
(``citewatch.document.changed``) that Prefect automations can act on. Nothing here may fail a
run: every problem is logged and the run goes on."""

from __future__ import annotations

import logging
from pathlib import Path

from citewatch.alerts import Alert, Delivery, build_alert, notify_urls, send_alert
from citewatch.config import Settings
from citewatch.desk.state import comparison_base
from citewatch.report.reading import iter_claims, read_report_head

log = logging.getLogger("citewatch.alerts")
EVENT = "citewatch.document.changed"


def alert_for_outcome(session_factory, settings: Settings, outcome) -> Alert | None:
    """The alert of a published run (its report as written), or None. The report is read as a
    stream, keeping of its claims only the sources confirmed dead (all the alert reads of them),
    and the run compared with without its evidence: a huge run is not loaded whole again."""
    if outcome.first_run or outcome.offline:
        return None  # build_alert never alerts on these: nothing to read
    path = Path(outcome.reports["json"])
    dead = ({**claim, "sources": [s for s in claim["sources"] if s.get("confirmed_dead")]}
            for claim in iter_claims(path))
    report = {**read_report_head(path), "claims": [claim for claim in dead if claim["sources"]]}
    previous = comparison_base(session_factory, outcome.document_id, outcome.run_id, lean=True)
    return build_alert(report, previous, settings.desk_url)


def emit_prefect_event(alert: Alert) -> None:
    from prefect.events import emit_event

    emit_event(event=EVENT, resource={"prefect.resource.id": f"citewatch.document.{alert.document_id}",
                                      "prefect.resource.name": alert.document_id},
               payload=alert.payload())


def alert_after_run(session_factory, settings: Settings, outcome) -> list[Delivery]:
    try:
        alert = alert_for_outcome(session_factory, settings, outcome)
        if alert is None:
            return []
        emit_prefect_event(alert)
        return send_alert(alert, notify_urls(settings.notify))
    except Exception as exc:  # noqa: BLE001 - an alert is never worth a failed run
        log.warning("no alert for run %s of %s: %s", outcome.run_id, outcome.document_id, exc)
        return []
