"""What changed between two runs of a document: sources that started failing or recovered, pages
whose text changed (with a short diff of the changed sentences), verdicts that flipped, claims
added or removed. Pure functions over two :class:`~citewatch.results.RunResult`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from citewatch.models import CheckedCopy, SourceStatus, Verdict
from citewatch.results import RunResult, SourceResult

MAX_DIFF_LINES = 24  # per page: enough to see what moved, short enough to read in a report
MAX_DIFF_LINE_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class SourceChange(BaseModel):
    """A URL whose liveness changed: it started failing, or it answers again."""

    url: str
    claim_ids: list[str]
    before: SourceStatus | None
    after: SourceStatus
    http_status: int | None = None
    failures: int = 0


class DiffLine(BaseModel):
    op: str  # "+" added, "-" removed, " " unchanged context, "…" skipped text
    text: str


class ContentChange(BaseModel):
    """The same URL gave a different extracted text than in the previous run."""

    url: str
    claim_ids: list[str]
    before_hash: str
    after_hash: str
    diff: list[DiffLine] = Field(default_factory=list)
    truncated: bool = False
    note: str | None = None  # why there is no diff


class VerdictFlip(BaseModel):
    claim_id: str
    url: str | None = None  # None: the claim's verdict flipped
    before: Verdict
    after: Verdict
    overridden: bool = False  # the new verdict comes from a human override


class ClaimRef(BaseModel):
    id: str
    text: str


class Changes(BaseModel):
    previous_run_id: str | None = None
    previous_started_at: datetime | None = None
    started_failing: list[SourceChange] = Field(default_factory=list)
    recovered: list[SourceChange] = Field(default_factory=list)
    content_changed: list[ContentChange] = Field(default_factory=list)
    verdict_flips: list[VerdictFlip] = Field(default_factory=list)
    claims_added: list[ClaimRef] = Field(default_factory=list)
    claims_removed: list[ClaimRef] = Field(default_factory=list)

    @property
    def first_run(self) -> bool:
        return self.previous_run_id is None

    @property
    def count(self) -> int:
        return sum(len(getattr(self, name)) for name in (
            "started_failing", "recovered", "content_changed", "verdict_flips",
            "claims_added", "claims_removed"))


# --- text diff -----------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _cap(line: str) -> str:
    return line if len(line) <= MAX_DIFF_LINE_CHARS else line[: MAX_DIFF_LINE_CHARS - 1] + "…"


def sentence_diff(before: str, after: str, max_lines: int = MAX_DIFF_LINES) -> tuple[list[DiffLine], bool]:
    """The changed sentences with one sentence of context, and whether the diff was cut."""
    lines: list[DiffLine] = []
    for raw in difflib.unified_diff(sentences(before), sentences(after), n=1, lineterm=""):
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            if lines:
                lines.append(DiffLine(op="…", text=""))
            continue
        lines.append(DiffLine(op=raw[0], text=_cap(raw[1:])))
    if len(lines) > max_lines:
        return lines[:max_lines], True
    return lines, False


# --- comparing runs ------------------------------------------------------------------------


@dataclass
class _Survey:
    """What comparing needs of one run, read in one pass over its claims (the claims of a big run
    are stored ones, parsed each time they are read): the first result of each URL, the claims
    citing each URL, and each claim's id, text and position."""

    sources: dict[str, SourceResult]
    citing: dict[str, list[str]]
    claims: dict[str, tuple[int, str]]  # id -> (position, text) of its last claim


def _survey(run: RunResult) -> _Survey:
    sources: dict[str, SourceResult] = {}
    citing: dict[str, list[str]] = {}
    claims: dict[str, tuple[int, str]] = {}
    for position, claim in enumerate(run.claims):
        claims[claim.id] = (position, claim.text)  # an id given twice: its last claim, as before
        for source in claim.sources:
            sources.setdefault(source.url, source)
            ids = citing.setdefault(source.url, [])
            if claim.id not in ids:
                ids.append(claim.id)
    return _Survey(sources, citing, claims)


def _was_failing(source: SourceResult, run: RunResult) -> bool:
    # A stored run carries the failure streak (which skips offline runs); a fresh one only its status.
    return source.failures > 0 or (not run.offline and source.failed)


def _liveness_changes(previous: RunResult, current: RunResult, before_run: _Survey,
                      now_run: _Survey) -> tuple[list[SourceChange], list[SourceChange]]:
    if current.offline:  # an offline run knows nothing new about any source
        return [], []
    started, recovered = [], []
    before_by_url, citing = before_run.sources, now_run.citing
    for url, now in now_run.sources.items():
        before = before_by_url.get(url)
        if before is None:
            continue
        change = SourceChange(url=url, claim_ids=citing[url], before=before.status, after=now.status,
                              http_status=now.http_status, failures=now.failures)
        failing_before = _was_failing(before, previous)
        if now.failed and not failing_before:
            started.append(change)
        elif not now.failed and failing_before:
            recovered.append(change)
    return started, recovered


def _comparable_text(source: SourceResult) -> bool:
    # A Wayback copy is another page's text; comparing it with the live page says nothing.
    return bool(source.text_hash) and source.checked_copy in (CheckedCopy.LIVE, CheckedCopy.LOCAL_ARCHIVE)


def _content_changes(before_run: _Survey, now_run: _Survey) -> list[ContentChange]:
    changes = []
    before_by_url, citing = before_run.sources, now_run.citing
    for url, now in now_run.sources.items():
        before = before_by_url.get(url)
        if before is None or not (_comparable_text(before) and _comparable_text(now)):
            continue
        if before.text_hash is None or now.text_hash is None or before.text_hash == now.text_hash:
            continue  # (comparable texts have hashes: the first two tests only tell the type checker)
        change = ContentChange(url=url, claim_ids=citing[url], before_hash=before.text_hash,
                               after_hash=now.text_hash)
        if before.text is None or now.text is None:
            change.note = "the text of one of the two runs was not kept"
        else:
            change.diff, change.truncated = sentence_diff(before.text, now.text)
            if not change.diff:
                change.note = "only spacing or sentence breaks changed"
        changes.append(change)
    return changes


def _verdict_flips(previous: RunResult, current: RunResult,
                   before_claims: dict[str, tuple[int, str]]) -> list[VerdictFlip]:
    flips = []
    # positions, not the claims: the claims of a big run may be stored ones, parsed when read
    for claim in current.claims:
        position, _ = before_claims.get(claim.id, (None, None))
        if position is None:
            continue
        before = previous.claims[position]
        claim_flipped = before.verdict != claim.verdict
        if claim_flipped:
            flips.append(VerdictFlip(claim_id=claim.id, before=before.verdict, after=claim.verdict,
                                     overridden=claim.machine_verdict is not None))
        before_sources = {s.url: s for s in before.sources}
        for source in claim.sources:
            old = before_sources.get(source.url)
            if old is None or old.verdict == source.verdict:
                continue
            repeats_the_claim = (claim_flipped and len(claim.sources) == 1
                                 and (old.verdict, source.verdict) == (before.verdict, claim.verdict)
                                 and (source.override is None) == (claim.machine_verdict is None))
            if not repeats_the_claim:  # a one-source claim's flip is said once, at the claim
                flips.append(VerdictFlip(claim_id=claim.id, url=source.url, before=old.verdict,
                                         after=source.verdict, overridden=source.override is not None))
    return flips


def what_changed(previous: RunResult | None, current: RunResult) -> Changes:
    """Everything a reader of ``current``'s report should know happened since ``previous``."""
    if previous is None:
        return Changes()
    before, now = _survey(previous), _survey(current)
    started, recovered = _liveness_changes(previous, current, before, now)
    return Changes(
        previous_run_id=previous.run_id,
        previous_started_at=previous.started_at,
        started_failing=started,
        recovered=recovered,
        content_changed=_content_changes(before, now),
        verdict_flips=_verdict_flips(previous, current, before.claims),
        claims_added=_claim_refs(current, now.claims, before.claims),
        claims_removed=_claim_refs(previous, before.claims, now.claims),
    )


def _claim_refs(run: RunResult, claims: dict[str, tuple[int, str]],
                other: dict[str, tuple[int, str]]) -> list[ClaimRef]:
    """The claims of ``run`` that ``other`` lacks, in ``run``'s order (every claim of a run, even
    one id given twice)."""
    return [ClaimRef(id=claim_id, text=text) for claim_id, text in _ids_and_texts(run, claims) if claim_id not in other]


def _ids_and_texts(run: RunResult, claims: dict[str, tuple[int, str]]) -> Iterator[tuple[str, str]]:
    if len(claims) == len(run.claims):  # ids are unique: no need to read the claims again
        return ((claim_id, text) for claim_id, (_, text) in claims.items())
    return ((claim.id, claim.text) for claim in run.claims)
