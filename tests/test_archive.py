"""The local WARC archive: real files, read back with warcio and checked with `warcio check`."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from citewatch.archive import CaptureRow, WarcArchive, complete_members_end, payload_digest
from citewatch.db import open_database
from citewatch.models import FetchResult, SourceStatus

WARCIO = str(Path(sys.executable).parent / "warcio")
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def fetched(url="http://site.test/page", body=b"<html><p>hello</p></html>", status=200, when=T0, **extra):
    fields = dict(
        url=url, final_url=url, status=SourceStatus.LIVE if 200 <= status < 400 else SourceStatus.DEAD,
        http_status=status, reason="OK" if status == 200 else "Other",
        headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"e1"'),
                 ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")],
        request_headers=[("User-Agent", "citewatch-test"), ("Accept", "*/*")],
        body=body, content_type="text/html", fetched_at=when,
    )
    fields.update(extra)
    return FetchResult(**fields)


def warc_files(archive_dir: Path) -> list[Path]:
    return sorted((archive_dir / "warcs").glob("*.warc.gz"))


def warcio_check(paths) -> subprocess.CompletedProcess:
    return subprocess.run([WARCIO, "check", "-v", *map(str, paths)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def archive(tmp_path):
    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = WarcArchive(tmp_path / "archive", sessions)
    yield store
    store.close()


def test_store_writes_request_response_metadata_that_warcio_checks_and_reads_back(archive):
    body = bytes(range(256)) * 40  # binary on purpose: stored byte for byte
    capture = archive.store(fetched(body=body, headers=[("Content-Type", "application/octet-stream"),
                                                         ("Content-Encoding", "gzip"),
                                                         ("Transfer-Encoding", "chunked"),
                                                         ("Content-Length", "123")]))
    archive.close()

    check = warcio_check(warc_files(archive.archive_dir))
    assert check.returncode == 0, check.stdout + check.stderr
    assert archive.read_payload(capture) == body
    assert capture.payload_digest == payload_digest(body)

    with open(capture.warc_path, "rb") as handle:
        records = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                   for r in ArchiveIterator(handle)]
    kinds = [kind for kind, *_ in records]
    assert kinds == ["warcinfo", "response", "request", "metadata"]
    _, response_headers, http, payload = records[1]
    assert payload == body
    assert response_headers.get_header("WARC-Target-URI") == "http://site.test/page"
    assert response_headers.get_header("WARC-Date") == "2024-01-01T00:00:00Z"
    assert response_headers.get_header("WARC-Payload-Digest") == payload_digest(body)
    assert http.get_header("Content-Encoding") is None and http.get_header("Transfer-Encoding") is None
    assert http.get_header("Content-Length") == str(len(body))
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("X-Archive-Orig-Content-Length") == "123"
    request_headers = records[2][1]
    assert request_headers.get_header("WARC-Concurrent-To") == response_headers.get_header("WARC-Record-ID")
    assert records[2][2].get_header("User-Agent") == "citewatch-test"


def test_identical_payload_becomes_a_revisit_that_reads_back_the_original(archive):
    first = archive.store(fetched(when=T0))
    second = archive.store(fetched(when=T0 + timedelta(days=1)))
    changed = archive.store(fetched(body=b"<html>new</html>", when=T0 + timedelta(days=2)))

    assert first.record_type == "response" and changed.record_type == "response"
    assert second.record_type == "revisit" and second.revisit_of == first.id
    assert second.length < first.length + 200  # no second copy of the body
    record = archive.read_record(second)
    assert record.warc_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert record.warc_header("WARC-Refers-To") == first.record_id
    assert record.warc_header("WARC-Refers-To-Target-URI") == first.final_url
    assert record.warc_header("WARC-Refers-To-Date") == "2024-01-01T00:00:00Z"
    assert archive.read_payload(second) == b"<html><p>hello</p></html>"
    assert archive.read_payload(changed) == b"<html>new</html>"
    archive.close()
    assert warcio_check(warc_files(archive.archive_dir)).returncode == 0


def test_not_modified_answer_confirms_the_stored_copy(archive):
    original = archive.store(fetched(when=T0))
    confirmed = archive.store(fetched(status=304, body=b"", not_modified=True, when=T0 + timedelta(days=7),
                                      headers=[("ETag", '"e1"')]))
    assert confirmed.is_revisit and confirmed.revisit_of == original.id and confirmed.has_payload
    assert archive.read_record(confirmed).warc_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert archive.read_payload(confirmed) == archive.read_payload(original)
    assert archive.closest("http://site.test/page").id == confirmed.id


def test_closest_skips_errors_and_respects_before(archive):
    url = "http://site.test/page"
    january = archive.store(fetched(body=b"v1", when=datetime(2024, 1, 1, tzinfo=timezone.utc)))
    june = archive.store(fetched(body=b"v2", when=datetime(2024, 6, 1, tzinfo=timezone.utc)))
    archive.store(fetched(body=b"gone", status=404, when=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    archive.store(FetchResult(url=url, final_url=url, status=SourceStatus.TIMEOUT, error="read timed out",
                              fetched_at=datetime(2025, 2, 1, tzinfo=timezone.utc)))

    assert archive.closest(url, datetime(2024, 5, 1, tzinfo=timezone.utc)).id == june.id
    assert archive.closest(url, datetime(2024, 5, 1, tzinfo=timezone.utc), before=True).id == january.id
    assert archive.closest(url, datetime(2026, 1, 1)).id == june.id  # naive = UTC; 404 and timeout skipped
    assert archive.closest(url).id == june.id
    assert archive.closest(url, datetime(2023, 1, 1, tzinfo=timezone.utc), before=True) is None
    assert archive.closest("http://site.test/other") is None
    assert [c.http_status for c in archive.captures(url)] == [200, 200, 404, None]
    latest = archive.latest(url)
    assert latest.status == "timeout" and latest.record_type == "metadata" and not latest.has_payload
    info = json.loads(archive.read_record(latest).payload)
    assert info["error"] == "read timed out" and info["status"] == "timeout"


def test_soft_404_copies_are_not_offered(archive):
    archive.store(fetched(body=b"sorry, not found", status=200).model_copy(update={"status": SourceStatus.SOFT_404}))
    assert archive.closest("http://site.test/page") is None


def test_redirect_chain_is_recorded_and_found_by_either_url(archive):
    result = fetched(url="http://site.test/old", final_url="http://site.test/new",
                     redirects=[("http://site.test/old", 301), ("http://site.test/mid", 302)],
                     status=200).model_copy(update={"status": SourceStatus.REDIRECTED})
    capture = archive.store(result)
    assert archive.captures("http://site.test/old")[0].id == capture.id
    assert archive.captures("http://site.test/new")[0].id == capture.id
    assert archive.read_record(capture).warc_header("WARC-Target-URI") == "http://site.test/new"
    # validators found through the final URL; the 304 it earns confirms that same copy
    assert archive.validators("http://site.test/new") == ('"e1"', "Mon, 01 Jan 2024 00:00:00 GMT")
    confirmed = archive.store(fetched(url="http://site.test/new", status=304, body=b"", not_modified=True))
    assert confirmed.revisit_of == capture.id and archive.read_payload(confirmed) == result.body
    archive.close()
    with open(capture.warc_path, "rb") as handle:
        metadata = [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                    for r in ArchiveIterator(handle) if r.rec_type == "metadata"]
    target, block = metadata[0]
    assert target == "http://site.test/old"
    info = json.loads(block)
    assert info["redirects"] == [{"url": "http://site.test/old", "status": 301},
                                 {"url": "http://site.test/mid", "status": 302}]


def test_validators_come_from_the_newest_readable_copy(archive):
    assert archive.validators("http://site.test/page") is None
    archive.store(fetched(when=T0))
    archive.store(fetched(body=b"v2", when=T0 + timedelta(days=1),
                          headers=[("Content-Type", "text/html"), ("ETag", '"e2"')]))
    archive.store(fetched(body=b"err", status=500, when=T0 + timedelta(days=2),
                          headers=[("ETag", '"broken"')]))
    assert archive.validators("http://site.test/page") == ('"e2"', None)


def test_newest_readable_of_many_urls_agrees_with_closest_one_by_one(archive):
    day = timedelta(days=1)
    old, new, gone = "http://site.test/old", "http://site.test/new", "http://site.test/gone"
    moved = fetched(url=old, final_url=new, redirects=[(old, 301)], when=T0 + 3 * day)
    archive.store(fetched(url=new, when=T0))
    archive.store(moved.model_copy(update={"status": SourceStatus.REDIRECTED}))
    archive.store(fetched(url=new, status=304, body=b"", not_modified=True, when=T0 + 4 * day))
    archive.store(fetched(url=old, body=b"older copy", when=T0 + day))
    archive.store(fetched(url=gone, when=T0))
    archive.store(fetched(url=gone, body=b"missing", status=404, when=T0 + 5 * day))
    archive.store(fetched(url="http://site.test/only-404", status=404, body=b"no"))
    urls = [old, new, gone, "http://site.test/only-404", "http://site.test/never"]

    found = archive.newest_readable(urls, chunk=2)  # small chunks: the merge across chunks counts too

    one_by_one = {url: archive.closest(url) for url in urls}
    assert found == {url: capture for url, capture in one_by_one.items() if capture is not None}
    assert found[new].http_status == 304  # newer than the redirect that also ended at `new`
    assert found[old].final_url == new and found[old].http_status == 200  # the redirect beats the older copy
    assert found[gone].http_status == 200 and set(found) == {old, new, gone}


def test_a_304_revisits_the_copy_whose_validators_were_sent(archive):
    first = archive.store(fetched(when=T0))
    archive.store(fetched(body=b"v2", when=T0 + timedelta(days=1)))
    confirmed = archive.store(fetched(status=304, body=b"", not_modified=True, when=T0 + timedelta(days=2)),
                              confirmed=first)
    assert confirmed.revisit_of == first.id and archive.read_payload(confirmed) == fetched().body
    again = archive.store(fetched(status=304, body=b"", not_modified=True, when=T0 + timedelta(days=3)),
                          confirmed=confirmed)  # a revisit given: its original is what gets referred to
    assert again.revisit_of == first.id


def test_the_same_bytes_as_the_copy_the_request_knew_revisit_that_copy(archive):
    first = archive.store(fetched(when=T0))
    known = archive.store(fetched(when=T0 + timedelta(days=1)), dedup=False)  # a second whole copy
    again = archive.store(fetched(when=T0 + timedelta(days=2)), confirmed=known)
    assert known.record_type == "response" and again.record_type == "revisit"
    assert again.revisit_of == known.id  # the copy given, not the oldest one a lookup finds
    assert archive.store(fetched(when=T0 + timedelta(days=3))).revisit_of == first.id
    assert archive.read_record(again).warc_header("WARC-Refers-To") == known.record_id
    assert archive.read_payload(again) == fetched().body
    changed = archive.store(fetched(body=b"<html>new</html>", when=T0 + timedelta(days=4)), confirmed=known)
    assert changed.record_type == "response" and archive.read_payload(changed) == b"<html>new</html>"


def test_concurrent_stores_from_threads(tmp_path):
    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    archive = WarcArchive(tmp_path / "archive", sessions, max_file_bytes=20_000)  # forces rotation
    bodies = {f"http://site.test/{t}/{i}": random.Random(f"{t}-{i}").randbytes(3000)
              for t in range(4) for i in range(8)}
    errors = []

    def worker(thread: int):
        try:
            for i in range(8):
                url = f"http://site.test/{thread}/{i}"
                archive.store(fetched(url=url, body=bodies[url]))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    archive.close()

    assert not errors
    for url, body in bodies.items():
        (capture,) = archive.captures(url)
        assert archive.read_payload(capture) == body
    files = warc_files(tmp_path / "archive")
    assert len(files) > 1
    check = warcio_check(files)
    assert check.returncode == 0, check.stdout


def test_open_repairs_a_torn_tail_and_drops_rows_past_the_end(tmp_path):
    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    archive = WarcArchive(tmp_path / "archive", sessions)
    kept = archive.store(fetched(url="http://site.test/a", body=b"A" * 5000))
    lost = archive.store(fetched(url="http://site.test/b", body=random.Random(1).randbytes(5000)))
    warc = kept.warc_path
    # Simulate a crash: the writer dies (its flock goes) and the file loses the end of record b.
    archive._current.close()
    archive._current = None
    with open(warc, "r+b") as handle:
        handle.truncate(lost.offset + lost.length // 2)

    reopened = WarcArchive(tmp_path / "archive", sessions)
    assert warc.stat().st_size == lost.offset  # cut back to the end of a's records
    assert [c.url for c in reopened.captures("http://site.test/a")] == ["http://site.test/a"]
    assert reopened.captures("http://site.test/b") == []
    assert reopened.read_payload(kept) == b"A" * 5000
    assert warcio_check([warc]).returncode == 0
    again = reopened.store(fetched(url="http://site.test/b", body=b"B"))
    assert again.warc_path != warc and reopened.read_payload(again) == b"B"


def test_rows_past_the_end_of_a_closed_file_go_with_the_revisits_that_need_them(tmp_path):
    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    with WarcArchive(tmp_path / "archive", sessions) as first_run:
        kept = first_run.store(fetched(url="http://site.test/a", body=b"A"))
        cut = first_run.store(fetched(url="http://site.test/b", body=b"B" * 1000))
    with WarcArchive(tmp_path / "archive", sessions) as second_run:
        revisit = second_run.store(fetched(url="http://site.test/b", body=b"B" * 1000))
    assert revisit.revisit_of == cut.id and revisit.warc_file != cut.warc_file
    with open(cut.warc_path, "r+b") as handle:  # a restore from an old backup, say
        handle.truncate(cut.offset)

    third_run = WarcArchive(tmp_path / "archive", sessions)
    assert third_run.captures("http://site.test/b") == []
    assert third_run.read_payload(third_run.captures("http://site.test/a")[0]) == b"A"
    assert kept.id == third_run.captures("http://site.test/a")[0].id


def test_complete_members_end_finds_the_last_whole_gzip_member(tmp_path):
    import gzip

    path = tmp_path / "x.gz"
    one, two = gzip.compress(b"one"), gzip.compress(b"two" * 100)
    path.write_bytes(one + two + two[:-3])
    assert complete_members_end(path) == len(one) + len(two)
    assert complete_members_end(path, start=len(one)) == len(one) + len(two)
    path.write_bytes(one + b"garbage")
    assert complete_members_end(path) == len(one)


KILL_BODY_SIZE = 100_000
CHILD = textwrap.dedent("""
    import os, random, sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from citewatch import archive as archive_module
    from citewatch.archive import WarcArchive
    from citewatch.db import open_database
    from citewatch.models import FetchResult, SourceStatus

    base = Path(sys.argv[1])
    SIZE = int(sys.argv[2])

    def slow_disk_write(self, data):
        # A slow disk: the bytes of one store reach the file in pieces, so the kill can tear one.
        offset = self.size
        for start in range(0, len(data), 8192):
            self.handle.write(data[start:start + 8192])
            self.handle.flush()
            time.sleep(0.001)
        self.size += len(data)
        return offset

    archive_module._OpenWarc.write = slow_disk_write
    _, sessions = open_database(f"sqlite:///{base / 'state.sqlite'}")
    archive = WarcArchive(base / "archive", sessions, max_file_bytes=6 * SIZE)
    first, count = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (0, 10**9)
    i = first
    while i < first + count:
        body = random.Random(i).randbytes(SIZE)
        url = f"http://site.test/{i}"
        archive.store(FetchResult(url=url, final_url=url, status=SourceStatus.LIVE, http_status=200,
                                  body=body, fetched_at=datetime.now(timezone.utc)))
        print(i, flush=True)
        i += 1
""")


@pytest.mark.slow
def test_kill_9_while_writing_loses_no_completed_record(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    for round_ in range(2):
        child = subprocess.Popen([sys.executable, str(script), str(tmp_path), str(KILL_BODY_SIZE)],
                                 stdout=subprocess.PIPE, text=True)
        wanted = random.randint(3, 12)
        for line in child.stdout:
            if int(line) >= wanted:
                break
        threading.Event().wait(random.uniform(0, 0.03))  # land somewhere inside a write
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()

    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    archive = WarcArchive(tmp_path / "archive", sessions)
    with sessions() as session:
        urls = [row.url for row in session.query(CaptureRow)]
    assert len(urls) >= 8
    kinds = set()
    for url in set(urls):
        index = int(url.rsplit("/", 1)[1])
        for capture in archive.captures(url):
            kinds.add(capture.record_type)
            assert archive.read_payload(capture) == random.Random(index).randbytes(KILL_BODY_SIZE)
    assert kinds == {"response", "revisit"}  # the second run found the first run's payloads
    check = warcio_check(warc_files(tmp_path / "archive"))
    assert check.returncode == 0, check.stdout + check.stderr

    after = archive.store(fetched(url="http://site.test/after", body=b"still working"))
    archive.close()
    assert archive.read_payload(after) == b"still working"
    assert warcio_check(warc_files(tmp_path / "archive")).returncode == 0


# --- the `citewatch archive` command -------------------------------------------------------


def test_archive_cli_lists_and_writes_back_the_original_bytes(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    folder = tmp_path / "archive"
    _, sessions = open_database(f"sqlite:///{folder / 'citewatch.sqlite'}")
    with WarcArchive(folder, sessions) as store:
        first = store.store(fetched(body=b"\x00binary\xffv1", when=T0))
        store.store(fetched(body=b"\x00binary\xffv1", when=T0 + timedelta(days=1)))
        store.store(fetched(body=b"v2", when=T0 + timedelta(days=30)))
        store.store(fetched(body=b"gone", status=404, when=T0 + timedelta(days=60)))
    runner = CliRunner()
    url = "http://site.test/page"

    listed = runner.invoke(app, ["archive", "list", url, "--archive-dir", str(folder)])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 4
    assert "2024-01-01 00:00:00Z" in lines[0] and " 200 " in lines[0] and first.payload_digest in lines[0]
    assert f"{first.warc_file}:{first.offset}" in lines[0] and lines[0].endswith("response")
    assert f"revisit of #{first.id} (2024-01-01 00:00:00Z)" in lines[1]
    assert " 404 " in lines[3]

    newest = runner.invoke(app, ["archive", "show", url, "--archive-dir", str(folder)])
    assert newest.exit_code == 0 and newest.stdout_bytes == b"v2"
    out = tmp_path / "copy.bin"
    dated = runner.invoke(app, ["archive", "show", url, "--at", "2024-01-02", "-o", str(out),
                                "--archive-dir", str(folder)])
    assert dated.exit_code == 0, dated.output
    assert out.read_bytes() == b"\x00binary\xffv1"  # the revisit, followed to its payload

    nothing = runner.invoke(app, ["archive", "list", "http://site.test/none", "--archive-dir", str(folder)])
    assert nothing.exit_code == 2 and "nothing archived for http://site.test/none" in nothing.stderr
    with WarcArchive(folder, sessions) as store:
        store.store(fetched(url="http://site.test/lost", body=b"gone", status=404))
    unreadable = runner.invoke(app, ["archive", "show", "http://site.test/lost", "--archive-dir", str(folder)])
    assert unreadable.exit_code == 2 and "(1 capture, none a 2xx page;" in unreadable.stderr
    bad_date = runner.invoke(app, ["archive", "show", url, "--at", "last week", "--archive-dir", str(folder)])
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.stderr
    missing = runner.invoke(app, ["archive", "list", url, "--archive-dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no archive at" in missing.stderr
    assert not (tmp_path / "nope").exists()


@pytest.mark.slow
def test_processes_that_open_a_fresh_database_at_once_all_succeed(tmp_path):
    # Before schema creation took SQLite's write lock, most rounds of this failed with
    # "table archive_captures already exists" in all but one process.
    opener = "import sys; from citewatch.db import open_database; open_database(sys.argv[1])"
    for round_ in range(5):
        url = f"sqlite:///{tmp_path / f'state-{round_}.sqlite'}"
        openers = [subprocess.Popen([sys.executable, "-c", opener, url], stderr=subprocess.PIPE, text=True)
                   for _ in range(4)]
        errors = [p.communicate(timeout=120)[1] for p in openers]
        assert [p.returncode for p in openers] == [0, 0, 0, 0], errors


@pytest.mark.slow
def test_two_processes_write_one_archive_at_once(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    size = 20_000
    writers = [subprocess.Popen([sys.executable, str(script), str(tmp_path), str(size), str(first), "6"],
                                stdout=subprocess.DEVNULL) for first in (0, 100)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]

    _, sessions = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    archive = WarcArchive(tmp_path / "archive", sessions)
    files = set()
    for index in [*range(6), *range(100, 106)]:
        (capture,) = archive.captures(f"http://site.test/{index}")
        files.add(capture.warc_file.split("-")[2])  # the writer's pid
        assert archive.read_payload(capture) == random.Random(index).randbytes(size)
    assert len(files) == 2
    assert warcio_check(warc_files(tmp_path / "archive")).returncode == 0


def test_real_fetches_from_the_fixture_web_archive_and_earn_a_304(archive):
    from citewatch.config import Settings
    from citewatch.fetch import Fetcher, Validators
    from citewatch.testing.fixture_web import FixtureWeb, Route, html_page, redirect

    page = html_page("Budget passed", "<p>The budget passed on 3 May with 70 votes.</p>")
    with FixtureWeb(hosts=1) as web:
        host = web[0]
        host.route("/story", Route(body=page.payload(), gzip=True, etag='"s1"'))
        host.route("/old", redirect("/story", status=301))
        fetcher = Fetcher(Settings(allow_private_hosts=True, connect_timeout=2, read_timeout=2,
                                   total_deadline=10, max_retries=0, wayback_url="off"))
        first = fetcher.fetch(host.url("/old"))
        stored = archive.store(first)
        validators = archive.validators(host.url("/old"))
        second = fetcher.fetch(host.url("/old"), Validators(*validators))
        again = archive.store(second)

    assert first.http_status == 200 and first.body == page.payload()
    assert stored.url == host.url("/old") and stored.final_url == host.url("/story")
    http = archive.read_record(stored).http_headers
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("Content-Length") == str(len(first.body))
    assert validators == ('"s1"', None)
    assert second.not_modified and again.revisit_of == stored.id
    assert archive.read_payload(again) == page.payload()
    archive.close()
    assert warcio_check(warc_files(archive.archive_dir)).returncode == 0


def test_stores_made_at_the_same_time_share_one_index_commit_and_each_gets_its_own_row(archive):
    """Group commit: while one store's index row is being committed, the rows of the stores that
    come in meanwhile wait and go in together, in one transaction (not one each)."""
    from sqlalchemy import event

    engine = archive._engine
    first_commit_held = threading.Event()
    others_waiting = threading.Event()
    stores = 12
    commits = []
    archive.store(fetched(url="http://site.test/opens-the-file"))  # the WARC file and its row exist

    def on_commit(_connection):
        commits.append(len(archive._index._pending))
        if len(commits) == 1:  # hold the first group until every other store has handed its row over
            first_commit_held.set()
            assert others_waiting.wait(10)

    event.listen(engine, "commit", on_commit)
    try:
        results: dict[int, object] = {}

        def store(i):
            results[i] = archive.store(fetched(url=f"http://site.test/{i}", body=f"<p>page {i}</p>".encode()))

        first = threading.Thread(target=store, args=(0,))
        first.start()
        assert first_commit_held.wait(30)
        others = [threading.Thread(target=store, args=(i,)) for i in range(1, stores)]
        for thread in others:
            thread.start()
        for _ in range(1000):
            if len(archive._index._pending) >= stores - 1:
                break
            threading.Event().wait(0.01)
        others_waiting.set()
        for thread in [first, *others]:
            thread.join(30)
    finally:
        event.remove(engine, "commit", on_commit)

    assert len(commits) == 2  # the first store's row alone, then the eleven others together
    ids = {results[i].id for i in range(stores)}
    assert len(ids) == stores  # every store its own row, and its own id
    for i in range(stores):
        capture = results[i]
        assert capture.url == f"http://site.test/{i}"
        assert archive.read_payload(capture) == f"<p>page {i}</p>".encode()
        assert archive.capture(capture.id).offset == capture.offset  # the id names that very row
    assert warcio_check(warc_files(archive.archive_dir)).returncode == 0


def test_a_group_whose_commit_fails_is_written_row_by_row_so_only_the_bad_row_fails(archive, monkeypatch):
    """One row that cannot be written (here: a row refused by the database) fails its own store only."""
    import citewatch.archive as archive_module

    writer = archive._index
    real_insert = writer._insert
    calls = []

    def refusing(group):
        calls.append(len(group))
        if any(row.fields["url"].endswith("/bad") for row in group):
            raise RuntimeError("refused by the database")
        return real_insert(group)

    monkeypatch.setattr(writer, "_insert", refusing)
    good, bad = archive_module._PendingRow({}, None), archive_module._PendingRow({}, None)
    good.fields = dict(_fields_of(archive, "http://site.test/good"))
    bad.fields = dict(_fields_of(archive, "http://site.test/bad"))
    calls.clear()
    writer._write([good, bad])
    assert calls == [2, 1, 1]  # the group, then each row alone
    assert good.error is None and archive.capture(good.id).url == "http://site.test/good"
    assert isinstance(bad.error, RuntimeError) and bad.id is None
    assert good.done.is_set() and bad.done.is_set()


def _fields_of(archive, url):
    """The index fields of a real stored fetch, under another URL."""
    capture = archive.store(fetched(url=url + "-template"))
    fields = {name: getattr(capture, name) for name in archive_fields() if hasattr(capture, name)}
    return {**fields, "url": url, "fetched_at": capture.fetched_at.replace(tzinfo=None),
            "fetched_epoch": capture.fetched_at.timestamp()}


def archive_fields():
    return [c.name for c in CaptureRow.__table__.columns if c.name != "id"]


def test_every_record_is_a_gzip_member_of_its_own_that_the_standard_zlib_reads(archive):
    # the members are made by zlib-ng (faster); any gzip reader must still take them one by one
    import zlib

    body = b"<html><body>" + b"".join(b"<p>Paragraph %d of a long article.</p>" % i for i in range(5000)) + b"</body>"
    capture = archive.store(fetched(body=body))
    archive.close()
    data = capture.warc_path.read_bytes()
    members, start = [], capture.offset
    for _ in range(3):  # response, request, metadata
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        members.append(decompressor.decompress(data[start:]))
        assert decompressor.eof
        if len(members) == 1:  # the index's offset and length are the response's member
            assert len(data) - len(decompressor.unused_data) - capture.offset == capture.length
        start = len(data) - len(decompressor.unused_data)
    assert start == len(data)
    kinds = [m.split(b"\r\n\r\n", 1)[0].split(b"\r\n") for m in members]
    assert [[h for h in headers if h.startswith(b"WARC-Type:")] for headers in kinds] == [
        [b"WARC-Type: response"], [b"WARC-Type: request"], [b"WARC-Type: metadata"]]
    assert members[0].endswith(body + b"\r\n\r\n")
    assert len(data) < len(body) / 5  # compressed, not stored
