"""Pytest plugin: the fixture web with the behaviours of the real one, for any test that fetches.

``fixture_web`` starts three loopback hosts (127.0.0.1-3) and installs :func:`install_behaviours`:

- ``web[0]`` "The Caspian Herald", a well-behaved news site with every HTTP behaviour under a path
  (see ``PATHS``); its robots.txt disallows ``/private/``;
- ``web[1]`` "Baku Daily", a soft-404 site: every unknown path answers 200 with the latest-news
  listing; its missing pages are detected only by the probe;
- ``web[2]`` a plain host with no routes (404 everywhere) for tests to fill.

``fast_settings`` gives Settings with fractions-of-a-second timeouts and tiny backoff.
"""

from __future__ import annotations

import functools
import io

import pytest

from citewatch.config import Settings
from citewatch.testing.fixture_web import FixtureWeb, Route, Steps, html_page, not_found_page, redirect, site_html, text

STORY = """
<p class="lead">More than seventy people were arrested in Nardaran on 26 November 2015, the Interior
Ministry said on Thursday, after an operation that left several people dead.</p>
<p>Officials said the operation targeted an armed group. Residents of the settlement, about 25
kilometres north of Baku, described roadblocks and house searches that lasted into the night.</p>
<p>On 25 January 2017 the Baku Grave Crimes Court sentenced the group's leader to 20 years in prison;
other defendants received terms of 10 to 20 years.</p>
<figure><img src="/img/nardaran.jpg" alt="Nardaran"><figcaption>The settlement of Nardaran.</figcaption></figure>
<p>Human rights groups criticised the trial, saying defendants had reported ill-treatment in custody.</p>
"""

RUSSIAN = """<p>Более семидесяти человек были задержаны в Нардаране 26 ноября 2015 года, сообщило
Министерство внутренних дел. По словам официальных лиц, операция была направлена против
вооружённой группы. Жители посёлка рассказали о блокпостах и обысках, которые продолжались всю ночь.
Суд по тяжким преступлениям приговорил лидера группы к двадцати годам лишения свободы.</p>"""

AZERBAIJANI = """<p>Nardaranda 2015-ci il noyabrın 26-da yetmişdən çox şəxs həbs edilib, Daxili İşlər
Nazirliyi bildirib. Rəsmilərin sözlərinə görə, əməliyyat silahlı qrupa qarşı yönəlib. Qəsəbə
sakinləri gecə boyu davam edən yoxlama məntəqələri və axtarışlardan danışıblar. Ağır Cinayətlər
Məhkəməsi qrupun liderini iyirmi il müddətinə azadlıqdan məhrum edib.</p>"""

LISTING = "".join(
    f'<article class="teaser"><h2><a href="/news/2017/story-{i}">{title}</a></h2>'
    f"<p>{summary}</p></article>"
    for i, (title, summary) in enumerate(
        [
            ("Parliament debates the budget", "Deputies argued for six hours before the first reading."),
            ("New metro line opens", "The line links the airport with the city centre."),
            ("Caviar exports rise", "Sturgeon farms report their best season in a decade."),
            ("Chess festival draws grandmasters", "Twelve players meet in the old city this week."),
            ("Drought threatens harvest", "Farmers in the south ask for emergency irrigation."),
        ]
    )
)

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow">
<style>*{box-sizing:border-box;margin:0;padding:0}</style></head><body class="no-js">
<div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">news.example</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "news.example",cType: 'managed'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""

LOGIN_PAGE = site_html(
    "Sign in",
    '<form method="post" action="/login"><label>Email <input type="email" name="email"></label>'
    '<label>Password <input type="password" name="password"></label><button>Sign in</button></form>'
    "<p>Subscribers only: sign in to read the full story.</p>",
)

PATHS = {
    "ok": "/news/2015/11/nardaran-operation",
    "chain": "/r/1",
    "loop": "/loop/a",
    "gone404": "/news/2014/removed",
    "gone410": "/news/2013/withdrawn",
    "soft_wording": "/news/2016/missing-story",
    "to_home": "/news/2012/old-story",
    "unauthorized": "/members/report",
    "forbidden": "/internal/report",
    "challenge": "/protected/story",
    "login_wall": "/premium/story",
    "rate_limited": "/busy",
    "flaky": "/flaky",
    "always_500": "/broken",
    "slow": "/slow",
    "drip": "/drip",
    "reset": "/reset",
    "large": "/large",
    "bomb": "/bomb",
    "cp1251_no_charset": "/ru/no-charset",
    "cp1251_wrong_header": "/ru/wrong-header",
    "cp1251_meta_only": "/ru/meta-only",
    "az_no_charset": "/az/no-charset",
    "pdf": "/files/report.pdf",
    "robots_disallowed": "/private/memo",
    "conditional": "/news/etag",
}


@functools.lru_cache(maxsize=8)
def pdf_bytes(text_lines: tuple[str, ...]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in text_lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def install_behaviours(web: FixtureWeb) -> None:
    herald, daily = web[0], web[1]
    home = html_page("Home", LISTING)
    herald.route("/", home)
    herald.route("/robots.txt", text("User-agent: *\nDisallow: /private/\n\nSitemap: /sitemap.xml\n"))
    herald.route(PATHS["ok"], html_page("More than seventy arrested in Nardaran", STORY))
    herald.route("/r/1", redirect("/r/2", 301))
    herald.route("/r/2", redirect("/r/3", 302))
    herald.route("/r/3", redirect("/r/4", 307))
    herald.route("/r/4", redirect(PATHS["ok"], 308))
    herald.route("/loop/a", redirect("/loop/b", 302))
    herald.route("/loop/b", redirect("/loop/a", 302))
    herald.route(PATHS["gone404"], not_found_page(status=404))
    herald.route(PATHS["gone410"], html_page("Gone", "<p>This article was withdrawn.</p>", status=410))
    herald.route(PATHS["soft_wording"], not_found_page(status=200))
    herald.route(PATHS["to_home"], redirect("/", 301))
    herald.route(PATHS["unauthorized"], Route(status=401, body="Authorization required",
                                               headers=[("WWW-Authenticate", 'Basic realm="members"')]))
    herald.route(PATHS["forbidden"], html_page("Forbidden", "<p>You do not have access.</p>", status=403))
    herald.route(PATHS["challenge"], Route(status=403, body=CLOUDFLARE_CHALLENGE,
                                           headers=[("cf-mitigated", "challenge"), ("Server", "cloudflare")]))
    herald.route(PATHS["login_wall"], redirect("/account/login?next=/premium/story", 302))
    herald.route("/account/login", Route(body=LOGIN_PAGE))
    herald.route(PATHS["rate_limited"], Steps(Route(status=429, body="Too Many Requests", headers=[("Retry-After", "1")]),
                                              html_page("Busy page", STORY)))
    herald.route(PATHS["flaky"], Steps(Route(status=500, body="Internal Server Error"), html_page("Flaky page", STORY)))
    herald.route(PATHS["always_500"], Route(status=500, body="Internal Server Error"))
    herald.route(PATHS["slow"], html_page("Slow page", STORY, delay=2.0))
    herald.route(PATHS["drip"], html_page("Dripping page", STORY, chunks=40, chunk_delay=0.1))
    herald.route(PATHS["reset"], Route(reset=True))
    herald.route(PATHS["large"], html_page("Large page", STORY * 400))  # ~300 KB
    herald.route(PATHS["bomb"], html_page("Bomb", "", gzip_bomb=100 * 1024**3))  # 100 GiB inflated
    ru_body = site_html("Задержания в Нардаране", RUSSIAN * 3, lang="ru", charset=None)
    herald.route(PATHS["cp1251_no_charset"], Route(body=ru_body, charset="cp1251", content_type="text/html"))
    herald.route(PATHS["cp1251_wrong_header"], Route(body=ru_body, charset="cp1251",
                                                     content_type="text/html; charset=utf-8"))
    herald.route(PATHS["cp1251_meta_only"], html_page("Задержания в Нардаране", RUSSIAN * 3, lang="ru",
                                                      charset="windows-1251", content_type="text/html"))
    herald.route(PATHS["az_no_charset"], Route(body=site_html("Nardaranda həbslər", AZERBAIJANI * 2, lang="az",
                                                              charset=None), content_type="text/html"))
    herald.route(PATHS["pdf"], Route(body=pdf_bytes(("Annual report 2016", "More than seventy arrested.")),
                                     content_type="application/pdf"))
    herald.route(PATHS["robots_disallowed"], html_page("Private memo", STORY))
    herald.route(PATHS["conditional"], html_page("Stable page", STORY, etag='"v1-abc"',
                                                 last_modified="Wed, 25 Jan 2017 10:00:00 GMT"))

    # a site that answers 200 with its front page to every unknown path (the classic soft-404)
    daily.route("/", html_page("Latest news", LISTING, site="Baku Daily"))
    daily.route("/news/2017/story-1", html_page("New metro line opens", STORY, site="Baku Daily"))
    daily.fallback = lambda request: html_page("Latest news", LISTING, site="Baku Daily")


@pytest.fixture
def fixture_web():
    with FixtureWeb(hosts=3) as web:
        install_behaviours(web)
        yield web


@pytest.fixture(scope="module")
def web():
    """Two bare loopback hosts shared by the tests of one module; each test serves its own pages
    on them (``verify_fixtures.fresh_site``)."""
    with FixtureWeb(hosts=2) as running:
        yield running


@pytest.fixture
def fast_settings():
    return Settings(
        allow_private_hosts=True,
        connect_timeout=0.5,
        read_timeout=0.3,
        total_deadline=3.0,
        max_retries=2,
        backoff_factor=0.01,
        retry_after_max=0.2,
        max_body_bytes=64 * 1024,
        per_host_concurrency=2,
        per_host_delay=0.0,
        max_parallel_hosts=4,
        wayback_url="off",
    )
