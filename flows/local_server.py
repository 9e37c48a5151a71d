"""A Prefect server as a child process, for `citewatch serve` when no server is configured.

The ephemeral API that `verify` uses runs no scheduler, so a schedule needs a real server. This
starts `prefect server start` on a free loopback port, waits for its health endpoint, and stops
it (and only it) on exit.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import requests

from citewatch.errors import ConfigError

HEALTH_PATH = "/api/health"


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def ends_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` after which the kernel sends the child SIGTERM when this process dies, even
    by kill -9 (Linux; ``None`` elsewhere). The signal comes when the *thread* that started the child
    ends, so start such children from the main thread."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arrange() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return arrange


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, process: subprocess.Popen, timeout: float, poll: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigError(f"the Prefect server exited at start-up (code {process.returncode})")
        try:
            if requests.get(base_url + HEALTH_PATH, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(poll)
    raise ConfigError(f"the Prefect server did not answer on {base_url} within {timeout:.0f} s")


def stop_process_group(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the group the child leads (uvicorn and anything it spawned), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass


@contextmanager
def local_prefect_server(log_path: Path, port: int | None = None,
                         startup_timeout: float = 120.0) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1; yield its API URL (``http://127.0.0.1:PORT/api``)."""
    port = port or free_loopback_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start",
             "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True, preexec_fn=ends_with_parent(),
        )
    try:
        try:
            wait_for_health(base_url, process, startup_timeout)
        except ConfigError as exc:
            raise ConfigError(f"{exc}; see its log in {log_path}") from None
        yield f"{base_url}/api"
    finally:
        stop_process_group(process)
