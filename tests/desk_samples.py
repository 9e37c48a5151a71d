"""A state database for the review desk's tests: the two sample runs of the "Nardaran case"
(tests/report_samples.py) recorded in a real SQLite database, and a real WARC capture of the HRW
page whose body carries a script payload that tries to write to the desk's cookies and storage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from report_samples import HRW, T0, sample_runs

from citewatch.archive import Capture, WarcArchive
from citewatch.config import Settings, load_settings
from citewatch.history import record_run
from citewatch.models import FetchResult, SourceStatus
from citewatch.pipeline import open_state
from citewatch.results import ArchiveRef

DOC = "nardaran-case"
HRW_URL = "https://www.hrw.org/news/2017/01/26/azerbaijan-abuse-allegations-mar-high-profile-trial"
FORUM18_URL = "http://www.forum18.org/archive.php?article_id=2173"
PASSWORD = "correct horse battery"
# What the captured page tries when its scripts run: write to the cookies, storage and title of
# whatever origin it runs in (and of its parent).
PAYLOAD_PAGE = (b"<html><head><title>HRW</title><script>document.cookie='pwned=1;path=/';"
                b"localStorage.setItem('pwned','1');try{parent.document.title='pwned'}catch(e){}</script></head>"
                b"<body><p>" + HRW.encode() + b"</p><img src=x onerror=\"document.cookie='pwned2=1;path=/'\"></body></html>")


@dataclass
class DeskState:
    settings: Settings
    sessions: object
    capture: Capture


def _with_capture(run, url: str, capture: Capture):
    """The run with the local archive reference of ``url`` pointing at ``capture``."""
    claims = []
    for claim in run.claims:
        sources = [s.model_copy(update={"archive": ArchiveRef(warc=capture.warc_file, offset=capture.offset)})
                   if s.url == url else s for s in claim.sources]
        claims.append(claim.model_copy(update={"sources": sources}))
    return run.model_copy(update={"claims": claims})


def build_desk_state(folder: Path) -> DeskState:
    settings = load_settings(archive_dir=folder / "archive", reports_dir=folder / "reports")
    sessions = open_state(settings)
    archive = WarcArchive(settings.archive_dir, sessions)
    capture = archive.store(FetchResult(
        url=HRW_URL, final_url=HRW_URL, status=SourceStatus.LIVE, http_status=200, reason="OK",
        headers=[("Content-Type", "text/html; charset=utf-8")], request_headers=[("User-Agent", "t")],
        body=PAYLOAD_PAGE, content_type="text/html", fetched_at=T0))
    archive.close()
    earlier, latest = sample_runs()
    record_run(sessions, earlier, earlier.started_at, settings)
    record_run(sessions, _with_capture(latest, HRW_URL, capture), latest.started_at, settings)
    return DeskState(settings, sessions, capture)
