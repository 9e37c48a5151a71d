"""A local Prefect API kept warm between runs, so that `citewatch verify` does not pay Prefect's
server start-up (several seconds of CPU) on every run.

With no Prefect server configured, the first `verify` starts Prefect's API server (the same
uvicorn app as Prefect's ephemeral API, on the same database in ``PREFECT_HOME``) as a detached
process on a free loopback port and records it in ``$PREFECT_HOME/citewatch-api.json``. Later runs
find it there, check that it answers, and use it (``PREFECT_API_URL``). Every run keeps the record
touched while it lasts; the server stops by itself once nothing has touched it for
``CITEWATCH_PREFECT_SERVER_IDLE_MINUTES`` (default 30; ``0`` turns the warm server off: each run
starts and stops its own ephemeral API, as Prefect does by default). `citewatch server status`
shows it, `citewatch server stop` stops it.

    python -m flows.warm_api --port PORT --state FILE --idle SECONDS   (the server process itself)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from flows.local_server import free_loopback_port

STATE_NAME = "citewatch-api.json"
LOG_NAME = "citewatch-api.log"
STARTUP_TIMEOUT = 120.0
TOUCH_EVERY = 30.0  # seconds: how often a running `verify` marks the server as in use


@dataclass
class WarmApi:
    pid: int
    port: int
    started_at: float
    prefect_version: str
    idle_seconds: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def state_file(home: Path | None = None) -> Path:
    return (home or prefect_home()) / STATE_NAME


def installed_prefect_version() -> str:
    """Prefect's version without importing Prefect (which takes seconds)."""
    from importlib.metadata import version

    return version("prefect")


def read_state(path: Path) -> WarmApi | None:
    try:
        return WarmApi(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def answers(api: WarmApi, timeout: float = 2.0) -> bool:
    try:
        return requests.get(api.url + "/health", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def running_api(path: Path) -> WarmApi | None:
    """The warm server recorded in ``path`` if it is alive, answers, and runs the installed Prefect."""
    api = read_state(path)
    if api is None or not _alive(api.pid) or api.prefect_version != installed_prefect_version():
        return None
    return api if answers(api) else None


def touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def ensure_warm_api(idle_seconds: float, home: Path | None = None, wait: bool = True) -> WarmApi:
    """The warm server of ``home`` (``PREFECT_HOME``), started now if none runs. With ``wait``
    (the default) it answers on return; else the caller calls :func:`wait_until_ready` once it has
    done its own start-up (a first run imports Prefect while the server starts). Raises
    :class:`RuntimeError` when it cannot be started (the caller falls back to Prefect's own)."""
    from filelock import FileLock

    path = state_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=STARTUP_TIMEOUT):  # two runs at once start one server
        api = read_state(path)
        if api is not None and _alive(api.pid) and api.prefect_version == installed_prefect_version():
            if answers(api):
                touch(path)
                return api
            if time.time() - api.started_at > STARTUP_TIMEOUT:  # not starting: hung
                stop(api, path)
                api = None
        elif api is not None:
            if _alive(api.pid):
                stop(api, path)  # an older Prefect
            api = None
        if api is None:
            api = _start(path, idle_seconds)
    if wait:
        wait_until_ready(api, path)
    return api


def _start(path: Path, idle_seconds: float) -> WarmApi:
    from flows.prefect_db import seed_new_home

    try:
        seed_new_home(path.parent, installed_prefect_version())  # no migrations in a new home
    except OSError:
        pass  # Prefect migrates a new database itself
    port = free_loopback_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    env["PREFECT_HOME"] = str(path.parent)  # the database of the runs that will use it
    with open(path.parent / LOG_NAME, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.warm_api", "--port", str(port), "--state", str(path),
             "--idle", str(idle_seconds)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)  # not in the terminal's process group: Ctrl-C of a run spares it
    api = WarmApi(pid=process.pid, port=port, started_at=time.time(),
                  prefect_version=installed_prefect_version(), idle_seconds=idle_seconds)
    path.write_text(json.dumps(asdict(api)), encoding="utf-8")
    return api


def wait_until_ready(api: WarmApi, path: Path | None = None, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the warm server answers; RuntimeError (and the server stopped) when it exits
    or does not answer in time."""
    path = path or state_file()
    deadline = time.monotonic() + timeout
    while not answers(api, timeout=1.0):
        _reap(api.pid)  # our own child exits as a zombie until collected
        if not _alive(api.pid) or time.monotonic() > deadline:
            stop(api, path)
            raise RuntimeError(f"the warm Prefect API did not start; see {path.parent / LOG_NAME}")
        time.sleep(0.1)


def stop(api: WarmApi, path: Path, timeout: float = 10.0) -> bool:
    """Stop the warm server (SIGTERM, then SIGKILL) and forget it; False when it was not running."""
    was_running = _alive(api.pid)
    if was_running:
        try:
            os.killpg(api.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        deadline = time.monotonic() + timeout
        while _alive(api.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
            _reap(api.pid)
        if _alive(api.pid):
            try:
                os.killpg(api.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    if read_state(path) == api:
        path.unlink(missing_ok=True)
    return was_running


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)  # our own child (started by this process): collect it
    except ChildProcessError:
        pass


class KeepWarm:
    """While a run lasts, mark the warm server as in use (so that its idle timer never stops it
    under a long run)."""

    def __init__(self, path: Path, every: float = TOUCH_EVERY):
        self.path, self.every = path, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="citewatch-keep-warm", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            touch(self.path)

    def __enter__(self) -> "KeepWarm":
        touch(self.path)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        touch(self.path)  # the idle time counts from the end of the run


# --- the server process ------------------------------------------------------------------------


def idle_for(path: Path, pid: int) -> float | None:
    """Seconds since a run last used the server recorded in ``path``; None when the record no
    longer names this process (replaced or removed: stop)."""
    api = read_state(path)
    if api is None or api.pid != pid:
        return None
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return None


def serve(port: int, path: Path, idle_seconds: float) -> None:
    import uvicorn

    config = uvicorn.Config("prefect.server.api.server:create_app", factory=True, host="127.0.0.1",
                            port=port, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    me = os.getpid()

    def watch_idle() -> None:
        check = max(0.5, min(10.0, idle_seconds / 4))
        while not server.started and not server.should_exit:  # idle time counts once it answers
            time.sleep(0.1)
        touch(path)
        while not server.should_exit:
            time.sleep(check)
            idle = idle_for(path, me)
            if idle is None or idle > idle_seconds:
                server.should_exit = True

    threading.Thread(target=watch_idle, name="idle-watch", daemon=True).start()
    try:
        server.run()
    finally:
        api = read_state(path)
        if api is not None and api.pid == me:
            path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.warm_api")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--idle", type=float, required=True, help="seconds without use before stopping")
    args = parser.parse_args(argv)
    serve(args.port, args.state, args.idle)


if __name__ == "__main__":
    main()
