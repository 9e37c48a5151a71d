"""What one verification run found: per source, per claim, per run.

The pipeline fills these; :mod:`citewatch.history` stores them, :mod:`citewatch.changes` compares
two of them and :mod:`citewatch.report` renders one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from citewatch.models import CheckedCopy, Evidence, Fact, FactResult, SourceStatus, Verdict

KEPT_TEXT_CHARS = 200_000  # extracted text kept per source in its results, for diffs between runs


def text_hash(text: str) -> str:
    """A digest of extracted text that ignores differences in whitespace only. (``str.split`` and
    ``\\s`` know the same whitespace: the words joined by one space are ``\\s+`` folded to one
    space and stripped, in a quarter of the time.)"""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


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
    text: str | None = None  # the extracted text that was checked, capped at KEPT_TEXT_CHARS
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
        return v[:KEPT_TEXT_CHARS] if v is not None else None

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


class StoredClaims(Sequence):
    """Claim results kept as their JSON text between checking and publishing, each parsed again
    when read: a claim's results as objects (sources, passages, fact results) take about six
    times the memory of their JSON, and a run holds every claim until it is published. The text
    of a page, shared by every claim citing it, is kept once (by URL), not in each claim's JSON.
    Reading a claim twice gives two equal objects, not the same one: change a claim with
    :meth:`map`, never in place."""

    def __init__(self, claims: Iterable[ClaimResult] = (), *, _texts: dict[str, str] | None = None):
        self._rows: list[tuple[str, tuple[int, ...]]] = []  # JSON, positions of the sources whose text is kept apart
        self._texts: dict[str, str] = {} if _texts is None else _texts
        for claim in claims:
            self.append(claim)

    def append(self, claim: ClaimResult) -> None:
        apart = []
        for position, source in enumerate(claim.sources):
            if source.text is not None:
                kept = self._texts.setdefault(source.url, source.text)
                if kept is source.text or kept == source.text:
                    apart.append(position)
        exclude = {"sources": {position: {"text"} for position in apart}} if apart else None
        self._rows.append((claim.model_dump_json(exclude=exclude), tuple(apart)))

    def _claim(self, row: tuple[str, tuple[int, ...]]) -> ClaimResult:
        text, apart = row
        claim = ClaimResult.model_validate_json(text)
        for position in apart:
            source = claim.sources[position]
            source.text = self._texts[source.url]
        return claim

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._claim(row) for row in self._rows[index]]
        return self._claim(self._rows[index])

    def __iter__(self) -> Iterator[ClaimResult]:
        return map(self._claim, self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (StoredClaims, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def map(self, change: Callable[[ClaimResult], ClaimResult]) -> "StoredClaims":
        """Claims changed one at a time; a claim ``change`` returns as it is keeps its stored text."""
        changed = StoredClaims(_texts=self._texts)
        for row in self._rows:
            claim = self._claim(row)
            new = change(claim)
            if new is claim:
                changed._rows.append(row)
            else:
                changed.append(new)
        return changed


def map_claims(claims: Sequence[ClaimResult], change: Callable[[ClaimResult], ClaimResult]) -> Sequence[ClaimResult]:
    """``change`` applied to every claim: a list for a list, :class:`StoredClaims` for stored ones."""
    if isinstance(claims, StoredClaims):
        return claims.map(change)
    return [change(claim) for claim in claims]


class RunResult(BaseModel):
    document_id: str
    document_title: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    offline: bool = False
    claims: list[ClaimResult] = Field(default_factory=list)
    not_archived: list[str] = Field(default_factory=list)  # URLs whose fetch could not be archived

    @classmethod
    def with_claims(cls, claims: Sequence[ClaimResult], **fields: Any) -> "RunResult":
        """A run whose claims may be :class:`StoredClaims` (kept as they are, not validated into a list)."""
        if not isinstance(claims, StoredClaims):
            return cls(claims=list(claims), **fields)
        run = cls(**fields)
        run.claims = claims  # type: ignore[assignment]  # no validate_assignment: the stored claims stay stored
        return run

    def sources_by_url(self) -> dict[str, SourceResult]:
        """The first result of each URL (a URL cited by several claims is checked once)."""
        found: dict[str, SourceResult] = {}
        for claim in self.claims:
            for source in claim.sources:
                found.setdefault(source.url, source)
        return found
