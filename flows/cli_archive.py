"""``citewatch archive list|show``: look inside the local WARC archive.

Only argument parsing and printing; the work is in :mod:`citewatch.archive`. These commands only
read: a file left torn by a crashed run is repaired by the next run, not here.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

import typer

from citewatch.config import load_settings
from citewatch.counting import counted
from citewatch.errors import CitewatchError
from flows.terminal import printable

if TYPE_CHECKING:  # the archive module (SQLAlchemy, warcio) loads only when a command needs it
    from citewatch.archive import Capture, WarcArchive

LIST_EXAMPLE = """Example:

  citewatch archive list http://www.forum18.org/archive.php?article_id=2173
"""

SHOW_EXAMPLES = """Examples:

  citewatch archive show http://www.forum18.org/archive.php?article_id=2173 -o page.html

  citewatch archive show http://www.forum18.org/archive.php?article_id=2173 --at 2026-01-01 -o page.html

  citewatch archive show http://www.forum18.org/archive.php?article_id=2173 --id 4 > page.html
"""

ARCHIVE_EXAMPLES = """Examples:

  citewatch archive list http://www.forum18.org/archive.php?article_id=2173

  citewatch archive show http://www.forum18.org/archive.php?article_id=2173 -o page.html
"""

archive_app = typer.Typer(help="Look inside the local WARC archive.", no_args_is_help=True,
                          epilog=ARCHIVE_EXAMPLES)

ARCHIVE_DIR_OPTION = typer.Option(None, "--archive-dir", metavar="DIR",
                                  help="The archive folder (default: CITEWATCH_ARCHIVE_DIR or ./archive).")


def _fail(message: str) -> NoReturn:
    print(printable(f"error: {message}"), file=sys.stderr)
    raise typer.Exit(2)


def _open(archive_dir: Optional[Path]) -> WarcArchive:
    from citewatch.archive import WarcArchive
    from citewatch.db import open_database

    settings = load_settings(archive_dir=archive_dir)
    folder = Path(settings.archive_dir)
    if not folder.is_dir():
        _fail(f"no archive at {folder.resolve()}: run `citewatch verify` first, or give --archive-dir")
    database = settings.effective_database_url
    if database.startswith("sqlite:///") and not Path(database.removeprefix("sqlite:///")).exists():
        _fail(f"{folder} has no archive index ({database.removeprefix('sqlite:///')}); "
              "is this the folder given to `citewatch verify --archive-dir`?")
    try:
        _, sessions = open_database(database)
    except CitewatchError as exc:
        _fail(str(exc))
    return WarcArchive(folder, sessions, recover=False, storage_url=settings.archive_url)


def _when(capture: Capture) -> str:
    return capture.fetched_at.strftime("%Y-%m-%d %H:%M:%SZ")


def describe(capture: Capture, by_id: dict[int, Capture]) -> str:
    """One line of ``archive list``."""
    status = str(capture.http_status) if capture.http_status is not None else "-"
    where = f"{capture.warc_file}:{capture.offset}"
    line = (f"#{capture.id:<5} {_when(capture)}  {status:>3}  {capture.status:<17} "
            f"{capture.payload_digest or '-':<37} {where}  {capture.record_type}")
    if capture.revisit_of is not None:
        original = by_id.get(capture.revisit_of)
        line += f" of #{capture.revisit_of}" + (f" ({_when(original)})" if original else "")
    if capture.final_url != capture.url:
        line += f"  {capture.url} -> {capture.final_url}"
    return line


@archive_app.command("list", epilog=LIST_EXAMPLE)
def list_captures(url: str = typer.Argument(..., help="The URL (as requested, or where it redirected)."),
                  archive_dir: Optional[Path] = ARCHIVE_DIR_OPTION) -> None:
    """Print every stored fetch of URL: time, HTTP status, source status, digest, WARC file:offset, record type.

    A revisit names the capture that holds its payload; use the #id with `archive show --id`.
    """
    archive = _open(archive_dir)
    captures = archive.captures(url)
    if not captures:
        _fail(f"nothing archived for {url} in {archive.archive_dir}")
    by_id = {c.id: c for c in captures}
    for capture in captures:
        print(printable(describe(capture, by_id)))


def _parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        _fail(f"--at {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@archive_app.command("show", epilog=SHOW_EXAMPLES)
def show_capture(url: str = typer.Argument(..., help="The URL (as requested, or where it redirected)."),
                 at: Optional[str] = typer.Option(None, "--at", metavar="DATE",
                                                  help="The copy closest to this date (default: the newest)."),
                 capture_id: Optional[int] = typer.Option(None, "--id", help="This capture (the # of `archive list`)."),
                 output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE",
                                                       help="Write the bytes here instead of stdout."),
                 archive_dir: Optional[Path] = ARCHIVE_DIR_OPTION) -> None:
    """Write an archived copy of URL back out as the original bytes (the body as fetched)."""
    archive = _open(archive_dir)
    if capture_id is not None:
        capture = archive.capture(capture_id)
        if capture is None or url not in (capture.url, capture.final_url):
            _fail(f"capture #{capture_id} is not a capture of {url}; see `citewatch archive list {url}`")
        if not capture.has_payload:
            _fail(f"capture #{capture_id} has no readable payload ({capture.status}, "
                  f"HTTP {capture.http_status or '-'})")
    else:
        capture = archive.closest(url, _parse_moment(at) if at else None)
    if capture is None:
        count = len(archive.captures(url))
        _fail(f"no readable copy of {url} in {archive.archive_dir}"
              + (f" ({counted(count, 'capture')}, none a 2xx page; see `citewatch archive list {url}`)"
                 if count else ""))
    try:
        payload = archive.read_payload(capture)
    except CitewatchError as exc:
        _fail(str(exc))
    if output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        try:
            output.write_bytes(payload)
        except OSError as exc:
            _fail(f"cannot write {output}: {exc}")
        print(f"{output}: {len(payload)} bytes, {capture.content_type or 'unknown type'}, "
              f"captured {_when(capture)} (#{capture.id})", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.add_typer(archive_app, name="archive")
