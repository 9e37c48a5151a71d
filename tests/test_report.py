"""Reports: the JSON contract, the files on disk, Markdown for pull requests, and the HTML's
escaping, highlights, text-fragment links and self-containment (read as text here; the browser
test opens it in Chromium)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import unquote

import pytest
from report_samples import HOSTILE_TITLE, T0, sample_report, sample_runs

from citewatch.changes import what_changed
from citewatch.history import SourceHistory
from citewatch.models import Evidence, FactOutcome, FactResult, QuoteFact, SourceStatus, Verdict
from citewatch.report import build_report, render_html, render_markdown, write_reports
from citewatch.report.html import safe_href
from citewatch.report.marks import describe_fact, link_to_passage, segments, text_fragment
from citewatch.results import ClaimResult, RunResult, SourceResult

CONTRACT_TOP = {"schema", "document", "run", "summary", "claims"}
CONTRACT_SOURCE = {"url", "status", "http_status", "final_url", "checked_copy", "verdict", "evidence", "archive"}


@pytest.fixture(scope="module")
def report():
    return sample_report()


def claim(report: dict, claim_id: str) -> dict:
    return next(c for c in report["claims"] if c["id"] == claim_id)


# --- JSON contract -------------------------------------------------------------------------


def test_report_json_follows_the_contract(report):
    assert CONTRACT_TOP <= set(report)
    assert report["schema"] == "citewatch.report/1"
    assert report["document"] == {"id": "nardaran-case", "title": "Nardaran case"}
    assert set(report["run"]) == {"id", "started_at", "finished_at", "offline"}
    assert report["run"]["offline"] is False and report["run"]["started_at"].startswith("2026-11-20T06:00")
    assert report["summary"]["claims"] == 5
    assert report["summary"]["verdicts"] == {
        "supported": 2, "partially_supported": 1, "contradicted": 1, "not_found": 0,
        "unverifiable": 0, "unsourced": 1}
    for c in report["claims"]:
        assert {"id", "text", "verdict", "sources"} <= set(c)
        for s in c["sources"]:
            assert CONTRACT_SOURCE <= set(s)
            assert s["status"] in {st.value for st in SourceStatus}
            assert s["checked_copy"] in {"live", "local_archive", "wayback", None}
            assert {"warc", "wayback_url"} <= set(s["archive"])
            for e in s["evidence"]:
                assert {"text", "start", "end"} <= set(e)
                assert isinstance(e["start"], int) and e["end"] > e["start"]
    assert json.loads(json.dumps(report)) == report  # plain JSON all the way down


def test_history_goes_in_its_own_fields_never_in_status(report):
    dead = claim(report, "operation-dates")["sources"][0]
    assert dead["status"] == "dead"
    assert (dead["failures"], dead["confirmed_dead"]) == (1, False)
    assert dead["failing_since"].startswith("2026-11-20")
    assert dead["checked_copy"] == "wayback"
    assert report["summary"]["sources"]["failing"] == 1


def test_history_passed_in_overrides_the_fields_on_the_sources():
    _, latest = sample_runs()
    url = latest.claims[2].sources[0].url
    history = {url: SourceHistory(failures=4, failing_since=T0 - timedelta(days=4), confirmed_dead=True)}
    out = build_report(latest, None, [], history)
    dead = claim(out, "operation-dates")["sources"][0]
    assert (dead["status"], dead["failures"], dead["confirmed_dead"]) == ("dead", 4, True)
    assert out["summary"]["sources"]["confirmed_dead"] == 1
    assert out["changes"] is None


def test_additive_fields_changes_flags_overrides(report):
    assert report["changes"]["previous_run_id"] == "20261117-060000-a1b2"
    assert [c["id"] for c in report["changes"]["claims_added"]] == ["torture-allegations", "lankaran"]
    assert report["flags"][0]["claim_id"] == "arrests" and claim(report, "arrests")["flags"]
    assert report["overrides"][0]["supports"] is True
    torture = claim(report, "torture-allegations")
    assert torture["verdict"] == "supported" and torture["machine_verdict"] == "partially_supported"
    assert torture["sources"][0]["override"]["machine_verdict"] == "partially_supported"
    assert report["summary"]["flagged_claims"] == 1 and report["summary"]["citation_needed"] == 1


def test_evidence_marks_point_at_the_matched_and_the_contradicting_words(report):
    forum = claim(report, "arrests")["sources"][0]
    [evidence] = forum["evidence"]
    marked = {(evidence["text"][m["start"]:m["end"]], m["kind"]) for m in evidence["marks"]}
    assert marked == {("65", "contradicted"), ("arrested", "found")}
    assert forum["facts"][0]["label"] == "more than 70"


def test_marks_fall_back_to_the_matched_words_when_offsets_do_not_fit():
    text = "Intro.  The court sentenced 18 people."
    evidence = Evidence(text="The court sentenced 18 people.", start=8, end=38)
    fact = FactResult(fact=QuoteFact(text="sentenced 18"), outcome=FactOutcome.FOUND, evidence=0,
                      found="sentenced 18", start=2, end=14)  # offsets into another frame
    source = SourceResult(url="https://x.example/", status=SourceStatus.LIVE, verdict=Verdict.SUPPORTED,
                          text=text, evidence=[evidence], facts=[fact])
    run = RunResult(document_id="d", document_title="D", run_id="r", started_at=T0,
                    claims=[ClaimResult(id="c", text="c", verdict=Verdict.SUPPORTED, sources=[source])])
    [e] = build_report(run)["claims"][0]["sources"][0]["evidence"]
    assert [e["text"][m["start"]:m["end"]] for m in e["marks"]] == ["sentenced 18"]


# --- files ---------------------------------------------------------------------------------


def test_write_reports_writes_run_and_latest_files_atomically(report, tmp_path):
    paths = write_reports(report, tmp_path)
    doc = tmp_path / "nardaran-case"
    assert paths.latest_json == doc / "latest.json"
    assert paths.run_dir == doc / "runs" / "20261120-060000-c3d4"
    for p in (paths.json, paths.markdown, paths.html, paths.latest_json, paths.latest_markdown, paths.latest_html):
        assert p.stat().st_size > 0
    assert json.loads(paths.latest_json.read_text()) == report
    assert paths.latest_html.read_bytes() == paths.html.read_bytes()
    assert not list(doc.rglob("*.tmp"))
    second = dict(report, run={**report["run"], "id": "next/../run"})
    written = write_reports(second, tmp_path)
    assert written.run_dir == doc / "runs" / "next_.._run"  # one folder, inside runs/
    assert json.loads(paths.latest_json.read_text())["run"]["id"] == "next/../run"
    assert paths.json.exists()  # earlier runs are kept


def test_a_report_that_cannot_be_rendered_leaves_the_latest_files_alone(report, tmp_path):
    paths = write_reports(report, tmp_path)
    before = paths.latest_json.read_bytes()
    broken = dict(report, run={**report["run"], "id": "later"}, claims=[{"id": "x"}])
    with pytest.raises(KeyError):
        write_reports(broken, tmp_path)
    assert paths.latest_json.read_bytes() == before
    assert not (tmp_path / "nardaran-case" / "runs" / "later").exists()


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_puts_changes_flags_and_attention_first(report):
    text = render_markdown(report)
    order = [text.index(h) for h in ("| Verdict | Claims |", "## What changed since the last run",
                                     "## Flagged for review", "## Claims needing attention",
                                     "## Citation needed", "## All claims")]
    assert order == sorted(order)
    attention = text[text.index("## Claims needing attention"):text.index("## Citation needed")]
    assert attention.index("`arrests`") < attention.index("`operation-dates`")
    assert "`sentencing`" not in attention  # supported and untouched: not needing attention
    assert "| ❌ Contradicted | 1 |" in text
    assert "**⚠ 65**" in text and "**arrested**" in text
    assert "- `lankaran` — another such region would be Lankaran" in text
    assert "| `lankaran` | 📝 Citation needed | none cited |" in text  # not "0/0 live"
    assert "control/) · not in source: 2015-11-25" in text
    assert "Started failing:** [report.az/en/incident/" in text
    assert "- Police said" not in text and "+ On January 25, 2017" in text  # the diff block


def test_markdown_escapes_text_from_pages(report):
    text = render_markdown(report)
    assert "<script>" not in text and "<b>" not in text
    assert r"\<script\>alert(" in text and r"\<b\>Report.az\</b\>" in text
    assert "\\| Human Rights Watch" in text  # a pipe in a title cannot split a table


def test_markdown_offline_run_says_so():
    _, latest = sample_runs()
    text = render_markdown(build_report(latest.model_copy(update={"offline": True})))
    assert "**Offline run.**" in text and "no source was called dead" in text


# --- HTML ----------------------------------------------------------------------------------


def test_html_escapes_everything_that_came_from_pages():
    html = render_html(sample_report(title='Case <img src=x onerror=alert(1)> "q"'))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == 1  # ours, at the end
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;Report.az&lt;/b&gt; &amp; co" in html


def test_html_is_self_contained_and_its_inline_code_is_pinned_by_hash(report):
    html = render_html(report)
    assert not re.search(r"<(script|img|iframe|link)[^>]+(src|href)=\"?(https?:)?//", html, re.I)
    assert '<link rel="icon" href="data:,">' in html and "stylesheet" not in html
    assert "@import" not in html and "url(" not in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    for code in (style, script):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_html_highlights_found_and_contradicting_words(report):
    html = render_html(report)
    assert re.search(r'<mark class="hl-contradicted" title="States a different value \(the claim says more than 70\)">65</mark>', html)
    assert '<mark class="hl-found" title="Matches: more than 70">over 70</mark>' in html
    assert '<mark class="hl-found" title="Matches the claim">arrested</mark>' in html


def test_html_shows_status_history_links_and_citation_needed(report):
    html = render_html(report)
    assert "failing, 1 check in a row since 2026-11-20" in html
    assert "Wayback Machine copy" in html
    assert 'href="https://web.archive.org/web/20151201093000/https://report.az/' in html
    assert "Citation needed</h2>" in html and "another such region would be Lankaran" in html
    assert html.index("Flagged for review") < html.index("Since the last run") < html.index('id="claims-h"')
    assert html.count('<article class="claim') == 5
    first = re.search(r'<article class="claim v-(\w+)" id="claim-([\w-]+)"', html)
    assert first.group(2) == "arrests"  # flagged and contradicted: first
    assert "Human override:" in html and "machine: Partly supported" in html
    assert 'Not in this source: <span class="fact f-missing">2015-11-25</span>' in html
    assert 'Different value for: <span class="fact f-contradicted">more than 70</span>' in html


def test_html_links_to_the_passage_with_a_text_fragment(report):
    html = render_html(report)
    hrefs = re.findall(r'href="([^"]*#:~:text=[^"]*)"', html)
    forum = next(h for h in hrefs if "forum18" in h)
    assert forum.startswith("http://www.forum18.org/archive.php?article_id=2173#:~:text=")
    start, end = forum.split("#:~:text=")[1].split(",")
    assert unquote(start) == "Since the police assault on"
    assert unquote(end) == "Unity Movement have been arrested."


def test_a_passage_checked_in_the_wayback_copy_links_to_that_copy_not_the_dead_page(report):
    html = render_html(report)
    hrefs = re.findall(r'href="([^"]*#:~:text=[^"]*)"', html)
    report_az = [h for h in hrefs if "report.az" in h]
    assert report_az and all(h.startswith("https://web.archive.org/web/20151201093000/") for h in report_az)
    assert "Open the archived copy at this passage" in html


def test_the_local_warc_of_a_failed_fetch_is_not_passed_off_as_a_copy(report):
    changed = copy.deepcopy(report)
    dead = claim(changed, "operation-dates")["sources"][0]
    dead["archive"]["warc"] = "warcs/citewatch-1.warc.gz"
    html = unescape(render_html(changed))
    assert "local WARC of this run's HTTP 404 answer (not a readable copy) <code>warcs/citewatch-1.warc.gz" in html
    live = claim(changed, "arrests")["sources"][0]
    assert live["status"] in ("live", "redirected") and live["archive"]["warc"]
    assert f"local WARC <code>{live['archive']['warc']}</code>" in html


def test_notes_of_a_source_read_as_a_quiet_line_like_its_error_not_as_a_boxed_note(report):
    changed = copy.deepcopy(report)
    claim(changed, "operation-dates")["sources"][0]["notes"] = ["no usable Wayback Machine snapshot"]
    html = render_html(changed)
    assert '<p class="source-note">no usable Wayback Machine snapshot</p>' in html
    assert ".source-note{" in html


def test_a_dangerous_url_is_never_a_link():
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("https://ok.example/") == "https://ok.example/"


# --- pieces --------------------------------------------------------------------------------


def test_text_fragment_percent_encodes_the_directive_syntax():
    assert text_fragment("co-operation, 10–20 & more") == \
        "text=co%2Doperation%2C%2010%E2%80%9320%20%26%20more"
    long = "one two three four five six seven eight nine ten eleven twelve"
    assert text_fragment(long) == "text=one%20two%20three%20four%20five,eight%20nine%20ten%20eleven%20twelve"
    assert link_to_passage("https://x.example/p#sec", "a b") == "https://x.example/p#sec:~:text=a%20b"
    assert link_to_passage("https://x.example/p", "") == "https://x.example/p"


def test_segments_cover_the_passage_in_order():
    pieces = segments("abcdefgh", [{"start": 5, "end": 7, "kind": "found"},
                                   {"start": 1, "end": 3, "kind": "contradicted"}])
    assert [(p["text"], p["kind"]) for p in pieces] == [
        ("a", None), ("bc", "contradicted"), ("de", None), ("fg", "found"), ("h", None)]


def test_describe_fact_in_plain_words():
    assert describe_fact({"kind": "count", "value": 70, "op": ">"}) == "more than 70"
    assert describe_fact({"kind": "range", "low": 10, "high": 20, "unit": "years"}) == "10–20 years"
    assert describe_fact({"kind": "date", "value": "2017-01"}) == "2017-01"


def test_describe_fact_writes_large_numbers_as_readers_do():
    assert describe_fact({"kind": "count", "value": 2400000.0}) == "2,400,000"
    assert describe_fact({"kind": "count", "value": 3000, "op": "~"}) == "about 3,000"
    assert describe_fact({"kind": "count", "value": 2.5, "unit": "million"}) == "2.5 million"


def test_a_first_run_report_says_there_is_nothing_to_compare():
    _, latest = sample_runs()
    report = build_report(latest, what_changed(None, latest))
    assert report["changes"]["first_run"] and report["summary"]["changes"] == 0
    assert "First run of this document" in render_html(report)
    assert "First run of this document" in render_markdown(report)


def test_the_hostile_sample_title_is_really_hostile():
    assert "<script>" in HOSTILE_TITLE


def test_a_gone_page_is_called_dead_only_once_confirmed_as_the_summary_counts_it(report):
    dead = claim(report, "operation-dates")["sources"][0]
    assert (dead["status"], dead["confirmed_dead"]) == ("dead", False)
    html, md = unescape(render_html(report)), render_markdown(report)
    assert "0 confirmed dead" in html and "0 confirmed dead" in md
    assert ">Gone · HTTP 404" in html and ">Dead" not in html
    assert "gone (HTTP 404), failing 1× since" in md

    _, latest = sample_runs()
    url = latest.claims[2].sources[0].url
    history = {url: SourceHistory(failures=4, failing_since=T0 - timedelta(days=4), confirmed_dead=True)}
    confirmed = build_report(latest, None, [], history)
    html, md = unescape(render_html(confirmed)), render_markdown(confirmed)
    assert "1 confirmed dead" in html and ">Dead · HTTP 404" in html
    assert "dead (HTTP 404), **confirmed dead** after 4 failed checks" in md


def test_the_local_copy_that_was_checked_is_shown_with_the_command_that_opens_it(report):
    finished = report["run"]["finished_at"]
    live = claim(report, "arrests")["sources"][0]
    assert live["checked_copy"] == "live" and live["archive"]["warc"]
    command = f"citewatch archive show '{live['url']}' --at {finished} -o copy.html"  # ? quoted for the shell
    assert f'<code class="command">{command}</code>' in unescape(render_html(report))
    assert f"local copy: `{command}`" in render_markdown(report)
    wayback_only = claim(report, "operation-dates")["sources"][0]  # read from the Wayback Machine
    assert f"archive show {wayback_only['url']}" not in render_html(report)


def test_counts_of_one_are_in_the_singular(report):
    single = copy.deepcopy(report)
    single["summary"]["claims"] = 1
    single["summary"]["sources"]["total"] = 1
    html = render_html(single)
    assert "</span>claim</div>" in html and "1 source checked" in html
    assert "Sources: 1 source checked" in render_markdown(single)


def test_markdown_leaves_nothing_of_a_page_live_links_images_html_mentions(report):
    from report_samples import sample_report

    hostile = ("Read https://evil.example/x and www.evil.example, ping @octocat or a@b.example, see #12, "
               "![pixel](https://evil.example/p.png) <img src=x onerror=alert(1)> [click](https://evil.example)")
    text = render_markdown(sample_report(source_title=hostile))
    assert "Read https:\u200b//evil.example/x and www\u200b.evil.example, ping @\u200boctocat" in text
    for live in ("https://evil", "www.evil", "@octocat", "a@b.example", "#12", "](https://evil"):
        assert live not in text, live
    for markup in ("<img", "![pixel]", "[click]"):  # shown, escaped, never rendered
        assert not re.search(r"(?<!\\)" + re.escape(markup), text) and re.escape(markup) in text, markup
    assert "[report.az/en/incident/" in text  # the report's own links stay links


@pytest.mark.slow
def test_a_very_large_report_shows_the_first_claims_whole_lists_the_next_and_counts_the_rest(report):
    from citewatch.report.html import MAX_DETAILED_CLAIMS, MAX_LISTED_CLAIMS

    supported = next(c for c in report["claims"] if c["verdict"] == "supported")
    many = [{**supported, "id": f"claim-{i}"} for i in range(MAX_LISTED_CLAIMS + 2_000)]
    big = {**report, "claims": report["claims"] + many}
    page = render_html(big)
    assert page.count('<article class="claim') == MAX_DETAILED_CLAIMS
    assert page.count('<tr class="claim"') == MAX_LISTED_CLAIMS - MAX_DETAILED_CLAIMS
    assert f"and {len(big['claims']) - MAX_LISTED_CLAIMS} more are only counted above" in page
    assert len(page) < 15_000_000  # a page a browser opens; one whole claim each would be ~10x
    first = [c for c in big["claims"] if c["verdict"] != "supported"]
    assert all(f'id="claim-{c["id"]}"' in page for c in first)  # the ones needing attention are shown whole


def test_report_files_get_the_mode_of_the_umask_not_0600(report, tmp_path):
    """Reports on a shared volume are readable by the users the umask lets read them."""
    import os
    import stat

    previous = os.umask(0o022)
    try:
        paths = write_reports(report, tmp_path)
        os.umask(0o027)
        again = write_reports(dict(report, run={**report["run"], "id": "later"}), tmp_path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(paths.json.stat().st_mode) == 0o644
    assert stat.S_IMODE(again.json.stat().st_mode) == 0o640
    assert stat.S_IMODE(again.latest_html.stat().st_mode) == 0o640
