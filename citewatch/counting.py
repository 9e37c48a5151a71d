"""Counts in words for messages: "1 claim", "2 claims", never "1 claims" or "claim(s)"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` with ``noun`` in the singular for exactly one, else in the plural (``noun + "s"``
    unless ``plural`` is given)."""
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"
