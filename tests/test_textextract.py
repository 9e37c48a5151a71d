"""extract_text: main text of real-looking pages, PDFs, plain text, any script, capped input."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewatch import textextract
from citewatch.errors import ExtractError
from citewatch.testing.fixture_web import site_html
from citewatch.textextract import detect_kind, extract_text

ARTICLE = """
<p>A court in Baku on Wednesday sentenced 18 men to prison terms of 10 to 20 years after a trial
marred by allegations of torture, lawyers for the defendants said.</p>
<p>Most of the men were arrested on 26 November 2015 in a police raid in Nardaran, a suburb of the
capital. Two police officers and seven civilians died in the raid.</p>
<p>The defendants told the court that they had been beaten and threatened in custody to force
them to confess, but the judges rejected their requests for an investigation.</p>
<script>document.write("sentenced 99 people");</script>
"""


def test_html_main_text_without_boilerplate_with_paragraphs_title_and_date():
    html = site_html("Court sentences 18 in Nardaran case", ARTICLE)
    result = extract_text(html.encode("utf-8"), "text/html; charset=utf-8", "http://127.0.0.1/news/1")
    assert result.kind == "html" and result.language == "en"
    assert result.title == "Court sentences 18 in Nardaran case"
    assert result.published == "2017-01-25"
    assert "sentenced 18 men to prison terms of 10 to 20 years" in " ".join(result.text.split())
    assert "Two police officers and seven civilians died in the raid." in " ".join(result.text.split())
    for boilerplate in ("cookies", "Accept all", "Politics", "Regional talks resume", "All rights reserved",
                        "sentenced 99", "dataLayer", "Terms of use"):
        assert boilerplate not in result.text
    paragraphs = [line for line in result.text.split("\n") if line.strip()]
    assert len(paragraphs) >= 3  # the paragraphs stay apart


def test_short_page_keeps_its_blocks_apart_and_drops_the_byline():
    html = site_html("Short", "<p>The court sentenced 18 people to prison terms on Wednesday in Baku.</p>"
                              "<p>The defendants said they had been tortured in custody.</p>")
    text = extract_text(html.encode(), "text/html", "http://127.0.0.1/s").text
    assert "The court sentenced 18 people to prison terms on Wednesday in Baku." in text.split("\n")
    assert "25 January 2017" not in text  # the byline's date stays metadata


def test_beautifulsoup_fallback_when_trafilatura_finds_nothing(monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    html = site_html("Fallback", "<p>Over 70 people were arrested in total after the special operation.</p>")
    result = extract_text(html.encode(), "text/html; charset=utf-8")
    assert "Over 70 people were arrested in total after the special operation." in result.text
    assert "cookies" not in result.text and "Oil prices steady" not in result.text
    assert "All rights reserved" not in result.text
    assert result.title == "Fallback | The Caspian Herald"


def test_russian_page_in_windows_1251_and_azerbaijani_page():
    html = site_html("Приговор по делу Нардарана",
                     "<p>25 января 2017 года суд приговорил 18 человек к срокам от 10 до 20 лет. "
                     "Подсудимые заявили о пытках во время следствия.</p>"
                     "<p>Адвокаты обжалуют приговор в апелляционном суде.</p>",
                     lang="ru", charset="windows-1251")
    result = extract_text(html.encode("cp1251"), "text/html; charset=windows-1251")
    assert "суд приговорил 18 человек" in result.text and result.language == "ru"

    az = site_html("Nardaran işi", "<p>Bakı Ağır Cinayətlər Məhkəməsi 18 nəfəri 10 ildən 20 ilədək həbs "
                                   "cəzasına məhkum edib. Məhkəmə prosesi bir ildən çox davam edib.</p>", lang="az")
    result = extract_text(az.encode("utf-8"), "text/html")  # no charset: the meta tag says utf-8
    assert "Məhkəməsi 18 nəfəri" in result.text and result.language == "az"


def test_undeclared_legacy_encoding_is_detected():
    body = ("Суд приговорил 18 человек к длительным срокам заключения. " * 5).encode("cp1251")
    result = extract_text(body, "text/plain")
    assert result.text.startswith("Суд приговорил 18 человек") and result.kind == "text"


def _pdf(tmp_path: Path, lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(__import__("datetime").datetime(2023, 1, 17, 10, 0, 0))
    pdf.set_title("Jabbarov and Others v. Azerbaijan")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_text_title_and_date(tmp_path):
    body = _pdf(tmp_path, ["DECISION", "The applicants were arrested over the Nardaran events of 26 November 2015.",
                           "The case was struck out of the list on 17 January 2023."])
    result = extract_text(body, "application/pdf", "http://127.0.0.1/decision.pdf")
    assert result.kind == "pdf"
    assert "arrested over the Nardaran events of 26 November 2015" in result.text
    assert result.title == "Jabbarov and Others v. Azerbaijan"
    assert result.published == "2023-01-17"
    assert detect_kind(body, "application/octet-stream") == "pdf"


def test_a_pdf_without_text_or_locked_by_a_password_says_so():
    from fpdf import FPDF

    scan = FPDF()
    scan.add_page()
    with pytest.raises(ExtractError, match=r"the PDF has no text layer on its 1 page \(a scan\?"):
        extract_text(bytes(scan.output()), "application/pdf")
    locked = FPDF()
    locked.set_encryption(owner_password="owner", user_password="secret")
    locked.add_page()
    locked.set_font("helvetica", size=11)
    locked.cell(0, 6, "The council met 12 times.")
    with pytest.raises(ExtractError, match="the PDF is encrypted and opens only with a password"):
        extract_text(bytes(locked.output()), "application/pdf")
    open_to_all = FPDF()  # an owner password only: readable without one
    open_to_all.set_encryption(owner_password="owner")
    open_to_all.add_page()
    open_to_all.set_font("helvetica", size=11)
    open_to_all.cell(0, 6, "The council met 12 times.")
    assert "met 12 times" in extract_text(bytes(open_to_all.output()), "application/pdf").text


def test_broken_pdf_raises_a_clear_error():
    with pytest.raises(ExtractError, match="PDF cannot be read"):
        extract_text(b"%PDF-1.7\n this is not really a pdf", "application/pdf")


def test_plain_text_passes_through_and_input_is_capped(monkeypatch):
    result = extract_text("Line one.\r\nLine two.\n\n\n\nLine three.".encode(), "text/plain; charset=utf-8")
    assert result.text == "Line one.\nLine two.\n\nLine three." and result.kind == "text"
    monkeypatch.setattr(textextract, "MAX_INPUT_BYTES", 1000)
    result = extract_text(b"a" * 5000 + b" 18 people were sentenced", "text/plain")
    assert len(result.text) == 1000 and "sentenced" not in result.text


def test_html_served_as_octet_stream_is_read_as_html():
    html = site_html("Octet", "<p>More than seventy individuals were arrested after the operation in Nardaran.</p>")
    result = extract_text(html.encode(), "application/octet-stream")
    assert result.kind == "html" and "seventy individuals were arrested" in result.text


@pytest.mark.parametrize("text, tidy", [
    ("a b\tc\u00a0d", "a b c d"),  # a tab or a no-break space alone is a space
    ("a  b \t\u00a0 c", "a b c"),  # a run of any of them is one space
    ("one \n  two\n three  \nfour", "one\ntwo\nthree\nfour"),  # no spaces around a line end
    ("a\r\nb\rc\x00d", "a\nb\ncd"),  # line ends unified, NULs dropped
    ("a\n\n\n\n b\n \n \n \nc", "a\n\nb\n\nc"),  # at most one blank line, blank lines of spaces too
    ("x\u2003a\u2003 b", "x\u2003a\u2003 b"),  # other spaces are the text's own
    ("  clean text\nalready\n\nso  ", "clean text\nalready\n\nso"),
])
def test_tidy_folds_spaces_and_blank_lines(text, tidy):
    assert textextract._tidy(text) == tidy


_METADATA_PAGES = {
    "utf-8, a wrong meta charset, JSON-LD date": (
        site_html("Суд вынес приговор — Café", ARTICLE).replace(
            "<head>", '<head><meta charset="windows-1251"><script type="application/ld+json">'
                      '{"@type": "NewsArticle", "datePublished": "2019-03-04"}</script>').encode(),
        "text/html; charset=utf-8", True),
    "comments and entities in the title": (
        site_html("Court &amp; <!-- x -->council &eacute;", ARTICLE).encode(), "text/html", True),
    "windows-1251": (site_html("Суд вынес приговор", ARTICLE).encode("cp1251"),
                     "text/html; charset=windows-1251", False),
    "broken UTF-8": (site_html("Caf\ufffd", ARTICLE).encode().replace("\ufffd".encode(), b"\xe9"),
                     "text/html; charset=utf-8", False),
    "a byte order mark": (b"\xef\xbb\xbf" + site_html("With a mark", ARTICLE).encode(), "text/html", False),
}


@pytest.mark.parametrize("name", list(_METADATA_PAGES))
def test_the_title_and_date_read_from_the_bytes_are_those_read_from_the_text(name, monkeypatch):
    from citewatch import htmltree

    body, content_type, from_bytes = _METADATA_PAGES[name]
    parsed = []
    real_document = htmltree.document
    monkeypatch.setattr(htmltree, "document", lambda text, utf8=None: parsed.append(utf8 is not None)
                        or real_document(text, utf8))
    now = extract_text(body, content_type, "http://127.0.0.1/news/1")
    assert parsed == [from_bytes]
    monkeypatch.setattr(htmltree, "utf8_as_it_is", lambda body, codec: None)  # every page from its text
    assert extract_text(body, content_type, "http://127.0.0.1/news/1") == now
    assert now.title and now.text
