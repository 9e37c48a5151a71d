"""What `citewatch verify` shows: a progress bar while the flow runs, one screen of summary after."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from citewatch.counting import counted
from citewatch.pipeline import ProgressEvent
from citewatch.publish import RunOutcome
from flows.colours import verdict_style
from flows.terminal import printable

MAX_CHANGE_LINES = 8



class ProgressDisplay:
    """A bar per document: sources done, failed and pending. Fed from the pipeline's threads."""

    def __init__(self, console: Console, verbose: bool = False):
        self.console = console
        self.verbose = verbose
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]failed {task.fields[failed]}[/]"),
            TextColumn("pending {task.fields[pending]}"), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}
        self._starting: TaskID | None = None
        self._totals: dict[TaskID, int] = {}
        self._done: dict[TaskID, int] = {}
        self._failed: dict[TaskID, int] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> "ProgressDisplay":
        self.progress.start()
        # The ephemeral Prefect API takes a few seconds to start: say so instead of a blank screen.
        self._starting = self.progress.add_task("starting Prefect", total=None, failed=0, pending="-")
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def counts(self) -> tuple[int, int]:
        """Sources checked so far and sources planned, over every document."""
        locked = self._lock.acquire(timeout=0.2)  # may be asked from a signal handler: never hang
        try:
            return sum(dict(self._done).values()), sum(dict(self._totals).values())
        finally:
            if locked:
                self._lock.release()

    def on_event(self, event: ProgressEvent) -> None:
        with self._lock:
            if event.kind == "planned":
                if self._starting is not None:
                    self.progress.remove_task(self._starting)
                    self._starting = None
                task_id = self.progress.add_task(event.document_id, total=event.total, failed=0,
                                                 pending=event.total)
                self._tasks[event.document_id] = task_id
                self._totals[task_id] = event.total
                return
            if event.kind != "source":
                return
            task = self._tasks.get(event.document_id)
            if task is None:
                return
            self._failed[task] = failed = self._failed.get(task, 0) + (1 if event.failed else 0)
            self._done[task] = done = self._done.get(task, 0) + 1
            pending = max(0, self._totals[task] - done)
            description = f"{event.document_id} (checking, writing reports)" if pending == 0 else event.document_id
            self.progress.update(task, advance=1, failed=failed, pending=pending, description=description)
        if self.verbose and event.message:
            self.progress.console.print(printable(event.message), markup=False, highlight=False)


def interrupted_line(counts: tuple[int, int], finished: list[str], archive_dir) -> str:
    """The one line `verify` prints when Ctrl-C stops it: what was kept, what was not written
    (``finished``: the documents whose reports were written)."""
    done, total = counts
    reports = (f"reports of {', '.join(finished)} written; " if finished else "")
    return (f"Interrupted: {done} of {counted(total, 'source')} checked; every page fetched so far is "
            f"kept in the archive ({archive_dir}); {reports}no report was written for an unfinished "
            "run (an earlier report stays as it was).")


def print_summary(console: Console, outcome: RunOutcome) -> None:
    """One screen per document: verdict counts, what changed, flags, report paths."""
    title = f"[bold]{escape(outcome.document_id)}[/] — {escape(printable(outcome.document_title))}"
    console.print(title, highlight=False)
    if outcome.offline:
        console.print("  [bold yellow]OFFLINE:[/] no host could be reached; no source was called "
                      "dead, claims were checked against archived copies where there were any.")
    if outcome.archive_shortfall:
        console.print(f"  [bold yellow]INCOMPLETE:[/] {escape(outcome.archive_shortfall)}.", highlight=False)
    counts = "  ".join(f"[{verdict_style(v)}]{v}[/] {n}" for v, n in outcome.verdicts.items())
    console.print(f"  claims {len(outcome.claims)}:  {counts or 'none'}", highlight=False)
    statuses = outcome.sources.get("statuses") or {}
    if statuses:
        parts = "  ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
        extra = ""
        if outcome.sources.get("confirmed_dead"):
            extra = f"  (confirmed dead {outcome.sources['confirmed_dead']})"
        console.print(f"  sources {outcome.sources.get('total', 0)}:  {parts}{extra}", highlight=False)
        refused = statuses.get("forbidden_address", 0)
        if refused:
            console.print(f"  {counted(refused, 'source')} not fetched (forbidden_address): the address is "
                          "loopback, private or reserved, which citewatch never fetches. A public page never "
                          "is: check the URL. For a local test web, set CITEWATCH_ALLOW_PRIVATE_HOSTS=1.",
                          markup=False, highlight=False)
    if outcome.first_run:
        console.print("  what changed: first run of this document")
    elif not outcome.changes:
        console.print("  what changed: nothing since the last run")
    else:
        console.print(f"  what changed ({len(outcome.changes)}):")
        for line in outcome.changes[:MAX_CHANGE_LINES]:
            console.print(f"    - {printable(line)}", markup=False, highlight=False)
        if len(outcome.changes) > MAX_CHANGE_LINES:
            console.print(f"    … and {len(outcome.changes) - MAX_CHANGE_LINES} more (see the report)")
    for flag in outcome.flags:
        console.print(f"  [bold]flagged[/] {escape(printable(flag))}", highlight=False)
    for kind, path in outcome.reports.items():
        console.print(f"  report {kind}: {path}", markup=False, highlight=False)
