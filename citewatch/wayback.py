"""The Wayback Machine, behind one small client whose base URL comes from the settings.

Look-ups (CDX, availability) go through waybackpy 3.0.6, which hard-codes the Internet Archive's
hosts and sets no timeouts: our subclasses point its ``endpoint`` attributes at the configured base
URL and replace the two methods that do I/O (``cdx_api_manager`` and ``setup_json``) with one
bounded request through our own session, so waybackpy keeps building queries and parsing answers.
Save Page Now 2 is spoken directly with requests: waybackpy only knows the anonymous GET save that
the real service refuses today.

Nothing here raises into a run: every failure is logged and becomes ``None`` or a
:class:`SaveOutcome` that says what happened. After a timeout or a refused connection the client
stops calling the service for ``cooldown`` seconds, so a slow or absent Wayback Machine costs a run
one timeout, not one per source. ``timeout`` is a wall clock for the whole request, headers and body
included (:mod:`citewatch.wallclock`): a service that drips its answer is cut when it is up. The
default session mounts :class:`~citewatch.wallclock.DeadlineAdapter`; a session given from outside
should too, or only the pauses between reads are bounded.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Callable, Iterable

import requests
from waybackpy.availability_api import WaybackMachineAvailabilityAPI
from waybackpy.cdx_api import WaybackMachineCDXServerAPI
from waybackpy.cdx_utils import check_for_blocked_site, full_url
from waybackpy.exceptions import WaybackError as WaybackpyError

from citewatch import wallclock
from citewatch.errors import ConfigError

log = logging.getLogger(__name__)

TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"
OK_STATUS = re.compile(r"^2\d\d$")
TRY_LATER_HTTP = {429, 502, 503, 504, 520, 523}
DEFAULT_MAX_RAW_BYTES = 25 * 1024 * 1024


# --- value types -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One capture in a Wayback-compatible archive."""

    timestamp: str  # YYYYMMDDhhmmss, as the Wayback Machine writes it
    original: str  # the URL that was captured
    base_url: str  # the archive service it lives in
    statuscode: str | None = None
    digest: str | None = None
    mimetype: str | None = None

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)

    @property
    def archive_url(self) -> str:
        """The page for humans (with the archive's banner)."""
        return f"{self.base_url}/web/{self.timestamp}/{self.original}"

    @property
    def raw_url(self) -> str:
        """The archived bytes as they were served (``id_``: no rewriting, no banner)."""
        return f"{self.base_url}/web/{self.timestamp}id_/{self.original}"


class SaveStatus(str, Enum):
    RECENT = "recent"  # a capture newer than max_age exists; nothing was requested
    SAVED = "saved"  # the save job succeeded
    CONFIRMED = "confirmed"  # the service said error/timeout, but the CDX shows the new capture
    PENDING = "pending"  # the job was still running after the last poll (job_id kept)
    TRY_LATER = "try_later"  # 429, 52x, timeouts, error:* answers, the save budget used up
    REFUSED = "refused"  # the keys were refused
    NO_KEYS = "no_keys"  # no Save Page Now keys: citewatch only looks snapshots up


@dataclass(frozen=True)
class SaveOutcome:
    status: SaveStatus
    reason: str = ""
    snapshot: Snapshot | None = None
    job_id: str | None = None

    @property
    def archived(self) -> bool:
        """A recent capture exists now."""
        return self.status in (SaveStatus.RECENT, SaveStatus.SAVED, SaveStatus.CONFIRMED)

    @property
    def archive_url(self) -> str | None:
        return self.snapshot.archive_url if self.snapshot else None

    @property
    def timestamp(self) -> str | None:
        return self.snapshot.timestamp if self.snapshot else None


class SaveBudget:
    """At most ``per_minute`` save requests in any 60 s, shared by every thread (and by every
    client given the same budget)."""

    def __init__(self, per_minute: int = 4, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._spent: deque[float] = deque()
        self._lock = threading.Lock()

    def try_acquire(self) -> bool:
        with self._lock:
            now = self._clock()
            while self._spent and now - self._spent[0] >= 60:
                self._spent.popleft()
            if len(self._spent) >= self.per_minute:
                return False
            self._spent.append(now)
            return True


# --- bounded transport -------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    url: str
    truncated: bool = False

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        import json

        try:
            return json.loads(self.body)
        except ValueError:
            return None


class _DeadlinePassed(Exception):
    pass


class _Unavailable(Exception):
    """Raised inside waybackpy's call chain to leave it; caught by the client."""


class _BoundedCDX(WaybackMachineCDXServerAPI):
    """waybackpy's CDX client with our endpoint and one bounded request per query."""

    def __init__(self, client: "WaybackClient", url: str, **kwargs):
        super().__init__(url, user_agent=client.user_agent, **kwargs)
        self.endpoint = f"{client.base_url}/cdx/search/cdx"
        self._client = client

    def cdx_api_manager(self, payload, headers):
        # waybackpy pages through resume keys with unbounded retries; one page of `limit` is enough.
        payload["limit"] = str(self.limit)
        request_url = full_url(self.endpoint, params=payload)
        self.last_api_request_url = request_url
        answer = self._client._call("GET", request_url, max_bytes=4 * 1024 * 1024)
        if answer is None or answer.status != 200:
            raise _Unavailable(f"CDX answered {answer.status if answer else 'nothing'}")
        check_for_blocked_site(_TextOnly(answer.text), self.url)  # type: ignore[arg-type]  # it reads .text only
        yield answer.text.strip()


class _BoundedAvailability(WaybackMachineAvailabilityAPI):
    """waybackpy's availability client with our endpoint, no 5 s pause and a bounded request."""

    def __init__(self, client: "WaybackClient", url: str):
        super().__init__(url, user_agent=client.user_agent, max_tries=1)
        self.endpoint = f"{client.base_url}/wayback/available"
        self.api_call_time_gap = 0
        self._client = client

    def setup_json(self):
        answer = self._client._call("GET", full_url(self.endpoint, self.payload), max_bytes=1024 * 1024)
        self.tries += 1
        self.json = answer.json() if answer is not None and answer.status == 200 else None
        return self.json


class _TextOnly:
    """What waybackpy's ``check_for_blocked_site`` reads from a response."""

    def __init__(self, text: str):
        self.text = text


# --- the client --------------------------------------------------------------------------


class WaybackClient:
    """Look up, fetch and request captures in a Wayback-compatible service.

    ``timeout`` bounds each call (connect, each read, and the whole answer). ``keys`` are the Save
    Page Now 2 access and secret keys; without them :meth:`ensure_capture` never sends a request.
    Safe to share between threads.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 20.0,
        keys: tuple[str, str] | None = None,
        save_budget: SaveBudget | None = None,
        *,
        user_agent: str = "citewatch",
        session: requests.Session | None = None,
        max_raw_bytes: int = DEFAULT_MAX_RAW_BYTES,
        poll_interval: float = 5.0,
        max_polls: int = 6,
        max_text_checks: int = 3,
        cooldown: float = 60.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.keys = keys
        self.save_budget = save_budget or SaveBudget()
        self.user_agent = user_agent
        self.max_raw_bytes = max_raw_bytes
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self.max_text_checks = max_text_checks
        self.cooldown = cooldown
        self._session = session or wallclock.deadline_session()
        self._session.headers["User-Agent"] = user_agent
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._raw_cache: OrderedDict[str, bytes] = OrderedDict()

    # -- look-ups -------------------------------------------------------------------------

    def closest(self, url: str, accessed: date | datetime | None = None,
                prefer_text: str | None = None) -> Snapshot | None:
        """The capture to check a source against: the newest 2xx capture at or before ``accessed``,
        else the oldest after it; without ``accessed``, the newest. Error and redirect captures are
        skipped. With ``prefer_text``, up to ``max_text_checks`` candidates are fetched and the first
        whose text contains it wins (else the closest one)."""
        wanted = max(1, self.max_text_checks if prefer_text else 1)
        try:
            if accessed is None:
                candidates = self._cdx(url, limit=-wanted)[::-1]
            else:
                moment = _moment(accessed)
                candidates = self._cdx(url, to=moment.strftime(TIMESTAMP_FORMAT), limit=-wanted)[::-1]
                if len(candidates) < wanted:
                    after = (moment + timedelta(seconds=1)).strftime(TIMESTAMP_FORMAT)
                    candidates += self._cdx(url, from_=after, limit=wanted - len(candidates))
        except _Unavailable as exc:
            if self._is_down():  # already said once, when the service stopped answering
                log.debug("Wayback CDX look-up of %s skipped: the service is not answering", url)
                return None
            log.warning("Wayback CDX look-up of %s failed (%s); trying the availability API", url, exc)
            return self._available(url, accessed)
        if not candidates:
            return None
        if prefer_text:
            for snapshot in candidates[: self.max_text_checks]:
                body = self.fetch_raw(snapshot)
                if body is not None and text_contains(body, prefer_text):
                    return snapshot
        return candidates[0]

    def newest(self, url: str) -> Snapshot | None:
        try:
            found = self._cdx(url, limit=-1)
        except _Unavailable as exc:
            if not self._is_down():
                log.warning("Wayback CDX look-up of %s failed: %s", url, exc)
            return None
        return found[-1] if found else None

    def fetch_raw(self, snapshot: Snapshot) -> bytes | None:
        """The archived bytes of a snapshot, cut at ``max_raw_bytes``; ``None`` when unavailable."""
        with self._lock:
            if snapshot.raw_url in self._raw_cache:
                return self._raw_cache[snapshot.raw_url]
        answer = self._call("GET", snapshot.raw_url, max_bytes=self.max_raw_bytes)
        if answer is None or not 200 <= answer.status < 300:
            log.warning("Wayback copy %s unavailable (%s)", snapshot.raw_url, answer.status if answer else "no answer")
            return None
        if answer.truncated:
            log.warning("Wayback copy %s cut at %d bytes", snapshot.raw_url, self.max_raw_bytes)
        with self._lock:
            self._raw_cache[snapshot.raw_url] = answer.body
            while len(self._raw_cache) > 4:
                self._raw_cache.popitem(last=False)
        return answer.body

    def _cdx(self, url: str, *, from_: str | None = None, to: str | None = None, limit: int) -> list[Snapshot]:
        """2xx captures, one per distinct payload, in time order."""
        query = _BoundedCDX(self, url, start_timestamp=from_, end_timestamp=to, filters=["statuscode:2.."],
                            collapses=["digest"], limit=str(limit))
        try:
            found = [self._snapshot(s.timestamp, s.original, s.statuscode, s.digest, s.mimetype)
                     for s in query.snapshots()]
        except _Unavailable:
            raise
        except (WaybackpyError, ValueError) as exc:  # blocked site, malformed lines
            log.warning("Wayback CDX answer for %s unusable: %s", url, exc)
            return []
        return sorted((s for s in found if s.statuscode and OK_STATUS.match(s.statuscode)), key=lambda s: s.timestamp)

    def _available(self, url: str, accessed: date | datetime | None) -> Snapshot | None:
        api = _BoundedAvailability(self, url)
        if accessed is None:
            api.newest()
        else:
            api.near(unix_timestamp=int(_moment(accessed).timestamp()))
        closest = ((api.json or {}).get("archived_snapshots") or {}).get("closest") or {}
        status, timestamp = str(closest.get("status", "")), closest.get("timestamp")
        if not closest.get("available") or not timestamp or not OK_STATUS.match(status):
            return None
        return self._snapshot(timestamp, url, status, None, None)

    def _snapshot(self, timestamp, original, statuscode, digest, mimetype) -> Snapshot:
        return Snapshot(timestamp=timestamp, original=original, base_url=self.base_url,
                        statuscode=statuscode, digest=digest, mimetype=mimetype)

    # -- Save Page Now 2 ------------------------------------------------------------------

    def ensure_capture(self, url: str, max_age: timedelta,
                       on_job: Callable[[str, str], None] | None = None) -> SaveOutcome:
        """Make sure a capture of ``url`` newer than ``max_age`` exists, asking Save Page Now 2 for
        one if needed. ``on_job(url, job_id)`` is called as soon as the job exists (its status
        expires after about an hour, so callers may keep it to ask again with :meth:`job_outcome`)."""
        if not self.keys:
            return SaveOutcome(SaveStatus.NO_KEYS, "no Save Page Now keys (CITEWATCH_WAYBACK_ACCESS_KEY and "
                                                  "CITEWATCH_WAYBACK_SECRET_KEY); only looking snapshots up")
        if self._is_down():
            return SaveOutcome(SaveStatus.TRY_LATER, "the Wayback Machine did not answer recently")
        newest = self.newest(url)
        if newest is not None and _now() - newest.captured_at <= max_age:
            return SaveOutcome(SaveStatus.RECENT, f"captured {newest.timestamp}", snapshot=newest)
        if not self.save_budget.try_acquire():
            return SaveOutcome(SaveStatus.TRY_LATER, "the save budget for this minute is used up")
        requested_at = _now()
        # The service applies the age rule too (a number of seconds), in case our CDX view lags.
        form = {"url": url, "if_not_archived_within": str(int(max_age.total_seconds())), "skip_first_archive": "1"}
        answer = self._call("POST", f"{self.base_url}/save", data=form,
                            headers=self._auth_headers(), max_bytes=1024 * 1024)
        if answer is None:
            return self._confirm(url, requested_at, "the save request timed out or failed")
        if answer.status in (401, 403):
            return SaveOutcome(SaveStatus.REFUSED, f"Save Page Now refused the keys (HTTP {answer.status})")
        if answer.status != 200:
            return self._confirm(url, requested_at, f"Save Page Now answered HTTP {answer.status}")
        reply = answer.json() or {}
        job_id = reply.get("job_id")
        if not job_id:
            why = reply.get("status_ext") or reply.get("message") or "no job_id in the answer"
            return self._confirm(url, requested_at, f"Save Page Now: {why}")
        log.info("Save Page Now job %s started for %s", job_id, url)
        if on_job is not None:
            on_job(url, job_id)
        return self._poll(url, job_id, requested_at)

    def job_outcome(self, url: str, job_id: str, requested_at: datetime | None = None) -> SaveOutcome:
        """Ask once more about a job started earlier (e.g. one that was still pending)."""
        return self._poll(url, job_id, requested_at or _now() - timedelta(hours=1), polls=1, wait_first=False)

    def _poll(self, url: str, job_id: str, requested_at: datetime, polls: int | None = None,
              wait_first: bool = True) -> SaveOutcome:
        for attempt in range(polls or self.max_polls):
            if (wait_first or attempt) and wallclock.pause(self.poll_interval):
                break  # the run is being stopped
            answer = self._call("GET", f"{self.base_url}/save/status/{job_id}", headers=self._auth_headers(),
                                max_bytes=1024 * 1024)
            reply = (answer.json() if answer is not None and answer.status == 200 else None) or {}
            state = reply.get("status")
            if state == "success" and reply.get("timestamp"):
                snapshot = self._snapshot(reply["timestamp"], reply.get("original_url") or url, None, None, None)
                return SaveOutcome(SaveStatus.SAVED, f"captured {snapshot.timestamp}", snapshot, job_id)
            if state == "error":
                why = reply.get("status_ext") or "error"
                return self._confirm(url, requested_at, f"Save Page Now: {why} {reply.get('message', '')}".strip(),
                                     job_id)
            if self._is_down():
                break
        return self._confirm(url, requested_at, "the save job was still pending", job_id, SaveStatus.PENDING)

    def _confirm(self, url: str, requested_at: datetime, why: str, job_id: str | None = None,
                 otherwise: SaveStatus = SaveStatus.TRY_LATER) -> SaveOutcome:
        """The service said no or nothing: the capture may exist anyway, the CDX knows."""
        newest = None if self._is_down() else self.newest(url)
        # A little slack for clocks that disagree between us and the archive.
        if newest is not None and newest.captured_at >= requested_at - timedelta(minutes=2):
            return SaveOutcome(SaveStatus.CONFIRMED, f"{why}; the CDX shows capture {newest.timestamp}",
                               newest, job_id)
        log.warning("Save Page Now for %s: %s", url, why)
        return SaveOutcome(otherwise, why, None, job_id)

    def _auth_headers(self) -> dict[str, str]:
        if not self.keys:
            raise ConfigError("Save Page Now needs keys: set CITEWATCH_WAYBACK_ACCESS_KEY and "
                              "CITEWATCH_WAYBACK_SECRET_KEY")
        access, secret = self.keys
        return {"Authorization": f"LOW {access}:{secret}", "Accept": "application/json"}

    # -- transport ------------------------------------------------------------------------

    def _is_down(self) -> bool:
        with self._lock:
            return time.monotonic() < self._down_until

    def _call(self, method: str, url: str, *, max_bytes: int, data: dict | None = None,
              headers: dict | None = None) -> _Answer | None:
        """One request, bounded in time and size. ``None`` when the service did not answer."""
        if self._is_down():
            return None
        try:
            with wallclock.wall_clock(self.timeout) as clock:  # the whole answer, whatever its pace
                try:
                    with self._session.request(method, url, data=data, headers=headers, stream=True,
                                               timeout=(self.timeout, self.timeout)) as response:
                        body, truncated = _read_bounded(response.iter_content(64 * 1024), max_bytes, clock)
                except Exception:
                    if clock.expired:
                        raise _DeadlinePassed() from None
                    raise
            if clock.expired:  # a cut may look like the end of a body sent without a length
                raise _DeadlinePassed()
            return _Answer(response.status_code, body, response.url, truncated)
        except (requests.Timeout, requests.ConnectionError, _DeadlinePassed) as exc:
            if wallclock.stopping():
                return None
            with self._lock:
                was_up = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + self.cooldown
            if was_up:  # threads that were already waiting on the service stay quiet
                log.warning("Wayback service %s did not answer (%s); not calling it for %.0f s",
                            self.base_url, type(exc).__name__, self.cooldown)
        except requests.RequestException as exc:
            log.warning("Wayback request %s failed: %s", url, exc)
        return None


def client_from_settings(settings, save_budget: SaveBudget | None = None) -> WaybackClient | None:
    """The client the settings describe, or ``None`` when the Wayback Machine is off."""
    if not settings.wayback_enabled:
        return None
    budget = save_budget or SaveBudget(per_minute=settings.wayback_saves_per_minute)
    return WaybackClient(settings.wayback_url, timeout=settings.wayback_timeout, keys=settings.wayback_keys,
                         save_budget=budget, user_agent=settings.user_agent)


# --- small pure helpers ------------------------------------------------------------------


def _read_bounded(chunks: Iterable[bytes], max_bytes: int, clock: wallclock.WallClock) -> tuple[bytes, bool]:
    parts, size = [], 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            return b"".join(parts)[:max_bytes], size > max_bytes
        if clock.remaining() <= 0:
            raise _DeadlinePassed()
    return b"".join(parts), False


def _moment(accessed: date | datetime) -> datetime:
    """A day counts whole: a capture made on the ``accessed`` day is "before" it."""
    if isinstance(accessed, datetime):
        return accessed.replace(tzinfo=timezone.utc) if accessed.tzinfo is None else accessed.astimezone(timezone.utc)
    return datetime(accessed.year, accessed.month, accessed.day, 23, 59, 59, tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)


def normalized_text(body: bytes) -> str:
    text = html.unescape(_TAG.sub(" ", body.decode("utf-8", errors="replace")))
    return " ".join(text.split()).casefold()


def text_contains(body: bytes, needle: str) -> bool:
    """Whether the page's text (tags dropped, whitespace and case ignored) contains ``needle``."""
    return " ".join(needle.split()).casefold() in normalized_text(body)
