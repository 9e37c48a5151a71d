"""What one verification run found: per source, per claim, per run.

The pipeline fills these; :mod:`citewatch.history` stores them, :mod:`citewatch.changes` compares
two of them and :mod:`citewatch.report` renders one.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from citewatch.models import CheckedCopy, Evidence, Fact, FactResult, SourceStatus, Verdict

MAX_TEXT_CHARS = 200_000  # extracted text kept per source for diffs between runs
_SPACES = re.compile(r"\s+")


def text_hash(text: str) -> str:
    """A digest of extracted text that ignores differences in whitespace only."""
    return hashlib.sha256(_SPACES.sub(" ", text).strip().encode("utf-8")).hexdigest()


def text_digest(text: str) -> str:
    """The exact identity of an extracted text (what a check of it depends on)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ArchiveRef(BaseModel):
    """Where the copy of a source lives: the local WARC record and the Wayback snapshot."""

    warc: str | None = None
    offset: int | None = None
    wayback_url: str | None = None
    wayback_timestamp: str | None = None


class AppliedOverride(BaseModel):
    """A human's "this source does (not) support the claim", applied over the machine verdict."""

    supports: bool
    reason: str
    who: str
    at: datetime
    machine_verdict: Verdict


class SourceResult(BaseModel):
    url: str
    status: SourceStatus
    http_status: int | None = None
    final_url: str | None = None
    checked_copy: CheckedCopy | None = None  # None: no readable copy was found
    verdict: Verdict
    evidence: list[Evidence] = Field(default_factory=list)
    facts: list[FactResult] = Field(default_factory=list)
    confidence: float = 0.0
    archive: ArchiveRef = Field(default_factory=ArchiveRef)
    content_digest: str | None = None  # digest of the fetched payload (WARC-Payload-Digest)
    text_hash: str | None = None  # filled from `text` when left out
    text: str | None = None  # the extracted text that was checked, capped at MAX_TEXT_CHARS
    title: str | None = None
    published: str | None = None
    error: str | None = None
    attempts: int = 1
    notes: list[str] = Field(default_factory=list)
    override: AppliedOverride | None = None
    # Filled by history.record_run from earlier runs; never part of `status`.
    failures: int = 0
    failing_since: datetime | None = None
    confirmed_dead: bool = False

    @field_validator("text")
    @classmethod
    def _cap_text(cls, v: str | None) -> str | None:
        return v[:MAX_TEXT_CHARS] if v is not None else None

    @model_validator(mode="after")
    def _hash_text(self):
        if self.text and not self.text_hash:
            self.text_hash = text_hash(self.text)
        return self

    @property
    def failed(self) -> bool:
        """This run's check could not read the live page."""
        return not self.status.readable

    @property
    def machine_verdict(self) -> Verdict:
        return self.override.machine_verdict if self.override else self.verdict


class ClaimResult(BaseModel):
    id: str
    text: str
    section: str | None = None
    verdict: Verdict
    sources: list[SourceResult] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)  # the facts the claim states
    machine_verdict: Verdict | None = None  # set when an override changed `verdict`


class RunResult(BaseModel):
    document_id: str
    document_title: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    offline: bool = False
    claims: list[ClaimResult] = Field(default_factory=list)
    not_archived: list[str] = Field(default_factory=list)  # URLs whose fetch could not be archived

    def sources_by_url(self) -> dict[str, SourceResult]:
        """The first result of each URL (a URL cited by several claims is checked once)."""
        found: dict[str, SourceResult] = {}
        for claim in self.claims:
            for source in claim.sources:
                found.setdefault(source.url, source)
        return found
