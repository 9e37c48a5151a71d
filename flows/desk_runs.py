"""Re-runs of one document started from the review desk.

With a Prefect deployment named (``citewatch web --deployment verify-registries/NAME``, the one
``citewatch serve`` or prefect.yaml made), a re-run is a flow run of that deployment for the
document's registry alone, and its progress is the flow run's state. Otherwise it is a
``citewatch verify --verbose`` process in the background whose log (one line per source) is the
progress. One re-run per document at a time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

from citewatch.config import Settings
from citewatch.errors import ConfigError
from citewatch.registry import load_registry

LOG_TAIL_LINES = 40


def registries_by_document(paths: list[Path]) -> dict[str, Path]:
    """Document id -> registry file, for the registries the desk was started with (a registry
    with problems is left out: `citewatch validate` says why)."""
    found: dict[str, Path] = {}
    for path in paths:
        try:
            found[load_registry(path).registry.document.id] = Path(path).resolve()
        except Exception:  # noqa: BLE001 - a broken registry only loses its re-run button
            continue
    return found


@dataclass
class Rerun:
    document_id: str
    started_at: datetime
    started_by: str
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    flow_run_id: str | None = None
    deployment: str | None = None

    def state(self) -> str:
        """running, finished, failed (exit code), or the flow run's state name."""
        if self.process is not None:
            code = self.process.poll()
            return "running" if code is None else ("finished" if code in (0, 1) else f"failed (exit {code})")
        if self.flow_run_id is not None:
            return _flow_run_state(self.flow_run_id)
        return "unknown"

    @property
    def running(self) -> bool:
        state = self.state()
        return state == "running" or state.lower() in ("scheduled", "pending", "running")

    def log_tail(self) -> list[str]:
        if self.log_path is None or not self.log_path.exists():
            return []
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL_LINES:]


def _flow_run_state(flow_run_id: str) -> str:
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
        return state.name if state is not None and state.name is not None else "unknown"
    except Exception as exc:  # noqa: BLE001 - the page says so instead of failing
        return f"unknown ({exc})"


@dataclass
class Reruns:
    settings: Settings
    registries: dict[str, Path]
    deployment: str | None = None
    jobs: dict[str, Rerun] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, document_id: str) -> Rerun | None:
        return self.jobs.get(document_id)

    def start(self, document_id: str, who: str) -> Rerun:
        path = self.registries.get(document_id)
        if path is None:
            raise ConfigError(f"the desk does not know the registry of {document_id!r}: start it with "
                              f"--registry claims/{document_id}.yaml (or from the folder that holds claims/)")
        with self._lock:
            current = self.jobs.get(document_id)
            if current is not None and current.running:
                raise ConfigError(f"a re-run of {document_id} is already going ({current.state()})")
            now = datetime.now(timezone.utc)
            job = Rerun(document_id=document_id, started_at=now, started_by=who)
            if self.deployment:
                job.deployment = self.deployment
                job.flow_run_id = self._run_deployment(self.deployment, path)
            else:
                job.log_path, job.process = self._run_process(document_id, path, now)
            self.jobs[document_id] = job
            return job

    def _run_deployment(self, deployment: str, path: Path) -> str:
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment

        flow_run = run_deployment(
            name=deployment, timeout=0,
            parameters={"registry_paths": [str(path)], "reports_dir": str(Path(self.settings.reports_dir).resolve()),
                        "archive_dir": str(Path(self.settings.archive_dir).resolve()),
                        # a deployment that dispatches documents (prefect.yaml's) waits for this
                        # one, so the desk follows the document's run, not only its dispatch
                        "wait_for_documents": True})
        if not isinstance(flow_run, FlowRun):  # called from a thread, not a coroutine: never a coroutine here
            raise ConfigError(f"Prefect did not start a flow run of {deployment} ({flow_run!r})")
        return str(flow_run.id)

    def _run_process(self, document_id: str, path: Path, now: datetime) -> tuple[Path, subprocess.Popen]:
        logs = Path(self.settings.archive_dir) / "desk-runs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{document_id}-{now:%Y%m%d-%H%M%S}.log"
        command = [sys.executable, "-c", "from flows.cli import main; main()", "verify", str(path), "--verbose",
                   "--archive-dir", str(self.settings.archive_dir), "--reports-dir", str(self.settings.reports_dir)]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        return log_path, process

    def stop_all(self) -> None:
        """End the background processes this desk started (when the desk stops)."""
        for job in self.jobs.values():
            if job.process is not None and job.process.poll() is None:
                job.process.terminate()
