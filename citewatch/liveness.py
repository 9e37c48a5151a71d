"""Is a source alive? The statuses of docs/statuses.md, decided from one :class:`FetchResult`.

The fetcher sets the status of failures it saw itself (no connection, timeout, forbidden address,
name gone, robots.txt, too large) and leaves ``live`` on every HTTP answer; :func:`assess` then
decides what the answer means. :class:`citewatch.fetch.Fetcher` calls it, so a fetch result's
``status`` is final; call it yourself only on results you built another way.

``soft_404`` comes from three signs: error wording in the title or main heading, a deep URL that
redirected to the site's home page, and a probe of a random missing page on the same host whose
answer looks like the page (the classic test: a site that answers 200 to anything).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Union
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from lxml.etree import ParserError

from citewatch import htmltree
from citewatch.charset import decode, is_text_type
from citewatch.models import FetchResult, SourceStatus
from citewatch.politeness import host_of

Probe = Union[FetchResult, None, Callable[[], Union[FetchResult, None]]]

SIMILAR_TO_PROBE = 0.9  # share of identical words (difflib ratio) that makes a page "the error page"
_HTML_SCAN_BYTES = 512 * 1024

# Error-page wording in a title part or main heading. Strong phrases count in any heading of up to
# _HEADING_WORDS words; weak ones only when they are the whole of a short heading ("Not Found",
# "Error 404"), so that a headline like "Missing hikers not found after three days" stays live.
_STRONG_WORDING = re.compile(
    r"""\bpage\s+(was\s+)?not\s+found\b|\b404\s*[-:–]?\s*(error|not\s+found|page)\b|\berror\s*[-:]?\s*404\b
    |\bpage\s+(does\s+not|doesn[’']t|no\s+longer)\s+exists?\b|\bpage\s+(is\s+)?no\s+longer\s+available\b
    |\bpage\s+(you\s+(are|were)\s+looking\s+for|you\s+requested)\b|\bpage\s+(could\s+not|couldn[’']t|can\s*not|can[’']t)\s+be\s+found\b
    |страница\s+не\s+найдена|страница\s+не\s+существует|səhifə\s+tapılmadı|sehife\s+tapilmadi
    |seite\s+nicht\s+gefunden|page\s+introuvable|página\s+no\s+encontrada|pagina\s+non\s+trovata
    |sayfa\s+bulunamadı|pagina\s+niet\s+gevonden|strona\s+nie\s+została\s+znaleziona""",
    re.I | re.X,
)
_WEAK_WORDING = re.compile(
    r"^\W*(error\W*)?(404|410)?\W*(error|not\s+found|file\s+not\s+found|nothing\s+found|page\s+unavailable"
    r"|content\s+not\s+available|не\s+найдено|ошибка|tapılmadı|xəta)?\W*(404|410)?\W*$",
    re.I,
)
_HEADING_WORDS = 15
_SHORT_HEADING_WORDS = 4


def error_wording(heading: str) -> bool:
    """Whether a title part or heading reads like an error page's."""
    words = heading.split()
    if not words or len(words) > _HEADING_WORDS:
        return False
    if _STRONG_WORDING.search(heading):
        return True
    return (len(words) <= _SHORT_HEADING_WORDS and any(c.isalnum() for c in heading)
            and bool(_WEAK_WORDING.match(heading)))


# Titles of challenge pages: anywhere in the title when the status is one walls use, else only as
# the whole title (an article may be headlined "DDoS-Guard and Cloudflare compete for customers").
_CHALLENGE_TITLE = re.compile(
    r"just\s+a\s+moment|attention\s+required|verify(ing)?\s+(that\s+)?you\s+are\s+(a\s+)?human"
    r"|are\s+you\s+a\s+robot|checking\s+your\s+browser|ddos[- ]guard|pardon\s+our\s+interruption"
    r"|security\s+check|access\s+denied|bot\s+verification|captcha",
    re.I,
)
_WHOLE_CHALLENGE_TITLE = re.compile(
    r"^\W*(just\s+a\s+moment|attention\s+required!?(\s*\|\s*cloudflare)?|verifying\s+you\s+are\s+human"
    r"|are\s+you\s+a\s+robot\??|checking\s+your\s+browser(\s+before\s+accessing.*)?|ddos[- ]guard"
    r"|pardon\s+our\s+interruption|security\s+check|bot\s+verification|access\s+denied|captcha)\W*$",
    re.I,
)
# Markers that only challenge pages carry. Others also appear on ordinary pages (Cloudflare injects
# its challenge-platform script for bot detection, a contact form may carry reCAPTCHA, an article
# may name DDoS-Guard): those count only on the statuses walls answer with.
_CHALLENGE_MARKERS = (b"_cf_chl_opt", b"cf_chl_", b"/orchestrate/chl_page", b"/orchestrate/managed",
                      b"/orchestrate/jsch", b"cf-browser-verification", b"captcha-delivery.com", b"px-captcha")
_WALL_STATUS_MARKERS = (b"challenge-platform", b"_incapsula_resource", b"ddos-guard", b"g-recaptcha", b"h-captcha",
                        b"hcaptcha.com", b"recaptcha/api.js", b"captcha")
_WALL_STATUSES = (403, 429, 503)


def _scan_plan(markers: tuple[bytes, ...], keys: tuple[bytes, ...]) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """Markers grouped under a part they share: a body without the part is scanned once, not once
    per marker (a page is scanned for these on every answer; each scan of 150 KB costs ~70 us)."""
    plan = [(key, tuple(m for m in markers if key in m)) for key in keys]
    grouped = {m for _, group in plan for m in group}
    return tuple(plan + [(m, (m,)) for m in markers if m not in grouped])


def _has_marker(body: bytes, plan: tuple[tuple[bytes, tuple[bytes, ...]], ...]) -> bool:
    return any(key in body and any(marker in body for marker in group) for key, group in plan)


_CHALLENGE_SCAN = _scan_plan(_CHALLENGE_MARKERS, (b"cf_chl_", b"/orchestrate/", b"captcha"))
_WALL_STATUS_SCAN = _scan_plan(_WALL_STATUS_MARKERS, (b"captcha",))
_LOGIN_WORDING = re.compile(
    r"\b(sign\s*in|log\s*in|login|subscribe\s+to\s+(continue|read)|members?\s+only)\b|войти|вход|daxil\s+ol", re.I
)
_LOGIN_PATH = re.compile(r"/(login|log-in|signin|sign-in|sign_in|auth|account/login|sso|session/new)\b", re.I)
# "/", "/index.html", "/home", and the same under a language prefix: "/en/", "/az/index.php", "/pt-br"
_HOME_PATH = re.compile(r"^(/[a-z]{2}([-_][a-z]{2})?)?/?((index|default|home)(\.[a-z]{2,5})?/?)?$", re.I)


def is_home_path(path: str) -> bool:
    return bool(_HOME_PATH.match(path))


@dataclass(frozen=True)
class Assessment:
    status: SourceStatus
    reason: str | None = None  # why it is not live, in words for the report


def classify(result: FetchResult, probe: Probe = None) -> SourceStatus:
    return assess(result, probe).status


def assess(result: FetchResult, probe: Probe = None) -> Assessment:
    """The status of ``result``. ``probe`` is the answer to a random missing page of the same host,
    or a function giving it (called only when the page could be a soft-404)."""
    if result.status is not SourceStatus.LIVE or result.http_status is None:
        return Assessment(result.status, result.error)
    code = result.http_status
    if result.not_modified or code == 304:  # the copy we hold is still what the page says
        moved = is_real_redirect(result.url, result.final_url)
        return Assessment(SourceStatus.REDIRECTED if moved else SourceStatus.LIVE)
    page = PageView.of(result)
    if is_challenge(result, page):
        return Assessment(SourceStatus.BLOCKED,
                          f"HTTP {code}: a bot wall / challenge page answered instead of the page")
    if code in (404, 410):
        return Assessment(SourceStatus.DEAD, f"HTTP {code}: the page is gone")
    if code in (401, 403, 451):
        return Assessment(SourceStatus.BLOCKED, f"HTTP {code}: the site refuses to show the page to citewatch")
    if code == 429:
        return Assessment(SourceStatus.BLOCKED, "HTTP 429: the site keeps rate-limiting citewatch; try again later")
    if code == 408:
        return Assessment(SourceStatus.TIMEOUT, "HTTP 408: the site timed out answering")
    if code >= 500:
        return Assessment(SourceStatus.SERVER_ERROR, f"HTTP {code}: the site failed to answer; try again later")
    if code >= 400:
        return Assessment(SourceStatus.BLOCKED, f"HTTP {code}: the site refused the request")
    if code >= 300:
        return Assessment(SourceStatus.SERVER_ERROR, f"HTTP {code} without a usable Location header")
    if is_login_wall(result, page):
        return Assessment(SourceStatus.BLOCKED, "a login wall answered instead of the page")
    if page.has_error_wording():
        return Assessment(SourceStatus.SOFT_404, f"the page answers {code} but says it is an error page "
                                                 f"({page.heading_text()[:80]!r})")
    if redirected_home(result):
        return Assessment(SourceStatus.SOFT_404, f"the page redirects to the site's home page ({result.final_url})")
    if page.is_html and _answered_like_missing_page(page, probe):
        return Assessment(SourceStatus.SOFT_404, "the page looks like the site's answer to a page that does not exist")
    if is_real_redirect(result.url, result.final_url):
        return Assessment(SourceStatus.REDIRECTED)
    return Assessment(SourceStatus.LIVE)


def needs_probe(result: FetchResult) -> bool:
    """Whether a soft-404 probe could change this result's status (a 2xx HTML page, not a home page)."""
    return (
        result.status.readable
        and result.http_status is not None
        and 200 <= result.http_status < 300
        and not result.not_modified
        and PageView.of(result).is_html
        and not is_home_path(urlsplit(result.final_url).path)
    )


def run_is_offline(results: Iterable[FetchResult]) -> bool:
    """True when every host of the run failed at the connection level (no host answered at all).

    Then no source may be called dead: the trouble is this machine's network, not the sources.
    A name that did not resolve counts too: on a machine cut off from the internet, the local
    resolver often answers "no such name" for every host.
    Hosts refused by the address guard say nothing about the network and are left out.
    """
    hosts: dict[str, bool] = {}
    for result in results:
        if result.status is SourceStatus.FORBIDDEN_ADDRESS:
            continue
        host = host_of(result.url)
        failed = result.http_status is None and (
            result.status.connection_level or result.status is SourceStatus.DEAD
        )
        hosts[host] = hosts.get(host, True) and failed
    return bool(hosts) and all(hosts.values())


# --- the signs -------------------------------------------------------------------------------------


class PageView:
    """The parts of an HTML answer liveness looks at (parsed once, lazily).

    Title, headings and forms come from lxml's tree, which every answer needs and which costs a
    twentieth of a BeautifulSoup parse of the same page; the soup is built only for ``words``."""

    def __init__(self, result: FetchResult):
        self.result = result
        self.is_html = "html" in result.content_type.lower() or (
            not result.content_type and is_text_type("", result.body)
        )
        self._soup: BeautifulSoup | None = None
        self._tree = None
        self._tree_failed = False

    @classmethod
    def of(cls, result: FetchResult) -> "PageView":
        return cls(result)

    def _html(self) -> str:
        return decode(self.result.body[:_HTML_SCAN_BYTES], self.result.encoding) if self.is_html else ""

    def _parse(self):
        utf8 = _utf8_as_it_is(self.result)
        return htmltree.document(self._html() if utf8 is None else "", utf8)

    @property
    def soup(self) -> BeautifulSoup:
        if self._soup is None:
            self._soup = BeautifulSoup(self._html(), "lxml")
        return self._soup

    @property
    def tree(self):
        """lxml's tree of the page, or None when lxml cannot build one (the soup then answers)."""
        if self._tree is None and not self._tree_failed:
            try:
                self._tree = self._parse()
            except (ParserError, ValueError):  # empty page; str with an XML encoding declaration
                self._tree_failed = True
        return self._tree

    def title(self) -> str:
        if not self.is_html:
            return ""
        if self.tree is None:
            return self.soup.title.get_text(" ", strip=True) if self.soup.title else ""
        title = next(self.tree.iter("title"), None)
        return _joined_text(title) if title is not None else ""

    def headings(self) -> list[str]:
        if not self.is_html:
            return []
        if self.tree is None:
            return [h.get_text(" ", strip=True) for h in self.soup.find_all("h1")[:3]]
        return [_joined_text(h) for h in list(self.tree.iter("h1"))[:3]]

    def heading_text(self) -> str:
        return " / ".join(t for t in [self.title(), *self.headings()] if t)

    def has_error_wording(self) -> bool:
        if not self.is_html:
            return False
        texts = [*_title_parts(self.title()), *self.headings()]
        return any(error_wording(t) for t in texts if t)

    def words(self, limit: int = 3000) -> list[str]:
        if not self.is_html:
            return []
        for tag in self.soup(["script", "style", "noscript", "template", "svg"]):
            tag.decompose()
        return self.soup.get_text(" ", strip=True).lower().split()[:limit]

    def has_password_field(self) -> bool:
        if not self.is_html:
            return False
        if self.tree is None:
            return self.soup.find("input", attrs={"type": re.compile("^password$", re.I)}) is not None
        return any((field.get("type") or "").lower() == "password" for field in self.tree.iter("input"))


def _utf8_as_it_is(result: FetchResult) -> bytes | None:
    """The body, when lxml may parse its bytes instead of their text (:mod:`citewatch.htmltree`)
    and all of it is within the part liveness reads."""
    return htmltree.utf8_as_it_is(result.body, result.encoding) if len(result.body) <= _HTML_SCAN_BYTES else None


def _joined_text(element) -> str:
    """An element's text like BeautifulSoup's ``get_text(" ", strip=True)``."""
    return " ".join(part.strip() for part in element.itertext() if part.strip())


def is_challenge(result: FetchResult, page: PageView | None = None) -> bool:
    """A bot wall or challenge page (Cloudflare, DataDome, Imperva, DDoS-Guard, a captcha)."""
    if (result.header("cf-mitigated") or "").lower() == "challenge":
        return True
    page = page or PageView.of(result)
    if not page.is_html:
        return False
    body = result.body[:_HTML_SCAN_BYTES].lower()
    if _has_marker(body, _CHALLENGE_SCAN):
        return True
    title = page.title()
    if result.http_status in _WALL_STATUSES:
        return bool(_CHALLENGE_TITLE.search(title)) or _has_marker(body, _WALL_STATUS_SCAN)
    return bool(_WHOLE_CHALLENGE_TITLE.match(title)) and len(page.words(400)) < 300


def is_login_wall(result: FetchResult, page: PageView | None = None) -> bool:
    """The answer is a sign-in page: a redirect to a login path, or a password form under a login title."""
    final_path = urlsplit(result.final_url).path
    if result.redirects and _LOGIN_PATH.search(final_path) and not _LOGIN_PATH.search(urlsplit(result.url).path):
        return True
    page = page or PageView.of(result)
    return page.has_password_field() and bool(_LOGIN_WORDING.search(page.heading_text()))


def redirected_home(result: FetchResult) -> bool:
    """A deep URL that ended, through redirects, on its own site's home page."""
    if not result.redirects:
        return False
    start, end = urlsplit(result.url), urlsplit(result.final_url)
    return (
        not is_home_path(start.path)
        and is_home_path(end.path)
        and not end.query
        and _site(start.hostname) == _site(end.hostname)
    )


def is_real_redirect(url: str, final_url: str) -> bool:
    """A redirect to another page, not just http→https, ``www.`` or a trailing slash."""
    a, b = urlsplit(url), urlsplit(final_url)
    return (_site(a.hostname), a.port if a.scheme == b.scheme else None, a.path.rstrip("/"), a.query) != (
        _site(b.hostname), b.port if a.scheme == b.scheme else None, b.path.rstrip("/"), b.query)


def similarity(words_a: list[str], words_b: list[str]) -> float:
    if not words_a or not words_b:
        return 0.0
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_TO_PROBE or matcher.quick_ratio() < SIMILAR_TO_PROBE:
        return matcher.quick_ratio()
    return matcher.ratio()


def _answered_like_missing_page(page: PageView, probe: Probe) -> bool:
    answer = probe() if callable(probe) else probe
    if answer is None or answer.http_status is None or not 200 <= answer.http_status < 300:
        return False
    probe_page = PageView.of(answer)
    if not probe_page.is_html:
        return False
    return similarity(page.words(), probe_page.words()) >= SIMILAR_TO_PROBE


def _site(hostname: str | None) -> str:
    host = (hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _title_parts(title: str) -> list[str]:
    # "Page not found | The Herald": the page's own words and the site's name, judged apart
    return [part for part in re.split(r"\s+[|–—·:-]\s+", title) if part]
