"""The verification flows: ``verify_document`` (one registry) and ``verify_registries`` (many: one
sub-flow each, or one flow run each of a document deployment on the work pool, see flows/dispatch.py).

A run from a deployment holds its document's slot (flows/document_limit.py) and, with
``CITEWATCH_POLITENESS=shared``, each request a slot of its host (flows/host_limits.py); a run
whose fetches were not archived never ends as a plain Completed (``_final_state``); citewatch's
warnings go to the run's log (``warnings_to_run_log``).

The run itself is :func:`citewatch.pipeline.verify_registry`, written once in the library; the
flow passes its way of carrying out the steps (:class:`PrefectTasks`) and adds only what a flow
alone does: the Prefect artifacts, the alerts and the run's final state. It returns the run's
outcome (``RunOutcome`` as JSON-ready data), which `citewatch verify` prints.
Granularity was chosen by measurement: a Prefect task costs a few milliseconds plus API traffic,
and thousands of task runs choke the ephemeral server, so one task handles a *batch of hosts*
(up to ``DEFAULT_BATCH_SOURCES`` sources) and fetches inside it in threads, then reads and checks
it while the next batch is fetched. Per-host politeness holds across batches because every batch
of a run shares one Fetcher.
"""


import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run as current_flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from citewatch import pipeline as pl
from citewatch.config import FETCHING_BATCHES_AT_ONCE, load_settings
from citewatch.counting import counted
from citewatch.errors import CitewatchError, ConfigError
from citewatch.publish import RunOutcome
from citewatch.registry import LoadedRegistry
from flows.document_limit import DocumentBusy, one_run_per_document
from flows.notify import alert_after_run
from flows.registry_cache import load_registry_cached

# --- progress: the CLI's bar listens here (flows run in-process) --------------------------------

_listeners: list[pl.ProgressCallback] = []
_listeners_lock = threading.Lock()


@contextmanager
def watch_progress(callback: pl.ProgressCallback):
    """Send the pipeline's progress events of every run in this process to ``callback``."""
    with _listeners_lock:
        _listeners.append(callback)
    try:
        yield
    finally:
        with _listeners_lock:
            _listeners.remove(callback)


def _document_progress(document_id: str) -> pl.ProgressCallback:
    def tell(event: pl.ProgressEvent) -> None:
        if not event.document_id:
            event = replace(event, document_id=document_id)
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a broken display must never break a run
                logging.getLogger("citewatch.flows").exception("progress listener failed")
    return tell


class _ToRunLog(logging.Handler):
    """Sends citewatch's own warnings (an archive that failed, a source that could not be read) to
    the flow run's log, so that they show in Prefect's UI, from whatever thread they come."""

    def __init__(self, run_logger):
        super().__init__(logging.WARNING)
        self.run_logger = run_logger

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.run_logger.log(record.levelno, "%s: %s", record.name, record.getMessage(),
                                exc_info=record.exc_info)
        except Exception:  # noqa: BLE001 - logging never breaks a run
            self.handleError(record)


@contextmanager
def warnings_to_run_log(run_logger):
    """While a flow runs, the ``citewatch`` loggers' warnings and errors also go to its log."""
    handler = _ToRunLog(run_logger)
    source = logging.getLogger("citewatch")
    source.addHandler(handler)
    try:
        yield
    finally:
        source.removeHandler(handler)


# --- the run's steps as Prefect tasks: the flow's way of carrying out citewatch.pipeline's run ---


@task(name="load-registry", cache_policy=NO_CACHE)
def load_registry_task(path: str) -> LoadedRegistry:
    return load_registry_cached(path)


@task(name=pl.FETCH_AND_READ, cache_policy=NO_CACHE, task_run_name="fetch-{label}")
def fetch_batch(work: Callable, arguments: tuple, label: str):
    return work(*arguments)


@task(name=pl.READ_AND_CHECK, cache_policy=NO_CACHE, task_run_name="read-{label}")
def read_batch(work: Callable, arguments: tuple, label: str):
    return work(*arguments)


@task(name=pl.CHECK_CLAIMS, cache_policy=NO_CACHE)
def check_claims_task(work: Callable, arguments: tuple):
    return work(*arguments)


def _worth_retrying(_task, _task_run, state) -> bool:
    """A busy database frees itself in seconds; a report folder that cannot be written does not."""
    return not isinstance(state.data, ConfigError)


# Recording may meet a busy database (another run of the same document holds its lock, or the
# database restarts): retries after growing pauses (3 + 10 + 30 s) ride that out, and the
# transaction (reports written inside it) makes a retry safe.
@task(name=pl.PUBLISH, cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[3, 10, 30],
      retry_condition_fn=_worth_retrying)
def publish_task(work: Callable, arguments: tuple):
    return work(*arguments)


MAPPED_TASKS = {pl.FETCH_AND_READ: fetch_batch, pl.READ_AND_CHECK: read_batch}
CALLED_TASKS = {pl.CHECK_CLAIMS: check_claims_task, pl.PUBLISH: publish_task}


class PrefectTasks:
    """citewatch.pipeline's Way for a flow: each batch of a step a task run submitted to the flow's
    task runner (so that one batch is read while the next is fetched), each other step one task
    run, the run's log lines in the flow run's log. Arguments go in ``quote()``: Prefect would
    otherwise walk every object of them looking for futures (seconds per task on thousands of
    sources)."""

    def __init__(self, logger):
        self.log = logger

    def map(self, step: str, work: Callable, calls, labels) -> list:
        # Prefect's overloads want the task's own argument types; quote() wraps them (Prefect unwraps)
        futures = [MAPPED_TASKS[step].submit(quote(work), quote(arguments), label)  # type: ignore[call-overload]
                   for arguments, label in zip(calls, labels)]
        return [future.result() for future in futures]

    def call(self, step: str, work: Callable, *arguments):
        return CALLED_TASKS[step](quote(work), quote(arguments))  # type: ignore[call-overload]  # as in map


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(outcome: RunOutcome) -> None:
    key = f"citewatch-{outcome.document_id}"
    create_markdown_artifact(markdown=outcome.markdown_summary(), key=key,
                             description=f"citewatch run {outcome.run_id}")
    create_table_artifact(table=outcome.claims_table(), key=f"{key}-claims",
                          description=f"claims of {outcome.document_id} with verdicts")


# --- flows --------------------------------------------------------------------------------------


def _document_run_name() -> str:
    parameters = current_flow_run.parameters
    path = Path(parameters.get("registry_path", "registry"))
    try:
        document_id = load_registry_cached(path).registry.document.id
    except Exception:  # noqa: BLE001 - a name is never worth failing the run for
        document_id = path.stem
    when = parameters.get("now") or datetime.now(timezone.utc)
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return f"{document_id} {when:%Y-%m-%d %H:%M}"


# Each batch fetches up to `max_parallel_hosts` hosts at once; several batches at a time overlap one
# batch's slowest host and its reading with the next batch's fetching. The pipeline's BodyBudget
# keeps the bodies of about BATCHES_AT_ONCE batches in memory; batches of unchanged pages hold
# none, so up to FETCHING_BATCHES_AT_ONCE of them fetch side by side.
@flow(name="verify-document", flow_run_name=_document_run_name, log_prints=False,
      task_runner=ThreadPoolTaskRunner(max_workers=FETCHING_BATCHES_AT_ONCE))  # type: ignore[arg-type]  # Prefect's generics
def verify_document(registry_path: str, reports_dir: str | None = None,
                    archive_dir: str | None = None, no_wayback: bool = False,
                    now: datetime | None = None,
                    batch_sources: int = pl.DEFAULT_BATCH_SOURCES) -> dict:
    """Verify every claim of one registry; write its reports; return the run's summary.

    ``now`` fixes the run's clock (tests of the confirmed-dead rule); by default the real time.
    """
    logger = get_run_logger()
    settings = load_settings(reports_dir=reports_dir, archive_dir=archive_dir,
                             wayback_url="off" if no_wayback else None)
    with warnings_to_run_log(logger):
        loaded = load_registry_task(registry_path)
        if not runs_from_a_deployment():  # `citewatch verify`: no other worker, no 0.3 s for a lock
            return _verify_document(logger, settings, loaded, now, batch_sources)
        try:
            # the same document never runs twice at once, on any worker (CITEWATCH_SAME_DOCUMENT)
            with one_run_per_document(loaded.registry.document.id, settings.same_document):
                return _verify_document(logger, settings, loaded, now, batch_sources)
        except DocumentBusy as busy:
            logger.warning(str(busy))
            # a flow may return a State: its caller gets the state's result (None: skipped)
            return Completed(name="Skipped", message=str(busy))  # type: ignore[return-value]


def runs_from_a_deployment() -> bool:
    """A run of a deployment (schedule, work pool, serve, the desk's re-runs), or a sub-flow of
    one: where runs of one document may overlap across processes and workers."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is not None and context.flow_run is not None and context.flow_run.deployment_id is not None:
        return True
    return current_flow_run.parent_deployment_id is not None  # one API call, only for a sub-flow


def _verify_document(logger, settings, loaded, now: datetime | None, batch_sources: int) -> dict:
    """The run (citewatch.pipeline.verify_registry, its steps as tasks), then what only a flow
    does: the Prefect artifacts, the alerts, and the flow run's final state."""
    session_factory = pl.open_state(settings)
    outcome = pl.verify_registry(loaded, settings, progress=_document_progress(loaded.registry.document.id),
                                 clock=(lambda: now) if now else pl.utcnow, way=PrefectTasks(logger),
                                 batch_sources=batch_sources, session_factory=session_factory,
                                 shared_limits=shared_host_limits(settings))
    artifacts_task(outcome)
    alert_after_run(session_factory, settings, outcome)  # Apprise channels + a Prefect event; never raises
    return _final_state(outcome, settings.max_unarchived_share, logger)


def _final_state(outcome: RunOutcome, max_unarchived_share: float, logger):
    """The run's outcome as JSON-ready data (the flow's return value), as a Completed state, never a
    plain one when some fetches were not archived: Failed beyond ``max_unarchived_share`` of the
    sources (CITEWATCH_MAX_UNARCHIVED_SHARE, :class:`RunIncomplete` carries the outcome), else
    Completed with the shortfall as its message."""
    summary = outcome.model_dump(mode="json")
    shortfall = outcome.archive_shortfall
    if shortfall is None:
        logger.info(outcome.one_line())
        return summary
    logger.warning(outcome.one_line())
    if outcome.not_archived > max_unarchived_share * max(outcome.source_count, 1):
        raise RunIncomplete(f"{outcome.document_id}: {shortfall}; the reports were written "
                            f"(more than {max_unarchived_share:.0%} of the sources: CITEWATCH_MAX_UNARCHIVED_SHARE)",
                            summary)
    return Completed(message=f"{outcome.document_id}: {shortfall}", data=summary)


class RunIncomplete(CitewatchError):
    """The run's checks and reports were made, but too many of its fetches were not archived.
    ``summary``: the run's outcome as the flow would have returned it."""

    def __init__(self, message: str, summary: dict | None = None):
        super().__init__(message)
        self.summary = summary


def shared_host_limits(settings):
    """The per-host limits shared by every run on the Prefect server, when asked for."""
    if settings.politeness != "shared":
        return None
    from flows.host_limits import PrefectHostLimits

    return PrefectHostLimits(settings.per_host_concurrency, settings.per_host_delay)


def _registries_run_name() -> str:
    paths = current_flow_run.parameters.get("registry_paths") or []
    names = ", ".join(Path(p).stem for p in paths[:3]) + (f" +{len(paths) - 3}" if len(paths) > 3 else "")
    return f"citewatch {names or 'no registry'} {datetime.now(timezone.utc):%Y-%m-%d %H:%M}"


@flow(name="verify-registries", flow_run_name=_registries_run_name, log_prints=False)
def verify_registries(registry_paths: list[str], reports_dir: str | None = None,
                      archive_dir: str | None = None, no_wayback: bool = False,
                      now: datetime | None = None, document_deployment: str | None = None,
                      wait_for_documents: bool = True) -> list[dict]:
    """Verify several registries, one ``verify_document`` run each.

    Without ``document_deployment``: sub-flows in this process, one after the other. With it (e.g.
    ``verify-document/document`` of prefect.yaml): one flow run of that deployment per registry,
    submitted to its work pool so that the workers share them; then, with ``wait_for_documents``,
    wait for all of them. A document whose run fails does not stop the others; the flow fails at
    the end, naming them.
    """
    logger = get_run_logger()
    if document_deployment:
        return _dispatch(logger, registry_paths, document_deployment, wait_for_documents,
                         {"reports_dir": reports_dir, "archive_dir": archive_dir, "no_wayback": no_wayback,
                          "now": now.isoformat() if now else None})
    summaries, failed, published = [], [], []
    for path in registry_paths:
        state = verify_document(str(path), reports_dir=reports_dir, archive_dir=archive_dir,
                                no_wayback=no_wayback, now=now, return_state=True)
        if state.is_completed():
            if (summary := state.result()) is not None:  # None: skipped, another run had the document
                summaries.append(summary)
                published.append(summary)
        else:
            failed.append(f"{path}: {state.message}")
            logger.error("verifying %s failed: %s", path, state.message)
            if (incomplete := getattr(state.result(raise_on_failure=False), "summary", None)) is not None:
                published.append(incomplete)  # RunIncomplete: its reports were written all the same
    if failed:
        raise DocumentRunsFailed(failed, published)
    return summaries


def _dispatch(logger, registry_paths: list[str], deployment: str, wait: bool, common: dict) -> list[dict]:
    from flows.dispatch import submit_documents, wait_for_runs

    runs = submit_documents(deployment, registry_paths, common)
    logger.info("submitted %s of %s to its work pool: %s", counted(len(runs), "document run"), deployment,
                ", ".join(run.name for run in runs))
    if not wait:
        return [{"registry_path": str(p), "flow_run_id": str(r.id), "state": "submitted"}
                for p, r in zip(registry_paths, runs)]
    done = wait_for_runs([run.id for run in runs])
    failed = [f"{path}: {run.state.name} {run.state.message or ''}".strip()
              for path, run in zip(registry_paths, done) if not run.state.is_completed()]
    for line in failed:
        logger.error("verifying %s", line)
    if failed:
        raise DocumentRunsFailed(failed)
    return [{"registry_path": str(p), "flow_run_id": str(r.id), "state": r.state.name}
            for p, r in zip(registry_paths, done)]


class DocumentRunsFailed(CitewatchError):
    """Some documents' runs failed. ``summaries``: the outcomes of the runs whose reports were
    written, in order (those that completed, and those that ended :class:`RunIncomplete`)."""

    def __init__(self, failures: list[str], summaries: list[dict] | None = None):
        self.failures = failures
        self.summaries = summaries or []
        super().__init__(f"{counted(len(failures), 'document run')} failed: " + "; ".join(failures))


def published_summaries(error: BaseException) -> list[dict]:
    """The outcomes of the runs a failed flow still published (see the two errors above)."""
    if isinstance(error, DocumentRunsFailed):
        return error.summaries
    if isinstance(error, RunIncomplete) and error.summary is not None:
        return [error.summary]
    return []
