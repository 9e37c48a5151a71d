"""Where a registry's document may be, and reading it within bounds.

A registry arrives from anyone (a pull request, say), and ``document.text`` names a file that
``validate`` and ``verify`` read and check every claim against. Unchecked, that makes the registry
an oracle for any file on the machine (``../../../etc/passwd``, ``/root/.ssh/id_rsa``, a symlink
to either) and a way to hang or exhaust it (``/dev/zero``, a FIFO). So the document must be:

- given relative to the registry's folder (no absolute path);
- inside that folder once every ``..`` and symlink is resolved, or inside the folder named by
  ``CITEWATCH_DOCUMENT_ROOT`` (for a layout that keeps documents beside the registries' folder);
- a regular file (no device, FIFO, socket or folder), of at most :data:`MAX_DOCUMENT_BYTES`.

::

    text = read_document(Path("claims"), "nardaran-case.txt")   # -> str, or DocumentError / OSError
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from citewatch.errors import DocumentError

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # a long article is well under 1 MB
MAX_REGISTRY_BYTES = 512 * 1024 * 1024  # 100,000 claims with sources are about 40 MB
ROOT_VARIABLE = "CITEWATCH_DOCUMENT_ROOT"


def document_root() -> Path | None:
    """The wider folder ``CITEWATCH_DOCUMENT_ROOT`` allows documents in, if set."""
    chosen = os.environ.get(ROOT_VARIABLE, "").strip()
    return Path(chosen).expanduser() if chosen else None


def locate_document(folder: Path, relative: str) -> Path:
    """The document's real path (symlinks resolved), or :class:`DocumentError` saying why not."""
    if Path(relative).is_absolute():
        raise DocumentError(f"'{relative}' is an absolute path; give the document's path relative to the "
                            "registry's folder")
    target = (folder / relative).resolve()
    roots = [folder.resolve()] + ([root.resolve()] if (root := document_root()) else [])
    if not any(target.is_relative_to(root) for root in roots):
        where = " or ".join(str(root) for root in roots)
        raise DocumentError(f"'{relative}' leads to {target}, outside {where}; keep the document in the "
                            f"registry's folder (or set {ROOT_VARIABLE} to a folder that holds it)")
    return target


def read_document_bytes(folder: Path, relative: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The document's bytes. :class:`DocumentError` for a path or file that is refused; ``OSError``
    (``FileNotFoundError`` ...) when it cannot be read."""
    # O_NOFOLLOW: a symlink put in place since the path was resolved is refused
    return read_regular_file(locate_document(folder, relative), limit, f"'{relative}'", follow_symlink=False)


def read_regular_file(path: Path, limit: int, label: str | None = None, follow_symlink: bool = True) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes, else :class:`DocumentError`
    (``label`` names the file in its message); ``OSError`` when it cannot be read."""
    label = label or str(path)
    flags = os.O_RDONLY | os.O_NONBLOCK  # O_NONBLOCK: opening a FIFO does not wait for a writer
    if not follow_symlink:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"{label} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise DocumentError(f"{label} is {info.st_size:,} bytes, more than the limit of {limit:,}")
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew while being read
        raise DocumentError(f"{label} is more than the limit of {limit:,} bytes")
    return data


def read_document(folder: Path, relative: str, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The document's text, decoded as ``Path.read_text(encoding="utf-8")`` does (universal
    newlines); ``UnicodeDecodeError`` for bytes that are not UTF-8."""
    return as_text(read_document_bytes(folder, relative, limit))


def as_text(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"
