"""Fetched bytes to checkable text: the main text of an HTML page, the text of a PDF, or plain text.

HTML goes through trafilatura (tuned for recall, paragraphs kept, no comments), which drops
navigation, footers, related-article lists and cookie banners; when it finds nothing, a
BeautifulSoup pass over the page minus its obvious boilerplate takes over. The page title and
publication date (htmldate via trafilatura's metadata, then ``<meta>`` tags) are kept beside the
text, never inside it, so a dateline cannot be read as the date of an event. Nothing in the page
is executed: scripts are dropped as text.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from charset_normalizer import from_bytes

from citewatch import htmltree
from citewatch.counting import counted
from citewatch.errors import ExtractError

MAX_INPUT_BYTES = 15 * 1024 * 1024
MAX_PDF_PAGES = 500
MAX_EXTRACTED_CHARS = 3_000_000  # text extracted from one page (the checker has its own cap, check.MAX_TEXT_CHARS)

log = logging.getLogger(__name__)


@dataclass
class ExtractedText:
    text: str
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD (or YYYY-MM / YYYY) when the page says
    kind: Literal["html", "pdf", "text"] = "text"
    declared_language: str | None = None  # the page's own ``<html lang>``

    @property
    def language(self) -> str | None:
        """The declared language, else one guessed from the text when asked (a run never asks:
        guessing scans the text's letters, ~1 ms for an article)."""
        return self.declared_language or guess_language(self.text)


def extract_text(body: bytes, content_type: str, url: str = "", encoding: str | None = None) -> ExtractedText:
    """The readable text of a fetched body; raises ExtractError when a PDF cannot be read."""
    body = body[:MAX_INPUT_BYTES]
    kind = detect_kind(body, content_type, url)
    if kind == "pdf":
        return _from_pdf(body)
    decoded, codec = _decoded(body, encoding or charset_of(content_type))
    if kind == "html":
        return _from_html(decoded, url, htmltree.utf8_as_it_is(body, codec))
    text = _tidy(decoded)[:MAX_EXTRACTED_CHARS]
    return ExtractedText(text=text, kind="text")


def detect_kind(body: bytes, content_type: str, url: str = "") -> Literal["html", "pdf", "text"]:
    mime = (content_type or "").split(";")[0].strip().lower()
    head = body[:1024].lstrip().lower()
    if mime == "application/pdf" or head.startswith(b"%pdf-") or (not mime and url.lower().endswith(".pdf")):
        return "pdf"
    if "html" in mime or "xml" in mime and b"<html" in head:
        return "html"
    if mime in ("", "application/octet-stream", "text/plain") and (
        head.startswith((b"<!doctype html", b"<html")) or b"<body" in body[:4096].lower()
    ):
        return "html"
    return "text"


def charset_of(content_type: str) -> str | None:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


def decode(body: bytes, encoding: str | None = None) -> str:
    """Bytes to text: the declared charset, then a ``<meta charset>``, then detection."""
    return _decoded(body, encoding)[0]


def _decoded(body: bytes, encoding: str | None = None) -> tuple[str, str | None]:
    """:func:`decode`'s text, and the charset that decoded every byte of it (None when some were
    replaced)."""
    for candidate in (encoding, _meta_charset(body)):
        if candidate:
            try:
                return body.decode(candidate), candidate
            except (LookupError, UnicodeDecodeError):
                continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:2_000_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), None
    return body.decode("utf-8", errors="replace"), None


def _meta_charset(body: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", body[:4096], re.I)
    return match.group(1).decode("ascii", "ignore") if match else None


# --- HTML --------------------------------------------------------------------------------

_BOILERPLATE_TAGS = ("script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form",
                     "iframe", "svg", "button", "select", "menu")
_BOILERPLATE_MARK = re.compile(
    r"cookie|consent|gdpr|banner|related|recommend|popular|trending|footer|navbar|\bnav\b|menu|sidebar|"
    r"share|social|comment|newsletter|subscribe|advert|\bads?\b|promo|breadcrumb",
    re.I,
)


def _from_html(html: str, url: str, utf8: bytes | None = None) -> ExtractedText:
    """``utf8``: the bytes of ``html`` when lxml may read them instead (:mod:`citewatch.htmltree`)."""
    title, published, text = None, None, ""
    try:
        import htmldate
        import trafilatura
        from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
        from trafilatura.settings import Document

        # Only the title and the date of trafilatura's metadata are used: taking them the way
        # trafilatura does (meta tags, JSON-LD, then the page) costs a third of with_metadata=True,
        # which also looks for authors, licenses and categories on every page.
        document = trafilatura.bare_extraction(
            html,
            url=url or None,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
        )
        if isinstance(document, Document):  # (None when nothing was found; a dict only with as_dict=True)
            text = (document.text or "").strip()
            tree = htmltree.document(html, utf8)
            meta = examine_meta(tree)
            try:
                meta = extract_meta_json(tree, meta)
            except Exception:  # noqa: BLE001 - trafilatura guards this call the same way
                pass
            title = meta.title or extract_title(tree) or None
            published = htmldate.find_date(tree, url=url or None, original_date=True,
                                           extensive_search=False) or None
    except Exception as exc:  # a parser failure must not lose the page: the fallback reads it
        log.debug("trafilatura failed on %s: %s", url, exc)
    soup = None
    if not text or title is None or published is None or _paragraphs_lost(text):
        soup = _soup(html)
        title = title or _soup_title(soup)
        published = published or _meta_date(soup)
    if not text:
        text = _soup_text(soup)
    elif _paragraphs_lost(text):
        text = _with_paragraphs(text, _soup_text(soup))
    text = _tidy(text)[:MAX_EXTRACTED_CHARS]
    return ExtractedText(
        text=text,
        title=title,
        published=_partial_date(published),
        kind="html",
        declared_language=_html_language(html),
    )


def _paragraphs_lost(text: str) -> bool:
    """trafilatura's fallback on short pages runs the article's blocks into one line; the checker
    needs them apart (a byline glued to the first sentence would lend it its date)."""
    return "\n" not in text and len(text) > 150


def _with_paragraphs(flat: str, blocks: str) -> str:
    """The block-structured text, when it is the same text: no words trafilatura left out as
    boilerplate, and most of its words (a byline outside the blocks may go)."""
    if "\n" not in blocks or len(blocks) > 1.5 * len(flat) + 200:
        return flat
    flat_words, block_words = set(flat.lower().split()), set(blocks.lower().split())
    if not flat_words or not block_words:
        return flat
    if len(block_words - flat_words) / len(block_words) > 0.1 or len(flat_words & block_words) / len(flat_words) < 0.6:
        return flat
    return blocks


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "lxml")


def _soup_title(soup) -> str | None:
    if soup.title and soup.title.string:
        return soup.title.string.strip() or None
    heading = soup.find("h1")
    return heading.get_text(" ", strip=True) if heading else None


def _meta_date(soup) -> str | None:
    for attrs in (
        {"property": "article:published_time"},
        {"name": "date"},
        {"name": "pubdate"},
        {"itemprop": "datePublished"},
        {"name": "DC.date.issued"},
    ):
        tag = soup.find("meta", attrs=attrs)
        if tag and tag.get("content"):
            return tag["content"]
    time_tag = soup.find("time", attrs={"datetime": True})
    return time_tag["datetime"] if time_tag else None


def _soup_text(soup) -> str:
    for tag in soup.find_all(_BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.attrs is None:
            continue
        marks = " ".join([tag.get("id") or "", *(tag.get("class") or []), tag.get("role") or ""])
        if marks.strip() and _BOILERPLATE_MARK.search(marks) and tag.name not in ("body", "html", "main", "article"):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = []
    for block in root.find_all(["p", "h1", "h2", "h3", "h4", "li", "td", "blockquote", "pre"]):
        words = block.get_text(" ", strip=True)
        if words:
            blocks.append(words)
    return "\n".join(blocks) if blocks else root.get_text("\n", strip=True)


def _html_language(html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", html[:4096], re.I)
    return match.group(1).lower() if match else None


def _partial_date(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value.strip())
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


# --- PDF ---------------------------------------------------------------------------------


def _from_pdf(body: bytes) -> ExtractedText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):  # most open without one (an owner password)
            raise ExtractError("the PDF is encrypted and opens only with a password; check the copy in "
                               "the archive by hand, or cite a copy that is not locked")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
        metadata: Mapping[str, Any] = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as exc:
        raise ExtractError(f"the PDF cannot be read ({exc}); check the copy in the archive by hand") from exc
    text = _tidy("\n\n".join(pages))[:MAX_EXTRACTED_CHARS]
    if not text.strip():
        raise ExtractError(f"the PDF has no text layer on its {counted(len(pages), 'page')} (a scan? its "
                           "pages are images); check the copy in the archive by hand, or cite a copy with text")
    title = metadata.get("/Title") if hasattr(metadata, "get") else None
    created = metadata.get("/CreationDate") if hasattr(metadata, "get") else None
    published = None
    if created:
        match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", str(created))
        if match:
            published = "-".join(part for part in match.groups() if part)
    return ExtractedText(
        text=text, title=str(title) if title else None, published=published, kind="pdf"
    )


# --- common ------------------------------------------------------------------------------


# what _tidy changes; each pattern runs only over a text that has something for it to change (a
# regex scan of an article costs ~0.1 ms, a substring test a hundredth of that)
_SPACE_RUNS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # to one space (a single space stays)
_SPACES_AT_LINE_ENDS = re.compile(r" +\n *|\n +")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Line endings unified, runs of spaces folded, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACE_RUNS.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACES_AT_LINE_ENDS.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def guess_language(text: str) -> str | None:
    """"ru", "az" or "en" from the script and a few letters; None when there is too little text."""
    sample = text[:20000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 20:
        return None
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)
    if cyrillic > 0.3:
        return "ru"
    azerbaijani = sum(c in "əƏğĞıİşŞçÇöÖüÜ" for c in letters) / len(letters)
    if azerbaijani > 0.01 and "ə" in sample.lower():
        return "az"
    if sum(c.isascii() for c in letters) / len(letters) > 0.95:
        return "en"
    return None
