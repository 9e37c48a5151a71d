"""One run of a document at a time across workers (flows/document_limit.py), on the session's real
Prefect API: a second holder waits for the first, or is refused when the operator skips."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from flows.document_limit import DocumentBusy, one_run_per_document


@pytest.mark.slow
def test_a_second_run_of_the_same_document_waits_for_the_first(prefect_harness):
    document = f"doc-{uuid.uuid4().hex[:6]}"
    spans: dict[str, tuple[float, float]] = {}

    def run(name: str, hold: float) -> None:
        with one_run_per_document(document):
            started = time.monotonic()
            time.sleep(hold)
            spans[name] = (started, time.monotonic())

    first = threading.Thread(target=run, args=("first", 2.0))
    first.start()
    time.sleep(0.8)  # the first holds the slot by now
    with one_run_per_document(f"other-{document}"):  # another document is not held up
        pass
    run("second", 0.1)
    first.join()

    assert spans["second"][0] >= spans["first"][1] - 0.05  # started only once the first had ended


def test_a_second_run_is_skipped_when_the_operator_chooses_skip_and_the_slot_comes_back(prefect_harness):
    document = f"doc-{uuid.uuid4().hex[:6]}"
    with one_run_per_document(document, "skip"):
        with pytest.raises(DocumentBusy, match="another run of .* is in progress"):
            with one_run_per_document(document, "skip"):
                pass
    with one_run_per_document(document, "skip"):  # released: free again
        pass

