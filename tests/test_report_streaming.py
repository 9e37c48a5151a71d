"""Reports written claim by claim (issues 15/16, memory): a run's report is built one claim at a
time while it is written, and the files are byte for byte those of the report built whole."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from report_samples import T0, sample_runs

from citewatch.changes import what_changed
from citewatch.models import SourceStatus
from citewatch.report import build_report, render_html, render_markdown, write_reports
from citewatch.report.build import LazyClaims, attention_order
from citewatch.report.files import write_json
from citewatch.review import Flag, Override


def _former_files(report: dict) -> dict[str, str]:
    """What write_reports wrote before it streamed: one json.dump, the two renderings whole."""
    return {"json": json.dumps(report, ensure_ascii=False, indent=2) + "\n",
            "md": render_markdown(report), "html": render_html(report)}


def _big_run(copies: int):
    """The second sample run with its claims repeated under new ids (every verdict, a flag, an
    override, a dead source with a failure history among them)."""
    earlier, latest = sample_runs()
    claims = [c.model_copy(update={"id": f"{c.id}-{k}"}) for k in range(copies) for c in latest.claims]
    for claim in claims:
        for source in claim.sources:
            if source.status == SourceStatus.DEAD:
                source.failures, source.failing_since = 2, T0
    return earlier, latest.model_copy(update={"claims": claims})


def _inputs(copies: int):
    earlier, latest = _big_run(copies)
    flags = [Flag(id=1, document_id="nardaran-case", claim_id="arrests-3", who="editor-desk",
                  created_at=T0 - timedelta(days=1), reason="check the count")]
    overrides = [Override(id=1, document_id="nardaran-case", claim_id="torture-allegations-1",
                          url=latest.claims[3].sources[0].url, supports=True, who="amina",
                          reason="second section", created_at=T0 - timedelta(days=2))]
    return latest, what_changed(earlier, latest), flags, overrides


@pytest.mark.slow
@pytest.mark.parametrize("copies", [1, 260])  # 260 × 5 claims: more than the HTML shows whole
def test_the_streamed_report_files_are_those_of_the_report_built_whole(copies, tmp_path):
    run, changes, flags, overrides = _inputs(copies)
    whole = build_report(run, changes, flags, None, overrides=overrides)
    lazy = build_report(run, changes, flags, None, overrides=overrides, lazy_claims=True)
    assert isinstance(lazy["claims"], LazyClaims) and isinstance(whole["claims"], list)
    assert {k: v for k, v in lazy.items() if k != "claims"} == {k: v for k, v in whole.items() if k != "claims"}
    assert list(lazy["claims"]) == whole["claims"]

    paths = write_reports(lazy, tmp_path)
    former = _former_files(whole)
    assert paths.json.read_text(encoding="utf-8") == former["json"]
    assert paths.markdown.read_text(encoding="utf-8") == former["md"]
    assert paths.html.read_text(encoding="utf-8") == former["html"]
    assert json.loads(paths.latest_json.read_text(encoding="utf-8")) == whole


def test_the_claims_beyond_every_limit_are_counted_the_same_way(tmp_path, monkeypatch):
    """HTML: whole claims, one-line claims, then only counted; Markdown: 50 claims needing attention."""
    import citewatch.report.html as html

    monkeypatch.setattr(html, "MAX_DETAILED_CLAIMS", 40)
    monkeypatch.setattr(html, "MAX_LISTED_CLAIMS", 300)
    run, changes, flags, overrides = _inputs(100)
    whole = build_report(run, changes, flags, None, overrides=overrides)
    lazy = build_report(run, changes, flags, None, overrides=overrides, lazy_claims=True)
    page = render_html(lazy)
    assert page == render_html(whole)
    assert "and 200 more are only counted above" in page
    text = render_markdown(lazy)
    assert text == render_markdown(whole) and "more: see the HTML report." in text


def test_lazy_claims_are_built_when_read_and_not_kept():
    run, changes, flags, overrides = _inputs(3)
    built = []
    lazy = LazyClaims(lambda c: built.append(c.id) or {"id": c.id}, run.claims)
    assert built == [] and len(lazy) == 15
    assert lazy[2] == {"id": run.claims[2].id} and built == [run.claims[2].id]
    view = lazy[5:7]
    assert isinstance(view, LazyClaims) and len(built) == 1  # a slice builds nothing yet
    assert [c["id"] for c in view] == [c.id for c in run.claims[5:7]]
    ordered = attention_order(build_report(run, changes, flags, None, lazy_claims=True)["claims"])
    eager = attention_order(build_report(run, changes, flags, None)["claims"])
    assert isinstance(ordered, LazyClaims) and list(ordered) == eager


class CountedReads(list):
    reads = 0

    def __getitem__(self, index):
        CountedReads.reads += 1
        return super().__getitem__(index)

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


def test_the_attention_order_of_lazy_claims_keeps_positions_and_reads_a_claim_only_when_asked():
    run, _, _, _ = _inputs(20)
    claims = CountedReads(run.claims)
    lazy = LazyClaims(lambda c: {"id": c.id, "verdict": c.verdict.value, "flags": [], "sources": []}, claims)
    ordered = attention_order(lazy)
    assert CountedReads.reads == len(run.claims)  # one pass for the sort keys
    first = ordered[:3]
    assert CountedReads.reads == len(run.claims)  # the view and its slice hold positions only
    assert [c["id"] for c in first] == [c["id"] for c in attention_order([dict(c) for c in lazy])[:3]]


def test_a_report_of_stored_claims_is_the_report_of_the_same_claims_in_a_list(tmp_path):
    from citewatch.results import RunResult, StoredClaims

    run, changes, flags, overrides = _inputs(30)
    stored = RunResult.with_claims(StoredClaims(run.claims), **run.model_dump(exclude={"claims"}))
    whole = build_report(run, changes, flags, None, overrides=overrides)
    paths = write_reports(build_report(stored, changes, flags, None, overrides=overrides, lazy_claims=True), tmp_path)
    former = _former_files(whole)
    assert [paths.json.read_text(encoding="utf-8"), paths.markdown.read_text(encoding="utf-8"),
            paths.html.read_text(encoding="utf-8")] == [former["json"], former["md"], former["html"]]


@pytest.mark.parametrize("value", [
    {}, {"claims": []}, {"a": [], "b": {}, "claims": [{}, {"x": [1, 2.5, None, True]}], "z": "é\n\"\\"},
    {"claims": [{"text": "line\nbreak\u2028 and \u00e9", "n": [[], [{}]]}], "audit": []},
])
def test_write_json_writes_what_json_dump_with_an_indent_writes(value):
    out = io.StringIO()
    write_json(value, out)
    assert out.getvalue() == json.dumps(value, ensure_ascii=False, indent=2) + "\n"
