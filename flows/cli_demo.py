"""``citewatch demo``: the real pipeline against a bundled sample web, with no network needed.

It starts the sample sites of :mod:`citewatch.demo` and a Wayback-compatible stand-in on loopback
for the duration of the run, writes the sample registry with their addresses into the output
folder, and runs the same ``verify_document`` flow as ``citewatch verify``. The settings that let
the fetcher reach loopback addresses are set for this run only and restored afterwards.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import typer
from rich.console import Console
from rich.table import Table

from citewatch import demo as sample
from citewatch.errors import ConfigError
from flows.colours import verdict_style
from flows.preflight import ensure_prefect_api_answers, ensure_writable_folder

STATE_FILE = "demo-state.json"

# Short limits: the sample web answers in milliseconds, and a newcomer should not wait.
DEMO_SETTINGS = {
    "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1",
    "CITEWATCH_CONNECT_TIMEOUT": "3",
    "CITEWATCH_READ_TIMEOUT": "5",
    "CITEWATCH_TOTAL_DEADLINE": "20",
    "CITEWATCH_MAX_RETRIES": "1",
    "CITEWATCH_WAYBACK_TIMEOUT": "5",
    "CITEWATCH_PER_HOST_DELAY": "0",
}
# Never send the user's real Save Page Now keys to the stand-in, never write into their database.
DEMO_UNSET = ("CITEWATCH_WAYBACK_ACCESS_KEY", "CITEWATCH_WAYBACK_SECRET_KEY")

EPILOG = """Examples:

  citewatch demo               (first run: every verdict and source status)

  citewatch demo               (again: the report opens with what changed)

  citewatch demo --out /tmp/cw (write somewhere else than ./demo-out)
"""


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=EPILOG)(demo)


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Folder for the sample registry, "
                             "archive and reports; kept between runs so the second run can compare."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's own logs."),
) -> None:
    """Run the whole pipeline on a bundled sample web, offline, and show its reports.

    Starts sample news, NGO, court, port and ministry sites on loopback
    addresses and a Wayback-compatible stand-in, then verifies ten sample
    claims with the same flow as `verify`: every verdict, the common source
    statuses. Run it twice: a page is corrected after the first run.
    """
    console = Console()
    result = run_demo(out, verbose=verbose, console=console)
    print_summary(console, result)


@dataclass
class DemoRun:
    number: int  # 1 for the first run into this folder, 2 for the second, ...
    outcome: dict  # what the verify flow returned (verdict counts, changes, report paths)
    report: dict  # latest.json of the sample document (the report contract)
    reports: dict[str, str]  # json / md / html -> path


def run_demo(out: Path, *, verbose: bool = False, console: Console | None = None) -> DemoRun:
    """One demo run into ``out``."""
    from flows.prefect_env import configure_prefect, configured_api_url

    out = ensure_writable_folder(Path(out).resolve(), "demo folder", "--out DIR")
    configure_prefect(verbose=verbose)
    ensure_prefect_api_answers(configured_api_url())
    state_path = out / STATE_FILE
    state = sample.load_state(state_path)
    run_number = int(state.get("runs", 0)) + 1

    with ExitStack() as stack:
        hosts = sample.start_hosts(state.get("hosts"))
        for host in hosts.values():
            stack.callback(host.stop)
        for site, host in hosts.items():
            routes, fallback = sample.site_routes(site, run_number)
            for path, route in routes.items():
                host.route(path, route)
            host.fallback = fallback
            host.start()
        addresses = sample.Addresses({site: f"{h.ip}:{h.port}" for site, h in hosts.items()})
        wayback = stack.enter_context(_wayback_with_copy(addresses, state.get("wayback")))
        registry = sample.write_sample_claims(out / "claims", addresses)
        if state.get("hosts") not in (None, addresses.hosts) and console:
            console.print("[yellow]The sample web had to move to new ports; this run's URLs differ "
                          "from the last run's, so its history starts afresh.[/yellow]")
        sample.save_state(state_path, {"runs": run_number, "hosts": addresses.hosts,
                                       "wayback": wayback.address})
        outcome = _verify(registry, out, wayback.base_url, verbose=verbose, console=console)
    latest = out / "reports" / sample.DOCUMENT_ID / "latest"
    reports = outcome.get("reports") or {kind: str(latest.with_suffix(f".{kind}")) for kind in ("json", "md", "html")}
    report = json.loads(Path(reports.get("json", latest.with_suffix(".json"))).read_text(encoding="utf-8"))
    return DemoRun(run_number, outcome, report, reports)


class _RunningWayback:
    def __init__(self, service, address: str):
        self.service = service
        self.address = address
        self.base_url = f"http://{address}"


@contextmanager
def _wayback_with_copy(addresses: sample.Addresses, previous: str | None) -> Iterator[_RunningWayback]:
    """The bundled Wayback stand-in, holding the archived copy of the sample's dead page."""
    from citewatch.testing.fake_wayback import FakeWayback

    service = _start_fake_wayback(FakeWayback, previous)
    try:
        url, timestamp, body = sample.dead_page_snapshot(addresses)
        service.add_snapshot(url, timestamp, body, mimetype="text/html")
        yield _RunningWayback(service, service.base_url.split("://", 1)[1].rstrip("/"))
    finally:
        service.stop()


def _start_fake_wayback(factory, previous: str | None):
    candidates: list[tuple[str, int]] = []
    if previous:
        ip, port_text = previous.rsplit(":", 1)
        candidates.append((ip, int(port_text)))
    candidates += [("127.0.0.7", 0), ("127.0.0.1", 0)]
    error: OSError | None = None
    for ip, port in candidates:
        try:
            return factory(host=ip, port=port).start()
        except OSError as exc:
            error = exc
    raise ConfigError(f"cannot open a loopback port for the demo's Wayback stand-in: {error}")


@contextmanager
def _environment(values: dict[str, str], unset: tuple[str, ...] = ()) -> Iterator[None]:
    """Set (and unset) environment variables for the duration of the block, then restore them."""
    saved = {key: os.environ.get(key) for key in (*values, *unset)}
    os.environ.update(values)
    for key in unset:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _verify(registry: Path, out: Path, wayback_url: str, *, verbose: bool, console: Console | None) -> dict:
    archive_dir, reports_dir = out / "archive", out / "reports"
    settings = {
        **DEMO_SETTINGS,
        "CITEWATCH_WAYBACK_URL": wayback_url,
        "CITEWATCH_ARCHIVE_DIR": str(archive_dir),
        "CITEWATCH_REPORTS_DIR": str(reports_dir),
        "CITEWATCH_DATABASE_URL": f"sqlite:///{archive_dir / 'citewatch.sqlite'}",
    }
    with _environment(settings, DEMO_UNSET):
        from flows.verify import verify_document, watch_progress

        archive_dir.mkdir(parents=True, exist_ok=True)
        if console is None:
            return verify_document(str(registry), reports_dir=str(reports_dir), archive_dir=str(archive_dir))
        done: Counter[str] = Counter()
        with console.status("Verifying the sample claims against the sample web...") as status:
            def progress(event) -> None:
                if event.kind == "source":
                    done["sources"] += 1
                    status.update(f"Verifying the sample claims: {done['sources']} sources read...")
            with watch_progress(progress):
                return verify_document(str(registry), reports_dir=str(reports_dir),
                                       archive_dir=str(archive_dir))


# --- the one-screen summary ----------------------------------------------------------------------

def print_summary(console: Console, run: DemoRun) -> None:
    report, outcome = run.report, run.outcome
    title = report.get("document", {}).get("title", sample.DOCUMENT_ID)
    verdicts = (report.get("summary") or {}).get("verdicts") or outcome.get("verdicts") or {}
    counts = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in verdicts.items() if n)
    console.print(f"\n[bold]{title}[/bold] — demo run {run.number}: {counts}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("claim")
    table.add_column("verdict")
    table.add_column("sources: status (copy checked)")
    for claim in report.get("claims", []):
        verdict = claim.get("verdict", "")
        table.add_row(claim.get("id", ""), f"[{verdict_style(verdict)}]{verdict}[/]",
                      _sources_cell(claim.get("sources") or []))
    console.print(table)
    console.print("\n[bold]What changed since the last run[/bold]")
    changes = outcome.get("changes") or []
    if outcome.get("first_run", run.number == 1):
        console.print("  first run of this document: nothing to compare yet.")
    elif not changes:
        console.print("  nothing changed.")
    for line in changes:
        console.print(f"  • {line}", markup=False, highlight=False, soft_wrap=True)
    console.print("\n[bold]Reports[/bold]")
    for kind, path in run.reports.items():
        console.print(f"  {kind:5} {path}", markup=False, highlight=False, soft_wrap=True)
    if run.number == 1:
        console.print("\nRun [bold]citewatch demo[/bold] again: one sample page has been corrected "
                      "since, and the report will open with what changed.")


def _sources_cell(sources: list[dict]) -> str:
    if not sources:
        return "— (citation needed)"
    parts = []
    for source in sources:
        copy = source.get("checked_copy")
        parts.append(f"{source.get('status', '?')} ({copy or 'no readable copy'})")
    return ", ".join(parts)
