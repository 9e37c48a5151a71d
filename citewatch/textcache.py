"""What was derived from a payload, kept by its digest: the extracted text, and each claim's check
against it. An unchanged page (a 304, or the same bytes) then costs neither an extraction nor a
check on the next run.

One small JSON file per entry under ``<archive-dir>/text-cache/``; a broken or missing file only
means "compute again". Every key includes a fingerprint of citewatch's own code, so a better
extractor or checker is never hidden behind results cached by the old one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from citewatch.atomicfile import write_atomic
from citewatch.models import CheckResult

CACHE_VERSION = 2


@dataclass(frozen=True)
class CachedText:
    text: str
    title: str | None = None
    published: str | None = None
    text_hash: str | None = None  # results.text_hash of the text as a SourceResult keeps it
    digest: str | None = None  # the exact text's digest, what its checks are cached under


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Changes whenever any module of the citewatch package changes."""
    package = Path(__file__).resolve().parent
    sha = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        sha.update(path.relative_to(package).as_posix().encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:16]


def facts_key(facts: list | None) -> str:
    """A claim's facts as they enter :func:`check_key` (compute it once per claim)."""
    return json.dumps([f.model_dump(mode="json") for f in facts], sort_keys=True) if facts is not None else "inferred"


def check_key(digest: str, claim_text: str, facts: list | None, published: str | None,
              facts_json: str | None = None) -> str:
    """What a check depends on besides the code: the text (by digest), the claim and its facts
    (``facts_json``: :func:`facts_key` of ``facts``, when the caller has it already)."""
    return f"check:{digest}:{published}:{claim_text}:{facts_json if facts_json is not None else facts_key(facts)}"


class TextCache:
    def __init__(self, folder: Path, salt: str = ""):
        self.folder = Path(folder)
        self.salt = salt
        # Checks made in this process that could not be written: the run reads each one back once
        # it assembles its claims (the others are read from their files: a run of 100,000 claims
        # does not hold every check in memory until then).
        self._recent_checks: dict[str, CheckResult] = {}

    # -- extracted text -------------------------------------------------------------------

    def get(self, digest: str | None) -> CachedText | None:
        data = self._read(f"text:{digest}") if digest else None
        try:
            return CachedText(**data) if data is not None else None
        except TypeError:
            return None

    def has_text(self, digest: str | None) -> bool:
        """Whether the text of the payload ``digest`` is kept (without reading it)."""
        return bool(digest) and self._path(f"text:{digest}").is_file()

    def put(self, digest: str | None, entry: CachedText) -> None:
        if digest:
            self._write(f"text:{digest}", asdict(entry))

    # -- checks ---------------------------------------------------------------------------

    def has_check(self, key: str) -> bool:
        """Whether a check is kept under ``key`` (without reading it)."""
        return key in self._recent_checks or self._path(key).is_file()

    def get_check(self, key: str) -> CheckResult | None:
        if key in self._recent_checks:
            return self._recent_checks[key]
        data = self._read(key)
        try:
            return CheckResult.model_validate(data) if data is not None else None
        except ValueError:
            return None

    def put_check(self, key: str, result: CheckResult) -> None:
        if not self._write(key, result.model_dump(mode="json")):
            self._recent_checks[key] = result

    # -- files ----------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        safe = hashlib.sha256(f"{CACHE_VERSION}:{self.salt}:{key}".encode()).hexdigest()
        return self.folder / safe[:2] / f"{safe}.json"

    def _read(self, key: str):
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, key: str, data) -> bool:
        try:
            write_atomic(self._path(key), json.dumps(data))  # a concurrent run never reads half a file
        except OSError:
            return False  # a cache that cannot be written costs time, never a result
        return True
