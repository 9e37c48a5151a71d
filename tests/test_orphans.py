"""No process outlives a killed run: after kill -9 of a run, its worker processes and the Prefect
API server it started end too (within the stated bound)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # every test here takes about half a second or more


BOUND = 5.0  # seconds after the kill (measured: about 0.5 s for workers, at once for the server)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def kill_and_wait_for(child: subprocess.Popen, pids: list[int]) -> float:
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    killed = time.monotonic()
    while any(alive(pid) for pid in pids) and time.monotonic() - killed < 30:
        time.sleep(0.1)
    return time.monotonic() - killed


def start(code: str) -> tuple[subprocess.Popen, list[int]]:
    child = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    pids = [int(pid) for pid in child.stdout.readline().split()]
    assert pids and all(alive(pid) for pid in pids)
    return child, pids


WORKERS = """
import time
from citewatch.workers import CpuPool
pool = CpuPool(2)
assert pool.map(abs, [(-1,)] * 8) == [1] * 8  # the workers are running
print(*pool._pool._processes, flush=True)
time.sleep(120)
"""

SERVER = """
import time
from flows.early_api import start_early
api = start_early(None)
print(api.process.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("code", [WORKERS, SERVER], ids=["cpu-workers", "prefect-api-server"])
def test_children_end_with_a_run_killed_by_sigkill(code):
    child, pids = start(code)
    took = kill_and_wait_for(child, pids)
    assert not any(alive(pid) for pid in pids) and took < BOUND, took
