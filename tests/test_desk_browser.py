"""The review desk in a real headless Chromium (Debian's ``chromium``, driven by Playwright) on a
real socket: an editor logs in, filters a document, flags a claim, overrides a source, and opens
the archived copy of a page whose scripts try to write to the desk's cookies and storage; they
never run in the desk's origin. Also renders docs/desk-screenshot.png
(CITEWATCH_UPDATE_SCREENSHOT=1 writes it)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from desk_samples import DOC, FORUM18_URL, PASSWORD, build_desk_state
from report_samples import T0
from system_tools import need_system_tool
from test_report_browser import CHROMIUM, CHROMIUM_ARGS

from citewatch.accounts import Role, add_user
from citewatch.review import active_flags, overrides
from flows.desk import create_app

pytestmark = pytest.mark.browser
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "desk-screenshot.png"


@pytest.fixture(scope="module")
def browser():
    need_system_tool(Path(CHROMIUM).exists(), f"a headless browser ({CHROMIUM})", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def desk(tmp_path):
    """The desk on a free loopback port, served by uvicorn in a thread, with an editor account."""
    state = build_desk_state(tmp_path)
    add_user(state.sessions, "eddie", Role.EDITOR, PASSWORD, T0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(state.settings, state.sessions), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the desk did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(timeout=10)


def visible_claims(page) -> list[str]:
    return page.eval_on_selector_all("article.claim", "els => els.map(e => e.id)")


def test_an_editor_logs_in_filters_flags_overrides_and_opens_a_sandboxed_copy(browser, desk, tmp_path):
    base, state = desk
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{base}/documents/{DOC}")
        assert "/login" in page.url  # logged out: the login page, then back here
        page.fill("input[name=name]", "eddie")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/documents/{DOC}")
        assert len(visible_claims(page)) == 5

        page.select_option("select[name=verdict]", "contradicted")
        page.click("form.filters-form button[type=submit]")
        page.wait_for_url("**verdict=contradicted**")
        assert visible_claims(page) == ["claim-arrests"]

        page.click("#claim-arrests a.open-claim")
        page.wait_for_url(f"{base}/documents/{DOC}/claims/arrests")
        page.fill("form.flag-form input[name=reason]", "Forum 18 gives 65; ask the reporter")
        page.click("form.flag-form button[type=submit]")
        page.wait_for_load_state("load")
        assert "Saved" in page.inner_text("p.notice.saved")
        assert page.locator(".claim-head .flag-badge").count() == 1
        assert [(f.who, f.reason) for f in active_flags(state.sessions, DOC)] == [("eddie", "Forum 18 gives 65; ask the reporter")]

        override = page.locator("form.override-form").first
        override.locator("select[name=verdict]").select_option("supports")
        override.locator("input[name=reason]").fill("the table on p. 3 gives 72")
        override.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
        assert "Human override:" in page.inner_text("#source-1")
        assert [(o.url, o.supports) for o in overrides(state.sessions, DOC)] == [(FORUM18_URL, True)]
        assert page.locator("tr.audit-row").count() == 2
        if os.environ.get("CITEWATCH_UPDATE_SCREENSHOT") == "1":
            shot = tmp_path / "desk.png"
            page.screenshot(path=str(shot), full_page=True)
            shutil.copyfile(shot, DOCS_SCREENSHOT)

        page.goto(f"{base}/documents/{DOC}/claims/sentencing")
        page.click("a.archived-copy")
        page.wait_for_load_state("load")
        frame = page.frame_locator("iframe.copy-frame")
        assert "Baku Serious Crimes Court" in frame.locator("p").inner_text()  # the copy is shown
        page.goto(f"{base}/copies/{state.capture.id}/raw")  # and opened alone, outside the frame
        page.wait_for_load_state("load")
        assert "Baku Serious Crimes Court" in page.inner_text("p")

        page.goto(f"{base}/")
        assert page.evaluate("localStorage.getItem('pwned')") is None
        assert "pwned" not in page.evaluate("document.cookie")
        assert not [c for c in context.cookies() if c["name"].startswith("pwned")]
        assert page.title() != "pwned" and dialogs == []
        assert errors == []
    finally:
        context.close()
