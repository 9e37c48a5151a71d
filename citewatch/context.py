"""Is a number or date of the source about the claim's fact? The rules of "same context".

For each fact of a claim, :func:`claim_contexts` gathers its *anchors* (the claim's words, weighted
by how near they stand to the fact), the event it belongs to ("arrested", "sentenced") and the
group it counts ("people", "police officers"). :func:`occurrences` then lists every value of the
same kind in the source's sentences that passes the rules of docs/verdicts.md ("Which passages
count"): same event nearby, same group, not hedged, not a reported denial, not a dateline or a
link list, with negation turned into contradiction. The checker (:mod:`citewatch.check`) decides
from these occurrences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from citewatch import memo
from citewatch.compare import Relation, compare, compare_date_with_bound, is_span_of_years
from citewatch.facts import CURRENCY_SIGNS, CURRENCY_WORDS, DATE_BOUND, FoundFact, found_facts
from citewatch.models import CALENDAR_YEARS, CountFact, DateFact, EntityFact, Fact, QuoteFact, RangeFact
from citewatch.normalize import EVENT_GROUPS, stem
from citewatch.passages import Sentence, segments, stem_positions, stems_of

NEAR_WORDS = 5  # content words between a fact and an anchor for the anchor to count as near

GENERIC_WORDS = (
    "people persons individuals men women person case cases report reports news time times according "
    "including several various number total group part way day days also well reportedly officials "
    "человек люди лиц şəxs nəfər insan"
)
GENERIC = frozenset(stem(w) for w in GENERIC_WORDS.split())
PEOPLE_GENERIC = frozenset(
    stem(w)
    for w in (
        "people persons individuals person men women defendants accused detainees prisoners convicts suspects "
        "человек люди лиц обвиняемых задержанных nəfər şəxs"
    ).split()
)
NOT_THE_SAME_GROUP = frozenset(stem(w) for w in "others other more additional further remaining".split())
THINGS = frozenset(
    stem(w)
    for w in (
        "comments comment views shares likes photos pictures videos results pages articles stories "
        "minutes seconds hours readers subscribers followers votes points km kilometres miles metres "
        "dollars euros manat percent items links tags"
    ).split()
)
DATELINE = re.compile(
    r"\b(?:published|updated|posted|last modified|copyright|опубликовано|обновлено|tarix)\b|©",
    re.IGNORECASE,
)


EVENT_DISTANCE = 4  # content words between a number and the event it counts ("18 people were sentenced")
DATE_EVENT_DISTANCE = 10
# the hedges that tell a plan ("was expected to launch on October 15"), one part of HEDGE
_PLAN_WORDS = (r"expected to|expect(?:s|ed)?\s+(?:[\w,.-]+\s+){1,4}?to\b|forecast(?:ed)? to|predicted to|plans? to|"
               r"planned to|proposed|proposes|(?:set|scheduled|slated|due) (?:for|to)|budgeted (?:at|for)|"
               r"estimated to|"
               # "analysts had expected a profit of $3 billion"
               r"(?:expected|anticipated|forecast|predicted)\s+(?:a|an|the|about|around|some)\b")
# "may" next to a number, or written "May", is the month ("14 May 2016", "May 14", "in May"), not a hedge.
HEDGE = re.compile(
    r"\b(?:could|would|might|(?-i:will)|(?<!\d\s)(?-i:may)(?!\s\d)|if|unless|whether|asked|asks|asking|demanded|demands|demanding|sought|seeks|"
    r"seeking|requested|requests|face|faces|facing|risks?|" + _PLAN_WORDS + r"|"
    r"(?:aims?|aimed|hopes?|hoped|intends?|intended|wants?|wanted|tries|tried|attempts?|attempted) to|"
    r"(?:built|designed|meant|supposed) to|once|formerly|previously|consider(?:s|ed|ing)?|"
    r"calls? for|called for|urged?|threatened with|threaten(?:s|ed)? (?:to|a|an)|"
    r"потребовал|просит|может|могут|tələb)\b",
    re.IGNORECASE,
)
_PLAN_HEDGE = re.compile(_PLAN_WORDS, re.IGNORECASE)
# a plan that was changed: the claim's dates include the planned one ("pushed back from October 15"),
# which a page tells as a plan ("was expected to launch on October 15")
PLAN_CHANGED = re.compile(r"\b(?:postponed|delayed|pushed back|rescheduled|brought forward|put off)\b", re.IGNORECASE)


def claim_hedging(claim_text: str) -> str:
    """The hedges of a page that the claim carries itself: "any" when it speaks of what was asked or
    possible ("faces up to"), "plans" when it tells of a plan that was changed ("was pushed back from
    October 15"), "" when none."""
    if HEDGE.search(claim_text) or _TOLD_OR_MEANT_TO.search(claim_text):
        return "any"
    return "plans" if PLAN_CHANGED.search(claim_text) else ""


def hedged_beyond(hedging: str, text: str) -> bool:
    """Does ``text`` hedge in a way the claim does not? A changed plan carries a page's plan ("was
    expected to launch on October 15"), never its "could" or "asked"."""
    if hedging == "any":
        return False
    return any(hedging != "plans" or not _PLAN_HEDGE.fullmatch(match.group()) for match in HEDGE.finditer(text))


REPORTING_WORDS = frozenset(
    "said says told reported announced stated wrote published added noted declared claimed commented "
    "retrieved accessed "  # "Retrieved on 2010-01-01": when a citation was read
    "tweeted statement interview release заявил заявила сообщил сообщила заявили сообщили bildirib "
    "deyib açıqlayıb".split()
)
SUBGROUP = re.compile(
    r"\b(?:remaining|rest|others|another|each|among|of whom|of them|some of|most of|остальн|каждый|"
    r"qalan|digər|first|initially|at first|by then|until then|at the time|early|earlier|opening|alone)\b",
    re.IGNORECASE,
)

CURRENCIES = frozenset(CURRENCY_SIGNS.values()) | frozenset(CURRENCY_WORDS.values())
_ANY_WORD = re.compile(r"\w+")
_NEW = re.compile(r"\b(?:new|further|additional|more)\b")
_RUNNING_TOTAL = re.compile(r"\b(?:so far|to date|a total of|in total|cumulative|overall)\b", re.IGNORECASE)
BYLINE = re.compile(r"^\s*(?:by|date|дата)\b", re.IGNORECASE)
DATE_LABEL = re.compile(r"^\s*(?:date|дата)\b", re.IGNORECASE)

# Keys of infobox rows ("Date: 25–26 November 2015") that say what kind of value follows, not what
# happened: such a key is no context for the value. Keys that name an event ("Arrests: 70+",
# "Convicted: 18") are kept: they are the claim's words.
GENERIC_LABEL_WORDS = (
    "date dates time period duration cause causes reason reasons outcome outcomes result results location "
    "place venue participants parties status type motive"
)
ROW_LABEL = re.compile(r"^\s*([^\W\d_]+(?: [^\W\d_]+){0,2})\s*:\s+")


@dataclass
class FactContext:
    fact: Fact
    anchors: dict[str, float]  # stem → weight
    entity_stems: frozenset[str] = frozenset()  # anchors that come from names (who, not what)
    events: frozenset[str] = frozenset()  # event groups near the fact in the claim ("arrest")
    noun: str | None = None
    reporting: bool = False  # the claim is about a statement ("X said in 2017 ...")
    hedging: str = ""  # the page's hedges the claim carries itself (:func:`claim_hedging`)
    disputes: bool = False  # the claim itself is about a denial
    claim_values: tuple[Fact, ...] = ()  # the claim's other numbers and dates ("trials (2016–2017)")
    date_bound: str | None = None  # the claim's date is a bound too ("by 2030")
    year_assumed: bool = False  # the claim writes the date without a year ("on April 24")
    parts: frozenset[str] = frozenset()  # the claim's own words for a part or a time ("in its first week")
    passive: bool = False  # the claim tells what was done to its people or things ("were killed")

    @property
    def total(self) -> float:
        return sum(self.anchors.values())


@dataclass
class Occurrence:
    found: FoundFact
    sentence: Sentence
    relation: Relation
    context: float  # the sentence's share of the fact's anchors
    local: float  # the clause's share of the fact's anchors
    local_events: frozenset[str] = frozenset()
    subgroup: bool = False
    local_non_entity: float = 0.0
    alone: bool = True  # no other value of the same kind in the sentence
    name_beside: bool = False  # a name of the claim right beside the value, in its clause


# --- the claim ---------------------------------------------------------------------------


def _same_fact(a: Fact, b: Fact) -> bool:
    if isinstance(a, CountFact) and isinstance(b, CountFact):
        return a.value == b.value
    if isinstance(a, RangeFact) and isinstance(b, RangeFact):
        return (a.low, a.high) == (b.low, b.high)
    if isinstance(a, DateFact) and isinstance(b, DateFact):
        return a.value == b.value or b.value.startswith(a.value)
    return a == b


@memo.reading(maxsize=4096)
def generic_row_label(claim_text: str) -> int:
    """The end of a generic infobox key ("Date: ", "Cause: ") at the start of the claim, or 0."""
    match = ROW_LABEL.match(claim_text)
    if not match:
        return 0
    label = {stem(w) for w in match.group(1).split()}
    return match.end() if label <= GENERIC_LABELS else 0


def subject_anchors(claim_text: str, subject: str | None) -> dict[str, float]:
    """The document's subject ("Nardaran case") as context of an infobox row with a generic key:
    "Date: 25–26 November 2015" is the date of *the subject's* events, and says so only there."""
    if not subject or not generic_row_label(claim_text):
        return {}
    return {s: 0.3 if s in GENERIC else 1.0 for s in stems_of(subject)}


@dataclass(frozen=True)
class _ClaimReading:
    """What :func:`claim_contexts` reads of a claim's text alone (the same for each of its sources)."""

    found: tuple[FoundFact, ...]
    words: tuple[tuple[str, int, int], ...]  # content words outside its values and row key
    named: frozenset[str]  # the words of the names the text mentions
    values: tuple[FoundFact, ...]
    reporting: bool
    hedging: str
    disputes: bool
    passive: bool  # tells what was done to its people or things ("were killed")


_PASSIVE = re.compile(r"\b(?:was|were|been|being|be|is|are|got)\s+(?:\w+ly\s+)?\w+ed\b", re.IGNORECASE)


@memo.reading(maxsize=4096)
def _read_claim(claim_text: str, default_year: int | None = None) -> _ClaimReading:
    found = found_facts(claim_text, default_year)
    fact_spans = [(f.start, f.end) for f in found if not isinstance(f.fact, (EntityFact, QuoteFact))]
    label_end = generic_row_label(claim_text)
    words = tuple(
        (s, start, end)
        for s, start, end in stem_positions(claim_text)
        if not any(a <= start < b for a, b in fact_spans) and start >= label_end
    )
    return _ClaimReading(
        found,
        words,
        frozenset(s for f in found if isinstance(f.fact, EntityFact) for s in stems_of(f.fact.name)),
        tuple(f for f in found if not isinstance(f.fact, (EntityFact, QuoteFact))),
        any(w.lower() in REPORTING_WORDS for w in _ANY_WORD.findall(claim_text)),
        claim_hedging(claim_text),
        bool(DISPUTED.search(claim_text)),
        bool(_PASSIVE.search(claim_text)),
    )


def yearless_dates(claim_text: str, default_year: int | None) -> list[str]:
    """The claim's dates written without a year ("on Friday, April 24"), read in ``default_year``."""
    return [f.text for f in _read_claim(claim_text, default_year).found if f.year_assumed]


def claim_contexts(
    claim_text: str, facts: list[Fact], subject: str | None = None, default_year: int | None = None
) -> list[FactContext]:
    """Each fact with its anchors: the claim's words, weighted 1 when near the fact, 0.5 when far.

    An infobox row with a generic key ("Date: ...") takes the value's own words and, when given,
    the document's ``subject``; the key itself is no anchor.
    """
    reading = _read_claim(claim_text, default_year)
    found, words, values, reporting = reading.found, reading.words, reading.values, reading.reporting
    parts = frozenset(part_words(claim_text))
    from_subject = subject_anchors(claim_text, subject)
    entity_stems = reading.named | frozenset(
        s for f in facts if isinstance(f, EntityFact) for s in stems_of(" ".join([f.name, *f.aliases]))
    )
    entity_stems |= frozenset(from_subject)  # where and who, not what: never enough to contradict
    contexts = []
    for fact in facts:
        occurrence = next((f for f in found if _same_fact(fact, f.fact)), None)
        anchors: dict[str, float] = {}
        position = None
        if occurrence is not None:
            position = sum(1 for _, start, _ in words if start < occurrence.start)
        # the word another figure of the claim counts is that figure's ("less than 2,550 cases ...
        # and less than 134 deaths": "deaths" is no event of the cases)
        others = frozenset(s for f in values if f is not occurrence and f.noun for s in stems_of(f.noun.split()[-1]))
        near_events = set()
        for index, (word_stem, _, _) in enumerate(words):
            if position is None:
                weight = 1.0
            else:
                distance = position - index if index < position else index - position + 1
                weight = 1.0 if distance <= NEAR_WORDS else 0.5
            if (word_stem in EVENT_GROUPS and weight == 1.0 and word_stem not in others
                    and word_stem not in entity_stems):
                near_events.add(word_stem)  # not the "Death" of "Death Valley"
            if word_stem in GENERIC:
                weight *= 0.3
            anchors[word_stem] = max(anchors.get(word_stem, 0.0), weight)
        if isinstance(fact, CountFact) and fact.unit == "time of day":
            near_events = set()  # "the crash that killed her happened at 3 p.m.": the time of what happened
        if not near_events and not isinstance(fact, CountFact):
            # the claim's event anywhere ("founded CREW 40:4, a non-profit ..., in 2012"), but not the
            # word of another of its values ("the Putsch of November 8, 1923 ... left 16 Nazis dead")
            others_at = [sum(1 for _, start, _ in words if start < f.start) for f in values if f is not occurrence]
            near_events = {s for index, (s, _, _) in enumerate(words)
                           if s in EVENT_GROUPS and s not in others and s not in entity_stems
                           and not any(abs(index - at) <= 1 for at in others_at)}
        for word_stem, weight in from_subject.items():
            anchors[word_stem] = max(anchors.get(word_stem, 0.0), weight)
        if isinstance(fact, EntityFact):
            for word_stem in stems_of(" ".join([fact.name, *fact.aliases])):
                anchors.pop(word_stem, None)
        contexts.append(
            FactContext(
                fact,
                anchors,
                entity_stems,
                frozenset(near_events),
                occurrence.noun if occurrence else None,
                reporting,
                reading.hedging,
                reading.disputes,
                # the claim's other values, once the fact is tied to its own words in the claim (a fact
                # the text does not state, as in a registry self-check, may be any of them)
                tuple(f.fact for f in values if (f.start, f.end) != (occurrence.start, occurrence.end))
                if occurrence is not None
                else (),
                date_bound(claim_text, occurrence.start, occurrence.end)
                if occurrence is not None and isinstance(fact, DateFact)
                else None,
                occurrence is not None and occurrence.year_assumed,
                parts,
                reading.passive,
            )
        )
    return contexts


def ranking_weights(contexts: list[FactContext], claim_text: str, subject: str | None = None) -> dict[str, float]:
    weights: dict[str, float] = dict(subject_anchors(claim_text, subject))
    label_end = generic_row_label(claim_text)
    for word_stem, start, _ in stem_positions(claim_text):
        if start >= label_end:
            weights[word_stem] = 0.3 if word_stem in GENERIC else 1.0
    for context in contexts:
        if isinstance(context.fact, EntityFact):
            for word_stem in stems_of(" ".join([context.fact.name, *context.fact.aliases])):
                weights[word_stem] = max(weights.get(word_stem, 0.0), 1.0)
            capitals = [word[0] for word in context.fact.name.split() if word[:1].isupper()]
            if len(capitals) >= 2:  # "United Kingdom" is written "UK" too
                acronym = "".join(capitals).lower()
                weights[acronym] = max(weights.get(acronym, 0.0), 1.0)
    return weights


# --- the source --------------------------------------------------------------------------


def _score(stems: set[str] | frozenset[str], anchors: dict[str, float]) -> float:
    return sum(anchors.get(s, 0.0) for s in stems)


WEEKDAY_END = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\W*$", re.IGNORECASE)


def _fact_segments(sentence: Sentence, found_facts: list[FoundFact]) -> list[tuple[int, int]]:
    """The sentence's clauses, with clauses joined where a fact spans them ("January 25, 2017") or
    a weekday leads into its date ("on Saturday, April 25")."""
    merged: list[tuple[int, int]] = []
    for a, b in segments(sentence):
        previous = sentence.text[merged[-1][0] - sentence.start : merged[-1][1] - sentence.start] if merged else ""
        led_in = WEEKDAY_END.search(previous) and len(stem_positions(previous)) > 1  # not a bare "On Friday,"
        if merged and (any(f.start < merged[-1][1] and f.end > a for f in found_facts) or led_in):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


_PREPOSITION_LED = re.compile(r"\s*(?:on|in|at|during)\s")  # lower case: inside its sentence, not opening one
_LOWER_CASE_WORD = re.compile(r"\b[a-z]{3,}\b")


def _local_region(sentence: Sentence, found: FoundFact, others: list[FoundFact]) -> tuple[int, int]:
    """The fact's clause; for a clause that is only the fact ("On 25 January 2017,"), up to the
    next clause with words (or back to the one before, at the end of a sentence)."""
    value_spans = [(f.start, f.end) for f in others if not isinstance(f.fact, (EntityFact, QuoteFact))]
    spans = _fact_segments(sentence, others)
    index = next((i for i, (a, b) in enumerate(spans) if a <= found.start < b), 0)

    def has_words(span: tuple[int, int]) -> bool:
        a, b = span
        piece = sentence.text[a - sentence.start : b - sentence.start]
        return any(not any(x <= a + start < y for x, y in value_spans) for _, start, _ in stem_positions(piece))

    if has_words(spans[index]):
        return spans[index]
    clause = sentence.text[spans[index][0] - sentence.start : spans[index][1] - sentence.start]
    if index > 0 and _PREPOSITION_LED.match(clause):
        # "was born in Canton, Ohio, on January 5, 1969, the only son of ...": a date put after its
        # verb's clause belongs to it
        for earlier in reversed(spans[:index]):
            piece = sentence.text[earlier[0] - sentence.start : earlier[1] - sentence.start]
            if _LOWER_CASE_WORD.search(piece):  # not a place's name alone: "Canton, Ohio," is where, not what
                return earlier[0], spans[index][1]
    for later in spans[index + 1 :]:
        if has_words(later):
            return spans[index][0], later[1]
    for earlier in reversed(spans[:index]):
        if has_words(earlier):
            return earlier[0], spans[index][1]
    return spans[index]


def _next_segment_end(sentence: Sentence, region: tuple[int, int], others: list[FoundFact]) -> int:
    following = [span for span in _fact_segments(sentence, others) if span[0] >= region[1]]
    return following[0][1] if following else region[1]


def _region_words(sentence: Sentence, region: tuple[int, int], others: list[FoundFact]) -> list[tuple[str, int]]:
    """(stem, offset) of the content words of a region, leaving out the words of numbers, dates
    and names (a name is who, not what: "sentenced Taleh Bagirov to 20 years")."""
    value_spans = [(f.start, f.end) for f in others if not isinstance(f.fact, QuoteFact)]
    a, b = region
    piece = sentence.text[a - sentence.start : b - sentence.start]
    return [
        (word_stem, a + start)
        for word_stem, start, _ in stem_positions(piece)
        if not any(x <= a + start < y for x, y in value_spans)
    ]


def _negated_after(
    sentence: Sentence, found: FoundFact, words: list[tuple[str, int]], context: FactContext
) -> bool:
    """ "More than 70 individuals were not arrested": a negation between the fact and the claim's
    word that follows it."""
    for word, at in words:
        if at < found.end:
            continue
        if word in context.anchors and context.anchors[word] >= 1.0:
            between = sentence.text[found.end - sentence.start : at - sentence.start]
            return bool(NEGATION_WORD.search(between))
    return False


GENERIC_LABELS = frozenset(stem(w) for w in GENERIC_LABEL_WORDS.split())
NEGATION_WORD = re.compile(r"\b(?:not|never|no longer|не|deyil)\b|n't\b", re.IGNORECASE)
DISPUTED = re.compile(
    r"\b(?:false|falsely|wrongly|incorrectly|erroneously|untrue|not true|no evidence|debunked|denied|denies|deny|"
    r"denying|dismissed|baseless|fabricated|rumou?rs?|earlier version of this|"
    r"опроверг\w*|неправд\w*|təkzib\w*)\b",
    re.IGNORECASE,
)
ENUMERATION = re.compile(
    r"^\s*(?:including|among them|among whom|of whom|namely|such as|в том числе|o cümlədən|\w+ of (?:them|whom))\b",
    re.I,
)


def _event_of_enumeration(
    sentence: Sentence, region: tuple[int, int], others: list[FoundFact]
) -> tuple[str | None, int]:
    """ "seven were killed, including two police officers" / "six dead: two officers and four
    residents": a list after "including" or a colon counts what the clause before it says."""
    start = region[0] - sentence.start
    before = sentence.text[:start].rstrip()
    if not (before.endswith(":") or ENUMERATION.match(sentence.text[start:])):
        return None, 10**6
    head = _fact_segments(sentence, others)
    previous = [span for span in head if span[1] <= region[0]]
    if not previous:
        return None, 10**6
    words = _region_words(sentence, previous[-1], others)
    events = [w for w, _ in words if w in EVENT_GROUPS]
    return (events[-1], 1) if events else (None, 10**6)


_AGENT_SUFFIX = r"(?:er|or|ant)s?"  # "killers", "founder", "protesters", "applicants"
# a word at a place of the text; "prisoners" underwent the sentencing its stem names
_AGENT_WORD = re.compile(rf"[^\W\d_]+(?<!prison){_AGENT_SUFFIX}\b", re.IGNORECASE)


def _deeds(sentence: Sentence, words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The words without the nouns of those who do an event ("its founder was born in 1990": the
    founding is not what happened in 1990; "killers"), which share the event's stem."""
    return [(word, at) for word, at in words
            if word not in EVENT_GROUPS or not _AGENT_WORD.match(sentence.text, at - sentence.start)]


def _nearest_event(words: list[tuple[str, int]], found: FoundFact) -> tuple[str | None, int, int | None]:
    """The event word ("arrested", "killed") closest to the fact, how many words away, and where."""
    before = [(w, at) for w, at in words if at < found.start]
    after = [(w, at) for w, at in words if at >= found.end]
    best, distance, where = None, 10**6, None
    for index, (word, at) in enumerate(after):  # after first: "18 people were sentenced", "sentenced 18"
        if word in EVENT_GROUPS:
            best, distance, where = word, index + 1, at
            break
    for index, (word, at) in enumerate(reversed(before)):
        if word in EVENT_GROUPS:
            if index + 1 < distance:
                best, distance, where = word, index + 1, at
            break
    return best, distance, where


BESIDE_WORDS = 3
ALONE_IN_ITS_SENTENCE = 0.75  # share of the claim's anchors in a sentence whose one value of a unit is the claim's


def _anchor_beside(words: list[tuple[str, int]], found: FoundFact, context: FactContext) -> bool:
    """For a claim that names no event: one of its own words (not a generic one) stands right
    beside the figure ("a budget of 12 million", "closed for nine days")."""
    before = [w for w, at in words if at < found.start][-BESIDE_WORDS:]
    after = [w for w, at in words if at >= found.end][:BESIDE_WORDS]
    return any(context.anchors.get(w, 0.0) >= 0.5 for w in before + after)


def _period_and_date(claimed: Fact, stated: Fact) -> bool:
    """A period of the calendar and a date meet: "in the 16th century" and "in 1583"; so do a
    claim's year and a span of years ("from 1939 to 1975")."""
    return any(isinstance(a, RangeFact) and a.unit == CALENDAR_YEARS and isinstance(b, DateFact)
               for a, b in ((claimed, stated), (stated, claimed))) or (
        isinstance(claimed, DateFact) and is_span_of_years(stated))


def _count_and_range(claimed: Fact, stated: Fact) -> bool:
    return (isinstance(claimed, CountFact) and isinstance(stated, RangeFact) and stated.unit != CALENDAR_YEARS
            and not is_span_of_years(stated))


def _claims_name_beside(
    sentence: Sentence, found: FoundFact, found_facts: list[FoundFact], context: FactContext
) -> bool:
    """A name of the claim stands right beside the figure, at most two words away ("Freddy Mercury at #6")."""
    for other in found_facts:
        if not isinstance(other.fact, EntityFact) or not stems_of(other.text) & context.entity_stems:
            continue
        if other.start < found.end and found.start < other.end:
            continue  # a name that holds the value ("Windows 10") is not beside it
        gap = (sentence.text[other.end - sentence.start : found.start - sentence.start] if other.end <= found.start
               else sentence.text[found.end - sentence.start : other.start - sentence.start])
        if isinstance(found.fact, DateFact) and other.start >= found.end:
            gap = gap.lstrip().removeprefix(",")  # "November 8, 1923, Beer Hall Putsch": the comma of the date
        if len(gap.split()) <= 2 and not _CLAUSE_BREAK.search(gap):
            return True
    return False


_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]")


def _modal_before_claim_word(sentence: Sentence, words: list[tuple[str, int]], context: FactContext) -> str:
    """The modal right before a claim word of the value's clause ("the judge could postpone the trial
    to March 3" for "was postponed to March 3"), however far from the value, or ""."""
    for word_stem, offset in words:
        if context.anchors.get(word_stem, 0.0) >= 1.0:
            modal = _MODAL_BEFORE.search(sentence.text, 0, offset - sentence.start)
            if modal:
                return modal.group(1)
    return ""


# possibility only: "would" is often a plan reported ("announced it would remove"), "could not" a fact
_MODAL_BEFORE = re.compile(r"\b(could|might|may|consider(?:s|ed|ing)?)\s+(?:be\s+|have\s+been\s+)?$", re.IGNORECASE)


def _hedge_span(sentence: Sentence, region: tuple[int, int], found: FoundFact, event_at: int | None) -> str:
    """Where a hedge ("asked the court to sentence 18", "18 could be sentenced") would bear on the
    fact: from a few words before the fact or its event word to the later of the two."""
    if event_at is None:
        # no event word: the words right around the figure ("could reach 12 million", "18 could be")
        lead = sentence.text[region[0] - sentence.start : found.start - sentence.start].split()
        # "was due to be completed in 2019": the plan reaches the figure through its infinitive
        lead = lead[-7:] if _PLANNED_TO_BE.search(" ".join(lead[-7:])) else lead[-4:]
        tail = sentence.text[found.end - sentence.start : region[1] - sentence.start].split()[:2]
        return " ".join(lead + [found.text] + tail)
    start, end = min(found.start, event_at), max(found.end, event_at + 1)
    words_before = sentence.text[: start - sentence.start].split()
    # "asked for him to be sentenced": the request reaches the event through its infinitive
    lead = words_before[-7:] if _REQUESTED_TO.search(" ".join(words_before[-7:])) else words_before[-4:]
    tail_end = sentence.text.find(" ", end - sentence.start)
    return " ".join(lead) + " " + sentence.text[start - sentence.start : tail_end if tail_end > 0 else None]


# "100 people were asked to evacuate": what they were asked, told or ordered to do is not done
_TOLD = r"(?:asked|told|urged|ordered|advised|invited|called on|encouraged|expected)\s+to\b"
_ASKED_AFTER = re.compile(rf"(?:\s+[a-z]+){{0,2}}?\s+(?:were|was|have been|had been|are|is)\s+(?:\w+ly\s+)?{_TOLD}")
# "Two ministers threatened to resign": what the counted ones meant, offered or refused to do
_MEANT = (r"(?:threaten(?:ed|s)?|plan(?:ned|s)?|want(?:ed|s)?|hope[sd]?|intend(?:ed|s)?|refused|declined|failed|"
          r"tried|vowed|promised|offered|agreed|pledged)\s+to\b")
_MEANT_AFTER = re.compile(rf"(?:\s+[a-z]+){{0,2}}?\s+{_MEANT}")
_TOLD_OR_MEANT_TO = re.compile(rf"\b(?:{_TOLD}|{_MEANT})", re.IGNORECASE)  # a claim that says so itself
_ASKS = re.compile(r"\s*(?:did|do|does|is|are|was|were|can|could|will|would|has|have|had|should|how|what|why|when|"
                   r"where|who|which)\b", re.IGNORECASE)
_PLANNED_TO_BE = re.compile(
    r"\b(?:due|set|scheduled|slated|expected|supposed|planned)\s+to\s+be\s+[a-z]+(?:\s+[a-z]+)?$", re.IGNORECASE)
_REQUESTED_TO = re.compile(r"\b(?:asked|asking|called|pressed|urged|sought|demanded|requested)\s+(?:for\s+)?"
                           r"(?:\S+\s+){0,2}to(?:\s+be)?$", re.IGNORECASE)


# Nouns that count the same things in reports: "claimed 8,000 lives" are 8,000 deaths, "54 reviews"
# on an aggregator are 54 critics' reviews, "2.99 million copies" of an album are its units sold.
COUNTED_THE_SAME = (
    ("case", "infect", "occurr"),
    ("kill", "live"),
    ("copi", "unit"),
    ("review", "critic"),
    ("match", "fixtur"),
)
_COUNTED_AS = {member: group[0] for group in COUNTED_THE_SAME for member in group}


def counted_as(word_stem: str) -> str:
    return _COUNTED_AS.get(word_stem, word_stem)


def heads_meet(claim_noun: str | None, source_noun: str | None, ignored: frozenset[str] = frozenset()) -> bool:
    """Do two counted noun phrases count the same thing? The head (the last word) of one must be
    in the other: "coronavirus cases" and "new cases" meet, "new cases" and "new deaths" do not."""
    if not claim_noun or not source_noun:
        return False
    claim_stems = [counted_as(stem(w)) for w in claim_noun.split()]
    source_stems = [counted_as(stem(w)) for w in source_noun.split()]
    return (claim_stems[-1] in source_stems and claim_stems[-1] not in ignored) or (
        source_stems[-1] in claim_stems and source_stems[-1] not in ignored)


def counts_by_the_claims_event(context: FactContext, source_noun: str | None) -> bool:
    """The claim counts people or cases by what happened to them ("61 coronavirus cases were
    hospitalized", "27 people had recovered", "6.2 million people follow"), the source by that
    event's own noun ("61 hospitalizations", "25 recoveries", "6.2 million followers"). Not an agent
    of what the claim's people underwent ("five people were killed" is no count of "killers")."""
    if not context.noun or not source_noun:
        return False
    claim_head = counted_as(stem(context.noun.split()[-1]))
    if claim_head not in PEOPLE_GENERIC and claim_head != "case":
        return False
    source_head = source_noun.split()[-1]
    source_stem = stem(source_head)
    if source_stem in GENERIC or source_stem in context.entity_stems or context.anchors.get(source_stem, 0.0) < 1.0:
        return False
    return not (AGENT_NOUN.search(source_head) and context.passive)


AGENT_NOUN = re.compile(rf"{_AGENT_SUFFIX}$", re.IGNORECASE)  # the head of a counted noun


def _agents_of_the_claims_event(context: FactContext, source_noun: str | None) -> bool:
    """The source counts those who did what the claim's people underwent ("five killers" for "five
    people were killed")."""
    if not context.passive or not source_noun:
        return False
    head = source_noun.split()[-1]
    return bool(AGENT_NOUN.search(head)) and stem(head) in context.events


def _nouns_compatible(claim_noun: str | None, source_noun: str | None, sentence_stems: frozenset[str]) -> bool:
    """Can the source's number count what the claim's number counts?

    "18 people" may be "18 defendants"; "two police officers" are not "seven people" (a larger
    group) nor "six dead"; "70 comments" and "16 others" never count people. A bare number counts
    the group its sentence names ("two officers were wounded and one was killed").
    """
    source_stems = {stem(w) for w in source_noun.split()} if source_noun else set()
    claim_stems = {stem(w) for w in claim_noun.split()} if claim_noun else set()
    if _sexes(claim_stems) and _sexes(source_stems) and not _sexes(claim_stems) & _sexes(source_stems):
        return False  # "12 women" are not "12 men", though both are people
    if heads_meet(claim_noun, source_noun, NOT_THE_SAME_GROUP):
        return True  # "12 million euros" and "12 million euros"; "coronavirus cases" and "new cases"
    if source_stems & (THINGS | NOT_THE_SAME_GROUP):
        return False
    if not claim_noun:
        return True
    if claim_stems & THINGS:
        return False
    if people_told_by_the_event(claim_noun, source_noun, sentence_stems):
        return True
    if claim_stems & PEOPLE_GENERIC:
        return True
    if not source_stems:
        return claim_stems <= sentence_stems
    return False  # a specific group: the source must name it (the heads would have met)


_SEX = {stem(word): sex for sex, words in (("male", "men man male males boys boy"),
                                            ("female", "women woman female females girls girl"))
        for word in words.split()}


def _sexes(stems: set[str]) -> set[str]:
    return {_SEX[word_stem] for word_stem in stems if word_stem in _SEX}


def people_told_by_the_event(claim_noun: str | None, source_noun: str | None, sentence_stems: frozenset[str]) -> bool:
    """The claim counts an event's victims by the event ("8,000 lives", "deaths"), the source counts
    people in a sentence that tells the event ("7,978 people ... have died")."""
    if not claim_noun or not source_noun:
        return False
    claim_event = counted_as(stem(claim_noun.split()[-1]))
    return (claim_event in EVENT_GROUPS and claim_event in sentence_stems
            and any(stem(word) in PEOPLE_GENERIC for word in source_noun.split()))


def part_words(text: str) -> Iterator[str]:
    """Each word that makes a value a part of a whole or of a time ("remaining", "first"), with the
    word after it: "first week" is not "first month"."""
    for match in SUBGROUP.finditer(text):
        after = _NEXT_WORD.match(text, match.end())
        yield f"{match.group().lower()} {after.group(1).lower() if after else ''}"


_NEXT_WORD = re.compile(r"\s+(\w+)")


def same_figure(claimed: Fact, stated: Fact) -> bool:
    """Does the source write the claim's very figure ("$78.2 million" for "more than $78.2 million")?"""
    return (isinstance(claimed, CountFact) and isinstance(stated, CountFact)
            and claimed.value == stated.value and (claimed.unit or None) == (stated.unit or None))


def _only_the_year_differs(claimed: Fact, stated: Fact) -> bool:
    """Does the stated date differ from the claimed one in its year alone ("1998" or "1998-04" against
    "2019-04-10"), not in a month or day both give?"""
    if not (isinstance(claimed, DateFact) and isinstance(stated, DateFact)) or claimed.value[:4] == stated.value[:4]:
        return False
    return all(a == b for a, b in zip(claimed.value[5:].split("-"), stated.value[5:].split("-")) if a and b)


def _is_dateline(sentence: Sentence, found: FoundFact, published: str | None) -> bool:
    if not isinstance(found.fact, DateFact):
        return False
    words = len(sentence.text.split())
    if DATELINE.search(sentence.text) and words <= 14:
        return True
    if BYLINE.match(sentence.text) and words <= 10:
        rest = sentence.text.replace(found.text, " ")
        if not DATE_LABEL.match(sentence.text) or len(re.findall(r"[^\W\d_]{2,}", rest)) <= 3:
            return True  # "Date: 25.01.2017, Baku"; not "Date: 25–26 November 2015 and subsequent trials"
    if published and published.startswith(found.fact.value) or (published or "").startswith(found.fact.value):
        return words <= 8
    return words <= 6 and len(sentence.text) - len(found.text) < 25


# one bound in other words: "had 91 cases by 12 March" = "as of 12 March"
SAME_BOUND = {"as of": "by", "till": "until", "prior to": "before", "earlier than": "before", "later than": "after",
              "following": "after", "ahead of": "before"}


def date_bound(text: str, start: int, end: int) -> str | None:
    """ "before 2015", "since November 2015", "between 2015 and 2017": the bound word when the date
    at ``text[start:end]`` is a bound, not the date."""
    before = text[max(0, start - 40) : start]
    bound = DATE_BOUND.search(before)
    if bound:
        word = " ".join(bound.group(1).lower().split())
        return SAME_BOUND.get(word, word)
    after = text[end : end + 20]
    return "between" if re.match(r"^\s*(?:and|to|until|–|-)\s*\d", after) and "between" in before.lower() else None


AS_OF = re.compile(r"\bas of\s+(?:the\s+)?$", re.IGNORECASE)


def _bounded_date(sentence: Sentence, found: FoundFact, claim_bound: str | None) -> bool:
    """A bound, unless the claim states the same bound ("by 2030" for "by 2030"), or the claim's
    is an open interval ("before 15 March") and the source gives the state at a date ("as of 14 March")."""
    bound = date_bound(sentence.text, found.start - sentence.start, found.end - sentence.start)
    if bound is None or bound == claim_bound:
        return False
    lead = sentence.text[max(0, found.start - sentence.start - 12) : found.start - sentence.start]
    if claim_bound is None and AS_OF.search(lead):
        return False  # "As of 11 February 2011, Firefox had ..." is the state on that day
    return not (claim_bound in OPEN_BOUNDS and bound == "by")


OPEN_BOUNDS = ("before", "after")
# a past participle: the clause of a date has a verb of its own ("communicated on 12 September 2022, concerns ...")
_OWN_VERB = re.compile(r"\b[a-z]{3,}ed\b")


_OPENS_ITS_SENTENCE = re.compile(
    r"(?:^|[.:;]\s+|\n)\s*(?:[A-Z]\w*\s+){0,6}?(?:[Ii]n|[Oo]n|[Ss]ince|[Bb]y|[Uu]ntil|[Aa]fter|[Bb]efore|[Ff]rom|"
    r"[Ss]tarting)\s+$"
)
_COMPARED_WITH = re.compile(r"\bthan\s+(?:(?:all|any|most|much|that)\s+of\s+|in\s+|during\s+|at\s+)?(?:the\s+)?$",
                            re.IGNORECASE)


def _reported_date(sentence: Sentence, found: FoundFact) -> bool:
    """ "said on 6 February 2017": the date of a statement, not of the event it is about."""
    before = sentence.text[: found.start - sentence.start]
    words = _ANY_WORD.findall(before)[-3:]
    words = [w.lower() for w in words if w.lower() not in ("on", "in", "at", "of", "the", "this", "last")]
    return bool(words) and words[-1] in REPORTING_WORDS


def occurrences(
    context: FactContext,
    sentences: list[tuple[Sentence, list[FoundFact], frozenset[str]]],
    claim_facts: list[Fact],
    published: str | None,
) -> list[Occurrence]:
    occurrences = []
    for sentence, sentence_facts, sentence_stems in sentences:
        if sentence.boilerplate:
            continue
        for found in sentence_facts:
            if (type(found.fact) is not type(context.fact) and not _period_and_date(context.fact, found.fact)
                    and not _count_and_range(context.fact, found.fact)):
                continue
            counted = isinstance(found.fact, (CountFact, RangeFact)) and isinstance(context.fact, CountFact)
            if counted and not _nouns_compatible(context.noun, found.noun, sentence_stems) \
                    and not counts_by_the_claims_event(context, found.noun):
                continue
            if isinstance(found.fact, CountFact) and _agents_of_the_claims_event(context, found.noun):
                continue  # "five killers" are not the "five people were killed"
            if _is_dateline(sentence, found, published):
                continue
            if isinstance(found.fact, DateFact):
                if (found.year_assumed and published and found.fact.value[: len(published)] > published
                        and not context.year_assumed):  # both without a year: an announced date may lie ahead
                    continue
                if not context.reporting and _reported_date(sentence, found):
                    continue
                if (_COMPARED_WITH.search(sentence.text, 0, found.start - sentence.start)
                        and compare(context.fact, found.fact) is not Relation.SUPPORTS):
                    continue  # "more land has burned this year than all of 2019": the other side of a comparison
                if _bounded_date(sentence, found, context.date_bound):
                    continue
            region = _local_region(sentence, found, sentence_facts)
            words = _region_words(sentence, region, sentence_facts)
            local = {w for w, _ in words}
            # "Since 2001, the probation department has been funneling ...": a date that opens its sentence
            # with no word of its own is told by what follows the comma (enough to contradict, not to back)
            told_after = local
            if (isinstance(found.fact, DateFact) and not any(context.anchors.get(w, 0.0) for w in local)
                    and _OPENS_ITS_SENTENCE.search(sentence.text[: found.start - sentence.start])):
                wider_region = (region[0], _next_segment_end(sentence, region, sentence_facts))
                told_after = {w for w, _ in _region_words(sentence, wider_region, sentence_facts)}
            local_events = frozenset(local & EVENT_GROUPS)
            name_beside = _claims_name_beside(sentence, found, sentence_facts, context)
            event_at = None
            beyond_its_clause = False
            if context.events:
                # the figure must be about the claim's event: "18 people attended the hearing where
                # the court sentenced ..." or "two officers were wounded and one was killed" are not
                event, distance, event_at = _nearest_event(_deeds(sentence, words), found)
                if event is None and isinstance(found.fact, DateFact):
                    # "A Baku court on January 25, 2017, convicted 18 men": the verb after the comma
                    wider = _next_segment_end(sentence, region, sentence_facts)
                    wider_words = _region_words(sentence, (region[0], wider), sentence_facts)
                    event, distance, event_at = _nearest_event(_deeds(sentence, wider_words), found)
                    beyond_its_clause = event is not None
                if event is None:
                    event, distance = _event_of_enumeration(sentence, region, sentence_facts)
                limit = DATE_EVENT_DISTANCE if isinstance(found.fact, DateFact) else EVENT_DISTANCE
                if event is None and heads_meet(context.noun, found.noun, PEOPLE_GENERIC):
                    # no event beside it, but it names the specific thing the claim counts: "after 22
                    # homicides were recorded" ("people" names none)
                    pass
                elif event not in context.events or distance > limit:
                    continue
                elif beyond_its_clause and not _OWN_VERB.search(
                        sentence.text[region[0] - sentence.start : region[1] - sentence.start]):
                    local_events |= {event}  # "That's why in 2019, she created ...": the date's verb
            elif (not isinstance(found.fact, DateFact) and context.total and not _anchor_beside(words, found, context)
                  and not name_beside  # "Freddy Mercury at #6"
                  and not heads_meet(context.noun, found.noun)  # "2528 cases" counts "2,550 cases" itself
                  # "7,978 people ... have died" counts the claim's "8,000 lives"
                  and not people_told_by_the_event(context.noun, found.noun, sentence_stems)
                  # the only value of its unit in a sentence that says most of what the claim says is the
                  # claim's ("Vardy signed for Leicester City ... for a record transfer fee of £1 million")
                  and not (_only_value_of_its_unit(found, sentence_facts)
                           and _score(sentence_stems, context.anchors) >= ALONE_IN_ITS_SENTENCE * context.total)):
                continue  # "8,000 people attended the funeral in Nardaran" is not its population
            region_text = sentence.text[region[0] - sentence.start : region[1] - sentence.start]
            if (hedged_beyond(context.hedging, _hedge_span(sentence, region, found, event_at))
                    or hedged_beyond(context.hedging, _modal_before_claim_word(sentence, words, context))
                    or (context.hedging != "any"
                        and (_ASKED_AFTER.match(sentence.text, found.end - sentence.start)
                             or _MEANT_AFTER.match(sentence.text, found.end - sentence.start)))):
                continue  # asked for, expected, possible: not stated as done
            if DISPUTED.search(sentence.text) and not context.disputes:
                continue  # "denied that", "rumours ... are untrue": a party's word, not the source's
            if sentence.text.rstrip().endswith("?") and _ASKS.match(sentence.text):
                continue  # "Did police arrest 50 protesters?" asks it, it does not say it ("X at #6?" says it)
            negated_after = _negated_after(sentence, found, words, context)
            if (isinstance(context.fact, DateFact) and isinstance(found.fact, DateFact)
                    and context.date_bound in OPEN_BOUNDS):
                relation = compare_date_with_bound(context.fact, found.fact, context.date_bound)
                if compare(context.fact, found.fact) is Relation.SUPPORTS and date_bound(
                        sentence.text, found.start - sentence.start, found.end - sentence.start) == context.date_bound:
                    relation = Relation.SUPPORTS  # "following March 2" says the claim's "after March 2"
            else:
                relation = compare(context.fact, found.fact)
            if found.negated or negated_after:
                negates = found.negates
                negated_here = negated_after or negates == "" or (
                    negates and (stem(negates) in context.anchors or negates[:1].isdigit())
                )
                if negated_here:
                    relation = Relation.CONTRADICTS if relation is Relation.SUPPORTS else Relation.NEUTRAL
            elif relation is Relation.CONTRADICTS and (
                (found.year_assumed and not context.year_assumed)  # both without a year: day and month decide
                or (context.year_assumed and _only_the_year_differs(context.fact, found.fact))  # the year is ours
                or ((any(other is not context.fact and compare(other, found.fact) is Relation.SUPPORTS
                         for other in claim_facts)
                     or any(compare(other, found.fact) is Relation.SUPPORTS for other in context.claim_values))
                    # "recoveries reached 281" is the claim's "less than 275 recoveries", not its "2,550 cases"
                    and not heads_meet(context.noun, found.noun, GENERIC)
                    and not same_figure(context.fact, found.fact))  # "$78.2 million" is "more than $78.2 million"'s own
            ):  # a value the claim itself states ("trials (2016–2017)") is another of its facts
                continue
            local_anchors = {s: w for s, w in context.anchors.items() if s not in context.entity_stems}
            occurrences.append(
                Occurrence(
                    found,
                    sentence,
                    relation,
                    _score(sentence_stems, context.anchors),
                    _score(local, context.anchors),
                    local_events,
                    # "in its first week" is no part of a claim about the first week
                    (any(part not in context.parts for part in part_words(region_text))
                     # "a total of 1,019 deaths ... so far" is no count of the claim's "new deaths"
                     or (_NEW.search(context.noun or "") is not None
                         and _RUNNING_TOTAL.search(region_text) is not None))
                    and (_counts_a_group(found.fact) or _money_of_a_part(sentence, found)),
                    _score(told_after, local_anchors),
                    _only_value_of_its_unit(found, sentence_facts),
                    name_beside,
                )
            )
    return occurrences


def anchor_weight_beside(
    context: FactContext, sentence: Sentence, found: FoundFact, found_facts: list[FoundFact]
) -> float:
    """How much of the claim's wording stands in the value's own clause (an occurrence's ``local``)."""
    region = _local_region(sentence, found, found_facts)
    return _score({w for w, _ in _region_words(sentence, region, found_facts)}, context.anchors)


def anchor_distance(
    context: FactContext, sentence: Sentence, found: FoundFact, found_facts: list[FoundFact]
) -> int | None:
    """How many words stand between the value and the nearest of the claim's words in its own clause
    (0 for "$116.5 million worldwide"), or None when none stands there."""
    distances = []
    for word_stem, offset in _region_words(sentence, _local_region(sentence, found, found_facts), found_facts):
        if context.anchors.get(word_stem, 0.0) <= 0.0:
            continue
        if offset >= found.end:
            after = sentence.text[found.end - sentence.start : offset - sentence.start]
            distances.append(len(_ANY_WORD.findall(after)))
        else:
            before = sentence.text[offset - sentence.start : found.start - sentence.start]
            distances.append(len(_ANY_WORD.findall(before)) - 1)
    return min(distances, default=None)



def names_beside(sentence: Sentence, found: FoundFact, found_facts: list[FoundFact]) -> set[str]:
    """The stems of the names in the value's own clause that stand nearer to it than to the clause's
    other values ("$36.3 million in the United States and Canada and $85 million in other territories
    for a worldwide total of $121.3 million": the names are the $36.3 million's)."""
    a, b = _local_region(sentence, found, found_facts)
    values = [f for f in found_facts if not isinstance(f.fact, (EntityFact, QuoteFact)) and a <= f.start < b]

    def gap(name: FoundFact, value: FoundFact) -> int:
        return name.start - value.end if name.start >= value.end else value.start - name.end

    return {
        word_stem
        for f in found_facts
        if isinstance(f.fact, EntityFact) and a <= f.start < b
        and all(gap(f, found) <= gap(f, other) for other in values)
        for word_stem in stems_of(f.text)
    }


def _only_value_of_its_unit(found: FoundFact, found_facts: list[FoundFact]) -> bool:
    unit = getattr(found.fact, "unit", None)
    return sum(1 for f in found_facts
               if type(f.fact) is type(found.fact) and getattr(f.fact, "unit", None) == unit) == 1


def _money_of_a_part(sentence: Sentence, found: FoundFact) -> bool:
    """Money adds up, so a sum beside a word of a part is a part ("grossed $61,560 on its opening
    weekend", "its first week"); only right beside it, as a clause may hold the whole too ("$31.8
    million in its opening weekend and ... $183 million worldwide")."""
    if not (isinstance(found.fact, CountFact) and found.fact.unit in CURRENCIES):
        return False
    before = _ANY_WORD.findall(sentence.text[: found.start - sentence.start])[-PART_BESIDE:]
    after = _ANY_WORD.findall(sentence.text[found.end - sentence.start :])[:PART_BESIDE]
    return bool(SUBGROUP.search(" ".join(before + after)))


PART_BESIDE = 4  # words on each side of a sum


def _counts_a_group(fact) -> bool:
    """A count of people or things, which a part ("others", "at first", "so far") may be of; an
    amount with a unit is none: an age is a person's own whatever "earlier this month" stands
    beside it, and "two hours" are no part of "most of my coworkers"."""
    return not isinstance(fact, CountFact) or fact.unit is None


TODAY = re.compile(r"\b(?:today|this morning|earlier today|сегодня|bu gün|bugün)\b", re.IGNORECASE)


def today_dates(sentence_text: str, published: str | None) -> list[FoundFact]:
    """ "today" in a page dated to the day is that day (support only, like a year taken from it)."""
    if not published or len(published) != 10:
        return []
    return [
        FoundFact(DateFact(value=published), m.start(), m.end(), m.group(), year_assumed=True)
        for m in TODAY.finditer(sentence_text)
    ]
