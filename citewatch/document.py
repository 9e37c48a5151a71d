"""The document format: title, headings, an infobox, paragraphs and lists, split into sentences.

The native format is the one of ``claims/nardaran-case.txt``::

    = Title =
    Infobox
    - Key: Value
    == Section ==
    === Subsection ===
    Paragraph text, one or more lines.
    - list item

Markdown headings (``#``, ``##``, ``###``) and plain text (paragraphs only) work too. Every piece
keeps its offsets into the original text, so ``text[start:end]`` is always the verbatim span.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from citewatch.errors import DocumentError
from citewatch.normalize import normalize_quotes

# --- matching claim text against the document ---------------------------------------------

_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Text as compared with claims: Unicode NFC, straight quotes, runs of whitespace as one space."""
    text = normalize_quotes(unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).strip()


@functools.lru_cache(maxsize=8)
def _normalized_document(document_text: str) -> str:
    # A registry checks every claim against the same document: normalise it once, not per claim.
    return normalize_text(document_text)


def contains_text(document_text: str, span: str) -> bool:
    """Whether ``span`` occurs in the document once whitespace and quote styles are normalised."""
    needle = normalize_text(span)
    return bool(needle) and needle in _normalized_document(document_text)


def longest_matching_prefix(document_text: str, span: str) -> str:
    """The longest word-prefix of ``span`` found in the document (for "it differs after ..." hints)."""
    haystack = _normalized_document(document_text)
    words = normalize_text(span).split(" ")
    low, high = 0, len(words)
    while low < high:  # binary search: a prefix that occurs implies all shorter ones occur
        mid = (low + high + 1) // 2
        if " ".join(words[:mid]) in haystack:
            low = mid
        else:
            high = mid - 1
    return " ".join(words[:low])


# --- sentences -----------------------------------------------------------------------------

ABBREVIATIONS = frozenset(
    """no nos nr mr mrs ms dr st jr sr vs v e.g i.e inc ltd co corp gen col lt sgt capt maj prof
    rev gov sen rep pres jan feb mar apr jun jul aug sep sept oct nov dec art arts vol vols p pp
    para cf approx ca fig figs ed eds est dept univ mt ft op cit al""".split()
)
_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_OPENERS = "\"'“‘([«"


def _is_boundary(text: str, match: re.Match) -> bool:
    rest = text[match.end():]
    nxt = rest.lstrip(_OPENERS)[:1]
    if not nxt or not (nxt.isupper() or nxt.isdigit()):
        return False
    if not match.group().startswith(".") or match.group().startswith(".."):
        return True
    before = _WORD_BEFORE.search(text, 0, match.start())
    if not before:
        return True
    word = before.group(1)
    if word.lower() in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # "U.S.", "e.g."
        return False
    return True


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, shifted by ``offset``; spaces trimmed."""
    spans, start = [], 0
    for match in _END.finditer(text):
        if _is_boundary(text, match):
            end = match.end() - (len(match.group()) - len(match.group().rstrip()))
            spans.append((start, end))
            start = match.end()
    spans.append((start, len(text)))
    result = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            result.append((s + offset, e + offset))
    return result


# --- structure -----------------------------------------------------------------------------

BlockKind = Literal["paragraph", "list_item", "infobox"]


@dataclass(frozen=True)
class Heading:
    title: str
    level: int  # 1 = document title, 2 = section, 3 = subsection, ...
    start: int


@dataclass(frozen=True)
class InfoboxRow:
    key: str
    value: str
    start: int  # span of "Key: Value" (without the list marker)
    end: int


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    start: int
    end: int
    section: str | None  # title of the innermost heading above it; None in the lead


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim: document_text[start:end]
    start: int
    end: int
    section: str | None
    kind: BlockKind


@dataclass
class ParsedDocument:
    text: str
    title: str | None = None
    headings: list[Heading] = field(default_factory=list)
    infobox: list[InfoboxRow] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence of paragraphs and list items, and every infobox row, in document order."""
        out: list[Sentence] = []
        for block in self.blocks:
            if block.kind == "infobox":
                spans = [(block.start, block.end)]
            else:
                spans = split_sentences(self.text[block.start:block.end], block.start)
            out.extend(Sentence(self.text[s:e], s, e, block.section, block.kind) for s, e in spans)
        return out


_WIKI_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_INFOBOX_START = re.compile(r"^\s*\{*\s*infobox\b[^:]*:?\s*$", re.I)
_LIST_ITEM = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)(\S.*?)\s*$")
_INFOBOX_ROW = re.compile(r"^(\s*[-*•|]\s*)([^:]+?)\s*:\s*(.*?)\s*$")


def _heading(line: str) -> tuple[int, str] | None:
    match = _WIKI_HEADING.match(line) or _MD_HEADING.match(line)
    return (len(match.group(1)), match.group(2)) if match else None


def parse_document(text: str) -> ParsedDocument:
    """Split a document into title, headings, infobox rows and blocks, keeping offsets."""
    doc = ParsedDocument(text=text)
    section: str | None = None
    paragraph: list[tuple[int, int]] = []  # (start, end) of the current paragraph's lines
    in_infobox = False

    def flush() -> None:
        if paragraph:
            doc.blocks.append(Block("paragraph", paragraph[0][0], paragraph[-1][1], section))
            paragraph.clear()

    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start, offset = offset, offset + len(raw)
        stripped = line.strip()
        lead = len(line) - len(line.lstrip())
        if in_infobox:
            row = _INFOBOX_ROW.match(line)
            if row and stripped:
                key_start = start + row.end(1)
                doc.infobox.append(InfoboxRow(row.group(2), row.group(3), key_start, start + len(line.rstrip())))
                doc.blocks.append(Block("infobox", key_start, start + len(line.rstrip()), "Infobox"))
                continue
            in_infobox = False
        if not stripped:
            flush()
            continue
        heading = _heading(line)
        if heading:
            flush()
            level, title = heading
            doc.headings.append(Heading(title, level, start))
            if level == 1 and doc.title is None:
                doc.title = title
            else:
                section = title
            continue
        if _INFOBOX_START.match(line):
            flush()
            in_infobox = True
            continue
        item = _LIST_ITEM.match(line)
        if item:
            flush()
            doc.blocks.append(Block("list_item", start + item.start(2), start + item.end(2), section))
            continue
        paragraph.append((start + lead, start + len(line.rstrip())))
    flush()
    return doc


def read_document(path: str | Path) -> ParsedDocument:
    """Read and parse a document file (UTF-8); a clear :class:`DocumentError` when it can't be read
    or is not a document (a registry, a data file, an HTML page, a binary file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such document file; check the path") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}: a folder, not a document file; name the document's .txt file") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror})") from None
    refusal = not_a_document(path, text)
    if refusal:
        raise DocumentError(f"{path}: {refusal}; nothing was proposed")
    return parse_document(text)


_REGISTRY_TOP = re.compile(r"^(?:document|claims):", re.M)
_REGISTRY_DOCUMENT = re.compile(r"^document:[ \t]*\n(?:[ \t]+.*\n)*?"
                                r"[ \t]+text:[ \t]*['\"]?([^'\"\n#]+?)['\"]?[ \t]*$", re.M)
_DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl", ".csv", ".tsv", ".xml"})


def not_a_document(path: Path, text: str) -> str | None:
    """Why ``text`` (read from ``path``) is not a document to propose claims from, or None."""
    if _REGISTRY_TOP.search(text) and path.suffix.lower() in (".yaml", ".yml", ""):
        named = _REGISTRY_DOCUMENT.search(text)
        target = f"{path.parent / named.group(1).strip()}" if named else "the document it names under document.text"
        return (f"this is a claims registry, not a document; give the document ({target}) and the "
                f"registry with -o: citewatch extract {target} -o {path}")
    if path.suffix.lower() in _DATA_SUFFIXES:
        return (f"a {path.suffix.lower()[1:].upper()} data file, not a document; give the document's "
                "text (.txt or .md: title, headings, paragraphs)")
    if "\x00" in text:
        return "a binary file, not a text document; give the document's text (.txt or .md)"
    if re.match(r"\s*<(?:!doctype\s+html|html)\b", text, re.I):
        return ("an HTML page, not a document in citewatch's format; save its text as .txt "
                "(title, headings, paragraphs) and give that")
    return None
