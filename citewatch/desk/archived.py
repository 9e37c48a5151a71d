"""An archived copy as the desk serves it: the exact bytes of the captured page, read back from
its WARC record, with its capture time and digest, and the headers that keep the page's own
scripts from ever running with the desk's origin.

The copy is served on its own path (``/copies/<id>/raw``) with ``Content-Security-Policy:
sandbox`` (an opaque origin: no cookies, no storage, no requests as the desk) and no script at
all; the page that frames it adds ``<iframe sandbox>`` on top. Either one alone would hold."""

from __future__ import annotations

from dataclasses import dataclass

from citewatch.archive import Capture, WarcArchive

# No script, no plugin, no form, no request anywhere except images and styles inlined in the copy;
# `sandbox` without allow-* gives the document an opaque origin even if it is opened on its own.
COPY_CSP = ("sandbox; default-src 'none'; script-src 'none'; object-src 'none'; form-action 'none'; "
            "img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
            "frame-ancestors 'self'")
COPY_HEADERS = {
    "Content-Security-Policy": COPY_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=300",
}
# Types a browser shows inline; anything else is offered as a download.
INLINE_TYPES = ("text/html", "text/plain", "application/xhtml+xml", "application/pdf", "image/")


@dataclass(frozen=True)
class ArchivedCopy:
    capture: Capture  # the capture asked for (a revisit keeps its own time)
    body: bytes  # the payload as fetched (a revisit's is its original's)
    content_type: str

    @property
    def inline(self) -> bool:
        return self.content_type.startswith(INLINE_TYPES)

    def headers(self) -> dict[str, str]:
        headers = dict(COPY_HEADERS)
        if not self.inline:
            headers["Content-Disposition"] = "attachment"
        return headers


def capture_for_source(archive: WarcArchive, warc: str | None, offset: int | None) -> Capture | None:
    """The capture a report's ``archive.warc`` and ``archive.offset`` point at."""
    if not warc or offset is None:
        return None
    return archive.capture_at(warc, offset)


def archived_copy(archive: WarcArchive, capture_id: int) -> ArchivedCopy | None:
    """The copy of one capture (an error answer too: it shows what the dead page said), or None
    when there is no such capture. Raises ArchiveError for a record without a body or a damaged
    one."""
    capture = archive.capture(capture_id)
    if capture is None:
        return None
    body = archive.read_payload(capture)
    content_type = (capture.content_type or "application/octet-stream").split(";")[0].strip().lower()
    return ArchivedCopy(capture=capture, body=body, content_type=content_type or "application/octet-stream")
