"""Extracted text kept by payload digest, so that an unchanged page is not extracted twice.

A second run of an unchanged page gets a 304 (or the same bytes); its text is then read from
here instead of running the HTML/PDF extractor again. One small JSON file per digest under
``<archive-dir>/text-cache/``; a broken or missing file only means "extract again".
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

CACHE_VERSION = 1


@dataclass(frozen=True)
class CachedText:
    text: str
    title: str | None = None
    published: str | None = None



@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """Changes whenever the extractor's code changes, so an improved extractor is not hidden
    behind texts cached by the old one."""
    import citewatch.charset
    import citewatch.textextract

    sha = hashlib.sha256()
    for module in (citewatch.textextract, citewatch.charset):
        sha.update(Path(module.__file__).read_bytes())
    return sha.hexdigest()[:16]


class TextCache:
    def __init__(self, folder: Path, salt: str = ""):
        self.folder = Path(folder)
        self.salt = salt

    def _path(self, digest: str) -> Path:
        safe = hashlib.sha256(f"{CACHE_VERSION}:{self.salt}:{digest}".encode()).hexdigest()
        return self.folder / safe[:2] / f"{safe}.json"

    def get(self, digest: str | None) -> CachedText | None:
        if not digest:
            return None
        try:
            data = json.loads(self._path(digest).read_text(encoding="utf-8"))
            return CachedText(**data)
        except (OSError, ValueError, TypeError):
            return None

    def put(self, digest: str | None, entry: CachedText) -> None:
        if not digest:
            return
        path = self._path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a concurrent run never reads half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(entry), handle)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written costs time, never a result
