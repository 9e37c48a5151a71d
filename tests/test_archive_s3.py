"""The archive's WARC files in S3-compatible object storage (CITEWATCH_ARCHIVE_URL=s3://...),
against moto's S3 server on 127.0.0.1: real objects, read back by ranged GETs with warcio."""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import textwrap
import time
from io import BytesIO

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from citewatch.archive import CaptureRow, WarcArchive, WarcFileRow
from citewatch.config import load_settings
from citewatch.db import open_database
from citewatch.errors import ArchiveError
from citewatch.objectstore import S3WarcStore
from test_archive import fetched

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


BUCKET = "citewatch-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """A fresh bucket; boto3 finds the local server through the usual AWS_* variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def sessions(tmp_path):
    _, sessions = open_database(f"sqlite:///{tmp_path / 'shared-index.sqlite'}")
    return sessions


def object_keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_store_puts_one_warc_object_that_warcio_reads_and_a_ranged_read_gets_the_record(s3, sessions, tmp_path):
    archive = WarcArchive(tmp_path / "worker-a", sessions, storage_url=f"s3://{BUCKET}/runs/main")
    body = bytes(range(256)) * 40
    capture = archive.store(fetched(body=body))

    keys = object_keys(s3)
    assert keys == [f"runs/main/{capture.warc_file}"]
    whole = s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    records = [(r.rec_type, r.content_stream().read()) for r in ArchiveIterator(BytesIO(whole))]
    assert [kind for kind, _ in records] == ["warcinfo", "response", "request", "metadata"]
    assert records[1][1] == body

    # The index row points into the object past its warcinfo record; a ranged read gets exactly it.
    assert capture.offset > 0 and capture.offset + capture.length < len(whole)
    store = S3WarcStore(f"s3://{BUCKET}/runs/main")
    assert store.read(capture.warc_file, capture.offset, capture.length) == \
        whole[capture.offset:capture.offset + capture.length]
    assert archive.read_payload(capture) == body
    assert archive.read_record(capture).rec_type == "response"
    assert not (tmp_path / "worker-a" / "warcs").exists()  # nothing went to the local folder
    with sessions() as session:
        file_row = session.get(WarcFileRow, capture.warc_file)
    assert file_row.closed_at is not None and file_row.size == len(whole)


def test_a_second_worker_with_its_own_folder_reads_and_revisits_the_first_ones_records(s3, sessions, tmp_path):
    url = f"s3://{BUCKET}/shared"
    first = WarcArchive(tmp_path / "machine-1", sessions, storage_url=url)
    second = WarcArchive(tmp_path / "machine-2", sessions, storage_url=url)
    body = b"<html><p>the population was 1,234 in 2020</p></html>"
    stored = first.store(fetched(body=body))

    found = second.closest("http://site.test/page")
    assert found is not None and found.id == stored.id
    assert second.read_payload(found) == body
    assert second.held([found]) == {stored.id}

    # The same payload fetched by the second worker is a revisit of the first one's copy.
    again = second.store(fetched(body=body, when=stored.fetched_at.replace(year=2025)))
    assert again.is_revisit and again.revisit_of == stored.id
    assert second.read_payload(again) == body
    assert first.read_payload(again) == body

    # A worker that keeps its WARC files in a local folder cannot read those objects: it stores anew.
    local = WarcArchive(tmp_path / "machine-3", sessions)
    assert local.held([found]) == set()
    own = local.store(fetched(body=body, when=stored.fetched_at.replace(year=2026)))
    assert own.record_type == "response" and own.revisit_of is None
    assert local.read_payload(own) == body
    local.close()


def test_a_crash_between_upload_and_index_leaves_nothing_indexed_that_cannot_be_read(s3, sessions, tmp_path,
                                                                                     monkeypatch):
    url = f"s3://{BUCKET}/crash"
    archive = WarcArchive(tmp_path / "worker", sessions, storage_url=url)
    kept = archive.store(fetched(url="http://site.test/kept", body=b"kept"))

    real_put = S3WarcStore.put

    def put_then_die(self, warc_file, data):
        real_put(self, warc_file, data)
        raise SystemExit("killed after the upload, before the index row")

    monkeypatch.setattr(S3WarcStore, "put", put_then_die)
    with pytest.raises(SystemExit):
        archive.store(fetched(url="http://site.test/lost", body=b"lost"))
    monkeypatch.setattr(S3WarcStore, "put", real_put)

    # An upload that fails never reaches the index either.
    failing = WarcArchive(tmp_path / "worker", sessions, storage_url="s3://no-such-bucket/x")
    with pytest.raises(ArchiveError, match="cannot write s3://no-such-bucket/x/warcs/"):
        failing.store(fetched(url="http://site.test/failed", body=b"failed"))

    assert len(object_keys(s3)) == 2  # the orphan object is there, harmless and unindexed
    restarted = WarcArchive(tmp_path / "worker", sessions, storage_url=url)
    assert restarted.recover() == []
    with sessions() as session:
        rows = session.scalars(select(CaptureRow)).all()
        files = session.scalar(select(func.count()).select_from(WarcFileRow))
    assert [row.url for row in rows] == ["http://site.test/kept"]
    assert files == 1
    for row in rows:
        assert restarted.read_payload(restarted.capture(row.id)) == b"kept"
    assert restarted.latest("http://site.test/lost") is None
    assert kept.id == rows[0].id


def test_a_bad_archive_url_says_what_to_fix(sessions, tmp_path, monkeypatch):
    with pytest.raises(ArchiveError, match="not an s3://bucket/prefix URL"):
        WarcArchive(tmp_path / "a", sessions, storage_url="/mnt/shared/warcs")
    monkeypatch.setenv("CITEWATCH_ARCHIVE_URL", f"s3://{BUCKET}/from-env")
    assert load_settings().archive_url == f"s3://{BUCKET}/from-env"


def test_a_run_on_another_machine_checks_a_dead_page_from_the_first_machines_objects(s3, tmp_path):
    """Two workers share only the database and the bucket: the second one's run reads the
    first one's copy of a page that died meanwhile."""
    from datetime import datetime, timedelta, timezone

    from citewatch import pipeline as pl
    from citewatch.registry import load_registry
    from citewatch.testing.fixture_web import FixtureWeb, Route
    from verify_fixtures import serve_pages, write_registry

    day0 = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)
    shared = dict(database_url=f"sqlite:///{tmp_path / 'shared.sqlite'}", archive_url=f"s3://{BUCKET}/runs",
                  wayback_url="off", max_retries=0, connect_timeout=2, read_timeout=5, total_deadline=10)
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = load_registry(write_registry(tmp_path / "claims", web))
        first = load_settings(archive_dir=tmp_path / "machine-1", reports_dir=tmp_path / "reports-1", **shared)
        pl.verify_registry(registry, first, clock=lambda: day0)
        assert object_keys(s3)  # the first machine's WARC records went to the bucket
        assert not (tmp_path / "machine-1" / "warcs").exists()

        web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))
        second = load_settings(archive_dir=tmp_path / "machine-2", reports_dir=tmp_path / "reports-2", **shared)
        outcome = pl.verify_registry(registry, second, clock=lambda: day0 + timedelta(days=1))
        dead_url = web[1].url("/report")

    assert {c["id"]: c["verdict"] for c in outcome.claims}["dies-later"] == "supported"
    report = json.loads((tmp_path / "reports-2" / "aldane-harbour" / "latest.json").read_text(encoding="utf-8"))
    dead = next(s for c in report["claims"] for s in c["sources"] if s["url"] == dead_url)
    assert dead["status"] == "dead" and dead["checked_copy"] == "local_archive"
    assert not (tmp_path / "machine-2" / "warcs").exists()


def test_a_local_worker_opening_the_shared_index_says_in_one_line_that_the_objects_are_elsewhere(s3, sessions,
                                                                                                 tmp_path):
    remote = WarcArchive(tmp_path / "object-worker", sessions, storage_url=f"s3://{BUCKET}/many")
    for i in range(5):
        remote.store(fetched(url=f"http://site.test/{i}", body=f"page {i}".encode()))
    local = WarcArchive(tmp_path / "local-worker", sessions, recover=False)
    done = local.recover()
    assert len(done) == 1 and done[0].startswith("5 indexed WARC files are not in this folder")
    assert "and 2 more" in done[0]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaptureRow)) == 5  # nothing dropped


S3_WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from citewatch.archive import WarcArchive
    from citewatch.db import open_database
    from citewatch.models import FetchResult, SourceStatus
    from citewatch.objectstore import S3WarcStore

    real_put = S3WarcStore.put
    def slow_put(self, warc_file, data):
        real_put(self, warc_file, data)
        time.sleep(0.02)  # widen the gap between the upload and the index row
    S3WarcStore.put = slow_put

    _, sessions = open_database(f"sqlite:///{sys.argv[1]}")
    archive = WarcArchive(Path(sys.argv[2]), sessions, storage_url=sys.argv[3])
    i = 0
    while True:
        url = f"http://site.test/{i}"
        archive.store(FetchResult(url=url, final_url=url, status=SourceStatus.LIVE, http_status=200,
                                  body=f"page {i}".encode() * 500, fetched_at=datetime.now(timezone.utc)))
        print(i, flush=True)
        i += 1
""")


def test_kill_9_while_uploading_leaves_every_indexed_record_readable(s3, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(S3_WRITER, encoding="utf-8")
    database = tmp_path / "shared.sqlite"
    url = f"s3://{BUCKET}/killed"
    for round_ in range(2):
        child = subprocess.Popen([sys.executable, str(script), str(database), str(tmp_path / "w"), url],
                                 stdout=subprocess.PIPE, text=True)
        for _ in range(5 + 3 * round_):  # let it store a few, then kill it mid-way through another
            assert child.stdout.readline(), "the writer died by itself"
        time.sleep(random.Random(round_).uniform(0, 0.03))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)

    _, sessions = open_database(f"sqlite:///{database}")
    reader = WarcArchive(tmp_path / "reader", sessions, storage_url=url)
    with sessions() as session:
        rows = session.scalars(select(CaptureRow)).all()
    assert len(rows) >= 5 + 8
    for row in rows:
        index = int(row.url.rsplit("/", 1)[1])
        assert reader.read_payload(reader.capture(row.id)) == f"page {index}".encode() * 500
    assert len(object_keys(s3)) >= len(rows)  # objects without a row may exist: never read
