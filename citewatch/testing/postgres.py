"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` binaries, a cluster in a
temporary folder, listening only on a Unix socket in that folder. Nothing is left behind.

    with temporary_postgres() as url:      # "postgresql+psycopg://postgres@/postgres?host=..."
        engine, sf = open_database(url)

``CITEWATCH_TEST_POSTGRES_URL`` names an existing server instead (then nothing is started).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path | None:
    """The folder of the newest installed PostgreSQL server binaries, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def temporary_postgres() -> Iterator[str]:
    existing = os.environ.get("CITEWATCH_TEST_POSTGRES_URL")
    if existing:
        yield existing
        return
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql) and "
                           "CITEWATCH_TEST_POSTGRES_URL is not set")
    # PostgreSQL refuses to run as root: run it as the "postgres" user then.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="citewatch-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
            "-o", f"-k {folder} -c listen_addresses='' -p {port} -c fsync=off", "start")
        try:
            yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
