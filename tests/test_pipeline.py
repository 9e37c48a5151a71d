"""The pipeline without Prefect: real fixture web on 127.0.0.1/127.0.0.2, real WARC archive,
real SQLite state database, real reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from warcio.archiveiterator import ArchiveIterator

from citewatch import pipeline as pl
from citewatch.history import list_runs, source_history
from citewatch.models import Registry, SourceStatus
from citewatch.registry import load_registry
from citewatch.testing.fixture_web import FixtureWeb, Route
from verify_fixtures import DAY0, EXPECTED_FIRST_RUN, budget_page, fresh_site, write_registry


@pytest.fixture
def site(web, tmp_path):
    """Fresh pages, a fresh registry and fresh folders for each test (the servers are shared)."""
    return (web, *fresh_site(web, tmp_path))


def fixed_clock(moment: datetime):
    return lambda: moment


def latest_report(settings, document_id="aldane-harbour") -> dict:
    return json.loads((settings.reports_dir / document_id / "latest.json").read_text(encoding="utf-8"))


def sources_of(report: dict) -> dict[str, dict]:
    return {s["url"]: s for c in report["claims"] for s in c["sources"]}


# --- pure parts ------------------------------------------------------------------------------


def test_plan_sources_lists_each_url_once_with_the_earliest_accessed_date():
    registry = Registry.model_validate({
        "document": {"id": "d", "title": "D"},
        "claims": [
            {"id": "a", "text": "A", "sources": [{"url": "https://x.org/1", "accessed": "2020-05-01"}]},
            {"id": "b", "text": "B", "sources": [{"url": "https://x.org/1", "accessed": "2019-01-02",
                                                   "quote": "q"},
                                                  {"url": "https://y.org/2"}]},
        ]})
    jobs = pl.plan_sources(registry)
    assert [j.url for j in jobs] == ["https://x.org/1", "https://y.org/2"]
    assert jobs[0].accessed == "2019-01-02"
    assert jobs[0].prefer_text == "A"  # the first citation's words


def test_batches_keep_each_host_whole():
    jobs = [pl.SourceJob(f"https://h{h}.org/{i}") for h in range(4) for i in range(3)]
    jobs.append(pl.SourceJob("https://h0.org/late"))
    batches = pl.batch_by_host(jobs, max_sources=5)
    hosts_per_batch = [{pl.host_of(j.url) for j in b} for b in batches]
    assert sum(len(b) for b in batches) == len(jobs)
    for host in ("h0.org", "h1.org", "h2.org", "h3.org"):
        assert sum(host in hosts for hosts in hosts_per_batch) == 1
    assert [len(b) for b in batches] == [4, 3, 3, 3]


def test_offline_status_never_calls_an_unresolved_name_dead():
    assert pl.offline_status(SourceStatus.DEAD, None) is SourceStatus.UNREACHABLE
    assert pl.offline_status(SourceStatus.DEAD, 404) is SourceStatus.DEAD


def test_a_source_copy_carries_every_field_it_shares_with_its_results():
    """The run's SourceCopy and the published SourceResult may not drift apart: every field of a
    copy is either one the run alone uses, or one the results take as it is."""
    from dataclasses import fields

    from citewatch.models import CheckedCopy
    from citewatch.results import ArchiveRef, SourceResult

    copy_fields = {f.name for f in fields(pl.SourceCopy)}
    assert copy_fields - set(SourceResult.model_fields) == pl.RUN_ONLY_FIELDS
    copy = pl.SourceCopy(job=pl.SourceJob("https://x.org/a"), status=SourceStatus.LIVE, http_status=200,
                         final_url="https://x.org/b", attempts=2, checked_copy=CheckedCopy.LOCAL_ARCHIVE,
                         title="T", published="2020-01-02", content_digest="sha1:X", error="e",
                         archive=ArchiveRef(warc="w.warc.gz", offset=7), notes=["n"], archive_error="not archived")
    result = pl.source_result(None, copy)  # not readable: no check is made
    carried = result.model_dump(include=set(pl.CARRIED_FIELDS))
    assert carried == {name: getattr(copy, name) for name in pl.CARRIED_FIELDS} | {"archive": copy.archive.model_dump()}
    assert result.url == "https://x.org/a" and result.verdict.value == "unverifiable"
    assert result.notes is not copy.notes  # the results' notes grow apart from the copy's


def test_a_batch_is_named_after_its_hosts():
    assert pl.batch_label([pl.SourceJob("https://B.org/1"), pl.SourceJob("http://b.org:8080/2")]) == "b.org"
    assert pl.batch_label([pl.SourceJob("https://b.org/1"), pl.SourceJob("https://a.org/2"),
                           pl.SourceJob("https://c.org/3")]) == "a.org+2-hosts"
    assert pl.batch_label([]) == "none"


# --- runs on the fixture web -------------------------------------------------------------------


def test_first_run_verdicts_and_each_url_fetched_once(site):
    web, loaded, settings = site
    outcome = pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0))

    assert {c["id"]: c["verdict"] for c in outcome.claims} == EXPECTED_FIRST_RUN
    assert len(web[0].requests_to("/budget")) == 1  # cited by two claims, fetched once
    report = latest_report(settings)
    assert report["run"]["offline"] is False
    budget = sources_of(report)[web[0].url("/budget")]
    assert budget["checked_copy"] == "live" and budget["status"] == "live"
    warc = settings.archive_dir / budget["archive"]["warc"]
    with open(warc, "rb") as handle:
        uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(handle)
                if r.rec_type == "response"]
    assert web[0].url("/budget") in uris
    assert set(outcome.reports) >= {"json", "md", "html"}
    assert all(p.endswith(("latest.json", "latest.md", "latest.html")) for k, p in outcome.reports.items()
               if k != "run")


def test_second_run_sees_a_changed_page_and_checks_a_dead_one_from_the_local_archive(site):
    web, loaded, settings = site
    pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0))
    web[0].route("/budget", budget_page("15 million euros"))
    web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))

    outcome = pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0 + timedelta(days=1)))

    verdicts = {c["id"]: c["verdict"] for c in outcome.claims}
    assert verdicts["budget"] == "contradicted"
    assert verdicts["dies-later"] == "supported"  # still readable in our own archive
    report = latest_report(settings)
    dead = sources_of(report)[web[1].url("/report")]
    assert dead["status"] == "dead" and dead["http_status"] == 404
    assert dead["checked_copy"] == "local_archive"
    assert dead["failures"] == 1 and dead["confirmed_dead"] is False
    changes = report["changes"]
    assert [c["url"] for c in changes["started_failing"]] == [web[1].url("/report")]
    assert [c["url"] for c in changes["content_changed"]] == [web[0].url("/budget")]
    assert any(f["claim_id"] == "budget" and f["after"] == "contradicted" for f in changes["verdict_flips"])
    assert any("started failing" in line for line in outcome.changes)
    markdown = (settings.reports_dir / "aldane-harbour" / "latest.md").read_text(encoding="utf-8")
    assert "/report" in markdown and "15 million" in markdown
    assert len(list_runs(pl.open_state(settings), "aldane-harbour")) == 2


def test_unchanged_pages_cost_a_304_and_no_new_extraction_or_check(site, monkeypatch):
    import citewatch.check
    import citewatch.textextract

    web, loaded, settings = site
    pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0))
    calls = []
    for module, name in ((citewatch.check, "check_claim"), (citewatch.textextract, "extract_text")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))

    outcome = pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0 + timedelta(hours=1)))

    assert calls == []  # texts and checks of unchanged pages come from the cache

    second = web[0].requests_to("/budget")[-1]
    assert second.headers.get("If-None-Match") == '"budget-12"'
    source = sources_of(latest_report(settings))[web[0].url("/budget")]
    assert source["checked_copy"] == "live"
    assert {c["id"]: c["verdict"] for c in outcome.claims}["budget"] == "supported"
    assert outcome.changes == []


@pytest.mark.slow
def test_confirmed_dead_after_three_failures_spread_over_three_days(site):
    web, loaded, settings = site
    gone = web[0].url("/gone")
    seen = []
    for day in (0, 1, 2, 4):
        pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0 + timedelta(days=day)))
        source = sources_of(latest_report(settings))[gone]
        seen.append((source["failures"], source["confirmed_dead"]))
    # three failures by day 2, but only two days apart: not yet; day 4 confirms
    assert seen == [(1, False), (2, False), (3, False), (4, True)]
    assert source_history(pl.open_state(settings), "aldane-harbour")[gone].confirmed_dead


def test_offline_run_calls_nothing_dead_and_counts_nothing(site, tmp_path):
    web, loaded, settings = site
    closed = FixtureWeb(hosts=2, first_ip=3).start()
    registry = write_registry(tmp_path / "offline-claims", closed, document_id="offline-doc")
    closed.stop()  # every port of the registry is now closed: "the network is down"

    outcome = pl.verify_registry(load_registry(registry), settings, clock=fixed_clock(DAY0))

    assert outcome.offline
    report = latest_report(settings, "offline-doc")
    assert report["run"]["offline"] is True
    statuses = {s["status"] for s in sources_of(report).values()}
    assert statuses <= {"unreachable", "timeout"}
    assert all(s["failures"] == 0 and not s["confirmed_dead"] for s in sources_of(report).values())
    assert {c["verdict"] for c in report["claims"]} <= {"unverifiable", "unsourced"}
    assert "offline" in outcome.one_line().lower()


class _UnresolvableHost:
    """A stand-in host whose name never resolves (RFC 2606 reserves .invalid)."""

    def __init__(self, name: str):
        self.name = name

    def url(self, path: str) -> str:
        return f"http://{self.name}.invalid{path}"


def test_offline_run_where_no_name_resolves_calls_nothing_dead(site, tmp_path):
    web, loaded, settings = site
    hosts = [_UnresolvableHost("herald"), _UnresolvableHost("port")]
    registry = write_registry(tmp_path / "dns-claims", hosts, document_id="dns-doc")

    outcome = pl.verify_registry(load_registry(registry), settings, clock=fixed_clock(DAY0))

    assert outcome.offline
    report = latest_report(settings, "dns-doc")
    sources = sources_of(report).values()
    assert {s["status"] for s in sources} == {"unreachable"}
    assert all(not s["confirmed_dead"] and s["failures"] == 0 for s in sources)
    assert all("the run was offline" in " ".join(s["notes"]) for s in sources)
    for page in ("latest.md", "latest.html"):
        assert "the run was offline" in (settings.reports_dir / "dns-doc" / page).read_text(encoding="utf-8")


def test_a_way_carries_out_every_step_of_the_one_composition(site):
    """Pipeline.run and verify_registry ask their Way for each step, in order: the flows' Prefect
    way is this same composition (tests/test_flows.py runs it)."""
    web, loaded, settings = site
    asked: list[tuple[str, list[str]]] = []

    class Recording(pl.InThreads):
        def map(self, step, work, calls, labels):
            asked.append((step, list(labels)))
            return super().map(step, work, calls, labels)

        def call(self, step, work, *arguments):
            asked.append((step, []))
            return super().call(step, work, *arguments)

    events: list[pl.ProgressEvent] = []
    outcome = pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0), way=Recording(), batch_sources=1,
                                 progress=events.append)

    assert {c["id"]: c["verdict"] for c in outcome.claims} == EXPECTED_FIRST_RUN
    steps = [step for step, _ in asked]
    assert steps == [pl.FETCH_AND_READ, pl.READ_AND_CHECK, pl.CHECK_CLAIMS, pl.PUBLISH]
    hosts = sorted({pl.host_of(job.url) for job in pl.plan_sources(loaded.registry)})
    assert sorted(asked[0][1]) == hosts  # one batch per host (batch_sources=1), named after it
    assert asked[1][1] == []  # a host answered: every batch was read as soon as it was fetched
    assert [e.kind for e in events if e.kind != "source"] == ["planned", "finished"]
    assert events[-1].document_id == "aldane-harbour" and events[-1].message == outcome.one_line()


def test_progress_reports_every_source_once(site):
    web, loaded, settings = site
    events = []
    pl.verify_registry(loaded, settings, progress=events.append, clock=fixed_clock(DAY0))
    assert events[0].kind == "planned" and events[0].total == 5
    done = [e for e in events if e.kind == "source"]
    assert sorted(e.url for e in done) == sorted({s.url for c in loaded.registry.claims for s in c.sources})
    assert [e.url for e in done if e.failed] == [web[0].url("/gone")]


# --- the Wayback Machine (fake service on loopback) --------------------------------------------


def pipeline_with_wayback(settings, wayback_client) -> pl.Pipeline:
    from citewatch.archive import WarcArchive
    from citewatch.fetch import Fetcher

    session_factory = pl.open_state(settings)
    return pl.Pipeline(settings, fetcher=Fetcher(settings),
                       archive=WarcArchive(settings.archive_dir, session_factory),
                       wayback=wayback_client, clock=fixed_clock(DAY0))


@pytest.mark.slow
def test_dead_source_without_local_copy_is_checked_from_wayback_and_captures_are_requested(site):
    from citewatch.testing.fake_wayback import FakeWayback
    from citewatch.wayback import WaybackClient

    web, loaded, settings = site
    gone = web[0].url("/gone")
    with FakeWayback(keys=("access", "secret")) as wayback:
        wayback.add_snapshot(gone, "20200105120000",
                             "<html><head><title>Ferry</title></head><body><article><p>The ferry "
                             "service to Kessel ended in 2019, the operator said.</p></article></body></html>")
        settings = settings.model_copy(update={"wayback_url": wayback.base_url,
                                               "wayback_access_key": "access",
                                               "wayback_secret_key": "secret"})
        client = WaybackClient(wayback.base_url, timeout=3, keys=("access", "secret"), poll_interval=0.05)
        pipeline = pipeline_with_wayback(settings, client)
        run = pipeline.run(loaded)
        pipeline.close()
        saves = wayback.requests_to("/save", method="POST")

    claims = {c.id: c for c in run.claims}
    ferry = claims["ferry"].sources[0]
    assert ferry.status is SourceStatus.DEAD
    assert ferry.checked_copy.value == "wayback"
    assert ferry.archive.wayback_url.endswith(f"/web/20200105120000/{gone}")
    assert claims["ferry"].verdict.value == "supported"
    # live pages got a capture request (SPN2 with keys); the dead one did not
    assert len(saves) == 4


def test_wayback_down_never_fails_the_run(site):
    from citewatch.testing.fake_wayback import FakeWayback
    from citewatch.wayback import WaybackClient

    web, loaded, settings = site
    with FakeWayback() as wayback:
        wayback.down = True
        pipeline = pipeline_with_wayback(settings, WaybackClient(wayback.base_url, timeout=2))
        run = pipeline.run(loaded)
        pipeline.close()

    ferry = {c.id: c for c in run.claims}["ferry"]
    assert ferry.verdict.value == "unverifiable"
    assert ferry.sources[0].checked_copy is None
    assert {c.id: c.verdict.value for c in run.claims}["budget"] == "supported"


def test_a_failing_archive_loses_no_check(site):
    from citewatch.archive import WarcArchive
    from citewatch.errors import ArchiveError
    from citewatch.fetch import Fetcher

    class FullDisk(WarcArchive):
        def store(self, result, confirmed=None):
            raise ArchiveError("no space left on device")

    web, loaded, settings = site
    archive = FullDisk(settings.archive_dir, pl.open_state(settings))
    pipeline = pl.Pipeline(settings, fetcher=Fetcher(settings), archive=archive, clock=fixed_clock(DAY0))
    run = pipeline.run(loaded)

    assert {c.id: c.verdict.value for c in run.claims} == EXPECTED_FIRST_RUN
    budget = {c.id: c for c in run.claims}["budget"].sources[0]
    assert budget.checked_copy.value == "live"
    assert any("no space left" in note for note in budget.notes)


def test_a_source_whose_text_cannot_be_read_says_why(site):
    web, loaded, settings = site
    web[0].route("/budget", Route(body=b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", content_type="application/pdf"))
    pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0))
    budget = sources_of(latest_report(settings))[web[0].url("/budget")]
    assert budget["status"] == "live" and budget["verdict"] == "unverifiable"
    assert any(note.startswith("no text could be read from it: ") for note in budget["notes"]), budget["notes"]


# --- workers that do not share an archive folder (docs/deployment.md, shared set-up) -----------


def _worker_settings(settings, folder, database_url):
    return settings.model_copy(update={"archive_dir": folder / "archive", "reports_dir": folder / "reports",
                                       "database_url": database_url})


def test_a_worker_that_cannot_read_another_workers_copies_fetches_in_full_and_reaches_the_same_verdicts(site, tmp_path):
    """Two workers share the state database but not their archive folders: the second one never
    sends validators for (nor dedups against) copies only the first can read."""
    from citewatch.archive import WarcArchive

    web, loaded, settings = site
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    first = _worker_settings(settings, tmp_path / "worker-a", database)
    second = _worker_settings(settings, tmp_path / "worker-b", database)
    pl.verify_registry(loaded, first, clock=fixed_clock(DAY0))

    outcome = pl.verify_registry(loaded, second, clock=fixed_clock(DAY0 + timedelta(hours=1)))

    assert {c["id"]: c["verdict"] for c in outcome.claims} == EXPECTED_FIRST_RUN
    assert outcome.changes == []  # no verdict flipped in the shared history
    assert "If-None-Match" not in web[0].requests_to("/budget")[-1].headers
    budget = sources_of(latest_report(second))[web[0].url("/budget")]
    assert budget["checked_copy"] == "live"
    assert (second.archive_dir / budget["archive"]["warc"]).exists()  # its own full copy
    archive = WarcArchive(second.archive_dir, pl.open_state(second))
    copy = archive.capture_at(budget["archive"]["warc"], budget["archive"]["offset"])
    assert copy.record_type == "response" and b"12 million euros" in archive.read_payload(copy)


@pytest.mark.slow
def test_a_304_for_a_copy_that_cannot_be_read_is_fetched_again_without_validators(site):
    """The copy looked readable (its file is there) but is damaged, and its text is not cached:
    the 304 cannot be checked, so the page is fetched again in full."""
    import shutil

    from citewatch.archive import WarcArchive

    web, loaded, settings = site
    pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0))
    archive = WarcArchive(settings.archive_dir, pl.open_state(settings))
    stored = archive.newest_readable([web[0].url("/budget")])[web[0].url("/budget")]
    with open(stored.warc_path, "r+b") as handle:  # damage the record's compressed bytes
        handle.seek(stored.offset + stored.length // 2)
        handle.write(b"\0" * 64)
    shutil.rmtree(settings.archive_dir / "text-cache")

    outcome = pl.verify_registry(loaded, settings, clock=fixed_clock(DAY0 + timedelta(hours=1)))

    assert {c["id"]: c["verdict"] for c in outcome.claims} == EXPECTED_FIRST_RUN
    conditional, again = web[0].requests_to("/budget")[-2:]
    assert conditional.headers.get("If-None-Match") == '"budget-12"'
    assert "If-None-Match" not in again.headers
    budget = sources_of(latest_report(settings))[web[0].url("/budget")]
    assert budget["checked_copy"] == "live"
    assert any("fetched again in full" in note for note in budget["notes"])
    fresh = archive.capture_at(budget["archive"]["warc"], budget["archive"]["offset"])
    assert fresh.record_type == "response" and b"12 million euros" in archive.read_payload(fresh)


@pytest.mark.slow
def test_a_dead_source_whose_only_copy_is_on_another_worker_is_checked_from_the_wayback_machine(site, tmp_path):
    """The archive index names a copy this worker cannot read: that is a note, and the Wayback
    Machine is still asked."""
    from citewatch.testing.fake_wayback import FakeWayback

    web, loaded, settings = site
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    pl.verify_registry(loaded, _worker_settings(settings, tmp_path / "worker-a", database), clock=fixed_clock(DAY0))
    gone = web[1].url("/report")
    web[1].route("/report", Route(status=404, body="<h1>Not found</h1>"))
    with FakeWayback() as wayback:
        wayback.add_snapshot(gone, "20260301050000",
                             "<html><head><title>Weekly report</title></head><body><article><p>The port "
                             "authority counted 1,250 containers in the first week after the strike "
                             "ended.</p></article></body></html>")
        second = _worker_settings(settings, tmp_path / "worker-b", database).model_copy(
            update={"wayback_url": wayback.base_url})
        outcome = pl.verify_registry(loaded, second, clock=fixed_clock(DAY0 + timedelta(days=1)))

    dead = sources_of(latest_report(second))[gone]
    assert dead["status"] == "dead" and dead["checked_copy"] == "wayback"
    assert {c["id"]: c["verdict"] for c in outcome.claims}["dies-later"] == "supported"
    assert any("local archive copy could not be read" in note for note in dead["notes"])
