"""One verification run of one registry, end to end, written once: in this process, or with its
steps as Prefect tasks (flows/verify.py passes its :class:`Way` and adds nothing else).

    plan_sources(registry)           each cited URL once, with what its claims need
    batch_by_host(jobs)              batches of whole hosts (politeness.host_of)
    Pipeline.fetch_sources(jobs)     fetch (conditional) → archive store          (hosts in parallel)
    run_offline(...)                 every host failed at the connection level → offline
    Pipeline.read_sources(...)       a readable copy: live, else local archive, else Wayback → text
    Pipeline.prepare_checks(...)     each (claim, source) check not cached yet, on every core
    Pipeline.check_claims(...)       each claim against the text of each of its sources
    Pipeline.fetch_and_read(...)     one batch of hosts: fetch, then read and check at once when
                                     a host answered (else once every batch is fetched and the
                                     run knows whether it is offline)
    Pipeline.run(loaded, way)        all of the above → RunResult
    verify_registry(loaded, ...)     open, run, publish (citewatch.publish) → RunOutcome

How the steps are carried out is the :class:`Way`: :class:`InThreads` (the default) maps a step over
the batches with threads of this process; the flows' way submits each batch as a Prefect task.
Either way the extraction and the checks of a batch go to worker processes (``CpuPool``) when the
run has sources enough (``cpu_workers``). One batch is read and checked while the next is fetched.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from citewatch import wallclock
from citewatch.archive import Capture, WarcArchive, validators_of
from citewatch.bodybudget import BodyBudget, Reservation
from citewatch.check import combine_source_verdicts
from citewatch.config import BATCHES_AT_ONCE, FETCHING_BATCHES_AT_ONCE, Settings
from citewatch.db import open_database
from citewatch.digests import payload_digest
from citewatch.errors import ArchiveError
from citewatch.fetch import Fetcher, Validators
from citewatch.liveness import run_is_offline
from citewatch.models import CheckedCopy, Claim, FetchResult, Registry, SourceStatus, Verdict
from citewatch.politeness import host_of
from citewatch.publish import RunOutcome, publish_run
from citewatch.results import ArchiveRef, ClaimResult, RunResult, SourceResult, StoredClaims
from citewatch.textcache import CachedText, TextCache, check_key, code_fingerprint, facts_key
from citewatch.wayback import client_from_settings
from citewatch.workers import CpuPool, check_text, default_workers, described, extract_cached

log = logging.getLogger("citewatch.pipeline")

DEFAULT_BATCH_SOURCES = 200  # sources per task in the flows: big enough to dwarf task overhead
# Worker processes cost ~1.5 s of CPU each to start (imports): below this many sources a run is
# quicker with extraction and checks in its own process.
WORKERS_FROM_SOURCES = 50


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressEvent:
    """What the pipeline tells whoever watches (the CLI's progress bar, the flow's logs)."""

    kind: str  # "planned" (total known), "source" (one URL done), "finished" (its reports written)
    document_id: str = ""
    total: int = 0
    url: str = ""
    status: SourceStatus | None = None
    checked_copy: CheckedCopy | None = None
    failed: bool = False
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


def _quiet(_event: ProgressEvent) -> None:
    pass


# --- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceJob:
    """One URL to fetch once per run, whatever the number of claims that cite it."""

    url: str
    accessed: str | None = None  # the earliest `accessed` date among the citations
    prefer_text: str | None = None  # words a Wayback capture should still contain
    published: str | None = None


def plan_sources(registry: Registry) -> list[SourceJob]:
    jobs: OrderedDict[str, SourceJob] = OrderedDict()
    for claim in registry.claims:
        for source in claim.sources:
            prefer = source.quote or claim.text
            known = jobs.get(source.url)
            if known is None:
                jobs[source.url] = SourceJob(source.url, source.accessed, prefer, source.published)
            elif source.accessed and (not known.accessed or source.accessed < known.accessed):
                jobs[source.url] = replace(known, accessed=source.accessed)
    return list(jobs.values())


def batch_by_host(jobs: Iterable[SourceJob], max_sources: int = DEFAULT_BATCH_SOURCES) -> list[list[SourceJob]]:
    """Batches of whole hosts (a host never spans two batches, so its politeness stays in one
    place), each up to ``max_sources`` sources unless one host alone has more."""
    by_host: OrderedDict[str, list[SourceJob]] = OrderedDict()
    for job in jobs:
        by_host.setdefault(host_of(job.url), []).append(job)
    batches: list[list[SourceJob]] = []
    current: list[SourceJob] = []
    for host_jobs in by_host.values():
        if current and len(current) + len(host_jobs) > max_sources:
            batches.append(current)
            current = []
        current.extend(host_jobs)
    if current:
        batches.append(current)
    return batches


# --- per-source outcomes ---------------------------------------------------------------------


@dataclass
class Fetched:
    """A fetch of one URL after it was archived. The body is kept until its batch is read (so the
    page is not read back and decompressed from the archive it was just written to), then dropped:
    at most a few batches of bodies are in memory at once, whatever the size of the registry."""

    job: SourceJob
    result: FetchResult
    capture: Capture | None = None  # this fetch in the archive (None when not stored)
    archive_error: str | None = None
    reservation: Reservation | None = None  # the body's place in the run's BodyBudget, until read
    extraction: Future | None = None  # the body's text, being extracted in a worker since it was archived


@dataclass
class SourceCopy:
    """The copy of one URL that was read (or why none could be)."""

    job: SourceJob
    status: SourceStatus
    http_status: int | None
    final_url: str | None
    attempts: int = 1
    checked_copy: CheckedCopy | None = None
    text: str | None = None
    title: str | None = None
    published: str | None = None
    content_digest: str | None = None  # of the payload that was read
    text_digest: str | None = None  # of its extracted text: what a check depends on
    text_hash: str | None = None  # results.text_hash of that text (what the history compares)
    archive: ArchiveRef = field(default_factory=ArchiveRef)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    archive_error: str | None = None  # this run's fetch of it could not be archived

    @property
    def readable(self) -> bool:
        return self.text is not None

    def result_fields(self) -> dict[str, Any]:
        """What a :class:`SourceResult` of this copy carries of it: its URL and every field the two
        types share (read from the types themselves, so a field added to both is carried)."""
        return {"url": self.job.url, **{name: getattr(self, name) for name in CARRIED_FIELDS},
                "notes": list(self.notes)}


# The fields of a SourceCopy that only the run uses (the job stands for its URL); every other field
# goes into the source's results as it is (tests/test_pipeline.py holds the two types to this).
RUN_ONLY_FIELDS = frozenset({"job", "text_digest", "archive_error"})
CARRIED_FIELDS = tuple(f.name for f in fields(SourceCopy) if f.name in SourceResult.model_fields)


class WorkDone:
    """What a pipeline did and what it reused, counted (thread-safe): ``extracted`` pages and
    ``texts_reused`` (same bytes as a page read before), ``checked`` (claim, text) pairs and
    ``checks_reused`` (same text as before, whatever the bytes around it)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, what: str, n: int = 1) -> None:
        with self._lock:
            self._counts[what] += n

    def __getitem__(self, what: str) -> int:
        return self._counts[what]

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def offline_status(status: SourceStatus, http_status: int | None) -> SourceStatus:
    """In an offline run a name that did not resolve says nothing about the source."""
    if status is SourceStatus.DEAD and http_status is None:
        return SourceStatus.UNREACHABLE
    return status


def _parse_partial_date(value: str | None) -> datetime | None:
    if not value:
        return None
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2], tzinfo=timezone.utc)


# --- the pipeline ----------------------------------------------------------------------------


class Pipeline:
    """The parts of one run, shared by every source of it (and thread-safe where it must be)."""

    def __init__(self, settings: Settings, *, fetcher, archive, wayback=None,
                 text_cache: TextCache | None = None, progress: ProgressCallback | None = None,
                 clock: Callable[[], datetime] = utcnow, cpu: CpuPool | None = None):
        self.settings = settings
        self.cpu = cpu or CpuPool(1)
        self.fetcher = fetcher
        self.archive = archive
        self.wayback = wayback
        self.text_cache = text_cache or TextCache(settings.archive_dir / "text-cache",
                                                  salt=code_fingerprint())
        self.progress = progress or _quiet
        self.clock = clock
        self.work = WorkDone()
        self.bodies = BodyBudget(BATCHES_AT_ONCE, DEFAULT_BATCH_SOURCES)
        self._extracting: dict[str, Future] = {}  # payload digest -> its early extraction, until read
        self._extracting_lock = threading.Lock()

    def close(self) -> None:
        self._extracting.clear()
        self.cpu.close()
        close = getattr(self.archive, "close", None)
        if close:
            close()

    @classmethod
    def open(cls, settings: Settings, *, progress: ProgressCallback | None = None,
             clock: Callable[[], datetime] = utcnow, session_factory=None,
             sources: int | None = None, shared_limits=None) -> "Pipeline":
        """Everything a run needs, from settings: fetcher, archive (+ state DB), Wayback client,
        and worker processes for extraction and checks when the run has ``sources`` enough.
        ``shared_limits`` (a politeness.SharedLimits) holds per-host limits across runs."""
        if session_factory is None:
            session_factory = open_state(settings)
        return cls(settings, fetcher=Fetcher(settings, shared_limits=shared_limits),
                   archive=WarcArchive(settings.archive_dir, session_factory, storage_url=settings.archive_url),
                   wayback=client_from_settings(settings), progress=progress, clock=clock,
                   cpu=CpuPool(cpu_workers(settings, sources)))

    # -- phase 1: fetch and archive ---------------------------------------------------------

    def fetch_sources(self, jobs: list[SourceJob], reservation: Reservation | None = None) -> list[Fetched]:
        """Fetch every job (the Fetcher runs hosts in parallel and keeps each host's
        politeness), archiving each answer as it comes. A fetch that keeps no body gives its place
        in ``reservation`` back at once; one that keeps it carries the place until it is read."""
        by_url = {job.url: job for job in jobs}
        done: dict[str, Fetched] = {}
        known, originals = self._newest_copies([job.url for job in jobs])
        requests = [(job.url, self._validators(known.get(job.url))) for job in jobs]

        def archived(result: FetchResult) -> Fetched:  # in the fetching thread
            newest = known.get(result.url)  # a 304 confirms it: its revisit refers to the payload's copy
            confirmed = originals.get(newest.revisit_of, newest) if newest is not None else None
            fetched = self._archived(by_url[result.url], result, confirmed)
            fetched.extraction = self._extract_early(fetched)
            if reservation is not None:
                if fetched.result.body:
                    fetched.reservation = reservation
                else:
                    reservation.release()
            return fetched

        for fetched in self.fetcher.fetch_many(requests, then=archived):
            job, result = fetched.job, fetched.result
            done[job.url] = fetched
            self.progress(ProgressEvent("source", url=job.url, status=result.status,
                                        failed=not result.status.readable,
                                        message=f"{job.url}: {result.status.value}"
                                                + (f" {result.http_status}" if result.http_status else "")))
        return [done[job.url] for job in jobs]

    def _archived(self, job: SourceJob, result: FetchResult, known=None) -> Fetched:
        capture, error = None, None
        try:
            capture = self.archive.store(result, confirmed=known)
        except Exception as exc:  # noqa: BLE001 - an archive failure must not lose the check
            error = f"not archived: {exc}"
            log.warning("could not archive %s: %s", job.url, exc)
            return Fetched(job, result, None, error)  # keeps the body: it is the only copy
        if result.body and self.text_cache.has_text(capture.payload_digest):
            # the same bytes as a copy already read (unchanged page without validators): its
            # text is known, so the body is not kept; reading takes the text by the digest
            result.body = b""
        return Fetched(job, result, capture, error)

    def _extract_early(self, fetched: Fetched) -> Future | None:
        """The text of a readable body, started in a worker process as soon as it is archived: the
        workers extract while the run still fetches (its own process is busy fetching and
        archiving, the other cores would wait for the batch to end), and reading takes the answer.
        The same bytes fetched twice share one extraction. None when reading will not extract
        (no body kept, not readable) or there are no worker processes."""
        result = fetched.result
        if not result.body or not result.status.readable or self.cpu.workers <= 1:
            return None
        digest = result.payload_digest()
        with self._extracting_lock:
            future = self._extracting.get(digest)
            if future is None:
                future = self.cpu.submit(extract_cached, result.body, result.content_type, result.final_url,
                                         result.encoding)
                if future is not None:
                    self._extracting[digest] = future
        return future

    def _newest_copies(self, urls: list[str]) -> tuple[dict, dict]:
        """The newest readable copy of each URL in the archive (for conditional requests), when
        this worker can read it: a 304 that confirms a copy on another machine's disk would leave
        nothing to check. Also the copies those that are revisits refer to, by id."""
        try:
            known = self.archive.newest_readable(urls)
            originals = self.archive.originals(known.values())
            held = self.archive.held(known.values(), originals)
        except Exception as exc:  # noqa: BLE001 - no validators only costs full downloads
            log.warning("no validators for this batch: %s", exc)
            return {}, {}
        return {url: capture for url, capture in known.items()
                if capture.id in held or self.text_cache.has_text(capture.payload_digest)}, originals

    @staticmethod
    def _validators(capture):
        """What the request says of the newest readable copy: its validators (a conditional
        request) and, when it was live at its own URL, its digest (the same bytes again are not
        assessed again)."""
        found = validators_of(capture) or (None, None)
        same_url = capture is not None and capture.final_url == capture.url and capture.status == "live"
        digest = capture.payload_digest if same_url else None
        return Validators(*found, digest=digest) if any(found) or digest else None

    # -- phase 2: a readable copy, its text ---------------------------------------------------

    def read_sources(self, fetched: list[Fetched], offline: bool = False) -> list[SourceCopy]:
        hosts = {host_of(f.job.url) for f in fetched}
        workers = max(1, min(len(hosts), self.settings.max_parallel_hosts))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citewatch-read") as pool:
            return list(pool.map(lambda f: self.read_one(f, offline), fetched))

    def read_one(self, fetched: Fetched, offline: bool = False) -> SourceCopy:
        result = fetched.result
        status = offline_status(result.status, result.http_status) if offline else result.status
        capture = fetched.capture
        copy = SourceCopy(job=fetched.job, status=status, http_status=result.http_status,
                          final_url=result.final_url, attempts=result.attempts, error=result.error,
                          archive=ArchiveRef(warc=capture.warc_file if capture else None,
                                             offset=capture.offset if capture else None))
        if fetched.archive_error:
            copy.notes.append(fetched.archive_error)
            copy.archive_error = fetched.archive_error
        if status is not result.status:
            copy.notes.append("the run was offline, so this says nothing about the source itself")
        try:
            if status.readable:
                self._read_live(copy, fetched)
            if not copy.readable:
                self._read_local_archive(copy, fetched)
            if not copy.readable and not offline:
                self._read_wayback(copy)
            if status.readable and not offline:
                self._ensure_capture(copy)
        except Exception as exc:  # noqa: BLE001 - one broken source never stops the run
            log.exception("reading %s failed", fetched.job.url)
            copy.notes.append(f"could not read a copy: {exc}")
        if fetched.extraction is not None:  # read: its answer is in the text cache (or was no text)
            fetched.extraction = None
            with self._extracting_lock:
                self._extracting.pop(fetched.result.payload_digest(), None)
        if fetched.capture is not None:  # read: the archive holds the body from now on
            fetched.result.body = b""
        if fetched.reservation is not None:
            fetched.reservation.release()
            fetched.reservation = None
        return copy

    def _read_live(self, copy: SourceCopy, fetched: Fetched) -> None:
        result, capture = fetched.result, fetched.capture
        if result.body:  # the body as fetched (and archived, unless archiving failed)
            digest = capture.payload_digest if capture is not None else None
            if self._read_body(copy, result.body, result.content_type, result.final_url, result.encoding, digest,
                               early=fetched.extraction):
                copy.checked_copy = CheckedCopy.LIVE
            return
        if (capture is None or not capture.has_payload) and result.not_modified:
            capture = self._closest_capture(copy.job.url)  # the copy the 304 confirmed
        if capture is None or not capture.has_payload:
            copy.notes.append("the live page answered but no stored copy of it was found")
            return
        try:
            read = self._read_capture(copy, capture, result.encoding if capture is fetched.capture else None)
        except ArchiveError as exc:  # e.g. a 304 or a revisit of a copy on another worker's disk
            self._fetch_again(copy, str(exc))
            return
        if read:
            copy.checked_copy = CheckedCopy.LIVE
            if fetched.result.not_modified:
                copy.notes.append("unchanged since the last check (304)")

    def _fetch_again(self, copy: SourceCopy, why: str) -> None:
        """The stored copy a live answer points at cannot be read here: fetch the page again
        without validators, archive the whole payload, and read that."""
        copy.notes.append(f"the archived copy could not be read ({why}): fetched again in full")
        result = self.fetcher.fetch(copy.job.url)
        copy.status, copy.http_status, copy.final_url = result.status, result.http_status, result.final_url
        copy.attempts += result.attempts
        copy.error = result.error
        try:
            stored = self.archive.store(result, dedup=False)
            copy.archive = copy.archive.model_copy(update={"warc": stored.warc_file, "offset": stored.offset})
        except Exception as exc:  # noqa: BLE001 - an archive failure must not lose the check
            log.warning("could not archive %s: %s", copy.job.url, exc)
            copy.archive_error = f"not archived: {exc}"
            copy.notes.append(copy.archive_error)
        if result.status.readable and self._read_body(copy, result.body, result.content_type,
                                                      result.final_url, result.encoding):
            copy.checked_copy = CheckedCopy.LIVE

    def _read_local_archive(self, copy: SourceCopy, fetched: Fetched) -> None:
        capture = self._closest_capture(copy.job.url)
        if capture is None or (copy.status.readable and fetched.capture is not None
                               and capture.payload_digest == fetched.capture.payload_digest):
            return  # nothing older than the live copy that could not be read
        try:
            read = self._read_capture(copy, capture)
        except ArchiveError as exc:  # on another worker's disk, or damaged: the Wayback Machine may have it
            copy.notes.append(f"the local archive copy could not be read: {exc}")
            return
        if read:
            copy.checked_copy = CheckedCopy.LOCAL_ARCHIVE
            copy.notes.append(f"checked against the local archive copy of {capture.fetched_at:%Y-%m-%d %H:%M} UTC")

    def _closest_capture(self, url: str):
        """The newest archived answer of ``url`` that was a readable page."""
        return self.archive.closest(url)

    def _read_capture(self, copy: SourceCopy, capture, encoding: str | None = None) -> bool:
        digest = capture.payload_digest
        cached = self._known_text(digest)
        if cached is None:
            body = self.archive.read_payload(capture)
            digest = digest or payload_digest(body)
            cached = self._extracted(copy, digest, body, capture.content_type or "",
                                     capture.final_url or capture.url, encoding)
            if cached is None:
                return False
        copy.archive = copy.archive.model_copy(update={"warc": capture.warc_file, "offset": capture.offset})
        self._use_text(copy, digest, cached)
        return True

    def _read_body(self, copy: SourceCopy, body: bytes, content_type: str, url: str,
                   encoding: str | None, digest: str | None = None, early: Future | None = None) -> bool:
        digest = digest or payload_digest(body)
        cached = self._known_text(digest) or self._extracted(copy, digest, body, content_type, url, encoding, early)
        if cached is None:
            return False
        self._use_text(copy, digest, cached)
        return True

    def _known_text(self, digest: str | None) -> CachedText | None:
        """The text already extracted from the payload ``digest``, counted as reused."""
        cached = self.text_cache.get(digest)
        if cached is not None:
            self.work.add("texts_reused")
        return cached

    def _extracted(self, copy: SourceCopy, digest: str, body: bytes, content_type: str, url: str,
                   encoding: str | None, early: Future | None = None) -> CachedText | None:
        """The page's text extracted now (or by ``early``, the extraction started when it was
        archived), and kept by the payload's digest for the next run."""
        cached = self._extract(copy, body, content_type, url, encoding, early)
        if cached is not None:
            self.text_cache.put(digest, cached)
        return cached

    @staticmethod
    def _use_text(copy: SourceCopy, digest: str | None, cached: CachedText) -> None:
        cached = described(cached)  # an entry cached before the text's digests were kept
        copy.content_digest = digest
        copy.text_digest, copy.text_hash = cached.digest, cached.text_hash
        copy.text, copy.title, copy.published = cached.text, cached.title, cached.published

    def _extract(self, copy: SourceCopy, body: bytes, content_type: str, url: str,
                 encoding: str | None, early: Future | None = None) -> CachedText | None:
        """The page's text; None, with the reason in ``copy.notes``, when it has none."""
        arguments = (body, content_type, url, encoding)
        if early is not None:
            found = self.cpu.answer(early, extract_cached, *arguments)
        else:
            found = self.cpu.call(extract_cached, *arguments)
        self.work.add("extracted")
        if isinstance(found, str):
            if found not in copy.notes:
                copy.notes.append(found)
            return None
        return found

    def _read_wayback(self, copy: SourceCopy) -> None:
        if self.wayback is None:
            return
        job = copy.job
        try:
            snapshot = self.wayback.closest(job.url, accessed=_parse_partial_date(job.accessed),
                                            prefer_text=job.prefer_text)
            if snapshot is None:
                copy.notes.append("no usable Wayback Machine snapshot")
                return
            body = self.wayback.fetch_raw(snapshot)
        except Exception as exc:  # noqa: BLE001 - the Wayback Machine never fails a run
            copy.notes.append(f"Wayback Machine unavailable: {exc}")
            return
        if body is None:
            copy.notes.append(f"the Wayback Machine snapshot {snapshot.archive_url} could not be fetched")
            return
        if not self._read_body(copy, body, snapshot.mimetype or "", job.url, None):
            copy.notes.append("the Wayback Machine snapshot has no readable text")
            return
        copy.checked_copy = CheckedCopy.WAYBACK
        copy.archive = copy.archive.model_copy(update={
            "wayback_url": snapshot.archive_url, "wayback_timestamp": snapshot.timestamp})
        copy.notes.append(f"checked against the Wayback Machine snapshot of {snapshot.captured_at:%Y-%m-%d}")

    def _ensure_capture(self, copy: SourceCopy) -> None:
        """Ask the Wayback Machine for a fresh capture when keys allow it (never fails the run)."""
        if self.wayback is None or not self.settings.wayback_keys:
            return
        try:
            outcome = self.wayback.ensure_capture(
                copy.job.url, max_age=timedelta(days=self.settings.wayback_save_if_older_than_days))
        except Exception as exc:  # noqa: BLE001
            copy.notes.append(f"Wayback capture not requested: {exc}")
            return
        if outcome.archive_url and not copy.archive.wayback_url:
            copy.archive = copy.archive.model_copy(update={
                "wayback_url": outcome.archive_url, "wayback_timestamp": outcome.timestamp})

    # -- phase 3: check ---------------------------------------------------------------------

    def prepare_checks(self, registry: Registry, copies: Iterable[SourceCopy]) -> int:
        """Run every check of these copies that the cache does not hold yet, on every core, and
        cache it; :meth:`check_claims` then only assembles. Returns the number of checks run."""
        by_url = {c.job.url: c for c in copies}
        subject = registry.document.title
        wanted: dict[str, tuple] = {}
        reused: set[str] = set()
        for claim in registry.claims:
            facts_json = None  # serialised once per claim, and only for a claim this batch concerns
            for source in claim.sources:
                copy = by_url.get(source.url)
                if copy is None or not copy.readable or not copy.text_digest:
                    continue
                facts_json = facts_json or facts_key(claim.facts)
                key, arguments = check_request(claim, copy, source.published, subject, facts_json)
                if key in wanted or key in reused:
                    continue
                if self.text_cache.has_check(key):
                    reused.add(key)
                else:
                    wanted[key] = arguments
        for key, result in zip(wanted, self.cpu.map(check_text, list(wanted.values()))):
            self.text_cache.put_check(key, result)
        self.work.add("checked", len(wanted))
        self.work.add("checks_reused", len(reused))
        return len(wanted)

    def check_claims(self, registry: Registry, copies: Iterable[SourceCopy]) -> StoredClaims:
        """Every claim's results, kept as JSON until the run is published (:class:`StoredClaims`)."""
        by_url = {c.job.url: c for c in copies}
        return StoredClaims(self.check_claim(claim, by_url, registry.document.title) for claim in registry.claims)

    def check_claim(self, claim: Claim, copies: dict[str, SourceCopy], subject: str | None = None) -> ClaimResult:
        facts_json = facts_key(claim.facts) if claim.sources else None
        sources = [source_result(claim, copies[s.url], s.published, self.text_cache, subject, facts_json)
                   for s in claim.sources]
        verdict = combine_source_verdicts([s.verdict for s in sources]) if sources else Verdict.UNSOURCED
        facts = claim.facts if claim.facts is not None else _inferred_facts(claim.text)
        return ClaimResult(id=claim.id, text=claim.text, section=claim.section, verdict=verdict,
                           sources=sources, facts=facts)

    # -- one batch of hosts, and all of it ----------------------------------------------------

    def read_and_check(self, registry: Registry, fetched: list[Fetched], offline: bool) -> list[SourceCopy]:
        """:meth:`read_sources`, then :meth:`prepare_checks` of what was read."""
        copies = self.read_sources(fetched, offline)
        self.prepare_checks(registry, copies)
        return copies

    def fetch_and_read(self, registry: Registry,
                       jobs: list[SourceJob]) -> tuple[list[Fetched], list[SourceCopy] | None]:
        """Fetch a batch; when one of its hosts answered, the run cannot be offline, so read and
        check the batch at once. Otherwise the copies are None: read them with
        :meth:`read_and_check` once :func:`run_offline` knows about every batch."""
        reservation = self.bodies.reserve(len(jobs))  # waits while earlier batches hold their bodies
        try:
            fetched = self.fetch_sources(jobs, reservation)
            if not proves_online(fetched):
                return fetched, None
            return fetched, self.read_and_check(registry, fetched, offline=False)
        finally:
            reservation.close()  # an offline batch holds no bodies; a failed one none worth a place

    def run(self, loaded, run_id: str | None = None, *, way: "Way | None" = None,
            batch_sources: int = DEFAULT_BATCH_SOURCES) -> RunResult:
        """One whole run of a loaded registry, in batches of hosts: fetch every batch (reading and
        checking a batch at once when one of its hosts answered), then read the batches that could
        not tell whether the run is offline, then every claim's results. ``way`` carries out each
        step (:class:`InThreads` by default; the flows' way makes each a Prefect task)."""
        way = way or InThreads()
        registry = loaded.registry
        started = self.clock()
        jobs = plan_sources(registry)
        self.progress(ProgressEvent("planned", document_id=registry.document.id, total=len(jobs)))
        way.log.info("%s: %d claims, %d distinct sources", registry.document.id, len(registry.claims), len(jobs))
        batches = batch_by_host(jobs, batch_sources)
        done = way.map(FETCH_AND_READ, self.fetch_and_read, [(registry, batch) for batch in batches],
                       [batch_label(batch) for batch in batches])
        offline = run_offline([item for fetched, _ in done for item in fetched])
        if offline:
            way.log.warning("every host failed at the connection level: the run is offline, no source is called dead")
        unread = [(fetched, batch) for (fetched, read), batch in zip(done, batches) if read is None]
        late = way.map(READ_AND_CHECK, self.read_and_check, [(registry, fetched, offline) for fetched, _ in unread],
                       [batch_label(batch) for _, batch in unread])
        copies = [copy for _, read in done if read is not None for copy in read]
        copies += [copy for read in late for copy in read]
        for copy in copies:
            way.log.info(describe_copy(copy))
        claims = way.call(CHECK_CLAIMS, self.check_claims, registry, copies)
        self.cpu.close()  # the worker processes' memory is not needed for publishing
        return assemble_run(registry, claims, offline, started, self.clock(), run_id,
                            not_archived=not_archived(copies))


# --- how the steps are carried out -----------------------------------------------------------

# The steps a Way is asked to carry out (the flows name their Prefect tasks after them).
FETCH_AND_READ = "fetch-and-read"  # Pipeline.fetch_and_read, mapped over the batches
READ_AND_CHECK = "read-sources"  # Pipeline.read_and_check, mapped over the batches not read yet
CHECK_CLAIMS = "check-claims"  # Pipeline.check_claims, once
PUBLISH = "record-and-report"  # citewatch.publish.publish_run, once

T = TypeVar("T")


class Way(Protocol):
    """How a run carries out its steps. ``map`` runs ``work(*arguments)`` for each arguments of
    ``calls`` (side by side or not) and returns the answers in their order; ``labels`` name each
    call (a batch's hosts). ``call`` runs one. ``log`` takes the run's log lines."""

    log: logging.Logger | logging.LoggerAdapter

    def map(self, step: str, work: Callable[..., T], calls: Sequence[tuple], labels: Sequence[str]) -> list[T]: ...

    def call(self, step: str, work: Callable[..., T], *arguments: Any) -> T: ...


class InThreads:
    """Steps in this process: the batches of a step in up to ``FETCHING_BATCHES_AT_ONCE`` threads
    (the pipeline's BodyBudget keeps the bodies of about ``BATCHES_AT_ONCE`` of them at a time)."""

    def __init__(self, logger: logging.Logger | logging.LoggerAdapter = log):
        self.log = logger

    def map(self, step: str, work: Callable[..., T], calls: Sequence[tuple], labels: Sequence[str]) -> list[T]:
        if not calls:
            return []
        with ThreadPoolExecutor(max_workers=FETCHING_BATCHES_AT_ONCE, thread_name_prefix="citewatch-batch") as pool:
            return list(pool.map(lambda arguments: work(*arguments), calls))

    def call(self, step: str, work: Callable[..., T], *arguments: Any) -> T:
        return work(*arguments)


def batch_label(jobs: Sequence[SourceJob]) -> str:
    """A batch's name in logs and task runs: its host, or its first host and how many more."""
    hosts = sorted({host_of(job.url) for job in jobs})
    head = hosts[0] if hosts else "none"
    return head if len(hosts) <= 1 else f"{head}+{len(hosts) - 1}-hosts"


def assemble_run(registry: Registry, claims: Sequence[ClaimResult], offline: bool, started: datetime,
                 finished: datetime, run_id: str | None = None, not_archived: Sequence[str] = ()) -> RunResult:
    return RunResult.with_claims(claims, document_id=registry.document.id, document_title=registry.document.title,
                                 run_id=run_id or new_run_id(started), started_at=started, finished_at=finished,
                                 offline=offline, not_archived=list(not_archived))


def not_archived(copies: Iterable[SourceCopy]) -> list[str]:
    """The URLs whose fetch in this run could not be archived (their check was still made)."""
    return [copy.job.url for copy in copies if copy.archive_error]


def new_run_id(started: datetime) -> str:
    return f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def check_request(claim: Claim, copy: SourceCopy, registry_published: str | None,
                  subject: str | None, facts_json: str | None = None) -> tuple[str, tuple]:
    """The cache key of checking ``claim`` against a readable copy, and the arguments of
    :func:`citewatch.workers.check_text` that do it (``facts_json``: ``facts_key(claim.facts)``)."""
    published = copy.published or registry_published
    keyed_text = f"{subject}\n{claim.text}" if subject else claim.text  # the subject is context of the check
    # keyed by the text, not the payload: a page whose bytes changed around the same main text
    # (an advert, a timestamp, a token) is not checked again
    key = check_key(copy.text_digest or "", keyed_text, claim.facts, published, facts_json)  # used when it has one
    return key, (claim.text, copy.text, claim.facts, published, subject)


def source_result(claim: Claim, copy: SourceCopy, registry_published: str | None = None,
                  cache: TextCache | None = None, subject: str | None = None,
                  facts_json: str | None = None) -> SourceResult:
    """Check one claim against the copy of one of its sources (reusing a cached check of the
    same text, claim and code when there is one)."""
    base = copy.result_fields()
    if not copy.readable:
        return SourceResult(verdict=Verdict.UNVERIFIABLE, **base)
    request_key, arguments = check_request(claim, copy, registry_published, subject, facts_json)
    key = request_key if copy.text_digest else None
    checked = cache.get_check(key) if cache and key else None
    if checked is None:
        checked = check_text(*arguments)
        if cache and key:
            cache.put_check(key, checked)
    return SourceResult(verdict=checked.verdict, evidence=checked.evidence, facts=checked.facts,
                        confidence=checked.confidence, **{**base, "notes": base["notes"] + list(checked.notes)})


def _inferred_facts(text: str) -> list:
    try:
        from citewatch.facts import infer_facts
    except ImportError:  # pragma: no cover - facts lands with the checker
        return []
    return list(infer_facts(text))










def describe_copy(copy: SourceCopy) -> str:
    """One log line: what happened to this source."""
    code = f" {copy.http_status}" if copy.http_status else ""
    if copy.checked_copy is CheckedCopy.LIVE:
        read = "checked live"
    elif copy.checked_copy is not None:
        read = f"checked from {copy.checked_copy.value.replace('_', ' ')}"
    else:
        read = "no readable copy"
    why = f" ({copy.error})" if copy.error and not copy.status.readable else ""
    return f"{copy.job.url}: {copy.status.value}{code}{why}, {read}"


def open_state(settings: Settings):
    """The session factory of the state database (archive index, history, review notes)."""
    _engine, session_factory = open_database(settings.effective_database_url)
    return session_factory


def cpu_workers(settings: Settings, sources: int | None) -> int:
    """Worker processes for a run of ``sources`` sources: none for small runs (see
    WORKERS_FROM_SOURCES), else ``settings.cpu_workers`` (0: one per core)."""
    if sources is not None and sources < WORKERS_FROM_SOURCES:
        return 1
    return settings.cpu_workers or default_workers()


def proves_online(fetched: list[Fetched]) -> bool:
    """Some host answered over HTTP: whatever the other batches meet, the run is not offline."""
    return any(f.result.http_status is not None for f in fetched)


def run_offline(fetched: list[Fetched]) -> bool:
    """Every host failed at the connection level (and there was something to fetch)."""
    return bool(fetched) and run_is_offline([f.result for f in fetched])


def verify_registry(loaded, settings: Settings, *, progress: ProgressCallback | None = None,
                    clock: Callable[[], datetime] = utcnow, way: Way | None = None,
                    batch_sources: int = DEFAULT_BATCH_SOURCES, session_factory=None,
                    shared_limits=None) -> RunOutcome:
    """One whole run: open what it needs, fetch → read → check (:meth:`Pipeline.run`), publish
    (records, reports: :func:`citewatch.publish.publish_run`), and tell ``progress`` it finished.
    ``way`` carries out the steps (:class:`InThreads` by default; the flows pass Prefect's);
    ``shared_limits`` (a politeness.SharedLimits) holds per-host limits across runs."""
    way = way or InThreads()
    session_factory = session_factory or open_state(settings)
    pipeline = Pipeline.open(settings, progress=progress, clock=clock, session_factory=session_factory,
                             sources=len(plan_sources(loaded.registry)), shared_limits=shared_limits)
    try:
        run = pipeline.run(loaded, way=way, batch_sources=batch_sources)
        outcome = way.call(PUBLISH, publish_run, session_factory, run, settings, clock())
    except BaseException as exc:
        if not isinstance(exc, Exception):  # SIGTERM (Prefect's TerminationSignal) or Ctrl-C, raised here
            wallclock.stop_all()  # cut the fetches in flight: the threads of a step are waited for
        raise
    finally:
        pipeline.close()
    pipeline.progress(ProgressEvent("finished", document_id=run.document_id, message=outcome.one_line()))
    return outcome
