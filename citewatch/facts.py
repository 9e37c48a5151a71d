"""Checkable facts in text: numbers with their qualifiers, ranges, dates, names and quotes.

``find_facts(text)`` returns every fact with its place in the text; ``infer_facts(claim)`` turns a
claim into the list of facts a source must state for the claim to hold.

Numbers come in digits ("1,200", "70+") or words ("seventy", "a dozen"; words through text2num's
``alpha2digit``); qualifiers ("more than", "at least", "about", "up to") become the fact's ``op``.
Dates keep the precision they are written with ("in 2017" is ``2017``, not a day). A four-digit
number between 1800 and 2099 that is not followed by a counted noun is a year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from text_to_num import alpha2digit

from citewatch import memo
from citewatch.models import CALENDAR_YEARS, CountFact, DateFact, EntityFact, Fact, Op, QuoteFact, RangeFact
from citewatch.normalize import STOPWORDS, WORD

# --- vocabulary --------------------------------------------------------------------------

MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
DATE_LANGUAGES = ("en", "ru", "az")  # the languages of the sources that occur; dateparser knows many more
# Forms dateparser's locale data leaves out: Russian "в декабре", and abbreviations that are words.
EXTRA_MONTH_FORMS = {"январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6, "июле": 7,
                     "августе": 8, "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12}
NOT_MONTHS = frozenset({"sen"})  # Azerbaijani "you"


def _month_names() -> dict[str, int]:
    """Month names and abbreviations of :data:`DATE_LANGUAGES`, from dateparser's locale data."""
    from dateparser.languages import default_loader

    names: dict[str, int] = {}
    for language in DATE_LANGUAGES:
        info = default_loader.get_locale(language).info
        for number, key in enumerate(MONTH_KEYS, start=1):
            for name in info.get(key, []):
                name = name.lower()
                if name.isalpha() and name not in NOT_MONTHS:
                    names[name] = number
    return {**names, **EXTRA_MONTH_FORMS}


MONTHS = _month_names()
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
MONTH = rf"(?P<month>{_MONTH_ALT})\.?"

UNITS = {
    "year": "years", "years": "years", "yr": "years", "yrs": "years", "month": "months",
    "months": "months", "week": "weeks", "weeks": "weeks", "day": "days", "days": "days",
    "hour": "hours", "hours": "hours", "percent": "%", "per cent": "%", "%": "%",
    "km": "km", "cm": "cm", "mm": "mm", "kilometres": "km", "kilometers": "km", "manat": "manat", "dollars": "USD",
    "minute": "minutes", "minutes": "minutes", "mins": "minutes", "seconds": "seconds",
    "decade": "decades", "decades": "decades", "century": "centuries", "centuries": "centuries",
    "kg": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg", "kilogrammes": "kg",
    "grams": "g", "gram": "g", "tonnes": "t", "tons": "t", "tonne": "t", "ton": "t",
    "lb": "lb", "lbs": "lb", "miles": "miles", "mile": "miles", "metres": "m", "meters": "m", "metre": "m",
    "meter": "m", "feet": "ft", "foot": "ft", "ft": "ft", "inches": "in", "acres": "acres", "hectares": "ha",
    "mph": "mph", "calories": "kcal", "kcal": "kcal", "euros": "EUR", "euro": "EUR", "yen": "JPY",
    "dollar": "USD", "usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY", "rupees": "INR", "pesos": "pesos",
    "degrees": "°", "points": "points", "percentage": "points",
    "лет": "years", "года": "years", "год": "years", "годам": "years", "месяцев": "months",
    "il": "years", "ilə": "years", "ildən": "years", "ilədək": "years", "illik": "years",
}

NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion"
).split()
_NUMBER_WORD = r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_WORD_NUMBER = rf"{_NUMBER_WORD}(?:(?:[\s-]+|\s+and\s+|[\s-]point[\s-]){_NUMBER_WORD})*"  # "six-point-six"
_DIGIT_NUMBER = (r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[\u00a0\u202f]\d{3})+|\d{1,3}(?:\.\d{3}){2,}(?![.,]?\d)"
                 r"|\d+(?:[.,]\d+)?")
NUMBER = rf"(?:{_DIGIT_NUMBER}|{_WORD_NUMBER})"

# Longest phrases first; the op they give the number that follows.
QUALIFIERS = (
    ("no fewer than", Op.GE), ("no less than", Op.GE), ("not less than", Op.GE), ("at least", Op.GE),
    ("a minimum of", Op.GE), ("as many as", Op.GE),
    ("not more than", Op.LE), ("no more than", Op.LE), ("at most", Op.LE), ("up to", Op.LE),
    ("a maximum of", Op.LE),
    ("more than", Op.GT), ("in excess of", Op.GT), ("upwards of", Op.GT), ("over", Op.GT),
    ("above", Op.GT), ("greater than", Op.GT), ("higher than", Op.GT), ("larger than", Op.GT),
    ("bigger than", Op.GT),
    ("fewer than", Op.LT), ("less than", Op.LT), ("under", Op.LT), ("below", Op.LT), ("lower than", Op.LT),
    ("smaller than", Op.LT),
    ("approximately", Op.APPROX), ("about", Op.APPROX), ("around", Op.APPROX), ("roughly", Op.APPROX),
    ("some", Op.APPROX), ("nearly", Op.APPROX), ("almost", Op.APPROX), ("close to", Op.APPROX),
    ("an estimated", Op.APPROX), ("estimated", Op.APPROX), ("circa", Op.APPROX), ("c.", Op.APPROX),
    ("более", Op.GT), ("свыше", Op.GT), ("больше", Op.GT), ("не менее", Op.GE), ("как минимум", Op.GE),
    ("около", Op.APPROX), ("почти", Op.APPROX), ("примерно", Op.APPROX), ("до", Op.LE),
    ("ən azı", Op.GE), ("təxminən", Op.APPROX),
)
_QUALIFIER_RE = re.compile(
    r"(?:" + "|".join(re.escape(q) for q, _ in QUALIFIERS) + r")\s*$", re.IGNORECASE
)
_AFTER_QUALIFIERS = (  # "70 or more", "70 and over", Azerbaijani "70-dən çox"
    (re.compile(r"^\s*(?:or|and)\s+(?:more|over|above)\b", re.I), Op.GE),
    (re.compile(r"^\s*(?:or|and)\s+(?:fewer|less|under)\b", re.I), Op.LE),
    (re.compile(r"^[-‐]?(?:dən|dan|ndən|ndan)\s+(?:çox|artıq)\b", re.I), Op.GT),
    (re.compile(r"^\s*odd\b", re.I), Op.GT),
)

NEGATION = re.compile(
    r"\b(?:not|never|no|none|neither|nor|rather than|instead of|не|нет|deyil)\b|n't\b", re.IGNORECASE
)
_QUALIFIER_NEGATIONS = re.compile(r"\b(?:no|not) (?:fewer|less|more)\s+than\s*$|\bnot only\b", re.I)

# Words before a number that make it a label, not a quantity ("Article 214", "No. 12").
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:no|nos|article|art|issue|vol|volume|page|pp?|chapter|section|paragraph|para|case|"
    r"number|item|id|tel|phone|fax|room|part|clause|resolution|law|decree|статья|статьи|maddə)\.?|[#№§$€£/])\s*$|:$",
    re.IGNORECASE,
)
_LABEL_AFTER = re.compile(
    r"^(?:[/:]\d|\.\d|[-‐]\d|st\b|nd\b|rd\b|th\b|\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|(?-i:-?D|G)\b)",
    re.I,
)  # "18-page", "47347/18", "10:30", "3-D", "5G" — but Azerbaijani "70-dən çox" is a number with a case ending


@dataclass(frozen=True)
class FoundFact:
    """One fact at its place in a text. ``noun`` is the word a number counts ("people"). Frozen:
    the readings of a text are shared (cached) by every claim checked against it."""

    fact: Fact
    start: int
    end: int
    text: str
    negated: bool = False
    negates: str | None = None  # the word the negation applies to; "" when it is the fact itself
    noun: str | None = None
    year_assumed: bool = False


# --- numbers -----------------------------------------------------------------------------


_GROUPED_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DIGITS = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
# "300.000", "1.500.000": thousands grouped by dots, as much of Europe writes them (never "2.995", a decimal)
_DOTTED_THOUSANDS = re.compile(r"[1-9]\d{0,2}\.000|\d{1,3}(?:\.\d{3}){2,}")
_DIGITS_AND_SPACES = re.compile(r"[\d ]+")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@lru_cache(maxsize=16384)  # pure; alpha2digit is slow and the same few numbers recur
def number_value(words: str) -> float | None:
    """The value of "1,200", "70", "seventy-two", "one thousand two hundred"; None if not a number."""
    raw = words.strip()
    compact = raw.replace("\u00a0", "").replace("\u202f", "")
    if _GROUPED_DIGITS.fullmatch(compact):
        return float(compact.replace(",", ""))
    if _DIGITS.fullmatch(compact):
        return float(compact)
    if _DOTTED_THOUSANDS.fullmatch(compact):
        return float(compact.replace(".", ""))
    if _DECIMAL.fullmatch(compact):
        return float(compact.replace(",", "."))
    converted = alpha2digit(raw.lower().replace("-", " "), "en", threshold=0).strip()
    converted = converted.replace(" ", "") if _DIGITS_AND_SPACES.fullmatch(converted) else converted
    if _PLAIN_NUMBER.fullmatch(converted):
        return float(converted)
    return None


def _qualifier_before(text: str, start: int) -> tuple[Op, int]:
    window = text[max(0, start - 25) : start]
    match = _QUALIFIER_RE.search(window)
    if not match:
        return Op.EQ, start
    phrase = match.group().strip().lower()
    op = next(op for q, op in QUALIFIERS if q == phrase)
    qualifier_start = start - (len(window) - match.start())
    if qualifier_start > 0 and text[qualifier_start - 1].isalnum():
        return Op.EQ, start  # "moreover", "takeover" — the qualifier must be a whole word
    return op, qualifier_start


# A number right after a capitalised word that does not start its sentence and is no month or
# qualifier ("About 3,000 workers") is part of a name, unless a counted noun follows.
_WORD_BEFORE = re.compile(r"(?P<before>[^\s]?)\s*(?P<word>[A-Z][A-Za-z'’-]*) $")
_NOT_NAME_WORDS = frozenset(m.capitalize() for m in MONTH_KEYS) | frozenset(
    q.split()[0].capitalize() for q, _ in QUALIFIERS if q.isascii()
)


def _inside_a_name(text: str, start: int) -> bool:
    match = _WORD_BEFORE.search(text[max(0, start - 40) : start])
    if not match or match.group("word") in _NOT_NAME_WORDS:
        return False
    return match.group("before") not in ("", ".", "!", "?", ":", "\"", "“", "(", "-", "–", "—")


_COUNTED_AFTER = re.compile(r"\s*(?:%|[a-z]{3,}s\b|people\b|men\b|women\b|children\b|per\b|million|billion|thousand)")
_NAME_FOLLOWS = re.compile(r"\s+[A-Z][a-z]")
_PER_CENT = re.compile(r"\s?(?:per\s?cent|percent|pct)\b", re.I)
_APPOSITIVE_AGE = re.compile(r"[A-Z][\w'’.-]+,\s$")  # "Heather Grant, 33, of Christiana"
_AGED = re.compile(r"(?:\baged?|\bage of)\s+$", re.I)
_YEAR_OLD = re.compile(r"^[\s-]+years?[\s-]+old\b|^[\s-]+year[\s-]old\b", re.I)
_DEGREES = re.compile(r"\s?(?:°|º|degrees?\s)\s?([CF])?\b", re.I)
def _qualified(text: str, start: int, end: int) -> tuple[Op, int, int]:
    """The op of the number at ``start:end`` from a qualifier before it ("more than 70") or after it
    ("70 or more"), with where the qualified number starts and ends."""
    op, qualifier_start = _qualifier_before(text, start)
    for pattern, after_op in _AFTER_QUALIFIERS:
        after = pattern.match(text[end:])
        if after and op is Op.EQ:
            op, end = after_op, end + after.end()
    return op, qualifier_start, end


_OF_THEM = re.compile(r"^\s+of\s+(?:them|whom|its|their|his|her|our|the)\s+(?=\w)", re.I)
_WORDS_AFTER = re.compile(r"^[\s-]*((?:[^\W\d_]+[\s-]+){0,2}?)([^\W\d_]+)")


def _unit_after(text: str, end: int) -> tuple[str | None, str | None, int]:
    """The unit ("years") or counted noun ("people") right after a number, and where it ends."""
    rest = text[end : end + 60]
    if rest.startswith("%"):
        return "%", None, end + 1
    per_cent = _PER_CENT.match(rest)
    if per_cent:
        return "%", None, end + per_cent.end()
    if rest.startswith((" %", "\u00a0%")):
        return "%", None, end + 2
    degrees = _DEGREES.match(rest)
    if degrees:
        return "°" + (degrees.group(1) or "").upper(), None, end + degrees.end()
    of_them = _OF_THEM.match(rest)
    if of_them:  # "two of them police officers", "all 25 of its locations": the group is named after "of"
        _, noun, _ = _unit_after(text, end + of_them.end() - 1)
        return None, noun, end
    match = _WORDS_AFTER.match(rest)
    if not match:
        return None, None, end
    first_word = WORD.match(rest.lstrip(" -\u00a0"))
    if not first_word:
        return None, None, end
    word = first_word.group().lower()
    more = _MORE_OF_THE_SAME.match(rest)
    if more:  # "four more new cases" counts cases
        after = rest[more.end() :]
        next_word = WORD.match(after)
        if next_word and next_word.group().lower() not in _NO_COUNTED_NOUN:
            return None, " ".join(_noun_phrase(after)), end
        return None, None, end
    if word in UNITS:
        offset = rest.index(first_word.group()) + len(first_word.group())
        return UNITS[word], None, end + offset
    if word in _NO_COUNTED_NOUN and not _REPORTED_NOUN.match(rest):
        return None, None, end  # "160,000 as of 2014", "370 being in ...": no counted noun
    return None, " ".join(_noun_phrase(rest)), end


def _noun_phrase(rest: str) -> list[str]:
    """The words of the noun phrase right after a number, its head last: "coronavirus cases",
    "new cases", "domestic airports". Without a parse, the phrase ends at a function word, a
    participle ("reported", "killing") or the first plural, which heads most counted phrases."""
    words: list[str] = []
    matches = list(_PHRASE_WORD.finditer(rest[:NOUN_PHRASE_CHARS]))
    for position, match in enumerate(matches):
        if match.start() != 0 and not rest[match.start() - 1].isspace() and rest[match.start() - 1] != "-":
            break
        word = match.group().lower()
        if words and (word in _NOUN_STOP or word in STOPWORDS):
            break
        if words and _PARTICIPLE.search(word) and not _plural_ahead(matches[position + 1 :]):
            break  # "370 killed"; but "4 new confirmed cases" goes on to its head
        words.append(word)
        participle_inside = any(_PARTICIPLE.search(w) for w in words[1:])  # one word more for it
        if len(words) == NOUN_PHRASE_WORDS + participle_inside or _PLURAL.search(word) or word == "people":
            break
        if rest[match.end() : match.end() + 1] not in (" ", "-"):
            break
    return words


def _plural_ahead(matches: list[re.Match]) -> bool:
    """Does a plural noun follow within the next word or two, with nothing but spaces between?"""
    for previous, match in zip([None, *matches], matches[:2]):
        if previous is not None and not match.string[previous.end() : match.start()].isspace():
            return False
        word = match.group().lower()
        if word in _NOUN_STOP or word in STOPWORDS or _PARTICIPLE.search(word):
            return False
        if _PLURAL.search(word):
            return True
    return False


def _noun_before(text: str, start: int) -> str | None:
    """The counted noun written before a number that has none after it: "the number of recoveries
    reached 273", "orders stand at 1,707" (a plural, with only linking words between)."""
    clause = re.split(r"[,;:()]", text[max(0, start - 60) : start])[-1]
    for word in reversed(_PHRASE_WORD.findall(clause)):
        lowered = word.lower()
        if lowered in _LINKING_WORDS:
            continue
        if _PLURAL.search(lowered) and lowered not in STOPWORDS:
            return lowered
        break
    # "the total number of cases registered in the Sultanate is 484"
    counted = _NUMBER_OF.search(clause)
    return counted.group(1).lower() if counted else None


_TIMES_AFTER = re.compile(r"[\s-]+times\b", re.IGNORECASE)
_NUMBER_OF = re.compile(r"\bnumber of ([^\W\d_]+s)\b[^.]*\b(?:is|was|stood at|stands at|reached|totall?ed)\s+$",
                        re.IGNORECASE)


_LINKING_WORDS = frozenset(
    "reached stood stands stand at was were is are totalled totaled total rose climbed jumped fell dropped to "
    "of the number had has have been now".split()
)
NOUN_PHRASE_WORDS = 3
NOUN_PHRASE_CHARS = 80
_PHRASE_WORD = re.compile(r"[^\W\d_]+(?:\d+[^\W\d_]*)*")  # "A330" is one word of a phrase
_PARTICIPLE = re.compile(r"(?:ed|ing)$")
_PLURAL = re.compile(r"(?<![su])s$")


_MORE_OF_THE_SAME = re.compile(
    r"[ \u00a0]+(?:more|additional|further)[ \u00a0]+(?!than\b|of\b|or\b|and\b)(?=[^\W\d_])", re.IGNORECASE
)
_NOUN_STOP = frozenset(
    "and or to of in on at by for from with than the a an was were is are had have has who which that "
    "more less each per times".split()
)
_NO_NOUN_AFTER = frozenset(  # function words right after a number ("new", "other", "first" may start a noun phrase)
    "as if but into onto over under about after before during since until then when where while whereas being be "
    "been do does did not nor so such it its their they them he she his her him we our you your i me my also both "
    "either neither there here up down out off via among between against within without through including "
    "according said says say told reported reportedly however although though just only very".split()
)
_NO_COUNTED_NOUN = _NOUN_STOP | _NO_NOUN_AFTER  # a number followed by one of these counts no noun
# "190 reported cases": the participle stands before the noun it qualifies ("370 reported to police" has none)
_REPORTED_NOUN = re.compile(r"^[\s-]*reported\s+(?!to\b|by\b|in\b|on\b|at\b|that\b)[a-z]+s\b", re.IGNORECASE)
_ONE_COUNTS = re.compile(
    r"^\s+(?:was|were|has|had|died|person|man|woman|child|police|policeman|officer|resident|civilian|protester|"
    r"detainee|defendant|journalist|activist)\b",
    re.IGNORECASE,
)


def _word_number_ok(match_text: str, following: str) -> bool:
    """ "one" is a count only in "one was killed", "one officer died"; never in "one of the"."""
    word = match_text.lower()
    if word == "one":
        return bool(_ONE_COUNTS.match(following) or _ONE_UNIT.match(following))
    return word not in ("zero", "hundred", "thousand", "million", "billion")


_ONE_UNIT = re.compile(r"^[-\s](?:year|month|week|day|hour|minute|decade|century)\b", re.I)  # "one-year"
_FOUR_DIGITS = re.compile(r"\d{4}")
_YEAR_WORD_AFTER = re.compile(r"^[\s-]*(?:года|году|год|г\.|-?ci\b|-?cü\b|-?cu\b|-?cı\b|il)", re.I)


def _is_year(value: float, text: str, start: int, end: int, noun: str | None, unit: str | None) -> bool:
    if not (1800 <= value <= 2099) or not _FOUR_DIGITS.fullmatch(text[start:end]):
        return False
    if _YEAR_WORD_AFTER.match(text[end : end + 8]):
        return True  # "2022 года", "2015-ci ildə": the year, not 2022 years
    if unit is None and _POSSESSIVE_BEFORE.search(text[max(0, start - 3) : start]):
        return True  # "Hillary Clinton's 2016 supporters": the year they supported her
    return unit is None and not (noun and _counts_people_or_cases(noun, text[max(0, start - 12) : start]))


def _counts_people_or_cases(noun: str, before: str) -> bool:
    """ "2016 supporters", "has 1986 confirmed cases": a counted noun, or one after participles only
    ("confirmed", "new"), unless a word of time stands before the number ("in 2020 new cases")."""
    words = noun.split()
    if words[0] in _COUNTED_NOUNS:
        return True
    return (
        words[-1] in _COUNTED_NOUNS
        and all(_PARTICIPLE.search(word) or word == "new" for word in words[:-1])
        and not _TIME_WORD_BEFORE.search(before)
    )


_TIME_WORD_BEFORE = re.compile(r"\b(?:in|since|by|from|until|till|to|during|of|the|and|between|year)\s+$", re.I)


_POSSESSIVE_BEFORE = re.compile(r"['’]s\s$")
_COUNTED_NOUNS = frozenset(
    "people persons individuals men women children detainees defendants protesters members "
    "supporters residents activists prisoners officers soldiers cases complaints victims "
    "believers students journalists households families".split()
)

# --- dates -------------------------------------------------------------------------------

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DAY2 = r"(?:\s*[–—-]\s*(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?)?"
_YEAR = r"(?P<year>1[89]\d{2}|20\d{2})"
_YEAR_WITH_DAY = r"(?P<year>1\d{3}|20\d{2})"  # a day and a month name make any four digits a year
_YEAR_AHEAD = r"(?:1\d{3}|20\d{2})(?!\d)"
DATE_PATTERNS = (
    ("ymd", re.compile(rf"\b{_YEAR}-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("dmy_numeric", re.compile(rf"\b(?P<day>[0-3]?\d)[./](?P<month>[01]?\d)[./]{_YEAR}\b")),
    ("dmy", re.compile(rf"\b{_DAY}{_DAY2}\s+(?:of\s+)?{MONTH}\s?,?\s+{_YEAR_WITH_DAY}\b", re.I)),
    ("mdy", re.compile(rf"\b{MONTH}\s+{_DAY}{_DAY2}\s?,?\s+{_YEAR_WITH_DAY}\b", re.I)),
    ("my", re.compile(rf"\b{MONTH}\s?,?\s+(?:of\s+)?{_YEAR}\b", re.I)),
    # "On 1975 April 15, Daiei Lawson was established": the year first, the date closing its clause
    ("ymd_words", re.compile(rf"\b{_YEAR}\s+{MONTH}\s+{_DAY}(?=\s*(?:[,.;:)]|$))", re.I)),
    ("ym_az", re.compile(rf"\b{_YEAR}-?(?:ci|cü|cu|cı)?\s+il(?:in)?\s+{_DAY}\s+{MONTH}", re.I)),
    (  # "2015-ci il noyabrın 26-da"
        "ymd_az",
        re.compile(
            rf"\b{_YEAR}-?(?:ci|cü|cu|cı)?\s+il(?:in)?\s+{MONTH}(?:ın|in|un|ün)?\s+{_DAY}(?:-?(?:da|də|dək|ə|a))?\b",
            re.I,
        ),
    ),
    # not the start of a date with its year ("March 21, 2020"); "March 21, 61 cases" is a date and a count
    ("dm", re.compile(rf"\b{_DAY}{_DAY2}\s+(?:of\s+)?{MONTH}(?![\w-])(?!,?\s+(?:of\s+)?{_YEAR_AHEAD})", re.I)),
    ("md", re.compile(rf"\b{MONTH}\s+{_DAY}{_DAY2}\b(?!,?\s+{_YEAR_AHEAD})", re.I)),
)
YEAR_RANGE = re.compile(r"\b(?P<y1>1[89]\d{2}|20\d{2})\s*[–—-]\s*(?P<y2>(?:1[89]|20)?\d{2})\b(?![-–.,]?\d)")
YEAR_ALONE = re.compile(r"(?<![\d.,/#№$-])\b(?P<year>1[89]\d{2}|20\d{2})\b(?![\d/]|[.,]\d|-\d|s\b)")
CITATION_MARK = re.compile(r"\[\d{1,3}\]")  # Wikipedia's footnote markers: "[4]" is no count
EARLY_YEAR = re.compile(
    r"\b(?:in|since|until|from|by|before|after|year|c\.|circa)\s+(?P<year>1[0-7]\d{2})\b(?![\d/]|[.,]\d)", re.I
)


def _month_number(token: str) -> int | None:
    token = token.lower().rstrip(".")
    if token.isdigit():
        number = int(token)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(token)


def _date_value(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if day is not None and month is not None:
            return date(year, month, day).isoformat()
        if month is not None:
            return f"{year:04d}-{month:02d}"
        return f"{year:04d}"
    except ValueError:
        return None


def _find_dates(
    text: str, taken: list[tuple[int, int]], default_year: int | None, vocabulary: _Vocabulary
) -> list[FoundFact]:
    found: list[FoundFact] = []
    if not vocabulary.digit:  # every date pattern has a digit
        return found
    for kind, pattern in DATE_PATTERNS:
        if kind in _MONTH_PATTERNS and not vocabulary.month:
            continue
        matches = _matches_at(pattern, text, vocabulary.months) if kind in _MONTH_FIRST else pattern.finditer(text)
        for match in matches:
            if _overlaps(match.start(), match.end(), taken):
                continue
            if kind == "my" and match.group("month").lower() == "may" and not match.group().istitle():
                continue
            month = _month_number(match.group("month"))
            if month is None:
                continue
            groups = match.groupdict()
            assumed = False
            if groups.get("year"):
                year = int(groups["year"])
            elif default_year is not None:
                if not match.group("month")[0].isupper() and match.group("month").isascii():
                    continue  # "may", "march" as words
                year, assumed = default_year, True
            else:
                if match.group("month")[0].isupper() or not match.group("month").isascii():
                    taken.append((match.start(), match.end()))  # "25 January": a date, not a count of 25
                continue
            days = [groups.get("day"), groups.get("day2")] if kind != "my" else [None]
            dated = [_date_value(year, month, int(d) if d else None) for d in days if d or kind == "my"]
            values = [value for value in dated if value is not None]
            if not values or len(values) < len(dated):
                continue
            taken.append((match.start(), match.end()))
            for value in values:
                found.append(
                    FoundFact(DateFact(value=value), match.start(), match.end(), match.group(), year_assumed=assumed)
                )
    for match in YEAR_RANGE.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        y1, y2 = match.group("y1"), match.group("y2")
        y2 = y1[: 4 - len(y2)] + y2
        if not int(y1) < int(y2) <= int(y1) + 30:
            continue
        taken.append((match.start(), match.end()))
        for written in (y1, y2):
            found.append(FoundFact(DateFact(value=written), match.start(), match.end(), match.group()))
    return found


# --- entities and quotes -----------------------------------------------------------------

_CAP = r"[A-ZÀ-ÖØ-ÞƏĞİŞÇÜÖА-ЯЁ]"
_NAME_WORD = rf"{_CAP}[\w'’.-]*[\w]|{_CAP}"
_CONNECTOR = r"(?:of|for|the|de|van|von|al|ibn|bin|по)"
ENTITY = re.compile(rf"(?<![\w-])(?:{_NAME_WORD})(?:[ \u00a0](?:{_CONNECTOR}[ \u00a0])*(?:{_NAME_WORD}))*")
ACRONYM = re.compile(r"\b[A-ZА-Я]{3,6}\b")

_NOT_NAMES = frozenset(
    """the a an on in at by for from of to and or but after before following during since when while
    this that these those his her their its our we they he she it as with under over between among
    according despite although however meanwhile also then there here today yesterday
    monday tuesday wednesday thursday friday saturday sunday
    mr mrs ms dr prof sir""".split()
) | frozenset(MONTHS)
_ADJECTIVE_ONLY = frozenset(
    "shia shiite sunni muslim islamic christian jewish orthodox catholic azerbaijani russian american "
    "iranian turkish armenian georgian european western eastern soviet national international "
    "magnitsky-style".split()
)
_ROMAN = re.compile(r"^[IVXLC]+$")
_ADJECTIVE_ENDING = re.compile(r"(?:ian|ani|ish|ese)$")
_CONNECTOR_WORD = re.compile(_CONNECTOR)


def _entity_words_ok(words: list[str]) -> bool:
    lowered = [w.lower() for w in words]
    if all(w in _ADJECTIVE_ONLY or _ADJECTIVE_ENDING.search(w) for w in lowered):
        return False
    return True


POSSESSIVE = re.compile(r"['’]s?$")  # "Gbedey's", "Mekhi’s"
_TITLES = frozenset(
    "premier president director governor minister chancellor senator secretary mayor chairman chairwoman "
    "ambassador commissioner spokesman spokeswoman judge".split()
)


def _around_title(text: str, start: int, words: list[str]) -> list[tuple[int, list[str]]]:
    """A name run through a title ("British Virgin Islands Premier Andrew Fahie") is two names, the
    title's owner and the person ("British Virgin Islands", "Andrew Fahie"): pages write the person
    with a middle name or without the owner. Each part with where it starts."""
    titled = [i for i, word in enumerate(words) if word.lower() in _TITLES]
    if len(titled) != 1 or not 0 < titled[0] < len(words) - 2:
        return [(start, words)]
    title = titled[0]
    person_start = start + len(" ".join(words[: title + 1])) + 1
    parts = [(person_start, words[title + 1 :])]
    if title >= 2 or ACRONYM.fullmatch(words[0]):
        parts.insert(0, (start, words[:title]))
    return parts


def _find_entities(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found = []
    for match in ENTITY.finditer(text):
        words = match.group().split()
        start = match.start()
        while words and (words[0].lower().strip(".") in _NOT_NAMES or _CONNECTOR_WORD.fullmatch(words[0])):
            start += len(words[0]) + 1
            words = words[1:]
        while words and (words[-1].lower().strip(".") in _NOT_NAMES or _CONNECTOR_WORD.fullmatch(words[-1])):
            words = words[:-1]
        words = [w.rstrip(".") for w in words]
        if words:
            words[-1] = POSSESSIVE.sub("", words[-1])  # "Mekhi Gbedey's page": the name is "Mekhi Gbedey"
        if len(words) < 2 or not _entity_words_ok(words):
            continue
        end = start + len(" ".join(match.group()[start - match.start() :].split()[: len(words)]))
        if _overlaps(start, end, taken):
            continue
        for part_start, part in _around_title(text, start, words):
            part_end = part_start + len(" ".join(part))
            found.append(FoundFact(EntityFact(name=" ".join(part)), part_start, part_end, text[part_start:part_end]))
    for match in ACRONYM.finditer(text):
        if _ROMAN.match(match.group()) or _overlaps(match.start(), match.end(), taken):
            continue
        if any(f.start <= match.start() < f.end for f in found):
            continue
        found.append(FoundFact(EntityFact(name=match.group()), match.start(), match.end(), match.group()))
    return found


QUOTED = re.compile(r"[\"“„«]([^\"“”„«»\n]{2,600}?)[\"”“»]")


def _find_quotes(text: str) -> list[FoundFact]:
    found = []
    for match in QUOTED.finditer(text):
        inner = match.group(1).strip()
        if not WORD.search(inner):
            continue
        found.append(FoundFact(QuoteFact(text=inner), match.start(1), match.end(1), match.group(1)))
    return found


# --- ranges and counts -------------------------------------------------------------------

_RANGE_PATTERNS = (
    re.compile(rf"\bbetween\s+(?P<low>{NUMBER})\s+and\s+(?P<high>{NUMBER})", re.I),
    re.compile(rf"\bfrom\s+(?P<low>{NUMBER})\s+(?:to|until|till|through)\s+(?P<high>{NUMBER})", re.I),
    re.compile(rf"(?<![\w.,])(?P<low>{NUMBER})\s+(?:to|-|–|—)\s+(?P<high>{NUMBER})(?![\w.,]\d)", re.I),
    re.compile(r"(?<![\w.,/-])(?P<low>\d+(?:\.\d+)?)\s*[–—-]\s*(?P<high>\d+(?:\.\d+)?)(?![\d/.,]\d)"),  # "2.5–3.5%"
    re.compile(r"\bот\s+(?P<low>\d+)\s+до\s+(?P<high>\d+)", re.I),
    re.compile(
        r"(?P<low>\d+)(?:\s+il)?[-‐]?(?:dən|dan|ndən|ndan)\s+(?P<high>\d+)(?=(?:\s+il)?[-‐]?(?:dək|ədək|yədək|ə|a)\b)",
        re.I,
    ),
)


_NUMBER_TO_NUMBER = _RANGE_PATTERNS[2]  # "10 to 20", "ten - twenty": the slow one, tried where it can match
_JOINER = re.compile(r"\s(?:to|-|–|—)\s", re.IGNORECASE)  # what it needs between its two numbers


def _find_ranges(text: str, taken: list[tuple[int, int]], vocabulary: _Vocabulary) -> list[FoundFact]:
    found: list[FoundFact] = []
    if not (vocabulary.digit or vocabulary.number_word):
        return found
    for pattern in _RANGE_PATTERNS:
        if pattern is _NUMBER_TO_NUMBER and not vocabulary.number_word:
            matches = _matches_at(pattern, text, vocabulary.digits) if _JOINER.search(text) else ()
        else:
            matches = pattern.finditer(text)
        for match in matches:
            if _overlaps(match.start(), match.end(), taken):
                continue
            low, high = number_value(match.group("low")), number_value(match.group("high"))
            if low is None or high is None or not low < high:
                continue
            if _LABEL_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
                continue
            unit, noun, end = _unit_after(text, match.end())
            low_unit, _, _ = _unit_after(text, match.start("low") + len(match.group("low")))
            unit = unit or (low_unit if low_unit and low_unit != "%" else None)
            if unit is None and noun is None and not match.group().lower().startswith(("between", "from")):
                # a bare "10-20" with nothing counted is too often a score, a code or a page range
                continue
            taken.append((match.start(), end))
            found.append(
                FoundFact(
                    RangeFact(low=low, high=high, unit=unit),
                    match.start(),
                    end,
                    text[match.start() : end],
                    noun=noun,
                )
            )
    return found


_COUNT = re.compile(
    rf"(?<![\w.,/#№$€£-])(?:(?P<digits>{_DIGIT_NUMBER})(?P<plus>\+)?|(?P<words>{_WORD_NUMBER})\b"
    rf"|(?P<dozen>an?\s+dozen|dozens|scores|hundreds|thousands|десятки|сотни|onlarla|yüzlərlə)\b)",
    re.IGNORECASE,
)
_VAGUE = {
    "a dozen": (12, Op.APPROX), "an dozen": (12, Op.APPROX), "dozens": (24, Op.GE), "scores": (40, Op.GE),
    "hundreds": (200, Op.GE), "thousands": (2000, Op.GE), "десятки": (20, Op.GE), "сотни": (200, Op.GE),
    "onlarla": (20, Op.GE), "yüzlərlə": (200, Op.GE),
}


_SPACES = re.compile(r"\s+")
_WORD_FOLLOWS = re.compile(r"^\s+(?:of\s+)?\w")

MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "mln": 1e6, "bn": 1e9, "тыс": 1e3, "млн": 1e6,
               "млрд": 1e9, "milyon": 1e6, "milyard": 1e9}
MULTIPLIER = re.compile(r"\s*(thousand|million|billion|mln\.?|bn|тыс\.?|млн\.?|млрд\.?|milyon|milyard)(?![\w])", re.I)


_BELOW_ZERO = re.compile(r"\b(?:minus|negative)\s+$", re.IGNORECASE)


def _find_counts(text: str, taken: list[tuple[int, int]], vocabulary: _Vocabulary) -> list[FoundFact]:
    found: list[FoundFact] = []
    if not (vocabulary.digit or vocabulary.number_word or vocabulary.vague_word):
        return found
    matches = (
        _COUNT.finditer(text)
        if vocabulary.number_word or vocabulary.vague_word
        else _matches_at(_COUNT, text, vocabulary.digits)  # digits only: they start a run of digits
    )
    for match in matches:
        start, end = match.start(), match.end()
        if _overlaps(start, end, taken):
            continue
        before = text[max(0, start - 15) : start]
        if _LABEL_BEFORE.search(before) or _LABEL_AFTER.match(text[end : end + 6]):
            continue
        if match.group("digits") and _inside_a_name(text, start) and not _COUNTED_AFTER.match(text[end : end + 20]):
            continue  # "Resident Evil 5", "Route 29", "RTX 3080": part of a name
        value: float | None
        if match.group("dozen"):
            key = _SPACES.sub(" ", match.group("dozen").lower())
            value, op = _VAGUE[key]
            if not key.startswith("a") and not _WORD_FOLLOWS.match(text[end : end + 10]):
                continue
        elif match.group("words"):
            if not _word_number_ok(match.group("words"), text[end : end + 20]):
                continue
            if match.group("words")[0].isupper() and start > 0 and _NAME_FOLLOWS.match(text[end : end + 20]):
                continue  # "Twenty One Pilots": a name
            value, op = number_value(match.group("words")), Op.EQ
        else:
            value, op = number_value(match.group("digits")), Op.EQ
            if match.group("plus"):
                op = Op.GE
        if value is None:
            continue
        multiplier = MULTIPLIER.match(text, end)
        if multiplier and match.group("digits"):  # "2.4 million crowns" is 2,400,000 crowns
            value = round(value * MULTIPLIERS[multiplier.group(1).lower().rstrip(".")], 6)
            end = multiplier.end()
        unit, noun, unit_end = _unit_after(text, end)
        if match.group("digits") and not multiplier and _is_year(value, text, start, end, noun, unit):
            continue
        appositive = (_APPOSITIVE_AGE.search(text[max(0, start - 30) : start]) and text[end : end + 1] == ","
                      and value < 120)
        if _AGED.search(text[max(0, start - 12) : start]) or _YEAR_OLD.match(text[end : end + 12]) or appositive:
            unit, noun = "age", None  # "aged 75", "a 15-year-old": an age, never a count of people
            old = _YEAR_OLD.match(text[end : end + 12])
            unit_end = end + old.end() if old else end
        if noun is None and unit is None and not _TIMES_AFTER.match(text, end):  # "two times faster" counts nothing
            # the noun before it, before its qualifier: "the number of cases at more than 4,200"
            noun = _noun_before(text, _qualifier_before(text, start)[1])
        qualifier_start = start
        below_zero = _BELOW_ZERO.search(text, max(0, start - 10), start) if unit and unit.startswith("°") else None
        if below_zero:  # "minus 8.6 degrees" is not 8.6 degrees
            value, qualifier_start = -value, below_zero.start()
        if op is Op.EQ:
            op, qualifier_start, end = _qualified(text, qualifier_start, end)
        found.append(
            FoundFact(
                CountFact(value=value, op=op, unit=unit),
                qualifier_start,
                max(end, unit_end),
                text[qualifier_start : max(end, unit_end)],
                noun=noun,
            )
        )
    return found



# --- money, times of day, ordinals, shares ---------------------------------------------
# Written by hand: price-parser reads one price string, not the prices inside running text, and
# quantulum3 (tried) reads "$59 million" but also turns "Route 29" or "No. 5" into quantities,
# at ~20x the cost. Each reading below is a CountFact whose unit says what it measures.

CURRENCY_SIGNS = {"$": "USD", "us$": "USD", "u.s.$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP",
                  "gbp": "GBP", "¥": "JPY", "jpy": "JPY", "₹": "INR", "inr": "INR", "a$": "AUD", "aud": "AUD",
                  "c$": "CAD", "cad": "CAD", "j$": "JMD", "jmd": "JMD", "tt$": "TTD", "ttd": "TTD", "nz$": "NZD",
                  "hk$": "HKD", "rs": "INR", "rs.": "INR", "₦": "NGN", "chf": "CHF", "azn": "AZN", "₼": "AZN"}
CURRENCY_WORDS = {"dollars": "USD", "dollar": "USD", "euros": "EUR", "euro": "EUR", "yen": "JPY", "rupees": "INR",
                  "manat": "manat", "usd": "USD", "eur": "EUR", "gbp": "GBP", "sterling": "GBP"}
_MAGNITUDE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9,
              "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_MONEY_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MAGNITUDE_RE = r"(?:\s?(?P<mag>thousand|million|billion|trillion|mln|mn|bn|tn|k|m|b)(?![\w$€£]))?"
MONEY_BEFORE = re.compile(
    r"(?<![\w$])(?P<cur>US\s?\$|U\.S\.\s?\$|A\$|C\$|J\$|TT\$|NZ\$|HK\$|\$|€|£|¥|₹|₦|₼|(?:USD|EUR|GBP|JPY|CAD|AUD|JMD|"
    rf"TTD|INR|CHF|AZN|Rs\.?)\s?)\s?(?P<num>{_MONEY_NUMBER}|{_WORD_NUMBER}){_MAGNITUDE_RE}",
    re.I,
)
MONEY_AFTER = re.compile(
    rf"(?<![\w.,$€£])(?P<num>{_MONEY_NUMBER}|{_WORD_NUMBER}){_MAGNITUDE_RE}\s+(?:of\s+)?"
    r"(?P<cur>dollars|dollar|euros|euro|yen|rupees|USD|EUR|GBP|sterling)\b",
    re.I,
)
TIME_OF_DAY = re.compile(
    r"(?<![\w:.,])(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\.?\s?(?P<ampm>a\.\s?m\.?|p\.\s?m\.?|am\b|pm\b)"
    r"|(?<![\w:.,])(?P<h24>[01]\d|2[0-3]):?(?P<m24>[0-5]\d)\s?(?:hrs|hours|h)\b"
    r"|(?<![\w:.,/])(?P<hc>[01]?\d|2[0-3]):(?P<mc>[0-5]\d)(?![\d:])",
    re.I,
)
ORDINAL_WORDS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                 "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
                 "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
                 "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100}
# "first" and "last" say too little on their own ("the first time"): an ordinal only before these
_FIRST_BEFORE = (
    r"(?=\s+(?:quarter|half|round|place|term|day|week|month|year|season|district|division|edition|stage|leg))"
)
_SMALL_NUMBER_WORD = "|".join(NUMBER_WORDS[1:21])  # "one" to "twenty"
ORDINAL = re.compile(
    r"(?<![\w.,/-])(?P<digits>\d{1,4})(?:st|nd|rd|th)\b"
    r"|(?:\b(?:No\.|no\.|number)|(?<![\w&#])#)\s?(?P<rank>\d{1,3})\b(?!\s?[/-]\d)"
    # "reached number seven"
    rf"|\bnumber\s+(?P<rank_word>{_SMALL_NUMBER_WORD})\b(?![\s-]+(?:hundred|thousand|million|of)\b)"
    rf"|\b(?P<word>{'|'.join(ORDINAL_WORDS)})\b(?![\s-]+(?:hand|of\s+all|person|thought))"
    rf"|\b(?P<first>first){_FIRST_BEFORE}",
    re.I,
)
SHARE_WORDS = {"half": 50.0, "one half": 50.0, "a third": 100 / 3, "one third": 100 / 3, "two thirds": 200 / 3,
               "two-thirds": 200 / 3, "a quarter": 25.0, "one quarter": 25.0, "three quarters": 75.0,
               "three-quarters": 75.0, "one-third": 100 / 3, "a fifth": 20.0, "one fifth": 20.0, "a tenth": 10.0}
SHARE = re.compile(
    rf"\b(?P<share>{'|'.join(sorted(SHARE_WORDS, key=len, reverse=True))})\s+(?:of|the)\b"
    rf"|\b(?P<num>{_NUMBER_WORD}|\d+)\s+(?:in|out\s+of)\s+(?P<den>{_NUMBER_WORD}|\d+)\b(?!\s*(?:years|days|months))",
    re.I,
)
_DOZENS = re.compile(rf"\b(?P<n>{_NUMBER_WORD}|\d+)\s+dozen\b", re.I)


def _money_value(number: str, magnitude: str | None) -> float | None:
    value = number_value(number)
    if value is None:
        return None
    if magnitude:
        value = round(value * _MAGNITUDE[magnitude.lower()], 6)
    return value


_BARE_MAGNITUDES = frozenset(("hundred", "thousand", "million", "billion"))
_ONE_BEFORE = re.compile(r"\b(?:a|an)\s+$", re.I)


def _find_money(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    if not _MONEY_HINT.search(text):
        return found
    for pattern, currencies in ((MONEY_BEFORE, CURRENCY_SIGNS), (MONEY_AFTER, CURRENCY_WORDS)):
        for match in pattern.finditer(text):
            if _overlaps(match.start(), match.end(), taken):
                continue
            if match.group("num").lower() in _BARE_MAGNITUDES and not _ONE_BEFORE.search(text[: match.start()]):
                continue  # "a budget of billion euros": the figure is missing (but "a million dollars" is one)
            currency = currencies.get(_SPACES.sub("", match.group("cur").lower()))
            value = _money_value(match.group("num"), match.group("mag"))
            if value is None or currency is None:
                continue
            op, qualifier_start, end = _qualified(text, match.start(), match.end())
            taken.append((qualifier_start, end))
            found.append(FoundFact(CountFact(value=value, op=op, unit=currency), qualifier_start, end,
                                   text[qualifier_start:end]))
    return found


_MONEY_HINT = re.compile(
    r"[$€£¥₹₦₼]|\b(?:dollars?|euros?|yen|rupees|manat|sterling|USD|EUR|GBP|JPY|CAD|AUD|JMD|TTD|INR|CHF|AZN|Rs)\b", re.I
)


# "rolled twice" is "rolled 2 times"; "twice as many", "twice the size", "twice a week" are no count
REPEATS = re.compile(
    r"\b(?P<word>twice|thrice)\b(?!\s+(?:as|the|that|than|a|an|per|over|daily|weekly|monthly|yearly)\b)", re.I
)
_REPEAT_COUNT = {"twice": 2.0, "thrice": 3.0}


def _find_repeats(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    for match in REPEATS.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        op, qualifier_start = _qualifier_before(text, match.start())
        taken.append((qualifier_start, match.end()))
        found.append(FoundFact(CountFact(value=_REPEAT_COUNT[match.group("word").lower()], op=op), qualifier_start,
                               match.end(), text[qualifier_start : match.end()]))
    return found


def _find_times(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    if ":" not in text and not _TIME_HINT.search(text):
        return found
    for match in TIME_OF_DAY.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        if match.group("ampm"):
            hour, minute = int(match.group("h")), int(match.group("m") or 0)
            if hour > 12:
                continue
            hour = hour % 12 + (12 if match.group("ampm").lower().startswith("p") else 0)
        elif match.group("h24"):
            hour, minute = int(match.group("h24")), int(match.group("m24"))
        else:
            hour, minute = int(match.group("hc")), int(match.group("mc"))
        op, qualifier_start = _qualifier_before(text, match.start())
        taken.append((qualifier_start, match.end()))
        found.append(FoundFact(CountFact(value=hour * 60 + minute, op=op, unit="time of day"), qualifier_start,
                               match.end(), text[qualifier_start : match.end()]))
    return found


_TIME_HINT = re.compile(r"\d\.?\s?(?:a\.?\s?m|p\.?\s?m|hrs|hours|h)\b", re.I)  # "1.p.m." too


def _find_ordinals(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    for match in ORDINAL.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        if match.group("digits"):
            value = float(match.group("digits"))
        elif match.group("rank"):
            value = float(match.group("rank"))
        elif match.group("rank_word"):
            value = float(NUMBER_WORDS.index(match.group("rank_word").lower()))
        elif match.group("word"):
            value = float(ORDINAL_WORDS[match.group("word").lower()])
        else:
            value = 1.0
        taken.append((match.start(), match.end()))
        _, noun, _ = _unit_after(text, match.end())
        if noun == "anniversary":  # "the 30th anniversary" is "the 30-year anniversary"
            found.append(FoundFact(CountFact(value=value, op=Op.EQ, unit="years"), match.start(), match.end(),
                                   match.group()))
            continue
        found.append(FoundFact(CountFact(value=value, op=Op.EQ, unit="rank"), match.start(), match.end(), match.group(),
                               noun=noun))
    return found


def _find_shares(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    for match in SHARE.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        if match.group("share"):
            value = SHARE_WORDS[_SPACES.sub(" ", match.group("share").lower())]
            end = match.end("share")
        else:
            numerator, denominator = number_value(match.group("num")), number_value(match.group("den"))
            if not numerator or not denominator or numerator >= denominator or denominator > 1000:
                continue
            value, end = 100 * numerator / denominator, match.end()
        exact = abs(value - round(value)) < 1e-9
        op, qualifier_start = _qualifier_before(text, match.start())
        if op is Op.EQ and not exact:
            op = Op.APPROX
        taken.append((qualifier_start, end))
        found.append(FoundFact(CountFact(value=round(value, 2), op=op, unit="%"), qualifier_start, end,
                               text[qualifier_start:end]))
    return found


RATING = re.compile(
    r"(?<![\w.,/])(?P<score>\d{1,3}(?:\.\d+)?)"
    r"(?:\s?/\s?|\s+out\s+of\s+(?=\d+\b(?!\s+(?!stars?\b|points?\b)[^\W\d_])))"  # "3 out of 5 people": a share
    r"(?P<scale>5|10|20|100)\b(?![.,/]\d)",
    re.I,
)


def _find_ratings(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    """ "4.7/10", "92/100", "8.2 out of 10": a score on a scale, compared only with scores on the
    same scale (and a score out of 100 with a percentage)."""
    found: list[FoundFact] = []
    if "/" not in text and "out of" not in text.lower():
        return found
    for match in RATING.finditer(text):
        score, scale = float(match.group("score")), match.group("scale")
        if score > float(scale) or _overlaps(match.start(), match.end(), taken):
            continue
        op, qualifier_start = _qualifier_before(text, match.start())
        taken.append((qualifier_start, match.end()))
        found.append(FoundFact(CountFact(value=score, op=op, unit=f"/{scale}"), qualifier_start, match.end(),
                               text[qualifier_start : match.end()]))
    return found


_SPAN_WORDS = frozenset(("week", "month", "year", "decade", "day", "hour", "century"))
_ONE_SPAN = re.compile(rf"\b(?:an?|one)\s+({'|'.join(sorted(_SPAN_WORDS))})\b(?!-)", re.IGNORECASE)
_SPAN_TIED = re.compile(r"\s+(?:ago|before|after|earlier|later)\b", re.IGNORECASE)


def _find_one_span(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    """ "less than a week after", "a year before the settlement": one unit of time, where a
    qualifier or a tie to another time ("ago", "after") says it is a span ("twice a year" is none)."""
    found: list[FoundFact] = []
    for match in _ONE_SPAN.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        op, qualifier_start = _qualifier_before(text, match.start())
        if op is Op.EQ and not _SPAN_TIED.match(text, match.end()):
            continue
        taken.append((qualifier_start, match.end()))
        found.append(FoundFact(CountFact(value=1, op=op, unit=UNITS[match.group(1).lower()]), qualifier_start,
                               match.end(), text[qualifier_start : match.end()]))
    return found


def _find_dozens(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    found: list[FoundFact] = []
    if "dozen" not in text.lower():
        return found
    for match in _DOZENS.finditer(text):
        value = number_value(match.group("n"))
        if value is None or _overlaps(match.start(), match.end(), taken):
            continue
        op, qualifier_start = _qualifier_before(text, match.start())
        unit, noun, unit_end = _unit_after(text, match.end())
        taken.append((qualifier_start, match.end()))
        end = max(match.end(), unit_end)
        found.append(FoundFact(CountFact(value=12 * value, op=op, unit=unit), qualifier_start, end,
                               text[qualifier_start:end], noun=noun))
    return found


# --- negation ----------------------------------------------------------------------------


_CLAUSE_BREAK = re.compile(r"[;:()\[\]\n]|,\s|\.\s")


def negation_before(text: str, start: int) -> tuple[bool, str | None]:
    """A negation in the clause before the fact, and the word it negates ("" for the fact itself).

    "were not 18" and "17, not 18" negate the number; "did not impose sanctions ... in 2022"
    negates "impose": the checker decides whether that word is the claim's.
    """
    window = text[max(0, start - 120) : start]
    clause = _CLAUSE_BREAK.split(window)[-1]
    words = clause.split()[-12:]
    tail = " ".join(words)
    if _QUALIFIER_NEGATIONS.search(" ".join(words[-4:])):
        return False, None
    matches = list(NEGATION.finditer(tail))
    if not matches:
        return False, None
    after = tail[matches[-1].end() :].split()
    return True, (after[0].strip(".,;:") if after else "")


# --- what a text can hold ----------------------------------------------------------------
# Most sentences name no month and hold no number word: a cheap look at their words tells which of
# the (slow, case-insensitive, many-branch) patterns above can match at all. Each pattern that is
# skipped needs the word whole: a month or number word starts after a non-word character and ends
# before one, so it is one of the text's maximal runs of letters.

_DIGIT_RUN = re.compile(r"\d+")
_LETTER_RUN = re.compile(r"(?<!\w)[^\W\d_]+")
_WHOLE_MONTH = re.compile(rf"(?:{_MONTH_ALT})", re.IGNORECASE)
_WHOLE_NUMBER_WORD = re.compile(_NUMBER_WORD, re.IGNORECASE)
_WHOLE_VAGUE_WORD = re.compile(r"dozen|dozens|scores|hundreds|thousands|десятки|сотни|onlarla|yüzlərlə", re.IGNORECASE)
# a whole month word; not the Azerbaijani "noyabrın"
_MONTH_PATTERNS = frozenset(("dmy", "mdy", "my", "ymd_words", "dm", "md"))
_MONTH_FIRST = frozenset(("mdy", "my", "md"))  # these match only where a whole month word starts


@dataclass(frozen=True)
class _Vocabulary:
    digits: tuple[int, ...]  # where the runs of digits start
    months: tuple[int, ...]  # where the whole month words start
    number_word: bool
    vague_word: bool
    ordinal_word: bool = True  # "second", "first" (before "round", "day", ...)
    share_word: bool = True  # "half", "a third", "three quarters"
    span_word: bool = True  # "less than a week", "a year ago"

    @property
    def digit(self) -> bool:
        return bool(self.digits)

    @property
    def month(self) -> bool:
        return bool(self.months)


@lru_cache(maxsize=65536)
def _word_kinds(word: str) -> tuple[bool, bool, bool]:
    return (
        _WHOLE_MONTH.fullmatch(word) is not None,
        _WHOLE_NUMBER_WORD.fullmatch(word) is not None,
        _WHOLE_VAGUE_WORD.fullmatch(word) is not None,
    )


@memo.reading(maxsize=8192)  # asked once to skip a sentence, once more to read it
def _vocabulary(text: str) -> _Vocabulary:
    month = number_word = vague_word = False
    written = set(_LETTER_RUN.findall(text))
    for word in written:
        is_month, is_number, is_vague = _word_kinds(word)
        month, number_word, vague_word = month or is_month, number_word or is_number, vague_word or is_vague
    months = tuple(m.start() for m in _LETTER_RUN.finditer(text) if _word_kinds(m.group())[0]) if month else ()
    digits = tuple(m.start() for m in _DIGIT_RUN.finditer(text))
    words = {w.lower() for w in written}
    return _Vocabulary(digits, months, number_word, vague_word, not words.isdisjoint(_ORDINAL_WORDS_WHOLE),
                       not words.isdisjoint(_SHARE_WORDS_WHOLE),
                       not words.isdisjoint(_SPAN_WORDS) and _ONE_SPAN.search(text) is not None)


_ORDINAL_WORDS_WHOLE = frozenset(ORDINAL_WORDS) | {"first", "no", "number"}
_SHARE_WORDS_WHOLE = (frozenset(w for phrase in SHARE_WORDS for w in re.split(r"[\s-]", phrase))
                      - {"a", "one", "two", "three"})


def _matches_at(pattern: re.Pattern[str], text: str, starts: tuple[int, ...]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that can only match at one of ``starts``: tried
    there alone, in order, never inside the previous match."""
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match:
            yield match
            end = match.end()


# --- public ------------------------------------------------------------------------------


def find_facts(text: str, default_year: int | None = None) -> list[FoundFact]:
    """Every fact of ``text`` with its offsets, in reading order.

    ``default_year`` completes dates written without a year ("on 9 December"); such facts carry
    ``year_assumed=True``. Without it they are left out.
    """
    return [_copy(found, deep=True) for found in found_facts(text, default_year)]


def found_facts(text: str, default_year: int | None = None) -> tuple[FoundFact, ...]:
    """:func:`find_facts`, memoised: shared objects that callers must not change (copy them to
    move offsets). A claim's text is read several times per check, and a page's sentences once
    per claim that cites the page."""
    if len(text) > MEMO_MAX_CHARS:  # a whole page read once: not worth keeping
        return tuple(_find_facts(text, default_year))
    return _found_facts(text, default_year)


MEMO_MAX_CHARS = 4000  # sentences and claims; a sentence is at most passages.MAX_SENTENCE


def moved(found: FoundFact, offset: int) -> FoundFact:
    """A copy of ``found`` with its offsets moved by ``offset`` (a sentence's facts in its page)."""
    return _copy(found, shift=offset)


def _copy(found: FoundFact, deep: bool = False, shift: int = 0) -> FoundFact:
    return FoundFact(
        found.fact.model_copy(deep=True) if deep else found.fact,
        found.start + shift,
        found.end + shift,
        found.text,
        found.negated,
        found.negates,
        found.noun,
        found.year_assumed,
    )


def may_state_values(text: str) -> bool:
    """Could ``text`` hold a number, date or quantity at all (a digit, a month, a number, share or
    ordinal word)? Most sentences of a page cannot, and need no reading for the value rules."""
    vocabulary = _vocabulary(text)
    return bool(vocabulary.digits or vocabulary.months or vocabulary.number_word or vocabulary.vague_word
                or vocabulary.ordinal_word or vocabulary.share_word or vocabulary.span_word)


@memo.reading(maxsize=8192)
def _found_facts(text: str, default_year: int | None) -> tuple[FoundFact, ...]:
    return tuple(_find_facts(text, default_year))


def _find_facts(text: str, default_year: int | None) -> list[FoundFact]:
    vocabulary = _vocabulary(text)
    taken = [(match.start(), match.end()) for match in CITATION_MARK.finditer(text)]
    quotes = _find_quotes(text)
    dates = _find_dates(text, taken, default_year, vocabulary)
    values = (_find_money(text, taken) + _find_times(text, taken) + _find_ratings(text, taken)
              + _find_repeats(text, taken))
    ranges = _find_periods(text, taken) + _find_ranges(text, taken, vocabulary)
    for match in _matches_at(YEAR_ALONE, text, vocabulary.digits):  # a year starts a run of digits
        if _overlaps(match.start(), match.end(), taken):
            continue
        unit, noun, _ = _unit_after(text, match.end())
        if not _is_year(float(match.group("year")), text, match.start(), match.end(), noun, unit):
            continue
        if _LABEL_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        taken.append((match.start(), match.end()))
        year_noun = noun if noun and noun[:1].isalpha() and text[match.end() : match.end() + 1] == " " else None
        dates.append(FoundFact(DateFact(value=match.group("year")), match.start(), match.end(), match.group(),
                               noun=year_noun))  # "the 2018 prize": the year names which prize
    for match in EARLY_YEAR.finditer(text):
        if not _overlaps(match.start("year"), match.end("year"), taken):
            taken.append((match.start("year"), match.end("year")))
            dates.append(FoundFact(DateFact(value=match.group("year")), match.start("year"), match.end("year"),
                                   match.group("year")))
    if vocabulary.share_word or vocabulary.digit or vocabulary.number_word:
        values += _find_shares(text, taken)  # before ordinals: "one-third of" is a share, not a rank
    if vocabulary.digit or vocabulary.ordinal_word:
        values += _find_ordinals(text, taken)
    values += _find_dozens(text, taken)
    if vocabulary.span_word:
        values += _find_one_span(text, taken)
    counts = values + _find_counts(text, taken, vocabulary)
    entities = _find_entities(text, [(f.start, f.end) for f in dates + ranges + counts])
    facts = [found if isinstance(found.fact, (EntityFact, QuoteFact)) else _with_negation(found, text)
             for found in quotes + dates + ranges + counts + entities]
    return sorted(facts, key=lambda f: (f.start, f.end))


_PERIOD = re.compile(
    r"\b(?:(?P<part>[Ee]arly|[Mm]id|[Ll]ate)[- ])?(?:(?P<decade>(?:1[0-9]|20)\d0)['’]?s\b"
    r"|(?P<century>\d{1,2})(?:st|nd|rd|th)[- ]century\b"  # "21st Century Breakdown" is a title
    r"|(?P<word>" + "|".join(ORDINAL_WORDS) + r"|first)[- ]century\b)(?P<era>\s*(?:BCE|BC|B\.C\.))?"
)
# the bound word before a date or a period ("before 2015", "since the 1800s"): the value is a bound, not
# the time of the event
DATE_BOUND = re.compile(
    r"\b(before|after|until|till|since|by|prior to|earlier than|later than|between|from|no later than|as of|"
    r"as early as|following|ahead of|"
    r"до|после|с|по|sonra|əvvəl|qədər)\s+(?:the\s+)?(?:(?:end|beginning|start|middle) of\s+)?$",
    re.IGNORECASE,
)
_PART_OF_PERIOD = {None: (0.0, 1.0), "early": (0.0, 0.4), "mid": (0.3, 0.7), "late": (0.6, 1.0)}


def _find_periods(text: str, taken: list[tuple[int, int]]) -> list[FoundFact]:
    """ "the 1990s", "the early 2000s", "the 16th century", "the nineteenth century": the years they
    span, as a range of calendar years (a century as usage has it: the 16th is 1500–1599)."""
    found: list[FoundFact] = []
    if "0s" not in text and "0’s" not in text and "0's" not in text and "entur" not in text:
        return found
    for match in _PERIOD.finditer(text):
        if _overlaps(match.start(), match.end(), taken) or match.group("era"):
            continue  # a year before the common era is no year of the calendar this reads
        if DATE_BOUND.search(text[max(0, match.start() - 40) : match.start()]):
            taken.append((match.start(), match.end()))  # "since the 1800s": read, as no value (a bound)
            continue
        if match.group("decade"):
            first, length = int(match.group("decade")), 10
        else:
            number = int(match.group("century")) if match.group("century") else (
                1 if match.group("word").lower() == "first" else ORDINAL_WORDS[match.group("word").lower()])
            first, length = (number - 1) * 100, 100
        start_share, end_share = _PART_OF_PERIOD[match.group("part") and match.group("part").lower()]
        low, high = first + round(length * start_share), first + round(length * end_share) - 1
        taken.append((match.start(), match.end()))
        found.append(FoundFact(RangeFact(low=low, high=high, unit=CALENDAR_YEARS), match.start(), match.end(),
                               match.group()))
    return found


def _with_negation(found: FoundFact, text: str) -> FoundFact:
    negated, negates = negation_before(text, found.start)
    return replace(found, negated=negated, negates=negates)


def infer_facts(claim_text: str, default_year: int | None = None) -> list[Fact]:
    """The facts a source must state for the claim to hold, without repeats.

    Words in quotation marks become one quote fact; numbers, dates and names inside the quote are
    covered by it and not repeated. A date written without a year ("on Friday, April 24") takes
    ``default_year`` (the cited page's own year) when given, and is left out otherwise.
    """
    found = found_facts(claim_text, default_year)
    quote_spans = [(f.start, f.end) for f in found if isinstance(f.fact, QuoteFact)]
    facts: list[Fact] = []
    for item in found:
        if not isinstance(item.fact, QuoteFact) and _overlaps(item.start, item.end, quote_spans):
            continue
        if item.negated:
            continue
        if item.fact not in facts:
            facts.append(item.fact.model_copy(deep=True))
    return facts


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _plain_number(value: float) -> str:
    """2400000 → "2,400,000", 2.5 → "2.5" (``:g`` would write "2.4e+06")."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def fact_label(fact: Fact) -> str:
    """A short human rendering: "> 70", "10–20 years", "2017-01-25", "Kerim Alimardanov"."""
    if isinstance(fact, CountFact):
        op = "" if fact.op is Op.EQ else f"{fact.op.value} "
        unit = f" {fact.unit}" if fact.unit else ""
        return f"{op}{_plain_number(fact.value)}{unit}"
    if isinstance(fact, RangeFact):
        unit = f" {fact.unit}" if fact.unit else ""
        return f"{_plain_number(fact.low)}–{_plain_number(fact.high)}{unit}"
    if isinstance(fact, DateFact):
        return fact.value
    if isinstance(fact, EntityFact):
        return fact.name
    return f"“{fact.text}”"


__all__ = [
    "FoundFact", "find_facts", "found_facts", "moved", "infer_facts", "fact_label", "number_value", "negation_before",
]
