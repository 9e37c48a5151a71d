"""Passages of a source text: sentences with offsets, ranked by how much they share with a claim."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citewatch import memo
from citewatch.normalize import content_stems, content_words, stem

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st no nos vol art para pp p fig gen col lt sgt capt rev jr sr inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e etc vs v cf approx ca est dept govt
    u.s u.k u.n e.u ул г гг им т.е т.д""".split()
)
# r"[.!?…]+[\"'”’»)\]]*\s+|\n\s*", written to start with one character class: the regex engine
# then jumps from candidate to candidate instead of trying both branches at every character. Its last
# branch is a full stop with no space after it, between a year, a figure with a thousands separator or a
# word and the capital of the next sentence ("in 1573.Around 100 books", "a total of $971,637.The film"),
# as text joined from separate blocks leaves it.
_BOUNDARY = re.compile(
    r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[\"'”’»)\]]*\s+|(?<=\n)\s*|(?:(?<=[a-z]{2}\.)|(?<=[0-9]{4}\.)|(?<=[0-9],[0-9]{3}\.))(?=[A-Z][a-z]+\b))"
)
MAX_SENTENCE = 1500
_ONE_LETTER = re.compile(r"[a-zа-я]")
_DOTTED_LETTERS = re.compile(r"(?:[a-z]\.)+[a-z]")


# A heading that starts a list of links to other pages: what follows is not the article.
_LIST_HEADING = re.compile(
    r"^(?:related(?: articles| stories| news| posts)?|read (?:also|more|next)|see also|more (?:from|on|stories|news)"
    r"|popular|most (?:read|popular|viewed)|trending|recommended|you (?:may|might) also like|latest news|top stories"
    r"|другие новости|читайте также|похожие (?:новости|статьи)|популярное"
    r"|oxşar xəbərlər|digər xəbərlər|son xəbərlər)\b",
    re.IGNORECASE,
)
_SEGMENT_BOUNDARY = re.compile(r"[,;:](?=\s)\s*|[()\[\]]\s*|\s[—–-]\s|\s(?:but|whereas|while)\s|\s*\n\s*")


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    boilerplate: bool = False  # a line of a related-articles list or the like: never evidence


def split_sentences(text: str) -> list[Sentence]:
    """Sentences and lines (list items, headings, datelines) of ``text`` with their offsets."""
    return list(_split_cached(text))


@memo.reading(maxsize=8)  # a page is checked against each of the claims that cite it
def _split_cached(text: str) -> tuple[Sentence, ...]:
    return tuple(_split(text))


def _split(text: str) -> list[Sentence]:
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        piece = text[start:end]
        if "\n" not in match.group() and _ends_with_abbreviation(piece, text, end):
            continue
        if match.group()[0] == "\n" and match.group().count("\n") == 1 and _wrapped_line(text, match.start(), end):
            continue
        _append(sentences, text, start, end)
        start = end
    _append(sentences, text, start, len(text))
    return _mark_link_lists(text, sentences)


def _mark_link_lists(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """Lines under a "Related articles" heading are links to other stories, up to the next paragraph."""
    marked: list[Sentence] = []
    in_list = False
    for sentence in sentences:
        own_line = sentence.start == 0 or text[sentence.start - 1] == "\n"
        if not own_line and not in_list:  # the common case: a sentence inside a paragraph
            marked.append(sentence)
            continue
        words = len(sentence.text.split())
        if own_line and words <= 6 and _LIST_HEADING.match(sentence.text.strip(" #*-:•")):
            in_list = True
            marked.append(Sentence(sentence.index, sentence.start, sentence.end, sentence.text, True))
            continue
        if in_list and own_line and (words > 25 or (words > 12 and sentence.text.rstrip().endswith("."))):
            in_list = False
        if in_list and not own_line and marked and not marked[-1].boilerplate:
            in_list = False
        marked.append(sentence if not in_list
                      else Sentence(sentence.index, sentence.start, sentence.end, sentence.text, True))
    return marked


def segments(sentence: Sentence) -> list[tuple[int, int]]:
    """Offsets (into the whole text) of the clauses of a sentence: split at commas, colons, dashes."""
    spans = []
    start = 0
    for match in _SEGMENT_BOUNDARY.finditer(sentence.text):
        if match.start() > start:
            spans.append((sentence.start + start, sentence.start + match.start()))
        start = match.end()
    if start < len(sentence.text):
        spans.append((sentence.start + start, sentence.end))
    return spans or [(sentence.start, sentence.end)]


WRAPPED_LINE_MIN = 60  # a line this long that stops mid-sentence was wrapped (PDF text, e-mail)


def _wrapped_line(text: str, line_end: int, next_start: int) -> bool:
    """A single line break inside a sentence (PDF text, e-mail): a long line without closing
    punctuation, followed by lowercase words or by a line that ends the sentence. A headline
    followed by a dateline is two lines, not one sentence."""
    line_start = text.rfind("\n", 0, line_end) + 1
    line = text[line_start:line_end].rstrip()
    next_end = text.find("\n", next_start)
    following = text[next_start : next_end if next_end >= 0 else len(text)].rstrip()
    if len(line) < WRAPPED_LINE_MIN or not following or following[0] in "-•*#|>":
        return False
    if _CLOSED_LINE.search(line):
        return False
    if following[0].islower():
        return True
    return bool(_OPEN_LINE.search(line)) and (
        len(following) >= WRAPPED_LINE_MIN or bool(_CLOSING_LINE.search(following))
    )


_CLOSED_LINE = re.compile(r"[.!?:;…\"”»)\]]$")
_OPEN_LINE = re.compile(r"[^\W\d_],?$")
_CLOSING_LINE = re.compile(r"[.!?…][\"”»)]*$")


def _ends_with_abbreviation(piece: str, text: str, next_start: int) -> bool:
    stripped = piece.rstrip()
    if not stripped.endswith("."):
        return False
    last_token = stripped.rsplit(None, 1)[-1]  # what r"(\S+)\.$" would find, without its backtracking
    if len(last_token) < 2:
        return False
    word = last_token[:-1].lower().lstrip("(\"'“")
    if (
        word in _ABBREVIATIONS
        or (len(word) == 1 and _ONE_LETTER.fullmatch(word))
        or ("." in word and _DOTTED_LETTERS.fullmatch(word))
    ):
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


@memo.reading(maxsize=16384)
def stems_of(text: str) -> frozenset[str]:
    return frozenset(content_stems(text))


def stem_positions(text: str) -> list[tuple[str, int, int]]:
    return list(_stem_positions(text))


@memo.reading(maxsize=16384)  # claims, and the clauses of the sentences read for each of a claim's facts
def _stem_positions(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((stem(word), start, end) for word, start, end in content_words(text))


def rank_sentences(sentences: list[Sentence], weights: dict[str, float]) -> list[tuple[float, Sentence]]:
    """Sentences sharing at least one weighted stem, best first."""
    ranked = []
    for sentence in sentences:
        stems = stems_of(sentence.text)
        if stems.isdisjoint(weights):
            continue
        score = sum(weights.get(s, 0.0) for s in stems)
        if score > 0:
            ranked.append((score, sentence))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].index))
    return ranked
