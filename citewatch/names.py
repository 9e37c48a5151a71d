"""Finding a name in text across scripts and spellings (Bağırzadə / Bagirzade / Багирзаде).

A name is found when its distinctive words appear, folded, as a run of words in the text: the last
word of a person's name is enough ("Alimardanov" finds "Kerim Alimardanov"), and an initial between its
words is skipped ("Carissa F. Etienne"); for longer names of
organisations at least half of the words, including the last, must appear together ("State
Department" finds "United States State Department").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from citewatch import memo
from citewatch.normalize import WORD, name_key

_GENERIC = frozenset(
    "the of and for court department ministry office committee movement group union party state "
    "states national international republic service".split()
)


class _TextKeys(NamedTuple):
    keys: tuple[tuple[str, int, int], ...]  # (folded word, start, end)
    by_length: dict[int, frozenset[str]]


@memo.reading(maxsize=8192)  # a sentence is searched for each of the claim's names, twice per check
def _text_keys(text: str) -> _TextKeys:
    keys = tuple((name_key(m.group()), m.start(), m.end()) for m in WORD.finditer(text))
    by_length: dict[int, set[str]] = {}
    for key, _, _ in keys:
        by_length.setdefault(len(key), set()).add(key)
    return _TextKeys(keys, {length: frozenset(found) for length, found in by_length.items()})


@memo.reading(maxsize=4096)
def _spelling_keys(spelling: str) -> tuple[str, ...]:
    return tuple(k for k in (name_key(m.group()) for m in WORD.finditer(spelling)) if k)


def _may_hold(text_keys: _TextKeys, word: str) -> bool:
    """Is ``word`` (or a spelling one letter off) among the text's words? A quick test before the
    search for a name's run of words, which most sentences fail."""
    by_length = text_keys.by_length
    if word in by_length.get(len(word), ()):
        return True
    if len(word) < 6:
        return False
    return any(_close(key, word)
               for length in (len(word) - 1, len(word), len(word) + 1) for key in by_length.get(length, ()))


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 7 or abs(len(a) - len(b)) > 1:
        return False
    # one edit apart, for long words only: "Alimardanov" / "Alimerdanov"
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def find_name(name: str, text: str, aliases: list[str] | tuple[str, ...] = ()) -> tuple[int, int] | None:
    """Offsets of the first mention of ``name`` (or an alias) in ``text``, or None."""
    return _find_name(name, text, tuple(aliases))


_COUNTRY_PREFIX = re.compile(r"^(?:the\s+)?(?:United States|U\.\s?S\.|US|American)\s+(?=\w)", re.IGNORECASE)
_HEAD_LAST = re.compile(r"^(?P<what>.+?)\s+(?P<head>Department|Ministry|Agency|Commission)$", re.IGNORECASE)
_HEAD_FIRST = re.compile(
    r"^(?P<head>Department|Ministry|Agency|Commission)\s+of\s+(?:the\s+)?(?P<what>.+)$", re.IGNORECASE
)


@memo.reading(maxsize=4096)
def name_variants(name: str) -> tuple[str, ...]:
    """Other ways a page writes an institution's name: without its country ("United States State
    Department" → "State Department") and with its head word first or last ("State Department" ↔
    "Department of State")."""
    variants = []
    bare = _COUNTRY_PREFIX.sub("", name)
    for spelling in (bare,):
        last, first = _HEAD_LAST.match(spelling), _HEAD_FIRST.match(spelling)
        if last:
            variants.append(f"{last.group('head')} of {last.group('what')}")
        if first:
            variants.append(f"{first.group('what')} {first.group('head')}")
    if bare != name:
        variants.append(bare)
    variants.extend(_SAME_THING.get(name.lower(), ()))
    return tuple(v for v in dict.fromkeys(variants) if v != name)


# Names reports use for one thing, each written in lower case on many pages
_SAME_THING = {"covid": ("coronavirus",), "covid-19": ("coronavirus",), "sars-cov-2": ("coronavirus",)}


@memo.reading(maxsize=16384)
def _find_name(name: str, text: str, aliases: tuple[str, ...]) -> tuple[int, int] | None:
    text_keys = _text_keys(text)
    for spelling in (name, *aliases, *name_variants(name)):
        span = _find_spelling(spelling, text_keys)
        if span:
            return span
    return None


def _find_spelling(spelling: str, text_keys: _TextKeys) -> tuple[int, int] | None:
    wanted = _spelling_keys(spelling)
    if not wanted:
        return None
    if len(wanted) > 1:
        span = _written_as_one_word(wanted, text_keys)
        if span:
            return span
    if not _may_hold(text_keys, wanted[-1]):  # every other way of finding a name needs its last word
        return None
    keys = text_keys.keys
    if len(wanted) == 1:
        return next(((s, e) for k, s, e in keys if _close(k, wanted[0]) or (len(k) <= 6 and k == wanted[0])), None)
    # the text's words, then the same without one-letter words: "Carissa F. Etienne" is "Carissa Etienne"
    runs = (keys, tuple(key for key in keys if len(key[0]) > 1)) if any(len(k) == 1 for k, _, _ in keys) else (keys,)
    # the whole name in a row
    for words in runs:
        span = _run(words, wanted)
        if span:
            return span
    last = wanted[-1]
    if len(wanted) <= 3 and last not in _GENERIC and len(last) >= 4:
        # a person: the surname alone
        return next(((s, e) for k, s, e in keys if _close(k, last)), None)
    # an organisation: a run of at least half the words ending with the last one
    need = max(2, (len(wanted) + 1) // 2)
    for size in range(len(wanted) - 1, need - 1, -1):
        for words in runs:
            span = _run(words, wanted[-size:])
            if span:
                return span
    return None


def _written_as_one_word(wanted: tuple[str, ...], text_keys: _TextKeys) -> tuple[int, int] | None:
    """ "Century Link" written "CenturyLink"."""
    joined = "".join(wanted)
    if joined in text_keys.by_length.get(len(joined), ()):
        return next((s, e) for k, s, e in text_keys.keys if k == joined)
    return None


def written_as_one_word(name: str, written: str) -> bool:
    """Is ``written`` the name ``name`` with its words joined ("CenturyLink" for "Century Link")?"""
    words = _spelling_keys(name)
    return len(words) > 1 and _spelling_keys(written) == ("".join(words),)


def _run(keys: tuple[tuple[str, int, int], ...], wanted: tuple[str, ...]) -> tuple[int, int] | None:
    """Where ``wanted`` stands word for word in ``keys``."""
    size = len(wanted)
    for i in range(len(keys) - size + 1):
        if all(_close(keys[i + j][0], wanted[j]) for j in range(size)):
            return keys[i][1], keys[i + size - 1][2]
    return None
