"""One claim against one source text: which facts the text states, in which passages, and the verdict.

How a verdict is reached (docs/verdicts.md has the long version):

1. The claim's facts (given, or inferred with :func:`citewatch.facts.infer_facts`) each get
   *anchors*: the claim's other content words, weighted by how close they stand to the fact.
2. The text is split into sentences; only sentences sharing the claim's words are read.
3. A number or date of the source counts for a fact only inside a sentence that shares the
   fact's anchors (a "70" in "70 comments" or a date in a dateline never does). Supporting needs
   some context; contradicting needs more (a wrong "contradicted" would bury a good source too).
4. Any contradicted fact makes the verdict ``contradicted``; all facts found, close together,
   make it ``supported``; some found is ``partially_supported``; none is ``not_found``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from citewatch.compare import Relation, compare
from citewatch.facts import FoundFact, fact_label, find_facts, infer_facts
from citewatch.models import (
    PARTIAL_DATE,
    CheckResult,
    CountFact,
    DateFact,
    EntityFact,
    Evidence,
    Fact,
    FactOutcome,
    FactResult,
    QuoteFact,
    RangeFact,
    Verdict,
)
from citewatch.names import find_name
from citewatch.normalize import EVENT_GROUPS, normalize_quote_text, normalize_with_map, stem
from citewatch.passages import Sentence, rank_sentences, segments, split_sentences, stem_positions, stems_of

MAX_TEXT_CHARS = 5_000_000
MAX_CANDIDATE_SENTENCES = 80
NEAR_WORDS = 5  # content words between a fact and an anchor for the anchor to count as near

SUPPORT_CONTEXT = 1.0
CONTRADICT_CONTEXT = 1.5
CONTRADICT_LOCAL = 1.0
MAX_PASSAGE_SPREAD = 2  # facts found more than this many sentences apart do not make "supported"

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
HEDGE = re.compile(
    r"\b(?:could|would|might|may|if|unless|whether|asked|asks|asking|demanded|demands|demanding|sought|seeks|"
    r"seeking|requested|requests|face|faces|facing|risks?|expected to|plans? to|planned to|proposed|proposes|"
    r"calls? for|called for|urged?|threatened with|потребовал|просит|может|могут|tələb)\b",
    re.IGNORECASE,
)
REPORTING_WORDS = frozenset(
    "said says told reported announced stated wrote published added noted declared claimed commented "
    "tweeted statement interview release заявил заявила сообщил сообщила заявили сообщили bildirib "
    "deyib açıqlayıb".split()
)
SUBGROUP = re.compile(
    r"\b(?:remaining|rest|others|another|each|among|of whom|of them|some of|most of|остальн|каждый|"
    r"qalan|digər|first|initially|at first|so far|by then|until then|at the time|early|earlier)\b",
    re.IGNORECASE,
)

BYLINE = re.compile(r"^\s*(?:by|date|дата)\b", re.IGNORECASE)


@dataclass
class FactContext:
    fact: Fact
    anchors: dict[str, float]  # stem → weight
    entity_stems: frozenset[str] = frozenset()  # anchors that come from names (who, not what)
    events: frozenset[str] = frozenset()  # event groups near the fact in the claim ("arrest")
    noun: str | None = None
    reporting: bool = False  # the claim is about a statement ("X said in 2017 ...")
    hedged: bool = False  # the claim itself speaks of what was asked or possible ("faces up to")
    disputes: bool = False  # the claim itself is about a denial

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


@dataclass
class _Outcome:
    fact: Fact
    outcome: FactOutcome
    occurrence: Occurrence | None = None
    span: tuple[int, int] | None = None
    sentence: Sentence | None = None
    context: float = 0.0
    partial: bool = False  # missing as stated, but a close paraphrase is there (quotes)
    notes: list[str] = field(default_factory=list)


# --- the claim ---------------------------------------------------------------------------


def _same_fact(a: Fact, b: Fact) -> bool:
    if isinstance(a, CountFact) and isinstance(b, CountFact):
        return a.value == b.value
    if isinstance(a, RangeFact) and isinstance(b, RangeFact):
        return (a.low, a.high) == (b.low, b.high)
    if isinstance(a, DateFact) and isinstance(b, DateFact):
        return a.value == b.value or b.value.startswith(a.value)
    return a == b


def claim_contexts(claim_text: str, facts: list[Fact]) -> list[FactContext]:
    """Each fact with its anchors: the claim's words, weighted 1 when near the fact, 0.5 when far."""
    found = find_facts(claim_text)
    fact_spans = [(f.start, f.end) for f in found if not isinstance(f.fact, (EntityFact, QuoteFact))]
    words = [
        (s, start, end)
        for s, start, end in stem_positions(claim_text)
        if not any(a <= start < b for a, b in fact_spans)
    ]
    entity_stems = frozenset(
        s for f in found if isinstance(f.fact, EntityFact) for s in stems_of(f.fact.name)
    ) | frozenset(s for f in facts if isinstance(f, EntityFact) for s in stems_of(" ".join([f.name, *f.aliases])))
    reporting = any(w.lower() in REPORTING_WORDS for w in re.findall(r"\w+", claim_text))
    contexts = []
    for fact in facts:
        occurrence = next((f for f in found if _same_fact(fact, f.fact)), None)
        anchors: dict[str, float] = {}
        position = None
        if occurrence is not None:
            position = sum(1 for _, start, _ in words if start < occurrence.start)
        near_events = set()
        for index, (word_stem, _, _) in enumerate(words):
            if position is None:
                weight = 1.0
            else:
                distance = position - index if index < position else index - position + 1
                weight = 1.0 if distance <= NEAR_WORDS else 0.5
            if word_stem in EVENT_GROUPS and weight == 1.0:
                near_events.add(word_stem)
            if word_stem in GENERIC:
                weight *= 0.3
            anchors[word_stem] = max(anchors.get(word_stem, 0.0), weight)
        if not near_events:
            near_events = {s for s, _, _ in words if s in EVENT_GROUPS}
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
                bool(HEDGE.search(claim_text)),
                bool(DISPUTED.search(claim_text)),
            )
        )
    return contexts


def ranking_weights(contexts: list[FactContext], claim_text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for word_stem, _, _ in stem_positions(claim_text):
        weights[word_stem] = 0.3 if word_stem in GENERIC else 1.0
    for context in contexts:
        if isinstance(context.fact, EntityFact):
            for word_stem in stems_of(" ".join([context.fact.name, *context.fact.aliases])):
                weights[word_stem] = max(weights.get(word_stem, 0.0), 1.0)
    return weights


# --- the source --------------------------------------------------------------------------


def _score(stems: set[str] | frozenset[str], anchors: dict[str, float]) -> float:
    return sum(anchors.get(s, 0.0) for s in stems)


def _fact_segments(sentence: Sentence, found_facts: list[FoundFact]) -> list[tuple[int, int]]:
    """The sentence's clauses, with clauses joined where a fact spans them ("January 25, 2017")."""
    merged: list[tuple[int, int]] = []
    for a, b in segments(sentence):
        if merged and any(f.start < merged[-1][1] and f.end > a for f in found_facts):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


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
    for later in spans[index + 1 :]:
        if has_words(later):
            return spans[index][0], later[1]
    for earlier in reversed(spans[:index]):
        if has_words(earlier):
            return earlier[0], spans[index][1]
    return spans[index]


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


NEGATION_WORD = re.compile(r"\b(?:not|never|no longer|не|deyil)\b|n't\b", re.IGNORECASE)
DISPUTED = re.compile(
    r"\b(?:false|untrue|not true|denied|denies|deny|denying|dismissed|baseless|fabricated|rumou?rs?|"
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


def _hedge_span(sentence: Sentence, region: tuple[int, int], found: FoundFact, event_at: int | None) -> str:
    """Where a hedge ("asked the court to sentence 18", "18 could be sentenced") would bear on the
    fact: from a few words before the fact or its event word to the later of the two."""
    if event_at is None:
        return sentence.text[region[0] - sentence.start : region[1] - sentence.start]
    start, end = min(found.start, event_at), max(found.end, event_at + 1)
    lead = sentence.text[: start - sentence.start].split()[-4:]
    tail_end = sentence.text.find(" ", end - sentence.start)
    return " ".join(lead) + " " + sentence.text[start - sentence.start : tail_end if tail_end > 0 else None]


def _local_text(sentence: Sentence, found: FoundFact) -> str:
    spans = segments(sentence)
    for a, b in spans:
        if a <= found.start < b:
            return sentence.text[a - sentence.start : b - sentence.start]
    return sentence.text


def _nouns_compatible(claim_noun: str | None, source_noun: str | None) -> bool:
    """Can the source's number count what the claim's number counts?

    "18 people" may be "18 defendants"; "two police officers" are not "seven people" (a larger
    group) nor "six dead"; "70 comments" and "16 others" never count people.
    """
    source_stems = {stem(w) for w in source_noun.split()} if source_noun else set()
    if source_stems & (THINGS | NOT_THE_SAME_GROUP):
        return False
    if not claim_noun:
        return True
    claim_stems = {stem(w) for w in claim_noun.split()}
    if claim_stems & THINGS:
        return bool(claim_stems & source_stems)
    if claim_stems & PEOPLE_GENERIC:
        return True
    return bool(claim_stems & source_stems)  # a specific group: the source must name it


def _is_dateline(sentence: Sentence, found: FoundFact, published: str | None) -> bool:
    if not isinstance(found.fact, DateFact):
        return False
    words = len(sentence.text.split())
    if DATELINE.search(sentence.text) and words <= 14:
        return True
    if BYLINE.match(sentence.text) and words <= 10:
        return True
    if published and published.startswith(found.fact.value) or (published or "").startswith(found.fact.value):
        return words <= 8
    return words <= 6 and len(sentence.text) - len(found.text) < 25


def _reported_date(sentence: Sentence, found: FoundFact) -> bool:
    """ "said on 6 February 2017": the date of a statement, not of the event it is about."""
    before = sentence.text[: found.start - sentence.start]
    words = re.findall(r"\w+", before)[-3:]
    words = [w.lower() for w in words if w.lower() not in ("on", "in", "at", "of", "the", "this", "last")]
    return bool(words) and words[-1] in REPORTING_WORDS


def _occurrences(
    context: FactContext,
    sentences: list[tuple[Sentence, list[FoundFact], set[str]]],
    claim_facts: list[Fact],
    published: str | None,
) -> list[Occurrence]:
    occurrences = []
    for sentence, found_facts, sentence_stems in sentences:
        if sentence.boilerplate:
            continue
        for found in found_facts:
            if type(found.fact) is not type(context.fact):
                continue
            if isinstance(found.fact, CountFact) and not _nouns_compatible(context.noun, found.noun):
                continue
            if _is_dateline(sentence, found, published):
                continue
            if isinstance(found.fact, DateFact):
                if found.year_assumed and published and found.fact.value[: len(published)] > published:
                    continue
                if not context.reporting and _reported_date(sentence, found):
                    continue
            region = _local_region(sentence, found, found_facts)
            words = _region_words(sentence, region, found_facts)
            local = {w for w, _ in words}
            local_events = frozenset(local & EVENT_GROUPS)
            event_at = None
            if context.events:
                # the figure must be about the claim's event: "18 people attended the hearing where
                # the court sentenced ..." or "two officers were wounded and one was killed" are not
                event, distance, event_at = _nearest_event(words, found)
                if event is None:
                    event, distance = _event_of_enumeration(sentence, region, found_facts)
                limit = DATE_EVENT_DISTANCE if isinstance(found.fact, DateFact) else EVENT_DISTANCE
                if event not in context.events or distance > limit:
                    continue
            region_text = sentence.text[region[0] - sentence.start : region[1] - sentence.start]
            if not context.hedged and HEDGE.search(_hedge_span(sentence, region, found, event_at)):
                continue  # asked for, expected, possible: not stated as done
            if DISPUTED.search(sentence.text) and not context.disputes:
                continue  # "denied that", "rumours ... are untrue": a party's word, not the source's
            negated_after = _negated_after(sentence, found, words, context)
            relation = compare(context.fact, found.fact)
            if found.negated or negated_after:
                negates = found.negates
                negated_here = negated_after or negates == "" or (
                    negates and (stem(negates) in context.anchors or negates[:1].isdigit())
                )
                if negated_here:
                    relation = Relation.CONTRADICTS if relation is Relation.SUPPORTS else Relation.NEUTRAL
            elif relation is Relation.CONTRADICTS and (
                found.year_assumed
                or any(other is not context.fact and compare(other, found.fact) is Relation.SUPPORTS for other in claim_facts)
            ):
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
                    bool(SUBGROUP.search(region_text)),
                    _score(local, local_anchors),
                    sum(1 for f in found_facts if type(f.fact) is type(found.fact)) == 1,
                )
            )
    return occurrences


def judge_value_fact(
    context: FactContext,
    sentences: list[tuple[Sentence, list[FoundFact], set[str]]],
    claim_facts: list[Fact],
    published: str | None,
) -> _Outcome:
    occurrences = _occurrences(context, sentences, claim_facts, published)
    support_needed = min(SUPPORT_CONTEXT, 0.75 * context.total) if context.total else 0.0
    supporting = [
        o
        for o in occurrences
        if o.relation is Relation.SUPPORTS
        and o.context >= support_needed
        and (o.local > 0 or o.alone or not context.total)
    ]
    if supporting:
        best = max(supporting, key=lambda o: (o.context + o.local, -o.sentence.index))
        outcome = _Outcome(context.fact, FactOutcome.FOUND, best, (best.found.start, best.found.end), best.sentence)
        outcome.context = best.context
        if best.found.year_assumed:
            outcome.notes.append(f"the year of “{best.found.text}” is taken from the page's publication date")
        return outcome
    contradict_needed = min(CONTRADICT_CONTEXT, 0.75 * context.total)
    contradicting = [
        o
        for o in occurrences
        if o.relation is Relation.CONTRADICTS
        and context.total > 0
        and o.context >= contradict_needed
        and o.local_non_entity >= min(CONTRADICT_LOCAL, contradict_needed)
        and not o.subgroup
        and (not context.events or context.events & o.local_events)
    ]
    if contradicting:
        best = max(contradicting, key=lambda o: (o.context + o.local, -o.sentence.index))
        outcome = _Outcome(
            context.fact, FactOutcome.CONTRADICTED, best, (best.found.start, best.found.end), best.sentence
        )
        outcome.context = best.context
        return outcome
    return _Outcome(context.fact, FactOutcome.MISSING)


def judge_entity(fact: EntityFact, candidates: list[Sentence]) -> _Outcome:
    for sentence in candidates:
        span = find_name(fact.name, sentence.text, fact.aliases)
        if span:
            start, end = sentence.start + span[0], sentence.start + span[1]
            return _Outcome(fact, FactOutcome.FOUND, span=(start, end), sentence=sentence, context=1.0)
    return _Outcome(fact, FactOutcome.MISSING)


PARAPHRASE_SHARE = 0.7


def judge_quote(
    fact: QuoteFact,
    text: str,
    normalised: tuple[str, list[int]],
    sentences: list[Sentence],
    candidates: list[Sentence],
) -> _Outcome:
    haystack, positions = normalised
    needle = normalize_quote_text(fact.text)
    index = haystack.find(needle) if needle else -1
    if index >= 0:
        start, end = positions[index], positions[index + len(needle) - 1] + 1
        sentence = next((s for s in sentences if s.start <= start < s.end), None)
        return _Outcome(fact, FactOutcome.FOUND, span=(start, end), sentence=sentence, context=2.0)
    wanted = stems_of(fact.text)
    best, best_share = None, 0.0
    for sentence in candidates:
        if sentence.boilerplate or not wanted:
            continue
        share = len(wanted & stems_of(sentence.text)) / len(wanted)
        if share > best_share:
            best, best_share = sentence, share
    outcome = _Outcome(fact, FactOutcome.MISSING)
    if best is not None and best_share >= PARAPHRASE_SHARE:
        outcome.partial = True
        outcome.sentence = best
        outcome.notes.append(
            f"the quoted words are not in the text; a passage shares {best_share:.0%} of their words (a paraphrase?)"
        )
    return outcome


# --- verdict -----------------------------------------------------------------------------


def _wording_coverage(
    claim_text: str, sentences: list[Sentence], left_out: frozenset[str] = frozenset()
) -> tuple[float, Sentence | None]:
    """The share of the claim's words (names left out: they are judged as facts) found in the
    best pair of neighbouring sentences."""
    value_spans = [(f.start, f.end) for f in find_facts(claim_text) if not isinstance(f.fact, EntityFact)]
    claim_stems = {
        s for s, start, _ in stem_positions(claim_text) if not any(a <= start < b for a, b in value_spans)
    } - left_out
    if not claim_stems:
        return 0.0, None
    best, best_sentence = 0.0, None
    previous: set[str] = set()
    for sentence in sentences:
        if sentence.boilerplate:
            continue
        stems = stems_of(sentence.text)
        coverage = len(claim_stems & (stems | previous)) / len(claim_stems)
        own = len(claim_stems & stems) / len(claim_stems)
        if coverage > best or (coverage == best and best_sentence is None):
            best, best_sentence = coverage, sentence
        if own >= best:
            best_sentence = sentence if own == coverage else best_sentence
        previous = stems
    return best, best_sentence


def _verdict(outcomes: list[_Outcome], coverage: float) -> tuple[Verdict, list[str]]:
    notes: list[str] = []
    if not outcomes:
        notes.append("the claim states no number, date, name or quote: the verdict rests on its wording")
        if coverage >= 0.8:
            return Verdict.SUPPORTED, notes
        if coverage >= 0.5:
            return Verdict.PARTIALLY_SUPPORTED, notes
        return Verdict.NOT_FOUND, notes
    if any(o.outcome is FactOutcome.CONTRADICTED for o in outcomes):
        return Verdict.CONTRADICTED, notes
    found = [o for o in outcomes if o.outcome is FactOutcome.FOUND]
    core = [o for o in outcomes if not isinstance(o.fact, EntityFact)]
    core_found = [o for o in found if not isinstance(o.fact, EntityFact)]
    if not found:
        if any(o.partial for o in outcomes):
            return Verdict.PARTIALLY_SUPPORTED, notes
        return Verdict.NOT_FOUND, notes
    if len(found) == len(outcomes):
        if not core:
            if coverage >= 0.6:
                return Verdict.SUPPORTED, notes
            notes.append("the names are there, but not enough of the claim's wording around them")
            return Verdict.PARTIALLY_SUPPORTED, notes
        indexes = [o.sentence.index for o in core_found if o.sentence is not None]
        if indexes and max(indexes) - min(indexes) > MAX_PASSAGE_SPREAD:
            notes.append("every fact is in the text, but in passages far apart: not one statement")
            return Verdict.PARTIALLY_SUPPORTED, notes
        return Verdict.SUPPORTED, notes
    if core_found or coverage >= 0.5 or any(o.partial for o in outcomes):
        return Verdict.PARTIALLY_SUPPORTED, notes
    names_together = Counter(o.sentence.index for o in found if o.sentence is not None)
    if names_together and max(names_together.values()) >= 2:
        notes.append("two or more of the claim's names stand together, but none of its figures, dates or quotes")
        return Verdict.PARTIALLY_SUPPORTED, notes
    notes.append("only a name of the claim was found, none of its figures, dates or quotes")
    return Verdict.NOT_FOUND, notes


def _confidence(verdict: Verdict, outcomes: list[_Outcome], coverage: float) -> float:
    if not outcomes:
        return round(0.3 + 0.3 * coverage, 2)
    decided = [o for o in outcomes if o.outcome is not FactOutcome.MISSING]
    strength = sum(min(1.0, o.context / 3.0) for o in decided) / max(1, len(decided))
    if verdict in (Verdict.SUPPORTED, Verdict.CONTRADICTED):
        return round(0.55 + 0.4 * strength, 2)
    if verdict is Verdict.PARTIALLY_SUPPORTED:
        return round(0.4 + 0.3 * len(decided) / len(outcomes), 2)
    return round(0.5 + 0.3 * (1 - coverage), 2)


TODAY = re.compile(r"\b(?:today|this morning|earlier today|сегодня|bu gün|bugün)\b", re.IGNORECASE)


def _today(sentence_text: str, published: str | None) -> list[FoundFact]:
    """ "today" in a page dated to the day is that day (support only, like a year taken from it)."""
    if not published or len(published) != 10:
        return []
    return [
        FoundFact(DateFact(value=published), m.start(), m.end(), m.group(), year_assumed=True)
        for m in TODAY.finditer(sentence_text)
    ]


def check_claim(
    claim_text: str, text: str, facts: list[Fact] | None = None, published: str | None = None
) -> CheckResult:
    """Check one claim against one source text. Offsets in the result refer to ``text``.

    ``published`` (YYYY[-MM[-DD]]) is the page's own date: it is never taken as the date of an
    event, but completes dates the page writes without a year ("on 9 December").
    """
    notes: list[str] = []
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"the text was cut at {MAX_TEXT_CHARS} characters")
    if published is not None and not PARTIAL_DATE.match(published):
        notes.append(f"the publication date {published!r} is not YYYY[-MM[-DD]] and was not used")
        published = None
    facts = list(infer_facts(claim_text) if facts is None else facts)
    contexts = claim_contexts(claim_text, facts)
    sentences = split_sentences(text)
    ranked = rank_sentences(sentences, ranking_weights(contexts, claim_text))
    candidates = sorted((s for _, s in ranked[:MAX_CANDIDATE_SENTENCES]), key=lambda s: s.index)
    default_year = int(published[:4]) if published else None
    read = []
    for sentence in candidates:
        found = find_facts(sentence.text, default_year=default_year) + _today(sentence.text, published)
        for item in found:
            item.start += sentence.start
            item.end += sentence.start
        read.append((sentence, found, stems_of(sentence.text)))

    normalised = normalize_with_map(text) if any(isinstance(f, QuoteFact) for f in facts) else ("", [])
    outcomes: list[_Outcome] = []
    for context in contexts:
        if isinstance(context.fact, EntityFact):
            outcomes.append(judge_entity(context.fact, candidates))
        elif isinstance(context.fact, QuoteFact):
            outcomes.append(judge_quote(context.fact, text, normalised, sentences, candidates))
        else:
            outcomes.append(judge_value_fact(context, read, facts, published))
        notes.extend(outcomes[-1].notes)

    entity_stems = contexts[0].entity_stems if contexts else frozenset()
    coverage, best_sentence = _wording_coverage(claim_text, candidates, entity_stems)
    verdict, verdict_notes = _verdict(outcomes, coverage)
    notes.extend(verdict_notes)
    evidence, fact_results = _evidence(outcomes, ranked, best_sentence, verdict)
    return CheckResult(
        verdict=verdict,
        evidence=evidence,
        facts=fact_results,
        confidence=_confidence(verdict, outcomes, coverage),
        notes=notes,
    )


def _evidence(
    outcomes: list[_Outcome],
    ranked: list[tuple[float, Sentence]],
    best_sentence: Sentence | None,
    verdict: Verdict,
) -> tuple[list[Evidence], list[FactResult]]:
    scores = {sentence.index: score for score, sentence in ranked}
    passages: dict[int, Evidence] = {}

    def passage_for(sentence: Sentence) -> int:
        if sentence.index not in passages:
            passages[sentence.index] = Evidence(
                text=sentence.text, start=sentence.start, end=sentence.end, score=round(scores.get(sentence.index, 0.0), 2)
            )
        return sentence.index

    results = []
    for outcome in outcomes:
        key = None
        if outcome.sentence is not None and (
            outcome.outcome is not FactOutcome.MISSING or outcome.partial
        ):
            key = passage_for(outcome.sentence)
            if outcome.span and outcome.outcome is not FactOutcome.MISSING:
                passages[key].highlights.append(outcome.span)
        results.append((outcome, key))
    if not passages:
        fallback = [best_sentence] if best_sentence is not None else [s for _, s in ranked[:1]]
        for sentence in fallback:
            passage_for(sentence)
    order = sorted(passages)
    evidence = [passages[i] for i in order]
    position = {key: order.index(key) for key in order}
    fact_results = []
    for outcome, key in results:
        start, end = outcome.span if outcome.span else (None, None)
        found_words = outcome.occurrence.found.text if outcome.occurrence else None
        if found_words is None and outcome.sentence is not None and outcome.span:
            found_words = outcome.sentence.text[start - outcome.sentence.start : end - outcome.sentence.start]
        fact_results.append(
            FactResult(
                fact=outcome.fact,
                outcome=outcome.outcome,
                evidence=position.get(key) if key is not None else None,
                found=found_words,
                start=start,
                end=end,
            )
        )
    return evidence, fact_results


# --- several sources ---------------------------------------------------------------------

_RANK = {
    Verdict.SUPPORTED: 4,
    Verdict.PARTIALLY_SUPPORTED: 3,
    Verdict.NOT_FOUND: 2,
    Verdict.UNVERIFIABLE: 1,
}


def combine_source_verdicts(verdicts: list[Verdict]) -> Verdict:
    """The claim's verdict from its sources' verdicts.

    - no sources: ``unsourced``;
    - any source contradicts: ``contradicted`` (a contradiction always shows);
    - otherwise the best of the readable sources: supported > partially_supported > not_found,
      so one supporting source is enough, and "partially + not_found" is partially_supported;
    - only unreadable sources: ``unverifiable``. A readable ``not_found`` beside an unreadable
      source stays ``not_found``: the unread source is reported per source.
    """
    verdicts = [Verdict(v) for v in verdicts]
    if not verdicts:
        return Verdict.UNSOURCED
    if Verdict.CONTRADICTED in verdicts:
        return Verdict.CONTRADICTED
    known = [v for v in verdicts if v in _RANK]
    if not known:
        return Verdict.UNSOURCED
    return max(known, key=_RANK.__getitem__)


def describe(result: CheckResult) -> list[str]:
    """One line per fact: "found > 70 in “over 70 people”"."""
    lines = []
    for item in result.facts:
        words = f" — “{item.found}”" if item.found else ""
        lines.append(f"{item.outcome.value:12} {fact_label(item.fact)}{words}")
    return lines
