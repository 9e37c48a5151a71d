"""The archive's WARC files in a local folder vs in S3-compatible object storage (moto's server on
127.0.0.1, so the figures are citewatch's and boto3's own cost, not a real network's latency):
stores per second from several threads, a cold ``held()`` over a run's worth of copies from a
second worker, and ranged reads of records.

    .venv/bin/python -m benchmarks.objectstore --stores 500 --body-kb 50
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from citewatch.archive import WarcArchive
from citewatch.db import open_database
from citewatch.models import FetchResult, SourceStatus


def fetch_result(i: int, body_kb: int) -> FetchResult:
    url = f"http://bench.test/{i}"
    return FetchResult(url=url, final_url=url, status=SourceStatus.LIVE, http_status=200, reason="OK",
                       headers=[("Content-Type", "text/html")], body=random.Random(i).randbytes(body_kb * 1024),
                       content_type="text/html", fetched_at=datetime.now(timezone.utc))


def measure(label: str, folder: Path, storage_url: str | None, stores: int, body_kb: int, threads: int) -> None:
    _, sessions = open_database(f"sqlite:///{folder / 'index.sqlite'}")
    writer = WarcArchive(folder / "worker-1", sessions, storage_url=storage_url)
    results = [fetch_result(i, body_kb) for i in range(stores)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        captures = list(pool.map(writer.store, results))
    stored = time.perf_counter() - start
    writer.close()

    reader = WarcArchive(folder / ("worker-1" if storage_url is None else "worker-2"), sessions,
                         storage_url=storage_url)
    start = time.perf_counter()
    held = reader.held(captures)
    looked = time.perf_counter() - start
    start = time.perf_counter()
    for capture in captures[:200]:
        reader.read_payload(capture)
    read = (time.perf_counter() - start) / min(200, len(captures))
    assert len(held) == len(captures)
    print(f"{label:>14}: {stores / stored:7.0f} stores/s ({threads} threads, {body_kb} KB bodies); "
          f"held() of {len(captures)} copies {looked * 1000:6.0f} ms; read_payload {read * 1000:5.1f} ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--body-kb", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer
    import boto3

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
                      AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    boto3.client("s3").create_bucket(Bucket="bench")
    try:
        with tempfile.TemporaryDirectory() as local, tempfile.TemporaryDirectory() as remote:
            measure("local folder", Path(local), None, args.stores, args.body_kb, args.threads)
            measure("s3 (moto)", Path(remote), "s3://bench/archive", args.stores, args.body_kb, args.threads)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
