"""How many fetched page bodies a run holds in memory at once, and so how many batches of hosts
it fetches side by side.

A batch keeps the body of each page it fetched until the batch is read (so a page is not read
back from the archive it was just written to). Before it fetches, a batch reserves one place per
source; a source gives its place back as soon as it is known to hold no body (a 304, an answer
whose text is already known, an error) or once its body was read. A run whose pages are new
therefore holds the bodies of about ``BATCHES_AT_ONCE`` batches, as before, while a run of
unchanged pages frees the places as the answers come and starts the next batches at once instead
of waiting for the first ones to end: its wall time is then the politeness of its busiest host,
not that times the number of rounds of batches.
"""

from __future__ import annotations

import threading


class BodyBudget:
    """Places for page bodies, shared by the batches of one run (thread-safe).

    ``batches`` batches of the largest size seen (at least ``batch_size``) may hold their bodies
    at once."""

    def __init__(self, batches: int, batch_size: int):
        self.batches = batches
        self.limit = batches * batch_size
        self.held = 0
        self._changed = threading.Condition()

    def reserve(self, places: int) -> "Reservation":
        """Wait until ``places`` bodies fit in the budget, and take them."""
        with self._changed:
            self.limit = max(self.limit, self.batches * places)
            self._changed.wait_for(lambda: self.held + places <= self.limit)
            self.held += places
        return Reservation(self, places)

    def _give_back(self, places: int) -> None:
        with self._changed:
            self.held -= places
            self._changed.notify_all()


class Reservation:
    """The places one batch took; given back one by one, the rest by :meth:`close`."""

    def __init__(self, budget: BodyBudget, places: int):
        self._budget = budget
        self._lock = threading.Lock()
        self.left = places

    def release(self, places: int = 1) -> None:
        with self._lock:
            places = min(places, self.left)
            self.left -= places
        if places:
            self._budget._give_back(places)

    def close(self) -> None:
        self.release(self.left)
