"""``citewatch verify``, ``serve``, ``flag``, ``unflag`` and ``override``.

Only parsing, dispatching and printing: runs are the flows of :mod:`flows.verify`, review notes
are :mod:`citewatch.review` functions. Prefect is imported inside the commands that run flows,
after :func:`flows.prefect_env.configure_prefect` has made it quiet, so that `--help`, `flag` and
`unflag` start fast.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import sys
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from citewatch.config import load_settings
from citewatch.counting import counted
from citewatch.errors import CitewatchError, ConfigError, RegistryError
from citewatch.failon import parse_fail_on
from citewatch.registry import LoadedRegistry, load_registry
from flows.registry_cache import load_registry_cached

REGISTRY_ARGS = typer.Argument(..., metavar="REGISTRY...", help="Registry files (claims/<document>.yaml).")
REPORTS_DIR = typer.Option(None, "--reports-dir", metavar="D",
                           help="Report folder \\[env CITEWATCH_REPORTS_DIR, default ./reports].")
ARCHIVE_DIR = typer.Option(None, "--archive-dir", metavar="D",
                           help="Archive folder (WARC files, state database) "
                                "\\[env CITEWATCH_ARCHIVE_DIR, default ./archive].")
NO_WAYBACK = typer.Option(False, "--no-wayback", help="Do not use the Wayback Machine.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Prefect's logs and one line per source.")


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def load_all(paths: list[Path]) -> list[LoadedRegistry]:
    """Every registry, or one RegistryError carrying the problems of all of them."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_registry_cached(path))  # the flow reuses this parse
        except RegistryError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RegistryError(problems)
    return loaded


def _settings(reports_dir: Path | None, archive_dir: Path | None, no_wayback: bool = False):
    return load_settings(reports_dir=reports_dir, archive_dir=archive_dir,
                         wayback_url="off" if no_wayback else None)


# --- verify ---------------------------------------------------------------------------------


def verify(
    registries: list[Path] = REGISTRY_ARGS,
    reports_dir: Optional[Path] = REPORTS_DIR,
    archive_dir: Optional[Path] = ARCHIVE_DIR,
    no_wayback: bool = NO_WAYBACK,
    fail_on: Optional[str] = typer.Option(None, "--fail-on", metavar="V,...",
                                          help="Exit 1 when a claim has one of these verdicts or a source "
                                               "in one of these states, e.g. contradicted,unverifiable,dead,failing."),
    verbose: bool = VERBOSE,
    as_json: bool = typer.Option(False, "--json", help="Print the run summaries as JSON on stdout."),
) -> None:
    """Fetch, archive and check every source of each registry; write the reports.

    Runs the Prefect flow on a local Prefect API kept warm between runs (see `citewatch server status`),
    unless PREFECT_API_URL points at a server.

    Exit 0; 1 when a claim matches --fail-on; 2 on bad input; 130 on Ctrl-C (at once: fetches in flight
    are abandoned, the archive keeps what was fetched).
    """
    from citewatch.publish import RunOutcome
    from flows.early_api import start_early
    from flows.interrupt import StopOnInterrupt
    from flows.prefect_env import configure_prefect, configured_api_url
    from flows.preflight import ensure_prefect_api_answers, ensure_state_database, ensure_writable_folder
    from flows.stopping import stop_on_signals
    from flows.verify_view import ProgressDisplay, interrupted_line, print_summary
    from flows.warm_api import KeepWarm

    stop_on_signals()  # SIGTERM and Ctrl-C cut the requests in flight, then unwind
    fail = parse_fail_on(fail_on)
    loaded = load_all(registries)
    settings = _settings(reports_dir, archive_dir, no_wayback)
    ensure_writable_folder(settings.archive_dir, "archive folder", "--archive-dir or CITEWATCH_ARCHIVE_DIR")
    ensure_writable_folder(settings.reports_dir, "reports folder", "--reports-dir or CITEWATCH_REPORTS_DIR")
    ensure_state_database(settings)  # empty or corrupt: one line now, not tracebacks from the flow
    configure_prefect(verbose)
    api_url = configured_api_url()
    ensure_prefect_api_answers(api_url)
    warm = None if api_url else _warm_api(settings.prefect_server_idle_minutes, verbose)
    early_api = None if warm else start_early(api_url, verbose)  # it starts while Prefect is imported
    from flows.prefect_env import one_line_errors
    from flows.verify import published_summaries, verify_document, verify_registries, watch_progress  # imports Prefect

    one_line_errors(verbose)  # Prefect's console handler exists now
    if warm is not None:  # a warm API started by this run came up while Prefect was imported
        _wait_for_warm_api(warm)

    if early_api is not None:
        early_api.adopt()

    console = Console(stderr=True)
    finished: list[str] = []  # the documents whose reports are written, for the line of a Ctrl-C

    def on_event(event) -> None:
        display.on_event(event)
        if event.kind == "finished":
            finished.append(event.document_id)

    error: Exception | None = None
    summaries: list = []  # the flows' return values (a skipped run's is None)
    display = ProgressDisplay(console, verbose)

    def kept() -> str:
        return interrupted_line(display.counts(), finished, settings.archive_dir)

    interrupted_runs: list = []
    try:
        with StopOnInterrupt(kept, verbose, children=lambda: _api_server_processes(early_api),
                             on_interrupt=lambda: _on_interrupt(interrupted_runs),
                             before_exit=lambda: _mark_cancelled(interrupted_runs)), \
                (KeepWarm(warm) if warm else nullcontext()), display, watch_progress(on_event):
            paths = [str(item.path.resolve()) for item in loaded]
            reports_folder, archive_folder = str(settings.reports_dir), str(settings.archive_dir)
            with _without_heartbeats():
                if len(paths) == 1:  # one flow run, not a parent run around a single sub-flow run
                    summaries = [verify_document(paths[0], reports_dir=reports_folder, archive_dir=archive_folder,
                                                 no_wayback=no_wayback)]
                else:
                    summaries = verify_registries(paths, reports_dir=reports_folder, archive_dir=archive_folder,
                                                  no_wayback=no_wayback)
    except Exception as exc:  # noqa: BLE001 - summaries of the documents that did finish first
        if verbose and not isinstance(exc, CitewatchError):
            raise
        error = exc
        summaries = published_summaries(exc)
    outcomes = [RunOutcome.model_validate(summary) for summary in summaries if summary is not None]
    if warm and not verbose:  # the next run forks a process that has all of this imported
        from flows.warm_runner import start_runner

        start_runner(warm.parent, settings.prefect_server_idle_minutes * 60)
    out = Console(soft_wrap=True)
    failing: list[str] = []
    for outcome in outcomes:
        if not as_json:
            print_summary(out, outcome)
        if fail:
            failing += [f"{outcome.document_id}/{c}" for c in fail.claims(_report_of(outcome))]
    if as_json:
        print(json.dumps([o.model_dump(mode="json") for o in outcomes], ensure_ascii=False, indent=2))
    if error is not None:
        if isinstance(error, CitewatchError):  # its message was written for the user
            raise error
        from citewatch.faults import explain

        explained = explain(error, _database_name(settings))
        if explained is not None:  # a full disk or a damaged database, whichever layer met it
            raise CitewatchError(explained) from error
        raise CitewatchError(f"the verification run failed: {error} (run again with --verbose "
                             "for details)") from error
    if failing:
        (console if as_json else out).print(  # stdout stays pure JSON with --json
            f"{counted(len(failing), 'claim')} matching --fail-on ({', '.join(fail.names())}): " + ", ".join(failing),
            markup=False, highlight=False)
        raise typer.Exit(1)


def _database_name(settings) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def _without_heartbeats():
    """No flow-run heartbeats for a run of the command line, unless the user set their interval:
    the run is watched by the person who started it, and ending the heartbeat thread costs up to
    a second at the end of every run (it sleeps in 1-s steps)."""
    if any(key in os.environ for key in ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")):
        return nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def _report_of(outcome) -> dict:
    """The claims of the run's report, read one at a time (what ``--fail-on`` goes through)."""
    from citewatch.report.reading import iter_claims

    return {"claims": iter_claims(Path(outcome.reports["json"]))}


def _warm_api(idle_minutes: float, verbose: bool) -> Path | None:
    """Point Prefect at the warm local API (started now when none runs); its state file, or None
    when it is turned off (idle minutes 0) or could not start (Prefect then starts its own)."""
    if idle_minutes <= 0 or os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").lower() in ("0", "false", "no"):
        return None
    from flows.warm_api import ensure_warm_api, state_file

    try:
        api = ensure_warm_api(idle_minutes * 60, wait=False)  # waited for once Prefect is imported
    except Exception as exc:  # noqa: BLE001 - Prefect's own ephemeral API still works
        if verbose:
            print(f"warm Prefect API unavailable ({exc}); starting one for this run", file=sys.stderr)
        return None
    os.environ["PREFECT_API_URL"] = api.url  # before Prefect is imported
    return state_file()


def _wait_for_warm_api(path: Path) -> None:
    from flows.warm_api import read_state, wait_until_ready

    api = read_state(path)
    try:
        if api is None:
            raise RuntimeError(f"its record {path} is gone")
        wait_until_ready(api, path)
    except RuntimeError as exc:
        raise ConfigError(f"{exc}; run again, or set CITEWATCH_PREFECT_SERVER_IDLE_MINUTES=0 to start "
                          "Prefect's own API for each run") from None


def _on_interrupt(interrupted_runs: list) -> None:
    """In the Ctrl-C handler: cut the requests in flight and refuse new ones (a source that drips
    holds no thread), then note the flow run to mark cancelled."""
    from citewatch import wallclock

    wallclock.stop_all()
    interrupted_runs.extend(_current_flow_run_id())


def _current_flow_run_id() -> list:
    """The id of the flow run the main thread is in (asked in the Ctrl-C handler), if any."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return [context.flow_run.id] if context is not None and context.flow_run is not None else []


def _mark_cancelled(flow_run_ids: list) -> None:
    """Tell Prefect the interrupted runs were cancelled (else a UI would show them running)."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            client.set_flow_run_state(flow_run_id, Cancelled(message="stopped with Ctrl-C"), force=True)


def _api_server_processes(early_api) -> list:
    """The local Prefect API server processes this command started (stopped on Ctrl-C)."""
    processes = [early_api.process] if early_api is not None else []
    server = sys.modules.get("prefect.server.api.server")
    if server is not None:
        processes += [s.server_process for s in list(server.SubprocessASGIServer._instances.values())
                      if s.server_process is not None and s.server_process not in processes]
    return processes


# --- serve ----------------------------------------------------------------------------------


def serve(
    registries: Optional[list[Path]] = typer.Argument(None, metavar="[REGISTRY...]",
                                                      help="Registries to verify (default: claims/*.yaml)."),
    cron: str = typer.Option(..., "--cron", metavar="EXPR", help='Cron schedule, e.g. "0 6 * * *" (UTC).'),
    name: str = typer.Option("served", "--name", help="Deployment name (never one serve did not create)."),
    reports_dir: Optional[Path] = REPORTS_DIR,
    archive_dir: Optional[Path] = ARCHIVE_DIR,
    no_wayback: bool = NO_WAYBACK,
    verbose: bool = VERBOSE,
) -> None:
    """Serve the verification flow as a deployment with a cron schedule, until Ctrl-C.

    Uses the Prefect server of PREFECT_API_URL; when it is unset, starts `prefect server start`
    on a free loopback port for as long as this command runs and prints its UI address.
    """
    from flows.prefect_env import configure_prefect, configured_api_url

    paths = registries or sorted(Path("claims").glob("*.yaml"))
    if not paths:
        raise ConfigError("no registry given and none found in claims/*.yaml")
    load_all(paths)
    settings = _settings(reports_dir, archive_dir, no_wayback)
    parameters = {"registry_paths": [str(Path(p).resolve()) for p in paths],
                  "reports_dir": str(settings.reports_dir.resolve()),
                  "archive_dir": str(settings.archive_dir.resolve()),
                  "no_wayback": no_wayback}
    configure_prefect(verbose)
    _check_cron(cron)
    _stop_on_sigterm()
    api_url = configured_api_url()
    if api_url:
        _serve(name, cron, parameters, api_url)
        return
    from flows.local_server import local_prefect_server

    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    with local_prefect_server(home / "citewatch-server.log") as api_url:
        _serve(name, cron, parameters, api_url)


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop, a test) unwinds like Ctrl-C, so the server we started stops too."""
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _check_cron(expression: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=expression)
    except ValueError:
        raise ConfigError(f'--cron: {expression!r} is not a cron expression (e.g. "0 6 * * *")') from None


def _serve(name: str, cron: str, parameters: dict, api_url: str) -> None:
    os.environ["PREFECT_API_URL"] = api_url  # before Prefect is imported: the runner and its runs use it
    from prefect import get_client
    from prefect.deployments.runner import EntrypointType

    from flows.served import SERVE_TAG, pause_served, refuse_foreign
    from flows.verify import verify_registries

    with get_client(sync_client=True) as client:
        refuse_foreign(client, name)
    print(f"Prefect API: {api_url}\nPrefect UI:  {api_url.removesuffix('/api')}\n"
          f"Serving deployment 'verify-registries/{name}' on cron {cron!r} "
          f"for {len(parameters['registry_paths'])} registr(y/ies). Ctrl-C stops.", flush=True)
    try:
        verify_registries.serve(name=name, cron=cron, parameters=parameters, tags=[SERVE_TAG], paused=False,
                                entrypoint_type=EntrypointType.MODULE_PATH,
                                print_starting_message=False, pause_on_shutdown=False)
    finally:  # also on Ctrl-C and SIGTERM: no schedule is left for a runner that is gone
        try:
            with get_client(sync_client=True) as client:
                if pause_served(client, name):
                    print(f"Paused the schedule of 'verify-registries/{name}'.", flush=True)
        except Exception as exc:  # noqa: BLE001 - the server may be gone already; say so, keep the real exit
            print(f"Could not pause the schedule of 'verify-registries/{name}': {exc}", file=sys.stderr, flush=True)


def crash_watch(
    heartbeat: int = typer.Option(30, "--heartbeat", metavar="S", min=30,
                                  help="PREFECT_FLOWS_HEARTBEAT_FREQUENCY of the workers (seconds, at least 30)."),
    missed: int = typer.Option(3, "--missed", metavar="N", min=2,
                               help="Heartbeats missed before a run is Crashed (at least 2)."),
) -> None:
    """Install, on the Prefect server of PREFECT_API_URL, the automations that mark a citewatch flow
    run Crashed when its heartbeats stop (its worker died) and retry a crashed run once.

    Running it again updates them in place. Set PREFECT_FLOWS_HEARTBEAT_FREQUENCY to --heartbeat on
    the workers (see docs/deployment.md).
    """
    from flows.prefect_env import configure_prefect, configured_api_url

    configure_prefect(False)
    if not configured_api_url():
        raise ConfigError("crash-watch needs the shared Prefect server: set PREFECT_API_URL "
                          "(e.g. http://prefect.example.internal:4200/api)")
    from prefect import get_client

    from flows.crash_watch import install_crash_watch

    with get_client(sync_client=True) as client:
        for line in install_crash_watch(client, heartbeat, missed):
            print(line)
    print(f"a run with no heartbeat for {heartbeat * missed} s is marked Crashed and retried once; "
          f"set PREFECT_FLOWS_HEARTBEAT_FREQUENCY={heartbeat} on every worker")


# --- flags and overrides ----------------------------------------------------------------------


def _who(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


def _review_target(document: str, claim_id: str, url: str | None, settings):
    """The document id (from a registry path or as given) and the state database; checks that
    the claim (and source) exist when the registry or an earlier run says what exists."""
    from citewatch.pipeline import open_state

    path = Path(document)
    named_by_id = not (path.suffix in (".yaml", ".yml") or path.exists())
    if named_by_id and not settings.database_url and not Path(settings.archive_dir).exists():
        _no_runs_of(document, [], settings)  # says so without leaving an empty database behind
    if not settings.database_url:
        from flows.preflight import ensure_writable_folder

        ensure_writable_folder(settings.archive_dir, "archive folder", "--archive-dir or CITEWATCH_ARCHIVE_DIR")
    session_factory = open_state(settings)
    if not named_by_id:
        registry = load_registry(path).registry
        document_id = registry.document.id
        claims: dict[str, list[str]] | None = {c.id: [s.url for s in c.sources] for c in registry.claims}
        where = str(path)
    else:
        from citewatch.history import previous_run

        document_id = document
        run = previous_run(session_factory, document_id)
        if run is None:
            _require_known_document(session_factory, document_id, settings)
        claims = {c.id: [s.url for s in c.sources] for c in run.claims} if run else None
        where = f"the last run of {document_id}"
    if claims is not None:
        if claim_id not in claims:
            raise ConfigError(f"no claim {claim_id!r} in {where}; claims: {', '.join(sorted(claims)) or 'none'}")
        if url is not None and url not in claims[claim_id]:
            raise ConfigError(f"claim {claim_id!r} does not cite {url}; it cites: "
                              f"{', '.join(claims[claim_id]) or 'nothing'}")
    return document_id, session_factory


def _require_known_document(session_factory, document_id: str, settings) -> None:
    """A document id with no run and no review notes is a typo or the wrong archive folder: a flag
    recorded there would never show in a report."""
    from citewatch.history import documents_with_runs
    from citewatch.review import active_flags, overrides

    if active_flags(session_factory, document_id) or overrides(session_factory, document_id):
        return
    _no_runs_of(document_id, documents_with_runs(session_factory), settings)


def _no_runs_of(document_id: str, known: list[str], settings) -> None:
    where = "the database in CITEWATCH_DATABASE_URL" if settings.database_url else f"{settings.archive_dir}/"
    raise ConfigError(
        f"no run of document {document_id!r} in {where} (documents with runs there: "
        f"{', '.join(known) or 'none'}); give the registry file instead (claims/<id>.yaml), "
        "or --archive-dir of the folder the runs used")


DOCUMENT_ARG = typer.Argument(..., metavar="DOCUMENT", help="A document id or its registry file.")
CLAIM_ARG = typer.Argument(..., metavar="CLAIM-ID")
BY = typer.Option(None, "--by", metavar="WHO", help="Who (default: your user name).")


def flag(document: str = DOCUMENT_ARG, claim_id: str = CLAIM_ARG,
         reason: str = typer.Option(..., "--reason", help="Why the claim needs a human look."),
         by: Optional[str] = BY, archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Flag a claim for review; the note shows at the top of every report until `unflag`."""
    from citewatch.review import flag_claim

    if not reason.strip():
        raise ConfigError("--reason must say why the claim is flagged")
    document_id, session_factory = _review_target(document, claim_id, None, _settings(None, archive_dir))
    note = flag_claim(session_factory, document_id, claim_id, reason.strip(), _who(by), datetime.now(timezone.utc))
    print(f"flagged {document_id}/{claim_id} ({note.who}): {note.reason}")


def unflag(document: str = DOCUMENT_ARG, claim_id: str = CLAIM_ARG, by: Optional[str] = BY,
           reason: Optional[str] = typer.Option(None, "--reason", help="Why the flag is cleared."),
           archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Clear the review flags of a claim."""
    from citewatch.review import unflag_claim

    document_id, session_factory = _review_target(document, claim_id, None, _settings(None, archive_dir))
    cleared = unflag_claim(session_factory, document_id, claim_id, _who(by), datetime.now(timezone.utc), reason)
    print(f"unflagged {document_id}/{claim_id} ({counted(cleared, 'flag')} cleared)" if cleared
          else f"{document_id}/{claim_id} had no flag")


def override(document: str = DOCUMENT_ARG, claim_id: str = CLAIM_ARG,
             source: str = typer.Option(..., "--source", metavar="URL", help="The cited source."),
             supports: bool = typer.Option(False, "--supports", help="A human found the source supports the claim."),
             does_not_support: bool = typer.Option(False, "--does-not-support",
                                                   help="A human found the source does not support it."),
             clear: bool = typer.Option(False, "--clear", help="Give the source back to the machine's verdict."),
             reason: Optional[str] = typer.Option(None, "--reason", help="Why (required unless --clear)."),
             by: Optional[str] = BY, archive_dir: Optional[Path] = ARCHIVE_DIR) -> None:
    """Record a human verdict for one source of a claim; it sticks across runs and shows as such."""
    from citewatch.review import clear_override, set_override

    if supports + does_not_support + clear != 1:
        raise ConfigError("give exactly one of --supports, --does-not-support or --clear")
    if not clear and not (reason or "").strip():
        raise ConfigError("--reason must say why the human verdict differs")
    document_id, session_factory = _review_target(document, claim_id, source, _settings(None, archive_dir))
    now = datetime.now(timezone.utc)
    if clear:
        done = clear_override(session_factory, document_id, claim_id, source, _who(by), now)
        print(f"cleared the override of {document_id}/{claim_id} for {source}" if done
              else f"{document_id}/{claim_id} had no override for {source}")
        return
    note = set_override(session_factory, document_id, claim_id, source, supports, (reason or "").strip(), _who(by),
                        now)
    says = "supports" if note.supports else "does not support"
    print(f"override: {source} {says} {document_id}/{claim_id} ({note.who}): {note.reason}")


EXAMPLES = {
    "verify": """Examples:

  citewatch verify claims/nardaran-case.yaml

  citewatch verify claims/*.yaml --no-wayback --fail-on contradicted,unverifiable   (for CI)

  citewatch verify claims/nardaran-case.yaml --reports-dir /tmp/r --verbose""",
    "serve": """Examples:

  citewatch serve claims/nardaran-case.yaml --cron "0 6 * * *"    (every day at 06:00 UTC)

  PREFECT_API_URL=http://prefect:4200/api citewatch serve --cron "0 */6 * * *"   (all of claims/, on a shared server)""",  # noqa: E501 - an example stays on one line
    "crash_watch": """Example:

  PREFECT_API_URL=http://prefect:4200/api citewatch crash-watch --heartbeat 30""",
    "flag": """Examples:

  citewatch flag nardaran-case arrests --reason "police and court counts differ; ask the reporter"

  citewatch flag claims/nardaran-case.yaml arrests --reason "check the 2016 source" --by ann""",
    "unflag": """Example:

  citewatch unflag nardaran-case arrests --reason 'reporter confirmed the count'""",
    "override": """Examples:

  citewatch override nardaran-case arrests --source https://example.org/a --supports --reason "the table on p. 3 gives 72"

  citewatch override nardaran-case arrests --source https://example.org/a --clear""",  # noqa: E501 - examples stay on one line
}


def register(app: typer.Typer) -> None:
    for command in (verify, serve, flag, unflag, override):
        app.command(command.__name__, epilog=EXAMPLES[command.__name__])(command)
    app.command("crash-watch", epilog=EXAMPLES["crash_watch"])(crash_watch)
