"""A small document, its registry and the fixture web pages its sources point at.

Shared by test_pipeline, test_flows and test_serve. Claims, one per verdict:

- ``budget``      supported by /budget on host 0 (which also backs ``budget-month``: one URL, two claims)
- ``workers``     contradicted by /strike on host 1 (it says 300 workers, the claim says 450)
- ``harbour``     not_found: /weather on host 1 talks about the weather
- ``ferry``       unverifiable: /gone on host 0 answers 404 from the start and no archive has it
- ``mayor``       unsourced
- ``dies-later``  supported by /report on host 1, which dies in the second run of the tests
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from citewatch.testing.fixture_web import FixtureWeb, Route, html_page

DAY0 = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)  # the tests' first run

DOCUMENT = """Aldane harbour

The city council approved a budget of 12 million euros in March 2021.
The budget was approved in March 2021.
About 450 dock workers joined the strike.
The harbour was closed for nine days.
The ferry service to Kessel ended in 2019.
The mayor resigned in 2022.
The port authority counted 1,250 containers in the first week.
"""

CLAIMS = {
    "budget": "The city council approved a budget of 12 million euros in March 2021.",
    "budget-month": "The budget was approved in March 2021.",
    "workers": "About 450 dock workers joined the strike.",
    "harbour": "The harbour was closed for nine days.",
    "ferry": "The ferry service to Kessel ended in 2019.",
    "mayor": "The mayor resigned in 2022.",
    "dies-later": "The port authority counted 1,250 containers in the first week.",
}

EXPECTED_FIRST_RUN = {
    "budget": "supported",
    "budget-month": "supported",
    "workers": "contradicted",
    "harbour": "not_found",
    "ferry": "unverifiable",
    "mayor": "unsourced",
    "dies-later": "supported",
}


def budget_page(amount: str = "12 million euros") -> Route:
    """With an ETag, so a second run of the unchanged page is a 304."""
    return html_page("Council approves harbour budget", etag=f'"budget-{amount.split()[0]}"', main_html=f"""
      <p>The city council approved a budget of {amount} in March 2021
      for the renovation of the old harbour, after a long debate in the chamber.</p>
      <p>The opposition voted against the plan, saying the harbour needed more than repairs.</p>
      <p>Work on the quays is expected to start in the autumn.</p>""")


def strike_page() -> Route:
    return html_page("Dock workers strike", """
      <p>About 300 dock workers joined the strike on Monday, the union said.</p>
      <p>The strike closed the container terminal for most of the week.</p>""", site="Port News")


def weather_page() -> Route:
    return html_page("Storm warning for the coast", """
      <p>Forecasters warned of strong winds along the coast on Thursday.</p>
      <p>Fishing boats were told to stay in port until the weekend.</p>""", site="Port News")


def report_page() -> Route:
    return html_page("Port authority weekly report", """
      <p>The port authority counted 1,250 containers in the first week after the strike ended.</p>
      <p>Traffic is expected to return to normal within a month.</p>""", site="Port News")


def serve_pages(web: FixtureWeb) -> None:
    """The pages of the first run (tests change them between runs)."""
    herald, port = web[0], web[1]
    herald.route("/budget", budget_page())
    herald.route("/gone", Route(status=404, body="<h1>Not found</h1>"))
    port.route("/strike", strike_page())
    port.route("/weather", weather_page())
    port.route("/report", report_page())


def write_registry(folder: Path, web: FixtureWeb, document_id: str = "aldane-harbour") -> Path:
    """``<folder>/<document_id>.yaml`` and its document, with URLs on the running fixture web."""
    herald, port = web[0], web[1]
    sources = {
        "budget": [herald.url("/budget")],
        "budget-month": [herald.url("/budget")],
        "workers": [port.url("/strike")],
        "harbour": [port.url("/weather")],
        "ferry": [herald.url("/gone")],
        "mayor": [],
        "dies-later": [port.url("/report")],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{document_id}.txt").write_text(DOCUMENT, encoding="utf-8")
    lines = ["document:", f"  id: {document_id}", "  title: Aldane harbour",
             f"  text: {document_id}.txt", "claims:"]
    for claim_id, text in CLAIMS.items():
        lines += [f"  - id: {claim_id}", f'    text: "{text}"']
        if sources[claim_id]:
            lines.append("    sources:")
            lines += [f"      - url: {url}" for url in sources[claim_id]]
        else:
            lines.append("    sources: []")
    path = folder / f"{document_id}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fresh_site(web: FixtureWeb, folder: Path):
    """Fresh pages on the shared servers, a fresh registry and fresh folders for one test: the
    loaded registry and the settings of a quick run without retries."""
    from citewatch.config import load_settings
    from citewatch.registry import load_registry

    web.clear()
    serve_pages(web)
    registry = write_registry(folder / "claims", web)
    settings = load_settings(archive_dir=folder / "archive", reports_dir=folder / "reports",
                             max_retries=0, connect_timeout=2, read_timeout=5, total_deadline=10)
    return load_registry(registry), settings
