"""Text from outside (page titles and passages, URLs, server answers, registry values) made safe to
print on a terminal.

A page title can carry escape sequences that move the cursor, rewrite the window title, hide lines
or, on some terminals, write files; bidirectional overrides make text read differently from how it
is stored. :func:`printable` replaces every control character but newline and tab, and those
overrides, with U+FFFD (one character for one, so offsets into the text still hold)."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def printable(text: object) -> str:
    return _CONTROL.sub(REPLACEMENT, str(text))
