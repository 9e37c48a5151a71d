"""The sample web of ``citewatch demo``: five fictional sites on loopback and their registry.

The pages are files under ``web/<site>/`` (package data); which path of which site answers what
is the table :data:`SITES` below. One page (the talks article) is corrected after the first run,
so a second run has something to report under "what changed". Addresses are kept in the demo's
state file, so the URLs stay the same from one run to the next and the history lines up.

The pages are hand-written HTML; the court's PDF is made by ``tests/demo_pdf.py`` (fpdf2, a dev
dependency) and committed, so that the demo needs only runtime dependencies.
No Prefect here: :mod:`flows.cli_demo` starts this web, runs the verify flow and prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from citewatch.testing.fixture_web import Route, WebHost, not_found_page, redirect

DOCUMENT_ID = "aldane-strike"
REGISTRY_TEMPLATE = "aldane-strike.yaml"
DOCUMENT_FILE = "aldane-strike.txt"
SITE_NAMES = ("news", "ngo", "port", "court", "gov", "wayback")

# The dead page of the port authority, and the copy of it the bundled Wayback Machine holds.
DEAD_PAGE = ("port", "/notices/2021/17-port-reopened.html")
DEAD_PAGE_ARCHIVED_FILE = "port/archived/terminal-closure.html"
DEAD_PAGE_CAPTURED_AT = "20210325093000"

CHANGING_PAGE = ("news", "/2021/04/02/port-strike-talks-resume/")

HTML = "text/html; charset=utf-8"


def data_file(relative: str) -> bytes:
    return resources.files(__name__).joinpath(relative).read_bytes()


def _page(relative: str, status: int = 200, content_type: str = HTML) -> Route:
    return Route(status=status, body=data_file("web/" + relative), content_type=content_type)


def _robots(site: str) -> Route:
    return _page(f"{site}/robots.txt", content_type="text/plain; charset=utf-8")


def site_routes(site: str, run_number: int) -> tuple[dict[str, Route], Route]:
    """``(routes, fallback)`` of one sample site for the ``run_number``-th demo run (1, 2, ...)."""
    talks = "v1.html" if run_number <= 1 else "v2.html"
    table: dict[str, tuple[dict[str, Route], Route]] = {
        # A news site: live articles, one moved behind a 301, one corrected after the first run.
        "news": ({
            "/2021/03/14/dock-workers-walk-out-at-port-aldane/":
                _page("news/2021/03/14/dock-workers-walk-out-at-port-aldane/index.html"),
            "/news/port-strike-arrests": redirect("/2021/03/16/police-clear-container-terminal/", status=301),
            "/2021/03/16/police-clear-container-terminal/":
                _page("news/2021/03/16/police-clear-container-terminal/index.html"),
            "/2021/03/17/hospitals-treat-injured-after-terminal-clashes/":
                _page("news/2021/03/17/hospitals-treat-injured-after-terminal-clashes/index.html"),
            CHANGING_PAGE[1]: _page(f"news/2021/04/02/port-strike-talks-resume/{talks}"),
        }, not_found_page(site="The Aldane Courier")),
        # An NGO after a redesign: unknown paths answer 200 with a "page not found" text (soft-404).
        "ngo": ({
            "/reports/2021/held-and-beaten/": _page("ngo/reports/2021/held-and-beaten/index.html"),
            "/our-work/port-workers/": _page("ngo/our-work/port-workers/index.html"),
        }, _page("ngo/not-found.html", status=200)),
        # The port authority removed its old notice: a real 404; the Wayback Machine kept a copy.
        "port": ({"/": _page("port/index.html")}, _page("port/not-found.html", status=404)),
        # The court publishes judgments as PDF.
        "court": ({
            "/judgments/2021/arc-2021-0412.pdf":
                _page("court/judgments/2021/arc-2021-0412.pdf", content_type="application/pdf"),
        }, Route(status=404, body="Not Found", content_type="text/plain")),
        # The ministry sits behind a bot wall that answers 403 with a challenge page.
        "gov": ({}, _page("gov/challenge.html", status=403)),
    }
    routes, fallback = table[site]
    routes = {"/robots.txt": _robots(site), **routes}
    return routes, fallback


@dataclass
class Addresses:
    """``site -> "ip:port"`` of the sample web, kept between runs in the demo's state file."""

    hosts: dict[str, str]

    def base_url(self, site: str) -> str:
        return f"http://{self.hosts[site]}"


def registry_text(addresses: Addresses) -> str:
    """The sample registry with the sample web's real addresses filled in."""
    text = data_file(REGISTRY_TEMPLATE).decode("utf-8")
    for site, host in addresses.hosts.items():
        text = text.replace("{" + site + "}", host)
    return text


def write_sample_claims(claims_dir: Path, addresses: Addresses) -> Path:
    """Write the sample document and its registry into ``claims_dir``; return the registry path."""
    claims_dir.mkdir(parents=True, exist_ok=True)
    (claims_dir / DOCUMENT_FILE).write_bytes(data_file(DOCUMENT_FILE))
    registry = claims_dir / f"{DOCUMENT_ID}.yaml"
    registry.write_text(registry_text(addresses), encoding="utf-8")
    return registry


def dead_page_snapshot(addresses: Addresses) -> tuple[str, str, bytes]:
    """``(url, timestamp, body)`` of the archived copy of the dead page, to seed the Wayback."""
    site, path = DEAD_PAGE
    return addresses.base_url(site) + path, DEAD_PAGE_CAPTURED_AT, data_file("web/" + DEAD_PAGE_ARCHIVED_FILE)


def start_hosts(previous: dict[str, str] | None) -> dict[str, WebHost]:
    """Start one loopback server per sample site (the Wayback stand-in is started by the caller).

    Each site gets its own address 127.0.0.2, 127.0.0.3, ... and, when a previous run recorded
    one, the same port as before. Where that is not possible (a port now taken, or a system
    such as macOS that only has 127.0.0.1) the site falls back to a fresh port on 127.0.0.1.
    """
    hosts: dict[str, WebHost] = {}
    try:
        for index, site in enumerate(SITE_NAMES[:-1]):
            hosts[site] = _bind(site, f"127.0.0.{index + 2}", (previous or {}).get(site))
    except BaseException:
        for host in hosts.values():
            host.stop()
        raise
    return hosts


def _bind(site: str, ip: str, previous: str | None) -> WebHost:
    candidates = []
    if previous:
        prev_ip, prev_port = previous.rsplit(":", 1)
        candidates.append((prev_ip, int(prev_port)))
    candidates += [(ip, 0), ("127.0.0.1", 0)]
    error: OSError | None = None
    for cand_ip, port in candidates:
        try:
            return WebHost(cand_ip, port, name=site)
        except OSError as exc:
            error = exc
    raise OSError(f"cannot open a loopback port for the sample site {site!r}: {error}")


def load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}


def save_state(path: Path, state: dict) -> None:
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
