"""Hostile input, timed (issue 15): how long each hostile input costs before citewatch ends it.

    .venv/bin/python -m benchmarks.hostile             # all of it (about a minute)
    .venv/bin/python -m benchmarks.hostile --no-run    # without the SIGTERM of a real `verify`

Prints one line per case: the input, the bound it must keep, what it cost. The tests
(tests/test_hostile_*.py) assert generous bounds; the figures live here.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from citewatch.config import Settings  # noqa: E402
from citewatch.errors import RegistryError  # noqa: E402
from citewatch.fetch import Fetcher  # noqa: E402
from citewatch.registry import load_registry  # noqa: E402
from citewatch.testing.fake_wayback import FakeWayback  # noqa: E402
from citewatch.testing.fixture_web import FixtureWeb, Route  # noqa: E402
from citewatch.wayback import WaybackClient  # noqa: E402
from citewatch.yamlbounds import check_yaml_bounds  # noqa: E402


def line(case: str, bound: str, took: float, outcome: str) -> None:
    print(f"{case:<58} {bound:<14} {took:7.2f} s  {outcome}")


def timed(call):
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def drips() -> None:
    body = "<p>" + "x" * 400 + "</p>"
    with FixtureWeb(hosts=1) as web:
        web[0].route("/headers", Route(body=body, drip_headers=0.05))
        web[0].route("/body", Route(body=body, drip_body=0.05))
        for deadline in (1.0, 3.0):
            settings = Settings(allow_private_hosts=True, obey_robots=False, soft404_probe=False,
                                total_deadline=deadline, read_timeout=1.0, wayback_url="off")
            for path in ("/headers", "/body"):
                result, took = timed(lambda: Fetcher(settings).fetch(web[0].url(path)))
                line(f"source dripping its {path[1:]} (1 byte / 50 ms)", f"deadline {deadline:g} s", took,
                     result.status.value)
    with FakeWayback() as wayback:
        wayback.add_snapshot("http://news.test/a", "20200101000000", "<p>archived</p>")
        wayback.drip = 0.05
        found, took = timed(lambda: WaybackClient(wayback.base_url, timeout=2.0).closest("http://news.test/a"))
        line("Wayback service dripping every answer", "timeout 2 s", took, "no snapshot" if found is None else "?")


LAUGHS = "".join(
    f'{name}: &{name} [{", ".join([f"*{before}"] * 9) if before else ", ".join(["lol"] * 9)}]\n'
    for before, name in zip([None, *"abcdefgh"], "abcdefghi")
)


def registries(folder: Path) -> None:
    cases = {
        "billion laughs (638 bytes of aliases)": LAUGHS,
        "300 nested [": "claims: " + "[" * 300 + "]" * 300,
        "1,000,000 unclosed [": "a: " + "[" * 1_000_000,
        "document.text: /dev/zero": "document: {id: d, title: D, text: /dev/zero}\nclaims: []\n",
        "document.text: ../../../../etc/passwd": "document: {id: d, title: D, text: ../../../../etc/passwd}\nclaims: []\n",
    }
    os.mkfifo(folder / "pipe.txt")
    cases["document.text: a FIFO"] = "document: {id: d, title: D, text: pipe.txt}\nclaims: []\n"
    for case, text in cases.items():
        path = folder / "r.yaml"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        try:
            load_registry(path)
            outcome = "loaded (!)"
        except RegistryError as exc:
            outcome = str(exc.problems[0]).replace(str(path), "FILE")[:60]
        line(case, "< 1 s", time.perf_counter() - started, outcome)
    claims = "".join(f'  - id: c{i}\n    text: "claim {i}"\n    sources:\n      - url: https://example.org/{i}\n'
                     for i in range(20_000))
    big = f"document: {{id: d, title: D}}\nclaims:\n{claims}"
    _, took = timed(lambda: check_yaml_bounds(big, "big.yaml"))
    line(f"bounds check, 20,000 claims ({len(big) / 1e6:.1f} MB; full reader only)", "(cost)", took, "passes")


def sigterm(folder: Path) -> None:
    from verify_fixtures import serve_pages, write_registry

    with FixtureWeb(hosts=3) as web:
        serve_pages(web)
        web[0].route("/budget", Route(body="<p>budget</p>" * 50, drip_body=1.0))
        web[1].route("/strike", Route(body="<p>strike</p>", drip_headers=1.0))
        registry = write_registry(folder / "claims", web)
        env = dict(os.environ, CITEWATCH_ALLOW_PRIVATE_HOSTS="1", CITEWATCH_WAYBACK_URL="off",
                   CITEWATCH_ARCHIVE_DIR=str(folder / "archive"), CITEWATCH_REPORTS_DIR=str(folder / "reports"))
        for signum in (signal.SIGTERM, signal.SIGINT):
            process = subprocess.Popen([str(Path(sys.executable).with_name("citewatch")), "verify", str(registry)],
                                       env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            web[0].clear()
            while not web[0].requests_to("/budget") and process.poll() is None:
                time.sleep(0.05)
            time.sleep(1.0)
            signalled = time.perf_counter()
            process.send_signal(signum)
            process.wait(120)
            line(f"{signal.Signals(signum).name} to `verify` on two dripping sources", "2 s",
                 time.perf_counter() - signalled, f"exit {process.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="skip the SIGTERM of a real verify run")
    options = parser.parse_args()
    print(f"{'input':<58} {'bound':<14} {'cost':>9}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        drips()
        registries(Path(folder))
        if not options.no_run:
            sigterm(Path(folder))


if __name__ == "__main__":
    main()
