"""The local web archive: every fetch becomes WARC records (warcio, one gzip member per record),
indexed in the state database so that "the copy of URL closest to date D" is one query.

Layout (see docs/archive.md)::

    <archive_dir>/warcs/citewatch-<UTC time>-<pid>-<seq>.warc.gz   one file per process, rotated by size
    table archive_captures      one row per stored fetch: URL, time, file, offset, length, status, digest
    table archive_warc_files    the files and whether they were closed cleanly

What one ``store()`` writes, in one append:

* an HTTP answer: ``response`` (or ``revisit`` when the same payload is already archived for the
  same URL, or a 304 answered a conditional request), then the ``request``, then a ``metadata``
  record (JSON: redirect chain, attempts, liveness status);
* no HTTP answer (timeout, refused, guard): the ``metadata`` record alone.

With ``storage_url="s3://bucket/prefix"`` (``CITEWATCH_ARCHIVE_URL``) the WARC files are objects
in that bucket instead (:mod:`citewatch.objectstore`): one whole object per ``store()``, uploaded
before its index row is committed, and read back by ranged reads. The index stays in the database.

Crash safety: the bytes of a fetch are written, flushed and fsynced before its index row is
committed, so an index row always points at complete records. A file that was not closed cleanly
is repaired the next time an archive is opened on the folder: a partial gzip member at its tail is
cut off and index rows that point past its end are dropped. A file still held by a live writer
(an ``flock`` on it) is left alone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker
from sqlalchemy.sql.expression import ColumnElement
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

from citewatch import __version__
from citewatch.db import Base
from citewatch.digests import payload_digest  # noqa: F401 - also offered here, beside the captures
from citewatch.errors import ArchiveError
from citewatch.models import FetchResult, SourceStatus
from citewatch.objectstore import S3WarcStore

log = logging.getLogger(__name__)

WARC_SUBDIR = "warcs"
DEFAULT_MAX_FILE_BYTES = 1024**3  # the customary 1 GB per WARC file
ORIGINAL_HEADER_PREFIX = "X-Archive-Orig-"
# The body we get is already decoded and de-chunked; these headers would describe other bytes.
REWRITTEN_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"
READABLE_STATUSES = (SourceStatus.LIVE.value, SourceStatus.REDIRECTED.value)
DEDUP_CANDIDATES = 8  # earlier copies of the same payload looked at for one this archive can read


# --- index tables ------------------------------------------------------------------------


class CaptureRow(Base):
    __tablename__ = "archive_captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    final_url: Mapped[str] = mapped_column(Text, index=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC
    fetched_epoch: Mapped[float] = mapped_column(Float)  # portable "closest to" arithmetic
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(80))
    warc_file: Mapped[str] = mapped_column(String(512), index=True)  # relative to the archive dir
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    payload_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload_length: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    revisit_of: Mapped[int | None] = mapped_column(ForeignKey("archive_captures.id"), nullable=True)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_archive_captures_url_epoch", "url", "fetched_epoch"),
        Index("ix_archive_captures_final_digest", "final_url", "payload_digest"),
    )


class WarcFileRow(Base):
    __tablename__ = "archive_warc_files"

    path: Mapped[str] = mapped_column(String(512), primary_key=True)  # relative to the archive dir
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


# --- public value types ------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One stored fetch, as the index knows it."""

    id: int
    url: str
    final_url: str
    fetched_at: datetime  # UTC, aware
    record_type: str  # response | revisit | metadata
    record_id: str
    warc_file: str  # relative to the archive dir
    warc_path: Path
    offset: int
    length: int
    http_status: int | None
    status: str  # SourceStatus value at storing time
    payload_digest: str | None
    payload_length: int | None
    content_type: str | None
    revisit_of: int | None
    etag: str | None
    last_modified: str | None
    truncated: bool

    @property
    def is_revisit(self) -> bool:
        return self.record_type == "revisit"

    @property
    def has_payload(self) -> bool:
        """A copy whose text can be checked (what :meth:`WarcArchive.closest` returns)."""
        return _is_readable(self.http_status, self.revisit_of, self.status)


@dataclass(frozen=True)
class ArchivedRecord:
    """A WARC record read back: its headers and its payload (HTTP body, or the record block)."""

    rec_type: str
    warc_headers: list[tuple[str, str]]
    http_headers: StatusAndHeaders | None
    payload: bytes

    def warc_header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.warc_headers if k.lower() == name), None)


def _is_readable(http_status: int | None, revisit_of: int | None, status: str) -> bool:
    if status not in READABLE_STATUSES or http_status is None:
        return False
    return 200 <= http_status < 300 or (http_status == 304 and revisit_of is not None)


# --- small pure helpers ------------------------------------------------------------------


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def archived_http_headers(http_status: int, reason: str, headers: list[tuple[str, str]],
                          body_length: int) -> StatusAndHeaders:
    """The response headers as stored: the ones that described the encoded transfer are renamed
    ``X-Archive-Orig-*`` and a Content-Length that matches the stored (decoded) body is added."""
    kept = [
        (f"{ORIGINAL_HEADER_PREFIX}{name}" if name.lower() in REWRITTEN_HEADERS else name, value)
        for name, value in headers
    ]
    kept.append(("Content-Length", str(body_length)))
    statusline = f"{http_status} {reason or ''}".strip()
    return StatusAndHeaders(statusline, kept, protocol="HTTP/1.1")


def request_http_headers(url: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(headers)
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"GET {target} HTTP/1.1", headers, protocol="", is_http_request=True)


def fetch_metadata(result: FetchResult) -> bytes:
    """What the HTTP records cannot say: the redirect chain and how the fetch went."""
    info = {
        "software": f"citewatch/{__version__}",
        "requested_url": result.url,
        "final_url": result.final_url,
        "status": result.status.value,
        "http_status": result.http_status,
        "redirects": [{"url": url, "status": status} for url, status in result.redirects],
        "attempts": result.attempts,
        "elapsed": result.elapsed,
        "error": result.error,
        "not_modified": result.not_modified,
        "truncated": result.truncated,
        "encoding": result.encoding,
        "remote_ip": result.remote_ip,
    }
    return json.dumps(info, ensure_ascii=False, indent=1).encode("utf-8")


# warcio compresses at level 9: three times the CPU of level 6 for files about 2% smaller.
WARC_GZIP_LEVEL = 6


def serialize(record) -> bytes:
    """One WARC record as one gzip member.

    Compressed by zlib-ng (the same deflate format and level as zlib, members any gzip reader
    takes): 2.0 instead of 3.7 ms for a 157 KB page, files within 0.1 % of zlib's size. The
    archive's gzip is half of the CPU a run's own process spends on a page."""
    out = BytesIO()
    WARCWriter(out, gzip=False).write_record(record)
    compressor = zlib_ng.compressobj(WARC_GZIP_LEVEL, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
    return compressor.compress(out.getvalue()) + compressor.flush()


def complete_members_end(path: Path, start: int = 0) -> int:
    """The offset just past the last complete gzip member of ``path`` at or after ``start``.

    A member is complete when zlib reaches its end and its CRC and length trailer check out; a
    member cut by a crash never does.
    """
    end = start
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    consumed = start
    with open(path, "rb") as handle:
        handle.seek(start)
        while chunk := handle.read(1 << 20):
            while chunk:
                try:
                    decompressor.decompress(chunk, 0)
                except zlib.error:
                    return end
                if not decompressor.eof:
                    consumed += len(chunk)
                    break
                leftover = decompressor.unused_data
                consumed += len(chunk) - len(leftover)
                end = consumed
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                chunk = leftover
    return end


def missing_files_line(missing: list[str], named: int = 3) -> str:
    """One log line for the indexed WARC files this folder does not have (another worker's disk,
    object storage): one object per stored fetch would otherwise make thousands of lines."""
    listed = ", ".join(missing[:named]) + (f" and {len(missing) - named} more" if len(missing) > named else "")
    return f"{len(missing)} indexed WARC files are not in this folder ({listed}); their index rows are kept"


def warcinfo_record(name: str):
    """The record each WARC file (or object) starts with."""
    return WARCWriter(BytesIO(), gzip=True).create_warcinfo_record(name, {
        "software": f"citewatch/{__version__} (warcio)",
        "format": "WARC File Format 1.0",
        "description": "HTTP bodies are stored decoded; see X-Archive-Orig-* headers",
    })


# --- the archive -------------------------------------------------------------------------


class _OpenWarc:
    """The WARC file this process appends to, held under an exclusive ``flock``."""

    def __init__(self, path: Path, relative: str):
        self.path = path
        self.relative = relative
        # Unbuffered: after a failed write no hidden buffer can reach the file later.
        self.handle = open(path, "ab", buffering=0)
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.size = self.handle.tell()
        self.pid = os.getpid()
        self.broken = False
        self._sync_lock = threading.Lock()
        self._synced = self.size  # bytes known to be on disk
        self.closed = False

    def write(self, data: bytes) -> int:
        """Write ``data`` (callers take turns); return the offset it starts at."""
        offset = self.size
        try:
            view = memoryview(data)
            while view:
                view = view[self.handle.write(view):]
        except OSError as exc:
            self.broken = True  # recovery cuts whatever part of `data` reached the disk
            raise ArchiveError(f"cannot write to {self.path}: {exc} (is the disk full?)") from exc
        self.size += len(data)
        return offset

    def sync(self, upto: int | None = None) -> None:
        """fsync everything written so far, unless the first ``upto`` bytes already are. Needs no
        turn of its own: stores of other threads go on writing meanwhile, and a file closed in
        between was synced when it was closed. Stores that wait here while another one syncs are
        covered by that one fsync when it took in their bytes (a group commit)."""
        with self._sync_lock:
            if self.closed or (upto is not None and self._synced >= upto):
                return
            reached = self.size
            try:
                os.fsync(self.handle.fileno())
            except OSError as exc:
                self.broken = True
                raise ArchiveError(f"cannot write to {self.path}: {exc} (is the disk full?)") from exc
            self._synced = max(self._synced, reached)

    def append(self, data: bytes) -> int:
        """Write and fsync ``data``; return the offset it starts at."""
        offset = self.write(data)
        self.sync()
        return offset

    def close(self) -> None:
        with self._sync_lock:
            if not self.closed and not self.broken:
                try:
                    os.fsync(self.handle.fileno())
                except OSError:
                    pass  # the next open repairs its tail
            self.closed = True
            self.handle.close()  # also drops the flock


class WarcArchive:
    """The local WARC archive of one folder, indexed in the state database.

    Thread-safe: stores from several threads go one at a time into this process's WARC file.
    """

    def __init__(self, archive_dir: Path, sessionmaker: sessionmaker, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                 recover: bool = True, storage_url: str | None = None):
        self.archive_dir = Path(archive_dir)
        # The WARC files: in the folder's warcs/ (default), or objects of an s3:// bucket/prefix.
        self._objects = S3WarcStore(storage_url) if storage_url else None
        self._sessions = sessionmaker
        self._engine = sessionmaker.kw["bind"]  # stores use a plain connection: no ORM session
        self._index = _IndexWriter(self._engine)
        self.max_file_bytes = max_file_bytes
        self._lock = threading.Lock()
        self._current: _OpenWarc | None = None
        self._sequence = 0
        if recover:
            self.recover()

    # -- writing --------------------------------------------------------------------------

    def store(self, result: FetchResult, confirmed: Capture | None = None, dedup: bool = True) -> Capture:
        """Archive one fetch and index it. Returns the index entry of its main record.

        ``confirmed`` is the copy whose validators the request sent: a 304 then revisits it
        without looking it up again (by default the newest readable copy of the URL), and so
        does a 200 with its very bytes when this archive holds it. With
        ``dedup=False`` the payload is stored even when a copy of the same bytes is indexed (that
        copy could not be read).

        The index is read and written with plain SQL statements (SQLAlchemy Core), not ORM
        objects: a store is one lookup and one insert, and thousands of them make a run."""
        connection = _LazyConnection(self._engine.connect)
        try:
            plan, original = self._plan(connection, result, confirmed, dedup)
        finally:
            connection.close()
        records = self._records(result, plan, original)
        blobs = [serialize(record) for record in records]  # compressing outside the lock
        file_row = None
        if self._objects is not None:
            # One whole object per store, PUT (all or nothing) before the index row is committed.
            warc_file, offset, file_row = self._put_object(self._objects, blobs)
        else:
            with self._lock:  # only the write takes turns: many threads store at once
                warc = self._writable(sum(map(len, blobs)))
                data = b"".join(blobs)
                offset = warc.write(data)
            warc.sync(upto=offset + len(data))  # the bytes are on disk before the index row that points at them
            warc_file = warc.relative
        fields = dict(
            url=result.url,
            final_url=result.final_url,
            fetched_at=as_utc(result.fetched_at).replace(tzinfo=None),
            fetched_epoch=as_utc(result.fetched_at).timestamp(),
            record_type=records[0].rec_type,
            record_id=records[0].rec_headers.get_header("WARC-Record-ID"),
            warc_file=warc_file,
            offset=offset,
            length=len(blobs[0]),
            **plan,
        )
        capture_id = self._index.insert(fields, file_row)  # committed with the rows of concurrent stores
        return self._capture(_Row(id=capture_id, **fields))

    def _plan(self, session, result: FetchResult, confirmed: Capture | None = None,
              dedup: bool = True) -> tuple[dict, "_Row | None"]:
        """The index fields of a fetch, and the earlier capture it revisits (if any)."""
        plan = dict(
            http_status=result.http_status,
            status=result.status.value,
            payload_digest=None,
            payload_length=None,
            content_type=result.content_type or result.header("Content-Type"),
            revisit_of=None,
            etag=result.header("ETag"),
            last_modified=result.header("Last-Modified"),
            truncated=result.truncated,
        )
        if result.http_status is None:
            return plan, None
        if result.not_modified or result.http_status == 304:
            original: _Row | None
            if confirmed is None:
                original = _first_row(session, _NEWEST_READABLE_ROW, url=result.url)
            elif confirmed.revisit_of is None:
                original = _row_of(confirmed)  # the copy with the payload, known already
            else:
                original = _row_by_id(session, confirmed.revisit_of)
            while original is not None and original.revisit_of is not None:  # refer to the stored payload
                original = _row_by_id(session, original.revisit_of)
            if original is not None:
                plan.update(revisit_of=original.id, payload_digest=original.payload_digest,
                            payload_length=original.payload_length, content_type=original.content_type,
                            etag=plan["etag"] or original.etag,
                            last_modified=plan["last_modified"] or original.last_modified)
            return plan, original
        digest = result.payload_digest()
        plan.update(payload_digest=digest, payload_length=len(result.body))
        if result.body and dedup:
            # Only a copy this archive can read may stand in for the payload (another worker's
            # file may be on a disk this one never sees): else the payload is stored again.
            if (confirmed is not None and confirmed.record_type == "response" and confirmed.payload_digest == digest
                    and confirmed.final_url == result.final_url
                    and self._holds(confirmed.warc_file, confirmed.offset, confirmed.length)):
                plan["revisit_of"] = confirmed.id  # the bytes of the copy the request knew: no lookup
                return plan, _row_of(confirmed)
            candidates = session.execute(_DEDUP_CANDIDATES, {"final_url": result.final_url, "digest": digest})
            original = next((_Row(**row._mapping) for row in candidates
                             if self._holds(row.warc_file, row.offset, row.length)), None)
            if original is not None:
                plan["revisit_of"] = original.id
            return plan, original
        return plan, None

    def _records(self, result: FetchResult, plan: dict, original: "_Row | None") -> list:
        """The WARC records of one fetch; the first one is the record the index points at."""
        writer = WARCWriter(BytesIO(), gzip=True)
        date = datetime_to_iso_date(as_utc(result.fetched_at).replace(tzinfo=None))
        records = []
        if result.http_status is not None:
            main = self._http_record(writer, result, result.http_status, plan, original, date)
            request = writer.create_warc_record(
                result.final_url, "request",
                http_headers=request_http_headers(result.final_url, result.request_headers),
                warc_headers_dict={"WARC-Date": date,
                                   "WARC-Concurrent-To": main.rec_headers.get_header("WARC-Record-ID")},
            )
            records += [main, request]
        metadata_headers = {"WARC-Date": date, "Content-Type": "application/json"}
        if records:
            metadata_headers["WARC-Concurrent-To"] = records[0].rec_headers.get_header("WARC-Record-ID")
        body = fetch_metadata(result)
        records.append(writer.create_warc_record(
            result.url, "metadata", payload=BytesIO(body), length=len(body),
            warc_content_type="application/json", warc_headers_dict=metadata_headers,
        ))
        return records

    def _http_record(self, writer: WARCWriter, result: FetchResult, http_status: int, plan: dict,
                     original: "_Row | None", date: str):
        body = result.body if plan["revisit_of"] is None else b""
        http_headers = archived_http_headers(http_status, result.reason, result.headers,
                                             plan["payload_length"] or len(result.body))
        warc_headers = {"WARC-Date": date}
        if result.remote_ip:
            warc_headers["WARC-IP-Address"] = result.remote_ip
        if result.truncated:
            warc_headers["WARC-Truncated"] = "length"
        if plan["revisit_of"] is None:
            if result.http_status == 304:
                http_headers.replace_header("Content-Length", "0")
            # the plan's digest is of these very bytes (a 304 without a copy to refer to has none)
            warc_headers["WARC-Payload-Digest"] = plan["payload_digest"] or payload_digest(body)
            return writer.create_warc_record(result.final_url, "response", payload=BytesIO(body),
                                             length=len(body), http_headers=http_headers,
                                             warc_headers_dict=warc_headers)
        if original is None:  # _plan sets revisit_of only together with the capture it refers to
            raise ArchiveError(f"the revisit of {result.final_url} has no capture to refer to")
        record = writer.create_revisit_record(
            result.final_url, plan["payload_digest"], original.final_url,
            datetime_to_iso_date(original.fetched_at), http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        record.rec_headers.add_header("WARC-Refers-To", original.record_id)
        if result.http_status == 304:
            record.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
        return record

    def _writable(self, incoming: int) -> _OpenWarc:
        current = self._current
        if current is not None and current.pid != os.getpid():
            self._current = current = None  # a forked child never appends to its parent's file
        if current is not None and current.broken:
            current.close()  # left unclosed in the index: the next open repairs its tail
            self._current = current = None
        if current is not None and current.size + incoming > self.max_file_bytes:
            self._close_current()
            current = None
        if current is None:
            current = self._current = self._open_new_file()
        return current

    def _open_new_file(self) -> _OpenWarc:
        folder = self.archive_dir / WARC_SUBDIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create the archive folder {folder}: {exc}; "
                               "set CITEWATCH_ARCHIVE_DIR or --archive-dir to a writable folder") from exc
        now = datetime.now(timezone.utc)
        self._sequence += 1
        name = f"citewatch-{now:%Y%m%d%H%M%S%f}-{os.getpid()}-{self._sequence:05d}.warc.gz"
        relative = f"{WARC_SUBDIR}/{name}"
        with self._sessions() as session:
            session.add(WarcFileRow(path=relative, created_at=now.replace(tzinfo=None)))
            session.commit()
        warc = _OpenWarc(folder / name, relative)
        _fsync_dir(folder)
        warc.append(serialize(warcinfo_record(name)))
        return warc

    def _next_file_name(self, now: datetime, unique: str = "") -> str:
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        return f"citewatch-{now:%Y%m%d%H%M%S%f}-{os.getpid()}-{sequence:05d}{unique}.warc.gz"

    def _put_object(self, objects: S3WarcStore, blobs: list[bytes]) -> tuple[str, int, dict]:
        """Store the records of one fetch as a WARC object of their own; returns its name, the
        offset of the first record and the file row to index with the capture."""
        now = datetime.now(timezone.utc)
        # the random part keeps names apart across machines whose process ids coincide
        name = self._next_file_name(now, f"-{uuid.uuid4().hex[:12]}")
        relative = f"{WARC_SUBDIR}/{name}"
        info = serialize(warcinfo_record(name))
        data = info + b"".join(blobs)
        objects.put(relative, data)
        naive = now.replace(tzinfo=None)
        return relative, len(info), dict(path=relative, created_at=naive, closed_at=naive, size=len(data))

    def _close_current(self) -> None:
        if self._current is None:
            return
        warc, self._current = self._current, None
        warc.close()
        with self._sessions() as session:
            row = session.get(WarcFileRow, warc.relative)
            if row is not None:
                row.closed_at = datetime.now(timezone.utc).replace(tzinfo=None)
                row.size = warc.size
                session.commit()

    def close(self) -> None:
        """Close this process's WARC file cleanly (the next open need not check its tail)."""
        with self._lock:
            self._close_current()

    def __enter__(self) -> "WarcArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- crash recovery -------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Repair files left open by a writer that died; returns what was done, in words."""
        done: list[str] = []
        if self._objects is not None:
            return done  # objects are whole or absent: nothing is ever left half-written
        with self._sessions() as session:
            open_files = session.scalars(select(WarcFileRow).where(WarcFileRow.closed_at.is_(None))).all()
        for file_row in open_files:
            if self._current is not None and file_row.path == self._current.relative:
                continue
            done += self._recover_file(file_row.path)
        done += self._drop_rows_past_file_ends()
        for line in done:
            log.warning("archive recovery: %s", line)
        return done

    def _recover_file(self, relative: str) -> list[str]:
        path = self.archive_dir / relative
        if not path.exists():
            return []  # never created, or not on this machine's disk: nothing to repair here
        with open(path, "r+b") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return []  # a live writer holds it
            size = os.fstat(handle.fileno()).st_size
            with self._sessions() as session:
                ends = [offset + length for offset, length in session.execute(
                    select(CaptureRow.offset, CaptureRow.length).where(CaptureRow.warc_file == relative))]
                start = max((end for end in ends if end <= size), default=0)
                valid_end = complete_members_end(path, start)
                done = []
                if valid_end < size:
                    handle.truncate(valid_end)
                    os.fsync(handle.fileno())
                    done.append(f"{relative}: cut a partial record at its end ({size - valid_end} bytes)")
                dropped = _drop_rows(session, (CaptureRow.warc_file == relative)
                                     & (CaptureRow.offset + CaptureRow.length > valid_end))
                if dropped:
                    done.append(f"{relative}: dropped {dropped} index rows past the end of the file")
                file_row = session.get(WarcFileRow, relative)
                if valid_end == 0 and not session.scalar(
                        select(CaptureRow.id).where(CaptureRow.warc_file == relative).limit(1)):
                    path.unlink()
                    session.delete(file_row)
                    done.append(f"{relative}: removed (no complete record)")
                else:
                    file_row.closed_at = datetime.now(timezone.utc).replace(tzinfo=None)
                    file_row.size = valid_end
                session.commit()
        return done

    def _drop_rows_past_file_ends(self) -> list[str]:
        """Closed files can be cut too (by hand, by a restore): rows past their end go."""
        done, missing = [], []
        with self._sessions() as session:
            ends = session.execute(
                select(CaptureRow.warc_file, func.max(CaptureRow.offset + CaptureRow.length))
                .group_by(CaptureRow.warc_file)).all()
            for relative, end in ends:
                path = self.archive_dir / relative
                if not path.exists():
                    missing.append(relative)
                    continue
                size = path.stat().st_size
                if end > size:
                    dropped = _drop_rows(session, (CaptureRow.warc_file == relative)
                                         & (CaptureRow.offset + CaptureRow.length > size))
                    done.append(f"{relative}: dropped {dropped} index rows past the end of the file")
            session.commit()
        if missing:
            done.append(missing_files_line(missing))
        return done

    # -- reading --------------------------------------------------------------------------

    def captures(self, url: str) -> list[Capture]:
        """Every stored fetch of ``url`` (requested or final URL), oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(CaptureRow).where(_matches(url)).order_by(CaptureRow.fetched_epoch, CaptureRow.id)
            ).all()
        return [self._capture(row) for row in rows]

    def latest(self, url: str) -> Capture | None:
        """The last stored fetch of ``url``, whatever its outcome."""
        with self._sessions() as session:
            row = session.scalars(
                select(CaptureRow).where(_matches(url))
                .order_by(CaptureRow.fetched_epoch.desc(), CaptureRow.id.desc()).limit(1)
            ).first()
        return None if row is None else self._capture(row)

    def closest(self, url: str, when: datetime | None = None, before: bool = False) -> Capture | None:
        """The readable copy of ``url`` (2xx, or a 304 that confirmed an earlier copy) closest to
        ``when`` (default: the newest); with ``before``, the newest one at or before ``when``."""
        query = select(CaptureRow).where(_matches(url), _readable_clause())
        if when is None:
            query = query.order_by(CaptureRow.fetched_epoch.desc())
        else:
            epoch = as_utc(when).timestamp()
            if before:
                query = query.where(CaptureRow.fetched_epoch <= epoch).order_by(CaptureRow.fetched_epoch.desc())
            else:
                distance = CaptureRow.fetched_epoch - epoch
                query = query.order_by((distance * distance).asc())
        with self._sessions() as session:
            row = session.scalars(query.order_by(CaptureRow.id.desc()).limit(1)).first()
        return None if row is None else self._capture(row)

    def newest_readable(self, urls: list[str], chunk: int = 400) -> dict[str, Capture]:
        """``closest(url)`` for many URLs at once: a few queries instead of one per URL.

        A URL matches a row by its requested or its final URL, so the newest row of each URL is
        the newer of two window-ranked candidates (one per column)."""
        wanted = list(dict.fromkeys(urls))
        rows: dict[int, CaptureRow] = {}
        with self._sessions() as session:
            for start in range(0, len(wanted), chunk):
                part = wanted[start:start + chunk]
                for column in (CaptureRow.url, CaptureRow.final_url):
                    rows.update((row.id, row) for row in session.scalars(_newest_per(column, part)))
        best: dict[str, CaptureRow] = {}
        for row in rows.values():
            for url in {row.url, row.final_url}:
                known = best.get(url)
                if known is None or (row.fetched_epoch, row.id) > (known.fetched_epoch, known.id):
                    best[url] = row
        return {url: self._capture(best[url]) for url in wanted if url in best}

    def validators(self, url: str) -> tuple[str | None, str | None] | None:
        """``(etag, last_modified)`` of the newest readable copy, for a conditional request."""
        return validators_of(self.closest(url))

    def originals(self, captures: Iterable[Capture]) -> dict[int, Capture]:
        """The copies the revisits among ``captures`` refer to, by id (one query)."""
        wanted = {c.revisit_of for c in captures if c.revisit_of is not None}
        if not wanted:
            return {}
        with self._sessions() as session:
            return {row.id: self._capture(row) for row in session.scalars(
                select(CaptureRow).where(CaptureRow.id.in_(wanted)))}

    def held(self, captures: Iterable[Capture], originals: dict[int, Capture] | None = None) -> set[int]:
        """The ids of the captures whose payload this archive can read: the record's bytes (or
        those of the copy a revisit refers to) are in a file of this archive folder. Another
        worker's file on a disk this one does not share is not; a damaged one shows on reading.
        ``originals``: :meth:`originals` of ``captures``, when the caller has them."""
        captures = list(captures)
        if originals is None:
            originals = self.originals(captures)
        wheres = [capture if capture.revisit_of is None else originals.get(capture.revisit_of)
                  for capture in captures]
        if self._objects is not None:
            self._objects.learn_sizes(where.warc_file for where in wheres if where is not None)
        held = set()
        for capture, where in zip(captures, wheres):
            if where is not None and self._holds(where.warc_file, where.offset, where.length):
                held.add(capture.id)
        return held

    def _holds(self, warc_file: str, offset: int, length: int) -> bool:
        if self._objects is not None:
            size = self._objects.size(warc_file)
            return size is not None and size >= offset + length
        try:
            return (self.archive_dir / warc_file).stat().st_size >= offset + length
        except OSError:
            return False

    def read_record(self, capture: Capture) -> ArchivedRecord:
        """The WARC record a capture points at, read with warcio."""
        if self._objects is not None:
            data = self._objects.read(capture.warc_file, capture.offset, capture.length)
        else:
            data = self._read_local(capture)
        if len(data) != capture.length:
            raise ArchiveError(f"{capture.warc_file} ends before the record at offset {capture.offset}")
        try:
            record = next(iter(ArchiveIterator(BytesIO(data))))
            payload = record.content_stream().read()
        except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on damaged data
            raise ArchiveError(f"damaged record in {capture.warc_file} at offset {capture.offset}: {exc}") from exc
        return ArchivedRecord(record.rec_type, list(record.rec_headers.headers), record.http_headers, payload)

    def _read_local(self, capture: Capture) -> bytes:
        try:
            with open(capture.warc_path, "rb") as handle:
                handle.seek(capture.offset)
                return handle.read(capture.length)
        except OSError as exc:
            raise ArchiveError(f"cannot read {capture.warc_path}: {exc}") from exc

    def read_payload(self, capture: Capture) -> bytes:
        """The archived body as fetched (decoded); a revisit is followed to its original."""
        seen = set()
        while capture.revisit_of is not None:
            if capture.id in seen:
                raise ArchiveError(f"revisit loop at capture {capture.id}")
            seen.add(capture.id)
            original = self.capture(capture.revisit_of)
            if original is None:
                raise ArchiveError(f"capture {capture.id} refers to a missing capture {capture.revisit_of}")
            capture = original
        record = self.read_record(capture)
        if record.rec_type != "response":
            raise ArchiveError(f"capture {capture.id} of {capture.url} has no payload ({record.rec_type} record)")
        if capture.payload_digest and payload_digest(record.payload) != capture.payload_digest:
            raise ArchiveError(f"payload of capture {capture.id} does not match its digest")
        return record.payload

    def capture(self, capture_id: int) -> Capture | None:
        with self._sessions() as session:
            row = session.get(CaptureRow, capture_id)
        return None if row is None else self._capture(row)

    def capture_at(self, warc_file: str, offset: int) -> Capture | None:
        """The capture whose record starts at ``offset`` of ``warc_file`` (a report's ``archive``)."""
        with self._sessions() as session:
            row = session.scalars(select(CaptureRow).where(CaptureRow.warc_file == warc_file,
                                                           CaptureRow.offset == offset)).first()
        return None if row is None else self._capture(row)

    def _capture(self, row: "CaptureRow | _Row") -> Capture:
        return Capture(
            id=row.id, url=row.url, final_url=row.final_url,
            fetched_at=row.fetched_at.replace(tzinfo=timezone.utc), record_type=row.record_type,
            record_id=row.record_id, warc_file=row.warc_file, warc_path=self.archive_dir / row.warc_file,
            offset=row.offset, length=row.length, http_status=row.http_status, status=row.status,
            payload_digest=row.payload_digest, payload_length=row.payload_length,
            content_type=row.content_type, revisit_of=row.revisit_of, etag=row.etag,
            last_modified=row.last_modified, truncated=bool(row.truncated),
        )


class _LazyConnection:
    """A connection of the state database opened on its first statement: most stores (a 304 of a
    copy the batch looked up already, a new payload without an earlier copy) need none."""

    def __init__(self, connect):
        self._connect = connect
        self._connection = None

    def execute(self, statement, parameters=None):
        if self._connection is None:
            self._connection = self._connect()
        return self._connection.execute(statement, parameters)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _PendingRow:
    """One store's index row waiting for its group's commit."""

    __slots__ = ("fields", "file_row", "done", "lead", "id", "error")

    def __init__(self, fields: dict, file_row: dict | None):
        self.fields, self.file_row = fields, file_row
        self.done = threading.Event()
        self.lead = False  # woken to write the next group rather than because its row is in
        self.id: int | None = None
        self.error: BaseException | None = None


class _IndexWriter:
    """Index rows of stores made at the same time, inserted in one transaction (a group commit).

    A store hands its row over and waits for it to be committed. If no group is being written,
    its own thread writes one: every row handed over until then, in one ``executemany`` and one
    commit, instead of a connection, an insert and a commit per store. The rows that came in
    meanwhile form the next group, which the first of them writes. A group that fails is written
    again row by row, so only the stores whose own row cannot be written fail. The WARC bytes of
    every row are on disk before it is handed over, as before."""

    def __init__(self, engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._pending: list[_PendingRow] = []
        self._writing = False
        dialect = engine.dialect
        self._returning = bool(getattr(dialect, "insert_executemany_returning_sort_by_parameter_order", False))
        self.groups = 0  # transactions written (for tests and benchmarks)

    def insert(self, fields: dict, file_row: dict | None = None) -> int:
        mine = _PendingRow(fields, file_row)
        with self._lock:
            self._pending.append(mine)
            lead = not self._writing
            self._writing = True
        if not lead:
            mine.done.wait()
            if not mine.lead:
                return self._outcome(mine)
        with self._lock:  # this thread writes a group: the rows handed over so far, its own among them
            group, self._pending = self._pending, []
        try:
            self._write(group)
        finally:
            with self._lock:
                successor = self._pending[0] if self._pending else None
                if successor is None:
                    self._writing = False
                else:
                    successor.lead = True  # the rows that came in meanwhile: the first one's thread writes them
            if successor is not None:
                successor.done.set()
        return self._outcome(mine)

    @staticmethod
    def _outcome(row: _PendingRow) -> int:
        if row.error is not None:
            raise row.error
        if row.id is None:  # _write gives every row an id or an error: this is never reached
            raise ArchiveError("the index row was not written")
        return row.id

    def _write(self, group: list[_PendingRow]) -> None:
        try:
            try:
                ids = self._insert(group)
            except Exception:  # noqa: BLE001 - one bad row must not fail the others: one at a time
                ids = None
            for position, row in enumerate(group):
                if ids is not None:
                    row.id = ids[position]
                else:
                    try:
                        row.id = self._insert([row])[0]
                    except Exception as exc:  # noqa: BLE001 - handed to the store that made the row
                        row.error = exc
        finally:
            for row in group:  # no store waits for ever, whatever happened here
                if row.id is None and row.error is None:
                    row.error = ArchiveError("the index row was not written (the writing thread stopped)")
                row.lead = False
                row.done.set()

    def _insert(self, group: list[_PendingRow]) -> list[int]:
        self.groups += 1
        with self._engine.connect() as connection:
            file_rows = [row.file_row for row in group if row.file_row is not None]
            if file_rows:
                connection.execute(_INSERT_FILE_ROW, file_rows)
            if len(group) > 1 and self._returning:
                ids = [found.id for found in connection.execute(
                    _INSERT_ROWS_RETURNING, [row.fields for row in group])]
            else:
                ids = [connection.execute(_INSERT_ROW, row.fields).inserted_primary_key[0] for row in group]
            connection.commit()
        return ids


class _Row(SimpleNamespace):
    """An index row as plain attributes (what a Core statement returned or inserted): the columns
    of ``CaptureRow``, with ``fetched_at`` naive UTC."""


def _first_row(session, statement, **parameters) -> _Row | None:
    found = session.execute(statement, parameters).first()
    return None if found is None else _Row(**found._mapping)


def _row_by_id(session, capture_id: int) -> _Row | None:
    return _first_row(session, _ROW_BY_ID, id=capture_id)


def _row_of(capture: Capture) -> _Row:
    """A capture as the index row it came from (naive UTC time, as stored)."""
    fields = {name: getattr(capture, name) for name in Capture.__dataclass_fields__ if name != "warc_path"}
    return _Row(**{**fields, "fetched_at": capture.fetched_at.replace(tzinfo=None)})


def _drop_rows(session, condition) -> int:
    """Delete the rows matching ``condition`` and the revisits that need their payload."""
    doomed = set(session.scalars(select(CaptureRow.id).where(condition)))
    frontier = set(doomed)
    while frontier:
        frontier = set(session.scalars(select(CaptureRow.id).where(CaptureRow.revisit_of.in_(frontier)))) - doomed
        doomed |= frontier
    if doomed:
        # children first, for the foreign key
        for capture_id in sorted(doomed, reverse=True):
            session.execute(delete(CaptureRow).where(CaptureRow.id == capture_id))
    return len(doomed)


def validators_of(capture: Capture | None) -> tuple[str | None, str | None] | None:
    if capture is None or (capture.etag is None and capture.last_modified is None):
        return None
    return capture.etag, capture.last_modified


def _newest_per(column, urls: list[str]):
    """The newest readable row for each value of ``column`` among ``urls``."""
    rank = func.row_number().over(partition_by=column,
                                  order_by=(CaptureRow.fetched_epoch.desc(), CaptureRow.id.desc()))
    ranked = select(CaptureRow.id, rank.label("rank")).where(column.in_(urls), _readable_clause()).subquery()
    return select(CaptureRow).where(CaptureRow.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))


def _matches(url: str | ColumnElement[Any]):
    return or_(CaptureRow.url == url, CaptureRow.final_url == url)


def _readable_clause():
    ok = (CaptureRow.http_status >= 200) & (CaptureRow.http_status < 300)
    confirmed = (CaptureRow.http_status == 304) & CaptureRow.revisit_of.is_not(None)
    return CaptureRow.status.in_(READABLE_STATUSES) & (ok | confirmed)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The statements of a store, built once (building a statement costs more than running it).
_CAPTURES = Base.metadata.tables[CaptureRow.__tablename__]
_ROW_COLUMNS = tuple(_CAPTURES.columns)
_INSERT_ROW = insert(_CAPTURES)
_INSERT_ROWS_RETURNING = insert(_CAPTURES).returning(_CAPTURES.c.id, sort_by_parameter_order=True)
_INSERT_FILE_ROW = insert(Base.metadata.tables[WarcFileRow.__tablename__])
_ROW_BY_ID = select(*_ROW_COLUMNS).where(CaptureRow.id == bindparam("id"))
_NEWEST_READABLE_ROW = (select(*_ROW_COLUMNS).where(_matches(bindparam("url")), _readable_clause())
                        .order_by(CaptureRow.fetched_epoch.desc()).limit(1))
_DEDUP_CANDIDATES = (select(*_ROW_COLUMNS)
                     .where(CaptureRow.final_url == bindparam("final_url"),
                            CaptureRow.payload_digest == bindparam("digest"),
                            CaptureRow.record_type == "response")
                     .order_by(CaptureRow.fetched_epoch).limit(DEDUP_CANDIDATES))
