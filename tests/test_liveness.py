"""Liveness: statuses from real fetches of the fixture web, soft-404 signs one by one, offline runs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from webfixtures import LISTING, PATHS, STORY

from citewatch.fetch import Fetcher
from citewatch.liveness import (assess, classify, error_wording, is_home_path, is_real_redirect, needs_probe,
                                run_is_offline)
from citewatch.models import FetchResult, SourceStatus
from citewatch.testing.fixture_web import Route, closed_port_url, html_page, site_html


def probes(host):
    return [r for r in host.requests if r.path.endswith("-citewatch-probe")]


@pytest.fixture
def fetcher(fast_settings):
    return Fetcher(fast_settings)


# --- soft-404, each sign on its own -----------------------------------------------------------------


def test_error_wording_in_title_and_heading_is_soft_404(fixture_web, fetcher):
    herald = fixture_web[0]
    result = fetcher.fetch(herald.url(PATHS["soft_wording"]))
    assert result.http_status == 200 and result.status is SourceStatus.SOFT_404
    assert "error page" in result.error


def test_deep_url_redirected_to_the_home_page_is_soft_404(fixture_web, fetcher):
    herald = fixture_web[0]
    result = fetcher.fetch(herald.url(PATHS["to_home"]))
    assert result.status is SourceStatus.SOFT_404 and result.final_url == herald.url("/")
    assert "home page" in result.error


def test_probe_finds_a_site_that_answers_200_to_anything(fixture_web, fetcher):
    daily = fixture_web[1]
    dead = fetcher.fetch(daily.url("/news/2017/deleted-story"))
    also_dead = fetcher.fetch(daily.url("/news/2016/another-deleted-story"))
    alive = fetcher.fetch(daily.url("/news/2017/story-1"))
    assert dead.http_status == 200 and dead.status is SourceStatus.SOFT_404
    assert also_dead.status is SourceStatus.SOFT_404
    assert "does not exist" in dead.error
    assert alive.status is SourceStatus.LIVE
    assert len(probes(daily)) == 1  # the probe is cached per host


def test_probe_of_a_site_with_real_404s_leaves_pages_live(fixture_web, fetcher):
    herald = fixture_web[0]
    assert fetcher.fetch(herald.url(PATHS["ok"])).status is SourceStatus.LIVE
    [probe] = probes(herald)
    assert probe.path.startswith("/") and len(probe.path) > 20


def test_probe_can_be_switched_off(fixture_web, fast_settings):
    daily = fixture_web[1]
    result = Fetcher(fast_settings.model_copy(update={"soft404_probe": False})).fetch(daily.url("/news/2017/gone"))
    assert result.status is SourceStatus.LIVE and probes(daily) == []


def test_the_home_page_itself_is_never_probed(fixture_web, fetcher):
    daily = fixture_web[1]
    assert fetcher.fetch(daily.url("/")).status is SourceStatus.LIVE
    assert probes(daily) == []


# --- blocked -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["unauthorized", "forbidden", "challenge", "login_wall"])
def test_walls_are_blocked(fixture_web, fetcher, key):
    result = fetcher.fetch(fixture_web[0].url(PATHS[key]))
    assert result.status is SourceStatus.BLOCKED and result.error


def test_a_login_form_on_a_200_page_is_blocked(fixture_web, fetcher):
    herald = fixture_web[0]
    herald.route("/subscribers/story", Route(body=site_html(
        "Log in to continue", '<form><input name="user"><input type="password" name="pw"></form>')))
    assert fetcher.fetch(herald.url("/subscribers/story")).status is SourceStatus.BLOCKED


def test_an_article_with_a_recaptcha_comment_form_is_live(fixture_web, fetcher):
    herald = fixture_web[0]
    herald.route("/news/with-comments", html_page(
        "Court sentences group leader", STORY + '<form id="comment"><div class="g-recaptcha" data-sitekey="x"></div></form>',
        head_extra='<script src="https://www.google.com/recaptcha/api.js" async defer></script>'))
    assert fetcher.fetch(herald.url("/news/with-comments")).status is SourceStatus.LIVE


def test_an_article_behind_cloudflare_bot_detection_is_live(fixture_web, fetcher):
    herald = fixture_web[0]
    herald.route("/news/cf-served", html_page(
        "DDoS-Guard and Cloudflare compete for customers", STORY,
        head_extra='<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>',
        headers=[("Server", "cloudflare"), ("CF-RAY", "8f1e2d3c4b5a6978-FRA")]))
    assert fetcher.fetch(herald.url("/news/cf-served")).status is SourceStatus.LIVE


def test_a_200_cloudflare_challenge_is_blocked(fixture_web, fetcher):
    herald = fixture_web[0]
    herald.route("/cf200", Route(body="<html><head><title>Just a moment...</title></head><body>"
                                      "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>"))
    assert fetcher.fetch(herald.url("/cf200")).status is SourceStatus.BLOCKED


# --- statuses from hand-made results (no network) ------------------------------------------------------


def made(code: int | None, body: str = "", url: str = "https://news.example/a/b", final_url: str | None = None,
         status: SourceStatus = SourceStatus.LIVE, redirects=(), headers=()) -> FetchResult:
    return FetchResult(url=url, final_url=final_url or url, status=status, http_status=code, body=body.encode(),
                       content_type="text/html; charset=utf-8", encoding="utf-8", redirects=list(redirects),
                       headers=list(headers), fetched_at=datetime.now(timezone.utc))


@pytest.mark.parametrize("code,status", [(200, SourceStatus.LIVE), (404, SourceStatus.DEAD), (410, SourceStatus.DEAD),
                                         (401, SourceStatus.BLOCKED), (403, SourceStatus.BLOCKED),
                                         (451, SourceStatus.BLOCKED), (429, SourceStatus.BLOCKED),
                                         (500, SourceStatus.SERVER_ERROR), (503, SourceStatus.SERVER_ERROR),
                                         (408, SourceStatus.TIMEOUT), (400, SourceStatus.BLOCKED)])
def test_http_codes(code, status):
    body = site_html("Court sentences group leader", STORY)
    assert classify(made(code, body)) is status


def test_failures_set_by_the_fetcher_are_kept():
    for status in (SourceStatus.TIMEOUT, SourceStatus.UNREACHABLE, SourceStatus.FORBIDDEN_ADDRESS, SourceStatus.TOO_LARGE):
        assert classify(made(None, status=status)) is status


def test_cloudflare_header_alone_marks_a_challenge():
    assert classify(made(403, "<html></html>", headers=[("cf-mitigated", "challenge")])) is SourceStatus.BLOCKED


@pytest.mark.parametrize("heading,soft", [("Page not found", True), ("404 Not Found", True), ("Страница не найдена", True),
                                          ("Səhifə tapılmadı", True), ("Oops! That page can’t be found.", True),
                                          ("Missing hikers not found after three days", False),
                                          ("Law 404 passed by parliament", False), ("Latest news", False)])
def test_error_wording(heading, soft):
    assert error_wording(heading) is soft
    page = site_html(heading, "<p>Some words of a page.</p>")
    assert (classify(made(200, page)) is SourceStatus.SOFT_404) is soft


def test_probe_similarity_decides_only_for_similar_pages():
    page = made(200, site_html("Latest news", LISTING + "<p>/news/2017/gone</p>"), url="https://daily.example/news/2017/gone")
    probe = made(200, site_html("Latest news", LISTING + "<p>/x7f3-citewatch-probe</p>"), url="https://daily.example/x7f3")
    article = made(200, site_html("Court sentences group leader", STORY), url="https://daily.example/news/2017/story")
    assert needs_probe(page)
    assert classify(page, probe=probe) is SourceStatus.SOFT_404
    assert classify(article, probe=probe) is SourceStatus.LIVE
    assert classify(page, probe=made(404, "nope")) is SourceStatus.LIVE
    called = []
    assert classify(made(404, "x"), probe=lambda: called.append(1)) is SourceStatus.DEAD and called == []


@pytest.mark.parametrize("path,home", [("", True), ("/", True), ("/index.html", True), ("/home", True), ("/en/", True),
                                       ("/az/index.php", True), ("/pt-br", True), ("/news", False),
                                       ("/en/news/2017/story", False), ("/2017/01/25/", False)])
def test_home_paths(path, home):
    assert is_home_path(path) is home


def test_redirect_to_a_language_home_is_soft_404():
    result = made(200, site_html("Home", LISTING), url="https://news.example/en/news/2014/story",
                  final_url="https://www.news.example/en/", redirects=[("https://news.example/en/news/2014/story", 301)])
    assert classify(result) is SourceStatus.SOFT_404


def test_redirect_kinds():
    assert not is_real_redirect("http://news.example/a", "https://www.news.example/a/")
    assert is_real_redirect("https://news.example/a", "https://news.example/b")
    moved = made(200, site_html("Story", STORY), url="https://news.example/a", final_url="https://news.example/b",
                 redirects=[("https://news.example/a", 301)])
    assert assess(moved).status is SourceStatus.REDIRECTED
    upgraded = made(200, site_html("Story", STORY), url="http://news.example/a", final_url="https://news.example/a",
                    redirects=[("http://news.example/a", 301)])
    assert assess(upgraded).status is SourceStatus.LIVE


def test_an_unchanged_page_keeps_telling_that_its_url_moved():
    # the second check of a moved page ends in a 304 from the new address: still `redirected`
    unchanged = made(304, "", url="https://news.example/a", final_url="https://news.example/b",
                     redirects=[("https://news.example/a", 301)]).model_copy(update={"not_modified": True})
    assert assess(unchanged).status is SourceStatus.REDIRECTED
    same_place = unchanged.model_copy(update={"final_url": "https://news.example/a", "redirects": []})
    assert assess(same_place).status is SourceStatus.LIVE


# --- offline runs -------------------------------------------------------------------------------------------


def test_network_down_is_unreachable_and_the_run_offline(fast_settings):
    urls = [closed_port_url("127.0.0.1", "/a"), closed_port_url("127.0.0.2", "/b"), closed_port_url("127.0.0.3", "/c")]
    settings = fast_settings.model_copy(update={"max_retries": 1})
    results = list(Fetcher(settings).fetch_many([(u, None) for u in urls]))
    assert [r.status for r in results] == [SourceStatus.UNREACHABLE] * 3
    assert all("refused" in r.error and r.attempts == 2 for r in results)
    assert run_is_offline(results)


def test_one_answering_host_means_the_run_is_online(fixture_web, fast_settings):
    settings = fast_settings.model_copy(update={"max_retries": 0})
    urls = [closed_port_url("127.0.0.2", "/a"), fixture_web[0].url(PATHS["gone404"])]
    results = list(Fetcher(settings).fetch_many([(u, None) for u in urls]))
    assert {r.status for r in results} == {SourceStatus.UNREACHABLE, SourceStatus.DEAD}
    assert not run_is_offline(results)


def test_every_name_failing_to_resolve_means_offline_not_dead(fast_settings, fixture_web):
    import socket

    def no_such_name(host, port, *args, **kwargs):
        if host.startswith("127."):
            return socket.getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    fetcher = Fetcher(fast_settings.model_copy(update={"max_retries": 0}), resolver=no_such_name)
    gone = ["https://www.hrw.org/news/x", "https://report.az/en/y", "http://www.forum18.org/z"]
    results = list(fetcher.fetch_many([(u, None) for u in gone]))
    assert {r.status for r in results} == {SourceStatus.DEAD}
    assert all(r.http_status is None for r in results)
    assert run_is_offline(results)  # a resolver that knows no name at all: this machine is offline

    answering = fixture_web[0].url(PATHS["gone404"])
    results += list(fetcher.fetch_many([(answering, None)]))
    assert not run_is_offline(results)  # one host answered: the names that did not resolve are gone


def test_offline_rule_edges():
    timeout = made(None, url="https://a.example/x", status=SourceStatus.TIMEOUT)
    unreachable = made(None, url="https://b.example/y", status=SourceStatus.UNREACHABLE)
    forbidden = made(None, url="http://10.0.0.1/", status=SourceStatus.FORBIDDEN_ADDRESS)
    live_same_host = made(200, url="https://a.example/z")
    assert run_is_offline([timeout, unreachable, forbidden])
    assert not run_is_offline([timeout, unreachable, live_same_host])  # a.example answered once
    assert not run_is_offline([forbidden])
    assert not run_is_offline([])


# the markers are scanned in groups under a shared part (one scan per group): each one still counts
@pytest.mark.parametrize("marker", ["_cf_chl_opt", "cf_chl_", "/orchestrate/chl_page", "/orchestrate/managed",
                                    "/orchestrate/jsch", "cf-browser-verification", "captcha-delivery.com", "px-captcha"])
def test_every_challenge_marker_blocks_even_a_200(marker):
    page = site_html("Court sentences group leader", STORY + f"<script src='/{marker.upper()}/x.js'></script>")
    assert classify(made(200, page)) is SourceStatus.BLOCKED


@pytest.mark.parametrize("marker", ["challenge-platform", "_incapsula_resource", "ddos-guard", "g-recaptcha",
                                    "h-captcha", "hcaptcha.com", "recaptcha/api.js", "captcha"])
def test_wall_markers_block_only_on_the_statuses_walls_answer_with(marker):
    page = site_html("Court sentences group leader", STORY + f"<div class='{marker}'></div>")
    assert classify(made(403, page)) is SourceStatus.BLOCKED and "bot wall" in assess(made(403, page)).reason
    assert classify(made(200, page)) is SourceStatus.LIVE


# --- the page's tree from its bytes -------------------------------------------------------------------

_TRICKY_PAGES = {
    # name: (body, content type, parsed from the bytes?)
    "utf-8 with a wrong meta charset": (
        '<html><head><meta charset="windows-1251"><title>Страница не найдена — Café</title></head>'
        '<body><h1>Ошибка <!-- c -->404 ✓ 𝔄 😀</h1><p>x</p></body></html>'.encode(), "text/html; charset=utf-8", True),
    "entities, comments, a password field": (
        b'<!DOCTYPE html><title>Just a moment&hellip;</title><h1>a<!--x-->b &amp; &#x41; &eacute;</h1>'
        b'<h1>Sign in</h1><form><input type=PASSWORD></form>', "text/html", True),
    "a nul byte and bare carriage returns": (b"<html><body><h1>nul\x00byte\r\nand\rmore</h1></body></html>",
                                             "text/html", True),
    "a fragment": ("<p>only a fragment — dash</p><h1>Page not found</h1>".encode(), "text/html; charset=utf-8", True),
    "a byte order mark": (b"\xef\xbb\xbf<html><title>Error 404</title></html>", "text/html", False),
    "an XML declaration": (b'<?xml version="1.0" encoding="utf-8"?><html><title>Not Found</title></html>',
                           "application/xhtml+xml", False),
    "broken UTF-8": (b"<html><title>Caf\xe9 \xff</title><h1>Error 404</h1></html>", "text/html; charset=utf-8", False),
    "windows-1251": ("<html><title>Страница не найдена</title></html>".encode("cp1251"),
                     "text/html; charset=windows-1251", False),
    "beyond the part liveness reads": (b"<html><title>Long</title><body>" + b"<p>word</p>" * 60_000
                                       + "<h1>Страница</h1>".encode(), "text/html; charset=utf-8", False),
}


@pytest.mark.parametrize("name", list(_TRICKY_PAGES))
def test_a_page_parsed_from_its_bytes_reads_as_the_same_page_parsed_from_its_text(name, monkeypatch):
    import citewatch.liveness as liveness
    from citewatch.charset import detect_encoding

    body, content_type, from_bytes = _TRICKY_PAGES[name]
    result = FetchResult(url="https://news.test/a/story", final_url="https://news.test/a/story",
                         status=SourceStatus.LIVE, http_status=200, body=body, content_type=content_type,
                         headers=[("Content-Type", content_type)], encoding=detect_encoding(content_type, body),
                         fetched_at=datetime.now(timezone.utc))
    assert (liveness._utf8_as_it_is(result) is not None) is from_bytes

    def seen() -> tuple:
        view = liveness.PageView.of(result)
        return (view.title(), view.headings(), view.has_password_field(), view.has_error_wording(),
                assess(result))

    now = seen()
    monkeypatch.setattr(liveness, "_utf8_as_it_is", lambda result: None)  # every page from its text
    assert now == seen()
