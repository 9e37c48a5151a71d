"""The fetcher against the fixture web: real sockets to 127.0.0.x, statuses and retry counts
counted on the server side."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from webfixtures import PATHS, STORY

from citewatch.fetch import Fetcher, Validators, backoff_delay, make_session, parse_retry_after
from citewatch.models import FetchResult, SourceStatus
from citewatch.testing.fixture_web import Route, html_page, redirect, text


@pytest.fixture
def herald(fixture_web):
    return fixture_web[0]


@pytest.fixture
def fetcher(fast_settings):
    return Fetcher(fast_settings)


def page_requests(host, key):
    return host.requests_to(PATHS[key])


def test_plain_page_is_live_with_headers_body_and_user_agent(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["ok"]))
    assert result.status is SourceStatus.LIVE
    assert (result.http_status, result.attempts, result.final_url) == (200, 1, result.url)
    assert b"More than seventy people were arrested" in result.body
    assert result.header("content-type") == "text/html; charset=utf-8" and result.encoding == "utf-8"
    assert result.remote_ip == "127.0.0.1" and result.error is None
    [request] = page_requests(herald, "ok")
    assert request.header("User-Agent") == fast_settings.user_agent
    assert dict(result.request_headers)["User-Agent"] == fast_settings.user_agent


def test_redirect_chain_301_302_307_308_is_followed_by_hand(herald, fetcher):
    result = fetcher.fetch(herald.url("/r/1"))
    assert result.status is SourceStatus.REDIRECTED
    assert result.final_url == herald.url(PATHS["ok"])
    assert [code for _, code in result.redirects] == [301, 302, 307, 308]
    assert [url for url, _ in result.redirects] == [herald.url(f"/r/{i}") for i in (1, 2, 3, 4)]
    assert all(len(herald.requests_to(f"/r/{i}")) == 1 for i in (1, 2, 3, 4))


def test_redirect_loop_is_detected(herald, fetcher):
    result = fetcher.fetch(herald.url("/loop/a"))
    assert result.status is SourceStatus.SERVER_ERROR
    assert "redirect loop" in result.error
    assert len(herald.requests_to("/loop/a")) == 1 and len(herald.requests_to("/loop/b")) == 1


def test_more_redirects_than_the_limit(herald, fast_settings):
    for i in range(5):
        herald.route(f"/hop/{i}", redirect(f"/hop/{i + 1}", 301))
    herald.route("/hop/5", html_page("End", "<p>end</p>"))
    result = Fetcher(fast_settings.model_copy(update={"max_redirects": 3})).fetch(herald.url("/hop/0"))
    assert result.status is SourceStatus.SERVER_ERROR and "more than 3 redirects" in result.error
    assert herald.requests_to("/hop/4") == []


def test_a_redirect_that_sets_a_cookie_and_comes_back_is_no_loop(herald, fetcher):
    herald.route("/gate", lambda req: html_page("Behind the gate", "<p>welcome back</p>" * 30)
                 if "visited=1" in (req.header("Cookie") or "")
                 else Route(status=302, location="/set-cookie"))
    herald.route("/set-cookie", Route(status=302, location="/gate", headers=[("Set-Cookie", "visited=1; Path=/")]))
    result = fetcher.fetch(herald.url("/gate"))
    assert result.status is SourceStatus.LIVE and b"welcome back" in result.body
    assert len(herald.requests_to("/gate")) == 2


def test_429_with_retry_after_then_200(herald, fetcher):
    result = fetcher.fetch(herald.url(PATHS["rate_limited"]))
    assert result.status is SourceStatus.LIVE and result.attempts == 2
    first, second = page_requests(herald, "rate_limited")
    # Retry-After: 1 is capped by retry_after_max (0.2 s): the wait happened, bounded by the cap
    assert second.received_at - first.received_at >= 0.15


def test_500_then_200_is_retried(herald, fetcher):
    result = fetcher.fetch(herald.url(PATHS["flaky"]))
    assert result.status is SourceStatus.LIVE and result.attempts == 2
    assert len(page_requests(herald, "flaky")) == 2


def test_persistent_500_gives_server_error_after_all_retries(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["always_500"]))
    assert result.status is SourceStatus.SERVER_ERROR and result.http_status == 500
    assert result.attempts == fast_settings.max_retries + 1 == len(page_requests(herald, "always_500"))


@pytest.mark.parametrize("key,status", [("gone404", SourceStatus.DEAD), ("gone410", SourceStatus.DEAD),
                                        ("unauthorized", SourceStatus.BLOCKED), ("forbidden", SourceStatus.BLOCKED),
                                        ("challenge", SourceStatus.BLOCKED)])
def test_4xx_is_not_retried(herald, fetcher, key, status):
    result = fetcher.fetch(herald.url(PATHS[key]))
    assert result.status is status and result.attempts == 1
    assert len(page_requests(herald, key)) == 1


def test_a_503_challenge_is_not_retried(herald, fetcher):
    herald.route("/cf503", Route(status=503, body="<html><head><title>Just a moment...</title></head>"
                                               "<body><script src='/cdn-cgi/challenge-platform/x.js'></script></body></html>"))
    result = fetcher.fetch(herald.url("/cf503"))
    assert result.status is SourceStatus.BLOCKED and result.attempts == 1


@pytest.mark.slow
def test_slow_page_past_the_read_timeout(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["slow"]))
    assert result.status is SourceStatus.TIMEOUT and "0.3 s" in result.error
    assert result.attempts == fast_settings.max_retries + 1 == len(page_requests(herald, "slow"))


@pytest.mark.slow
def test_total_deadline_stops_a_page_that_drips(herald, fast_settings):
    # every chunk arrives within the read timeout, but the whole page would take 4 s
    settings = fast_settings.model_copy(update={"total_deadline": 0.6, "read_timeout": 0.5})
    result = Fetcher(settings).fetch(herald.url(PATHS["drip"]))
    assert result.status is SourceStatus.TIMEOUT and "total deadline" in result.error
    assert len(page_requests(herald, "drip")) == 1


def test_connection_reset_is_unreachable_after_retries(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["reset"]))
    assert result.status is SourceStatus.UNREACHABLE and "reset" in result.error
    assert result.attempts == fast_settings.max_retries + 1 == len(page_requests(herald, "reset"))


def test_body_larger_than_the_limit_is_cut(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["large"]))
    assert result.status is SourceStatus.TOO_LARGE and result.truncated
    assert len(result.body) == fast_settings.max_body_bytes
    assert "max_body_bytes" in result.error


def test_gzip_bomb_stops_early(herald, fetcher, fast_settings):
    result = fetcher.fetch(herald.url(PATHS["bomb"]))
    assert result.status is SourceStatus.TOO_LARGE
    assert len(result.body) == fast_settings.max_body_bytes and result.body == bytes(len(result.body))
    [request] = page_requests(herald, "bomb")
    # the whole bomb is ~100 MB on the wire (100 GiB inflated); the fetcher stopped after a few KB,
    # and what the server managed to write before the connection closed is bounded by socket buffers
    assert request.bytes_sent < 20 * 1024 * 1024


def test_gzip_page_is_decoded(herald, fetcher):
    herald.route("/gz", html_page("Compressed", "<p>packed words</p>" * 50, gzip=True, chunks=3))
    result = fetcher.fetch(herald.url("/gz"))
    assert result.status is SourceStatus.LIVE and b"packed words" in result.body
    assert result.header("Content-Encoding") == "gzip"


@pytest.mark.parametrize("key", ["cp1251_no_charset", "cp1251_wrong_header", "cp1251_meta_only"])
def test_russian_windows_1251_page_is_read_right(herald, fetcher, key):
    result = fetcher.fetch(herald.url(PATHS[key]))
    assert result.status is SourceStatus.LIVE
    assert result.encoding == "cp1251"
    assert "Более семидесяти человек были задержаны" in result.body.decode(result.encoding)


def test_azerbaijani_utf8_without_any_declaration(herald, fetcher):
    result = fetcher.fetch(herald.url(PATHS["az_no_charset"]))
    assert result.encoding == "utf-8"
    assert "yetmişdən çox şəxs həbs edilib" in result.body.decode(result.encoding)
    # not even a Content-Type header
    herald.route("/az/bare", Route(body=result.body, content_type=None))
    bare = fetcher.fetch(herald.url("/az/bare"))
    assert bare.content_type == "" and bare.encoding == "utf-8" and bare.status is SourceStatus.LIVE


def test_pdf_is_fetched_as_bytes(herald, fetcher):
    result = fetcher.fetch(herald.url(PATHS["pdf"]))
    assert result.status is SourceStatus.LIVE and result.body.startswith(b"%PDF")
    assert result.content_type == "application/pdf" and result.encoding is None


def test_robots_txt_disallow_blocks_without_requesting_the_page(herald, fetcher):
    result = fetcher.fetch(herald.url(PATHS["robots_disallowed"]))
    again = fetcher.fetch(herald.url("/private/other"))
    assert result.status is SourceStatus.BLOCKED and again.status is SourceStatus.BLOCKED
    assert "robots.txt" in result.error
    assert page_requests(herald, "robots_disallowed") == [] and herald.requests_to("/private/other") == []
    assert len(herald.requests_to("/robots.txt")) == 1  # cached per host


def test_robots_txt_behind_a_redirect_is_followed(fixture_web, fetcher):
    plain = fixture_web[2]
    plain.route("/robots.txt", redirect("/static/robots.txt", 301))
    plain.route("/static/robots.txt", text("User-agent: citewatch\nDisallow: /drafts/\n\nUser-agent: *\nAllow: /\n"))
    plain.route("/drafts/story", html_page("Draft", STORY))
    result = fetcher.fetch(plain.url("/drafts/story"))
    assert result.status is SourceStatus.BLOCKED and plain.requests_to("/drafts/story") == []


def test_a_huge_error_page_keeps_its_error_status(herald, fetcher):
    herald.route("/huge-404", html_page("Not here", STORY * 400, status=404))
    result = fetcher.fetch(herald.url("/huge-404"))
    assert result.status is SourceStatus.DEAD and result.truncated


def test_robots_txt_can_be_ignored_by_configuration(herald, fast_settings):
    result = Fetcher(fast_settings.model_copy(update={"obey_robots": False})).fetch(herald.url(PATHS["robots_disallowed"]))
    assert result.status is SourceStatus.LIVE
    assert herald.requests_to("/robots.txt") == []


def test_conditional_request_gets_304(herald, fetcher):
    first = fetcher.fetch(herald.url(PATHS["conditional"]))
    validators = Validators.from_result(first)
    assert validators == Validators('"v1-abc"', "Wed, 25 Jan 2017 10:00:00 GMT")
    second = fetcher.fetch(herald.url(PATHS["conditional"]), validators)
    assert second.status is SourceStatus.LIVE and second.not_modified and second.http_status == 304
    assert second.body == b""
    request = page_requests(herald, "conditional")[-1]
    assert request.header("If-None-Match") == '"v1-abc"'
    assert request.header("If-Modified-Since") == "Wed, 25 Jan 2017 10:00:00 GMT"


def test_a_page_that_changes_then_dies_between_runs(herald, fetcher):
    herald.route("/living", html_page("Version one", "<p>first text</p>" * 20))
    assert b"first text" in fetcher.fetch(herald.url("/living")).body
    herald.route("/living", html_page("Version two", "<p>second text</p>" * 20))
    assert b"second text" in fetcher.fetch(herald.url("/living")).body
    herald.route("/living", Route(status=404, body="gone"))
    assert fetcher.fetch(herald.url("/living")).status is SourceStatus.DEAD


def test_unknown_domain_is_dead_and_dns_failure_unreachable(fast_settings):
    def resolver(host, port, *args, **kwargs):
        if host == "gone.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    fetcher = Fetcher(fast_settings, resolver=resolver)
    gone = fetcher.fetch("http://gone.example/story")
    assert gone.status is SourceStatus.DEAD and "may no longer exist" in gone.error and gone.attempts == 1
    down = fetcher.fetch("http://example.org/story")
    assert down.status is SourceStatus.UNREACHABLE and down.attempts == fast_settings.max_retries + 1


# --- politeness ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_per_host_concurrency_is_never_exceeded(fixture_web, fast_settings):
    herald, daily, plain = fixture_web
    for host in (herald, plain):
        for i in range(6):
            host.route(f"/p/{i}", html_page(f"Page {i}", "<p>text</p>" * 20, delay=0.3))
    settings = fast_settings.model_copy(update={"read_timeout": 2.0, "total_deadline": 10.0, "soft404_probe": False})
    fetcher = Fetcher(settings)
    items = [(host.url(f"/p/{i}"), None) for i in range(6) for host in (herald, plain)]
    results = list(fetcher.fetch_many(items))
    assert sorted(r.url for r in results) == sorted(url for url, _ in items)
    assert all(r.status is SourceStatus.LIVE for r in results)
    assert herald.max_in_flight == plain.max_in_flight == settings.per_host_concurrency

    # direct fetch() calls from many threads share the same limit
    herald.clear()
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(r.status is SourceStatus.LIVE for r in pool.map(fetcher.fetch, [herald.url(f"/p/{i}") for i in range(6)]))
    assert herald.max_in_flight == settings.per_host_concurrency


@pytest.mark.slow
def test_minimum_delay_between_requests_to_one_host(herald, fast_settings):
    settings = fast_settings.model_copy(update={"per_host_delay": 0.2, "per_host_concurrency": 3,
                                                "obey_robots": False, "soft404_probe": False})
    for i in range(4):
        herald.route(f"/d/{i}", html_page(f"Page {i}", "<p>text</p>"))
    list(Fetcher(settings).fetch_many([(herald.url(f"/d/{i}"), None) for i in range(4)]))
    starts = sorted(r.received_at for r in herald.requests)
    assert len(starts) == 4
    # server-side arrival times carry scheduling jitter: the span adds up every delay, each gap shows it
    assert starts[-1] - starts[0] >= 3 * 0.2 - 0.1
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.1


@pytest.mark.slow
def test_robots_crawl_delay_spaces_requests(fixture_web, fast_settings):
    plain = fixture_web[2]
    plain.route("/robots.txt", text("User-agent: *\nCrawl-delay: 0.25\n"))
    for i in range(3):
        plain.route(f"/c/{i}", html_page(f"Page {i}", "<p>text</p>"))
    fetcher = Fetcher(fast_settings.model_copy(update={"soft404_probe": False}))
    assert all(fetcher.fetch(plain.url(f"/c/{i}")).status is SourceStatus.LIVE for i in range(3))
    starts = sorted(r.received_at for r in plain.requests if r.path.startswith("/c/"))
    assert starts[-1] - starts[0] >= 2 * 0.25 - 0.1


@pytest.mark.slow
def test_waiting_for_a_busy_host_does_not_eat_the_deadline(herald, fast_settings):
    # one slot, four pages of 0.4 s each and a 1 s deadline: queued fetches still succeed
    herald.route("/q", html_page("Queued", "<p>text</p>" * 20, delay=0.4))
    settings = fast_settings.model_copy(update={"per_host_concurrency": 1, "total_deadline": 1.0, "read_timeout": 0.8,
                                                "soft404_probe": False, "obey_robots": False})
    fetcher = Fetcher(settings)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fetcher.fetch, [herald.url("/q")] * 4))
    assert [r.status for r in results] == [SourceStatus.LIVE] * 4
    assert herald.max_in_flight == 1


@pytest.mark.slow
def test_fetch_many_finishes_a_host_before_taking_more_hosts_than_it_has_threads(fixture_web, fast_settings,
                                                                                monkeypatch):
    # the old round robin over every host made the pool manager (a pool per host, a few pools)
    # push pools out and reopen a connection for nearly every page once hosts outnumbered the pools
    import urllib3.connectionpool

    opened = []
    new_conn = urllib3.connectionpool.HTTPConnectionPool._new_conn
    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_new_conn",
                        lambda pool: opened.append(pool.host) or new_conn(pool))
    for host in fixture_web:
        for i in range(4):
            host.route(f"/k/{i}", html_page(f"Page {i}", "<p>text</p>"))
    settings = fast_settings.model_copy(update={"max_parallel_hosts": 1, "per_host_concurrency": 1,
                                                "soft404_probe": False})
    items = [(host.url(f"/k/{i}"), None) for i in range(4) for host in fixture_web]
    results = list(Fetcher(settings).fetch_many(items))
    assert sorted(r.url for r in results) == sorted(url for url, _ in items)
    assert all(r.status is SourceStatus.LIVE for r in results)
    hosts_in_order = [r.url.split("/")[2] for r in results]
    assert sum(a != b for a, b in zip(hosts_in_order, hosts_in_order[1:])) == 2  # host after host
    assert sorted(opened) == sorted(host.ip for host in fixture_web)  # robots.txt and 4 pages on one connection


def test_fetch_many_starts_the_busiest_host_first(fixture_web, fast_settings):
    herald, daily, plain = fixture_web
    plain.route("/b", html_page("Busy", "<p>text</p>"))
    items = [(herald.url(PATHS["ok"]), None)] + [(plain.url("/b"), None)] * 3
    settings = fast_settings.model_copy(update={"max_parallel_hosts": 1, "soft404_probe": False, "obey_robots": False})
    results = list(Fetcher(settings).fetch_many(items))
    assert [r.url for r in results] == [plain.url("/b")] * 3 + [herald.url(PATHS["ok"])]


def test_fetch_many_runs_then_in_the_fetching_threads_with_every_slot_busy(herald, fast_settings):
    herald.route("/slow", Route(body=html_page("Slow", "<p>text</p>").payload(), delay=0.15))
    settings = fast_settings.model_copy(update={"max_parallel_hosts": 1, "per_host_concurrency": 3,
                                                "soft404_probe": False, "obey_robots": False})
    seen = []

    def then(result):
        seen.append(threading.current_thread().name)
        return ("archived", result.url, result.status)

    out = list(Fetcher(settings).fetch_many([(herald.url("/slow"), None)] * 6, then=then))
    assert out == [("archived", herald.url("/slow"), SourceStatus.LIVE)] * 6
    assert all(name.startswith("citewatch-fetch") for name in seen)
    assert herald.max_in_flight == 3  # a thread for every request the host may have in flight


@pytest.mark.slow
def test_fetch_many_sends_a_hosts_next_request_while_then_still_runs(herald, fast_settings):
    """Archiving an answer does not hold the host's slot: with one request in flight per host,
    the next pages are asked for while ``then`` of the first is still at work."""
    for i in range(3):
        herald.route(f"/n/{i}", html_page(f"Page {i}", "<p>text</p>"))
    settings = fast_settings.model_copy(update={"max_parallel_hosts": 1, "per_host_concurrency": 1,
                                                "soft404_probe": False, "obey_robots": False})
    all_asked = threading.Event()
    seen_while_first_ran = []

    def then(result):
        if result.url.endswith("/n/0"):  # holds on until the other two pages were requested
            all_asked.wait(timeout=10)
            seen_while_first_ran.append(len(herald.requests_to("/n/2")))
        elif result.url.endswith("/n/2"):
            all_asked.set()
        return result.url

    out = list(Fetcher(settings).fetch_many([(herald.url(f"/n/{i}"), None) for i in range(3)], then=then))
    assert sorted(out) == [herald.url(f"/n/{i}") for i in range(3)]
    assert seen_while_first_ran == [1]  # /n/2 was fetched while /n/0 was still being handed on
    assert herald.max_in_flight == 1  # politeness: still one request at a time


def test_fetch_many_can_be_abandoned_midway(herald, fetcher):
    iterator = fetcher.fetch_many([(herald.url(PATHS["ok"]), None)] * 3)
    assert next(iterator).status is SourceStatus.LIVE
    iterator.close()  # no hang, no leaked threads waiting on the generator
    assert threading.active_count() < 50


# --- pure helpers -----------------------------------------------------------------------------------


def test_retry_after_in_seconds_and_as_http_date():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None


def test_backoff_grows_exponentially_with_jitter():
    delays = [backoff_delay(1.0, attempt) for attempt in (1, 2, 3, 4)]
    for attempt, delay in enumerate(delays, start=1):
        assert 0.5 * 2 ** (attempt - 1) <= delay <= 2 ** (attempt - 1)


def test_fetcher_closes_its_connections_and_can_go_on(herald, fast_settings):
    with Fetcher(fast_settings) as fetcher:
        assert fetcher.fetch(herald.url(PATHS["ok"])).status is SourceStatus.LIVE
    assert fetcher.fetch(herald.url(PATHS["ok"])).status is SourceStatus.LIVE


def test_session_seam_is_used(herald, fast_settings):
    session = make_session(fast_settings)
    session.headers["X-Test"] = "seam"
    Fetcher(fast_settings, session=session).fetch(herald.url(PATHS["ok"]))
    assert page_requests(herald, "ok")[0].header("X-Test") == "seam"


def test_a_results_payload_digest_is_of_the_body_it_holds_now():
    """The digest is computed once per body (the fetcher and the archive share it), and a body set
    later (dropped once archived, or another) is never described by the old one."""
    from citewatch.digests import payload_digest

    result = FetchResult(url="http://a.example/", final_url="http://a.example/", status=SourceStatus.LIVE,
                         body=b"page one", fetched_at=datetime.now(timezone.utc))
    assert result.payload_digest() == payload_digest(b"page one")
    result.body = b"page two"
    assert result.payload_digest() == payload_digest(b"page two")
    assert result.model_copy(update={"body": b""}).payload_digest() == payload_digest(b"")
