"""The shared set-up of docs/deployment.md, end to end on this machine: PostgreSQL, a Prefect
server on it, two process workers in separate folders that share nothing but the databases and an
S3-compatible bucket (moto's server on loopback) for the WARC files (each its own reports, text
cache and Prefect home), and the schedule's run dispatching three documents at once. Every verdict
equals a single-process run's, both workers took documents, the archive is in the bucket, and the
per-host limit held across the runs, measured at the fixture web.

Meanwhile a third worker is killed with its run (kill -9 of both, as when a machine dies) in the
middle of a fourth document, while a request is in flight: with `citewatch crash-watch`'s
automations and heartbeats every 30 s, the server marks that run Crashed and schedules it once
more, and one of the two other workers runs it to completion with a single-process run's verdicts.
The server's detection (about a minute) overlaps the three documents. Slow: one test."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
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
DOOMED = "harbour-d"  # its first run is killed with its worker
BUCKET = "citewatch-shared"
RUN_SECONDS = 300
HEARTBEAT_SECONDS = 30  # Prefect's minimum; crash-watch's window is 2 of them
CRASH_SECONDS = 300  # from the kill to the retry's end, at most


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
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),  # as worker.env of docs/deployment.md
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


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (read from /proc), the flow run's among them: the process
    worker starts each run in a session of its own, so the worker's group is not enough."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_machine(worker: subprocess.Popen) -> list[int]:
    """kill -9 of the worker and everything it started, worker first so that nobody reports
    anything: what the server sees when a worker's machine dies. Returns the killed pids."""
    below = _descendants(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in below:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)
    return [worker.pid, *below]


def _wait(what: str, condition, timeout: float, every: float = 0.5, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s {detail()}")


def _pages_in_flight(web: FixtureWeb) -> list:
    """The requests for one of the pages (not robots.txt or a probe) that ``web`` has not answered."""
    return [request for site in web for path in site.routes for request in site.requests_to(path)
            if request.finished_at is None]


def _heartbeats(client, flow_run_id) -> int:
    """The heartbeat events of a flow run that the server has recorded."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    return client.read_events(EventFilter(event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
                                          resource=EventResourceFilter(id=[f"prefect.flow-run.{flow_run_id}"])),
                              limit=1).total


def _ended_after_retry(client, flow_run_id):
    """The flow run once it is final other than Crashed (a crashed run waits for its retry)."""
    run = client.read_flow_run(flow_run_id)
    return run if run.state.is_final() and not run.state.is_crashed() else None


def _states(client, flow_run_id) -> list:
    return sorted(client.read_flow_run_states(flow_run_id), key=lambda state: state.timestamp)


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


def test_three_documents_on_two_workers_that_share_only_the_databases_and_a_bucket_and_a_killed_run_is_retried(
        tmp_path, monkeypatch):
    import boto3
    from moto.server import ThreadedMotoServer
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from citewatch.testing.postgres import temporary_postgres
    from flows.crash_watch import install_crash_watch
    from flows.local_server import local_prefect_server, stop_process_group

    need_postgres()
    port = free_port()
    s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3_server.start()
    s3_endpoint = f"http://127.0.0.1:{port}"
    bucket = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    bucket.create_bucket(Bucket=BUCKET)
    with temporary_postgres() as postgres_url, FixtureWeb(hosts=2) as web, \
            FixtureWeb(hosts=2, first_ip=3) as doomed_web:
        prefect_db, citewatch_db = _shared_setup_databases(postgres_url)
        _slow_pages(web, delay=0.3)
        _slow_pages(doomed_web, delay=600)  # it answers no page while the first run lives
        registries = [str(write_registry(tmp_path / "claims", web, document_id=doc)) for doc in DOCUMENTS]
        doomed_registry = str(write_registry(tmp_path / "claims", doomed_web, document_id=DOOMED))
        monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", prefect_db)
        monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "server-home"))
        monkeypatch.setenv("PREFECT_SERVER_UI_ENABLED", "false")
        started = time.monotonic()
        with local_prefect_server(tmp_path / "server.log") as api_url, \
                temporary_settings(updates={PREFECT_API_URL: api_url}):
            print(f"server up after {time.monotonic() - started:.1f} s")
            with get_client(sync_client=True) as client:
                _deploy(client)
                install_crash_watch(client, heartbeat_seconds=HEARTBEAT_SECONDS, missed=2)
            workers = [_worker(tmp_path / "worker-c", api_url, citewatch_db, s3_endpoint)]
            try:
                # the fourth document starts alone, on worker-c ...
                doomed = run_deployment("verify-document/document", timeout=0,
                                        parameters={"registry_path": doomed_registry})
                with get_client(sync_client=True) as client:
                    _wait("worker-c took the fourth document",
                          lambda: not client.read_flow_run(doomed.id).state.is_scheduled(), 120)
                    workers += [_worker(tmp_path / name, api_url, citewatch_db, s3_endpoint)
                                for name in ("worker-a", "worker-b")]
                    _wait("a request of the fourth document in flight", lambda: _pages_in_flight(doomed_web), 120)
                    # the server must have heard the run once to know it went silent (the engine
                    # sends its first heartbeat as the run starts)
                    _wait("the fourth document's first heartbeat", lambda: _heartbeats(client, doomed.id), 60)
                    # ... and it dies with its machine in the middle of a request
                    run_at_kill = client.read_flow_run(doomed.id)
                    in_flight_at_kill = _pages_in_flight(doomed_web)
                    killed = _kill_machine(workers.pop(0))
                    killed_at, killed_wall = time.monotonic(), datetime.now(timezone.utc)
                    print(f"worker-c and its run killed after {killed_at - started:.1f} s (pids {killed})")
                serve_pages(doomed_web)  # the same pages, answered at once for the retry
                parent = run_deployment("verify-registries/scheduled", timeout=RUN_SECONDS, poll_interval=2,
                                        parameters={"registry_paths": registries,
                                                    "document_deployment": "verify-document/document",
                                                    "wait_for_documents": True})
                print(f"documents done after {time.monotonic() - started:.1f} s")
                with get_client(sync_client=True) as client:
                    retried = _wait("the killed run retried to its end", lambda: _ended_after_retry(client, doomed.id),
                                    CRASH_SECONDS - (time.monotonic() - killed_at), every=2,
                                    detail=lambda: [state.name for state in _states(client, doomed.id)])
                    doomed_states = _states(client, doomed.id)
                since_kill = [f"{state.name} {(state.timestamp - killed_wall).total_seconds():+.0f}"
                              for state in doomed_states]
                print(f"killed run retried to its end after {time.monotonic() - started:.1f} s; "
                      f"its states, seconds from the kill: {', '.join(since_kill)}")
            finally:
                for worker in workers:
                    stop_process_group(worker)
            logs = "".join((tmp_path / w / "worker.log").read_text(errors="replace")
                           for w in ("worker-a", "worker-b", "worker-c"))
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

    # the killed run: Running when killed mid-request, then Crashed by the server, scheduled once
    # more and Completed by another worker; the slots the dead run held were taken back
    assert run_at_kill.state.is_running() and in_flight_at_kill, (run_at_kill.state, in_flight_at_kill)
    assert int(run_at_kill.infrastructure_pid) in killed, (run_at_kill.infrastructure_pid, killed)  # the run died too
    names = [state.name for state in doomed_states]
    crashed = names.index("Crashed")
    assert names[crashed + 1] == "AwaitingRetry" and names.count("AwaitingRetry") == 1, names
    assert "no heartbeat" in doomed_states[crashed].message, doomed_states[crashed]
    assert "Running" in names[crashed + 1:], names
    assert retried.state.is_completed() and retried.run_count == 2, (retried.state, retried.run_count, logs[-4000:])
    assert limits[f"citewatch-document-{DOOMED}"].active_slots == 0
    assert limits["citewatch-host-127.0.0.3"].active_slots == 0

    by_worker = {w: sorted(p.name for p in (tmp_path / w / "reports").glob("*")) if (tmp_path / w / "reports").exists()
                 else [] for w in ("worker-a", "worker-b", "worker-c")}
    assert by_worker.pop("worker-c") == []  # killed before it wrote anything
    assert sorted(sum(by_worker.values(), [])) == sorted((*DOCUMENTS, DOOMED))  # each document ran to its end once
    assert all(by_worker.values()), by_worker  # both workers took documents
    for worker, documents in by_worker.items():
        for document in documents:
            report = json.loads((tmp_path / worker / "reports" / document / "latest.json").read_text())
            assert {c["id"]: c["verdict"] for c in report["claims"]} == EXPECTED_FIRST_RUN, (worker, document)
    # three runs at once on two workers: one request in flight per host, as CITEWATCH_PER_HOST_CONCURRENCY=1
    assert [site.max_in_flight for site in web] == [1, 1]
    assert len(web[1].requests_to("/strike")) == len(DOCUMENTS)  # every run fetched its sources
