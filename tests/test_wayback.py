"""The Wayback client against the fake Wayback service, over real loopback sockets."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from citewatch.config import Settings
from citewatch.testing.fake_wayback import FakeWayback, SaveMode
from citewatch.wayback import SaveBudget, SaveStatus, WaybackClient, client_from_settings, text_contains

URL = "http://news.test/story"
KEYS = ("access", "secret")


@pytest.fixture
def wayback():
    with FakeWayback(keys=KEYS) as service:
        yield service


def client(service: FakeWayback, **kw) -> WaybackClient:
    options = dict(timeout=2.0, poll_interval=0.01, max_polls=5)
    options.update(kw)
    return WaybackClient(service.base_url, **options)


def stamp(days_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y%m%d%H%M%S")


def test_closest_prefers_before_accessed_then_after_and_skips_errors_and_redirects(wayback):
    wayback.add_snapshot(URL, "20190101000000", "<p>early</p>")
    wayback.add_snapshot(URL, "20200301000000", "<p>good</p>")
    wayback.add_snapshot(URL, "20200501000000", "<h1>Not found</h1>", statuscode=404)
    wayback.add_snapshot(URL, "20200601000000", "", statuscode=301, location="http://news.test/")
    wayback.add_snapshot(URL, "20210101000000", "<p>later</p>")
    wb = client(wayback)

    before = wb.closest(URL, accessed=date(2020, 7, 1))
    assert before.timestamp == "20200301000000" and before.statuscode == "200"
    assert before.captured_at == datetime(2020, 3, 1, tzinfo=timezone.utc)
    assert before.archive_url == f"{wayback.base_url}/web/20200301000000/{URL}"
    assert before.raw_url == f"{wayback.base_url}/web/20200301000000id_/{URL}"
    assert wb.closest(URL, accessed=date(2020, 3, 1)).timestamp == "20200301000000"  # the same day counts
    assert wb.closest(URL, accessed=date(2018, 1, 1)).timestamp == "20190101000000"  # then after
    assert wb.closest(URL).timestamp == "20210101000000"  # then the newest
    assert wb.closest("http://news.test/never-archived") is None
    cdx = wayback.requests_to("/cdx/search/cdx")[0]
    assert cdx.query["filter"] == ["statuscode:2.."] and cdx.query["collapse"] == ["digest"]


def test_prefer_text_picks_a_capture_that_still_says_it(wayback):
    wayback.add_snapshot(URL, "20200101000000", "<p>The court sentenced <b>seventeen</b> men.</p>")
    wayback.add_snapshot(URL, "20200201000000", "<p>Page rewritten, nothing left.</p>")
    wb = client(wayback, max_text_checks=3)

    chosen = wb.closest(URL, accessed=date(2020, 3, 1), prefer_text="court sentenced seventeen")
    assert chosen.timestamp == "20200101000000"
    assert wb.closest(URL, accessed=date(2020, 3, 1)).timestamp == "20200201000000"
    # no candidate says it: the closest one, after a bounded number of raw fetches
    wayback.clear_log()
    assert wb.closest(URL, accessed=date(2020, 3, 1), prefer_text="not anywhere").timestamp == "20200201000000"
    assert len(wayback.requests_to("/web/")) <= 3


def test_fetch_raw_returns_the_archived_bytes_and_caps_size(wayback):
    body = b"<html>" + b"x" * 5000 + b"</html>"
    wayback.add_snapshot(URL, "20200101000000", body)
    snapshot = client(wayback).closest(URL)
    assert client(wayback).fetch_raw(snapshot) == body
    assert client(wayback, max_raw_bytes=100).fetch_raw(snapshot) == body[:100]
    missing = snapshot.__class__("20200101000000", "http://news.test/none", wayback.base_url)
    assert client(wayback).fetch_raw(missing) is None


def test_a_slow_service_is_given_up_on_and_not_called_again(wayback):
    wayback.add_snapshot(URL, "20200101000000", "<p>x</p>")
    wayback.slow = 5.0
    wb = client(wayback, timeout=0.3)
    assert wb.closest(URL, accessed=date(2021, 1, 1)) is None
    assert wb.closest("http://news.test/other") is None
    assert wb.ensure_capture(URL, timedelta(days=1)).status is SaveStatus.NO_KEYS
    # one timed-out CDX request; the availability fallback and the second look-up were not sent
    assert len(wayback.requests) == 1


def test_a_service_that_stops_answering_is_reported_once_not_per_source(wayback, caplog):
    wayback.slow = 5.0
    wb = client(wayback, timeout=0.3)
    with caplog.at_level("DEBUG", logger="citewatch.wayback"):
        for n in range(5):
            assert wb.closest(f"http://news.test/{n}", accessed=date(2021, 1, 1)) is None
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "did not answer" in warnings[0].getMessage()


def test_a_down_service_gives_none_after_trying_the_availability_api(wayback):
    wayback.down = True
    assert client(wayback).closest(URL, accessed=date(2020, 1, 1)) is None
    assert [r.path for r in wayback.requests] == ["/cdx/search/cdx", "/wayback/available"]


def test_availability_api_is_the_fallback_when_the_cdx_fails(wayback):
    wayback.add_snapshot(URL, "20200101000000", "<p>x</p>")
    original = wayback._cdx
    wayback._cdx = lambda query: (502, [("Content-Type", "text/plain")], b"bad gateway")
    try:
        found = client(wayback).closest(URL, accessed=date(2020, 6, 1))
    finally:
        wayback._cdx = original
    assert found is not None and found.timestamp == "20200101000000"
    assert wayback.requests_to("/wayback/available")[0].query["url"] == [URL]


def test_without_keys_no_save_request_is_ever_sent(wayback):
    outcome = client(wayback).ensure_capture(URL, timedelta(days=1))
    assert outcome.status is SaveStatus.NO_KEYS and not outcome.archived
    assert wayback.requests == []


def test_recent_capture_means_no_save(wayback):
    wayback.add_snapshot(URL, stamp(2), "<p>fresh</p>")
    outcome = client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.RECENT and outcome.archived
    assert wayback.requests_to("/save") == []


def test_spn2_job_is_kept_polled_and_succeeds(wayback):
    wayback.add_snapshot(URL, stamp(400), "<p>old</p>")
    wayback.pending_polls = 2
    jobs = []
    outcome = client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30),
                                                         on_job=lambda url, job: jobs.append((url, job)))
    assert outcome.status is SaveStatus.SAVED and outcome.archived
    assert jobs == [(URL, outcome.job_id)]
    (save,) = wayback.requests_to("/save", method="POST")
    assert save.headers["Authorization"] == "LOW access:secret" and save.form["url"] == [URL]
    assert save.form["if_not_archived_within"] == [str(30 * 86400)]
    assert len(wayback.requests_to(f"/save/status/{outcome.job_id}")) == 3  # pending, pending, success
    assert outcome.snapshot.timestamp == wayback.snapshots(URL)[-1].timestamp


def test_rate_limited_save_is_try_later(wayback):
    wayback.save_mode = SaveMode.RATE_LIMITED
    outcome = client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.TRY_LATER and "429" in outcome.reason
    assert wayback.requests_to("/save/status") == []


def test_gateway_error_and_error_answers_are_try_later(wayback):
    wayback.save_mode = SaveMode.GATEWAY_ERROR
    assert client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30)).status is SaveStatus.TRY_LATER
    wayback.save_mode = SaveMode.JOB_ERROR
    wayback.error_status_ext = "error:too-many-daily-captures"
    outcome = client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.TRY_LATER and "error:too-many-daily-captures" in outcome.reason
    assert outcome.job_id is not None
    wayback.save_mode = SaveMode.REFUSED_WITHOUT_JOB
    assert client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30)).status is SaveStatus.TRY_LATER


def test_error_answer_but_the_cdx_has_the_capture_is_confirmed(wayback):
    wayback.save_mode = SaveMode.ERROR_BUT_CAPTURED
    outcome = client(wayback, keys=KEYS).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.CONFIRMED and outcome.archived
    assert outcome.snapshot.timestamp == wayback.snapshots(URL)[-1].timestamp


def test_job_still_pending_keeps_its_id_and_can_be_asked_again(wayback):
    wayback.save_mode = SaveMode.NEVER_FINISHES
    wb = client(wayback, keys=KEYS, max_polls=3)
    outcome = wb.ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.PENDING and outcome.job_id
    assert len(wayback.requests_to("/save/status/")) == 3
    assert wb.job_outcome(URL, outcome.job_id).status is SaveStatus.PENDING


def test_save_timeout_is_try_later(wayback):
    wayback.slow, wayback.slow_paths = 5.0, ("/save",)
    outcome = client(wayback, keys=KEYS, timeout=0.3).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.TRY_LATER
    assert len(wayback.requests_to("/save", method="POST")) == 1


def test_wrong_keys_are_refused(wayback):
    outcome = client(wayback, keys=("access", "wrong")).ensure_capture(URL, timedelta(days=30))
    assert outcome.status is SaveStatus.REFUSED


def test_one_save_budget_is_shared_between_threads(wayback):
    budget = SaveBudget(per_minute=2)
    wb = client(wayback, keys=KEYS, save_budget=budget)
    outcomes = []
    threads = [threading.Thread(target=lambda i=i: outcomes.append(
        wb.ensure_capture(f"http://news.test/{i}", timedelta(days=30)))) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wayback.requests_to("/save", method="POST")) == 2
    assert sorted(o.status.value for o in outcomes) == ["saved", "saved", "try_later", "try_later", "try_later"]


def test_save_budget_refills_after_a_minute():
    now = [0.0]
    budget = SaveBudget(per_minute=1, clock=lambda: now[0])
    assert budget.try_acquire() and not budget.try_acquire()
    now[0] = 60.0
    assert budget.try_acquire()


def test_client_from_settings_respects_off_and_keys():
    assert client_from_settings(Settings(wayback_url="off")) is None
    wb = client_from_settings(Settings(wayback_url="http://127.0.0.1:9/", wayback_access_key="a",
                                       wayback_secret_key="b", wayback_timeout=3, wayback_saves_per_minute=7))
    assert wb.base_url == "http://127.0.0.1:9" and wb.keys == ("a", "b") and wb.timeout == 3
    assert wb.save_budget.per_minute == 7


def test_fake_cdx_speaks_json_and_the_raw_path_redirects_to_the_closest_capture(wayback):
    wayback.add_snapshot(URL, "20200101000000", "<p>a</p>")
    wayback.add_snapshot(URL, "20200101000000", "<p>a</p>")  # the same digest: collapsed
    wayback.add_snapshot(URL, "20200201000000", "<p>b</p>", mimetype="text/plain")
    rows = requests.get(f"{wayback.base_url}/cdx/search/cdx", timeout=5,
                        params={"url": URL, "output": "json", "collapse": "digest", "fl": "timestamp,mimetype"}).json()
    assert rows == [["timestamp", "mimetype"], ["20200101000000", "text/html"], ["20200201000000", "text/plain"]]
    answer = requests.get(f"{wayback.base_url}/web/2020id_/{URL}", timeout=5, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/web/20200101000000id_/{URL}")
    page = requests.get(f"{wayback.base_url}/web/20200201000000/{URL}", timeout=5)
    assert page.text == "<p>b</p>" and page.headers["Content-Type"] == "text/plain"


def test_text_contains_ignores_tags_case_and_spacing():
    assert text_contains(b"<p>More than <b>seventy</b>\n individuals</p>", "more than SEVENTY individuals")
    assert not text_contains(b"<script>var seventy;</script>", "seventy")
