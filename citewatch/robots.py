"""robots.txt, fetched once per host (scheme, name and port) and asked with protego.

A missing robots.txt (4xx) allows everything. So does one that cannot be fetched (5xx, no
connection): the page fetch that follows reports that trouble itself, with its own status.
"""

from __future__ import annotations

import threading
from typing import Callable
from urllib.parse import urlsplit

from protego import Protego

# (url of robots.txt) -> (http status or None, text)
RobotsFetch = Callable[[str], tuple[int | None, str]]


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"


def product_token(user_agent: str) -> str:
    """The name robots.txt groups match: ``citewatch`` for ``citewatch/0.1 (+https://...)``."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    def __init__(self, fetch: RobotsFetch, user_agent: str):
        self._fetch = fetch
        self.agent = product_token(user_agent)
        self._rules: dict[str, Protego | None] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        rules = self.rules_for(url)
        return rules is None or rules.can_fetch(url, self.agent)

    def rules_for(self, url: str) -> Protego | None:
        key = robots_url(url)
        with self._lock:
            host_lock = self._locks.setdefault(key, threading.Lock())
        with host_lock:  # one fetch per host even when many threads ask at once
            if key not in self._rules:
                self._rules[key] = self._load(key)
            return self._rules[key]

    def _load(self, key: str) -> Protego | None:
        status, text = self._fetch(key)
        if status is None or not 200 <= status < 300:
            return None
        return Protego.parse(text)
