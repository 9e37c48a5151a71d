"""``citewatch demo`` end to end, twice: the real flow against the bundled sample web and Wayback
stand-in on loopback; every sample claim's verdict and every source's status as designed, and a
second run that reports the corrected page."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from flows.cli import app

# claim id -> (verdict of run 1, verdict of run 2, [(status, checked copy) of each source])
EXPECTED = {
    "union-founded": ("not_found", "not_found", [("live", "live")]),
    "strike-start": ("supported", "supported", [("live", "live")]),
    "port-closure": ("supported", "supported", [("dead", "wayback")]),
    "arrests": ("supported", "supported", [("redirected", "live")]),
    "injuries": ("partially_supported", "partially_supported", [("live", "live")]),
    "minister-quote": ("unverifiable", "unverifiable", [("blocked", None)]),
    "custody-beatings": ("supported", "supported", [("soft_404", None), ("live", "live")]),
    "talks-resumed": ("supported", "contradicted", [("live", "live")]),
    "back-wages": ("unsourced", "unsourced", []),
    "sentences": ("contradicted", "contradicted", [("live", "live")]),
}
CHANGED_PATH = "/2021/04/02/port-strike-talks-resume/"


def _claims(report: dict) -> dict[str, dict]:
    return {claim["id"]: claim for claim in report["claims"]}


def _assert_run(report: dict, run: int) -> None:
    claims = _claims(report)
    assert set(claims) == set(EXPECTED)
    for claim_id, (first, second, sources) in EXPECTED.items():
        claim = claims[claim_id]
        assert claim["verdict"] == (first if run == 1 else second), (claim_id, claim)
        seen = [(s["status"], s.get("checked_copy")) for s in claim["sources"]]
        assert seen == sources, (claim_id, claim["sources"])


@pytest.fixture(scope="module")
def two_demo_runs(tmp_path_factory, prefect_harness):
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    private_before = os.environ.pop("CITEWATCH_ALLOW_PRIVATE_HOSTS", None)
    runner = CliRunner()
    try:
        results = []
        for _ in range(2):
            result = runner.invoke(app, ["demo", "--out", str(out)])
            assert result.exit_code == 0, result.output + repr(result.exception)
            report = json.loads((out / "reports/aldane-strike/latest.json").read_text(encoding="utf-8"))
            results.append((result.output, report))
            # The demo lifts the address guard for its own run only.
            assert "CITEWATCH_ALLOW_PRIVATE_HOSTS" not in os.environ
    finally:
        if private_before is not None:
            os.environ["CITEWATCH_ALLOW_PRIVATE_HOSTS"] = private_before
    return out, results


@pytest.mark.slow
def test_first_run_shows_every_verdict_and_status(two_demo_runs):
    out, [(output, report), _] = two_demo_runs
    _assert_run(report, run=1)
    verdicts = {c["verdict"] for c in report["claims"]}
    assert verdicts == {"supported", "partially_supported", "contradicted", "not_found",
                        "unsourced", "unverifiable"}
    pdf = _claims(report)["sentences"]["sources"][0]
    assert pdf["url"].endswith(".pdf")
    wayback = _claims(report)["port-closure"]["sources"][0]
    assert wayback["archive"]["wayback_url"]
    # the summary: report paths, one line per claim, and the hint to run again
    for kind in ("json", "md", "html"):
        path = out / "reports/aldane-strike" / f"latest.{kind}"
        assert path.is_file() and str(path) in output.replace("\n", "")
    for claim_id in EXPECTED:
        assert claim_id in output
    assert "again" in output


@pytest.mark.slow
def test_second_run_reports_the_corrected_page(two_demo_runs):
    out, [_, (output, report)] = two_demo_runs
    _assert_run(report, run=2)
    changes = report["changes"]
    assert not changes.get("first_run")
    changed_urls = [c["url"] for c in changes["content_changed"]]
    assert len(changed_urls) == 1 and changed_urls[0].endswith(CHANGED_PATH)
    flips = {(f["claim_id"], f["before"], f["after"]) for f in changes["verdict_flips"]}
    assert ("talks-resumed", "supported", "contradicted") in flips
    assert "content changed" in output and CHANGED_PATH in output.replace("\n", "")
    # Same addresses in both runs, so the history lines up; one registry, one state file.
    state = json.loads((out / "demo-state.json").read_text())
    assert state["runs"] == 2


def test_committed_judgment_pdf_is_made_from_its_source(tmp_path):
    from pypdf import PdfReader

    from demo_pdf import JUDGMENT_PDF, write_judgment_pdf

    fresh = write_judgment_pdf(tmp_path / "judgment.pdf")
    text = [page.extract_text() for page in PdfReader(fresh).pages]
    assert text == [page.extract_text() for page in PdfReader(JUDGMENT_PDF).pages]
    assert "sentenced to prison terms of two to four years" in text[0]


def test_summary_says_when_no_copy_could_be_read():
    from flows.cli_demo import _sources_cell

    sources = [{"status": "soft_404", "checked_copy": None}, {"status": "live", "checked_copy": "live"}]
    assert _sources_cell(sources) == "soft_404 (no readable copy), live (live)"
    assert _sources_cell([]) == "— (citation needed)"
