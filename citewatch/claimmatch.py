"""Which sentence of an edited document a claim came from, once its text is no longer in it.

When a document is corrected ("41 hearings" becomes "39 hearings"), the claim keeps its id, its
sources and its review history; only its text has to follow. A claim is matched to the sentence of
the new document that holds most of its words in the same order (the same section first), and its
new text is the part of that sentence that corresponds to the old text: a claim that was a span
of its sentence stays a span, a whole sentence stays a whole sentence.

Pure functions on plain text; :mod:`citewatch.propose` applies them to a registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Sequence

from citewatch.document import Sentence, normalize_text

# Share of the old claim's content words that must reappear, in order, in the new sentence.
SAME_SECTION_COVERAGE = 0.5
OTHER_SECTION_COVERAGE = 0.75
MIN_MATCHED_WORDS = 1

_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?\"'()[]“”‘’«»"
_FILLER = frozenset("a an the and or of in on at to for with by from as is are was were be been has had have "
                    "that this it its".split())


@dataclass(frozen=True)
class Span:
    """The part of a sentence that corresponds to an old claim text."""

    text: str
    coverage: float  # share of the old text's content words found in it, in order


@dataclass(frozen=True)
class Rematch:
    claim_index: int
    sentence: Sentence
    span: Span
    same_section: bool


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` as (comparison key, start, end); the key drops case and edge punctuation."""
    return [(m.group().strip(_EDGE_PUNCTUATION).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]


def corresponding_span(old_text: str, sentence_text: str) -> Span | None:
    """The words of ``sentence_text`` that stand where ``old_text``'s words stood, or None when the
    two share no content word. Unmatched words at either end of the old text are taken to have
    been replaced by as many words of the sentence (a changed first or last word stays in)."""
    old, new = _tokens(normalize_text(old_text)), _tokens(sentence_text)
    if not old or not new:
        return None
    matcher = SequenceMatcher(None, [k for k, _, _ in old], [k for k, _, _ in new], autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    content = [i for i, (key, _, _) in enumerate(old) if key and key not in _FILLER]
    matched = {b.a + i for b in blocks for i in range(b.size)}
    matched_content = [i for i in content if i in matched]
    if len(matched_content) < MIN_MATCHED_WORDS:
        return None
    first, last = blocks[0], blocks[-1]
    start = max(0, first.b - first.a)
    end = min(len(new), last.b + last.size + (len(old) - last.a - last.size))
    text = sentence_text[new[start][1]:new[end - 1][2]]
    return Span(text=text, coverage=len(matched_content) / max(1, len(content)))


def match_changed_claims(old: Sequence[tuple[str, str | None]], sentences: Sequence[Sentence],
                         taken_texts: Sequence[str] = ()) -> list[Rematch]:
    """For each ``(text, section)`` of ``old`` (claims whose text left the document), the sentence
    it most likely became, if any. Best matches are assigned first; a sentence can take several
    claims only at different places, and a span equal to the text of a claim that is still in the
    document (``taken_texts``) is never given to another claim."""
    taken = {normalize_text(t) for t in taken_texts}
    candidates: list[tuple[float, int, int, Span, bool]] = []
    for ci, (text, section) in enumerate(old):
        for si, sentence in enumerate(sentences):
            span = corresponding_span(text, normalize_text(sentence.text))
            if span is None or normalize_text(span.text) in taken:
                continue
            same = (section or None) == (sentence.section or None)
            if span.coverage >= (SAME_SECTION_COVERAGE if same else OTHER_SECTION_COVERAGE):
                candidates.append((span.coverage + (0.25 if same else 0.0), ci, si, span, same))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    assigned: dict[int, Rematch] = {}
    used: dict[int, list[str]] = {}
    for _, ci, si, span, same in candidates:
        if ci in assigned or any(_overlap(span.text, other) for other in used.get(si, [])):
            continue
        assigned[ci] = Rematch(claim_index=ci, sentence=sentences[si], span=span, same_section=same)
        used.setdefault(si, []).append(span.text)
    return [assigned[i] for i in sorted(assigned)]


def _overlap(a: str, b: str) -> bool:
    return a in b or b in a
