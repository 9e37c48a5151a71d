"""A new ``PREFECT_HOME`` starts from an empty Prefect database made for the installed Prefect
version, instead of running Prefect's ~150 database migrations when the warm API first starts
(about 8 s of CPU, most of a first run; measured in benchmarks/README.md).

The database is exactly what Prefect's own start-up makes in a new home (its migrations and its
block types, no flow run), gzipped in ``flows/prefect_db/prefect-<version>.db.gz``.
For another Prefect version there is none and Prefect migrates as usual. Only the default
database is seeded (no ``PREFECT_*DATABASE*`` setting), and only when none exists yet.

    python -m flows.prefect_db     (makes the file for the installed Prefect version)
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "prefect_db"
DATABASE_NAME = "prefect.db"


def template_for(version: str) -> Path | None:
    path = TEMPLATES / f"prefect-{version}.db.gz"
    return path if path.is_file() else None


def uses_default_database(env: dict[str, str], home: Path) -> bool:
    if any(key.startswith("PREFECT_") and "DATABASE" in key for key in env):
        return False
    profiles = Path(env.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        return "DATABASE" not in profiles.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True


def seed_new_home(home: Path, version: str, env: dict[str, str] | None = None) -> bool:
    """Put the empty database of ``version`` in ``home`` when it has none; True when it did."""
    env = dict(os.environ) if env is None else env
    database = home / DATABASE_NAME
    template = template_for(version)
    if template is None or database.exists() or not uses_default_database(env, home):
        return False
    with gzip.open(template, "rb") as packed:
        data = packed.read()
    temporary = home / f".{DATABASE_NAME}.{os.getpid()}"
    temporary.write_bytes(data)
    os.replace(temporary, database)
    return True


def make_template() -> Path:
    """Start the warm API on a new home (Prefect migrates it and registers its block types), stop
    it, and keep its database, compacted and gzipped, for the installed Prefect version."""
    from flows.warm_api import ensure_warm_api, installed_prefect_version, read_state, state_file, stop

    version = installed_prefect_version()
    with tempfile.TemporaryDirectory(prefix="citewatch-prefect-db-") as folder:
        home = Path(folder)
        os.environ["PREFECT_HOME"] = str(home)
        os.environ.pop("PREFECT_API_URL", None)
        if (existing := template_for(version)) is not None:
            existing.unlink()  # else the new home would be seeded from it
        ensure_warm_api(idle_seconds=600, home=home)
        state = read_state(state_file(home))
        if state is None:
            raise RuntimeError(f"the warm Prefect API of {home} left no readable state file")
        stop(state, state_file(home))
        with sqlite3.connect(home / DATABASE_NAME) as connection:
            if connection.execute("SELECT count(*) FROM flow_run").fetchone()[0]:
                raise SystemExit("the new database already holds a flow run; not a template")
        connection = sqlite3.connect(home / DATABASE_NAME)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        connection.close()
        TEMPLATES.mkdir(exist_ok=True)
        target = TEMPLATES / f"prefect-{version}.db.gz"
        with open(home / DATABASE_NAME, "rb") as source, gzip.GzipFile(target, "wb", mtime=0) as packed:
            shutil.copyfileobj(source, packed)
    return target


if __name__ == "__main__":
    print(make_template(), file=sys.stderr)
