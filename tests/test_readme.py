"""The README's commands work: every shell block marked ``<!-- test: run -->`` is run, in order, in
a fresh folder, with the installed ``citewatch``; every other shell block says why it is not.

Markers, on the line just above a fenced ```sh block:

    <!-- test: run -->                   run it (bash -eu; every command must exit 0)
    <!-- test: skip — reason -->         show it, do not run it (the reason is required)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BIN = Path(sys.executable).parent

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
MARKER = re.compile(r"<!--\s*test:\s*(run|skip)\b\s*(?:[—–-]+\s*)?(.*?)\s*-->")
NAMED_IN_PROSE = re.compile(r"`citewatch ([a-z][a-z-]+)")
RUN_IN_BLOCK = re.compile(r"^\s*(?:[A-Z_]+=\S+\s+)*citewatch ([a-z][a-z-]+)", re.M)


@dataclass
class ShellBlock:
    line: int
    code: str
    marker: str | None  # "run", "skip" or None
    reason: str


def shell_blocks(text: str) -> list[ShellBlock]:
    blocks = []
    for match in FENCE.finditer(text):
        if match.group(1) not in ("sh", "bash", "shell", "console"):
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        blocks.append(ShellBlock(
            line=text.count("\n", 0, match.start()) + 1, code=match.group(2),
            marker=marker.group(1) if marker else None, reason=marker.group(2) if marker else ""))
    return blocks


BLOCKS = shell_blocks(README.read_text(encoding="utf-8"))


def test_readme_has_runnable_blocks():
    assert [b for b in BLOCKS if b.marker == "run"], "no README block is marked <!-- test: run -->"


def test_every_shell_block_is_marked_and_every_skip_says_why():
    unmarked = [f"README.md:{b.line}" for b in BLOCKS if b.marker is None]
    assert not unmarked, f"shell blocks without a <!-- test: run|skip --> marker: {unmarked}"
    silent = [f"README.md:{b.line}" for b in BLOCKS if b.marker == "skip" and len(b.reason) < 10]
    assert not silent, f"skipped blocks must say why they are not run: {silent}"


def test_every_command_named_in_the_readme_is_run_or_explained():
    """Prose may name a command only if a run block runs it or a skip block explains it."""
    text = README.read_text(encoding="utf-8")
    named = set(NAMED_IN_PROSE.findall(text))
    covered = {cmd for b in BLOCKS if b.marker for cmd in RUN_IN_BLOCK.findall(b.code)}
    assert named <= covered, f"README names commands no block runs or explains: {sorted(named - covered)}"


def _env_of_a_newcomer(tmp_path: Path) -> dict[str, str]:
    """The environment of someone who just installed citewatch: no CITEWATCH_* settings at all
    (the demo must allow loopback by itself), the venv first on PATH, Prefect kept in tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWATCH_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CITEWATCH_WAYBACK_URL"] = "off"  # the README's own document must never reach the real Wayback
    env["CITEWATCH_PREFECT_SERVER_IDLE_MINUTES"] = "0"  # no warm Prefect API may outlive the test
    try:  # reuse the session's Prefect API instead of a cold ephemeral server per command
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    except ImportError:  # pragma: no cover
        pass
    return env


@pytest.mark.slow
def test_readme_commands_run_in_a_fresh_folder(tmp_path, prefect_harness):
    env = _env_of_a_newcomer(tmp_path)
    for block in (b for b in BLOCKS if b.marker == "run"):
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, (
            f"README.md:{block.line} failed with exit {done.returncode}\n--- block\n{block.code}"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}")

    # What the README promises the reader will find afterwards.
    for kind in ("json", "md", "html"):
        assert (tmp_path / "demo-out/reports/aldane-strike" / f"latest.{kind}").is_file()
        assert (tmp_path / "reports/harbour-fire" / f"latest.{kind}").is_file()
    demo_report = json.loads((tmp_path / "demo-out/reports/aldane-strike/latest.json").read_text())
    assert demo_report["document"]["id"] == "aldane-strike"
    own = json.loads((tmp_path / "reports/harbour-fire/latest.json").read_text())
    assert own["claims"] and {c["verdict"] for c in own["claims"]} == {"unsourced"}
    schema = json.loads((tmp_path / "claims/registry.schema.json").read_text())
    assert "document" in json.dumps(schema)


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", [README, *sorted((REPO / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_relative_links_lead_to_files_that_exist(page):
    targets = [t for t in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in t
               and not t.startswith("mailto:")]
    missing = [t for t in targets if not (page.parent / t).exists()]
    assert not missing, f"{page.relative_to(REPO)} links to missing files: {missing}"
