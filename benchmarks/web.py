"""The benchmark web: one asyncio process serving every host of a manifest on loopback.

Each host (127.0.0.1, 127.0.0.2, …) listens on the same port; the pages come from the manifest
written by :mod:`benchmarks.generate` and are rendered on demand by :mod:`benchmarks.pages`
(PDFs once, at start-up). Every answer waits ``latency`` seconds (plus a slow page's own delay)
before its first byte, standing in for the internet. HTTP/1.1 with keep-alive, ETag and
Last-Modified with conditional requests (304), HEAD, a robots.txt per host, 301 redirects and
404s. Per-host counters (requests, answers by status, the most requests seen in flight at once)
are served as JSON at ``/__farm/stats`` and cleared by ``/__farm/reset`` on any host; those two
paths answer at once and are not counted.

In a test: ``with serve_in_thread(manifest) as farm: ...``. From the benchmark runner, as its own
process: ``python -m benchmarks.web --manifest manifest.json [--latency 0.1]`` prints ``ready``
once every host listens, and serves until it is terminated or its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import threading
import time
from collections import Counter
from email.utils import formatdate
from pathlib import Path

from benchmarks.pages import etag, render_page, warm_up

ROBOTS = b"User-agent: *\nDisallow: /admin/\nDisallow: /search\n"
NOT_FOUND = (b"<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
             b"<h1>404 - Page not found</h1><p>The page you are looking for was moved or "
             b"deleted.</p></body></html>\n")
LAST_MODIFIED = formatdate(1_600_000_000, usegmt=True)
REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found",
           400: "Bad Request", 405: "Method Not Allowed"}


class HostStats:
    def __init__(self) -> None:
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.statuses: Counter[int] = Counter()
        self.bytes_sent = 0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "max_in_flight": self.max_in_flight,
                "statuses": dict(self.statuses), "bytes_sent": self.bytes_sent}


class Farm:
    """Every host of a manifest, served by one event loop."""

    def __init__(self, manifest: dict, latency: float = 0.1) -> None:
        self.pages: dict[str, dict[str, dict]] = manifest["pages"]
        self.hosts: list[str] = manifest["hosts"]
        self.port: int = manifest["port"]
        self.latency = latency
        self.validators = True  # ETag, Last-Modified and 304s
        self.stats: dict[str, HostStats] = {h: HostStats() for h in self.hosts}
        self._rendered: dict[tuple[str, str], tuple[bytes, str]] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._connections: set[asyncio.Task] = set()

    def prerender(self) -> None:
        """Build the text pools and render the PDFs before serving (they are the slow ones)."""
        warm_up()
        for host, pages in self.pages.items():
            for path, spec in pages.items():
                if spec["kind"] == "pdf":
                    self._rendered[(host, path)] = render_page(spec)

    async def start(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._serve_connection, host, self.port,
                                                backlog=512, reuse_address=True)
            self._servers.append(server)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        connections = list(self._connections)
        for task in connections:
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def stats_dict(self) -> dict:
        per_host = {h: s.as_dict() for h, s in self.stats.items()}
        return {"latency": self.latency, "hosts": per_host,
                "requests": sum(s.requests for s in self.stats.values())}

    def reset(self) -> None:
        self.stats = {h: HostStats() for h in self.hosts}

    # --- HTTP ---------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                method, path, version, headers = _parse_head(head)
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                response = await self._answer(host, method, path, headers, keep_alive)
                writer.write(response)
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _answer(self, host: str, method: str, path: str, headers: dict,
                      keep_alive: bool) -> bytes:
        if path == "/__farm/stats":
            return _response(200, json.dumps(self.stats_dict()).encode(), "application/json",
                             keep_alive=keep_alive)
        if path == "/__farm/reset":
            self.reset()
            return _response(200, b"{}", "application/json", keep_alive=keep_alive)
        if path.startswith("/__farm/validators"):
            self.validators = not path.endswith("on=0")
            return _response(200, json.dumps({"validators": self.validators}).encode(), "application/json",
                             keep_alive=keep_alive)
        stats = self.stats.setdefault(host, HostStats())
        stats.requests += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            spec = self.pages.get(host, {}).get(path.split("?", 1)[0])
            await asyncio.sleep(self.latency + (spec or {}).get("delay", 0.0))
            status, body, extra = self._resolve(host, path, spec, headers)
            content_type = extra.pop("Content-Type", "text/html; charset=utf-8")
            response = _response(status, body, content_type, extra, keep_alive,
                                 head_only=method == "HEAD")
            stats.statuses[status] += 1
            stats.bytes_sent += len(response)
            return response
        finally:
            stats.in_flight -= 1

    def _resolve(self, host: str, path: str, spec: dict | None,
                 headers: dict) -> tuple[int, bytes, dict]:
        if path == "/robots.txt":
            return 200, ROBOTS, {"Content-Type": "text/plain"}
        if spec is None or spec["kind"] == "gone":
            return 404, NOT_FOUND, {}
        if spec["kind"] == "redirect":
            return 301, b"", {"Location": f"http://{host}:{self.port}{spec['target']}"}
        tag = etag(spec)
        validators = {"ETag": tag, "Last-Modified": LAST_MODIFIED} if self.validators else {}
        if self.validators and (headers.get("if-none-match") == tag or (
                "if-none-match" not in headers and headers.get("if-modified-since") == LAST_MODIFIED)):
            return 304, b"", validators
        body, content_type = self._rendered.get((host, path)) or render_page(spec)
        return 200, body, {**validators, "Content-Type": content_type}


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, path, version = (lines[0].split(" ") + ["", "", ""])[:3]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, path, version, headers


def _response(status: int, body: bytes, content_type: str, extra: dict | None = None,
              keep_alive: bool = True, head_only: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}",
             f"Date: {formatdate(time.time(), usegmt=True)}", "Server: benchmark-farm",
             f"Connection: {'keep-alive' if keep_alive else 'close'}"]
    if status != 304:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    payload = b"" if head_only or status == 304 else body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


# --- running it ---------------------------------------------------------------------------


def free_port(hosts: list[str], attempts: int = 200) -> int:
    """A port that is free on every host address, below Linux's ephemeral range (32768+) so that
    no outgoing connection of the run can be holding it when the farm binds it."""
    import random

    rng = random.Random()
    for _ in range(attempts):
        port = rng.randint(20000, 32000)
        sockets = []
        try:
            for host in hosts:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no port free on all of {len(hosts)} hosts")


@contextlib.contextmanager
def serve_in_thread(manifest: dict, latency: float = 0.1):
    """Serve a manifest from a background thread for the duration of the ``with`` block."""
    farm = Farm(manifest, latency)
    farm.prerender()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(farm.start())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(farm.stop())
        loop.close()

    thread = threading.Thread(target=run, name="benchmark-farm", daemon=True)
    thread.start()
    started.wait()
    if failure:
        raise failure[0]
    try:
        yield farm
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


async def _serve_until_stdin_closes(farm: Farm) -> None:
    await farm.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # returns when the parent closes our stdin
    await farm.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a benchmark manifest on loopback hosts.")
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer")
    args = parser.parse_args(argv)
    farm = Farm(json.loads(args.manifest.read_text(encoding="utf-8")), args.latency)
    farm.prerender()
    asyncio.run(_serve_until_stdin_closes(farm))


if __name__ == "__main__":
    main()
