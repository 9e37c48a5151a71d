"""The report dict: the ``latest.json`` contract of docs/reports.md plus additive fields.

Additive fields (never in place of a contract field): ``generated_at``; ``summary.sources``,
``summary.flagged_claims``, ``summary.citation_needed``, ``summary.changes``; top-level
``changes``, ``flags``, ``overrides``, ``audit`` (the review desk's actions since the previous
run, added by ``publish_run`` and the desk: ``citewatch.audit.actions_for_report``); per claim
``section``, ``machine_verdict``, ``facts``, ``flags``; per source ``failures``, ``failing_since``,
``confirmed_dead``, ``machine_verdict``, ``override``, ``confidence``, ``facts``, ``title``,
``published``, ``error``, ``attempts``, ``content_digest``, ``text_hash``, ``archive.offset``,
``archive.wayback_timestamp``; per
evidence passage ``score`` and ``marks`` ([{start, end, kind: found|contradicted, fact}], offsets
into the passage ``text``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from citewatch import __version__
from citewatch.changes import Changes
from citewatch.models import Evidence, FactOutcome, FactResult, Verdict
from citewatch.report.marks import describe_fact
from citewatch.results import ClaimResult, RunResult, SourceResult

SCHEMA = "citewatch.report/1"
# Most urgent first: what a fact-checker must look at before anything else.
ATTENTION_RANK = {
    Verdict.CONTRADICTED.value: 0,
    Verdict.UNVERIFIABLE.value: 1,
    Verdict.NOT_FOUND.value: 2,
    Verdict.PARTIALLY_SUPPORTED.value: 3,
    Verdict.UNSOURCED.value: 4,
    Verdict.SUPPORTED.value: 5,
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _history_by_url(history: Any) -> Mapping[str, Any]:
    if history is None:
        return {}
    if hasattr(history, "history"):  # a history.RecordedRun
        return history.history
    return history


# --- evidence and its marks ----------------------------------------------------------------


def _locate(passage: str, start: int, end: int, found: str | None) -> tuple[int, int] | None:
    """Passage-relative offsets of a span given in checked-text offsets, checked against the
    words the checker says it matched (and searched for when the offsets do not fit)."""
    if 0 <= start < end <= len(passage):
        if not found or passage[start:end].casefold() == found.casefold():
            return start, end
    if found:
        at = passage.casefold().find(found.casefold())
        if at >= 0:
            return at, at + len(found)
    return None


def _marks(evidence: Evidence, index: int, facts: list[FactResult]) -> list[dict]:
    marks: list[dict] = []

    def add(span: tuple[int, int] | None, kind: str, fact: str | None) -> None:
        if span is None or any(span[0] < m["end"] and m["start"] < span[1] for m in marks):
            return  # overlapping marks cannot both be drawn; contradictions were added first
        marks.append({"start": span[0], "end": span[1], "kind": kind, "fact": fact})

    ordered = sorted(facts, key=lambda f: f.outcome != FactOutcome.CONTRADICTED)
    for fact in ordered:
        if fact.outcome == FactOutcome.MISSING or fact.start is None or fact.end is None:
            continue
        if fact.evidence is not None and fact.evidence != index:
            continue
        if fact.evidence is None and not (evidence.start <= fact.start and fact.end <= evidence.end):
            continue
        kind = "contradicted" if fact.outcome == FactOutcome.CONTRADICTED else "found"
        add(_locate(evidence.text, fact.start - evidence.start, fact.end - evidence.start, fact.found),
            kind, describe_fact(fact.fact))
    for start, end in evidence.highlights:
        add(_locate(evidence.text, start - evidence.start, end - evidence.start, None), "found", None)
    return sorted(marks, key=lambda m: m["start"])


def _evidence(evidence: Evidence, index: int, facts: list[FactResult]) -> dict:
    return {"text": evidence.text, "start": evidence.start, "end": evidence.end,
            "score": evidence.score, "marks": _marks(evidence, index, facts)}


def _fact_result(result: FactResult) -> dict:
    return {"fact": result.fact.model_dump(mode="json"), "label": describe_fact(result.fact),
            "outcome": result.outcome.value, "found": result.found, "evidence": result.evidence,
            "start": result.start, "end": result.end}


# --- sources and claims --------------------------------------------------------------------


def _source(source: SourceResult, history: Any | None) -> dict:
    failures = history.failures if history is not None else source.failures
    failing_since = history.failing_since if history is not None else source.failing_since
    confirmed = history.confirmed_dead if history is not None else source.confirmed_dead
    override = source.override
    return {
        "url": source.url,
        "status": source.status.value,
        "http_status": source.http_status,
        "final_url": source.final_url or source.url,
        "checked_copy": source.checked_copy.value if source.checked_copy else None,
        "verdict": source.verdict.value,
        "evidence": [_evidence(e, i, source.facts) for i, e in enumerate(source.evidence)],
        "archive": {"warc": source.archive.warc, "wayback_url": source.archive.wayback_url,
                    "offset": source.archive.offset,
                    "wayback_timestamp": source.archive.wayback_timestamp},
        "failures": failures,
        "failing_since": _iso(failing_since),
        "confirmed_dead": confirmed,
        "machine_verdict": source.machine_verdict.value,
        "override": None if override is None else {
            "supports": override.supports, "reason": override.reason, "who": override.who,
            "at": _iso(override.at), "machine_verdict": override.machine_verdict.value},
        "confidence": source.confidence,
        "facts": [_fact_result(f) for f in source.facts],
        "title": source.title,
        "published": source.published,
        "error": source.error,
        "notes": list(source.notes),
        "attempts": source.attempts,
        "content_digest": source.content_digest,
        "text_hash": source.text_hash,
    }


def _flag(flag: Any) -> dict:
    return {"id": flag.id, "claim_id": flag.claim_id, "reason": flag.reason, "who": flag.who,
            "at": _iso(flag.created_at)}


def _override(override: Any) -> dict:
    return {"id": override.id, "claim_id": override.claim_id, "url": override.url,
            "supports": override.supports, "reason": override.reason, "who": override.who,
            "at": _iso(override.created_at)}


def _claim(claim: ClaimResult, history: Mapping[str, Any], flags: list[dict]) -> dict:
    return {
        "id": claim.id,
        "text": claim.text,
        "section": claim.section,
        "verdict": claim.verdict.value,
        "machine_verdict": claim.machine_verdict.value if claim.machine_verdict else None,
        "facts": [{**f.model_dump(mode="json"), "label": describe_fact(f)} for f in claim.facts],
        "flags": [f for f in flags if f["claim_id"] == claim.id],
        "sources": [_source(s, history.get(s.url)) for s in claim.sources],
    }


def _summary(claims: Iterable[dict], changes: Changes | None, flags: list[dict]) -> dict:
    # One pass, keeping per URL only what is counted: the claims may be built one at a time.
    verdicts: Counter[str] = Counter()
    by_url: dict[str, tuple[str, bool, bool]] = {}
    total = 0
    for claim in claims:
        total += 1
        verdicts[claim["verdict"]] += 1
        for source in claim["sources"]:
            if source["url"] not in by_url:
                by_url[source["url"]] = (source["status"], source["failures"] > 0, bool(source["confirmed_dead"]))
    return {
        "claims": total,
        "verdicts": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "sources": {
            "total": len(by_url),
            "failing": sum(1 for _, failing, _ in by_url.values() if failing),
            "confirmed_dead": sum(1 for _, _, dead in by_url.values() if dead),
            "statuses": dict(Counter(status for status, _, _ in by_url.values())),
        },
        "flagged_claims": len({f["claim_id"] for f in flags}),
        "citation_needed": verdicts.get(Verdict.UNSOURCED.value, 0),
        "changes": changes.count if changes is not None else 0,
    }


def _changes(changes: Changes | None) -> dict | None:
    if changes is None:
        return None
    return {**changes.model_dump(mode="json"), "first_run": changes.first_run, "count": changes.count}


class ClaimMarks(NamedTuple):
    """What the renderers sort and filter by, and what a run's outcome lists, of one claim."""

    verdict: str
    flagged: bool
    failing: bool  # a source failing
    attention: bool  # needs attention (:func:`needs_attention`)
    id: str
    readable: int  # sources with a checked copy
    sources: int


def claim_marks(claim: dict) -> ClaimMarks:
    sources = claim["sources"]
    return ClaimMarks(claim["verdict"], bool(claim.get("flags")), any(s.get("failures", 0) > 0 for s in sources),
                      needs_attention(claim), claim["id"], sum(1 for s in sources if s.get("checked_copy")),
                      len(sources))


class LazyClaims(Sequence):
    """The report's claims, each built as a dict when it is read and not kept: the report of a run
    of 100,000 claims is written claim by claim instead of being held whole (``build_report(...,
    lazy_claims=True)``). Reading it twice builds the dicts twice; slices and
    :func:`attention_order` give lazy views too (positions, not the claims: the run's claims may
    be stored ones, parsed only when read)."""

    def __init__(self, make: Callable[[Any], dict], items: Sequence[Any], order: Sequence[int] | None = None):
        self._make = make
        self._items = items
        self._order = range(len(items)) if order is None else order
        self._marks: list[ClaimMarks] | None = None
        self._attention: LazyClaims | None = None

    def marks(self) -> list[ClaimMarks]:
        """Per claim of this view, its :class:`ClaimMarks`: built in one pass and kept (a few
        bytes a claim), so that the renderers sort and filter, and the caller lists the claims,
        without building every claim again."""
        if self._marks is None:
            self._marks = [claim_marks(c) for c in self]
        return self._marks

    def surveyed(self) -> Iterator[dict]:
        """The claims in order, their :meth:`marks` kept as they pass: one reading of the claims
        serves the report's summary and the marks."""
        marks = []
        for claim in self:
            marks.append(claim_marks(claim))
            yield claim
        self._marks = marks

    def in_attention_order(self) -> "LazyClaims":
        """:func:`attention_order` of these claims, as a lazy view with its marks (built once)."""
        if self._attention is None:
            marks = self.marks()
            order = sorted(range(len(marks)), key=lambda i: _attention_key(i, marks[i]))
            self._attention = self.reordered(order)
            self._attention._marks = [marks[i] for i in order]
        return self._attention

    def where(self, keep: Callable[[ClaimMarks], bool]) -> "LazyClaims":
        """The claims whose :meth:`marks` ``keep`` accepts, as a lazy view."""
        return LazyClaims(self._make, self._items,
                          [self._order[i] for i, marks in enumerate(self.marks()) if keep(marks)])

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return LazyClaims(self._make, self._items, self._order[index])
        return self._make(self._items[self._order[index]])

    def __iter__(self) -> Iterator[dict]:
        if isinstance(self._order, range) and self._order == range(len(self._items)):
            return map(self._make, self._items)  # in order: read the claims as a stream
        return (self._make(self._items[position]) for position in self._order)

    def reordered(self, order: Iterable[int]) -> "LazyClaims":
        """The same claims in ``order`` (positions in this view)."""
        return LazyClaims(self._make, self._items, [self._order[i] for i in order])


def build_report(run: RunResult, changes: Changes | None = None, flags: Iterable[Any] = (),
                 history: Any = None, *, overrides: Iterable[Any] = (),
                 generated_at: datetime | None = None, lazy_claims: bool = False) -> dict:
    """The report of one run as a JSON-ready dict (schema ``citewatch.report/1``).

    ``changes`` comes from ``what_changed``; ``flags`` are ``review.Flag``s (active ones);
    ``history`` is a ``history.RecordedRun`` or a mapping URL → ``SourceHistory`` (when left
    out, the failure fields already on the sources are used); ``overrides`` are the active
    ``review.Override``s (listed in the report; apply them to ``run`` first with
    ``apply_overrides``). With ``lazy_claims``, ``claims`` is a :class:`LazyClaims` that builds each
    claim's dict when read (``write_reports`` streams it; ``json.dumps`` does not take it).
    """
    by_url = _history_by_url(history)
    flag_dicts = [_flag(f) for f in flags]
    claims: Sequence[dict]
    if lazy_claims:  # the summary's pass keeps the claims' marks: the renderers read no claim for them
        claims = LazyClaims(lambda c: _claim(c, by_url, flag_dicts), run.claims)
        summary = _summary(claims.surveyed(), changes, flag_dicts)
    else:
        claims = [_claim(c, by_url, flag_dicts) for c in run.claims]
        summary = _summary(claims, changes, flag_dicts)
    return {
        "schema": SCHEMA,
        "generator": f"citewatch {__version__}",
        "generated_at": _iso(generated_at or run.finished_at or run.started_at),
        "document": {"id": run.document_id, "title": run.document_title},
        "run": {"id": run.run_id, "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at), "offline": run.offline},
        "summary": summary,
        "changes": _changes(changes),
        "flags": flag_dicts,
        "overrides": [_override(o) for o in overrides],
        "claims": claims,
    }


# --- helpers the renderers share -----------------------------------------------------------


def needs_attention(claim: dict) -> bool:
    return bool(claim.get("flags")) or claim["verdict"] != Verdict.SUPPORTED.value or any(
        s.get("failures", 0) > 0 or s.get("override") for s in claim["sources"])


def attention_order(claims: Sequence[dict]) -> Sequence[dict]:
    """Flagged claims first, then by how bad the verdict is, then failing sources; otherwise in
    the registry's order. Only the sort keys are held: lazy claims come back as a lazy view (the
    same one each time)."""
    if isinstance(claims, LazyClaims):
        return claims.in_attention_order()
    marks = [claim_marks(c) for c in claims]
    return [claims[i] for i in sorted(range(len(claims)), key=lambda i: _attention_key(i, marks[i]))]


def _attention_key(index: int, marks: ClaimMarks) -> tuple:
    return (not marks.flagged, ATTENTION_RANK.get(marks.verdict, 9), not marks.failing, index)


def with_verdict(claims: Sequence[dict], verdict: str) -> Sequence[dict]:
    """The claims of that verdict, in order (a lazy view of lazy claims)."""
    if isinstance(claims, LazyClaims):
        return claims.where(lambda marks: marks.verdict == verdict)
    return [c for c in claims if c["verdict"] == verdict]


def needing_attention(claims: Sequence[dict], limit: int) -> tuple[list[dict], int]:
    """The first ``limit`` sourced claims needing attention, in attention order, and how many more."""
    ordered = attention_order(claims)
    if isinstance(ordered, LazyClaims):
        lazy = ordered.where(_sourced_and_needing_attention)
        return list(lazy[:limit]), max(0, len(lazy) - limit)
    chosen = [c for c in ordered if _sourced_and_needing_attention(claim_marks(c))]
    return chosen[:limit], max(0, len(chosen) - limit)


def _sourced_and_needing_attention(marks: ClaimMarks) -> bool:
    return marks.attention and marks.verdict != Verdict.UNSOURCED.value
