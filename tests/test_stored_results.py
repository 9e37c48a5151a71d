"""A run's claim results kept as JSON between checking and publishing (issues 15/16, memory):
the same results when read, the text of a page kept once, and no result objects left alive by a
run on the fixture web (counted, not timed)."""

from __future__ import annotations

import gc
import json
from datetime import timedelta

import pytest
from report_samples import T0, sample_runs

from citewatch import pipeline as pl
from citewatch.publish import publish_run
from citewatch.changes import what_changed
from citewatch.models import Evidence, FactResult, Verdict
from citewatch.results import ClaimResult, RunResult, SourceResult, StoredClaims
from citewatch.review import Override, apply_overrides
from verify_fixtures import DAY0, EXPECTED_FIRST_RUN, fresh_site


def _shared_text_run() -> RunResult:
    """The sample run, with a second claim citing the first claim's first page (same text object)."""
    _, latest = sample_runs()
    twin = latest.claims[0].model_copy(update={"id": "arrests-again"})
    return latest.model_copy(update={"claims": [*latest.claims, twin]})


def test_stored_claims_read_back_equal_and_keep_a_page_text_once():
    run = _shared_text_run()
    stored = StoredClaims(run.claims)
    assert len(stored) == len(run.claims)
    assert list(stored) == run.claims and stored == run.claims
    assert stored[2] == run.claims[2] and stored[-1] == run.claims[-1]
    assert stored[1:3] == run.claims[1:3]
    first, twin = stored[0], stored[-1]
    assert first.sources[0].text == run.claims[0].sources[0].text
    assert first.sources[0].text is twin.sources[0].text  # one copy of the page's text for both claims
    assert first is not stored[0]  # parsed again at each read: change claims with map(), not in place
    assert all(run.claims[0].sources[0].text not in text for text, _ in stored._rows)


def test_map_stores_again_only_the_claims_it_changed():
    stored = StoredClaims(_shared_text_run().claims)
    changed = stored.map(lambda c: c.model_copy(update={"verdict": Verdict.NOT_FOUND}) if c.id == "arrests" else c)
    assert changed._rows[1] is stored._rows[1]  # kept as it was stored
    assert changed[0].verdict is Verdict.NOT_FOUND and stored[0].verdict is Verdict.CONTRADICTED
    assert [c.id for c in changed] == [c.id for c in stored]


def test_overrides_and_what_changed_read_stored_claims_as_they_read_a_list():
    earlier, latest = sample_runs()
    override = Override(id=1, document_id="nardaran-case", claim_id="arrests", url=latest.claims[0].sources[0].url,
                        supports=True, who="amina", reason="read the full text", created_at=T0 - timedelta(days=1))
    as_list = apply_overrides(latest, [override])
    stored_run = RunResult.with_claims(StoredClaims(latest.claims), **latest.model_dump(exclude={"claims"}))
    stored_earlier = RunResult.with_claims(StoredClaims(earlier.claims), **earlier.model_dump(exclude={"claims"}))
    as_stored = apply_overrides(stored_run, [override])
    assert isinstance(as_stored.claims, StoredClaims)
    assert list(as_stored.claims) == as_list.claims
    assert what_changed(stored_earlier, as_stored) == what_changed(earlier, as_list)



def test_what_changed_reads_each_runs_stored_claims_twice_at_most(monkeypatch):
    """Comparing two runs reads each run's claims once to survey them (sources by URL, the claims
    citing each, ids) and once more for the verdict flips: not once per question asked."""
    earlier, latest = sample_runs()
    stored_run = RunResult.with_claims(StoredClaims(latest.claims), **latest.model_dump(exclude={"claims"}))
    stored_earlier = RunResult.with_claims(StoredClaims(earlier.claims), **earlier.model_dump(exclude={"claims"}))
    reads = []
    parse = StoredClaims._claim
    monkeypatch.setattr(StoredClaims, "_claim", lambda self, row: reads.append(row) or parse(self, row))
    changes = what_changed(stored_earlier, stored_run)
    assert len(reads) <= 2 * (len(latest.claims) + len(earlier.claims))  # was 13 reads of every claim
    assert changes == what_changed(earlier, latest)  # and it says the same as for claims in a list


def _alive(*types) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, types))


@pytest.mark.slow
def test_a_run_keeps_its_results_stored_and_leaves_no_result_objects_alive(web, tmp_path):
    loaded, settings = fresh_site(web, tmp_path)
    result_types = (ClaimResult, SourceResult, Evidence, FactResult)
    before = _alive(*result_types)
    pipeline = pl.Pipeline.open(settings, clock=lambda: DAY0)
    try:
        run = pipeline.run(loaded)
        assert isinstance(run.claims, StoredClaims) and len(run.claims) == len(loaded.registry.claims)
        assert pipeline.text_cache._recent_checks == {}  # the checks are in their files, not held
        assert _alive(*result_types) <= before  # every claim's results are held as JSON only
    finally:
        pipeline.close()
    outcome = publish_run(pl.open_state(settings), run, settings, DAY0)
    assert {c["id"]: c["verdict"] for c in outcome.claims} == EXPECTED_FIRST_RUN
    report = json.loads((settings.reports_dir / "aldane-harbour" / "latest.json").read_text(encoding="utf-8"))
    read = {s["url"] for c in report["claims"] for s in c["sources"] if s["checked_copy"]}
    assert read and all(s.text for c in run.claims for s in c.sources if s.url in read)


@pytest.mark.slow
def test_the_alert_reads_the_report_as_a_stream_and_says_what_reading_it_whole_says(web, tmp_path):
    """A source newly confirmed dead (no other change): the alert built from the streamed report
    and the lean run compared with is the one built from the whole report and the whole run."""
    from citewatch.alerts import build_alert
    from citewatch.desk.state import comparison_base
    from flows.notify import alert_for_outcome

    loaded, settings = fresh_site(web, tmp_path)
    settings = settings.model_copy(update={"desk_url": "http://desk.example"})
    sf = pl.open_state(settings)
    alerts = []
    for day in (0, 1, 2, 4):
        outcome = pl.verify_registry(loaded, settings, clock=lambda: DAY0 + timedelta(days=day))
        whole = json.loads((settings.reports_dir / "aldane-harbour" / "latest.json").read_text(encoding="utf-8"))
        expected = build_alert(whole, comparison_base(sf, outcome.document_id, outcome.run_id), settings.desk_url)
        alerts.append(alert_for_outcome(sf, settings, outcome))
        assert alerts[-1] == expected
    assert alerts[0] is None  # a first run
    assert alerts[-1] is not None and alerts[-1].kinds.get("confirmed_dead") == 1
    assert web[0].url("/gone") in alerts[-1].body


def test_the_run_compared_with_is_read_side_by_side_and_rows_out_of_order_still_find_their_claims(tmp_path, monkeypatch):
    from sqlalchemy import select

    import citewatch.history as history
    from citewatch.config import Settings
    from citewatch.db import open_database

    engine, sf = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    _, latest = sample_runs()
    history.record_run(sf, latest, T0, Settings())
    whole = history.load_run(sf, latest.run_id)
    expected = [c.model_copy(update={"sources": [s.model_copy(update={"evidence": [], "facts": []}) for s in c.sources]})
                for c in whole.claims]
    side_by_side = []
    read = history._stored_side_by_side
    monkeypatch.setattr(history, "_stored_side_by_side", lambda *a: side_by_side.append(read(*a)) or side_by_side[-1])

    lean = history.load_run(sf, latest.run_id, lean=True)
    assert isinstance(lean.claims, StoredClaims) and side_by_side[-1] is not None
    assert list(lean.claims) == expected and any(s.evidence for c in whole.claims for s in c.sources)

    with sf.begin() as session:  # the first claim's first source stored last
        session.scalars(select(history.SourceCheckRow).order_by(history.SourceCheckRow.id)).first().id = 10_000
    lean = history.load_run(sf, latest.run_id, lean=True)
    assert side_by_side[-1] is None  # not in claim order: matched by claim id instead, as a whole run is
    whole = history.load_run(sf, latest.run_id)
    assert [s.url for s in whole.claims[0].sources] != [s.url for s in expected[0].sources]  # moved indeed
    assert isinstance(lean.claims, StoredClaims) and list(lean.claims) == [
        c.model_copy(update={"sources": [s.model_copy(update={"evidence": [], "facts": []}) for s in c.sources]})
        for c in whole.claims]
    engine.dispose()


def test_publishing_reads_each_stored_claim_of_the_run_a_few_times_not_once_per_step(tmp_path, monkeypatch):
    """Publishing a run reads each of its stored claims once to record it (the editors' overrides
    applied, its failure history filled in, its rows written), once for the report's summary
    (which keeps every claim's marks for the renderers' sorting and the run's outcome), once to
    write the JSON report, and twice in what_changed; the Markdown and the HTML read only the
    claims they show in full (here at most one per list). It was 11 reads of every claim: the
    overrides, the history's four passes, the summary, the marks, the JSON, the outcome and
    what_changed's two (66 reads here, now 36)."""
    from citewatch.config import load_settings
    from citewatch.report import html, markdown
    from citewatch.review import set_override

    for module, limit in ((markdown, "MAX_ATTENTION_CLAIMS"), (markdown, "MAX_TABLE_ROWS"),
                          (html, "MAX_DETAILED_CLAIMS"), (html, "MAX_LISTED_CLAIMS")):
        monkeypatch.setattr(module, limit, 1)  # the renderers' reads bounded: five in all below
    settings = load_settings(archive_dir=tmp_path / "archive", reports_dir=tmp_path / "reports")
    sf = pl.open_state(settings)
    earlier, latest = sample_runs()

    def stored(run: RunResult) -> RunResult:
        return RunResult.with_claims(StoredClaims(run.claims), **run.model_dump(exclude={"claims"}))

    publish_run(sf, stored(earlier), settings, T0 - timedelta(days=3))
    set_override(sf, latest.document_id, "arrests", latest.claims[0].sources[0].url, True,
                 "read the full text", "amina", T0 - timedelta(days=1))
    reads = []
    parse = StoredClaims._claim
    monkeypatch.setattr(StoredClaims, "_claim", lambda self, row: reads.append(row) or parse(self, row))
    outcome = publish_run(sf, stored(latest), settings, T0)

    renderers = 5  # Markdown: one needing attention, one citation needed, one table row; HTML: two
    assert len(reads) <= 5 * len(latest.claims) + 2 * len(earlier.claims) + renderers  # was 11 × + 2 × + 5
    reads.clear()
    report = json.loads((settings.reports_dir / "nardaran-case" / "latest.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in report["claims"]] == [c.id for c in latest.claims]
    assert report["claims"][0]["sources"][0]["override"]["who"] == "amina"  # applied as it was recorded
    assert report["claims"][0]["machine_verdict"] == Verdict.CONTRADICTED.value
    assert outcome.source_count == len({s.url for c in latest.claims for s in c.sources})
    assert outcome.claims == [{"id": c["id"], "verdict": c["verdict"], "flagged": False,
                               "sources": f"{sum(1 for s in c['sources'] if s['checked_copy'])}/{len(c['sources'])} read"
                               if c["sources"] else "none"} for c in report["claims"]]
    assert outcome.verdicts == {k: v for k, v in report["summary"]["verdicts"].items() if v}
