"""The state database on PostgreSQL (the shared set-up): archive index, run history, flags and
two concurrent runs, against a real server.

Uses CITEWATCH_TEST_POSTGRES_URL when set; otherwise starts a throwaway cluster (initdb/pg_ctl
from Debian's postgresql package) in a temporary folder on a loopback port, as the `nobody`
user when running as root. Missing binaries fail the test: install postgresql.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from citewatch import pipeline as pl
from citewatch.config import load_settings
from citewatch.history import active_flags, flag_claim, list_runs, source_history
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb, Route
from verify_fixtures import EXPECTED_FIRST_RUN, serve_pages, write_registry

pytestmark = pytest.mark.postgres

DAY0 = datetime(2026, 5, 4, 7, 0, tzinfo=timezone.utc)


def postgres_bin_dir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists() and Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL "
                "(`apt-get install postgresql`; .ci/run does it) or set CITEWATCH_TEST_POSTGRES_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_as_owner(args: list[str], owner: pwd.struct_passwd | None) -> None:
    """initdb and postgres refuse to run as root: run them as ``owner`` then."""
    if owner is not None:
        args = ["runuser", "-u", owner.pw_name, "--", *args]
    completed = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")


@pytest.fixture(scope="module")
def postgres_url():
    given = os.environ.get("CITEWATCH_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bin_dir = postgres_bin_dir()
    owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="citewatch-pg-"))
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, port = base / "data", free_port()
    run_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "citewatch", "--auth=trust",
                  "-E", "UTF8", "--no-sync"], owner)
    run_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                  "-t", "60", "-o", f"-h 127.0.0.1 -p {port} -k {base} -F", "start"], owner)
    try:
        yield f"postgresql+psycopg://citewatch@127.0.0.1:{port}/postgres"
    finally:
        run_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], owner)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_database(postgres_url):
    """An empty schema for each test: drop everything the previous test created."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return postgres_url


def test_history_flags_and_archive_on_postgresql(fresh_database, tmp_path):
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        loaded = load_registry(write_registry(tmp_path / "claims", web))
        settings = load_settings(database_url=fresh_database, archive_dir=tmp_path / "archive",
                                 reports_dir=tmp_path / "reports", max_retries=0)
        session_factory = pl.open_state(settings)
        assert session_factory.kw["bind"].dialect.name == "postgresql"

        first = pl.verify_registry(loaded, settings, clock=lambda: DAY0)
        flag_claim(session_factory, "aldane-harbour", "workers", "numbers differ", "editor", DAY0)
        web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))
        second = pl.verify_registry(loaded, settings, clock=lambda: DAY0 + timedelta(days=1))

    assert {c["id"]: c["verdict"] for c in first.claims} == EXPECTED_FIRST_RUN
    assert len(list_runs(session_factory, "aldane-harbour")) == 2
    history = source_history(session_factory, "aldane-harbour")
    assert history[web[1].url("/report")].failures == 1
    assert [f.claim_id for f in active_flags(session_factory, "aldane-harbour")] == ["workers"]
    report = json.loads(Path(second.reports["json"]).read_text())
    dead = next(s for c in report["claims"] for s in c["sources"] if s["url"] == web[1].url("/report"))
    assert dead["checked_copy"] == "local_archive"  # read back through the PostgreSQL index
    assert [f["claim_id"] for f in report["flags"]] == ["workers"]


def test_two_concurrent_runs_on_postgresql_keep_exact_counts(fresh_database, tmp_path):
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        loaded = load_registry(write_registry(tmp_path / "claims", web))
        settings = load_settings(database_url=fresh_database, archive_dir=tmp_path / "archive",
                                 reports_dir=tmp_path / "reports", max_retries=0)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                pl.verify_registry(loaded, settings, clock=lambda: DAY0)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    session_factory = pl.open_state(settings)
    assert len(list_runs(session_factory, "aldane-harbour")) == 2
    assert source_history(session_factory, "aldane-harbour")[web[0].url("/gone")].failures == 2
