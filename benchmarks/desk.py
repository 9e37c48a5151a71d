"""How long the review desk's pages take for a document of many claims (issue 11).

Records two runs of a synthetic document (N claims, two sources each, ~2 KB of text per source,
one source in ten changed between the runs) in a fresh SQLite state database, then times each page
through the real app in-process (Starlette's TestClient; no network): the first request, which
builds the document's report from the state database, then the median of 5 requests of each page
(the report is kept until the state changes: a run, a note, an action).

    .venv/bin/python -m benchmarks.desk                 # 200 and 2,000 claims
    .venv/bin/python -m benchmarks.desk --claims 5000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from starlette.testclient import TestClient

from citewatch.config import load_settings
from citewatch.history import record_run
from citewatch.models import CheckedCopy, Evidence, SourceStatus, Verdict
from citewatch.pipeline import open_state
from citewatch.results import ClaimResult, RunResult, SourceResult
from flows.desk import create_app

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)
FILLER = "The council met on Tuesday and discussed the harbour budget at length. " * 28


def _run(claims: int, run_id: str, at: datetime, changed: bool) -> RunResult:
    results = []
    for i in range(claims):
        sources = []
        for j in range(2):
            text = f"Report {i}-{j}. About {100 + i} workers joined the strike. " + FILLER
            if changed and i % 10 == 0:
                text += " A correction was added."
            sources.append(SourceResult(
                url=f"https://site{i % 50}.example/news/{i}/{j}", status=SourceStatus.LIVE, http_status=200,
                checked_copy=CheckedCopy.LIVE, verdict=Verdict.SUPPORTED, text=text, title=f"Story {i}",
                evidence=[Evidence(text=text[:80], start=0, end=80, score=0.8)]))
        results.append(ClaimResult(id=f"claim-{i}", text=f"About {100 + i} workers joined the strike.",
                                   verdict=Verdict.SUPPORTED, sources=sources))
    return RunResult(document_id="bench", document_title="Benchmark document", run_id=run_id,
                     started_at=at, finished_at=at + timedelta(minutes=1), claims=results)


def _median_ms(client: TestClient, path: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


def measure(claims: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(archive_dir=Path(folder) / "archive", reports_dir=Path(folder) / "reports")
        sf = open_state(settings)
        record_run(sf, _run(claims, "r1", T0, False), T0, settings)
        record_run(sf, _run(claims, "r2", T0 + timedelta(days=1), True), T0 + timedelta(days=1), settings)
        client = TestClient(create_app(settings, sf), base_url="http://127.0.0.1:8800")
        return {
            "first (uncached)": _median_ms(client, "/documents/bench/claims/claim-1", repeat=1),
            "documents": _median_ms(client, "/"),
            "document": _median_ms(client, "/documents/bench"),
            "document, filtered": _median_ms(client, "/documents/bench?changed=yes"),
            "claim": _median_ms(client, "/documents/bench/claims/claim-0"),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="*", default=[200, 2000])
    args = parser.parse_args()
    print(f"{'claims':>7}  " + "  ".join(f"{name:>18}" for name in ("first (uncached)", "documents", "document", "document, filtered", "claim")))
    for claims in args.claims:
        figures = measure(claims)
        print(f"{claims:>7}  " + "  ".join(f"{figures[name]:>15.0f} ms" for name in figures))


if __name__ == "__main__":
    main()
