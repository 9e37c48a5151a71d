"""One run of a document at a time, across every worker: a Prefect global concurrency limit of one
slot per document (``citewatch-document-<id>``), created on first use. A second run of the same
document waits for the first (``CITEWATCH_SAME_DOCUMENT=wait``, the default) or ends at once as
Skipped (``skip``). The slot is a lease the server takes back within a minute if its holder dies.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Iterator

from citewatch.errors import CitewatchError

PREFIX = "citewatch-document-"
# Renewed while the run lasts; when its worker dies the slot frees itself after this, so the
# crashed run's retry (crash-watch) waits at most this long for it.
LEASE_SECONDS = 60


class DocumentBusy(CitewatchError):
    """Another run of this document holds its slot (and the operator chose to skip)."""


def limit_name(document_id: str) -> str:
    return f"{PREFIX}{document_id}"


def ensure_limit(client, name: str, slots: int, slot_decay_per_second: float | None = None) -> None:
    """Create the global concurrency limit ``name`` (or fit an existing one), tolerating a worker
    that creates it at the same moment."""
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.upsert_global_concurrency_limit_by_name(name, slots, slot_decay_per_second)
    except ObjectAlreadyExists:
        pass


@contextmanager
def one_run_per_document(document_id: str, when_busy: str = "wait") -> Iterator[None]:
    """Hold the document's slot for the block; raise DocumentBusy when it is taken and
    ``when_busy`` is ``skip``."""
    from prefect import get_client
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    name = limit_name(document_id)
    with get_client(sync_client=True) as client:
        ensure_limit(client, name, 1)
    stack = ExitStack()
    try:
        stack.enter_context(concurrency(name, occupy=1, strict=True, lease_duration=LEASE_SECONDS,
                                        max_retries=0 if when_busy == "skip" else None,
                                        raise_on_lease_renewal_failure=False))  # a server blip never kills a run
    except ConcurrencySlotAcquisitionError as exc:
        if when_busy == "skip":
            raise DocumentBusy(f"another run of {document_id} is in progress: this one is skipped "
                               "(CITEWATCH_SAME_DOCUMENT=skip)") from exc
        raise
    with stack:
        yield
