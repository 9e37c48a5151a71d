"""Publishing in the right order: a run whose reports cannot be written is not recorded, the user
sees the real cause, and publishing again repeats the whole of it.

The report folder is made unwritable by a file standing where the document's folder belongs
(the tests run as root, for whom a read-only mode bit means nothing): the OS says "Not a
directory", as it would say "Read-only file system" or "No space left on device".
"""

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from citewatch import pipeline as pl
from citewatch.publish import publish_run
from citewatch.errors import ConfigError, RegistryError
from citewatch.history import list_runs
from citewatch.models import DOCUMENT_ID_MAX
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb
from verify_fixtures import DAY0, fresh_site, write_registry


@pytest.fixture
def site(web, tmp_path):
    return (*fresh_site(web, tmp_path), tmp_path)


def block_reports(reports_dir, document_id="aldane-harbour"):
    reports_dir.mkdir(parents=True, exist_ok=True)
    blocker = reports_dir / document_id
    blocker.write_text("not a folder")
    return blocker


@pytest.mark.slow
def test_a_run_whose_reports_cannot_be_written_is_not_recorded_and_publishing_again_works(site):
    loaded, settings, _ = site
    session_factory = pl.open_state(settings)
    pipeline = pl.Pipeline.open(settings, clock=lambda: DAY0, session_factory=session_factory)
    try:
        run = pipeline.run(loaded)
    finally:
        pipeline.close()
    blocker = block_reports(settings.reports_dir)

    with pytest.raises(ConfigError) as caught:
        publish_run(session_factory, run, settings, DAY0)
    assert "Not a directory" in str(caught.value) and "the run was not recorded" in str(caught.value)
    assert list_runs(session_factory, "aldane-harbour") == []

    blocker.unlink()
    outcome = publish_run(session_factory, run, settings, DAY0)  # the same run, published again
    assert [r.run_id for r in list_runs(session_factory, "aldane-harbour")] == [run.run_id]
    assert (settings.reports_dir / "aldane-harbour" / "latest.json").exists() and outcome.run_id == run.run_id


@pytest.mark.slow
def test_verify_shows_the_real_cause_and_records_nothing(site, monkeypatch, prefect_harness):
    from flows.cli import app

    loaded, settings, workdir = site
    monkeypatch.setenv("CITEWATCH_ARCHIVE_DIR", str(settings.archive_dir))
    monkeypatch.setenv("CITEWATCH_REPORTS_DIR", str(settings.reports_dir))
    monkeypatch.setenv("CITEWATCH_MAX_RETRIES", "0")
    block_reports(settings.reports_dir)

    result = CliRunner().invoke(app, ["verify", str(loaded.path)])

    assert result.exit_code != 0
    message = str(result.exception) + result.output
    assert "Not a directory" in message and "already recorded" not in message
    assert list_runs(pl.open_state(settings), "aldane-harbour") == []


def test_validate_refuses_a_document_id_longer_than_a_folder_name_can_be(tmp_path):
    registry = write_registry(tmp_path, FixtureWeb(hosts=2), document_id="a" * (DOCUMENT_ID_MAX + 1))
    with pytest.raises(RegistryError) as caught:
        load_registry(registry)
    assert [str(p) for p in caught.value.problems] == [
        f"{registry}:2: document.id: String should have at most {DOCUMENT_ID_MAX} characters"]
    registry = write_registry(tmp_path, FixtureWeb(hosts=2), document_id="a" * DOCUMENT_ID_MAX)
    assert load_registry(registry).registry.document.id == "a" * DOCUMENT_ID_MAX
