"""The checker's memory of texts it has read: one owner for every memo cache of a reading.

Pages, sentences, claims and names are read once and the reading shared (sentence splits, stems,
facts found, name keys): a page cited by many claims is read once, as in a run. ``clear()``
forgets them all, for benchmarks that measure a page read for the first time. Caches of single
words (``normalize.stem``) and of the data tables shipped with citewatch (WordNet's antonyms and
senses) are not readings and stay: they are the same for every page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_READINGS: list[Any] = []


def reading(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache(maxsize)`` for a function that reads a text; ``clear()`` forgets it."""

    def remember(function: F) -> F:
        cached = lru_cache(maxsize=maxsize)(function)
        _READINGS.append(cached)
        return cached  # type: ignore[return-value]  # lru_cache keeps the call signature

    return remember


def clear() -> None:
    """Forget every text read so far."""
    for cached in _READINGS:
        cached.cache_clear()
