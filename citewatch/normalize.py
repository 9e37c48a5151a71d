"""Text normalisation shared by fact finding and checking: folded names, quotes, word stems.

Everything here maps text to comparison keys; none of it changes what is shown to a reader.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from unidecode import unidecode

# Azerbaijani letters unidecode renders badly (ə → "@") or that have common Latin spellings.
_AZ_LATIN = str.maketrans({"ə": "a", "Ə": "A", "ı": "i", "İ": "I"})

# Spelling variants of transliterated Azerbaijani/Russian names, applied to folded lowercase words.
_TRANSLIT_VARIANTS = (
    (re.compile(r"kh"), "x"),
    (re.compile(r"q"), "g"),
    (re.compile(r"dzh|dj"), "c"),
    (re.compile(r"(?<=[aeiou])yy"), "y"),
    (re.compile(r"iy\b"), "i"),
    (re.compile(r"eh\b"), "e"),
    (re.compile(r"sh"), "s"),  # ş: Elşən / Elshan / Elsen
    (re.compile(r"ch"), "c"),
    (re.compile(r"zh"), "j"),
    (re.compile(r"e"), "a"),  # ə is written a or e: Kərim / Karim / Kerim, Xəzər / Xezer / Khazar
)

QUOTE_MARKS = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "`": "'",
    }
)

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def fold(text: str) -> str:
    """Lowercase ASCII rendering of any script: "Bağırzadə" → "bagirzade", "Алимарданов" → "alimardanov"."""
    return unidecode(text.translate(_AZ_LATIN)).lower()


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """Comparison key of one word of a name, tolerant of transliteration variants."""
    key = re.sub(r"[^a-z0-9]", "", fold(word))
    for pattern, replacement in _TRANSLIT_VARIANTS:
        key = pattern.sub(replacement, key)
    return key


def name_keys(name: str) -> list[str]:
    return [k for k in (name_key(w) for w in WORD.findall(name)) if k]


def normalize_quotes(text: str) -> str:
    return text.translate(QUOTE_MARKS)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Quote marks unified, whitespace runs collapsed, case folded; with a map back to ``text``.

    ``positions[i]`` is the offset in ``text`` of character ``i`` of the result, so a match found
    in the normalised text can be shown at its place in the original.
    """
    out: list[str] = []
    positions: list[int] = []
    previous_space = True
    for index, char in enumerate(text):
        if char.isspace() or unicodedata.category(char) == "Cf":
            if not previous_space:
                out.append(" ")
                positions.append(index)
            previous_space = True
            continue
        previous_space = False
        folded = char.translate(QUOTE_MARKS).casefold()
        for piece in folded:
            out.append(piece)
            positions.append(index)
    while out and out[-1] == " ":
        out.pop()
        positions.pop()
    return "".join(out), positions


def normalize_quote_text(text: str) -> str:
    normalised, _ = normalize_with_map(text.strip().strip("\"'“”«»„"))
    return normalised


_ENGLISH_SUFFIXES = ("ations", "ation", "ings", "ing", "ments", "ment", "ions", "ion", "ies", "ed", "es", "s", "e")

# Words that mean the same event (or thing) for the purpose of finding the passage about it.
# The first member names the group; members are prefixes of folded words (any script).
SYNONYM_GROUPS = (
    ("arrest", "detain", "detent", "apprehe", "custod", "арест", "задер", "saxla", "tutul"),
    ("sentenc", "convict", "jail", "impris", "prison", "verdict", "приго", "осужд", "hokm", "mahkum",
     "cazas"),
    ("kill", "dead", "death", "died", "dies", "dying", "fatal", "homicid", "погиб", "убит", "смерт", "olduy", "oldur",
     "olum", "halak"),
    ("sanction", "designat", "санкц", "sanksiya"),
    ("found", "establish", "creat", "основ", "созда", "yarad", "tasis"),
    ("tortur", "mistreat", "ill-treat", "пытк", "isgan", "ishgan"),
    ("operat", "raid", "assault", "storm", "crackdown", "спецо", "опера", "штурм", "amaliyy"),
    ("wound", "injur", "hurt", "ранен", "ранил", "yaralan"),
    ("court", "tribun", "суд", "mahkama"),
    ("police", "polis", "полиц", "officer"),
    ("covid", "coronav"),  # COVID-19 and the coronavirus, as reports use both
    ("movie", "film"),
    ("confirm", "regist", "recorded"),  # cases "confirmed", "registered", "recorded"
    ("global", "worldw"),
    ("earn", "gross"),
)


@lru_cache(maxsize=1)
def _irregular_forms() -> dict[str, str]:
    """WordNet's irregular forms ("saw" and "seen" are "see", "sold" is "sell"), ``data/irregular.tsv``."""
    text = resources.files("citewatch").joinpath("data", "irregular.tsv").read_text(encoding="utf-8")
    return dict(line.split("\t") for line in text.splitlines())


@lru_cache(maxsize=1)
def past_forms() -> frozenset[str]:
    """The irregular forms WordNet lists ("won", "sold", "held"), as words."""
    return frozenset(_irregular_forms())


# outcomes, not settings
EVENT_GROUPS = frozenset(("arrest", "sentenc", "kill", "wound", "sanction", "found", "tortur"))
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f\u0259\u018f'’-]+$")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, language-agnostic stem: English suffixes dropped, then a fixed-length prefix.

    Latin-script words are folded first (Azerbaijani "məhkum" → "mahkum") and irregular forms
    taken back to their word ("saw" → "see"); other scripts keep
    their letters and are cut shorter. Good enough to match "arrested"/"arrests"/"arrest" or
    "арестованы"/"арест"; the synonym groups catch the rest ("detained" ≈ "arrested").
    """
    latin = bool(_LATIN.match(word))
    w = fold(word) if latin else word.lower()
    w = _irregular_forms().get(w, w)
    if w == "found":
        return "find"  # "was found", "can be found": finding, not founding ("founded" keeps its group)
    if latin:
        for suffix in _ENGLISH_SUFFIXES:
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        w = w[:7]
    else:
        w = w[:5]
    group = _synonym_group(w)
    if group is not None:
        return group
    return w[:6] if latin else w


def _synonym_group(w: str) -> str | None:
    """The name of the first synonym group with a member that ``w`` starts with, or (from four
    letters) that starts with ``w``: the members in their order, looked up by prefix instead of tried
    one by one (``stem`` runs for every new word of a page)."""
    member_of, prefix_of = _member_tables()
    ranks = [member_of[w[:end]] for end in range(1, len(w) + 1) if w[:end] in member_of]
    if len(w) >= 4 and w in prefix_of:
        ranks.append(prefix_of[w])
    return SYNONYM_GROUPS[min(ranks)[0]][0] if ranks else None


@lru_cache(maxsize=1)
def _member_tables() -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(member → its (group, place) rank, each prefix of a member → the best rank of the members it begins)."""
    member_of: dict[str, tuple[int, int]] = {}
    prefix_of: dict[str, tuple[int, int]] = {}
    for group_index, group in enumerate(SYNONYM_GROUPS):
        for place, member in enumerate(group):
            rank = (group_index, place)
            member_of[member] = min(member_of.get(member, rank), rank)
            for end in range(1, len(member) + 1):
                prefix_of[member[:end]] = min(prefix_of.get(member[:end], rank), rank)
    return member_of, prefix_of


STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into onto over under about after
    before during since until than then that this these those which who whom whose what when where
    why how is are was were be been being has have had do does did not no nor so such its it their
    they them he she his her him we our you your i me my also both each either neither other others
    some any all most more many much few several can could may might must shall should will would
    there here up down out off per via among between against within without through including
    according said says say told reported reportedly while whereas however although though just only
    very same one two three four five six seven eight nine ten new first last
    и в во не на с со по к ко о об от до за из у же ли что как так это этот эта эти был была были
    быть его ее их она он они мы вы а но или также более менее
    və ilə bu o bir də ki üçün olan olub isə kimi""".split()
)


@lru_cache(maxsize=131072)
def _worth_matching(word: str) -> bool:
    return not (word.isdigit() or len(word) < 2 or word.lower() in STOPWORDS or fold(word) in STOPWORDS)


@lru_cache(maxsize=131072)
def _content_stem(word: str) -> str | None:
    return stem(word) if _worth_matching(word) else None


def content_stems(text: str) -> list[str]:
    """The stems of :func:`content_words`, in order (no offsets: cheaper)."""
    return [s for s in map(_content_stem, WORD.findall(text)) if s is not None]


def content_words(text: str) -> list[tuple[str, int, int]]:
    """Words worth matching (no stopwords, no numbers), with their offsets."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text) if _worth_matching(m.group())]
