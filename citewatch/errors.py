"""Every exception citewatch raises on purpose (a class nothing raises is removed: a body past the
size limit, a URL robots.txt forbids and a Wayback Machine that fails are statuses and notes of the
source, never exceptions).

Callers catch by meaning, not by library::

    CitewatchError
    ├── ConfigError              a setting that cannot be used (bad URL, unwritable folder)
    ├── RegistryError            a registry file with problems; carries every problem found
    ├── DocumentError            a document that cannot be read or parsed
    ├── FetchError               a source could not be fetched (the status says why)
    │   ├── ForbiddenAddress     the address guard refused the URL (SSRF)
    │   └── HostNotFound         the host name does not resolve
    ├── ExtractError             a fetched body whose text cannot be read (broken PDF)
    ├── ArchiveError             the local WARC archive or its index cannot be used
    ├── StateError               the state database cannot be used
    └── Stopped                  the run was stopped (SIGTERM, Ctrl-C) before it ended
"""

from __future__ import annotations

from dataclasses import dataclass


class CitewatchError(Exception):
    """Base class of every error citewatch raises on purpose."""


class ConfigError(CitewatchError):
    pass


@dataclass(frozen=True)
class Problem:
    """One problem of a file, reported as ``FILE:LINE: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # a problem of the whole file (e.g. missing), no line to point at
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class RegistryError(CitewatchError):
    """A registry with problems. ``problems`` holds all of them, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DocumentError(CitewatchError):
    pass


class FetchError(CitewatchError):
    pass


class ForbiddenAddress(FetchError):
    pass


class HostNotFound(FetchError):
    """The host name does not resolve; ``name_gone`` when DNS answered "no such name"."""

    def __init__(self, message: str, name_gone: bool = True):
        self.name_gone = name_gone
        super().__init__(message)


class ExtractError(CitewatchError):
    pass


class ArchiveError(CitewatchError):
    pass


class StateError(CitewatchError):
    pass


class Stopped(CitewatchError):
    """The run was stopped (:func:`citewatch.wallclock.stop_all`: SIGTERM, Ctrl-C) before it ended."""
