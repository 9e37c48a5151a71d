"""WARC files in S3-compatible object storage (``CITEWATCH_ARCHIVE_URL=s3://bucket/prefix``), so
that workers on different machines share one archive without a shared disk.

Objects cannot be appended to, so each ``store()`` of the archive becomes one small WARC object of
its own (a ``warcinfo`` record, then the records of the fetch, each its own gzip member). A PUT is
all or nothing: the object is either there complete or not at all, and the archive commits the
index row only after the PUT has returned. Records are read back with a ranged GET of
``(offset, length)``.

Credentials, region and endpoint come from boto3's usual sources (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` for MinIO, Ceph, R2, ...).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from citewatch.errors import ArchiveError

SCHEMES = ("s3",)


def is_object_store_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in SCHEMES


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")`` (the prefix may be empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ArchiveError(f"CITEWATCH_ARCHIVE_URL={url!r} is not an s3://bucket/prefix URL; "
                           "fix it, or unset it to keep the archive in the local folder")
    return parts.netloc, parts.path.strip("/")


class S3WarcStore:
    """Whole WARC objects in one bucket under one prefix: put once, read by byte range."""

    def __init__(self, url: str, client=None):
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self._client = client
        self._client_lock = threading.Lock()
        self._known_sizes: dict[str, int] = {}  # objects never change once written

    @property
    def client(self):
        with self._client_lock:
            if self._client is None:
                try:
                    import boto3
                except ImportError as exc:  # pragma: no cover - boto3 is a dependency
                    raise ArchiveError("CITEWATCH_ARCHIVE_URL needs boto3: pip install 'citewatch[s3]'") from exc
                self._client = boto3.session.Session().client("s3")  # a client is thread-safe
            return self._client

    def key(self, warc_file: str) -> str:
        return f"{self.prefix}/{warc_file}" if self.prefix else warc_file

    def where(self, warc_file: str) -> str:
        return f"s3://{self.bucket}/{self.key(warc_file)}"

    def put(self, warc_file: str, data: bytes) -> None:
        """Store ``data`` as the object ``warc_file``, completely or not at all."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(warc_file), Body=data,
                                   ContentType="application/warc")
        except Exception as exc:  # noqa: BLE001 - botocore raises many kinds (network, auth, bucket)
            raise ArchiveError(f"cannot write {self.where(warc_file)}: {exc} (check the bucket, the "
                               "credentials and AWS_ENDPOINT_URL)") from exc
        self._known_sizes[warc_file] = len(data)

    def read(self, warc_file: str, offset: int, length: int) -> bytes:
        """The ``length`` bytes at ``offset`` of the object, with one ranged GET."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(warc_file),
                                            Range=f"bytes={offset}-{offset + length - 1}")
            return answer["Body"].read()
        except Exception as exc:  # noqa: BLE001
            raise ArchiveError(f"cannot read {self.where(warc_file)}: {exc}") from exc

    def learn_sizes(self, warc_files: Iterable[str], at_once: int = 16) -> None:
        """Ask for the sizes of many objects at once (HEADs in parallel), so that deciding which
        of a batch of copies this store holds costs one round trip, not one per copy."""
        unknown = sorted(set(warc_files) - self._known_sizes.keys())
        if len(unknown) > 1:
            with ThreadPoolExecutor(max_workers=min(at_once, len(unknown))) as pool:
                list(pool.map(self.size, unknown))

    def size(self, warc_file: str) -> int | None:
        """The object's size, or None when this store does not have it."""
        if warc_file in self._known_sizes:
            return self._known_sizes[warc_file]
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self.key(warc_file))
        except Exception:  # noqa: BLE001 - missing, or unreachable: either way not readable now
            return None
        self._known_sizes[warc_file] = answer["ContentLength"]
        return answer["ContentLength"]
