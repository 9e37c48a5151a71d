"""Which charset a text body is in: the header, then the document's meta tag, then detection.

A declared charset is believed only if the body decodes with it: servers that announce UTF-8 for
a windows-1251 page exist, and so do servers that announce ISO-8859-1 by default for a UTF-8 page.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
# UTF-32's before UTF-16's: FF FE 00 00 also starts with the UTF-16 little-endian mark
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# where the zero bytes of mostly-ASCII text fall, by offset within each group of 4 bytes
_WIDE = [("utf-32-le", (False, True, True, True)), ("utf-32-be", (True, True, True, False)),
         ("utf-16-le", (False, True, False, True)), ("utf-16-be", (True, False, True, False))]
_LATIN1_DEFAULTS = {"latin-1", "iso8859-1", "cp1252"}
_TEXT_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "application/javascript",
               "application/rss", "application/atom", "application/ld+json")


def is_text_type(content_type: str, body: bytes = b"") -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if media:
        return media.startswith(_TEXT_TYPES) or media.endswith(("+xml", "+json"))
    return body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html", b"<?xml"))


def charset_from_content_type(content_type: str) -> str | None:
    match = _CT_CHARSET.search(content_type or "")
    return _normalise(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    match = _META.search(body[:8192])
    return _normalise(match.group(1).decode("ascii", "ignore")) if match else None


def detect_encoding(content_type: str, body: bytes) -> str | None:
    """The charset of ``body`` (a Python codec name such as ``utf-8`` or ``cp1251``), or ``None``
    when the body is not text."""
    if not is_text_type(content_type, body):
        return None
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    wide = _wide_without_bom(body)
    for declared in (charset_from_content_type(content_type), charset_from_meta(body)):
        if declared in ("utf-16", "utf-32"):  # without a BOM (checked above) the codec cannot start
            declared = wide if wide and wide.startswith(declared) else None
        if declared and _decodes(body, declared):
            if declared in _LATIN1_DEFAULTS and not body.isascii() and _decodes(body, "utf-8"):
                return "utf-8"  # a server default of ISO-8859-1 in front of a UTF-8 page
            return declared
    if wide:
        return wide
    if body.isascii():
        return "ascii" if body else "utf-8"
    if _decodes(body, "utf-8"):
        return "utf-8"
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    return _normalise(best.encoding) if best is not None else "utf-8"


def decode(body: bytes, encoding: str | None) -> str:
    return body.decode(encoding or "utf-8", errors="replace")


def _normalise(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _wide_without_bom(body: bytes) -> str | None:
    """UTF-16 or UTF-32 (with its byte order) when the zero bytes of ``body`` fall where those of
    mostly-ASCII text (HTML markup is) would in it; None otherwise."""
    sample = body[:4096]
    groups = len(sample) // 4
    if groups < 4 or b"\0" not in sample:
        return None
    zeros = [sum(1 for i in range(offset, groups * 4, 4) if sample[i] == 0) / groups for offset in range(4)]
    for name, pattern in _WIDE:
        if all((share > 0.7) if zero else (share < 0.3) for share, zero in zip(zeros, pattern)):
            return name if _decodes(body, name) else None
    return None


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        # not final: a body cut at the size limit may end inside a multi-byte character
        codecs.getincrementaldecoder(encoding)("strict").decode(body, final=False)
        return True
    except (UnicodeError, LookupError):  # UnicodeError: "UTF-16 stream does not start with BOM"
        return False
