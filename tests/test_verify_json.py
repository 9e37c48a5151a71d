"""`citewatch verify --json` and `--fail-on` with source statuses (dead, failing, ...), on one real
flow run against the fixture web; the --fail-on rules themselves on a sample report."""

from __future__ import annotations

import json

import pytest
from report_samples import sample_report
from typer.testing import CliRunner

from citewatch.errors import ConfigError
from citewatch.failon import parse_fail_on
from citewatch.testing.fixture_web import FixtureWeb
from verify_fixtures import serve_pages, write_registry


def test_fail_on_matches_verdicts_statuses_failing_and_confirmed_dead():
    report = sample_report()
    assert parse_fail_on("contradicted").claims(report) == ["arrests"]
    assert parse_fail_on("dead").claims(report) == ["operation-dates"]
    assert parse_fail_on("failing").claims(report) == ["operation-dates"]
    assert parse_fail_on("confirmed-dead").claims(report) == []
    assert parse_fail_on("contradicted, dead").claims(report) == ["arrests", "operation-dates"]
    assert not parse_fail_on(None) and not parse_fail_on("")
    with pytest.raises(ConfigError, match="unknown verdict or source status deadish"):
        parse_fail_on("dead,deadish")


@pytest.mark.slow
def test_verify_json_prints_the_summary_and_fail_on_dead_exits_1(workdir, monkeypatch, prefect_harness):
    from flows.cli import app

    for key, value in {"CITEWATCH_MAX_RETRIES": "0", "CITEWATCH_CONNECT_TIMEOUT": "2",
                       "CITEWATCH_READ_TIMEOUT": "5", "CITEWATCH_TOTAL_DEADLINE": "10"}.items():
        monkeypatch.setenv(key, value)
    with FixtureWeb(hosts=2) as web:
        serve_pages(web)
        registry = write_registry(workdir / "claims", web)
        result = CliRunner().invoke(app, ["verify", str(registry), "--json", "--fail-on", "dead"],
                                    catch_exceptions=False)
    assert result.exit_code == 1
    [summary] = json.loads(result.stdout)
    assert summary["document_id"] == "aldane-harbour" and summary["reports"]["json"].endswith("latest.json")
    assert {c["id"]: c["verdict"] for c in summary["claims"]}["workers"] == "contradicted"
    assert "aldane-harbour/ferry" in result.stderr and "workers" not in result.stderr  # /gone is dead
