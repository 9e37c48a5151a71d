"""A test that needs a missing system program is skipped with a reason that pytest's summary shows,
and fails instead under CITEWATCH_REQUIRE_SYSTEM_TOOLS=1 (what .ci/run sets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from system_tools import REQUIRE_VARIABLE, need_system_tool

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

NEEDS_A_MISSING_TOOL = '''
from system_tools import need_system_tool

def test_needs_a_missing_tool():
    need_system_tool(False, "the frobnicator (/usr/bin/frob)", "apt-get install frob")

def test_needs_a_present_tool():
    need_system_tool(True, "sh", "apt-get install dash")
'''


def run_pytest(folder: Path, require: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_VARIABLE}
    if require is not None:
        env[REQUIRE_VARIABLE] = require
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "pytest", "-ra", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), "-c", os.devnull, str(folder)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=folder)


def test_a_missing_tool_skips_with_its_reason_in_the_summary(tmp_path):
    (tmp_path / "test_needs.py").write_text(NEEDS_A_MISSING_TOOL)
    result = run_pytest(tmp_path, require=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "SKIPPED" in result.stdout and "needs the frobnicator (/usr/bin/frob): apt-get install frob" \
        in result.stdout


def test_a_missing_tool_fails_when_system_tools_are_required(tmp_path):
    (tmp_path / "test_needs.py").write_text(NEEDS_A_MISSING_TOOL)
    result = run_pytest(tmp_path, require="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "needs the frobnicator (/usr/bin/frob): apt-get install frob" in result.stdout


def test_a_present_tool_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    need_system_tool(True, "sh", "apt-get install dash")  # returns: nothing raised
    with pytest.raises(pytest.fail.Exception):
        need_system_tool(False, "frob", "apt-get install frob")


def test_ci_requires_every_system_tool():
    ci = (REPO / ".ci" / "run").read_text()
    assert f"export {REQUIRE_VARIABLE}=1" in ci
    assert "make test" in ci.split(f"export {REQUIRE_VARIABLE}=1", 1)[1]
