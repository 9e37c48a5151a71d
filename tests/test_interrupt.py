"""Ctrl-C during `citewatch verify`: a real run against a fixture web whose pages answer only
after a minute is interrupted while fetches are in flight. It ends within 2 s with exit 130 and
one line that says what was kept, no traceback; Prefect records the flow run as cancelled; the
archive reads back whole, no report is published for the unfinished run, and no child process
(the local Prefect API) is left behind.
Slow (a real `citewatch verify` process and its Prefect start-up): one test."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from citewatch.archive import WarcArchive
from citewatch.db import open_database
from citewatch.testing.fixture_web import FixtureWeb, Route
from verify_fixtures import serve_pages, write_registry

pytestmark = pytest.mark.slow

CITEWATCH = str(Path(sys.executable).with_name("citewatch"))
WARCIO = str(Path(sys.executable).with_name("warcio"))
SLOW = Route(body="<html><body><article><p>Too late.</p></article></body></html>", delay=60)


def processes_with(environment_marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``environment_marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if environment_marker.encode() in (entry / "environ").read_bytes() and \
                    b"Z" not in (entry / "stat").read_bytes().split(b") ", 1)[1][:1]:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def archived_urls(database: Path) -> list[str]:
    """URLs in the archive index so far (read while the run writes: SQLite in WAL mode allows it)."""
    if not database.exists():
        return []
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return [row[0] for row in connection.execute("SELECT DISTINCT url FROM archive_captures")]
    except sqlite3.OperationalError:  # the table is not created yet
        return []


def test_ctrl_c_stops_a_run_within_two_seconds_keeps_the_archive_and_publishes_nothing(tmp_path):
    home = tmp_path / "prefect-home"
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        web[0].route("/budget", SLOW)
        web[1].route("/weather", SLOW)
        registry = write_registry(tmp_path / "claims", web)
        env = {**os.environ, "PREFECT_HOME": str(home), "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1",
               "CITEWATCH_WAYBACK_URL": "off", "CITEWATCH_ARCHIVE_DIR": str(tmp_path / "archive"),
               "CITEWATCH_REPORTS_DIR": str(tmp_path / "reports")}
        env.pop("PREFECT_API_URL", None)
        run = subprocess.Popen([CITEWATCH, "verify", str(registry)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 240
            while not (web[0].requests_to("/budget") and web[1].requests_to("/weather")):
                assert run.poll() is None, run.communicate()
                assert time.monotonic() < deadline, "the run never reached the slow pages"
                time.sleep(0.05)
            while archived_urls(tmp_path / "archive" / "citewatch.sqlite") == []:  # a fast page is in
                assert time.monotonic() < deadline, "no page was archived"
                time.sleep(0.05)

            interrupted = time.monotonic()
            run.send_signal(signal.SIGINT)  # Ctrl-C (to the process only: its children are its job)
            out, err = run.communicate(timeout=30)
            took = time.monotonic() - interrupted
        finally:
            if run.poll() is None:
                run.kill()
                run.communicate()

    assert run.returncode == 130, (out, err)
    assert took < 2.0, f"Ctrl-C took {took:.1f} s"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Interrupted: ") and "kept in the archive" in lines[0]
    assert "Traceback" not in out + err and "Crash" not in out + err

    assert not (tmp_path / "reports" / "aldane-harbour" / "latest.json").exists()  # nothing published
    assert not [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]  # nor half-written
    time.sleep(0.5)
    assert processes_with(str(home)) == [], "a child process outlived the interrupted run"

    with sqlite3.connect(home / "prefect.db") as prefect_db:  # no UI shows the run as running
        states = prefect_db.execute("SELECT state_type, state_name FROM flow_run").fetchall()
    assert states == [("CANCELLED", "Cancelled")], states

    _, sessions = open_database(f"sqlite:///{tmp_path / 'archive' / 'citewatch.sqlite'}")
    archive = WarcArchive(tmp_path / "archive", sessions)
    kept = archived_urls(tmp_path / "archive" / "citewatch.sqlite")
    assert kept and not any(url.endswith(("/budget", "/weather")) for url in kept)
    for url in kept:  # every indexed record reads back
        for capture in archive.captures(url):
            if capture.has_payload:
                assert archive.read_payload(capture)
    archive.close()
    warcs = sorted((tmp_path / "archive" / "warcs").glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *map(str, warcs)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
