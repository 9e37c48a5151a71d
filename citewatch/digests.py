"""The digest of a payload, as WARC files and their indexes write it (shared by the fetcher, which
tells the same bytes again, and the archive, which stores them once)."""

from __future__ import annotations

import base64
import hashlib


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body``: ``sha1:`` + base32, as warcio and the CDX write it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
