"""A full disk and a damaged state database end `citewatch verify` with one line that says what
happened and what to do: no traceback, no Prefect error lines before it, and nothing recorded or
reset. The full disk is real: a small tmpfs mounted in a user and mount namespace of its own
(`unshare`, no privileges needed), filled up after a first run. The damaged database is a real
SQLite file whose table pages were overwritten after a first run.
Slow (real `citewatch verify` processes): two end-to-end tests, and quick ones for the wording."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from citewatch import pipeline as pl
from citewatch.config import load_settings
from citewatch.faults import explain
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb
from system_tools import need_system_tool
from verify_fixtures import serve_pages, write_registry

CITEWATCH = str(Path(sys.executable).with_name("citewatch"))

FIRST_RUN = ("import sys; from citewatch import pipeline as pl; from citewatch.config import load_settings; "
             "from citewatch.registry import load_registry; pl.verify_registry(load_registry(sys.argv[1]), load_settings())")

IN_NAMESPACE = """set -e
mount -t tmpfs -o size=8m tmpfs "$DISK"
"$PYTHON" -c "$FIRST_RUN" "$REGISTRY"
dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true
set +e
"$CITEWATCH" verify "$REGISTRY" > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/exit"
cp -r "$DISK/archive" "$DISK/reports" "$OUT/"
"""


def unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def recorded_runs(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM history_runs").fetchone()[0]


@pytest.mark.slow
def test_a_disk_that_fills_up_ends_the_run_with_one_line_and_records_nothing(tmp_path):
    need_system_tool(unshare_works(), "user namespaces (`unshare --user --map-root-user --mount`)",
                     "apt-get install util-linux, on a kernel that allows user namespaces")
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = write_registry(tmp_path / "claims", web)
        env = {**os.environ, "DISK": str(disk), "OUT": str(out), "PYTHON": sys.executable, "CITEWATCH": CITEWATCH,
               "FIRST_RUN": FIRST_RUN, "REGISTRY": str(registry), "PREFECT_HOME": str(tmp_path / "prefect-home"),
               "CITEWATCH_ARCHIVE_DIR": str(disk / "archive"), "CITEWATCH_REPORTS_DIR": str(disk / "reports")}
        done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", IN_NAMESPACE],
                              env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    stderr = (out / "stderr").read_text()
    assert (out / "exit").read_text().strip() == "2", stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    # where the disk ran out decides who noticed first (SQLite, a report, the text cache): each says so
    assert lines[0].startswith("error: ") and "free some space" in lines[0], lines[0]
    assert any(words in lines[0] for words in ("No space left on device", "disk is full", "no space left")), lines[0]
    assert recorded_runs(out / "archive" / "citewatch.sqlite") == 1  # the first run only
    assert len(list((out / "reports" / "aldane-harbour" / "runs").iterdir())) == 1


@pytest.mark.slow
def test_a_damaged_state_database_ends_the_run_with_one_line_and_is_left_as_it_was(tmp_path):
    settings = load_settings(archive_dir=tmp_path / "archive", reports_dir=tmp_path / "reports")
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = write_registry(tmp_path / "claims", web)
        pl.verify_registry(load_registry(registry), settings)
        database = tmp_path / "archive" / "citewatch.sqlite"
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = connection.execute("PRAGMA page_size").fetchone()[0]
            pages = [row[0] for row in connection.execute(
                "SELECT rootpage FROM sqlite_master WHERE name IN ('archive_captures', 'history_runs')")]
        with open(database, "r+b") as file:  # the header and the schema stay: the file still opens
            for page in pages:
                file.seek((page - 1) * page_size)
                file.write(b"\x5a" * page_size)
        damaged = database.read_bytes()
        env = {**os.environ, "CITEWATCH_ARCHIVE_DIR": str(tmp_path / "archive"),
               "CITEWATCH_REPORTS_DIR": str(tmp_path / "reports")}
        done = subprocess.run([CITEWATCH, "verify", str(registry)], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"error: the state database {database} is damaged (database disk image is malformed)")
    assert "restore it from a backup, or move it away" in lines[0] and "sqlalche.me" not in lines[0]
    assert database.read_bytes() == damaged  # not reset, not "repaired"


def test_a_full_disk_met_anywhere_is_named_with_the_file_it_was_writing():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/srv/archive/text-cache/ab/cd.json")
        except OSError as exc:
            raise RuntimeError("the task failed") from exc
    except RuntimeError as wrapped:
        line = explain(wrapped, "/srv/archive/citewatch.sqlite")
    assert line.startswith("no space left on the disk (writing /srv/archive/text-cache/ab/cd.json): "
                           "No space left on device; free some space")
    assert explain(RuntimeError("something else"), "x.sqlite") is None
    assert explain(OSError(errno.EACCES, "Permission denied"), "x.sqlite") is None


def test_sqlite_errors_wrapped_by_sqlalchemy_are_named_with_the_database(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'not-a-database.sqlite'}")
    (tmp_path / "not-a-database.sqlite").write_bytes(b"plain text, not SQLite " * 200)
    with pytest.raises(Exception) as caught:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1 FROM sqlite_master"))
    line = explain(caught.value, "/srv/archive/citewatch.sqlite")
    assert line.startswith("the state database /srv/archive/citewatch.sqlite is damaged (file is not a database)")
    full = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database or disk is full"))
    assert explain(full, "/srv/db.sqlite").startswith(
        "no space left on the disk of the state database /srv/db.sqlite (database or disk is full); free some space")
