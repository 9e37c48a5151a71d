"""Smoke test of the benchmark tooling: the generator writes a valid registry and the web farm
serves its pages (no timing here; the figures come from benchmarks/run.py)."""

from __future__ import annotations

import io
import os
import signal
import time
import json
import sys
from pathlib import Path

import pypdf
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import generate, host_address  # noqa: E402
from benchmarks.pages import statement  # noqa: E402
from benchmarks.web import free_port, serve_in_thread  # noqa: E402
from citewatch.registry import load_registry  # noqa: E402


def _specs_by_url(manifest: dict) -> dict[str, dict]:
    out = {}
    for host, pages in manifest["pages"].items():
        for path, spec in pages.items():
            out[f"http://{host}:{manifest['port']}{path}"] = spec
    return out


def test_generated_registry_validates_and_every_page_is_served(tmp_path):
    hosts = [host_address(i) for i in range(4)]
    made = generate(sources=40, hosts=4, port=free_port(hosts), out_dir=tmp_path, seed=3)

    loaded = load_registry(made.registry)
    registry_urls = [s.url for c in loaded.registry.claims for s in c.sources]
    manifest = json.loads(made.manifest.read_text())
    assert registry_urls == manifest["urls"] and len(registry_urls) == 40
    assert all(1 <= len(c.sources) <= 3 for c in loaded.registry.claims)
    assert {u.split("/")[2].split(":")[0] for u in registry_urls} == set(hosts)

    specs = _specs_by_url(manifest)
    with serve_in_thread(manifest, latency=0.0) as farm, requests.Session() as session:
        kinds = set()
        for url in registry_urls:
            response = session.get(url, timeout=10)
            spec = specs[url]
            kinds.add(spec["kind"])
            if manifest["expected"][url] == "unverifiable":
                assert response.status_code == 404
                continue
            assert response.status_code == 200, url
            if spec["kind"] == "redirect":
                assert response.history[0].status_code == 301
                spec = specs[response.url]
            said = statement(spec["claim"], spec["stance"])
            if spec["kind"] == "pdf":
                reader = pypdf.PdfReader(io.BytesIO(response.content))
                text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
                assert said[:40] in text
            else:
                assert 50_000 <= len(response.content) <= 300_000
                assert said.encode() in response.content
            again = session.get(response.url, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status_code == 304 and again.content == b""
        assert {"article", "redirect"} <= kinds
        robots = session.get(f"http://{hosts[1]}:{manifest['port']}/robots.txt", timeout=10)
        assert "Disallow: /admin/" in robots.text
        assert sum(s.requests for s in farm.stats.values()) > 40


def test_the_farm_can_stop_sending_validators_and_the_reference_work_is_measured(tmp_path):
    from benchmarks.reference import reference_work, warc_gzip

    hosts = [host_address(i) for i in range(2)]
    made = generate(sources=12, hosts=2, port=free_port(hosts), out_dir=tmp_path, seed=5)
    manifest = json.loads(made.manifest.read_text())
    url = next(u for u in manifest["urls"] if manifest["expected"][u] == "supported"
               and _specs_by_url(manifest)[u]["kind"] == "article")
    with serve_in_thread(manifest, latency=0.0), requests.Session() as session:
        first = session.get(url, timeout=10)
        tag = first.headers["ETag"]
        session.get(url.split("/", 3)[0] + "//" + url.split("/")[2] + "/__farm/validators?on=0", timeout=10)
        again = session.get(url, headers={"If-None-Match": tag}, timeout=10)
    assert again.status_code == 200 and again.content == first.content  # the same bytes, no 304
    assert "ETag" not in again.headers and "Last-Modified" not in again.headers

    figures = reference_work(manifest, sample=12)
    assert figures["sampled"] == 12 and figures["extract_ms"] > 0 and figures["gzip_ms"] > 0
    record = warc_gzip(url, first.content, "text/html")
    assert record[:2] == b"\x1f\x8b" and len(record) < len(first.content)  # one gzip member, smaller


def test_profile_samples_are_shared_out_by_module_and_library(tmp_path):
    from benchmarks.persource import classify, shares

    fetch = "Fetcher.fetch (/x/citewatch/fetch.py:200)"
    assert classify(["run (/x/threading.py:1)", fetch, "send (/x/requests/adapters.py:3)"]) == \
        ("citewatch.fetch", "requests/urllib3")
    assert classify(["<module> (/x/a.py:1)", "_find_and_load (<frozen importlib._bootstrap>:1)"])[0] == "imports"
    raw = tmp_path / "raw.txt"
    raw.write_text(f"process 1:\"x\";{fetch} 7\nprocess 1:\"x\" 5\n")
    assert shares(raw) == {("citewatch.fetch", "own code"): 7}  # no Python frame: left out


def test_the_memory_benchmark_writes_a_valid_registry_of_any_size(tmp_path):
    from benchmarks.memory import write_registry

    hosts = [host_address(0)]
    made = generate(sources=6, hosts=1, port=free_port(hosts), out_dir=tmp_path / "web", seed=2)
    registry = load_registry(write_registry(made.registry, 25, tmp_path / "big")).registry
    generated = load_registry(made.registry).registry.claims
    assert len(registry.claims) == 25 and len({c.id for c in registry.claims}) == 25
    assert {s.url for c in registry.claims for s in c.sources} == {s.url for c in generated for s in c.sources}


@pytest.mark.slow
def test_the_peak_rss_counts_the_run_the_warm_runner_forked(tmp_path):
    """A run handed to the warm runner happens in the runner's fork, outside the command's process
    tree: the benchmarks' peak RSS must count that fork (and not the idle runner itself)."""
    import subprocess

    from benchmarks.run import measure

    # a stand-in runner: a detached process whose child holds ~120 MB while the command runs
    runner = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
                               "\"b = bytearray(120 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
                               "import time; time.sleep(30)\"]); time.sleep(30)"],
                              start_new_session=True)
    try:
        home = tmp_path / "prefect-home"
        home.mkdir()
        (home / "citewatch-runner.json").write_text(json.dumps({"pid": runner.pid}))
        env = {"PATH": "/usr/bin:/bin", "PREFECT_HOME": str(home)}
        time.sleep(1.0)  # the child has allocated its memory
        measured = measure(["sleep", "1"], env, tmp_path / "log.txt")
        assert measured.returncode == 0
        assert measured.tree_peak_mb > 120  # the fork's memory, which the command's own tree lacks
        assert measured.largest_mb > 120
        assert measured.processes == 2  # sleep and the fork (the runner itself is left out)
        alone = measure(["sleep", "0.5"], {"PATH": "/usr/bin:/bin"}, tmp_path / "log.txt")
        assert alone.tree_peak_mb < 60 and alone.processes == 1  # without a runner: the command alone
    finally:
        for child in Path(f"/proc/{runner.pid}/task/{runner.pid}/children").read_text().split():
            os.kill(int(child), signal.SIGKILL)
        runner.kill()
        runner.wait()
