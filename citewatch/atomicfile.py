"""Writing a file so that a reader never sees half of it: a temporary file beside it, renamed.

The file gets the mode an ordinary ``open()`` would give it: 0666 less the umask (0644 under the
usual umask 022), so a report on a shared volume is readable by the users the umask lets read it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path``, creating its folder; raises OSError."""
    path = Path(path)
    move_atomic(stage_text(path.parent, path.name, text), path)


def stage_text(folder: Path, name: str, text: str | Callable[[TextIO], None]) -> Path:
    """``text`` (UTF-8, ``\\n`` line ends) in a new temporary file of ``folder`` (created), named
    after ``name``; the caller moves it into place (:func:`move_atomic`) or removes it. ``text``
    may be a function that writes to the open file (a big text never held whole in memory)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            os.fchmod(handle.fileno(), _file_mode())  # mkstemp makes it 0600
            if callable(text):
                text(handle)
            else:
                handle.write(text)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def move_atomic(temp: Path, path: Path) -> None:
    """Rename ``temp`` to ``path`` (same file system), creating its folder; ``temp`` is removed on failure."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def copy_atomic(source: Path, path: Path) -> None:
    """Copy the file ``source`` to ``path`` the same way (a temporary file beside it, renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, temp)
        os.chmod(temp, _file_mode())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    move_atomic(Path(temp), path)


def _file_mode() -> int:
    return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (another thread could see 022 meanwhile)
    os.umask(mask)
    return mask
