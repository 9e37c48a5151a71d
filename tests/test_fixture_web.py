"""The fixture web itself: what the demo, benchmarks and other tests rely on."""

from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest
import requests

from citewatch.testing.fixture_web import FixtureWeb, Route, Steps, _gzip_bomb, closed_port_url, html_page, redirect


def test_hosts_on_distinct_loopback_addresses_record_what_they_receive():
    with FixtureWeb(hosts=3) as web:
        assert [h.ip for h in web] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        web[1].route("/page", html_page("Title", "<p>body</p>"))
        answer = requests.get(web[1].url("/page?x=1"), headers={"User-Agent": "probe/1"})
        assert answer.status_code == 200 and "<nav" in answer.text and "<footer" in answer.text
        [request] = web[1].requests
        assert (request.method, request.path, request.header("user-agent")) == ("GET", "/page?x=1", "probe/1")
        # The client may hold the whole answer before the server thread has counted its last write.
        give_up = time.monotonic() + 5
        while request.finished_at is None and time.monotonic() < give_up:
            time.sleep(0.01)
        assert request.bytes_sent > len(answer.content)
        # Other hosts never saw this request (ephemeral ports may still catch stray traffic meant
        # for an earlier server on the same port, so look for ours only).
        for other in (web[0], web[2]):
            assert not [r for r in other.requests if r.header("user-agent") == "probe/1"]
        assert web[1].requests_to("/page") == [request] and web[1].requests_to("/page?x=2") == []


def test_steps_then_change_at_run_time_and_fallback():
    with FixtureWeb() as web:
        host = web[0]
        host.route("/s", Steps(Route(status=503), Route(status=200, body="ok")))
        assert [requests.get(host.url("/s")).status_code for _ in range(3)] == [503, 200, 200]
        host.route("/s", Route(status=410))
        assert requests.get(host.url("/s")).status_code == 410
        assert requests.get(host.url("/unknown")).status_code == 404
        host.fallback = Route(body="catch-all")
        assert requests.get(host.url("/unknown")).text == "catch-all"
        host.clear()
        assert host.requests == []


def test_redirect_head_gzip_and_chunks():
    with FixtureWeb() as web:
        host = web[0]
        host.route("/old", redirect("/new", 308))
        host.route("/new", Route(body="x" * 5000, gzip=True, chunks=4))
        answer = requests.get(host.url("/old"))
        assert [r.status_code for r in answer.history] == [308]
        assert answer.text == "x" * 5000 and answer.headers["Content-Encoding"] == "gzip"
        assert answer.headers["Transfer-Encoding"] == "chunked"
        head = requests.head(host.url("/new"))
        assert head.status_code == 200 and head.content == b""


def test_reset_and_closed_port():
    with FixtureWeb() as web:
        web[0].route("/reset", Route(reset=True))
        with pytest.raises(requests.ConnectionError):
            requests.get(web[0].url("/reset"))
        assert len(web[0].requests_to("/reset")) == 1
    with pytest.raises(requests.ConnectionError):
        requests.get(closed_port_url("127.0.0.2"), timeout=1)


def test_a_closed_port_stays_closed_while_the_process_runs():
    """No server started later (the fixture web binds with SO_REUSEADDR) can take the port of a
    closed_port_url, so the URL is refused whenever the test uses it."""
    import socket
    from urllib.parse import urlsplit

    url = closed_port_url("127.0.0.3")
    port = urlsplit(url).port
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    with server, pytest.raises(OSError):
        server.bind(("127.0.0.3", port))
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=1)


def test_gzip_bomb_is_a_valid_gzip_stream():
    size = 3 * (1 << 20) + 12345
    assert gzip.decompress(b"".join(_gzip_bomb(size))) == bytes(size)


def test_stop_is_quick_and_leaves_no_thread_behind():
    before = threading.active_count()
    web = FixtureWeb(hosts=2).start()
    session = requests.Session()
    for host in web:
        host.route("/", Route(body="hi"))
        session.get(host.url("/"))  # leaves an idle keep-alive connection open
    web.stop()
    for thread in threading.enumerate():
        if thread.name.startswith("fixture-web") or "process_request_thread" in thread.name:
            thread.join(timeout=2)
    assert threading.active_count() <= before
    with pytest.raises(OSError):
        socket.create_connection((web[0].ip, web[0].port), timeout=0.5)
