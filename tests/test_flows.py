"""The Prefect flows and the verify/flag/unflag/override commands, run for real under the
session's Prefect test harness against the fixture web. Flow runs cost about a second each, so
this module keeps them few and shares one fixture web."""

from __future__ import annotations

import json
import shlex
import threading
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from citewatch import pipeline as pl
from citewatch.publish import RunOutcome
from citewatch.config import load_settings
from citewatch.errors import ConfigError
from citewatch.history import list_runs, source_history
from citewatch.testing.fixture_web import FixtureWeb
from verify_fixtures import EXPECTED_FIRST_RUN, serve_pages, write_registry

pytestmark = pytest.mark.slow

FAST_FETCH = {"CITEWATCH_MAX_RETRIES": "0", "CITEWATCH_CONNECT_TIMEOUT": "2",
              "CITEWATCH_READ_TIMEOUT": "5", "CITEWATCH_TOTAL_DEADLINE": "10"}


@pytest.fixture
def site(web, workdir, monkeypatch, prefect_harness):
    for key, value in FAST_FETCH.items():
        monkeypatch.setenv(key, value)
    web.clear()
    serve_pages(web)
    return web, write_registry(workdir / "claims", web), workdir


def cli(*args: str):
    from flows.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def report_of(workdir, document_id="aldane-harbour") -> dict:
    return json.loads((workdir / "reports" / document_id / "latest.json").read_text(encoding="utf-8"))


def prefect_client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def test_verify_document_flow_verdicts_artifacts_names_and_flags(site):
    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId,
                                                FlowRunFilter, FlowRunFilterId)

    from flows.verify import verify_document

    web, registry, workdir = site
    flagged = cli("flag", str(registry), "workers", "--reason", "union and police numbers differ",
                  "--by", "editor-ann")
    assert flagged.exit_code == 0, flagged.output
    when = datetime(2026, 4, 2, 8, 30, tzinfo=timezone.utc)

    state = verify_document(str(registry), now=when, return_state=True)

    summary = state.result()
    assert {c["id"]: c["verdict"] for c in summary["claims"]} == EXPECTED_FIRST_RUN
    report = report_of(workdir)
    assert report["run"]["started_at"].startswith("2026-04-02T08:30")
    assert [(f["claim_id"], f["who"]) for f in report["flags"]] == [("workers", "editor-ann")]
    assert "union and police numbers differ" in (workdir / "reports" / "aldane-harbour" / "latest.md").read_text()

    run_id = state.state_details.flow_run_id
    with prefect_client() as client:
        flow_run = client.read_flow_run(run_id)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    assert flow_run.name == "aldane-harbour 2026-04-02 08:30"
    by_type = {a.type: a for a in artifacts}
    assert set(by_type) == {"markdown", "table"}
    assert "Aldane harbour" in by_type["markdown"].data and "contradicted" in by_type["markdown"].data
    table = by_type["table"].data
    rows = json.loads(table) if isinstance(table, str) else table
    assert {r["claim"]: r["verdict"] for r in rows}["workers"] == "contradicted"
    assert {r["claim"]: r["flagged"] for r in rows}["workers"] == "yes"
    # one task per batch of hosts, not one per source
    assert len(task_runs) <= 7


def test_cli_verify_override_unflag_fail_on_and_wayback(site, monkeypatch):
    from citewatch.testing.fake_wayback import FakeWayback

    web, registry, workdir = site
    url = web[1].url("/strike")
    wayback = FakeWayback().start()
    wayback.add_snapshot(web[0].url("/gone"), "20190301000000",
                         "<html><body><article><p>The ferry service to Kessel ended in 2019 after "
                         "forty years.</p></article></body></html>")
    monkeypatch.setenv("CITEWATCH_WAYBACK_URL", wayback.base_url)
    assert cli("flag", str(registry), "workers", "--reason", "check the union's count").exit_code == 0
    unflagged = cli("unflag", "aldane-harbour", "workers")
    assert unflagged.exit_code == 0 and "(1 flag cleared)" in unflagged.output
    done = cli("override", str(registry), "workers", "--source", url, "--supports",
               "--reason", "the union's later statement gives 450", "--by", "editor-bo")
    assert done.exit_code == 0, done.output

    try:
        result = cli("verify", str(registry), "--fail-on", "contradicted,not_found")
    finally:
        wayback.stop()

    assert result.exit_code == 1, result.output
    assert "harbour" in result.stdout and "latest.json" in result.stdout
    assert "workers" not in result.stdout.split("--fail-on")[-1]  # overridden: now supported
    report = report_of(workdir)
    workers = next(c for c in report["claims"] if c["id"] == "workers")
    assert workers["verdict"] == "supported"
    assert workers["sources"][0]["override"]["who"] == "editor-bo"
    assert report["flags"] == []
    ferry = next(c for c in report["claims"] if c["id"] == "ferry")
    assert ferry["verdict"] == "supported"  # the dead page, read from the Wayback Machine
    assert ferry["sources"][0]["checked_copy"] == "wayback"
    assert "20190301000000" in ferry["sources"][0]["archive"]["wayback_url"]

    # The report shows the local copy that was checked as a command that writes it out: it works.
    markdown = (workdir / "reports" / "aldane-harbour" / "latest.md").read_text(encoding="utf-8")
    [command] = [line.split("local copy: `")[1].split("`")[0] for line in markdown.splitlines()
                 if "local copy: `" in line and url in line]
    words = shlex.split(command)
    assert words[:3] == ["citewatch", "archive", "show"] and words[-2:] == ["-o", "copy.html"]
    written = cli(*words[1:-1], str(workdir / "copy.html"))
    assert written.exit_code == 0, written.output
    assert b"<html" in (workdir / "copy.html").read_bytes().lower()

    from flows.cli import app

    typo = CliRunner().invoke(app, ["verify", str(registry), "--fail-on", "unverifiable-typo"])
    assert isinstance(typo.exception, ConfigError)  # bad input (exit 2 through main), not a pass
    assert "unverifiable_typo" in str(typo.exception)


def test_bad_claim_id_is_refused_with_the_known_ids(site):
    _web, registry, _workdir = site
    from flows.cli import app

    result = CliRunner().invoke(app, ["flag", str(registry), "no-such-claim", "--reason", "x"])
    assert result.exit_code != 0
    assert "no-such-claim" in str(result.exception) and "workers" in str(result.exception)


def test_two_concurrent_runs_of_one_document_leave_consistent_state(site):
    from flows.verify import verify_document

    _web, registry, workdir = site
    results, errors = [], []

    def run(batch_sources: int):
        try:
            results.append(verify_document(str(registry), batch_sources=batch_sources))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    # one run in a single batch, the other with one batch per host
    threads = [threading.Thread(target=run, args=(size,)) for size in (200, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)

    assert errors == []
    assert len({r["run_id"] for r in results}) == 2
    assert [sorted(c["verdict"] for c in r["claims"]) for r in results] == \
        [sorted(EXPECTED_FIRST_RUN.values())] * 2
    settings = load_settings()
    session_factory = pl.open_state(settings)
    runs = list_runs(session_factory, "aldane-harbour")
    assert len(runs) == 2
    assert source_history(session_factory, "aldane-harbour")[_gone_url(registry)].failures == 2
    latest = report_of(workdir)
    assert latest["run"]["id"] in {r["run_id"] for r in results}


def _gone_url(registry) -> str:
    from citewatch.registry import load_registry

    claim = next(c for c in load_registry(registry).registry.claims if c.id == "ferry")
    return claim.sources[0].url


def test_offline_run_through_the_cli_says_offline(workdir, monkeypatch, prefect_harness):
    for key, value in FAST_FETCH.items():
        monkeypatch.setenv(key, value)
    closed = FixtureWeb(hosts=2, first_ip=5).start()
    registry = write_registry(workdir / "claims", closed, document_id="offline-doc")
    closed.stop()

    result = cli("verify", str(registry), "--fail-on", "contradicted")

    assert result.exit_code == 0, result.output
    assert "OFFLINE" in result.stdout
    report = report_of(workdir, "offline-doc")
    assert report["run"]["offline"] is True
    assert all(s["status"] != "dead" for c in report["claims"] for s in c["sources"])


def test_verify_with_bad_registries_lists_every_problem_and_exits_2_before_any_run(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    data = Path(__file__).parent / "data" / "registries"
    citewatch = Path(sys.executable).with_name("citewatch")
    result = subprocess.run([str(citewatch), "verify", str(data / "bad-url.yaml"),
                             str(data / "duplicate-id.yaml"), "--reports-dir", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert any(line.startswith(str(data / "bad-url.yaml") + ":") for line in problems)
    assert any(line.startswith(str(data / "duplicate-id.yaml") + ":") for line in problems)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists()  # nothing ran


def test_progress_bar_counts_done_failed_and_pending():
    import io

    from rich.console import Console

    from citewatch.models import SourceStatus
    from citewatch.pipeline import ProgressEvent
    from flows.verify_view import ProgressDisplay

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with ProgressDisplay(console) as display:
        display.on_event(ProgressEvent("planned", document_id="doc", total=3))
        display.on_event(ProgressEvent("source", document_id="doc", url="u1", status=SourceStatus.LIVE))
        display.on_event(ProgressEvent("source", document_id="doc", url="u2", status=SourceStatus.DEAD,
                                       failed=True))
        display.progress.refresh()
        during = screen.getvalue()
        display.on_event(ProgressEvent("finished", document_id="doc"))  # ignored by the bar
    assert "2/3" in during and "failed 1" in during and "pending 1" in during


def _flow_run_logs(flow_run_id) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    with prefect_client() as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [log.message for log in logs]


def test_a_run_whose_fetches_could_not_be_archived_ends_failed_with_its_reports_and_warnings_in_prefect(site, monkeypatch):
    """The archive folder cannot take WARC files: every check is still made and reported, the
    flow run ends Failed saying why, and citewatch's warnings (from the fetching threads) are in
    the flow run's log."""
    import prefect.context
    from prefect.settings import PREFECT_LOGGING_TO_API_ENABLED, temporary_settings

    from flows.verify import verify_document

    web, registry, workdir = site
    (workdir / "archive").mkdir()
    (workdir / "archive" / "warcs").write_text("a file where the WARC folder should be")
    with temporary_settings(updates={PREFECT_LOGGING_TO_API_ENABLED: True}):
        # as PREFECT_LOGGING_TO_API_ENABLED in a worker's environment: for every thread (the suite turns it off)
        monkeypatch.setattr(prefect.context, "GLOBAL_SETTINGS_CONTEXT", prefect.context.get_settings_context())
        state = verify_document(str(registry), return_state=True)
        logs = _flow_run_logs(state.state_details.flow_run_id)

    assert state.is_failed()
    assert "5 of 5 sources could not be archived" in state.message
    assert {c["id"]: c["verdict"] for c in report_of(workdir)["claims"]} == EXPECTED_FIRST_RUN
    assert any("citewatch.pipeline: could not archive" in line for line in logs), logs
    assert any("INCOMPLETE" in line for line in logs)
    from flows.verify import published_summaries  # what `citewatch verify` prints of a failed run

    [summary] = published_summaries(state.result(raise_on_failure=False))
    assert summary["not_archived"] == 5 and summary["reports"]["json"].endswith("latest.json")


def test_a_small_share_not_archived_completes_with_the_shortfall_in_its_message_and_summary(site, monkeypatch):
    from flows.verify import verify_document

    web, registry, workdir = site
    monkeypatch.setenv("CITEWATCH_MAX_UNARCHIVED_SHARE", "1")  # tolerate any share: the run completes
    (workdir / "archive").mkdir()
    (workdir / "archive" / "warcs").write_text("not a folder")

    state = verify_document(str(registry), return_state=True)

    assert state.is_completed() and "5 of 5 sources could not be archived" in state.message
    summary = state.result()
    assert summary["not_archived"] == 5 and summary["source_count"] == 5
    outcome = RunOutcome.model_validate(summary)
    assert "INCOMPLETE" in outcome.one_line() and "**Incomplete:**" in outcome.markdown_summary()


def test_verify_of_two_documents_that_both_end_incomplete_prints_both_outcomes_and_fails(site):
    """`verify` prints the outcomes the flows return; runs that failed after publishing (too few
    fetches archived) travel in the error, and are printed all the same."""
    from flows.cli import app
    from flows.verify import DocumentRunsFailed

    web, registry, workdir = site
    other = write_registry(workdir / "claims-b", web, document_id="harbour-b")
    (workdir / "archive").mkdir()
    (workdir / "archive" / "warcs").write_text("a file where the WARC folder should be")

    result = CliRunner().invoke(app, ["verify", str(registry), str(other)])

    assert isinstance(result.exception, DocumentRunsFailed), result.output
    assert [s["document_id"] for s in result.exception.summaries] == ["aldane-harbour", "harbour-b"]
    assert result.stdout.count("INCOMPLETE") == 2 and result.stdout.count("latest.json") == 2, result.stdout


def test_a_run_of_a_document_already_in_progress_is_skipped_when_the_operator_says_skip(site, monkeypatch):
    """Another run (on any worker) holds the document's slot: with CITEWATCH_SAME_DOCUMENT=skip
    this run ends at once as Skipped, writes nothing, and a multi-registry run goes on."""
    from flows.document_limit import one_run_per_document
    from flows.verify import verify_document, verify_registries

    import flows.verify

    web, registry, workdir = site
    monkeypatch.setenv("CITEWATCH_SAME_DOCUMENT", "skip")
    # as a run of a deployment (schedule, worker): `citewatch verify` alone takes no lock
    monkeypatch.setattr(flows.verify, "runs_from_a_deployment", lambda: True)
    with one_run_per_document("aldane-harbour"):  # the run in progress elsewhere
        state = verify_document(str(registry), return_state=True)
        summaries = verify_registries([str(registry)])

    assert state.is_completed() and state.name == "Skipped"
    assert "another run of aldane-harbour is in progress" in state.message
    assert summaries == []
    assert not (workdir / "reports" / "aldane-harbour").exists()
    assert web[0].requests_to("/budget") == []  # nothing was fetched
