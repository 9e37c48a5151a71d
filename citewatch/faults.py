"""What a failure deep inside a run means to the user, in one line: a full disk and a damaged state
database say so, and what to do, whichever layer met them first (a file write, SQLite through
SQLAlchemy, a library wrapping either)."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DAMAGED = ("malformed", "not a database", "corrupt")
AGAIN = "run `citewatch verify` again once this is fixed"
NEARLY_FULL = 1 << 20  # bytes free: SQLite needs room for its journal and shared memory beside the file


def disk_is_full(path: str | os.PathLike) -> bool:
    """True when the disk that holds ``path`` (or its nearest existing folder) has (almost) no room
    left: SQLite then often says only "disk I/O error"."""
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < NEARLY_FULL


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it was raised from or during, and the driver error SQLAlchemy wraps."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 50:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def explain(exc: BaseException, database: str) -> str | None:
    """One line for a full disk or a damaged state database (``database`` names it), else None."""
    for cause in causes(exc):
        if isinstance(cause, OSError) and cause.errno in DISK_FULL:
            where = f" (writing {cause.filename})" if cause.filename else ""
            return (f"no space left on the disk{where}: {cause.strerror or cause}; free some space, or "
                    f"choose folders on another disk (--archive-dir, --reports-dir); {AGAIN}")
        if isinstance(cause, sqlite3.DatabaseError):
            reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
            if "full" in reason.lower() or ("i/o error" in reason.lower() and disk_is_full(database)):
                return (f"no space left on the disk of the state database {database} ({reason}); free "
                        f"some space there, or choose another archive folder (--archive-dir); {AGAIN}")
            if any(word in reason.lower() for word in DAMAGED):
                return (f"the state database {database} is damaged ({reason}); restore it from a backup, "
                        f"or move it away to start afresh (the next run creates a new one); {AGAIN}")
    return None
