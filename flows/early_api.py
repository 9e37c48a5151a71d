"""Start Prefect's ephemeral API server before the flow needs it.

With no Prefect server configured, the first API call of a run starts a local server process
(uvicorn serving Prefect's app) and waits until it answers: about 9 s of CPU in that process, the
largest part of a one-source run, during which citewatch would sit idle. ``start_early()``
launches that process first thing, the way Prefect's ``SubprocessASGIServer`` does, so that its
start-up overlaps with importing Prefect and the flows; ``adopt()`` then hands it to Prefect's
(per-process, singleton) ``SubprocessASGIServer``, which the flow's client finds running and
which stops it at exit. If anything here fails, the process is stopped and Prefect starts its own
server the usual way.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from flows.local_server import ends_with_parent, free_loopback_port, wait_for_health

HEALTH_TIMEOUT = 90.0
# The server's own lines (its errors while it is stopped at the end of a failed run, say) go here,
# beside its database, not to the run's console: the run's last line says what went wrong.
LOG_NAME = "ephemeral-api.log"


class EarlyEphemeralApi:
    def __init__(self, verbose: bool = False) -> None:
        from flows.prefect_db import seed_new_home
        from flows.warm_api import installed_prefect_version, prefect_home

        try:
            seed_new_home(prefect_home(), installed_prefect_version())  # no migrations in a new home
        except OSError:
            pass  # Prefect migrates a new database itself
        self.port = free_loopback_port()
        spec = importlib.util.find_spec("prefect")  # where Prefect is, without importing it
        if spec is None or spec.origin is None:
            raise RuntimeError("Prefect is not installed: pip install -e . installs it with citewatch")
        prefect_dir = Path(spec.origin).parent
        self.log = None if verbose else prefect_home() / LOG_NAME
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
        # The same command and environment as Prefect's SubprocessASGIServer._run_uvicorn_command.
        with open(self.log if self.log else os.devnull, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                     "PREFECT__SERVER_FINAL": "1"},
                stdin=subprocess.DEVNULL, stdout=log if self.log else None, stderr=log if self.log else None,
                preexec_fn=ends_with_parent())  # ends with us, kill -9 or not
        atexit.register(self.stop)  # whatever happens before adopt(), the process never outlives us

    def adopt(self) -> bool:
        """Wait until the server answers and make it Prefect's ephemeral server; False (and the
        process stopped) when that did not work."""
        try:
            from prefect.server.api.server import SubprocessASGIServer

            wait_for_health(f"http://127.0.0.1:{self.port}", self.process, HEALTH_TIMEOUT, poll=0.1)
            server = SubprocessASGIServer()
            if server.running:  # Prefect already started one: ours is not needed
                self.stop()
                return False
            server.port, server.server_process, server.running = self.port, self.process, True
            atexit.register(server.stop)
            return True
        except Exception:  # noqa: BLE001 - Prefect's own start-up takes over
            self.stop()
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_early(api_url: str | None, verbose: bool = False) -> EarlyEphemeralApi | None:
    """Launch the ephemeral API server now, unless ``api_url`` names a server to use or Prefect's
    ephemeral mode is turned off; its lines go to ``ephemeral-api.log`` in Prefect's home, or with
    ``verbose`` to the console."""
    if api_url or os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").lower() in ("0", "false", "no"):
        return None
    try:
        return EarlyEphemeralApi(verbose)
    except Exception:  # noqa: BLE001 - Prefect starts its own server later
        return None
