"""Unchanged means cheap (issue 16): a page that did not change is neither extracted nor checked
again, with or without validators, and its verdicts stay what they were. Real fixture web on
127.0.0.1/127.0.0.2, real WARC archive read back with warcio, real SQLite state database; what
was done and what was reused is read from the pipeline's own counts (``Pipeline.work``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from warcio.archiveiterator import ArchiveIterator

from citewatch import pipeline as pl
from citewatch.publish import publish_run
from citewatch.testing.fixture_web import html_page
from verify_fixtures import DAY0, EXPECTED_FIRST_RUN, fresh_site, strike_page

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
NOT_MODIFIED = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"
READABLE_URLS = 4  # /budget, /strike, /weather, /report (/gone is a 404)
CHECKS = 5  # budget and budget-month on /budget, workers, harbour, dies-later


@pytest.fixture
def site(web, tmp_path):
    return (web, *fresh_site(web, tmp_path))


def run_once(loaded, settings, when: datetime):
    """One run without Prefect, published; returns the run and what its pipeline did."""
    session_factory = pl.open_state(settings)
    pipeline = pl.Pipeline.open(settings, session_factory=session_factory, clock=lambda: when)
    try:
        run = pipeline.run(loaded)
    finally:
        pipeline.close()
    publish_run(session_factory, run, settings, when)
    return run, pipeline.work


def verdicts(run) -> dict:
    return {(c.id, s.url): s.verdict.value for c in run.claims for s in c.sources}


def records_of(settings, url: str) -> list:
    """(record type, WARC-Profile) of every record of ``url`` in the archive, in the order written."""
    found = []
    for warc in sorted((settings.archive_dir / "warcs").glob("*.warc.gz")):
        with open(warc, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type in ("response", "revisit") and record.rec_headers.get_header("WARC-Target-URI") == url:
                    found.append((record.rec_type, record.rec_headers.get_header("WARC-Profile")))
    return found


def test_a_first_run_extracts_every_page_and_checks_every_claim(site):
    web, loaded, settings = site
    run, work = run_once(loaded, settings, DAY0)
    assert {c.id: c.verdict.value for c in run.claims} == EXPECTED_FIRST_RUN
    assert work["extracted"] == READABLE_URLS and work["checked"] == CHECKS
    assert work["texts_reused"] == 0 and work["checks_reused"] == 0


def test_identical_bytes_without_validators_reuse_the_text_and_checks_and_archive_a_revisit(site, monkeypatch):
    from citewatch import liveness

    web, loaded, settings = site
    strike = web[1].url("/strike")  # served without ETag or Last-Modified: every request is a 200
    first, _ = run_once(loaded, settings, DAY0)
    assessed = []
    original = liveness.assess
    monkeypatch.setattr(liveness, "assess", lambda result, **k: assessed.append(result.url) or original(result, **k))

    second, work = run_once(loaded, settings, DAY0 + timedelta(hours=1))

    assert strike not in assessed  # the same bytes as a copy found live: not assessed again
    assert web[0].url("/gone") in assessed  # a 404 is assessed every time
    assert strike_page().etag is None and strike_page().last_modified is None
    assert len(web[1].requests_to("/strike")) == 2
    assert work["extracted"] == 0 and work["checked"] == 0  # nothing read or checked again
    assert work["texts_reused"] == READABLE_URLS and work["checks_reused"] == CHECKS
    assert verdicts(second) == verdicts(first)
    assert records_of(settings, strike) == [("response", None), ("revisit", IDENTICAL_PAYLOAD)]
    budget = web[0].url("/budget")  # has an ETag: the second answer is a 304, archived as such
    assert records_of(settings, budget) == [("response", None), ("revisit", NOT_MODIFIED)]
    source = {s.url: s for c in second.claims for s in c.sources}[strike]
    assert source.checked_copy.value == "live" and source.content_digest == \
        {s.url: s for c in first.claims for s in c.sources}[strike].content_digest


def test_the_same_main_text_in_new_bytes_is_extracted_but_not_checked_again(site):
    web, loaded, settings = site
    strike = web[1].url("/strike")
    first, _ = run_once(loaded, settings, DAY0)
    rotated = html_page("Dock workers strike", """
      <p>About 300 dock workers joined the strike on Monday, the union said.</p>
      <p>The strike closed the container terminal for most of the week.</p>""", site="Port News",
                        head_extra='<script>window.adSlot = "rotated-7f3a";</script>')
    assert rotated.payload() != strike_page().payload()
    web[1].route("/strike", rotated)

    second, work = run_once(loaded, settings, DAY0 + timedelta(hours=1))

    assert work["extracted"] == 1  # the new bytes are read...
    assert work["checked"] == 0 and work["checks_reused"] == CHECKS  # ...but their text is the same
    assert verdicts(second) == verdicts(first)
    assert records_of(settings, strike) == [("response", None), ("response", None)]  # new bytes, kept whole
    before = {s.url: s for c in first.claims for s in c.sources}[strike]
    after = {s.url: s for c in second.claims for s in c.sources}[strike]
    assert after.content_digest != before.content_digest and after.text_hash == before.text_hash


def test_a_changed_text_is_checked_again(site):
    from verify_fixtures import budget_page

    web, loaded, settings = site
    run_once(loaded, settings, DAY0)
    web[0].route("/budget", budget_page("15 million euros"))

    second, work = run_once(loaded, settings, DAY0 + timedelta(hours=1))

    assert work["extracted"] == 1 and work["checked"] == 2  # both claims citing /budget
    assert {c.id: c.verdict.value for c in second.claims}["budget"] == "contradicted"


def fetch_one_batch(loaded, settings, when: datetime):
    """The whole registry fetched as one batch with its places in the body budget; not read yet."""
    pipeline = pl.Pipeline.open(settings, session_factory=pl.open_state(settings), clock=lambda: when)
    reservation = pipeline.bodies.reserve(len(pl.plan_sources(loaded.registry)))
    fetched = pipeline.fetch_sources(pl.plan_sources(loaded.registry), reservation)
    return pipeline, reservation, fetched


def test_a_first_batch_holds_its_bodies_and_their_places_until_it_is_read(site):
    web, loaded, settings = site
    pipeline, reservation, fetched = fetch_one_batch(loaded, settings, DAY0)
    try:
        kept = [f for f in fetched if f.result.body]
        assert len(kept) == READABLE_URLS + 1  # the four pages and the 404's page
        assert reservation.left == len(kept) and pipeline.bodies.held == len(kept)
        pipeline.read_sources(fetched)
        assert reservation.left == 0 and pipeline.bodies.held == 0
        assert not any(f.result.body for f in fetched)  # read: the archive holds them now
        assert pipeline.work["extracted"] == READABLE_URLS
    finally:
        pipeline.close()


def test_an_unchanged_batch_holds_no_bodies_once_fetched_with_or_without_validators(site):
    """304s carry no body, and the same bytes again (/strike, no validators) are not kept once
    archived since their text is known: the batch's places are free before it is read, so the
    next batches of the run start fetching at once."""
    web, loaded, settings = site
    first, _ = run_once(loaded, settings, DAY0)
    strike = web[1].url("/strike")
    pipeline, reservation, fetched = fetch_one_batch(loaded, settings, DAY0 + timedelta(hours=1))
    try:
        by_url = {f.job.url: f for f in fetched}
        assert by_url[strike].result.http_status == 200 and by_url[strike].result.body == b""
        assert by_url[web[0].url("/budget")].result.http_status == 304
        assert [f.job.url for f in fetched if f.result.body] == [web[0].url("/gone")]  # the 404's page
        assert reservation.left == 1
        copies = pipeline.read_sources(fetched)
        assert reservation.left == 0 and pipeline.bodies.held == 0
        assert pipeline.work["extracted"] == 0 and pipeline.work["texts_reused"] == READABLE_URLS
        assert sum(copy.readable for copy in copies) == READABLE_URLS
        read = {copy.job.url: copy for copy in copies}[strike]
        assert read.checked_copy.value == "live"
        assert read.content_digest == {s.url: s for c in first.claims for s in c.sources}[strike].content_digest
    finally:
        pipeline.close()
    assert records_of(settings, strike) == [("response", None), ("revisit", IDENTICAL_PAYLOAD)]


def test_the_text_hash_ignores_every_kind_of_whitespace_the_same_way_as_before():
    """text_hash folds whitespace with str.split: the same characters, and the same digest, as the
    ``\\s+`` regex it replaced (history rows of earlier runs compare equal)."""
    import hashlib
    import re
    import sys

    from citewatch.results import text_hash

    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert spaces == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if re.fullmatch(r"\s", c))
    text = f"{spaces}Qadın{spaces}hüquqları\u00a0 2015\u2028\u3000— 18 nəfər.{spaces}"

    def by_regex(value: str) -> str:
        return hashlib.sha256(re.sub(r"\s+", " ", value).strip().encode("utf-8")).hexdigest()

    assert text_hash(text) == by_regex(text) == text_hash("Qadın hüquqları 2015 — 18 nəfər.")
