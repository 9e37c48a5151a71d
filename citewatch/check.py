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

The rules of step 3 live in :mod:`citewatch.context`; this module weighs what they let through.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from citewatch import memo
from citewatch.compare import Relation, compare, in_unit
from citewatch.context import (
    AGENT_NOUN,
    DISPUTED,
    GENERIC,
    OPEN_BOUNDS,
    PEOPLE_GENERIC,
    ROW_LABEL,
    FactContext,
    Occurrence,
    anchor_distance,
    anchor_weight_beside,
    claim_contexts,
    claim_hedging,
    counts_by_the_claims_event,
    generic_row_label,
    heads_meet,
    hedged_beyond,
    names_beside,
    occurrences,
    part_words,
    ranking_weights,
    same_figure,
    subject_anchors,
    today_dates,
    yearless_dates,
)
from citewatch.facts import (
    DATE_BOUND,
    FoundFact,
    fact_label,
    found_facts,
    infer_facts,
    may_state_values,
    moved,
    number_value,
)
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
    Op,
    QuoteFact,
    RangeFact,
    Verdict,
)
from citewatch.names import find_name, name_variants, written_as_one_word
from citewatch.normalize import STOPWORDS, WORD, normalize_quote_text, normalize_with_map, past_forms, stem
from citewatch.passages import (
    Sentence,
    rank_sentences,
    segments,
    split_sentences,
    stem_positions,
    stems_of,
)
from citewatch.wording import (
    CLAIM_DATE_BOUND,
    NAME_RUN,
    claim_wording,
    comparison_turned,
    coverage_near,
    hedges_added,
    is_negated,
    may_turn,
    name_swapped,
    names_in,
    names_missing,
    names_turned,
    opposite_reason,
    paraphrased,
    same_language,
    spelled_by_initials,
    substituted_word,
    turned_in_place,
    turned_words,
    turning_words,
    unread_values,
    with_neighbours,
    wording_coverage,
)

MAX_TEXT_CHARS = 5_000_000
MAX_CANDIDATE_SENTENCES = 80

SUPPORT_CONTEXT = 1.0
CONTRADICT_CONTEXT = 1.5
CONTRADICT_LOCAL = 1.0
ALONE_SUPPORTS = 0.5  # share of the claim's anchors around a sentence's only date for it to back the claim
ALONE_CONTRADICTS = 0.9  # share of the claim's anchors around a sentence's only value for it to contradict
CONTRADICT_SHARE = 0.35  # and this share of the fact's anchors: a long claim offers many, and 1.5 of them is little
MAX_PASSAGE_SPREAD = 20  # facts found more than this many sentences apart do not make "supported"

@dataclass
class _Outcome:
    fact: Fact
    outcome: FactOutcome
    occurrence: Occurrence | None = None
    span: tuple[int, int] | None = None
    sentence: Sentence | None = None
    context: float = 0.0
    partial: bool = False  # missing as stated, but a close paraphrase is there (quotes)
    named_by_heading: bool = False  # a date that is part of the name the page's heading gives its topic
    notes: list[str] = field(default_factory=list)
    rivals: list[Occurrence] = field(default_factory=list)  # values that would contradict a found fact


def judge_value_fact(
    context: FactContext,
    sentences: list[tuple[Sentence, list[FoundFact], frozenset[str]]],
    claim_facts: list[Fact],
    published: str | None,
    claim_text: str,
) -> _Outcome:
    found_here = occurrences(context, sentences, claim_facts, published)
    # a sentence that writes the claim's very figure backs the claim there or nowhere, not with its
    # other values ("grossed $78.2 million ..., for a worldwide total of $250.2 million" against
    # "more than $78.2 million")
    own_figure = {o.sentence.index for o in found_here if same_figure(context.fact, o.found.fact)}
    found_here = [o for o in found_here if o.sentence.index not in own_figure or o.relation is not Relation.SUPPORTS
                  or same_figure(context.fact, o.found.fact)]
    read_facts = {sentence.index: found for sentence, found, _ in sentences}
    read_stems = {sentence.index: stems for sentence, _, stems in sentences}
    support_needed = min(SUPPORT_CONTEXT, 0.75 * context.total) if context.total else 0.0
    bound = isinstance(context.fact, CountFact) and context.fact.op not in (Op.EQ, Op.APPROX)  # "about 350" is no bound
    if isinstance(context.fact, DateFact) and context.noun:  # "the 2018 prize" beside "2018 or 2019 ... the 2020 prize"
        named = {o.sentence.index for o in found_here if heads_meet(context.noun, o.found.noun)}
        found_here = [o for o in found_here if o.relation is not Relation.SUPPORTS or o.sentence.index not in named
                      or heads_meet(context.noun, o.found.noun)]
    if bound:  # a sentence with values on both sides of a bound does not say which one the claim means
        mixed = {o.sentence.index for o in found_here if o.relation is Relation.SUPPORTS
                 and _outweighed(context, o, read_facts[o.sentence.index])}
        # ... unless the value names the claim's thing and no value of the other side does
        # ("eleven new cases were confirmed, bringing the total to 74" for "less than 12 new cases")
        rivals = {o.sentence.index for o in found_here if o.relation is Relation.CONTRADICTS
                  and heads_meet(context.noun, o.found.noun)}
        rivals |= {o.sentence.index for o in found_here if o.relation is Relation.SUPPORTS and any(
            compare(context.fact, f.fact) is Relation.CONTRADICTS and heads_meet(context.noun, f.noun)
            for f in read_facts[o.sentence.index])}
        found_here = [o for o in found_here if o.relation is not Relation.SUPPORTS or o.sentence.index not in mixed
                      or (heads_meet(context.noun, o.found.noun) and o.sentence.index not in rivals)]
    reasons: dict[int, str | None] = {}  # asked while choosing, asked again for the note when nothing backs

    def said_of_another(o: Occurrence) -> str | None:
        if id(o) not in reasons:
            reasons[id(o)] = _said_of_another(context, o, read_facts[o.sentence.index], claim_text, claim_facts)
        return reasons[id(o)]

    supporting = [
        o
        for o in found_here
        if o.relation is Relation.SUPPORTS
        and o.context >= support_needed
        # a date alone in its sentence speaks for the claim when the sentence says a good share of it
        and (o.local > 0 or (o.alone and (not isinstance(context.fact, DateFact)
                                          or o.context >= ALONE_SUPPORTS * context.total))
             or not context.total
             or (isinstance(context.fact, CountFact) and _same_thing(context, o.found.noun))  # "five fixtures"
             # "held in Los Angeles on June 6-10"; a year beside a name is often the name's ("COLING 2020")
             or (isinstance(context.fact, DateFact) and len(context.fact.value) > 4 and o.name_beside))
        # "less than 173 reviews" is not backed by the "30" of "30 %, based on 175 reviews"
        and (not bound or not context.noun or o.alone or _counts_the_claims_thing(context, o.found.noun))
        and not said_of_another(o)
    ]
    if supporting and context.noun and not any(_same_thing(context, o.found.noun) for o in supporting):
        # a value of the sentence that counts the very thing the claim counts decides
        # "50 million mobile phones and 30 million people" for "50 million people": even a vague noun
        # ("people") decides when it is written with the other value and not with this one
        # (the other value counting a noun of its own: "12 people in Oklahoma and 3 in Texas" gives the 3 people too)
        plainly = (not LONE_PARTICIPLE.fullmatch(context.noun)
                   and all(o.found.noun and not heads_meet(context.noun, o.found.noun) for o in supporting))
        measured = [o for o in found_here
                    if o.relation is Relation.CONTRADICTS
                    and (_same_noun(context.noun, o.found.noun) or (plainly and heads_meet(context.noun, o.found.noun)))
                    and o.sentence.index in {s.sentence.index for s in supporting} and not o.subgroup]
        if measured:
            return _decided(context.fact, FactOutcome.CONTRADICTED, measured[0])
    contradict_needed = max(min(CONTRADICT_CONTEXT, 0.75 * context.total), CONTRADICT_SHARE * context.total)
    contradicting = [
        o
        for o in found_here
        if o.relation is Relation.CONTRADICTS
        and context.total > 0
        and o.context >= contradict_needed
        # no other claim word in its own clause ("was born in Canton, Ohio, on January 5, 1969"), but
        # the sentence's only value of the kind, in a sentence that says nearly all the claim says
        and (o.local_non_entity >= min(CONTRADICT_LOCAL, contradict_needed)
             or (o.alone and o.context >= ALONE_CONTRADICTS * context.total)
             or context.events & o.local_events  # the claim's event word in the value's own clause
             or (isinstance(context.fact, CountFact) and _same_thing(context, o.found.noun)))  # its noun
        and not o.subgroup
        and not (isinstance(context.fact, CountFact) and _another_group(context.noun, read_stems[o.sentence.index]))
        and (not context.events or context.events & o.local_events)
        and not _years_of_a_life(context.fact, o.sentence, o.found, claim_text)
        and not ONE.search(o.found.text)  # "..., and one was acquitted" is a part, seldom the figure
        and not VAGUE_CROWD.search(o.found.text)  # "thousands of students" is another crowd than "12 students"
    ]
    if supporting:
        best = max(supporting, key=lambda o: (o.context + o.local, -o.sentence.index))
        found = _decided(context.fact, FactOutcome.FOUND, best)
        found.rivals = [o for o in contradicting if o.sentence.index != best.sentence.index]
        return found
    if contradicting:
        best = max(contradicting, key=lambda o: (o.context + o.local, -o.sentence.index))
        outcome = _decided(context.fact, FactOutcome.CONTRADICTED, best)
        if best.found.negated and compare(context.fact, best.found.fact) is Relation.SUPPORTS:
            outcome.notes.append(f"the passage negates “{best.found.negates or best.found.text}”")
        return outcome
    missing = _Outcome(context.fact, FactOutcome.MISSING)
    # the claim's figure in a passage that says it of another place, time, part or thing: say so
    for o in found_here:
        reason = o.relation is Relation.SUPPORTS and o.context >= support_needed and said_of_another(o)
        if reason:
            missing.notes.append(f"the passage's “{o.found.text}” is {reason}: not counted")
            break
    return missing


# one person's pronoun; "They won" may well be "their team won"
_OPENING_PRONOUN = re.compile(r"^(?:She|He)\s+(?P<verb>[a-z]+)\b")
_PRONOUN_VERB = re.compile(r"\b(?:[Ss]he|[Hh]e)\s+(?P<verb>[a-z]+)\b")
_POSSESSOR_NOUN_VERB = re.compile(r"\b(?:[Hh]er|[Hh]is)\s+(?:[a-z]+\s+)?[a-z]+\s+(?P<verb>[a-z]+)\b")
_OPENING_DOER = re.compile(rf"^(?:The\s+)?(?P<doer>{NAME_RUN})\s+(?P<verb>[a-z]+)\b")
# not before a pronoun the verb acts on: "Rolling Stone ranked it 54th" may be the claim's "X ranked 54th"
_DOER_VERB = re.compile(
    rf"(?P<doer>{NAME_RUN})\s+(?P<verb>[a-z]+)\b(?!\s+(?:it|him|her|them)\b)")
_DONE_BY = re.compile(rf"\b(?P<verb>[a-z]+)\s+by\s+(?:the\s+)?(?P<doer>{NAME_RUN})")
_PRONOUNS = frozenset("i he she it we they this that these those there here who which the a an its his her their"
                      .split())


def _a_deed(word: str) -> bool:
    """A verb in the past: "won", "scored", "imposed" (not "video", "state")."""
    if word in ("said", "told", "reported"):  # whose word it is: "Police said ..." is no "Witnesses said ..."
        return True
    return word not in STOPWORDS and (word.endswith("ed") or (word in past_forms() and not word.endswith("ing")))


@memo.reading(maxsize=4096)
def _another_doer(claim_text: str, sentence_text: str) -> bool:
    """ "Manchester United won the league title ..., outlasting Arsenal" says nothing of the claim's
    "Arsenal won the league title": the sentence gives the claim's deed to another name, never to the
    name the claim opens with."""
    pronoun = _OPENING_PRONOUN.match(claim_text)
    if pronoun is not None and _a_deed(pronoun.group("verb")):
        # "Her opponent won 52% of the vote" for "She won 52% of the vote"
        verb = stem(pronoun.group("verb"))
        theirs = [m for m in _POSSESSOR_NOUN_VERB.finditer(sentence_text) if stem(m.group("verb")) == verb]
        mine = [m for m in _PRONOUN_VERB.finditer(sentence_text) if stem(m.group("verb")) == verb]
        return bool(theirs) and not mine
    agent = _CLAIMS_AGENT.search(claim_text)
    if agent is not None and _a_deed(agent.group("verb")):
        # "was opened in 1990 by the mayor" for "was opened by the Queen in 1990"
        verb, doer = stem(agent.group("verb")), stems_of(agent.group("doer"))
        agents = [stems_of(m.group("doer")) for m in _AGENT_AFTER.finditer(sentence_text)
                  if stem(m.group("verb")) == verb]
        return bool(doer) and bool(agents) and all(
            words and not words & doer and not paraphrased(doer, words) for words in agents)
    if _OPENING_COMMON_DOER.match(claim_text):  # "The president called ...": no name opens it
        return False
    claimed = _OPENING_DOER.match(claim_text)
    if claimed is None or not _a_deed(claimed.group("verb")):
        return False
    verb, doer = stem(claimed.group("verb")), stems_of(claimed.group("doer"))
    doers = [m for m in _DOER_VERB.finditer(sentence_text)
             if stem(m.group("verb")) == verb and m.group("doer").split()[-1].lower() not in _PRONOUNS | STOPWORDS]
    # "Rolling Stone ranked Electric Ladyland 55th": the claim's name right after the verb is what it acts on
    active = [stems_of(m.group("doer")) for m in doers
              if not stems_of(" ".join(sentence_text[m.end():].split()[:3])) & doer]
    if len(active) < len(doers):
        return False
    # "The company was founded by Jones" for "Smith founded the company"
    passive = [stems_of(m.group("doer")) for m in _DONE_BY.finditer(sentence_text) if stem(m.group("verb")) == verb]
    named = active + passive
    return bool(doer) and bool(named) and all(d and not d & doer for d in named)


# "was opened by the Queen", "founded in 1990 by John Smith": the doer of a passive deed
_AGENT = r"(?:the\s+)?(?P<doer>(?!(?:less|more|over|under|about|around|nearly|almost|some|up|at)\b)[A-Za-z][\w'’-]*" \
         r"(?:\s+[A-Z][\w'’-]*)*)"
_CLAIMS_AGENT = re.compile(rf"\b(?:was|were|is|are|been)\s+(?P<verb>[a-z]+ed)\s+by\s+{_AGENT}")
_AGENT_AFTER = re.compile(rf"\b(?P<verb>[a-z]+ed)\s+(?:[\w,]+\s+){{0,4}}?by\s+{_AGENT}")
_OPENING_COMMON_DOER = re.compile(r"^(?:The|A|An)\s+(?P<doer>[a-z]+)\s+(?P<verb>[a-z]+)\b")
# "the governor signed", "Critics called" (a capitalised word opening its sentence)
_COMMON_DOER_VERB = re.compile(
    r"(?:\b(?:[Tt]he|[Aa]n?)\s+(?P<doer>[a-z]+)|(?:^|(?<=[.!?]\s))(?P<opening>[A-Z][a-z]+))\s+(?P<verb>[a-z]+)\b")


def _another_common_doer(claim_text: str, sentence_text: str) -> bool:
    """ "Critics called the deal 'a disaster', but the president praised it" gives the claim's words to
    others than "The president called the deal 'a disaster'" (for quotes: who says them is the claim;
    a figure's doer written as a common noun is too often another word for the same one, "the firm")."""
    claimed = _OPENING_COMMON_DOER.match(claim_text)
    if claimed is None or not _a_deed(claimed.group("verb")):
        return False
    verb, doer = stem(claimed.group("verb")), stem(claimed.group("doer"))
    doers = {stem(m.group("doer") or m.group("opening")) for m in _COMMON_DOER_VERB.finditer(sentence_text)
             if stem(m.group("verb")) == verb and (m.group("doer") or m.group("opening")).lower() not in
             _PRONOUNS | STOPWORDS}
    passive = {stem(m.group("doer").split()[-1]) for m in _DONE_BY.finditer(sentence_text)
               if stem(m.group("verb")) == verb}
    named = frozenset(doers | passive)
    return (bool(named) and doer not in named and doer not in _GENERIC_DOERS
            and not paraphrased(frozenset({doer}), named))


_GENERIC_DOERS = frozenset(stem(w) for w in "officials authorities police government people report study".split())


def _said_of_another(context: FactContext, occurrence: Occurrence, facts: list[FoundFact], claim_text: str,
                     claim_facts: list[Fact]) -> str | None:
    """Why a value that agrees with the claim's is not the claim's, or None: its sentence says it of
    another name, place, time, part or thing than the claim's."""
    fact, sentence, found = context.fact, occurrence.sentence, occurrence.found
    upper_bound = getattr(fact, "op", None) in (Op.LT, Op.LE)
    if _name_with_another_value(context, occurrence, facts) or _claims_word_beside_another_value(
            claim_text, fact, sentence, found, facts):
        return "said of another place, time, name or thing than the claim's"
    if _another_doer(claim_text, sentence.text):
        return "said of what another did than the one the claim names"
    # a part is below any bound its whole is below, and says nothing of the whole ("grossed $61,560
    # on its opening weekend" for "grossed less than $900,000")
    if upper_bound and (occurrence.subgroup or _in_a_part_the_claim_does_not_name(claim_text, sentence, found)):
        return "a part (of a place, a time or a group), which says nothing of a bound on the whole"
    if _another_part(fact, context.parts, _after(sentence, found)):
        return "said of another part than the claim's"
    if isinstance(fact, DateFact) and _the_date_of_another_figure(found, sentence, facts, claim_facts):
        return "the date of another figure of its sentence"
    if _years_of_a_life(fact, sentence, found, claim_text):
        return "a name's years of birth and death (or first and last), not the claim's event"
    if _change_and_level(claim_text, fact, sentence, found):
        return "a change where the claim says a level, or a level where it says a change"
    if _title_of_another_rank(claim_text, sentence, found):
        return "said of another rank of the claim's title (a deputy is no mayor)"
    if (isinstance(fact, DateFact) and isinstance(found.fact, DateFact)  # a span's ends begin and end a state
            and _date_of_another_deed(claim_text, fact, sentence, found)):
        return "the date of another deed than the claim's"
    return None


def _in_the_claim(claim_text: str, fact: Fact) -> FoundFact | None:
    """Where the claim writes ``fact``, or None (a registry's fact the claim does not write)."""
    return next((f for f in found_facts(claim_text) if f.fact == fact), None)


_ANY_DEED = frozenset("occurred happened came made had held began started ended".split())  # "the fire occurred"


def _date_of_another_deed(claim_text: str, fact: Fact, sentence: Sentence, found: FoundFact) -> bool:
    """ "The law, which was introduced in 2015, is still in force" dates an introduction, not the
    repeal of "The law was repealed in 2015": the deeds right before the two dates differ, and the
    sentence never says the claim's."""
    claimed = _in_the_claim(claim_text, fact)
    if claimed is None:
        return False
    claim_deed, source_deed = _deed_before(claim_text[: claimed.start]), _deed_before(
        sentence.text[: found.start - sentence.start])
    if (claim_deed is None or source_deed is None or claim_deed in _ANY_DEED  # deeds are lower case
            or re.search(r"\btook\s+place\b", claim_text, re.IGNORECASE)):
        return False
    claim_stem, source_stem = stem(claim_deed), stem(source_deed)
    return (claim_stem != source_stem and claim_stem not in stems_of(sentence.text)
            and not paraphrased(frozenset({claim_stem}), frozenset({source_stem})))


# "deputy mayor", "vice president", "assistant coach", "co-founder": another office than the claim's
_OFFICE_RANK = re.compile(
    r"\b(?P<rank>deputy|vice|assistant|associate|acting|interim|lieutenant|junior|co)[\s-]+(?P<word>[a-z]+)",
    re.IGNORECASE)


def _title_of_another_rank(claim_text: str, sentence: Sentence, found: FoundFact) -> bool:
    """ "He served as deputy mayor from 2010 to 2014 and as mayor from 2014 to 2018": the title nearest
    before a value, with a rank the claim does not give it, is another office than the claim's."""
    at = found.start - sentence.start
    claim_stems = stems_of(claim_text)
    for match in _OFFICE_RANK.finditer(sentence.text, 0, at):
        title = match.group("word")
        if stem(title) not in claim_stems or re.search(rf"\b{match.group('rank')}\b", claim_text, re.IGNORECASE):
            continue
        last = None
        for last in re.finditer(rf"\b{re.escape(title)}\b", sentence.text[:at], re.IGNORECASE):
            pass
        if last is not None and last.start() == match.start("word"):
            return True
    return False


# "grew by 5%" is a change, "grew to 5%" a level: one figure, two things
_CHANGE_VERB = (r"(?:grew|grow|grows|rose|rise|rises|risen|fell|fall|falls|fallen|increased|increases|decreased|"
                r"decreases|dropped|drops|climbed|climbs|declined|declines|jumped|jumps|gained|gains|cut|raised|"
                r"lowered|reduced|slipped|surged|soared|plunged|plummeted|shrank|expanded)")
_ROUGHLY = r"(?:about\s+|around\s+|nearly\s+|almost\s+)?"
_BY_BEFORE = re.compile(rf"\b{_CHANGE_VERB}\s+(?:\w+\s+){{0,2}}?by\s+{_ROUGHLY}$", re.IGNORECASE)
_TO_BEFORE = re.compile(rf"\b{_CHANGE_VERB}\s+(?:\w+\s+){{0,2}}?(?:to|at)\s+{_ROUGHLY}$", re.IGNORECASE)


def _change_and_level(claim_text: str, fact: Fact, sentence: Sentence, found: FoundFact) -> bool:
    if not isinstance(fact, CountFact):
        return False
    claimed = _in_the_claim(claim_text, fact)
    if claimed is None:
        return False
    at = found.start - sentence.start
    claim_before = claim_text[max(0, claimed.start - 60) : claimed.start]
    source_before = sentence.text[max(0, at - 60) : at]
    return bool((_BY_BEFORE.search(claim_before) and _TO_BEFORE.search(source_before))
                or (_TO_BEFORE.search(claim_before) and _BY_BEFORE.search(source_before)))


def _another_part(fact: Fact, claim_parts: frozenset[str], text: str) -> bool:
    """Does ``text`` name another part of the same kind than the claim's ("in its first year" for "in
    its first week")?"""
    if not claim_parts or not isinstance(fact, CountFact) or fact.unit == "rank":
        return False
    kinds = {part.split()[0] for part in claim_parts}
    return any(part not in claim_parts and part.split()[0] in kinds for part in part_words(text))


def _after(sentence: Sentence, found: FoundFact, length: int = 40) -> str:
    """A value and the text right after it in its sentence."""
    return sentence.text[found.start - sentence.start : found.end - sentence.start + length]


def _decided(fact: Fact, outcome: FactOutcome, occurrence: Occurrence) -> _Outcome:
    """The fact found or contradicted by one occurrence, with its place and context."""
    found = occurrence.found
    decided = _Outcome(fact, outcome, occurrence, (found.start, found.end), occurrence.sentence)
    decided.context = occurrence.context
    return decided


def _name_with_another_value(context: FactContext, occurrence: Occurrence, facts: list[FoundFact]) -> bool:
    """ "45% of NFL fans are female, 46% of MLB fans, 47% of MLS fans": the 47% is not the claim's
    "47% of NFL fans" when a name next to the claim's value stands in the clause of another value of
    the same kind and not in this one's."""
    near_names = {word for word, weight in context.anchors.items() if weight >= 1.0 and word in context.entity_stems}
    if occurrence.alone or not near_names:
        return False
    sentence = occurrence.sentence
    clauses = segments(sentence)

    def clause_words(position: int) -> frozenset[str]:
        start, end = next(((a, b) for a, b in clauses if a <= position < b), (sentence.start, sentence.end))
        return stems_of(sentence.text[start - sentence.start : end - sentence.start])

    same_kind = [f for f in facts if type(f.fact) is type(occurrence.found.fact)
                 and getattr(f.fact, "unit", None) == getattr(occurrence.found.fact, "unit", None)]
    first_value = min((f.start for f in same_kind), default=occurrence.found.start) - sentence.start
    named_at = [start for word, start, _ in stem_positions(sentence.text) if word in near_names]
    if named_at and all(start < first_value for start in named_at):
        return False  # the sentence's subject ("Book Club grossed $68.6 million ..., a total of $84.2 million")
    mine = near_names & clause_words(occurrence.found.start)
    return any(
        type(found.fact) is type(occurrence.found.fact)
        and found.start != occurrence.found.start
        and getattr(found.fact, "unit", None) == getattr(occurrence.found.fact, "unit", None)
        and (near_names & clause_words(found.start)) - mine
        # "On 19 September 2016 ... DJ Magazine contest 2016": the other value says the same
        and compare(occurrence.found.fact, found.fact) is Relation.CONTRADICTS
        # a value the claim itself states elsewhere ("45% of NFL fans and 46% of MLB fans") is that value's
        and not any(compare(value, found.fact) is Relation.SUPPORTS for value in context.claim_values)
        for found in facts
    )


_PLACE_AFTER = re.compile(
    r"^(?:[\s-]+[a-z]+){0,2}\s+(?:in|at)\s+(?:the\s+)?(?P<word>[A-Z][\w'’-]+)(?P<more>(?:\s+[A-Z][\w'’-]+)*)")
_WHEN = (r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|year|month|week|weekend|day|morning|afternoon|evening|night|"
         r"quarter|season")
_TIME_AFTER = re.compile(
    r"^(?:\s+[a-z]+){0,3}?\s+(?:(?:on|in|over|during|for|throughout|this|last|next|that|the same)\s+"
    r"(?:(?:the|its|their)\s+)?(?:(?P<which>first|second|third|opening|final|closing)\s+)?(?P<when>" + _WHEN + r")\b"
    # "two seasons ago"
    r"|(?P<ago>\w+)\s+(?P<when_ago>" + _WHEN + r")s?\s+ago\b)", re.IGNORECASE)
_RATE_AFTER = re.compile(r"^\s+(?:per|a|an|each)\s+(?P<per>[a-z]+)\b", re.IGNORECASE)
_DOER_BEFORE = re.compile(
    r"(?P<word>[A-Za-z][\w'’-]*)\s+(?!(?:and|or|of|in|at|on|to|with|for|by|the|a|an)\s)[a-z]+\s+$")
_VERB_BEFORE = re.compile(r"(?P<word>[a-z][\w'’-]*)\s+(?:(?:in|on|at|the|a|an)\s+){1,2}$")
_AT_BEFORE = re.compile(r"(?P<word>[a-z][\w'’-]*)\s+at\s+$")  # "closed at $41", "opened at $45"
_WHAT_AFTER = re.compile(r"^(?:\s+[a-z]+)?\s+(?:on|of|in|to)\s+(?:the\s+)?(?P<word>[a-z][\w'’-]+)")
_DONE_AFTER = re.compile(r"^(?:\s+[a-z]+)?\s+(?:were|was|are|is|have been|has been|had been)\s+(?P<word>[a-z][\w'’-]+)")
# what a measure measures ("2 km long", "300 metres tall") and what singles a figure out ("a record 70%")
_DIMENSION_AFTER = re.compile(r"^(?:\s+[a-z]{1,2}\.?)?\s+(?P<word>long|tall|high|wide|deep|thick|away|apart)\b")
_SINGLED_OUT_BEFORE = re.compile(r"\b(?P<word>record|new|all-time|lowest|highest)\s+$")


def _deed_before(before: str, reach: int = 6) -> str | None:
    """The nearest verb in the past before a date in its clause: "hosted the World Cup in 2006",
    "won it in 2014"."""
    clause = re.split(r"[,;:()]", before)[-1]
    words = re.findall(r"[A-Za-z][\w'’-]*", clause)[-reach:]
    return next((w for w in reversed(words) if w.islower() and _a_deed(w)), None)


def _when(time: re.Match) -> tuple[str, ...]:
    """ "on its opening weekend" → ("opening", "weekend"); "two seasons ago" → ("two", "season", "ago")."""
    if time.group("ago"):
        return time.group("ago").lower(), time.group("when_ago").lower(), "ago"
    return (time.group("which") or "").lower(), time.group("when").lower()


def _words_beside(text: str, start: int, end: int, kind: type, doer: bool = True) -> frozenset[str]:
    """The stems of the words that tell whose or where a count is, or what happened at a date: the
    doer before its verb ("Smith scored 30", "exports fell 3%") and a place after it ("12 people in
    Texas") for a count, the verb before a date ("opened in 1995") and the nearest deed before it in its
    clause ("won it in 2014")."""
    before = text[:start]
    if kind is DateFact:
        matches = [_VERB_BEFORE.search(before)]
    else:
        after = text[end:]
        matches = [_PLACE_AFTER.match(after), _WHAT_AFTER.match(after), _DONE_AFTER.match(after),
                   _AT_BEFORE.search(before), _DOER_BEFORE.search(before) if doer else None,
                   _DIMENSION_AFTER.match(after), _SINGLED_OUT_BEFORE.search(before[-20:])]
    words = {stem(m.group("word")) for m in matches if m and m.group("word").lower() not in STOPWORDS}
    deed = _deed_before(before) if kind is DateFact else None
    if deed:
        words.add(stem(deed))
    return frozenset(words - GENERIC - PEOPLE_GENERIC)


def _dated_right_after(value: FoundFact, sentence: Sentence, facts: list[FoundFact]) -> bool:
    return any(isinstance(f.fact, DateFact) and f.start >= value.end and _WITHIN_THREE_WORDS.fullmatch(
        sentence.text[value.end - sentence.start : f.start - sentence.start]) for f in facts)


def _the_date_of_another_figure(date: FoundFact, sentence: Sentence, facts: list[FoundFact],
                                claim_facts: list[Fact]) -> bool:
    """ "40 journalists were detained in 2021, up from 30 in 2020": the 2020 is the date of the 30 right
    before it, which is not the claim's figure, while another figure of the sentence is."""
    claimed = [c for c in claim_facts if isinstance(c, CountFact)]
    before = [f for f in facts if isinstance(f.fact, CountFact) and f.end <= date.start
              and _WITHIN_THREE_WORDS.fullmatch(sentence.text[f.end - sentence.start : date.start - sentence.start])]
    if not claimed or not before:
        return False
    own = max(before, key=lambda f: f.end)
    relations = [compare(c, own.fact) for c in claimed]
    return (Relation.SUPPORTS not in relations and Relation.CONTRADICTS in relations
            and any(compare(c, f.fact) is Relation.SUPPORTS for c in claimed for f in facts
                    if isinstance(f.fact, CountFact) and f is not own))


# "Leo Tolstoy (1828–1910)", "the author (born 1950)": years that bound a life or a thing's existence
_LIFE_SPAN = re.compile(
    r"(?<=\w)\s+\((?:(?P<one_end>born|b\.|died|d\.)\s+[^()]{0,20}\d{3,4}"
    r"|(?:c\.\s*)?\d{3,4}\s*(?P<dash>[–—-])\s*(?:c\.\s*)?\d{3,4})[^()]{0,30}\)")
_FIRST_YEAR_WORDS = frozenset(stem(word) for word in "born birth founded established formed began started".split())
_LAST_YEAR_WORDS = frozenset(stem(word) for word in "died death dead ended dissolved".split())
_EITHER_YEAR_WORDS = frozenset(stem(word) for word in "lived life lifetime ruled reigned existed".split())


def _years_of_a_life(fact: Fact, sentence: Sentence, found: FoundFact, claim_text: str) -> bool:
    """A year of "Leo Tolstoy (1828–1910)" neither backs nor contradicts "wrote War and Peace in
    1828": it dates a life (or a thing's existence), and says something only of a claim about its
    start ("born", "founded") or, for the last year, its end ("died", "dissolved")."""
    if not isinstance(fact, DateFact):
        return False
    at = found.start - sentence.start
    span = next((m for m in _LIFE_SPAN.finditer(sentence.text) if m.start() < at < m.end()), None)
    if span is None:
        return False
    if span.group("one_end"):
        first = span.group("one_end").startswith("b")
    elif isinstance(found.fact, RangeFact):  # the span read whole: which end is the claim's year
        first = int(fact.value[:4]) == found.fact.low
    else:
        first = at < span.start("dash")
    claim_stems = stems_of(claim_text)
    return not (claim_stems & _EITHER_YEAR_WORDS or claim_stems & (_FIRST_YEAR_WORDS if first else _LAST_YEAR_WORDS))


_WITHIN_THREE_WORDS = re.compile(r"(?:\W+[\w'’-]+){0,2}\W+(?:in|on|at|by)\s+")


def _in_a_part_the_claim_does_not_name(claim_text: str, sentence: Sentence, found: FoundFact) -> bool:
    """ "50,000 employees in the United States", "8 people on Friday" count a part of a whole the claim
    does not place or date."""
    after = sentence.text[found.end - sentence.start :]
    place = _PLACE_AFTER.match(after)
    if place is not None and not _names_the_place(claim_text, place.group("word") + place.group("more")):
        return True
    time = _TIME_AFTER.match(after)
    return time is not None and not re.search(rf"\b{_when(time)[1]}\b", claim_text, re.IGNORECASE)


def _same_place(one: re.Match, other: re.Match) -> bool:
    """ "the United Kingdom" and "the UK", "Montana" and "Montana Province": one name."""
    first, second = (m.group("word") + m.group("more") for m in (one, other))
    return _names_the_place(first, second) or _names_the_place(second, first)


_ACRONYM = re.compile(r"\b[A-Z](?:\.?[A-Z])+\b")


def _names_the_place(text: str, place: str) -> bool:
    """Does ``text`` name ``place`` by one of its words or by initials ("the U.K." for "the United
    Kingdom", "the United Kingdom" for "the UK")?"""
    if stems_of(place) & stems_of(text) or re.search(rf"\b{re.escape(place)}\b", text):  # "May" has no stem
        return True
    if place.isupper() and spelled_by_initials(place, text):
        return True
    return any(spelled_by_initials(acronym.replace(".", ""), place) for acronym in _ACRONYM.findall(text))


def _claims_word_beside_another_value(
    claim_text: str, fact: Fact, sentence: Sentence, found: FoundFact, facts: list[FoundFact]
) -> bool:
    """A word that tells whose, where or what the claim's value is, written right beside it ("12
    people in Texas", "Smith scored 30", "opened in 1995"), stands beside another value of the kind
    in the sentence and not beside this one: "killed 12 people in Oklahoma and 3 in Texas", "Jones
    scored 30 points, while Smith added 12", "was planned in 1995 and opened in 2001"; or the count
    has another place right beside it ("10% in France" for "10% in Germany")."""
    kind = type(fact)
    if kind not in (CountFact, DateFact) or type(found.fact) is not kind:
        return False
    claimed = _in_the_claim(claim_text, fact)
    if claimed is None:
        return False
    if kind is CountFact:
        # "shares have fallen 20% this year" is no "fell 20% on Monday"
        claim_time, time = _TIME_AFTER.match(claim_text[claimed.end :]), _TIME_AFTER.match(
            sentence.text[found.end - sentence.start :])
        if claim_time and time and _when(claim_time) != _when(time):
            return True
        # "$1,000 per month of treatment" is no "$1,000 per dose"
        claim_rate, rate = _RATE_AFTER.match(claim_text[claimed.end :]), _RATE_AFTER.match(
            sentence.text[found.end - sentence.start :])
        if claim_rate and rate and stem(claim_rate.group("per").lower()) != stem(rate.group("per").lower()):
            return True
        # "60% in 2016 and 55% this year" for "60% this year": the claim's time is another value's, this
        # one has its own date ("opened at $45 on Friday and closed at $41" dates both)
        if claim_time and not time and _dated_right_after(found, sentence, facts) and any(
                other.start != found.start and isinstance(other.fact, CountFact)
                and other.fact.unit == getattr(found.fact, "unit", None)
                and (other_time := _TIME_AFTER.match(sentence.text[other.end - sentence.start :]))
                and _when(other_time) == _when(claim_time) for other in facts):
            return True
    wanted = _words_beside(claim_text, claimed.start, claimed.end, kind)
    if not wanted:
        return False
    # "Smith added 12" leaves out the unit of "30 points" before it
    unit = getattr(found.fact, "unit", None)
    values = [f for f in facts if type(f.fact) is kind
              and (getattr(f.fact, "unit", None) in (unit, None)
                   or (isinstance(f.fact, CountFact) and in_unit(f.fact, unit) is not None))]  # "2 tonnes", "300 kg"
    if kind is CountFact:
        # "10% in France" is no "10% in Germany", whatever else the sentence counts
        claim_place, place = _PLACE_AFTER.match(claim_text[claimed.end :]), _PLACE_AFTER.match(
            sentence.text[found.end - sentence.start :])
        if claim_place and place and not _same_place(claim_place, place):
            return True
    first = min(value.start for value in values)

    def beside(value: FoundFact) -> frozenset[str]:
        # the doer of a sentence's first value is everyone's ("The storm killed 12 ... and 3 in Texas")
        return _words_beside(sentence.text, value.start - sentence.start, value.end - sentence.start, kind,
                             doer=value.start != first)

    # a word of the claim's beside another value and not this one ("opened at $45 on Friday and closed at $41"
    # for "closed at $45 on Friday": "Friday" is beside both, "closed" only beside the other)
    here = beside(found)
    return any(wanted & beside(other) - here for other in values if other.start != found.start)


def _outweighed(context: FactContext, occurrence: Occurrence, facts: list[FoundFact]) -> bool:
    """Does the sentence also hold a value of the same unit that the bound excludes, that may count
    the same thing and stands at least as close to the claim's words as the value that backs it? A
    value closer to them decides ("over 85%": "a rating of 80% ... and an audience score of 87%"),
    unless its clause names what the claim does not."""
    fact = context.fact
    if not isinstance(fact, CountFact):
        return False
    excluded = [found for found in facts if isinstance(found.fact, CountFact) and found.fact.unit == fact.unit
                and compare(fact, found.fact) is Relation.CONTRADICTS
                and not _counts_another_thing(context.noun, found.noun)
                # the claim's other figure, told there too ("$169 million in the United States and Canada"
                # for its "more than $168.9 million in the United States and Canada"), is no rival
                and not any(compare(other, found.fact) is Relation.SUPPORTS for other in context.claim_values)]
    if not excluded:
        return False
    nearest = anchor_distance(context, occurrence.sentence, occurrence.found, facts)
    for found in excluded:
        weight = anchor_weight_beside(context, occurrence.sentence, found, facts)
        if weight > occurrence.local:
            return True
        if weight == occurrence.local:
            # the same words in one clause: they are the words of the value they stand nearest to
            # ("grossed $116.5 million worldwide against a $51 million production budget")
            distance = anchor_distance(context, occurrence.sentence, found, facts)
            if nearest is None or (distance is not None and distance <= nearest):
                return True
    # "$156.1 million in the United States and Canada" is a part of what "less than $285 million globally" bounds
    names = names_beside(occurrence.sentence, occurrence.found, facts)
    return bool(names - context.entity_stems - set(context.anchors))


def _another_group(claim_noun: str | None, sentence_stems: frozenset[str]) -> bool:
    """The claim counts a narrower group than the source's figure, whose sentence never names it: "four
    female justices" against "113 justices have served" (all of them), or "six Roman Catholic justices"."""
    if not claim_noun or len(claim_noun.split()) < 2:
        return False
    modifiers = ({stem(w) for w in claim_noun.split()[:-1] if number_value(w) is None}
                 - GENERIC - PEOPLE_GENERIC - _NOUN_MODIFIERS_SAID_BY_THE_FIGURE)
    return bool(modifiers) and not modifiers & sentence_stems


_NOUN_MODIFIERS_SAID_BY_THE_FIGURE = frozenset(stem(w) for w in "total more other new additional".split())


def _counts_another_thing(claim_noun: str | None, source_noun: str | None) -> bool:
    return bool(claim_noun and source_noun) and not heads_meet(claim_noun, source_noun)


def _counts_the_claims_thing(context: FactContext, source_noun: str | None) -> bool:
    """The source's noun counts what the claim counts: the same head, or the claim's people told by
    the event the claim gives them ("4,542 deaths" for "less than 4,600 people had died", "765
    recoveries" for "less than 770 people had recovered"; "killers" are no victims)."""
    if heads_meet(context.noun, source_noun) or counts_by_the_claims_event(context, source_noun):
        return True
    if not context.noun or not source_noun or stem(context.noun.split()[-1]) not in PEOPLE_GENERIC:
        return False
    head = source_noun.split()[-1]
    return not AGENT_NOUN.search(head) and stem(head) in context.anchors and stem(head) not in GENERIC


def _same_thing(context: FactContext, source_noun: str | None) -> bool:
    return _same_noun(context.noun, source_noun) or counts_by_the_claims_event(context, source_noun)


def _same_noun(claim_noun: str | None, source_noun: str | None) -> bool:
    """Do both count the same specific thing? A lone participle ("92 based on", "370 killed") is
    read where a noun would stand, but counts nothing of its own."""
    return heads_meet(claim_noun, source_noun, VAGUE_NOUNS) and not LONE_PARTICIPLE.fullmatch(claim_noun or "")


VAGUE_NOUNS = GENERIC - {stem("cases")}  # "50 new cases" count what "30 COVID-19 cases" count


LONE_PARTICIPLE = re.compile(r"[^\W\d_]+(?:ed|ing)")


def judge_entity(fact: EntityFact, candidates: list[Sentence]) -> _Outcome:
    for sentence in candidates:
        if sentence.boilerplate:
            continue
        span = find_name(fact.name, sentence.text, fact.aliases)
        if span:
            start, end = sentence.start + span[0], sentence.start + span[1]
            return _Outcome(fact, FactOutcome.FOUND, span=(start, end), sentence=sentence, context=1.0)
    return _Outcome(fact, FactOutcome.MISSING)


# a crowd without a number backs a bound ("hundreds" for "more than 70") but contradicts no figure
VAGUE_CROWD = re.compile(
    r"\b(?:dozens|scores|hundreds|thousands|millions|десятки|сотни|тысячи|onlarla|yüzlərlə|minlərlə)\b", re.IGNORECASE
)
PARAPHRASE_SHARE = 0.7
# not "one-third", "one in five"
ONE = re.compile(r"\bone\b(?![\s-]+(?:third|quarter|half|fifth|tenth|in\b))", re.IGNORECASE)


def judge_quote(
    fact: QuoteFact,
    text: str,
    normalised: tuple[str, list[int]],
    sentences: list[Sentence],
    candidates: list[Sentence],
    claim_disputes: bool = False,
) -> _Outcome:
    haystack, positions = normalised
    needle = normalize_quote_text(fact.text)
    index = haystack.find(needle) if needle else -1
    denied = None
    while index >= 0:
        start, end = positions[index], positions[index + len(needle) - 1] + 1
        sentence = next((s for s in sentences if s.start <= start < s.end), None)
        if sentence is not None and not claim_disputes and DISPUTED.search(sentence.text, 0, start - sentence.start):
            denied = denied or sentence  # "denied saying the city would 'never surrender'"
        elif sentence is None or not sentence.boilerplate:  # a headline in a link list is another page's
            return _Outcome(fact, FactOutcome.FOUND, span=(start, end), sentence=sentence, context=2.0)
        index = haystack.find(needle, index + 1)
    if denied is not None:
        outcome = _Outcome(fact, FactOutcome.MISSING, sentence=denied)
        outcome.notes.append("the quoted words are in the text, in a passage that denies or disputes them")
        return outcome
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


DATELINE_WORDING = 0.75
ALIGNED_WORDING = 0.6  # a sentence (with its neighbour) holding this share of the claim's words says what it says


def _found_where_aligned(
    outcome: _Outcome, claim_stems: frozenset[str], candidates: list[Sentence], published: str | None,
    claim_hedging: str, claim_text: str, claim_parts: frozenset[str] = frozenset(),
) -> None:
    """A key fact the context rules left missing, found in the sentence that says what the claim
    says, written the same way: the same value, unit and precision, a value that is no small bare
    number ("Khaleel, 22, started the Go Fund Me page" for "his older brother Khaleel, 22, started a
    GoFundMe page"). It never contradicts: another value there decides nothing."""
    fact = outcome.fact
    if outcome.outcome is not FactOutcome.MISSING or isinstance(fact, (EntityFact, QuoteFact)) or len(claim_stems) < 3:
        return
    if isinstance(fact, CountFact) and fact.unit is None and fact.value < 10:
        return
    default_year = int(published[:4]) if published else None
    for sentence, _, paired in with_neighbours(candidates):
        if len(claim_stems & paired) / len(claim_stems) < ALIGNED_WORDING:
            continue
        sentence_facts = [moved(found, sentence.start) for found in found_facts(sentence.text, default_year)]
        for found in sentence_facts:
            at, end = found.start - sentence.start, found.end - sentence.start
            if DATE_BOUND.search(sentence.text[max(0, at - 40) : at]):
                continue  # "founded before 2015": a bound, not the date
            if hedged_beyond(claim_hedging, sentence.text[max(0, at - 60) : end + 20]):
                continue  # "may impose sanctions ... in 2016"
            if (_another_part(fact, claim_parts, _after(sentence, found)) or _another_doer(claim_text, sentence.text)
                    or _years_of_a_life(fact, sentence, found, claim_text)
                    or _change_and_level(claim_text, fact, sentence, found)):
                continue  # "sold 1 million copies in its first year" for "in its first week"
            if (type(found.fact) is type(fact) and not found.negated and not found.year_assumed
                    and compare(fact, found.fact) is Relation.SUPPORTS and _same_measure(fact, found.fact)
                    and not _claims_word_beside_another_value(claim_text, fact, sentence, found, sentence_facts)):
                outcome.outcome, outcome.sentence, outcome.span = FactOutcome.FOUND, sentence, (found.start, found.end)
                return


ALIGNED_CONTRADICTION = 0.7  # a sentence holding this share of the claim's words, its own, is about what the claim is


def _contradicted_where_aligned(
    outcome: _Outcome, claim_stems: frozenset[str], candidates: list[Sentence], published: str | None,
    claim_hedging: str, other_facts: list[Fact] | None = None, claim_noun: str | None = None,
) -> None:
    """A key fact the context rules left missing, contradicted by the sentence that says what the
    claim says with one value where the claim has another: the one value of the same measure there
    ("Massy Stores was forced to close all 35 of its branches" for "... all 32 of its branches")."""
    fact = outcome.fact
    if outcome.outcome is not FactOutcome.MISSING or not isinstance(fact, CountFact) or len(claim_stems) < 4:
        return  # a page holds many dates of one subject ("won the FA Cup in 2002" beside "in 2005")
    default_year = int(published[:4]) if published else None
    for sentence, stems, _ in with_neighbours(candidates):
        if len(claim_stems & stems) / len(claim_stems) < ALIGNED_CONTRADICTION or _another_group(claim_noun, stems):
            continue
        same_kind = [f for f in found_facts(sentence.text, default_year)
                     if type(f.fact) is type(fact) and _same_measure(fact, f.fact)]
        if len(same_kind) != 1:
            continue
        found = same_kind[0]
        if found.negated or found.year_assumed or compare(fact, found.fact) is not Relation.CONTRADICTS:
            continue
        if any(compare(other, found.fact) is Relation.SUPPORTS for other in other_facts or ()):
            continue  # the claim's own other figure ("80-year-old" for "Gbedey, 20, ... an 80-year-old man")
        if hedged_beyond(claim_hedging, sentence.text[max(0, found.start - 60) : found.end + 20]):
            continue
        found = moved(found, sentence.start)
        outcome.outcome, outcome.sentence, outcome.span = FactOutcome.CONTRADICTED, sentence, (found.start, found.end)
        return


def _aligned_lists(
    outcomes: list[_Outcome], claim_stems: frozenset[str], candidates: list[Sentence], published: str | None,
    claim_hedging: str,
) -> None:
    """A claim that lists figures of one unit ("$159.85 million in the United States and Canada,
    $356.8 million in other territories and ... $516.8 million worldwide") against the sentence that
    says what the claim says with as many figures of that unit, in the same order: each figure is
    its partner's, and the figures the context rules left missing are found or contradicted by it."""
    counts = [o for o in outcomes if isinstance(o.fact, CountFact)]
    if len(claim_stems) < 3:
        return
    default_year = int(published[:4]) if published else None
    for unit in dict.fromkeys(_unit_of(o.fact) for o in counts):
        listed = [o for o in counts if _unit_of(o.fact) == unit]
        if len(listed) < 2 or all(o.outcome is not FactOutcome.MISSING for o in listed):
            continue
        for sentence in candidates:
            if sentence.boilerplate:
                continue
            share = len(claim_stems & stems_of(sentence.text)) / len(claim_stems)
            if share < ALIGNED_WORDING:
                continue
            values = [f for f in found_facts(sentence.text, default_year)
                      if isinstance(f.fact, CountFact) and f.fact.unit == unit and not f.negated]
            runs = [values[i : i + len(listed)] for i in range(len(values) - len(listed) + 1)]
            # the run of as many figures, in order, that relates to the claim's figure by figure
            paired = [(run, [compare(o.fact, f.fact) for o, f in zip(listed, run)]) for run in runs]
            paired = [(run, relations) for run, relations in paired if len(set(relations)) == 1
                      and relations[0] is not Relation.NEUTRAL]  # every figure backed, or every one not
            if len(paired) != 1:
                continue
            partners, relations = paired[0]
            if Relation.CONTRADICTS in relations and share < ALIGNED_CONTRADICTION:
                continue
            if hedged_beyond(claim_hedging, sentence.text):
                continue
            for outcome, found, relation in zip(listed, partners, relations):
                if outcome.outcome is FactOutcome.MISSING:
                    found = moved(found, sentence.start)
                    outcome.outcome = FactOutcome.FOUND if relation is Relation.SUPPORTS else FactOutcome.CONTRADICTED
                    outcome.sentence, outcome.span = sentence, (found.start, found.end)
            break


_SPAN_JOIN = re.compile(r"^\s*(?:to|until|till|through|–|—|-)\s*$")


def _other_end_of_a_span(
    outcomes: list[_Outcome], claim_text: str, claim_year: int | None, published: str | None
) -> None:
    """Two dates the claim writes as a span ("from November 11 to December 31"): when the passage
    writes one end as a span too ("from November 11 – December 13"), the other end of that span is
    the partner of the claim's other end, found or contradicted by it."""
    claimed = [f for f in found_facts(claim_text, claim_year) if isinstance(f.fact, DateFact)]
    default_year = int(published[:4]) if published else claim_year
    for first, second in zip(claimed, claimed[1:]):
        written_as_one = (first.start, first.end) == (second.start, second.end)  # "June 8-10"
        if not written_as_one and not _SPAN_JOIN.match(claim_text[first.end : second.start]):
            continue
        start, end = (next((o for o in outcomes if o.fact == date.fact), None) for date in (first, second))
        if start is None or end is None or start is end:
            continue
        for known, wanted in ((start, end), (end, start)):
            if (known.outcome is not FactOutcome.FOUND or wanted.outcome is not FactOutcome.MISSING
                    or known.sentence is None or known.span is None):
                continue
            sentence, (known_start, known_end) = known.sentence, known.span
            stated = [moved(f, sentence.start) for f in found_facts(sentence.text, default_year)
                      if isinstance(f.fact, DateFact)]
            one_text = [f for f in stated if (f.start, f.end) == (known_start, known_end)]  # "June 6-10"
            partner = (one_text[-1] if wanted is end else one_text[0]) if len(one_text) == 2 else next(
                (f for f in stated if _SPAN_JOIN.match(_between(sentence, known_end, f.start) if wanted is end
                                                       else _between(sentence, f.end, known_start))), None)
            if partner is None:
                continue
            relation = compare(wanted.fact, partner.fact)
            if relation is not Relation.NEUTRAL:
                wanted.outcome = FactOutcome.FOUND if relation is Relation.SUPPORTS else FactOutcome.CONTRADICTED
                wanted.sentence, wanted.span = sentence, (partner.start, partner.end)


def _between(sentence: Sentence, start: int, end: int) -> str:
    """The sentence's text between two page offsets ("x", which joins nothing, when they are reversed)."""
    return sentence.text[start - sentence.start : end - sentence.start] if start <= end else "x"


def _unit_of(fact: Fact) -> str | None:
    return fact.unit if isinstance(fact, (CountFact, RangeFact)) else None


def _same_measure(claim: Fact, source: Fact) -> bool:
    if isinstance(claim, CountFact) and isinstance(source, CountFact):
        return claim.unit == source.unit and claim.op == source.op
    if isinstance(claim, RangeFact) and isinstance(source, RangeFact):
        return claim.unit == source.unit
    return isinstance(claim, DateFact) and isinstance(source, DateFact) and len(claim.value) <= len(source.value)


# Words that tie an event to the page's own time: only then does the page's date date the event.
RELATIVE_TIME = re.compile(
    r"\b(?:today|yesterday|tonight|this (?:week|month|year|morning|afternoon|evening)|earlier this \w+|"
    r"(?:on|last|this) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|last (?:week|month|night))\b",
    re.IGNORECASE,
)


def _contradicted_beside_the_others(outcomes: list[_Outcome]) -> list[str]:
    """A figure found in one sentence, while the sentence that gives every other fact of the claim
    gives it another value, is contradicted there: "At the end of 2005 ... was the third
    best-selling album of the year" against "the second best-selling in 2005", which another
    sentence gives of another list ("the second best-selling album by a female artist")."""
    notes = []
    found = [o for o in outcomes if o.outcome is FactOutcome.FOUND and o.sentence is not None
             and not isinstance(o.fact, EntityFact)]
    for outcome in found:
        others = {o.sentence.index for o in found if o is not outcome and o.sentence is not None}
        if not others or outcome.sentence is None or outcome.sentence.index in others or len(others) != 1:
            continue
        rival = next((r for r in outcome.rivals if r.sentence.index in others
                      # "in the 1903–04 season" gives 1904, the claim's other year, not a rival of 1905
                      and not any(o.span == (r.found.start, r.found.end)
                                  or compare(o.fact, r.found.fact) is Relation.SUPPORTS for o in found)), None)
        if rival is not None:
            outcome.outcome, outcome.occurrence, outcome.sentence = FactOutcome.CONTRADICTED, rival, rival.sentence
            outcome.span = (rival.found.start, rival.found.end)
            notes.append(f"the passage that gives the claim's other facts says “{rival.found.text}”")
    return notes


def _year_from_dateline(outcome: _Outcome, published: str) -> bool:
    """A year the page does not write but dates itself with: a press release of 9 December 2022
    that says the State Department "today designated" X backs "in 2022" (never a day or a month,
    never a contradiction, and only where the passage ties the event to the page's time)."""
    fact = outcome.fact
    return (
        outcome.outcome is FactOutcome.MISSING
        and isinstance(fact, DateFact)
        and fact.precision == "year"
        and fact.value == published[:4]
    )


def _readable_text(sentences: list[Sentence]) -> str:
    """The page's text without its boilerplate lines."""
    return " ".join(s.text for s in sentences if not s.boilerplate)


def _window(sentences: list[Sentence], first: int, last: int) -> list[Sentence]:
    return [s for s in sentences[max(0, first) : last + 1] if not s.boilerplate]


def _found_name_words(outcomes: list[_Outcome], text: str) -> frozenset[str]:
    """Words of the claim's names that were found: those of the text found, and all of the name's
    when it was found under one of its registry aliases or another form of it ("United States
    State Department" found as "State Department" or "Department of State")."""
    words: set[str] = set()
    for o in outcomes:
        if not isinstance(o.fact, EntityFact) or o.outcome is not FactOutcome.FOUND or not o.span:
            continue
        found = stems_of(text[o.span[0] : o.span[1]])
        words |= found
        if (any(stems_of(other) <= found for other in (*o.fact.aliases, *name_variants(o.fact.name)))
                or written_as_one_word(o.fact.name, text[o.span[0] : o.span[1]])):
            words |= stems_of(o.fact.name)
    return frozenset(words)


def _verdict(outcomes: list[_Outcome], wording: _Wording) -> tuple[Verdict, list[str]]:
    verdict, notes = _verdict_of_facts(outcomes, wording)
    found = [o for o in outcomes if not isinstance(o.fact, EntityFact) and o.outcome is FactOutcome.FOUND]
    if verdict is Verdict.PARTIALLY_SUPPORTED and found and all(o.named_by_heading for o in found):
        return Verdict.NOT_FOUND, notes  # the page's topic, not what the claim says about it
    return verdict, notes


def _verdict_of_facts(outcomes: list[_Outcome], wording: _Wording) -> tuple[Verdict, list[str]]:
    """The verdict from the key facts (numbers, dates, quotes) and how much of the claim's other
    content (names included: they are anchors, never facts on their own) the passages cover."""
    notes: list[str] = []
    # a title's figure found in the page's heading ("127 Hours") is a name, not a fact of the claim
    key = [o for o in outcomes if not isinstance(o.fact, EntityFact)
           and not (o.named_by_heading and isinstance(o.fact, CountFact))]
    if any(o.outcome is FactOutcome.CONTRADICTED for o in key):
        return Verdict.CONTRADICTED, notes
    if not key and outcomes and wording.listed_names:
        return _listed_names_verdict(outcomes, wording, notes)
    if not key:
        notes.append("the claim states no number, date or quote: the verdict rests on its wording")
        if wording.opposite and wording.best_without_opposite >= WORDING_CONTRADICT:
            notes.append(wording.opposite)
            return Verdict.CONTRADICTED, notes
        if wording.missing_names:
            notes.append("not in the passage: " + ", ".join(wording.missing_names))
        if wording.unread:
            notes.append(_unread_note(wording.unread))
        if wording.turned:
            notes.append(wording.turned)
            return Verdict.CONTRADICTED, notes
        if wording.asked and wording.best >= WORDING_SUPPORT:
            notes.append("the passage asks it, it does not say it")
            return Verdict.PARTIALLY_SUPPORTED, notes
        if wording.another_doer and wording.best >= WORDING_SUPPORT:
            notes.append("the passage says it of another than the one the claim names")
            return Verdict.PARTIALLY_SUPPORTED, notes
        if wording.swapped and wording.best >= WORDING_SUPPORT:
            notes.append(f"the passage says “{wording.swapped[1]}” where the claim says “{wording.swapped[0]}”")
            return Verdict.PARTIALLY_SUPPORTED, notes
        if (wording.best >= WORDING_SUPPORT and not wording.missing_names and not wording.unread
                and not wording.date_bounds):
            return Verdict.SUPPORTED, notes
        # a sentence's words make one statement, so sharing half of them is sharing a topic; the items
        # of a row's list ("Charges: Terrorism, murder, weapons possession") are stated one by one
        partial = WORDING_PARTIAL if wording.list_row else NO_FACT_PARTIAL
        if wording.best >= partial and wording.off_page:
            # a page that never names what the claim names says nothing of it, however close its wording
            notes.append("nowhere on the page: " + ", ".join(wording.off_page))
        elif wording.best >= partial:
            return Verdict.PARTIALLY_SUPPORTED, notes
        return Verdict.NOT_FOUND, notes
    found = [o for o in key if o.outcome is FactOutcome.FOUND]
    if not found:
        if any(o.partial for o in key):
            return Verdict.PARTIALLY_SUPPORTED, notes
        return Verdict.NOT_FOUND, notes
    if len(found) < len(key):
        return Verdict.PARTIALLY_SUPPORTED, notes
    indexes = [o.sentence.index for o in found if o.sentence is not None]
    if indexes and max(indexes) - min(indexes) > MAX_PASSAGE_SPREAD:
        notes.append("every fact is in the text, but in passages far apart: not one statement")
        return Verdict.PARTIALLY_SUPPORTED, notes
    if wording.opposite_near:
        notes.append(wording.opposite_near)
        return Verdict.CONTRADICTED, notes
    if wording.unread:
        notes.append(_unread_note(wording.unread))
        return Verdict.PARTIALLY_SUPPORTED, notes
    if wording.negation_near:
        notes.append(wording.negation_near)
        return Verdict.PARTIALLY_SUPPORTED, notes
    if wording.date_bounds:
        notes.append(", ".join(f"“{bound}”" for bound in wording.date_bounds) + ": a bound, not a date; not checked")
        return Verdict.PARTIALLY_SUPPORTED, notes
    if (wording.near < SUPPORT_COVERAGE and wording.judged) or wording.missing_names:
        missing = f"not on the page: {', '.join(wording.missing_names)}" if wording.missing_names else ""
        if wording.near < SUPPORT_COVERAGE and wording.judged:
            said = f"only {wording.near:.0%} of what the claim says about them"
            notes.append(f"the figures are there, but {said}" + (f" ({missing})" if missing else ""))
        else:
            notes.append(f"the figures are there, but a name is {missing}")
        return Verdict.PARTIALLY_SUPPORTED, notes
    return Verdict.SUPPORTED, notes


def _unread_note(tokens: list[str]) -> str:
    return "could not read " + ", ".join(f"“{token}”" for token in tokens) + ": not checked"


def _listed_names_verdict(outcomes: list[_Outcome], wording: "_Wording", notes: list[str]) -> tuple[Verdict, list[str]]:
    """A registry that lists only names as a claim's facts has made them what there is to check:
    all found and most of the wording around them is "supported"; some, or one with enough wording,
    "partially supported"."""
    found = [o for o in outcomes if o.outcome is FactOutcome.FOUND]
    if found and len(found) == len(outcomes):
        if wording.best >= LISTED_NAMES_WORDING:
            return Verdict.SUPPORTED, notes
        notes.append("the names are there, but not enough of the claim's wording around them")
        return Verdict.PARTIALLY_SUPPORTED, notes
    if found and (wording.best >= WORDING_PARTIAL or _names_together(found)):
        return Verdict.PARTIALLY_SUPPORTED, notes
    notes.append("only a name of the claim was found, with too little of its wording")
    return Verdict.NOT_FOUND, notes


LISTED_NAMES_WORDING = 0.6
# Verbs that carry a sentence's grammar more than its content: around a claim's figures they need
# not be repeated ("sanctions were imposed" is told as "placed under sanctions")
LIGHT_VERBS = frozenset(stem(w) for w in "impose result get make give take".split())
RANK_WORDS = frozenset(stem(w) for w in "rank ranked ranking place placed position".split())
SUPPORT_COVERAGE = 0.75  # share of the claim's other words around its facts for "supported"
WORDING_SUPPORT = 1.0  # a claim without key facts: share of its words in one passage for "supported"
WORDING_PARTIAL = 0.5
NO_FACT_PARTIAL = 0.7  # a claim without key facts, written as a sentence: share of its words for "partially supported"
MIN_JUDGED_WORDS = 3  # fewer of the claim's own words: its facts' context rules have judged them already
WORDING_CONTRADICT = 0.75  # a passage this close to the claim that negates it or says the opposite


@dataclass
class _Wording:
    """How much of the claim's wording (its words outside its figures, names included) the text has."""

    best: float = 0.0  # in the best pair of neighbouring sentences
    near: float = 0.0  # around the sentences where its key facts were found
    missing_names: list[str] = field(default_factory=list)
    off_page: list[str] = field(default_factory=list)  # the claim's names nowhere on the page
    opposite: str | None = None  # the best passage negates the claim or says the opposite
    best_without_opposite: float = 0.0  # ``best`` not counting the claim's words the passage turns around
    opposite_near: str | None = None  # the same, in the passages of the claim's facts
    unread: list[str] = field(default_factory=list)  # values of the claim no reader could read, not in the passage
    date_bounds: list[str] = field(default_factory=list)  # "before March 22", "after 1981"
    judged: bool = True  # enough words, in the claim's language, for ``near`` to mean something
    listed_names: bool = False  # the registry listed the claim's facts, and they are names only
    list_row: bool = False  # a row that lists items under a key ("Charges: Terrorism, murder")
    turned: str | None = None  # the passage compares the same two things the other way round
    asked: bool = False  # the best passage is a question ("Can copper displace iron?")
    another_doer: bool = False  # the best passage gives the claim's deed to another name
    swapped: tuple[str, str] | None = None  # (claim name, passage name) said in the same words
    negation_near: str | None = None  # the claim is negated and the passages of its facts are not


def _names_together(found: list[_Outcome]) -> bool:
    """Two or more of the claim's names in one sentence."""
    together = Counter(o.sentence.index for o in found if o.sentence is not None)
    return bool(together) and max(together.values()) >= 2


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


LIST_SEPARATOR = re.compile(r"\s*[;,]\s*")
MIN_ITEM_WORDS = 2


def _list_item_stated(
    claim_text: str, candidates: list[Sentence], left_out: frozenset[str], subject: str | None
) -> tuple[str | None, Sentence | None]:
    """An infobox row that lists outcomes ("Outcome: Long prison sentences; torture allegations;
    ECHR rulings; US sanctions"): is one item (two words or more) stated as a phrase in one
    sentence of a page about the subject? Each source of such a row is cited for one item."""
    label_end = generic_row_label(claim_text)
    items = _row_items(claim_text, label_end) if label_end else []
    about = frozenset(s for s, w in subject_anchors(claim_text, subject).items() if w >= 1.0)
    if len(items) < 2 or not about:
        return None, None
    readable = [c for c in candidates if not c.boilerplate]
    if not any(about & stems_of(c.text) for c in readable):
        return None, None  # a page that never names the subject is about something else
    for item in items:
        wanted = stems_of(item) - left_out
        if len(wanted) < MIN_ITEM_WORDS:
            continue
        for sentence in readable:
            words = [word_stem for word_stem, _, _ in stem_positions(sentence.text)]
            if wanted <= set(words) and _as_a_phrase(words, wanted, len(stem_positions(item))):
                return item.strip(), sentence
    return None, None


def _a_list_row(claim_text: str) -> bool:
    """A key and the items it lists ("Charges: Terrorism, murder, weapons possession")."""
    label = ROW_LABEL.match(claim_text)
    return label is not None and len(_row_items(claim_text, label.end())) >= 2


def _row_items(claim_text: str, label_end: int) -> list[str]:
    """The items a row lists after its key."""
    return [item for item in LIST_SEPARATOR.split(claim_text[label_end:]) if item.strip()]


def _as_a_phrase(words: list[str], wanted: frozenset[str], length: int) -> bool:
    """The wanted stems within a window of ``length + 1`` content words ("long prison terms", not
    "long queues formed outside the prison")."""
    window = length + 1
    for start in range(len(words)):
        if wanted <= set(words[start : start + window]):
            return True
    return False


def _names_in(sentence_text: str, facts: list[Fact]) -> frozenset[str]:
    """The claim's words of the names a sentence mentions in any spelling ("Керима Алимарданова"
    counts as "Kerim Alimardanov" for the context of the sentence)."""
    words: set[str] = set()
    for fact in facts:
        if isinstance(fact, EntityFact) and find_name(fact.name, sentence_text, fact.aliases):
            words |= stems_of(fact.name)
    return frozenset(words)


def _heading_words(text: str, sentences: list[Sentence], facts: list[Fact]) -> frozenset[str]:
    """The words of the page's heading ("2020 coronavirus pandemic in Germany"): what every
    sentence of the page is about, so they count as the context of each sentence's figures."""
    if not sentences:
        return frozenset()
    first = sentences[0]
    line_ends = text[first.end : first.end + 2].startswith(("\n", "\r"))
    if not line_ends or first.text.rstrip()[-1:] in ".!?:;" or len(first.text.split()) > HEADING_WORDS:
        return frozenset()
    return stems_of(first.text) | _names_in(first.text, facts)


HEADING_WORDS = 12
HEADING_YEAR = re.compile(r"(?<![\d–-])(1[89]\d\d|20\d\d)(?![\d–-])")


def _named_in_heading(outcomes: list[_Outcome], claim_text: str, heading: Sentence, page_year: int | None) -> None:
    """A claim's date that is part of what the page's heading names ("during the 2010–11 Ashes series"
    on the page "2010–11 Ashes series"; "UEFA Euro 2016") is found there: the word after it, or the
    name word before it, is the heading's too."""
    missing = [o for o in outcomes if isinstance(o.fact, (DateFact, CountFact)) and o.outcome is FactOutcome.MISSING]
    if not missing:
        return
    heading_dates = [f for f in found_facts(heading.text, page_year) if isinstance(f.fact, (DateFact, CountFact))]
    for claimed in found_facts(claim_text, page_year):
        outcome = next((o for o in missing if o.fact == claimed.fact), None)
        named = next((f for f in heading_dates if compare(claimed.fact, f.fact) is Relation.SUPPORTS
                      and _one_name(claim_text, claimed, heading.text, f)), None)
        if outcome is not None and named is not None:
            outcome.outcome, outcome.sentence, outcome.named_by_heading = FactOutcome.FOUND, heading, True
            outcome.span = (heading.start + named.start, heading.start + named.end)


def _one_name(claim_text: str, claimed: FoundFact, heading_text: str, named: FoundFact) -> bool:
    """Do the claim and the heading write the date inside the same name: the same word after it
    ("2010–11 Ashes"), or the same capitalised word before it ("Euro 2016")?"""
    if isinstance(claimed.fact, CountFact):  # a title that holds a figure: "127 Hours"
        return claimed.text == named.text and any(word[:1].isupper() for word in WORD.findall(claimed.text))
    after = _beside(claim_text, claimed, after=True)
    if after and after == _beside(heading_text, named, after=True):
        return True
    before = _beside(claim_text, claimed, after=False)
    return bool(before) and before == _beside(heading_text, named, after=False) \
        and _beside(claim_text, claimed, after=False, raw=True)[:1].isupper()


def _another_time(contexts: list[FactContext], outcomes: list[_Outcome]) -> list[str]:
    """A figure contradicted in the sentence that contradicts the claim's date is the figure at
    another time ("As of April 25, 2012, the film has grossed $12,122,738" for "as of April 24 ...
    less than $12 million"): the page does not say what it was at the claim's date, so neither
    contradicts. Not for an event the claim names ("sentenced 18 on 25 January"): another day
    and another number there are the same event told otherwise."""
    dates = {o.sentence.index: o for o in outcomes if isinstance(o.fact, DateFact)
             and o.outcome is FactOutcome.CONTRADICTED and o.sentence is not None}
    notes = []
    for context, outcome in zip(contexts, outcomes):
        if (isinstance(outcome.fact, CountFact) and outcome.outcome is FactOutcome.CONTRADICTED and not context.events
                and outcome.sentence is not None and outcome.sentence.index in dates):
            date = dates[outcome.sentence.index]
            written = f" ({date.occurrence.found.text})" if date.occurrence else ""
            notes.append(f"the page gives the figure for another date{written}: not checked")
            outcome.outcome = date.outcome = FactOutcome.MISSING
    return notes


def _beside(text: str, found: FoundFact, after: bool, raw: bool = False) -> str:
    """The word right after (or before) a fact in ``text``, as a stem (as written with ``raw``)."""
    words = WORD.findall(text[found.end :]) if after else WORD.findall(text[: found.start])[::-1]
    word = next(iter(words), "")
    return word if raw else stem(word) if word else ""


def _heading_year(text: str, sentences: list[Sentence]) -> int | None:
    """The one year a page's heading names ("2020 coronavirus pandemic in Moldova"), the page's own
    year for a claim's dates written without one; not a season or a span ("2001–02 NFL playoffs")."""
    if not _heading_words(text, sentences, []):
        return None
    years = HEADING_YEAR.findall(sentences[0].text)
    return int(years[0]) if len(years) == 1 else None


def _claims_own_year(claim_text: str) -> int | None:
    """The one year a claim writes, which its dates without a year are in ("She competed at the 2015
    WOGA Classic on February 14"), before the page's: None for none, or two."""
    years = {f.fact.value[:4] for f in found_facts(claim_text) if isinstance(f.fact, DateFact)}
    return int(years.pop()) if len(years) == 1 else None


def _year_of_its_months(claim_text: str, sentences: list[Sentence]) -> int | None:
    """For a page without a year of its own: the one year in which the page writes dates of the
    months of the claim's dates without a year ("born after November 4" on a page that says "born
    November 5, 1987"), as a reader would take it."""
    months = {f.fact.value[5:7] for f in found_facts(claim_text, LEAP_YEAR)
              if f.year_assumed and isinstance(f.fact, DateFact)}
    if not months:
        return None
    years = {
        found.fact.value[:4]
        for sentence in sentences if not sentence.boilerplate
        for found in found_facts(sentence.text)
        if isinstance(found.fact, DateFact) and found.fact.value[5:7] in months
    }
    return int(years.pop()) if len(years) == 1 else None


LEAP_YEAR = 2000  # reads "February 29" too


def _normalised_page(text: str) -> tuple[str, list[int]]:
    # kept, like the page's sentences, while the claims that cite the page are checked; not for huge
    # pages, whose offset map (an int per character) would stay in memory
    return _normalised_kept(text) if len(text) <= MAX_KEPT_NORMALISED else normalize_with_map(text)


MAX_KEPT_NORMALISED = 200_000


@memo.reading(maxsize=8)
def _normalised_kept(text: str) -> tuple[str, list[int]]:
    return normalize_with_map(text)


def check_claim(
    claim_text: str,
    text: str,
    facts: list[Fact] | None = None,
    published: str | None = None,
    subject: str | None = None,
) -> CheckResult:
    """Check one claim against one source text. Offsets in the result refer to ``text``.

    ``published`` (YYYY[-MM[-DD]]) is the page's own date: it is never taken as the date of an
    event, but completes dates the page writes without a year ("on 9 December").
    ``subject`` is what the claim's document is about (its title, "Nardaran case"): the context of
    an infobox row with a generic key ("Date: 25–26 November 2015"), which names no event itself.
    """
    notes: list[str] = []
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"the text was cut at {MAX_TEXT_CHARS} characters")
    if published is not None and not PARTIAL_DATE.match(published):
        notes.append(f"the publication date {published!r} is not YYYY[-MM[-DD]] and was not used")
        published = None
    inferred = facts is None
    sentences = split_sentences(text)
    page_year = int(published[:4]) if published else _heading_year(text, sentences)
    own_year = _claims_own_year(claim_text)
    claim_year = own_year or page_year or _year_of_its_months(claim_text, sentences)
    default_year = page_year
    if claim_year is None and yearless_dates(claim_text, LEAP_YEAR):
        # no year anywhere: the claim's "4 May" and the page's "14 May" compare by day and month
        claim_year = default_year = LEAP_YEAR
        notes.extend(f"neither the claim nor the page gives a year for “{date}”: day and month are compared"
                     for date in dict.fromkeys(d.rstrip(".") for d in yearless_dates(claim_text, claim_year)))
    else:
        whose_year = ("the year the claim writes elsewhere" if own_year else "the page's own year" if page_year
                      else "the year of the page's dates in that month")
        notes.extend(f"the claim gives no year for “{date}”: {whose_year}, {claim_year}, is assumed"
                     for date in dict.fromkeys(d.rstrip(".") for d in yearless_dates(claim_text, claim_year)))
    facts = list(infer_facts(claim_text, claim_year) if facts is None else facts)
    contexts = claim_contexts(claim_text, facts, subject, claim_year)
    ranked = rank_sentences(sentences, ranking_weights(contexts, claim_text, subject))
    candidates = sorted((s for _, s in ranked[:MAX_CANDIDATE_SENTENCES]), key=lambda s: s.index)
    read = []
    heading = _heading_words(text, sentences, facts)
    if any(not isinstance(c.fact, (EntityFact, QuoteFact)) for c in contexts):  # only numbers and dates read them
        for sentence in candidates:
            todays = today_dates(sentence.text, published)
            if not todays and not may_state_values(sentence.text):
                continue
            found = [moved(item, sentence.start) for item in found_facts(sentence.text, default_year)]
            for item in todays:
                found.append(moved(item, sentence.start))
            if any(not isinstance(item.fact, (EntityFact, QuoteFact)) for item in found):  # else nothing to judge there
                read.append((sentence, found, stems_of(sentence.text) | _names_in(sentence.text, facts) | heading))

    normalised = _normalised_page(text) if any(isinstance(f, QuoteFact) for f in facts) else ("", [])
    outcomes: list[_Outcome] = []
    for context in contexts:
        if isinstance(context.fact, EntityFact):
            outcomes.append(judge_entity(context.fact, candidates))
        elif isinstance(context.fact, QuoteFact):
            outcomes.append(judge_quote(context.fact, text, normalised, sentences, candidates, context.disputes))
            quoted = outcomes[-1]
            if quoted.outcome is FactOutcome.FOUND and quoted.sentence and (
                    _another_doer(claim_text, quoted.sentence.text)
                    or _another_common_doer(claim_text, quoted.sentence.text)):
                # "Critics called the deal 'a disaster'" for "The president called the deal 'a disaster'"
                quoted.outcome = FactOutcome.MISSING
                quoted.notes.append("the quoted words are in the text, said by another than the claim names")
        else:
            outcomes.append(judge_value_fact(context, read, facts, published, claim_text))
            stated = outcomes[-1].occurrence.found if outcomes[-1].occurrence else None
            if outcomes[-1].outcome is FactOutcome.FOUND and stated and stated.year_assumed and page_year is not None:
                whence = "publication date" if published else "heading"
                outcomes[-1].notes.append(f"the year of “{stated.text}” is taken from the page's {whence}")
        notes.extend(outcomes[-1].notes)

    if heading:
        _named_in_heading(outcomes, claim_text, sentences[0], page_year)
    label_stems = stems_of(claim_text[: generic_row_label(claim_text)])  # "Cause:" is no wording to find
    claim_stems = claim_wording(claim_text, label_stems)
    coverage, best_sentence = wording_coverage(claim_stems, candidates)
    hedging = claim_hedging(claim_text)
    for context, outcome in zip(contexts, outcomes):
        if isinstance(context.fact, DateFact) and context.date_bound:
            continue  # "before 1982" is not found where the page writes "1982"
        _found_where_aligned(outcome, claim_stems, candidates, published, hedging, claim_text, context.parts)
        _contradicted_where_aligned(outcome, claim_stems, candidates, published, hedging,
                                    [other.fact for other in outcomes if other is not outcome], context.noun)
    _aligned_lists(outcomes, claim_stems, candidates, published, hedging)
    _other_end_of_a_span(outcomes, claim_text, claim_year, published)
    notes.extend(_contradicted_beside_the_others(outcomes))
    notes.extend(_another_time(contexts, outcomes))
    if published and best_sentence is not None and coverage >= DATELINE_WORDING:
        for outcome in outcomes:
            if _year_from_dateline(outcome, published) and RELATIVE_TIME.search(best_sentence.text):
                outcome.outcome, outcome.sentence, outcome.context = FactOutcome.FOUND, best_sentence, 1.0
                notes.append(f"the year {published[:4]} is the page's own date: the page reports the event that year")
    key_sentences = [
        o.sentence.index for o in outcomes
        if o.sentence is not None and o.outcome is FactOutcome.FOUND and not isinstance(o.fact, EntityFact)
    ]
    if key_sentences:
        window = _window(sentences, min(key_sentences) - 1, max(key_sentences) + 1)
    elif best_sentence is not None:
        window = _window(sentences, best_sentence.index - 1, best_sentence.index)
    else:
        window = []
    window_text = " ".join(s.text for s in window)
    missing_facts = [o.fact.name for o in outcomes
                     if isinstance(o.fact, EntityFact) and o.outcome is FactOutcome.MISSING]
    wording = _Wording(best=coverage, near=coverage_near(claim_stems, sentences, key_sentences),
                       missing_names=missing_facts)
    if inferred:
        # names of a claim with facts are looked for on the whole page, the others in the passage
        # (and then, for the verdict of a claim without facts, on the whole page)
        found_names = _found_name_words(outcomes, text)
        if key_sentences:
            wording.missing_names = missing_facts + names_missing(claim_text, _readable_text(sentences), found_names)
        else:
            wording.missing_names = missing_facts + names_missing(claim_text, window_text, found_names)
            if wording.missing_names and coverage >= WORDING_PARTIAL:
                off_page = names_missing(claim_text, _readable_text(sentences), found_names)
                # a row's generic label ("Cause:") is no name to find
                wording.off_page = missing_facts + [name for name in off_page if stems_of(name) - label_stems]
        if key_sentences and claim_stems:
            # a name is an anchor found on the whole page ("according to Detroit Metro Times"),
            # not content the passage around the figures must repeat
            on_page = (names_in(claim_text) & claim_stems) - stems_of(" ".join(wording.missing_names))
            on_page |= claim_stems & heading  # the page's heading says what every sentence is about
            on_page |= claim_stems & LIGHT_VERBS  # "imposed", "made", "took" fit any event: not its content
            if any(getattr(o.fact, "unit", None) == "rank" and o.outcome is FactOutcome.FOUND for o in outcomes):
                on_page |= claim_stems & RANK_WORDS  # "ranked #13" is said by "the 13th": the rank is the value's
            rest = claim_stems - on_page
            # the figures bind the claim to the passage: the rest of its words may be paraphrased
            near = coverage_near(rest, sentences, key_sentences, synonyms=True)
            wording.near = (len(on_page) + len(rest) * near) / len(claim_stems)
        wording.unread = unread_values(claim_text, window_text if not key_sentences else text, claim_year)
        # "before 1982" judged as the interval it is
        bounds_judged = any(isinstance(c.fact, DateFact) and c.date_bound in OPEN_BOUNDS
                            and o.outcome is not FactOutcome.MISSING for c, o in zip(contexts, outcomes))
        wording.date_bounds = ([] if bounds_judged
                               else [m.group().strip() for m in CLAIM_DATE_BOUND.finditer(claim_text)])
    else:
        wording.listed_names = all(isinstance(f, EntityFact) for f in facts)
    wording.list_row = _a_list_row(claim_text)
    wording.judged = (
        inferred  # a registry that lists the claim's facts has said what there is to check
        and len(claim_stems) >= MIN_JUDGED_WORDS
        and not generic_row_label(claim_text)
        # the passage, or else the page: a title line or a table has few function words of its own
        and (same_language(claim_text, window_text) or same_language(claim_text, _readable_text(sentences)[:20000]))
    )
    if best_sentence is not None and not key_sentences:
        if comparison_turned(claim_text, window_text):
            wording.turned = "the passage compares the same things the other way round"
        wording.opposite = opposite_reason(claim_text, claim_stems, best_sentence.text)
        wording.asked = best_sentence.text.rstrip().endswith("?")
        wording.another_doer = _another_doer(claim_text, best_sentence.text)
        wording.swapped = name_swapped(claim_text, window_text)
        turned = turned_words(claim_text, claim_stems, best_sentence.text)
        if claim_stems - turned:
            wording.best_without_opposite = wording_coverage(claim_stems - turned, [best_sentence])[0]
    if key_sentences and is_negated(claim_text) and not is_negated(
            " ".join(sentences[i].text for i in set(key_sentences))):
        wording.negation_near = "the claim is negated, the passage around its figures is not"
    for index in sorted(set(key_sentences)):
        # a claim word the sentence says in other words ("started" / "began") is not turned round
        # by an opposite of it elsewhere in the sentence, nor a word of a figure found elsewhere
        sentence_stems = stems_of(sentences[index].text)
        in_other_words = paraphrased(claim_stems, sentence_stems) - sentence_stems
        here = [o.fact for o in outcomes if o.sentence is not None and o.sentence.index == index
                and o.outcome is FactOutcome.FOUND and not isinstance(o.fact, EntityFact)]
        elsewhere = [o.fact for o in outcomes if o.outcome is FactOutcome.FOUND and not isinstance(o.fact, EntityFact)
                     and o.fact not in here]
        of_other_figures = _words_nearer_to(claim_text, claim_year, elsewhere, here)
        wording.opposite_near = wording.opposite_near or opposite_reason(
            claim_text, claim_stems - in_other_words - of_other_figures, sentences[index].text, negation=False)
    verdict, verdict_notes = _verdict(outcomes, wording)
    if verdict is not Verdict.CONTRADICTED:
        turned_round = _turned_in_place(claim_text, candidates)
        if turned_round:
            verdict, best_sentence, claim_word, passage_word = Verdict.CONTRADICTED, *turned_round
            verdict_notes.append(f"the passage says “{passage_word}” where the claim says “{claim_word}”")
    deciding = [sentences[i] for i in sorted(set(key_sentences))] or ([best_sentence] if best_sentence else [])
    if verdict is Verdict.SUPPORTED:
        turned_names = next(filter(None, (names_turned(claim_text, s.text) for s in window or deciding)), None)
        if turned_names:
            verdict = Verdict.PARTIALLY_SUPPORTED
            verdict_notes.append(f"the passage says “{turned_names}”: the names the other way round")
    if verdict is Verdict.SUPPORTED and inferred:
        # the sentences whose words the coverage counted: the deciding ones and their neighbours
        exchanged = next(filter(None, (substituted_word(claim_text, s.text, window_text, heading)
                                       for s in window or deciding)), None)
        if exchanged:
            verdict = Verdict.PARTIALLY_SUPPORTED
            verdict_notes.append(
                f"the passage says “{exchanged[1]}” where the claim says “{exchanged[0]}”: not checked")
    if verdict is Verdict.SUPPORTED:
        hedges = hedges_added(claim_text, " ".join(s.text for s in deciding))
        if hedges:
            verdict = Verdict.PARTIALLY_SUPPORTED
            named = ", ".join(f"“{h}”" for h in hedges)
            verdict_notes.append(f"the source hedges ({named}): at most partially supported")
    if verdict is Verdict.NOT_FOUND and outcomes == [o for o in outcomes if o.outcome is FactOutcome.MISSING]:
        entity_stems = (contexts[0].entity_stems if contexts else frozenset()) | label_stems
        listed_item, listing = _list_item_stated(claim_text, candidates, entity_stems, subject)
        if listing is not None:
            verdict, best_sentence = Verdict.PARTIALLY_SUPPORTED, listing
            verdict_notes = [f"one item of the row's list is stated (“{listed_item}”), not the others"]
    notes.extend(verdict_notes)
    evidence, fact_results = _evidence(outcomes, ranked, best_sentence, verdict)
    return CheckResult(
        verdict=verdict,
        evidence=evidence,
        facts=fact_results,
        confidence=_confidence(verdict, outcomes, coverage),
        notes=notes,
    )


def _words_nearer_to(
    claim_text: str, claim_year: int | None, facts: Sequence[Fact], than: Sequence[Fact]
) -> frozenset[str]:
    """Stems of the claim's words that stand nearer to one of ``facts`` than to any of ``than``
    ("left" in "the Putsch of November 8, 1923 ... left four officers ... dead" is the counts' word)."""
    if not facts or not than:
        return frozenset()
    claim_values = [f for f in found_facts(claim_text, claim_year) if not isinstance(f.fact, EntityFact)]
    wanted = [f.start for f in claim_values if f.fact in facts]
    others = [f.start for f in claim_values if f.fact in than]
    if not wanted or not others:
        return frozenset()
    words = stem_positions(claim_text)
    starts = [start for _, start, _ in words]

    def distance(at: int, value_start: int) -> int:
        return abs(bisect_left(starts, at) - bisect_left(starts, value_start))

    return frozenset(word for word, at, _ in words
                     if min(distance(at, v) for v in wanted) < min(distance(at, v) for v in others))


def _turned_in_place(claim_text: str, candidates: list[Sentence]) -> tuple[Sentence, str, str] | None:
    """The candidate sentence that says a sentence of the claim with one word turned into its opposite."""
    turning = turning_words(claim_text)
    claim_sentences = split_sentences(claim_text)
    for sentence in candidates:
        if may_turn(turning, sentence.text):
            for claim_sentence in claim_sentences:
                pair = turned_in_place(claim_sentence.text, sentence.text)
                if pair:
                    return sentence, pair[0], pair[1]
    return None


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
                text=sentence.text, start=sentence.start, end=sentence.end,
                score=round(scores.get(sentence.index, 0.0), 2),
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
        if found_words is None and outcome.sentence is not None and start is not None and end is not None:
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
