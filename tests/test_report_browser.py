"""The HTML report in a real headless Chromium (Debian's ``chromium``): it loads offline without
errors or network requests, the verdict filter hides and shows claims, and markup in a page title
shows as text. Also renders the screenshot used in docs/ (set CITEWATCH_UPDATE_SCREENSHOT=1 to
write it to docs/report-screenshot.png)."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from report_samples import HOSTILE_TITLE, sample_report
from system_tools import need_system_tool

from citewatch.report import write_reports

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "report-screenshot.png"


@pytest.fixture(scope="module")
def browser():
    need_system_tool(Path(CHROMIUM).exists(), f"a headless browser ({CHROMIUM})",
                     "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page that records console errors, page errors, dialogs and every request."""

    def __init__(self, browser, viewport=None):
        self.context = browser.new_context(viewport=viewport or {"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: Path):
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def report_file(tmp_path):
    return write_reports(sample_report(title='Nardaran <script>alert("t")</script><i>case</i>'),
                         tmp_path).latest_html


@pytest.fixture
def watched(browser):
    w = Watched(browser)
    yield w
    w.close()


def visible_claims(page) -> list[str]:
    return page.eval_on_selector_all("article.claim", "els => els.filter(e => e.offsetParent !== null).map(e => e.id)")


def test_the_report_loads_offline_without_errors_or_requests(watched, report_file):
    page = watched.open(report_file)
    assert watched.errors == []
    assert watched.requests == [report_file.resolve().as_uri()]
    assert page.locator("article.claim").count() == 5
    assert page.locator("#filter-status").inner_text() == "Showing all 5 claims"


def test_the_verdict_filter_hides_and_shows_claims(watched, report_file):
    page = watched.open(report_file)
    all_claims = visible_claims(page)
    assert len(all_claims) == 5
    page.click("button[data-filter=contradicted]")
    assert visible_claims(page) == ["claim-arrests"]
    assert page.locator("#filter-status").inner_text() == "Showing 1 of 5 claims"
    page.click("button[data-filter=unsourced]")
    assert visible_claims(page) == ["claim-arrests", "claim-lankaran"]
    page.click("button[data-filter=contradicted]")  # pressed again: off
    assert visible_claims(page) == ["claim-lankaran"]
    assert page.get_attribute("button[data-filter=contradicted]", "aria-pressed") == "false"
    page.click("#filter-reset")
    assert visible_claims(page) == all_claims
    assert page.locator("button[data-filter=not_found]").is_disabled()  # no such claim
    assert watched.errors == []


def test_markup_in_titles_shows_as_text(watched, report_file):
    page = watched.open(report_file)
    assert page.inner_text("h1") == 'Nardaran <script>alert("t")</script><i>case</i>'
    assert page.title().startswith('Nardaran <script>alert("t")</script><i>case</i>')
    source_title = page.locator("#claim-operation-dates .source-title").inner_text()
    assert source_title == HOSTILE_TITLE
    assert page.eval_on_selector_all("script", "els => els.length") == 1
    assert page.eval_on_selector_all("article i, h1 i, article b", "els => els.length") == 0
    assert watched.dialogs == [] and watched.errors == []


def test_highlights_and_passage_links_in_the_page(watched, report_file):
    page = watched.open(report_file)
    assert page.inner_text("#claim-arrests mark.hl-contradicted") == "65"
    found = page.eval_on_selector_all("#claim-arrests mark.hl-found", "els => els.map(e => e.textContent)")
    assert found == ["arrested", "over 70", "arrested"]
    link = page.get_attribute("#claim-arrests figcaption a", "href")
    assert link.startswith("http://www.forum18.org/archive.php?article_id=2173#:~:text=Since%20the")


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_screenshot_of_a_realistic_report(browser, tmp_path):
    paths = write_reports(sample_report(source_title="Azerbaijani President takes Nardaran special "
                                                     "operation under control | Report.az"), tmp_path)
    w = Watched(browser, viewport={"width": 1100, "height": 900})
    try:
        page = w.open(paths.latest_html)
        shot = tmp_path / "report-screenshot.png"
        page.screenshot(path=str(shot), full_page=True)
        assert w.errors == []
    finally:
        w.close()
    width, height = _png_size(shot)
    assert width == 1100 and height > 1500
    if os.environ.get("CITEWATCH_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS_SCREENSHOT)
