"""The state database: one SQLAlchemy engine and metadata shared by the archive index and the
run history. SQLite by default (a file in the archive folder), PostgreSQL for shared set-ups.

Each module that keeps state declares its tables on :class:`Base`; :func:`open_database`
creates whatever is missing.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from citewatch.errors import StateError
from citewatch.faults import disk_is_full


class Base(DeclarativeBase):
    pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers go on while a run writes; the busy timeout makes two runs wait for each
    # other instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL still survives any crash of the program; only a power cut can lose the
    # last commits (never corrupt the file). The archive fsyncs its WARC bytes before indexing
    # them, so such a loss leaves complete records without an index row, never the reverse; an
    # fsync per commit (FULL) cost ~5 ms per archived source.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create the folder of the state database {path}: {exc}") from exc
        refuse_truncated_sqlite(path)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


# SQLite takes a 0-byte file for a new database; one that has just been created by another
# process starting at the same moment is younger than this (its first write follows at once)
EMPTY_FILE_GRACE = 10.0


def refuse_truncated_sqlite(path: Path) -> None:
    """Raise :class:`StateError` for an existing, empty database file: SQLite would quietly start
    a new one in it, and the archive index and run history it held would be gone without a word."""
    try:
        info = path.stat()
    except OSError:
        return  # missing (a first run) or not reachable: SQLite says what is wrong
    fresh = time.time() - info.st_mtime < EMPTY_FILE_GRACE or path.with_name(path.name + "-wal").exists()
    if info.st_size == 0 and not fresh:
        raise StateError(f"the state database {path} is empty (0 bytes): it was cut short (a full disk, "
                         "an interrupted copy?), and opening it would start a new, empty history. "
                         "Restore it from a backup, or delete it to start afresh; nothing was changed")


SCHEMA_LOCK_KEY = 0x63697465  # any constant: "cite"


def create_tables(engine: Engine) -> None:
    """Create missing tables. Processes that start at the same time on a fresh database take
    turns: checking for a table and creating it must be one step, or all but one of them fail with
    "table already exists". PostgreSQL takes an advisory lock; SQLite takes its write lock up front
    (BEGIN IMMEDIATE, waiting up to the busy timeout) since its DDL is transactional too."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            Base.metadata.create_all(connection)
        return
    if engine.dialect.name != "sqlite":
        Base.metadata.create_all(engine)
        return
    # AUTOCOMMIT stops the sqlite3 driver from issuing its own BEGIN, so ours is the transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            Base.metadata.create_all(connection)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


def open_database(url: str) -> tuple[Engine, sessionmaker]:
    """An engine with every citewatch table created, and a session factory bound to it."""
    # Importing the modules that declare tables registers them on Base.metadata.
    import citewatch.accounts  # noqa: F401
    import citewatch.archive  # noqa: F401
    import citewatch.audit  # noqa: F401
    try:
        import citewatch.history  # noqa: F401
    except ImportError:  # pragma: no cover - history lands with the verification runs
        pass
    engine = make_engine(url)
    for attempt in range(OPEN_ATTEMPTS):
        try:
            create_tables(engine)
            break
        except Exception as exc:  # noqa: BLE001 - any driver error means the same thing to the user
            # SQLite may answer "locked" without waiting while another process turns a new file to
            # WAL: a few more tries, then the message
            if engine.dialect.name != "sqlite" or attempt == OPEN_ATTEMPTS - 1:
                raise StateError(cannot_open_message(engine, exc)) from exc
            engine.dispose()
            time.sleep(0.2 * (attempt + 1))
    return engine, sessionmaker(engine, expire_on_commit=False)


OPEN_ATTEMPTS = 4


def cannot_open_message(engine: Engine, exc: BaseException) -> str:
    """What went wrong opening the state database and what to do, without the driver's traceback
    or SQLAlchemy's "Background on this error" link."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if engine.dialect.name == "sqlite" and ("full" in reason.lower() or (
            "i/o error" in reason.lower() and disk_is_full(engine.url.database or "."))):
        return (f"cannot open the state database {engine.url.database} ({reason}): its disk is full; "
                "free some space there, or choose an archive folder on another disk (--archive-dir or "
                "CITEWATCH_ARCHIVE_DIR) or another database (CITEWATCH_DATABASE_URL)")
    if engine.dialect.name == "sqlite":
        return (f"cannot open the state database {engine.url.database} ({reason}): make its folder "
                "writable, or choose another archive folder (--archive-dir or CITEWATCH_ARCHIVE_DIR) "
                "or another database (CITEWATCH_DATABASE_URL); if the file is damaged, restore it "
                "from a backup, or move it away to start afresh")
    return (f"cannot open the state database {engine.url!r} ({reason}): check that the server is "
            "running and that CITEWATCH_DATABASE_URL is right")
