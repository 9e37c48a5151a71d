"""One verification run of one registry, end to end, without Prefect.

    plan_sources(registry)           each cited URL once, with what its claims need
    Pipeline.fetch_sources(jobs)     fetch (conditional) → archive store          (hosts in parallel)
    run_is_offline(...)              every host failed at the connection level → offline
    Pipeline.read_sources(...)       a readable copy: live, else local archive, else Wayback → text
    Pipeline.prepare_checks(...)     each (claim, source) check not cached yet, on every core
    Pipeline.check_claims(...)       each claim against the text of each of its sources
    Pipeline.fetch_and_read(...)     one batch of hosts: fetch, then read and check at once when
                                     a host answered (else once every batch is fetched and the
                                     run knows whether it is offline)
    Pipeline.run(loaded)             all of the above → RunResult

The flows in ``flows/verify.py`` call the same steps as tasks, one task per batch of hosts, so
that a registry of thousands of sources does not spend its time in orchestration, and so that
one batch is read and checked while the next is still being fetched.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from citewatch.digests import payload_digest
from citewatch.bodybudget import BodyBudget, Reservation
from citewatch.config import BATCHES_AT_ONCE, FETCHING_BATCHES_AT_ONCE, Settings
from citewatch.errors import ArchiveError, ConfigError
from citewatch.models import CheckedCopy, Claim, FetchResult, Registry, SourceStatus, Verdict
from citewatch.results import ArchiveRef, ClaimResult, RunResult, SourceResult, StoredClaims
from citewatch.textcache import CachedText, TextCache, check_key, code_fingerprint, facts_key
from citewatch.workers import CpuPool, check_text, default_workers, described, extract_cached
from citewatch.counting import counted

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

    kind: str  # "planned" (total known), "source" (one URL done), "finished" (document published)
    document_id: str = ""
    total: int = 0
    url: str = ""
    status: SourceStatus | None = None
    checked_copy: CheckedCopy | None = None
    failed: bool = False
    message: str = ""
    outcome: dict | None = None  # "finished": the RunOutcome as JSON-ready data


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


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


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
    capture: object | None = None  # archive.Capture of this fetch (None when not stored)
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
        from citewatch.archive import WarcArchive
        from citewatch.fetch import Fetcher
        from citewatch.wayback import client_from_settings

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
        from citewatch.archive import validators_of
        from citewatch.fetch import Validators

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
        from citewatch.check import combine_source_verdicts

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

    def fetch_and_read(self, registry: Registry, jobs: list[SourceJob]) -> tuple[list[Fetched], list[SourceCopy] | None]:
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

    def run(self, loaded, run_id: str | None = None) -> RunResult:
        """One whole run of a loaded registry, in this process (no Prefect), in batches of hosts
        as the flow does: one batch read and checked while the next is fetched."""
        registry = loaded.registry
        started = self.clock()
        jobs = plan_sources(registry)
        self.progress(ProgressEvent("planned", document_id=registry.document.id, total=len(jobs)))
        batches = batch_by_host(jobs)
        with ThreadPoolExecutor(max_workers=FETCHING_BATCHES_AT_ONCE, thread_name_prefix="citewatch-batch") as pool:
            done = list(pool.map(lambda batch: self.fetch_and_read(registry, batch), batches))
        offline = run_offline([item for fetched, _ in done for item in fetched])
        copies: list[SourceCopy] = []
        for fetched, read in done:
            copies += read if read is not None else self.read_and_check(registry, fetched, offline)
        claims = self.check_claims(registry, copies)
        self.cpu.close()  # the worker processes' memory is not needed for publishing
        return assemble_run(registry, claims, offline, started, self.clock(), run_id,
                            not_archived=not_archived(copies))


def assemble_run(registry: Registry, claims: Sequence[ClaimResult], offline: bool, started: datetime,
                 finished: datetime, run_id: str | None = None, not_archived: list[str] = ()) -> RunResult:
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
    key = check_key(copy.text_digest, keyed_text, claim.facts, published, facts_json)
    return key, (claim.text, copy.text, claim.facts, published, subject)


def source_result(claim: Claim, copy: SourceCopy, registry_published: str | None = None,
                  cache: TextCache | None = None, subject: str | None = None,
                  facts_json: str | None = None) -> SourceResult:
    """Check one claim against the copy of one of its sources (reusing a cached check of the
    same text, claim and code when there is one)."""
    base = dict(url=copy.job.url, status=copy.status, http_status=copy.http_status,
                final_url=copy.final_url, checked_copy=copy.checked_copy, archive=copy.archive,
                content_digest=copy.content_digest, title=copy.title, published=copy.published,
                error=copy.error, attempts=copy.attempts, notes=list(copy.notes))
    if not copy.readable:
        return SourceResult(verdict=Verdict.UNVERIFIABLE, **base)
    key, arguments = check_request(claim, copy, registry_published, subject, facts_json)
    key = key if copy.text_digest else None
    checked = cache.get_check(key) if cache and key else None
    if checked is None:
        checked = check_text(*arguments)
        if cache and key:
            cache.put_check(key, checked)
    return SourceResult(verdict=checked.verdict, evidence=checked.evidence, facts=checked.facts,
                        confidence=checked.confidence, text=copy.text, text_hash=copy.text_hash,
                        **{**base, "notes": base["notes"] + list(checked.notes)})


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
    import citewatch.history  # noqa: F401 - registers the history and review tables
    from citewatch.db import open_database

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
    from citewatch.liveness import run_is_offline

    return bool(fetched) and run_is_offline([f.result for f in fetched])


# --- publishing: history, what changed, reports -------------------------------------------------


class RunOutcome(BaseModel):
    """What a published run tells its caller (the CLI's summary, the flow's artifacts)."""

    document_id: str
    document_title: str
    run_id: str
    offline: bool
    started_at: datetime
    finished_at: datetime | None = None
    verdicts: dict[str, int] = Field(default_factory=dict)
    sources: dict[str, Any] = Field(default_factory=dict)
    claims: list[dict[str, Any]] = Field(default_factory=list)  # id, verdict, sources, flagged
    changes: list[str] = Field(default_factory=list)  # one line per change
    first_run: bool = True
    flags: list[str] = Field(default_factory=list)
    reports: dict[str, str] = Field(default_factory=dict)  # json / md / html → path
    not_archived: int = 0  # sources whose fetch of this run could not be archived
    source_count: int = 0  # distinct sources of the run

    @property
    def archive_shortfall(self) -> str | None:
        """'3 of 100 sources were not archived' when some were; None otherwise."""
        if not self.not_archived:
            return None
        return (f"{self.not_archived} of {counted(self.source_count, 'source')} could not be archived "
                "(their checks were made; see each source's notes)")

    def claims_with(self, verdicts: Iterable[str]) -> list[str]:
        wanted = set(verdicts)
        return [c["id"] for c in self.claims if c["verdict"] in wanted]

    def one_line(self) -> str:
        counts = ", ".join(f"{n} {v}" for v, n in self.verdicts.items() if n)
        state = " (OFFLINE: no source was called dead)" if self.offline else ""
        if self.archive_shortfall:
            state += f" (INCOMPLETE: {self.archive_shortfall})"
        return f"{self.document_id}: {counted(len(self.claims), 'claim')}: {counts or 'none'}{state}"

    def markdown_summary(self) -> str:
        lines = [f"# {self.document_title}", "",
                 f"Run `{self.run_id}`" + (" — **offline**: no host could be reached, "
                                          "no source is called dead" if self.offline else ""), "",
                 "| verdict | claims |", "|---|---:|"]
        if self.archive_shortfall:
            lines[3:3] = [f"**Incomplete:** {self.archive_shortfall}.", ""]
        lines += [f"| {v} | {n} |" for v, n in self.verdicts.items() if n]
        if self.flags:
            lines += ["", "## Flagged for review", ""] + [f"- {f}" for f in self.flags]
        lines += ["", "## What changed", ""]
        if self.first_run:
            lines.append("First run of this document.")
        else:
            lines += [f"- {c}" for c in self.changes] or ["Nothing changed since the last run."]
        if self.reports:
            lines += ["", "## Reports", ""] + [f"- {k}: `{p}`" for k, p in self.reports.items()]
        return "\n".join(lines)

    def claims_table(self) -> list[dict[str, Any]]:
        return [{"claim": c["id"], "verdict": c["verdict"], "sources": c["sources"],
                 "flagged": "yes" if c.get("flagged") else ""} for c in self.claims]


def change_lines(report: dict) -> list[str]:
    """The report's "what changed" section as short lines for a terminal or an artifact."""
    changes = report.get("changes") or {}
    lines = [f"started failing: {c['url']} ({c['after']})" for c in changes.get("started_failing", [])]
    lines += [f"recovered: {c['url']}" for c in changes.get("recovered", [])]
    lines += [f"content changed: {c['url']}" for c in changes.get("content_changed", [])]
    lines += [f"verdict of {f['claim_id']}" + (f" for {f['url']}" if f.get("url") else "")
              + f": {f['before']} → {f['after']}" for f in changes.get("verdict_flips", [])]
    lines += [f"claim added: {c['id']}" for c in changes.get("claims_added", [])]
    lines += [f"claim removed: {c['id']}" for c in changes.get("claims_removed", [])]
    return lines


def _claim_line(marks) -> dict[str, Any]:
    """A claim as the outcome lists it, from its report.build.ClaimMarks."""
    return {"id": marks.id, "verdict": marks.verdict,
            "sources": f"{marks.readable}/{marks.sources} read" if marks.sources else "none",
            "flagged": marks.flagged}


def outcome_from_report(report: dict, run: RunResult, paths: dict[str, str]) -> RunOutcome:
    from citewatch.report.build import LazyClaims, claim_marks

    changes = report.get("changes") or {}
    if isinstance(report["claims"], LazyClaims):  # marked as the report was built: no claim read again
        claims = [_claim_line(marks) for marks in report["claims"].marks()]
        source_count = report["summary"]["sources"]["total"]
    else:
        claims = [_claim_line(claim_marks(claim)) for claim in report["claims"]]
        source_count = len({source["url"] for claim in report["claims"] for source in claim.get("sources", [])})
    return RunOutcome(
        document_id=run.document_id, document_title=run.document_title, run_id=run.run_id,
        offline=run.offline, started_at=run.started_at, finished_at=run.finished_at,
        verdicts={k: v for k, v in report["summary"]["verdicts"].items() if v},
        sources=report["summary"].get("sources", {}),
        claims=claims,
        changes=change_lines(report), first_run=bool(changes.get("first_run", True)),
        flags=[f"{f['claim_id']}: {f['reason']} ({f['who']})" for f in report.get("flags", [])],
        reports=paths, not_archived=len(run.not_archived), source_count=source_count)


def _report_paths(written) -> dict[str, str]:
    """The latest.* paths of a report.ReportPaths, and the run's folder."""
    return {"json": str(written.latest_json), "md": str(written.latest_markdown),
            "html": str(written.latest_html), "run": str(written.run_dir)}


def publish_run(session_factory, run: RunResult, settings: Settings, now: datetime) -> RunOutcome:
    """Apply editors' overrides, record the run in the history, compare it with the previous
    run, and write the reports. Returns what the caller shows.

    The reports are written inside the transaction that records the run: a report that cannot be
    written (read-only folder, full disk, a name too long) leaves the run unrecorded and raises
    the real cause, and publishing again repeats all of it."""
    from citewatch.audit import actions_for_report
    from citewatch.changes import what_changed
    from citewatch.history import active_flags, overrides, record_run
    from citewatch.report import build_report, write_reports
    from citewatch.review import overrides_applied

    active = overrides(session_factory, run.document_id)
    flags = active_flags(session_factory, run.document_id)
    published: dict = {}

    def write(recorded) -> None:
        report = build_report(recorded.run, what_changed(recorded.previous, recorded.run), flags,
                              recorded, overrides=active, lazy_claims=True)  # written claim by claim
        report["audit"] = actions_for_report(session_factory, run.document_id,  # the review desk's actions
                                             recorded.previous.started_at if recorded.previous else None)
        published.update(report=report, written=write_reports(report, settings.reports_dir))

    try:
        recorded = record_run(session_factory, run, now, settings, before_commit=write,
                              change=overrides_applied(active))  # applied as each claim is recorded
    except ConfigError as exc:  # the reports could not be written: the message is the OS's reason
        raise ConfigError(f"{exc}; the run was not recorded: run it again once this is fixed") from exc
    return outcome_from_report(published["report"], recorded.run, _report_paths(published["written"]))


def verify_registry(loaded, settings: Settings, *, progress: ProgressCallback | None = None,
                    clock: Callable[[], datetime] = utcnow) -> RunOutcome:
    """One whole run without Prefect: verify, record, report."""
    session_factory = open_state(settings)
    pipeline = Pipeline.open(settings, progress=progress, clock=clock, session_factory=session_factory,
                             sources=len(plan_sources(loaded.registry)))
    try:
        run = pipeline.run(loaded)
    finally:
        pipeline.close()
    return publish_run(session_factory, run, settings, clock())
