"""A process kept beside the warm Prefect API that has already imported Prefect, the flows and the
library, so that a `citewatch verify` pays no imports (about 2.5 s of CPU, most of a one-source run).

Each `citewatch verify` (``flows.launch``, before it imports anything heavy) connects to the
runner's Unix socket in ``PREFECT_HOME`` and hands over its arguments, working folder, environment
and its standard input, output and error (the file descriptors themselves, so the progress bar
draws on the user's terminal). The runner forks: the copy runs the command exactly as the command
line would (``flows.cli.main``), a real Prefect flow run on the warm API, and its exit status goes
back to the command, which exits with it. Ctrl-C and SIGTERM of the command are passed on to the
copy; when the command dies (kill -9) the copy stops as on SIGTERM.

The runner takes a run only when its imports are still right for it: the same Prefect settings in
the environment (``PREFECT_*``), the same Prefect profiles file, no Prefect settings file in the
working folder, the code unchanged since the runner started, and the warm API it was started for
still running. Otherwise the command runs in its own process as before (and a runner whose code or
API is out of date ends). Started by a `verify` that ran in its own process and used the warm API;
stops with that API (`citewatch server stop`), after the same idle time, or when its code changed.
``CITEWATCH_WARM_RUNNER=off`` turns it off.

    python -m flows.warm_runner --home PREFECT_HOME --idle SECONDS   (the runner process itself)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

SOCKET_NAME = "citewatch-runner.sock"
STATE_NAME = "citewatch-runner.json"
LOG_NAME = "citewatch-runner.log"
MAX_SOCKET_PATH = 100  # sockaddr_un holds 108 bytes: a longer PREFECT_HOME runs every command in-process
MAX_REQUEST = 1 << 20
CONNECT_TIMEOUT = 2.0
CODE_FOLDERS = ("citewatch", "flows")
# Prefect settings files read from the working folder when Prefect is imported.
PREFECT_FILES_IN_CWD = ("prefect.toml", ".env")

IN_RUNNER = False  # True in a forked copy that runs a command (it never starts another runner)

# What a run imports; the runner imports it once, every run forks it already imported.
WARM_MODULES = (
    "flows.cli", "flows.cli_verify", "flows.verify", "flows.verify_view", "flows.interrupt",
    "flows.stopping", "flows.preflight", "flows.warm_api", "flows.prefect_env", "flows.notify",
    "citewatch.pipeline", "citewatch.fetch", "citewatch.check", "citewatch.liveness",
    "citewatch.wayback", "citewatch.textextract", "citewatch.report", "citewatch.history",
    "citewatch.accounts", "citewatch.audit", "citewatch.archive", "filelock",
    "prefect.flow_engine", "prefect.task_engine", "prefect.client.orchestration",
    "prefect.utilities.visualization", "fastapi.encoders", "sqlalchemy.dialects.sqlite",
)


def disabled(env: dict[str, str]) -> bool:
    return (env.get("CITEWATCH_WARM_RUNNER", "").strip().lower() in ("off", "0", "false", "no")
            or env.get("CITEWATCH_PREFECT_SERVER_IDLE_MINUTES", "").strip() in ("0", "0.0")
            or env.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").lower() in ("0", "false", "no"))


def prefect_home(env: dict[str, str]) -> Path:
    return Path(env.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def socket_path(home: Path) -> Path | None:
    path = home / SOCKET_NAME
    return path if len(os.fsencode(str(path))) <= MAX_SOCKET_PATH else None


def code_stamp() -> int:
    """The newest modification time of citewatch's own files: a runner whose code changed since
    it imported it must not run anything."""
    newest = 0
    base = Path(__file__).resolve().parent.parent
    for folder in CODE_FOLDERS:
        for root, _dirs, files in os.walk(base / folder):
            for name in files:
                if not name.endswith(".pyc"):
                    try:
                        newest = max(newest, os.stat(os.path.join(root, name)).st_mtime_ns)
                    except OSError:
                        pass
    return newest


def environment_key(env: dict[str, str]) -> str:
    """What of the environment Prefect fixed when the runner imported it: every ``PREFECT_*``
    setting (after the CLI's quiet defaults, the warm API's address left out) and the profiles."""
    from flows.prefect_env import QUIET

    settings = {**QUIET, **{k: v for k, v in env.items() if k.startswith("PREFECT_")}}
    settings.pop("PREFECT_API_URL", None)
    settings.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    for key in ("DO_NOT_TRACK", "PYTHONPATH", "VIRTUAL_ENV"):
        settings[key] = env.get(key, QUIET.get(key, ""))
    home = prefect_home(env)
    profiles = Path(env.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        settings[" profiles"] = hashlib.sha256(profiles.read_bytes()).hexdigest()
    except OSError:
        settings[" profiles"] = ""
    settings[" python"] = sys.executable
    return hashlib.sha256(json.dumps(sorted(settings.items())).encode()).hexdigest()


def namespaces() -> str:
    """The mount and user namespaces of this process: a command in another (a container, `unshare`)
    sees other files under the same paths, so the runner's copy must not run it."""
    try:
        return " ".join(os.readlink(f"/proc/self/ns/{kind}") for kind in ("mnt", "user"))
    except OSError:
        return ""


def no_prefect_settings_in(cwd: Path) -> bool:
    """True when the working folder has no Prefect settings of its own (they would differ from
    the runner's, which Prefect read when the runner imported it)."""
    if any((cwd / name).exists() for name in PREFECT_FILES_IN_CWD):
        return False
    try:
        return "tool.prefect" not in (cwd / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True


# --- the command's side -------------------------------------------------------------------------


def wants_runner(args: list[str], env: dict[str, str]) -> bool:
    """Only a plain `verify` goes to the runner (not --verbose, which changes Prefect's logging,
    nor --help), and only when no Prefect server of the user's own is configured."""
    if not args or args[0] != "verify" or IN_RUNNER or disabled(env) or env.get("PREFECT_API_URL"):
        return False
    return not any(a in ("-v", "--verbose", "-h", "--help") or a.startswith("-v") and not a.startswith("--")
                   for a in args[1:])


def hand_over(args: list[str]) -> int | None:
    """Run the command in the warm runner; its exit status, or None when no runner took it (then
    the caller runs it itself)."""
    env = dict(os.environ)
    path = socket_path(prefect_home(env))
    cwd = Path.cwd()
    if path is None or not path.exists() or not no_prefect_settings_in(cwd):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(str(path))
        request = json.dumps({"args": args, "cwd": str(cwd), "env": env, "key": environment_key(env),
                              "code": code_stamp(), "namespaces": namespaces()}).encode()
        if len(request) > MAX_REQUEST:
            return None
        socket.send_fds(sock, [request], [0, 1, 2])
        answer = sock.recv(256).decode()
    except OSError:
        sock.close()
        return None
    if not answer.startswith("started"):
        sock.close()
        return None  # refused: the runner's imports do not fit this command
    sock.settimeout(None)
    return _wait_for_exit(sock)


def _wait_for_exit(sock: socket.socket) -> int:
    def forward(signum, _frame):
        try:
            sock.send(signal.Signals(signum).name.encode())
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            message = sock.recv(256).decode()
        except OSError:
            message = ""
        if message.startswith("exit "):
            return int(message.split()[1])
        if not message:  # the run ended without a word (killed): say so
            print("citewatch: the run ended abnormally (its process was killed)", file=sys.stderr)
            return 1


# --- the runner's side --------------------------------------------------------------------------


def _peer_uid(conn: socket.socket) -> int:
    credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]


class Runner:
    def __init__(self, home: Path, idle_seconds: float):
        self.home, self.idle_seconds = home, idle_seconds
        self.key = environment_key(dict(os.environ))
        self.code = code_stamp()
        self.api_pid = self._api_pid()
        self.children: dict[int, socket.socket] = {}
        self.last_used = time.monotonic()
        self.stopping = False
        self.inode: int | None = None

    def _api_pid(self) -> int | None:
        from flows.warm_api import read_state, state_file

        api = read_state(state_file(self.home))
        return api.pid if api is not None else None

    def api_still_ours(self) -> bool:
        from flows.warm_api import _alive

        return self.api_pid is not None and self._api_pid() == self.api_pid and _alive(self.api_pid)

    def refusal(self, request: dict) -> tuple[str, bool] | None:
        """Why this runner does not take the request, and whether it should end; None: take it."""
        if request.get("code") != self.code or code_stamp() != self.code:
            return "the code changed since the runner started", True
        if not self.api_still_ours():
            return "the warm Prefect API it was started for is gone", True
        if request.get("key") != self.key:
            return "other Prefect settings", False
        if request.get("namespaces") != namespaces():
            return "another mount or user namespace (its files are not ours)", False
        return None

    def serve(self) -> None:
        path = socket_path(self.home)
        if path is None:
            return
        listener = _bind(path)
        if listener is None:
            return  # another runner answers there
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self._stop)
        signal.set_wakeup_fd(wake_write)
        self._write_state(path)
        _log(f"runner {os.getpid()} ready on {path}")
        try:
            while not self.stopping or self.children:
                watched: list[socket.socket | int] = [listener, wake_read] if not self.stopping else [wake_read]
                ready, _, _ = select.select(watched, [], [], 1.0)
                if self.stopping:
                    self._close(listener, path)  # new commands run by themselves at once, not after a wait
                if wake_read in ready:
                    os.read(wake_read, 512)
                self._reap()
                if listener in ready and not self.stopping:
                    self._accept(listener, (listener, wake_read, wake_write))
                if not self.children and (time.monotonic() - self.last_used > self.idle_seconds
                                          or not self.api_still_ours()):
                    break
        finally:
            self._close(listener, path)
            state = self.home / STATE_NAME
            try:
                if json.loads(state.read_text()).get("pid") == os.getpid():
                    state.unlink()
            except (OSError, ValueError):
                pass

    def _close(self, listener: socket.socket, path: Path) -> None:
        if listener.fileno() < 0:
            return
        listener.close()
        try:
            if os.stat(path).st_ino == self.inode:  # not a newer runner's socket
                path.unlink()
        except OSError:
            pass

    def _stop(self, *_):
        self.stopping = True

    def _write_state(self, path: Path) -> None:
        self.inode = os.stat(path).st_ino
        record = {"pid": os.getpid(), "socket": str(path), "api_pid": self.api_pid,
                  "started_at": time.time(), "idle_seconds": self.idle_seconds}
        temporary = self.home / f".{STATE_NAME}.{os.getpid()}"
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, self.home / STATE_NAME)

    def _accept(self, listener: socket.socket, private_fds) -> None:
        conn, _ = listener.accept()
        fds: list[int] = []
        try:
            if _peer_uid(conn) != os.getuid():
                conn.close()
                return
            conn.settimeout(5.0)
            data, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 3)
            request = json.loads(data)
            refused = self.refusal(request) if len(fds) == 3 else ("no terminal handed over", False)
        except (OSError, ValueError):
            conn.close()
            for fd in fds:
                os.close(fd)
            return
        if refused is not None:
            reason, end = refused
            _log(f"refused a run: {reason}" + ("; ending" if end else ""))
            try:
                conn.send(f"refused: {reason}".encode())
            except OSError:
                pass
            conn.close()
            for fd in fds:
                os.close(fd)
            self.stopping = self.stopping or end
            return
        self.last_used = time.monotonic()
        sys.stdout.flush()
        sys.stderr.flush()
        conn.settimeout(None)  # before the fork: the copy follows the command for as long as it runs
        pid = os.fork()
        if pid == 0:
            _run_command(request, fds, conn, private_fds)  # never returns
        for fd in fds:
            os.close(fd)
        self.children[pid] = conn
        _log(f"run {pid}: citewatch {' '.join(request['args'])} (in {request['cwd']})")
        try:
            conn.send(b"started")
        except OSError:
            pass

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            _log(f"run {pid} ended after {usage.ru_utime + usage.ru_stime:.2f} s of CPU: exit {code}")
            try:
                conn.send(f"exit {code if code >= 0 else 128 - code}".encode())
            except OSError:
                pass
            conn.close()
            self.last_used = time.monotonic()


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}", flush=True)  # the runner's log file


def _bind(path: Path) -> socket.socket | None:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        probe.connect(str(path))
        return None  # a runner answers: it stays
    except OSError:
        path.unlink(missing_ok=True)
    finally:
        probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    old_umask = os.umask(0o077)  # only this user may connect (the peer's uid is checked too)
    try:
        listener.bind(str(path))
    except OSError:
        listener.close()
        return None
    finally:
        os.umask(old_umask)
    listener.listen(16)
    return listener


def _run_command(request: dict, fds: list[int], conn: socket.socket, private_fds) -> None:
    """In the forked copy: become the command (its folder, environment, terminal), run it, and
    end with its exit status. Never returns."""
    global IN_RUNNER
    IN_RUNNER = True
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        private_fds[0].close()
        for fd in private_fds[1:]:
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _new_standard_streams()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["citewatch", *request["args"]]
        import random

        random.seed()  # not the runner's sequence, shared by every copy
        threading.Thread(target=_follow_command, args=(conn,), name="citewatch-command", daemon=True).start()
        from flows.cli import main

        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, (int, type(None))):
                print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - as the interpreter would: the traceback, exit 1
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)  # the command is over: nothing to interrupt
            import atexit

            atexit._run_exitfuncs()  # Prefect sends its last logs to the API here
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        try:
            conn.send(f"exit {code}".encode())
        except OSError:
            pass
        os._exit(code)


def _new_standard_streams() -> None:
    """Text streams on the command's descriptors, buffered as the interpreter would for them."""
    encoding = sys.stdout.encoding if sys.stdout else "utf-8"
    # typeshed marks sys.__stdin__ & co. Final; this forked interpreter's streams are replaced on purpose
    sys.stdin = sys.__stdin__ = open(0, "r", encoding=encoding, closefd=False)  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = open(1, "w", encoding=encoding, closefd=False,  # type: ignore[misc]
                                       buffering=1 if os.isatty(1) else -1)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding=encoding, errors="backslashreplace",  # type: ignore[misc]
                                       closefd=False, buffering=1)
    import logging

    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values()
                                      if isinstance(v, logging.Logger))]
    for handler in (h for logger in loggers for h in logger.handlers):
        if not isinstance(handler, logging.StreamHandler):
            continue
        try:
            target = handler.stream.fileno()
        except (AttributeError, OSError, ValueError):
            continue
        stream = {1: sys.stdout, 2: sys.stderr}.get(target)
        if stream is not None:
            handler.setStream(stream)
            console = getattr(handler, "console", None)  # Prefect's console handler writes through rich
            if console is not None and hasattr(console, "file"):
                console.file = stream


def _follow_command(conn: socket.socket) -> None:
    """Signals the command received come here; when the command is gone, stop as on SIGTERM."""
    while True:
        try:
            message = conn.recv(64).decode()
        except OSError:
            message = ""
        if message in ("SIGINT", "SIGTERM", "SIGHUP"):
            os.kill(os.getpid(), getattr(signal, message))
            continue
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5.0)  # a run stops within 2 s of SIGTERM; past that, end it
        os._exit(143)


# --- starting and stopping it -------------------------------------------------------------------


def read_state(home: Path) -> dict | None:
    try:
        return json.loads((home / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def answers(home: Path) -> bool:
    path = socket_path(home)
    if path is None or not path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def start_runner(home: Path, idle_seconds: float) -> bool:
    """Start the runner for the warm API of ``home`` unless one answers or it is off; it imports
    in the background and takes the next run once ready. True when one was started."""
    if IN_RUNNER or disabled(dict(os.environ)) or socket_path(home) is None or answers(home):
        return False
    with open(home / LOG_NAME, "ab") as log:
        subprocess.Popen([sys.executable, "-m", "flows.warm_runner", "--home", str(home),
                          "--idle", str(idle_seconds)],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         cwd=str(home), start_new_session=True)
    return True


def stop_runner(home: Path, timeout: float = 10.0) -> int | None:
    """Stop the runner (runs it has started finish first); its pid, or None when none ran."""
    state = read_state(home)
    if state is None:
        return None
    pid = int(state["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        (home / STATE_NAME).unlink(missing_ok=True)
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                break
        except (ProcessLookupError, OSError):
            break
        time.sleep(0.05)
    return pid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.warm_runner")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--idle", type=float, required=True, help="seconds without a run before stopping")
    args = parser.parse_args(argv)
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    Runner(args.home, args.idle).serve()


if __name__ == "__main__":
    main()
