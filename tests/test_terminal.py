"""Text from pages and registries reaches the terminal without its control characters."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app
from flows.terminal import printable

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\u202e"


def test_printable_replaces_controls_and_bidi_overrides_one_for_one():
    text = f"Title{ESCAPES} end\tand\nnext"
    shown = printable(text)
    assert len(shown) == len(text)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.startswith("Title\ufffd]0;pwned\ufffd\ufffd[2J") and shown.endswith(" end\tand\nnext")


def test_check_prints_a_page_passage_without_its_escape_codes(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(f"{ESCAPES}More than seventy people were arrested in Nardaran.{ESCAPES}", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--claim", "More than seventy people were arrested",
                                      "--text-file", str(page)])
    assert result.exit_code == 0, result.output
    assert "More than seventy people were arrested in" in result.output
    assert "\x1b]" not in result.output and "\x07" not in result.output and "\u202e" not in result.output


def test_validate_prints_document_text_in_a_problem_without_escape_codes(tmp_path):
    (tmp_path / "doc.txt").write_text(f"The council met.{ESCAPES} It approved a budget.\n", encoding="utf-8")
    registry = tmp_path / "doc.yaml"
    registry.write_text(f'document:\n  id: doc\n  title: Doc\n  text: doc.txt\nclaims:\n'
                        f'  - id: a\n    text: "The council met.\\e]0;pwned\\a\\e[2J\\e[1A It approved a loan."\n'
                        f'    sources: []\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(registry)])
    assert result.exit_code == 2
    assert "not found in the document" in result.output and "\x1b" not in result.output
    assert "met.\ufffd]0;pwned" in result.output  # the excerpt of the document, shown inert
