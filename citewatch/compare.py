"""Does one stated fact support, contradict or say nothing about another?

Numbers are compared as the sets of values they allow: "over 70" allows (70, ∞), "about 70" allows
[63, 77], "70" allows {70}. A source supports a claim when every value the source allows is one the
claim allows, and contradicts it when the two sets share no value ("at least 68" against "more than
70" does neither). When both carry the same qualifier, the source's own figure is the set it
allows: "about 60%" contradicts "about 70%", though their margins touch, and "just over $1.4
billion" contradicts "over $2.4 billion", though both allow $3 billion ("at least" and "at most"
stay the bounds they say). Dates are compared at the claim's precision: "9 December 2022" supports "2022",
"January 2017" neither supports nor contradicts "25 January 2017", "2021" contradicts "2022".
"""

from __future__ import annotations

import math
from enum import Enum

from citewatch.models import CALENDAR_YEARS, CountFact, DateFact, Fact, Op, RangeFact

APPROX_MARGIN = 0.1  # "about 70" is 63–77
APPROX_MINUTES = 15  # "about 10:41 a.m." is 10:26–10:56
# One unit in another, for units a claim and its source write differently ("24 months", "two years").
IN_OTHER_UNIT: dict[tuple[str | None, str | None], float] = {
    ("years", "months"): 12, ("decades", "years"): 10, ("centuries", "years"): 100, ("weeks", "days"): 7,
    ("days", "hours"): 24, ("hours", "minutes"): 60, ("minutes", "seconds"): 60, ("t", "kg"): 1000, ("kg", "g"): 1000,
    ("/100", "%"): 1,
}


ROUNDED = (Op.APPROX, Op.GT, Op.LT)  # qualifiers that mostly round a known figure


class Relation(str, Enum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    NEUTRAL = "neutral"


def interval(value: float, op: Op, unit: str | None = None) -> tuple[float, float, bool, bool]:
    """(low, high, low_open, high_open) of the values a qualified number allows."""
    if op is Op.GT:
        return value, math.inf, True, True
    if op is Op.GE:
        return value, math.inf, False, True
    floor = 0.0 if value > 0 else -math.inf  # "under minus 5 degrees" has no floor at zero
    if op is Op.LT:
        return floor, value, False, True
    if op is Op.LE:
        return floor, value, False, False
    if op is Op.APPROX:
        margin = APPROX_MINUTES if unit == "time of day" else max(1.0, abs(value) * APPROX_MARGIN)
        if unit != "time of day" and value:
            margin = min(margin, _precision(value) * APPROX_DIGITS)
        return value - margin, value + margin, False, False
    return value, value, False, False


APPROX_DIGITS = 10  # "about 99.4%" is 98.4–100.4: a figure written to a tenth is not rounded by more than a point


def _precision(value: float) -> float:
    """The place of a figure's last written digit: 0.1 for 99.4, 1 for 1,019, 1,000 for 12,000."""
    text = f"{abs(value):.6f}".rstrip("0")
    if not text.endswith("."):
        return 10.0 ** -len(text.split(".")[1])
    digits = text[:-1]
    return 10.0 ** (len(digits) - len(digits.rstrip("0")))


def _inside(inner, outer) -> bool:
    low_i, high_i, low_i_open, high_i_open = inner
    low_o, high_o, low_o_open, high_o_open = outer
    low_ok = low_i > low_o or (low_i == low_o and (not low_o_open or low_i_open))
    high_ok = high_i < high_o or (high_i == high_o and (not high_o_open or high_i_open))
    return low_ok and high_ok


def _disjoint(a, b) -> bool:
    low_a, high_a, low_a_open, high_a_open = a
    low_b, high_b, low_b_open, high_b_open = b
    if high_a < low_b or high_b < low_a:
        return True
    if high_a == low_b and (high_a_open or low_b_open):
        return True
    if high_b == low_a and (high_b_open or low_a_open):
        return True
    return False


def in_unit(fact: CountFact, unit: str | None) -> CountFact | None:
    """``fact`` written in ``unit`` ("two years" in months is 24), or None when the units do not convert."""
    if (fact.unit or None) == (unit or None):
        return fact
    if (fact.unit, unit) in IN_OTHER_UNIT:
        return fact.model_copy(update={"value": fact.value * IN_OTHER_UNIT[(fact.unit, unit)], "unit": unit})
    if (unit, fact.unit) in IN_OTHER_UNIT:
        return fact.model_copy(update={"value": fact.value / IN_OTHER_UNIT[(unit, fact.unit)], "unit": unit})
    return None


def compare_counts(claim: CountFact, source: CountFact) -> Relation:
    if claim.unit == "age" and source.unit is None:  # "Heather Grant, 33," is her age: it may support
        same = compare_counts(claim.model_copy(update={"unit": None}), source)
        return same if same is Relation.SUPPORTS else Relation.NEUTRAL
    converted = in_unit(claim, source.unit)
    if converted is None:
        return Relation.NEUTRAL
    claim = converted
    # both approximate, or both "over" (or "under") a figure: the source's own figure is what it
    # states ("about 60%" is no "about 70%"; "just over $1.4 billion" is no "over $2.4 billion");
    # "at least" and "at most" stay the bounds they say
    same_qualifier = claim.op is source.op and claim.op in ROUNDED and claim.value != source.value
    stated_op = Op.EQ if same_qualifier else source.op
    claimed, stated = interval(claim.value, claim.op, claim.unit), interval(source.value, stated_op, source.unit)
    if _inside(stated, claimed):
        return Relation.SUPPORTS
    if _disjoint(stated, claimed):
        return Relation.CONTRADICTS
    if source.op in (Op.GT, Op.LT) and claim.op in (Op.GT, Op.GE, Op.LT, Op.LE) and _inside(
            _just_beyond(source), claimed):
        return Relation.SUPPORTS
    return Relation.NEUTRAL


def _just_beyond(source: CountFact) -> tuple[float, float, bool, bool]:
    """ "over 6.2 million" as reports write it: above 6.2 million, but not by a step of its last written
    digit (6.3 million would be written so)."""
    step = _precision(source.value)
    if source.op is Op.GT:
        return source.value, source.value + step, True, True
    return source.value - step, source.value, True, True


def compare_ranges(claim: RangeFact, source: RangeFact) -> Relation:
    if claim.unit and source.unit and claim.unit != source.unit:
        return Relation.NEUTRAL
    if (claim.low, claim.high) == (source.low, source.high):
        return Relation.SUPPORTS
    return Relation.CONTRADICTS


def _periods(claim: RangeFact, source: RangeFact) -> Relation:
    """Two periods of the calendar: the source's inside the claim's backs it ("the early 1990s" for
    "the 1990s"), apart they contradict, a wider one says nothing of the claim's."""
    if claim.low <= source.low and source.high <= claim.high:
        return Relation.SUPPORTS
    if source.high < claim.low or claim.high < source.low:
        return Relation.CONTRADICTS
    return Relation.NEUTRAL


def compare_dates(claim: DateFact, source: DateFact) -> Relation:
    claimed, stated = claim.value, source.value
    shared = min(len(claimed), len(stated))
    if claimed[:shared] != stated[:shared]:
        return Relation.CONTRADICTS
    if len(stated) >= len(claimed):
        return Relation.SUPPORTS
    return Relation.NEUTRAL


def compare_date_with_bound(claim: DateFact, source: DateFact, bound: str) -> Relation:
    """A source date against the claim's open interval ("before September 1968", ``bound`` is
    "before" or "after"), at the precision both give: inside supports, outside or on the bound
    contradicts, a month that holds the claim's day says nothing."""
    shared = min(len(claim.value), len(source.value))
    claimed, stated = claim.value[:shared], source.value[:shared]
    if claimed == stated:
        return Relation.CONTRADICTS if len(source.value) >= len(claim.value) else Relation.NEUTRAL
    inside = stated < claimed if bound == "before" else stated > claimed
    return Relation.SUPPORTS if inside else Relation.CONTRADICTS


def compare(claim: Fact, source: Fact) -> Relation:
    """How a fact stated by a source relates to a fact of the claim (same kind only)."""
    if isinstance(claim, CountFact) and isinstance(source, CountFact):
        return compare_counts(claim, source)
    if isinstance(claim, RangeFact) and isinstance(source, RangeFact):
        if claim.unit == source.unit == CALENDAR_YEARS:
            return _periods(claim, source)
        return compare_ranges(claim, source)
    if isinstance(claim, RangeFact) and claim.unit == CALENDAR_YEARS and isinstance(source, DateFact):
        # "in the 16th century" against "in 1583"
        return Relation.SUPPORTS if claim.low <= int(source.value[:4]) <= claim.high else Relation.CONTRADICTS
    if isinstance(claim, DateFact) and isinstance(source, RangeFact) and source.unit == CALENDAR_YEARS:
        # "in 1995" against "in the 1990s": said less precisely, or not at all
        return Relation.NEUTRAL if source.low <= int(claim.value[:4]) <= source.high else Relation.CONTRADICTS
    if isinstance(claim, DateFact) and isinstance(source, DateFact):
        return compare_dates(claim, source)
    if isinstance(claim, CountFact) and isinstance(source, RangeFact) and source.unit != CALENDAR_YEARS:
        return _count_against_range(claim, source)
    if isinstance(claim, DateFact) and isinstance(source, RangeFact) and is_span_of_years(source) \
            and len(claim.value) == 4:
        # "served from 1939 to 1975" says "in 1939" and "in 1975"; a year inside it is not said
        return Relation.SUPPORTS if int(claim.value) in (source.low, source.high) else Relation.NEUTRAL
    return Relation.NEUTRAL


def is_span_of_years(fact: Fact) -> bool:
    """ "from 1939 to 1975", "1939–1975": two years, not a period of the calendar ("the 1990s")."""
    return (isinstance(fact, RangeFact) and fact.unit is None and float(fact.low).is_integer()
            and float(fact.high).is_integer() and 1000 <= fact.low < fact.high <= 2100)


def _count_against_range(claim: CountFact, source: RangeFact) -> Relation:
    """ "25 people were injured" against "between 10 and 20 people": outside the range contradicts;
    "more than 5" backs it; "15 people" is inside it, which the source does not say exactly."""
    converted = in_unit(claim, source.unit)
    if converted is None:
        return Relation.NEUTRAL
    claimed, stated = interval(converted.value, converted.op, converted.unit), (source.low, source.high, False, False)
    if _inside(stated, claimed):
        return Relation.SUPPORTS
    if _disjoint(stated, claimed):
        return Relation.CONTRADICTS
    return Relation.NEUTRAL
