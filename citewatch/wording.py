"""A claim's wording against a passage: how much of it the passage has, the names it must find,
the values no reader took, and words that say the opposite.

A claim without figures ("Activists in London dumped paint outside the Russian embassy") is judged on
its words. Three things stop a passage that shares most of them from backing it:

- a **name** of the claim (a capitalised word inside the sentence, an acronym) missing from the
  passage: "Moscow" for "London" is another claim, however many other words agree;
- a **negation** on one side only: "did not win" against "won";
- an **antonym** of one of the claim's words standing where the claim's word is missing: "lost"
  against "won", "fell" against "rose" (pairs from WordNet 3.0, ``citewatch/data/antonyms.tsv``,
  built by ``tools/build_antonyms.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources

from citewatch import memo
from citewatch.context import GENERIC, PEOPLE_GENERIC, PLAN_CHANGED, counted_as
from citewatch.facts import MONTHS, POSSESSIVE, found_facts
from citewatch.models import EntityFact
from citewatch.names import find_name
from citewatch.normalize import STOPWORDS, WORD, name_key, stem
from citewatch.passages import Sentence, stem_positions, stems_of

NEGATION = re.compile(
    r"\b(?:not|never|no|none|nobody|nothing|neither|nor|cannot|unable|without|failed to|"
    r"refus(?:ed|es) to|declin(?:ed|es) to|denied|denies)\b|n't\b",
    re.IGNORECASE,
)
# Capitalised words that are not names: days, months, titles, sentence furniture.
_NOT_NAMES = frozenset(
    """the a an in on at by for from of to and or but after before during since when while this that these those
    his her their its our we they he she it as with under over between among according despite although however
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december mr mrs ms dr prof sir i""".split()
)


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """Each word's stem mapped to the stems of its antonyms."""
    table: dict[str, set[str]] = {}
    text = resources.files("citewatch").joinpath("data", "antonyms.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        left, right = line.split("\t")
        a, b = stem(left), stem(right)
        if a != b:
            table.setdefault(a, set()).add(b)
            table.setdefault(b, set()).add(a)
    return {word: frozenset(others) for word, others in table.items()}


@memo.reading(maxsize=4096)
def names_in(text: str) -> frozenset[str]:
    """Stems of the capitalised words of ``text`` that are names: not the first word of a sentence
    (unless it is an acronym), not a stopword, a day or a month."""
    return frozenset(word_stem for _, word_stem in name_words(text))


_AFTER_A_SENTENCE = re.compile(r"\b[A-Za-z][a-z]{2,}[.!?]\s+$")  # "... this year. " (not "U.S. ", "(")
_NATIONALITY = re.compile(r"(?:ian|ani|ish|ese)$")  # "Azerbaijani", "Russian": who, not a name to find
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
_STEM_LENGTH = 6  # the letters of a Latin word that ``normalize.stem`` keeps


def name_words(text: str, sentence_starts: bool = False) -> list[tuple[str, str]]:
    """(word, stem) of each name word of ``text``; "U.S." is the acronym "US". With
    ``sentence_starts``, a capitalised first word of four letters or more counts too ("Mutschelleben
    is in Germany"): asked of a passage case-blind, a common word there costs nothing. Not after a
    whole sentence: a claim's second sentence starts as often with "Officials" as with a name."""
    found = []
    for match in _DOTTED.finditer(text):
        dotted = match.group().replace(".", "")
        found.append((dotted, stem(dotted)))
    for match in WORD.finditer(text):
        word = POSSESSIVE.sub("", match.group())
        if text[match.end() : match.end() + 1] == "." and len(word) == 1:
            continue
        before = _last_mark(text, match.start())
        sentence_start = not before or before in _SENTENCE_ENDS
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        if (
            len(word) >= 2
            and word[:1].isupper()
            and (acronym or not sentence_start
                 or (sentence_starts and len(word) >= 4 and not _AFTER_A_SENTENCE.search(text, 0, match.start())))
            and word.lower() not in _NOT_NAMES
            and word.lower() not in STOPWORDS
            and not word.isdigit()
            and not (not acronym and _NATIONALITY.search(word.lower()))
        ):
            found.append((word, stem(word)))
    return found


def _last_mark(text: str, end: int) -> str:
    """The last character before ``end`` that is not a space ("" at the start of the text): looked
    for backwards, so that reading every word of a page stays linear."""
    index = end - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return text[index] if index >= 0 else ""


def spelled_by_initials(acronym: str, text: str) -> bool:
    """ "US" in "the United States", "UK" in "United Kingdom": capitalised words whose initials spell it."""
    initials = [w[0] for w in re.findall(r"\b[A-Z][\w'’-]*", text) if w.lower() not in ("of", "the", "and")]
    spelled = "".join(initials)
    return acronym.upper() in spelled


_SENTENCE_ENDS = frozenset('.!?\n"“”:;|[]()•-–—')


HEDGES = re.compile(
    r"\b(?:reportedly|allegedly|alleged|unconfirmed|unverified|projected|projects(?= that| an? | \d)|expected to|"
    r"is expected|"
    r"forecast(?:ed)? to|predicted to|"
    r"are expected|is said to|are said to|was said to|were said to|rumou?red|purportedly|supposedly|"
    r"believed to|thought to|may have|might have|could have|according to unconfirmed|"
    r"claim(?:s|ed)(?=\s*[,.;])|"  # "..., the company claimed": a party's word; not "claimed the lives of"
    r"preliminary|unpublished|not (?:yet )?peer[- ]reviewed)\b",
    re.IGNORECASE,
)


def hedges_added(claim_text: str, passage: str) -> list[str]:
    """Hedges of the passage that the claim does not carry: "reportedly", "is expected to"."""
    claim_hedges = {m.group().lower() for m in HEDGES.finditer(claim_text)}
    # a claim that looks ahead, or back at a plan that was changed ("pushed back from October 15")
    claim_ahead = any(_LOOKS_AHEAD.match(hedge) for hedge in claim_hedges) or bool(PLAN_CHANGED.search(claim_text))
    found = []
    for match in HEDGES.finditer(passage):
        word = match.group().lower()
        if claim_ahead and _LOOKS_AHEAD.match(word):
            continue  # "forecast to" in the claim, "expected to" in the source: the same kind of saying
        if word not in claim_hedges and word not in found:
            found.append(word)
    return found


_LOOKS_AHEAD = re.compile(r"(?:expected|is expected|are expected|forecast|predicted|projected|projects)\b")


_ENGLISH_MARKERS = frozenset("the of and to in was were is are a an for on with by that has have".split())


def same_language(claim_text: str, passage: str) -> bool:
    """Whether the passage is written like the (English) claim: a passage without English function
    words (Russian, Azerbaijani) cannot be judged by shared words, only by its figures and names."""
    claim_words = [w.lower() for w in WORD.findall(claim_text)]
    passage_words = [w.lower() for w in WORD.findall(passage)]
    if not passage_words or not any(w in _ENGLISH_MARKERS for w in claim_words):
        return True
    # the words themselves, not their stems: the stemmer reads some words of other languages as English
    common = {w for w in WORD.findall(claim_text) if w.islower() and w not in STOPWORDS and len(w) > 2}
    if len(common & set(passage_words)) >= 2:
        return True  # a list or a table of the claim's own words: English without its function words
    return sum(w in _ENGLISH_MARKERS for w in passage_words) / len(passage_words) >= 0.04


def is_negated(text: str) -> bool:
    return NEGATION.search(text) is not None


def negated_claim_word(claim_text: str, passage: str) -> str | None:
    """A word of the (affirmative) claim that the passage negates: "did not win" against "won"."""
    if is_negated(claim_text):
        return None
    wanted = {stem(w) for w in WORD.findall(claim_text) if w.islower() and w not in STOPWORDS and len(w) > 2}
    for match in NEGATION.finditer(passage):
        if match.group().lower() in ("none", "nothing", "nobody"):
            before = WORD.findall(passage[max(0, match.start() - 30) : match.start()])[-1:]
            if before and before[0].islower() and stem(before[0]) in wanted:
                return before[0]  # "the fire threatened 300 homes but destroyed none"
        if match.group().lower() in ("no", "without", "nor", "nothing", "nobody"):
            continue  # "no one was hurt" negates a count or a thing, not the claim's event ("none were
            # destroyed" does: the things the sentence counts)
        for word in WORD.findall(passage[match.end() : match.end() + 40])[:3]:
            if word.islower() and word not in STOPWORDS and stem(word) in wanted:
                return word
    return None


def common_words(text: str) -> frozenset[str]:
    """Stems of the lower-case words of ``text``: names ("Night", "Queen") have no opposite."""
    return frozenset(stem(w) for w in WORD.findall(text) if w.islower())


def opposite_words(claim_stems: frozenset[str], passage_stems: frozenset[str]) -> list[tuple[str, str]]:
    """(claim word, passage word) pairs where the passage has an antonym of a claim word it lacks."""
    table = antonyms()
    pairs = []
    for word in claim_stems - passage_stems:
        for other in table.get(word, ()):
            if other in passage_stems and other not in claim_stems:
                pairs.append((word, other))
    return pairs


_THAN = re.compile(r"\bthan\b", re.IGNORECASE)


def comparison_turned(claim_text: str, passage: str) -> bool:
    """ "Copper is more reactive than iron" against "iron is more reactive than copper": the two
    things compared change sides of "than"."""
    claim = _sides(claim_text)
    if claim is None:
        return False
    subject, other = claim[0][0], claim[1][0]
    for sentence in re.split(r"(?<=[.!?])\s+|(?:(?<=[^\W\d_])|(?<=\))):", passage):  # "Assertion (A):Iron is ..." too
        sides = _sides(sentence)
        if sides and other in sides[0] and subject in sides[1] and subject not in sides[0]:
            return True
    return False


NAME_RUN = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"  # "Manchester United", up to four capitalised words
_NAME_VERB_NAME = re.compile(rf"^(?:The\s+)?(?P<a>{NAME_RUN})\s+(?P<verb>[a-z]+)\s+(?:the\s+)?(?P<b>{NAME_RUN})")


def names_turned(claim_text: str, passage: str) -> str | None:
    """The passage's "Brazil beat Germany" for the claim's "Germany beat Brazil": the same verb
    between the claim's two names, the other way round, and never the claim's way."""
    claimed = _NAME_VERB_NAME.match(claim_text)
    if claimed is None or claimed.group("verb") in STOPWORDS:  # "John and Samantha" is no deed
        return None
    a, verb, b = (re.escape(claimed.group(part)) for part in ("a", "verb", "b"))
    turned = re.search(rf"\b{b}\s+{verb}\s+(?:the\s+)?{a}\b", passage)
    if turned and not re.search(rf"\b{a}\s+{verb}\s+(?:the\s+)?{b}\b", passage):
        return turned.group()
    return None


def _sides(text: str) -> tuple[list[str], list[str]] | None:
    """The content stems before and after the one "than" of a short comparison."""
    matches = list(_THAN.finditer(text))
    if len(matches) != 1:
        return None
    left = [stem(w) for w in WORD.findall(text[: matches[0].start()]) if w.lower() not in STOPWORDS]
    right = [stem(w) for w in WORD.findall(text[matches[0].end() :]) if w.lower() not in STOPWORDS]
    if not left or not right or len(left) > 8:
        return None
    return left, right


# --- what the checker asks of a claim's wording -------------------------------------------

MONTH_PATTERN = "|".join(sorted((m for m in MONTHS if m.isascii()), key=len, reverse=True))


def claim_wording(claim_text: str, left_out: frozenset[str] = frozenset()) -> frozenset[str]:
    """The stems of the claim's words outside its figures, dates and quotes (names kept)."""
    value_spans = [(f.start, f.end) for f in found_facts(claim_text) if not isinstance(f.fact, EntityFact)]
    return frozenset(
        s for s, start, _ in stem_positions(claim_text) if not any(a <= start < b for a, b in value_spans)
    ) - left_out - GENERIC - PEOPLE_GENERIC


def with_neighbours(sentences: list[Sentence]) -> Iterator[tuple[Sentence, frozenset[str], frozenset[str]]]:
    """Each readable sentence with its stems, and its stems with those of the sentence just before
    it. ``sentences`` may skip some (ranked candidates): only true neighbours pair."""
    previous: frozenset[str] = frozenset()
    previous_index = -2
    for sentence in sentences:
        if sentence.boilerplate:
            continue
        stems = stems_of(sentence.text)
        yield sentence, stems, stems | (previous if sentence.index == previous_index + 1 else frozenset())
        previous, previous_index = stems, sentence.index


def wording_coverage(claim_stems: frozenset[str], sentences: list[Sentence]) -> tuple[float, Sentence | None]:
    """The share of the claim's words found in the best pair of neighbouring sentences."""
    if not claim_stems:
        return 0.0, None
    best, best_sentence = 0.0, None
    for sentence, stems, paired in with_neighbours(sentences):
        coverage = len(claim_stems & paired) / len(claim_stems)
        own = len(claim_stems & stems) / len(claim_stems)
        if coverage > best or (coverage == best and best_sentence is None):
            best, best_sentence = coverage, sentence
        if own >= best:
            best_sentence = sentence if own == coverage else best_sentence
    return best, best_sentence


CLAIM_DATE_BOUND = re.compile(
    rf"\b(?:before|after|prior to|earlier than|later than)\s+(?:the\s+)?(?:\d{{1,2}}\s+)?(?:{MONTH_PATTERN}|\d{{4}})\b"
    rf"(?:\s+\d{{1,2}}\b)?(?:\s?,?\s\d{{4}})?",
    re.IGNORECASE,
)
_DIGIT_TOKEN = re.compile(r"\d+(?:[.,:/\-–]\d+)*")
_NAME_NUMBER = re.compile(r"[A-Za-z]-$")  # "COVID-19", "Mi-8": part of a name


def unread_values(claim_text: str, passage: str, default_year: int | None = None) -> list[str]:
    """Figures of the claim that no reader took ("May 9" without a year and a page without a date,
    "3-2", "No. 12/4"), unless the passage writes them the same way."""
    read = [(f.start, f.end) for f in found_facts(claim_text, default_year) if not isinstance(f.fact, EntityFact)]
    unread = []
    for match in _DIGIT_TOKEN.finditer(claim_text):
        if any(start <= match.start() < end for start, end in read) or _NAME_NUMBER.search(claim_text[: match.start()]):
            continue
        if not re.search(rf"(?<![\d.,]){re.escape(match.group())}(?![\d]|[.,]\d)", passage):
            unread.append(match.group())
    return unread


def value_stems(claim_text: str) -> frozenset[str]:
    """Stems of the words inside the claim's figures, dates and quotes."""
    return frozenset(
        s for f in found_facts(claim_text) if not isinstance(f.fact, EntityFact) for s in stems_of(f.text)
    )


_SPACES_AND_HYPHENS = re.compile(r"[\s\-‐–]+")
_CAMEL_CASE = re.compile(r"[a-z][A-Z]")


def names_missing(claim_text: str, text: str, found_names: frozenset[str] = frozenset()) -> list[str]:
    """The claim's capitalised names (single words too: "Honolulu") that the passage lacks; the
    words of names already found (under an alias, or in part: "State Department") are not asked again."""
    claim_names = name_words(claim_text, sentence_starts=True)
    wanted = {word_stem for _, word_stem in claim_names} - value_stems(claim_text) - found_names
    if not wanted and not _SYMBOL_NAME.search(claim_text):
        return []
    present = stems_of(text)
    if wanted - present:  # only then the names of the whole text: an acronym ("U.S."), a possessive
        present = present | names_in(text)
    missing = []
    for word, word_stem in claim_names:
        if word_stem in wanted and word_stem in present and word not in missing and _only_stem_shared(word, text):
            missing.append(word)  # "Mutschelleben" is not "Mutschellen", though both cut to "mutsch"
            continue
        if word_stem in wanted - present and word not in missing and not find_name(word, text) \
                and not (_CAMEL_CASE.search(word) and word.lower() in _squeezed(text)) \
                and not re.search(rf"\b{re.escape(word)}['’]s?(?!\w)", text):  # "Aisha’s" holds "Aisha"
            if not (word.isupper() and spelled_by_initials(word, text)):
                missing.append(word)
    for match in _SYMBOL_NAME.finditer(claim_text):  # "C#" is not "C": the word reader drops the sign
        written = re.compile(rf"(?<![\w#+]){re.escape(match.group())}(?![\w#+])")
        if not written.search(text) and match.group() not in missing:
            missing.append(match.group())
    return missing


def _only_stem_shared(word: str, text: str) -> bool:
    """Whether the names of ``text`` that share the long name ``word``'s crude stem all differ from
    it by more than an ending or a slip of one letter ("Mutschellen" for "Mutschelleben"; "American"
    still holds "America", "DirecTV" "DirectTV"). Words of six letters or fewer are their stem; a
    word the text also writes in lower case is a common word ("Arrests: 70+"), and a spelling met
    nowhere (another transliteration) is left to the stem."""
    if len(word) <= _STEM_LENGTH:
        return False
    word_stem = stem(word)
    shared = [m.group() for m in re.finditer(rf"(?<!\w){re.escape(word[:4])}\w*", text, re.IGNORECASE)]
    shared = [other for other in shared if stem(other) == word_stem]
    if not shared or any(other.islower() for other in shared):
        return False
    return not any(_same_name_word(name_key(word), name_key(other)) for other in shared)


def _same_name_word(a: str, b: str) -> bool:
    """One is the other with an ending ("america" / "americans"), or they differ in one letter."""
    if a.startswith(b) or b.startswith(a):
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    return a[head + 1:] == b[head + 1:] or a[head + 1:] == b[head:] or a[head:] == b[head + 1:]


def _squeezed(text: str) -> str:
    """The text without spaces and hyphens, lower case: "GoFundMe" is "Go Fund Me"."""
    return _SPACES_AND_HYPHENS.sub("", text).lower()


_SYMBOL_NAME = re.compile(r"(?<![\w#+])[A-Z][A-Za-z]?(?:#|\+\+)(?![\w#+])")


def _word_with_stem(text: str, word_stem: str) -> str:
    return next((w for w in WORD.findall(text) if stem(w) == word_stem), word_stem)


def _antonym_pairs(claim_text: str, claim_stems: frozenset[str], passage: str) -> list[tuple[str, str]]:
    return opposite_words(claim_stems & common_words(claim_text), stems_of(passage) & common_words(passage))


def turned_words(claim_text: str, claim_stems: frozenset[str], passage: str) -> frozenset[str]:
    """The claim's words that the passage turns around: by an antonym, or by negating them."""
    negated = negated_claim_word(claim_text, passage)
    return frozenset(
        [word for word, _ in _antonym_pairs(claim_text, claim_stems, passage)] + ([stem(negated)] if negated else [])
    )


def opposite_reason(claim_text: str, claim_stems: frozenset[str], passage: str, negation: bool = True) -> str | None:
    """Why ``passage`` says the opposite of the claim: a negation on one side only, or an antonym."""
    pairs = _antonym_pairs(claim_text, claim_stems, passage)
    if pairs:
        claim_word, passage_word = (_word_with_stem(text, word) for text, word in zip((claim_text, passage), pairs[0]))
        return f"the passage says “{passage_word}” where the claim says “{claim_word}”"
    negated = negated_claim_word(claim_text, passage)
    if negated:
        return f"the passage negates “{negated}”"
    if negation and is_negated(claim_text) != is_negated(passage):
        side = "the claim" if is_negated(claim_text) else "the passage"
        return f"only {side} is negated"
    return None


def coverage_near(claim_stems: frozenset[str], sentences: list[Sentence], indexes: list[int],
                  synonyms: bool = False) -> float:
    """The share of the claim's words in the sentences of its facts and their neighbours; with
    ``synonyms``, a word of the same WordNet synset stands for the claim's ("grossed" for "earned")."""
    if not claim_stems:
        return 1.0
    if not indexes:
        return 0.0
    stems: set[str] = set()
    for sentence in sentences[max(0, min(indexes) - 1) : max(indexes) + 2]:
        if not sentence.boilerplate:
            stems |= stems_of(sentence.text)
    covered = paraphrased(claim_stems, frozenset(stems)) if synonyms else claim_stems & stems
    return len(covered) / len(claim_stems)


def paraphrased(claim_stems: frozenset[str], stems: frozenset[str]) -> frozenset[str]:
    """The claim's words that ``stems`` hold, as they are, in another word of their most frequent
    WordNet sense (either way round), or as another noun counting the same thing."""
    covered = claim_stems & stems
    if covered == claim_stems:
        return covered
    senses = _first_senses()
    named_by_near = set().union(*(senses.get(word, ()) for word in stems))
    counted_near = {counted_as(word) for word in stems}
    return covered | {word for word in claim_stems - covered
                      if senses.get(word, frozenset()) & stems or word in named_by_near
                      or counted_as(word) in counted_near}


@lru_cache(maxsize=1)
def _first_senses() -> dict[str, frozenset[str]]:
    text = resources.files("citewatch").joinpath("data", "first_senses.txt").read_text(encoding="utf-8")
    table: dict[str, set[str]] = {}
    for line in text.splitlines():
        word, *others = line.split()
        table.setdefault(stem(word), set()).update(stem(other) for other in others)
    return {word: frozenset(others - {word}) for word, others in table.items()}


def substituted_word(
    claim_text: str, passage: str, around: str, heading: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """(claim word, passage word) where ``passage`` says the claim's sentence with one content
    word exchanged ("fell from a Sydney beach" / "fell from a Sydney clifftop"): the rest of the
    claim lines up word for word, and the claim's word is nowhere in ``around`` nor in the page's
    ``heading`` (the stems of what every sentence of the page is about)."""
    present = stems_of(around) | heading
    for change in _flanked_changes(claim_text, passage):
        if change.tag != "replace":
            continue
        if any(not w.isalpha() for w in change.claim_words + change.passage_words):
            continue  # a figure: the value rules judge it
        claim_content = [w for w, s in zip(change.claim_words, change.claim_stems)
                         if w.lower() not in STOPWORDS and s not in present and s not in PEOPLE_GENERIC]
        passage_content = [w for w in change.passage_words if w.lower() not in STOPWORDS and w.isalpha()]
        if claim_content and passage_content and not _same_meaning(change.claim_words, change.passage_words):
            return " ".join(change.claim_words), " ".join(change.passage_words)
    return None


NAME_SWAP_PREFIX = 3  # equal words right before the claim's name


def name_swapped(claim_text: str, passage: str) -> tuple[str, str] | None:
    """(claim name, passage name) where the passage says the words right before one of the claim's
    names and goes on with another name, never with the claim's, which it says elsewhere ("The
    painter was born in Lyon and died in Paris" for "The painter was born in Paris")."""
    claim_words = [m.group() for m in WORD.finditer(claim_text)]
    passage_words = [m.group() for m in WORD.finditer(passage)]
    claim_stems = [stem(w.lower()) for w in claim_words]
    passage_stems = [stem(w.lower()) for w in passage_words]
    for k in range(NAME_SWAP_PREFIX, len(claim_words)):
        name = claim_words[k]
        if not name[:1].isupper() or name.lower() in STOPWORDS:
            continue
        prefix = claim_stems[k - NAME_SWAP_PREFIX : k]
        followers = [passage_words[p + NAME_SWAP_PREFIX]
                     for p in range(len(passage_stems) - NAME_SWAP_PREFIX)
                     if passage_stems[p : p + NAME_SWAP_PREFIX] == prefix]
        # the claim's name is in the passage, said with other words: not a paraphrase of the name
        if not followers or claim_stems[k] not in passage_stems or any(
                stem(w.lower()) == claim_stems[k] for w in followers):
            continue
        other = next((w for w in followers if w[:1].isupper() and w.lower() not in STOPWORDS
                      and not _same_meaning([name], [w])), None)
        if other:
            return name, other
    return None


@dataclass(frozen=True)
class _Change:
    """One or two words of the claim that the passage says otherwise, with equal words on each side."""

    tag: str  # "replace", "insert" (the passage adds), "delete" (the passage leaves out)
    claim_words: list[str]
    claim_stems: list[str]
    passage_words: list[str]
    passage_stems: list[str]
    claim_around: str  # the change with one word of its flanks, as the claim writes it
    passage_around: str


def _flanked_changes(claim_text: str, passage: str) -> Iterator[_Change]:
    """The places where ``passage`` says the claim's words but for at most SUBSTITUTION_SPAN words on
    either side, flanked by at least SUBSTITUTION_FLANK equal words before and after."""
    claim_words = [m.group() for m in WORD.finditer(claim_text)]
    passage_words = [m.group() for m in WORD.finditer(passage)]
    claim_stems = [stem(w.lower()) for w in claim_words]
    passage_stems = [stem(w.lower()) for w in passage_words]
    blocks = SequenceMatcher(None, claim_stems, passage_stems, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(blocks[1:-1], start=1):
        if tag == "equal" or i2 - i1 > SUBSTITUTION_SPAN or j2 - j1 > SUBSTITUTION_SPAN:
            continue
        before, after = blocks[index - 1], blocks[index + 1]
        if before[0] != "equal" or after[0] != "equal":
            continue
        if min(before[2] - before[1], after[2] - after[1]) < SUBSTITUTION_FLANK:
            continue
        yield _Change(tag, claim_words[i1:i2], claim_stems[i1:i2], passage_words[j1:j2], passage_stems[j1:j2],
                      " ".join(claim_words[i1 - 1 : i2 + 1]), " ".join(passage_words[j1 - 1 : j2 + 1]))


def turned_in_place(claim_text: str, passage: str) -> tuple[str, str] | None:
    """(claim word, passage word) where ``passage`` says the claim's words with one of them turned into
    its opposite in the same place ("to get the least bang for the billions" / "to get the most bang for
    the billions"): the words on each side line up, so the two words say opposite things of one thing."""
    table = antonyms()
    for change in _flanked_changes(claim_text, passage):
        if change.tag != "replace":
            if all(w.lower() in _NEGATORS for w in change.claim_words + change.passage_words):
                # "will not be required" / "will be required": the same words, negated on one side only
                return change.claim_around, change.passage_around
            continue
        for claim_word, claim_stem in zip(change.claim_words, change.claim_stems):
            for passage_word, passage_stem in zip(change.passage_words, change.passage_stems):
                if claim_word.islower() and passage_word.islower() and (
                        passage_stem in table.get(claim_stem, ())
                        or frozenset((claim_word, passage_word)) in OPPOSED_FUNCTION_WORDS):
                    return claim_word, passage_word
    return None


_NEGATORS = frozenset(("not", "never"))
# Function words WordNet has no antonyms for, which turn a statement round in its place: "voted for
# the bill" / "voted against the bill", "with" / "without", "before" / "after" the same event
OPPOSED_FUNCTION_WORDS = frozenset(frozenset(pair) for pair in (("for", "against"), ("with", "without"),
                                                                  ("before", "after")))


def turning_words(claim_text: str) -> frozenset[str] | None:
    """The stems a sentence turning the claim round in place must hold: the antonyms of its common words,
    or a negation; None when the claim is negated itself (the sentence may then lack one)."""
    words = common_words(claim_text)
    if words & _NEGATORS:
        return None
    table = antonyms()
    opposed = {stem(other) for pair in OPPOSED_FUNCTION_WORDS for word in pair if stem(word) in words
               for other in pair - {word}}
    return _NEGATORS.union(opposed, *(table.get(word, frozenset()) for word in words))


def may_turn(turning: frozenset[str] | None, sentence_text: str) -> bool:
    """Could the sentence turn the claim round in place: does it hold one of ``turning_words``? Its
    content stems are read already; the function words among them ("most", "not") are looked for
    as words."""
    if turning is None or stems_of(sentence_text) & turning:
        return True
    spelled = _spelled(turning & _FUNCTION_STEMS)
    return spelled is not None and spelled.search(sentence_text) is not None


_FUNCTION_STEMS = frozenset(stem(word) for word in STOPWORDS) | _NEGATORS


@lru_cache(maxsize=1024)
def _spelled(words: frozenset[str]) -> re.Pattern[str] | None:
    # a stem is a word's beginning ("abov" of "above"): a loose test, the alignment decides
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words))) + r")", re.IGNORECASE) if words else None


def _same_meaning(claim_words: list[str], passage_words: list[str]) -> bool:
    """"cliff top" and "clifftop", "hires" and "hired", "rose" and "increased" (one WordNet synset)."""
    if "".join(claim_words).lower() == "".join(passage_words).lower():
        return True
    if _acronym_of(claim_words, passage_words) or _acronym_of(passage_words, claim_words):
        return True
    claim_lemmas = {stem(w.lower()) for w in claim_words if w.lower() not in STOPWORDS}
    passage_lemmas = {stem(w.lower()) for w in passage_words if w.lower() not in STOPWORDS}
    if any(_same_word(a, b) for a in claim_lemmas for b in passage_lemmas):
        return True
    synsets = _synsets()
    claim_sets = set().union(*(synsets.get(lemma, ()) for lemma in claim_lemmas))
    return any(claim_sets & synsets.get(lemma, frozenset()) for lemma in passage_lemmas)


def _acronym_of(short: list[str], long: list[str]) -> bool:
    """ "US" and "United States": one capital word made of the initials of the other's capital words."""
    capitals = [w for w in long if w[:1].isupper()]
    return (len(short) == 1 and short[0].isupper() and len(short[0]) == len(capitals) >= 2
            and spelled_by_initials(short[0], " ".join(capitals)))


def _same_word(a: str, b: str) -> bool:
    """Two stems of one word that the light stemmer left apart ("hire"/"hir")."""
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= SAME_WORD_PREFIX and longer.startswith(shorter)


SAME_WORD_PREFIX = 3


@lru_cache(maxsize=1)
def _synsets() -> dict[str, frozenset[int]]:
    """WordNet's synsets (``data/synonyms.txt``, built by tools/build_antonyms.py), by the lemma of each word."""
    text = resources.files("citewatch").joinpath("data", "synonyms.txt").read_text(encoding="utf-8")
    members: dict[str, set[int]] = {}
    for number, line in enumerate(text.splitlines()):
        for word in line.split():
            members.setdefault(stem(word), set()).add(number)
    return {lemma: frozenset(numbers) for lemma, numbers in members.items()}


SUBSTITUTION_SPAN = 2
SUBSTITUTION_FLANK = 2
