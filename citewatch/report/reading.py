"""Reading a written report back without holding it whole: the report of a run of 100,000
claims is hundreds of megabytes of JSON, and ``json.loads`` of it several times that in objects.

    head = read_report_head(path)      # every top-level field but ``claims``
    for claim in iter_claims(path):    # one claim dict at a time
        ...

Both read the file as a stream (ijson); numbers come back as ``int`` and ``float``, as from
``json.loads``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ijson


def read_report_head(path: Path) -> dict:
    """Every top-level field of the report file at ``path`` except its claims."""
    head: dict = {}
    key, builder = None, None
    with open(path, "rb") as handle:
        for prefix, event, value in ijson.parse(handle, use_float=True):
            if prefix == "":
                if builder is not None:
                    head[key] = builder.value
                key, builder = (value, None) if event == "map_key" else (None, None)
                if key is not None and key != "claims":
                    builder = ijson.ObjectBuilder()
            elif builder is not None:
                builder.event(event, value)
    return head


def iter_claims(path: Path) -> Iterator[dict]:
    """The claims of the report file at ``path``, one dict at a time, in their order."""
    with open(path, "rb") as handle:
        yield from ijson.items(handle, "claims.item", use_float=True)
