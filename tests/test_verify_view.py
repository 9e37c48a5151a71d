"""The one-screen summary that `citewatch verify` prints per document."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from rich.console import Console

from citewatch.publish import RunOutcome
from flows.verify_view import print_summary


def summary_of(outcome: RunOutcome) -> str:
    out = io.StringIO()
    print_summary(Console(file=out, width=200, color_system=None), outcome)
    return out.getvalue()


def outcome(**fields) -> RunOutcome:
    base = dict(document_id="t", document_title="T", run_id="r1", offline=False,
                started_at=datetime(2026, 12, 6, tzinfo=timezone.utc),
                verdicts={"unverifiable": 1}, claims=[{"id": "met", "verdict": "unverifiable"}])
    return RunOutcome(**{**base, **fields})


def test_refused_private_addresses_are_explained_with_the_setting_that_allows_them():
    text = summary_of(outcome(sources={"total": 2, "statuses": {"forbidden_address": 2}}))
    assert "2 sources not fetched (forbidden_address)" in text
    assert "CITEWATCH_ALLOW_PRIVATE_HOSTS=1" in text
    one = summary_of(outcome(sources={"total": 2, "statuses": {"forbidden_address": 1, "live": 1}}))
    assert "1 source not fetched (forbidden_address)" in one


def test_no_explanation_when_nothing_was_refused():
    text = summary_of(outcome(sources={"total": 1, "statuses": {"dead": 1}}))
    assert "forbidden_address" not in text and "CITEWATCH_ALLOW_PRIVATE_HOSTS" not in text


def test_one_claim_is_counted_in_the_singular():
    assert outcome().one_line() == "t: 1 claim: 1 unverifiable"


def test_every_verdict_has_one_colour_for_every_command():
    from citewatch.models import Verdict
    from flows.colours import VERDICT_STYLE, verdict_style

    assert set(VERDICT_STYLE) == {v.value for v in Verdict}
    assert all(verdict_style(v) == verdict_style(v.value) == VERDICT_STYLE[v.value] for v in Verdict)
    assert verdict_style("no-such-verdict") == ""
