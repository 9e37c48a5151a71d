"""Errors of the ``citewatch`` command: one line that says what went wrong and what to do next,
exit 2, never a traceback. Run as a real process, the way a user meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from citewatch.testing.fixture_web import closed_port_url

CITEWATCH = str(Path(sys.executable).parent / "citewatch")

DOCUMENT = "= Harbour fire =\n\nOn 3 March 2024 a fire destroyed 12 warehouses in the old port.\n"
REGISTRY = """document:
  id: harbour-fire
  title: Harbour fire
  text: harbour-fire.txt
claims:
  - id: warehouses
    text: "a fire destroyed 12 warehouses"
    sources: []
"""


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run([CITEWATCH, *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=120)


def assert_clean_error(done: subprocess.CompletedProcess, *phrases: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, (phrase, done.stderr)


def write_registry(folder: Path, registry: str = REGISTRY, document: str | None = DOCUMENT) -> Path:
    claims = folder / "claims"
    claims.mkdir()
    if document is not None:
        (claims / "harbour-fire.txt").write_text(document, encoding="utf-8")
    path = claims / "harbour-fire.yaml"
    path.write_text(registry, encoding="utf-8")
    return path


def test_missing_registry_file_names_the_path(tmp_path):
    done = run("validate", "claims/nope.yaml", cwd=tmp_path)
    assert_clean_error(done, "claims/nope.yaml", "no such registry file", "check the path")


def test_document_file_that_moved_names_the_line_and_where_it_looked(tmp_path):
    write_registry(tmp_path, document=None)
    done = run("validate", "claims/harbour-fire.yaml", cwd=tmp_path)
    assert_clean_error(done, "claims/harbour-fire.yaml:4:", "harbour-fire.txt",
                       "relative to the registry file")


def test_claim_whose_text_moved_out_of_the_document_names_its_line(tmp_path):
    write_registry(tmp_path, document=DOCUMENT.replace("12 warehouses", "a dozen warehouses"))
    done = run("validate", "claims/harbour-fire.yaml", cwd=tmp_path)
    assert_clean_error(done, "claims/harbour-fire.yaml:7:", "not found in the document")


def test_demo_into_a_folder_it_cannot_write_says_to_choose_another(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    done = run("demo", "--out", "a-file/demo", cwd=tmp_path)
    assert_clean_error(done, "cannot write to the demo folder", "--out DIR")
    assert not (tmp_path / "demo-out").exists()


def test_demo_with_a_prefect_server_that_does_not_answer_says_how_to_fix_it(tmp_path):
    api = closed_port_url(path="/api")
    done = run("demo", "--out", "demo-out", cwd=tmp_path, PREFECT_API_URL=api)
    assert_clean_error(done, f"the Prefect server at {api} does not answer",
                       "prefect server start", "unset PREFECT_API_URL")


@pytest.mark.slow
def test_verify_into_an_archive_folder_it_cannot_write_says_how_to_choose_another(tmp_path):
    write_registry(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    done = run("verify", "claims/harbour-fire.yaml", "--archive-dir", "a-file/archive", cwd=tmp_path)
    assert_clean_error(done, "cannot write to the archive folder a-file/archive",
                       "--archive-dir or CITEWATCH_ARCHIVE_DIR")
    done = run("verify", "claims/harbour-fire.yaml", cwd=tmp_path, CITEWATCH_REPORTS_DIR="a-file/reports")
    assert_clean_error(done, "cannot write to the reports folder a-file/reports",
                       "--reports-dir or CITEWATCH_REPORTS_DIR")


@pytest.mark.slow
def test_verify_with_a_prefect_server_that_does_not_answer_says_how_to_fix_it(tmp_path):
    write_registry(tmp_path)
    api = closed_port_url(path="/api")
    done = run("verify", "claims/harbour-fire.yaml", cwd=tmp_path, PREFECT_API_URL=api)
    assert_clean_error(done, f"the Prefect server at {api} does not answer", "prefect server start")
    assert not (tmp_path / "reports" / "harbour-fire").exists()


@pytest.mark.slow
def test_flagging_a_document_with_no_run_here_says_where_it_looked(tmp_path):
    # a typo in the id, or the wrong archive folder: the flag would never show in any report
    done = run("flag", "harbour-fir", "warehouses", "--reason", "check", cwd=tmp_path,
               CITEWATCH_ARCHIVE_DIR=str(tmp_path / "archive"))
    assert_clean_error(done, "no run of document 'harbour-fir'", "documents with runs there: none",
                       "registry file", "--archive-dir")
    assert not (tmp_path / "archive").exists()  # no empty state database left behind


@pytest.mark.slow
def test_a_bad_setting_in_the_environment_names_the_variable_not_a_traceback(tmp_path):
    done = run("archive", "list", "http://site.test/", cwd=tmp_path, CITEWATCH_READ_TIMEOUT="thirty")
    assert_clean_error(done, "CITEWATCH_READ_TIMEOUT='thirty'", "valid number", "fix or unset it")


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder that exists and cannot take a new file: read-only for a normal user; for root,
    who writes through file modes, a folder of /proc (no file can be created there)."""
    if os.geteuid() == 0:
        return Path("/proc/self")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


@pytest.mark.slow
def test_flag_with_an_archive_folder_it_cannot_write_says_how_to_choose_another(tmp_path):
    write_registry(tmp_path)
    folder = unwritable_folder(tmp_path)
    done = run("flag", "claims/harbour-fire.yaml", "warehouses", "--reason", "check",
               "--archive-dir", str(folder), cwd=tmp_path)
    assert_clean_error(done, f"cannot write to the archive folder {folder}",
                       "--archive-dir or CITEWATCH_ARCHIVE_DIR")
    assert "sqlalche" not in done.stderr.lower()


@pytest.mark.slow
def test_a_state_database_that_cannot_be_opened_says_what_to_do(tmp_path):
    import pytest

    from citewatch.db import open_database
    from citewatch.errors import StateError

    folder = unwritable_folder(tmp_path)
    with pytest.raises(StateError) as caught:
        open_database(f"sqlite:///{folder}/citewatch.sqlite")
    message = str(caught.value)
    assert message.startswith(f"cannot open the state database {folder}/citewatch.sqlite (")
    assert "make its folder writable" in message and "CITEWATCH_DATABASE_URL" in message
    assert "sqlalche.me" not in message and "\n" not in message


@pytest.mark.slow
def test_override_refuses_supports_and_does_not_support_together(tmp_path):
    write_registry(tmp_path)
    done = run("override", "claims/harbour-fire.yaml", "warehouses", "--source", "https://a.example/",
               "--supports", "--does-not-support", "--reason", "read it", cwd=tmp_path,
               CITEWATCH_ARCHIVE_DIR=str(tmp_path / "archive"))
    assert_clean_error(done, "give exactly one of --supports, --does-not-support or --clear")
    assert not (tmp_path / "archive").exists()


@pytest.mark.slow
def test_verify_with_a_corrupt_or_empty_state_database_says_so_in_one_line_and_changes_nothing(tmp_path):
    write_registry(tmp_path)
    database = tmp_path / "archive" / "citewatch.sqlite"
    database.parent.mkdir()
    for content, phrase in ((b"not a database " * 100, "file is not a database"),
                            (b"", "is empty (0 bytes)")):
        database.write_bytes(content)
        os.utime(database, (1_700_000_000, 1_700_000_000))  # long ago: not one a run is creating
        done = run("verify", "claims/harbour-fire.yaml", "--no-wayback", cwd=tmp_path)
        assert_clean_error(done, phrase)
        assert len(done.stderr.strip().splitlines()) == 1 and database.read_bytes() == content


@pytest.mark.slow
def test_a_run_that_fails_inside_the_flow_shows_no_traceback_and_ends_with_the_cause(tmp_path):
    # the registry has no sources (no network); the reports cannot be written: a file stands
    # where the document's report folder belongs
    write_registry(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "harbour-fire").write_text("not a folder")
    done = run("verify", "claims/harbour-fire.yaml", "--no-wayback", cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "Not a directory" in last and "the run was not recorded" in last


def test_prefects_housekeeping_at_exit_is_not_shown_but_its_warnings_are():
    """A failed run ends with one line: what Prefect's services say while they still send their
    queue at exit ("Still processing items") is not shown unless --verbose."""
    import logging

    from flows.prefect_env import one_line_errors

    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    try:
        one_line_errors(verbose=False)

        def shown(name, level, message):
            return bool(handler.filter(logging.LogRecord(name, level, __file__, 1, message, None, None)))
        assert not shown("EventsWorker", logging.WARNING, "Still processing items: 3 items remaining...")
        assert shown("EventsWorker", logging.WARNING, "the events could not be sent")
        assert shown("prefect.flow_runs", logging.WARNING, "a warning of the run")
    finally:
        logging.getLogger().removeHandler(handler)
