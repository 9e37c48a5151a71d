"""The shared set-up of docs/deployment.md, end to end on this machine: PostgreSQL, a Prefect
server on it, two process workers in separate folders that share nothing but the databases and an
S3-compatible bucket (moto's server on loopback) for the WARC files (each its own reports, text
cache and Prefect home), and the schedule's run dispatching three documents at once. Every verdict
equals a single-process run's, both workers took documents, the archive is in the bucket, and the
per-host limit held across the runs, measured at the fixture web. Slow: one test."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from citewatch.testing.fixture_web import FixtureWeb
from system_tools import need_postgres
from test_archive_s3 import free_port
from test_serve import _shared_setup_databases
from verify_fixtures import EXPECTED_FIRST_RUN, serve_pages, write_registry

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))
DOCUMENTS = ("harbour-a", "harbour-b", "harbour-c")
BUCKET = "citewatch-shared"
RUN_SECONDS = 300


def _slow_pages(web: FixtureWeb, delay: float) -> None:
    """The fixture pages, each answering after ``delay`` s: runs that overlap would overlap on a host."""
    serve_pages(web)
    for site in web:
        for path, route in list(site.routes.items()):
            site.route(path, dataclasses.replace(route, delay=delay))


def _worker(folder: Path, api_url: str, citewatch_db: str, s3_endpoint: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CITEWATCH_", "AWS_"))}
    env.update({
        "CITEWATCH_ARCHIVE_URL": f"s3://{BUCKET}/shared", "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "PREFECT_API_URL": api_url, "PREFECT_HOME": str(folder / "prefect-home"),
        "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING", "DO_NOT_TRACK": "1",
        "CITEWATCH_DATABASE_URL": citewatch_db, "CITEWATCH_ARCHIVE_DIR": str(folder / "archive"),
        "CITEWATCH_REPORTS_DIR": str(folder / "reports"), "CITEWATCH_REGISTRY_CACHE": "off",
        "CITEWATCH_POLITENESS": "shared", "CITEWATCH_PER_HOST_CONCURRENCY": "1",
        "CITEWATCH_ALLOW_PRIVATE_HOSTS": "1", "CITEWATCH_WAYBACK_URL": "off", "CITEWATCH_MAX_RETRIES": "0",
        "CITEWATCH_CONNECT_TIMEOUT": "2", "CITEWATCH_READ_TIMEOUT": "5", "CITEWATCH_TOTAL_DEADLINE": "60",
    })
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "worker.log", "wb")
    return subprocess.Popen([PREFECT, "worker", "start", "--pool", "citewatch", "--type", "process",
                             "--limit", "2"], cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _deploy(client) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.process import ProcessWorker

    from flows.verify import verify_document, verify_registries

    client.create_work_pool(WorkPoolCreate(name="citewatch", type="process",
                                           base_job_template=ProcessWorker.get_default_base_job_template()))
    pull = [{"flows.checkout.enter_checkout": {"git_pull": False}}]  # as prefect.yaml
    for flow, name in ((verify_registries, "scheduled"), (verify_document, "document")):
        client.create_deployment(flow_id=client.create_flow_from_name(flow.name), name=name,
                                 entrypoint=f"flows/verify.py:{flow.fn.__name__}", work_pool_name="citewatch",
                                 pull_steps=pull, tags=["citewatch"])


def test_three_documents_on_two_workers_that_share_only_the_databases_and_a_bucket(tmp_path, monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from citewatch.testing.postgres import temporary_postgres
    from flows.local_server import local_prefect_server, stop_process_group

    need_postgres()
    port = free_port()
    s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3_server.start()
    s3_endpoint = f"http://127.0.0.1:{port}"
    bucket = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    bucket.create_bucket(Bucket=BUCKET)
    with temporary_postgres() as postgres_url, FixtureWeb(hosts=2) as web:
        prefect_db, citewatch_db = _shared_setup_databases(postgres_url)
        _slow_pages(web, delay=0.3)
        registries = [str(write_registry(tmp_path / "claims", web, document_id=doc)) for doc in DOCUMENTS]
        monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", prefect_db)
        monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "server-home"))
        monkeypatch.setenv("PREFECT_SERVER_UI_ENABLED", "false")
        started = time.monotonic()
        with local_prefect_server(tmp_path / "server.log") as api_url, \
                temporary_settings(updates={PREFECT_API_URL: api_url}):
            print(f"server up after {time.monotonic() - started:.1f} s")
            with get_client(sync_client=True) as client:
                _deploy(client)
            workers = [_worker(tmp_path / name, api_url, citewatch_db, s3_endpoint) for name in ("worker-a", "worker-b")]
            try:
                parent = run_deployment("verify-registries/scheduled", timeout=RUN_SECONDS, poll_interval=2,
                                        parameters={"registry_paths": registries,
                                                    "document_deployment": "verify-document/document",
                                                    "wait_for_documents": True})
                print(f"documents done after {time.monotonic() - started:.1f} s")
            finally:
                for worker in workers:
                    stop_process_group(worker)
            logs = "".join((tmp_path / w / "worker.log").read_text(errors="replace") for w in ("worker-a", "worker-b"))
            assert parent.state.is_completed(), (parent.state, logs[-4000:])
            with get_client(sync_client=True) as client:
                limits = {limit.name: limit for limit in client.read_global_concurrency_limits(limit=100)}
    objects = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    s3_server.stop()
    # the WARC files are in the bucket, none in the workers' folders
    assert objects and all(key.startswith("shared/") and key.endswith(".warc.gz") for key in objects), objects
    assert not list(tmp_path.glob("worker-*/archive/**/*.warc.gz"))
    # deployment runs hold their document's slot, and each request a slot of its host
    assert {f"citewatch-document-{doc}" for doc in DOCUMENTS} | {"citewatch-host-127.0.0.1"} <= set(limits)
    assert limits["citewatch-host-127.0.0.1"].limit == 1 and limits["citewatch-host-127.0.0.1"].active_slots == 0

    by_worker = {w: sorted(p.name for p in (tmp_path / w / "reports").glob("*")) if (tmp_path / w / "reports").exists()
                 else [] for w in ("worker-a", "worker-b")}
    assert sorted(sum(by_worker.values(), [])) == sorted(DOCUMENTS)  # each document ran once
    assert all(by_worker.values()), by_worker  # both workers took documents
    for worker, documents in by_worker.items():
        for document in documents:
            report = json.loads((tmp_path / worker / "reports" / document / "latest.json").read_text())
            assert {c["id"]: c["verdict"] for c in report["claims"]} == EXPECTED_FIRST_RUN, (worker, document)
    # three runs at once on two workers: one request in flight per host, as CITEWATCH_PER_HOST_CONCURRENCY=1
    assert [site.max_in_flight for site in web] == [1, 1]
    assert len(web[1].requests_to("/strike")) == len(DOCUMENTS)  # every run fetched its sources
