"""Passages of a source text: sentences with offsets, ranked by how much they share with a claim."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citewatch.normalize import content_words, stem

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st no nos vol art para pp p fig gen col lt sgt capt rev jr sr inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e etc vs v cf approx ca est dept govt
    u.s u.k u.n e.u ул г гг им т.е т.д""".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+|\n\s*")
MAX_SENTENCE = 1500


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences and lines (list items, headings, datelines) of ``text`` with their offsets."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        piece = text[start:end]
        if "\n" not in match.group() and _ends_with_abbreviation(piece, text, end):
            continue
        _append(sentences, text, start, end)
        start = end
    _append(sentences, text, start, len(text))
    return sentences


def _ends_with_abbreviation(piece: str, text: str, next_start: int) -> bool:
    stripped = piece.rstrip()
    if not stripped.endswith("."):
        return False
    last = re.search(r"(\S+)\.$", stripped)
    if not last:
        return False
    word = last.group(1).lower().lstrip("(\"'“")
    if word in _ABBREVIATIONS or re.fullmatch(r"[a-zа-я]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return True
    following = text[next_start : next_start + 1]
    return bool(following) and following.islower()


def _append(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:  # run-on text without punctuation: cut at a space
        cut = text.rfind(" ", start, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        sentences.append(Sentence(len(sentences), start, cut, text[start:cut]))
        start = cut + 1
    if end > start:
        sentences.append(Sentence(len(sentences), start, end, text[start:end]))


def stems_of(text: str) -> set[str]:
    return {stem(word) for word, _, _ in content_words(text)}


def stem_positions(text: str) -> list[tuple[str, int, int]]:
    return [(stem(word), start, end) for word, start, end in content_words(text)]


def rank_sentences(sentences: list[Sentence], weights: dict[str, float]) -> list[tuple[float, Sentence]]:
    """Sentences sharing at least one weighted stem, best first."""
    ranked = []
    for sentence in sentences:
        score = sum(weights.get(s, 0.0) for s in stems_of(sentence.text))
        if score > 0:
            ranked.append((score, sentence))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].index))
    return ranked
