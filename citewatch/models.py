"""The types every part of citewatch speaks: the registry, verdicts, statuses and check results.

Registry models reject unknown keys (``extra="forbid"``); the JSON Schema printed by
``citewatch schema`` is generated from :class:`Registry`.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9-]*$"
DOCUMENT_ID_MAX = 100  # characters: the id names the document's report folder
PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


# --- facts -------------------------------------------------------------------------------


class Op(str, Enum):
    EQ = "="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    APPROX = "~"


class CountFact(Strict):
    """A number the claim states, with how exact it is (``op``): "more than seventy" is ``> 70``."""

    kind: Literal["count"] = "count"
    value: float = Field(description="The number, e.g. 70 for \"more than seventy\".")
    op: Op = Field(Op.EQ, description="How exact: = > >= < <= or ~ (about).")
    unit: str | None = Field(None, description="What is counted, e.g. people, years (optional).")


CALENDAR_YEARS = "calendar years"  # the unit of a period of the calendar: "the 1990s", "the 16th century"


class RangeFact(Strict):
    """A range such as "10 to 20 years"."""

    kind: Literal["range"] = "range"
    low: float = Field(description="Lower end of the range.")
    high: float = Field(description="Upper end of the range.")
    unit: str | None = Field(None, description="Unit of both ends, e.g. years.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.low > self.high:
            raise ValueError(f"range low {self.low:g} is above high {self.high:g}")
        return self


class DateFact(Strict):
    """A date at the precision the claim states: ``2017-01-25``, ``2017-01`` or ``2017``."""

    kind: Literal["date"] = "date"
    value: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the claim (quote it).",
                       json_schema_extra={"pattern": PARTIAL_DATE.pattern})

    @field_validator("value", mode="before")
    @classmethod
    def _partial_date(cls, v):
        v = str(v)
        if not PARTIAL_DATE.match(v):
            raise ValueError(f"date {v!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        return v

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        precisions: dict[int, Literal["year", "month", "day"]] = {4: "year", 7: "month", 10: "day"}
        return precisions[len(self.value)]


class EntityFact(Strict):
    """A person or organisation the claim names, with spellings that count as the same."""

    kind: Literal["entity"] = "entity"
    name: str = Field(min_length=1, description="The name as the claim writes it.")
    aliases: list[str] = Field(default_factory=list, description="Other spellings that count as the same.")


class QuoteFact(Strict):
    """Exact words that must appear in the source (after normalising quotes and whitespace)."""

    kind: Literal["quote"] = "quote"
    text: str = Field(min_length=1, description="The exact words a source must contain.")


Fact = Annotated[Union[CountFact, RangeFact, DateFact, EntityFact, QuoteFact], Field(discriminator="kind")]


# --- registry ----------------------------------------------------------------------------


class Source(Strict):
    """A page that backs the claim. Only http(s) URLs; the rest is metadata for readers."""

    url: str = Field(description="Address of the page (http or https only).")
    publisher: str | None = Field(None, description="Who published it, e.g. Human Rights Watch.")
    title: str | None = Field(None, description="Title of the page.")
    published: str | None = Field(None, description="Publication date: YYYY, YYYY-MM or YYYY-MM-DD (quote it).",
                                  json_schema_extra={"pattern": PARTIAL_DATE.pattern})
    accessed: str | None = Field(None, description="When an editor read it: YYYY, YYYY-MM or YYYY-MM-DD (quote it).",
                                 json_schema_extra={"pattern": PARTIAL_DATE.pattern})
    quote: str | None = Field(None, description="The passage of the page that backs the claim.")
    language: str | None = Field(None, description="Language of the page (ISO 639-1, e.g. en, az, ru).")
    note: str | None = Field(None, description="What the page states about the claim, for the reader.")

    @field_validator("url")
    @classmethod
    def _http_only(cls, v: str) -> str:
        v = v.strip()
        scheme = v.split(":", 1)[0].lower() if ":" in v else ""
        if scheme not in ("http", "https") or not re.match(r"^https?://[^/\s]+", v, re.I):
            raise ValueError(f"url {v!r} is not an http(s) URL")
        return v

    @field_validator("published", "accessed", mode="before")
    @classmethod
    def _partial_date(cls, v):
        if v is None:
            return v
        v = str(v)
        if not PARTIAL_DATE.match(v):
            raise ValueError(f"date {v!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        return v


class Claim(Strict):
    """One factual statement of the document and the sources that back it."""

    id: str = Field(pattern=SLUG, description="Slug, unique within the registry (a-z, 0-9, -).")
    text: str = Field(min_length=1, description="Verbatim span of the document (whitespace and quote "
                                                "styles may differ).")
    section: str | None = Field(None, description="Heading of the document section the claim is in.")
    facts: list[Fact] | None = Field(  # None: inferred from text
        None, description="What a source must state; inferred from `text` when left out.")
    sources: list[Source] = Field(default_factory=list, description="Pages that back the claim; "
                                  "empty means the claim is unsourced (citation needed).")
    note: str | None = Field(None, description="Free text for editors.")
    not_in_document: bool = Field(
        False, description="Set by `citewatch extract` when the claim's sentence is gone from the "
                           "document: the claim is kept, with its sources and history, until an "
                           "editor removes it or gives it a text of the document again.")


class Document(Strict):
    """The document whose claims this registry holds."""

    # a folder name: 255 bytes on most file systems; 100 leaves room and stays readable
    id: str = Field(pattern=SLUG, max_length=DOCUMENT_ID_MAX,
                    description="Slug naming the document; reports go to <reports>/<id>/.")
    title: str = Field(description="Title of the document.")
    text: str | None = Field(  # path of the document, relative to the registry file
        None, description="Path of the document file, relative to this registry file.")
    url: str | None = Field(None, description="Where the document is published, if anywhere.")


class Registry(Strict):
    """A claims registry (``claims/<document-id>.yaml``)."""

    document: Document = Field(description="The document the claims come from.")
    claims: list[Claim] = Field(default_factory=list, description="Every checkable claim of the document.")


# --- outcomes ----------------------------------------------------------------------------


class Verdict(str, Enum):
    SUPPORTED = "supported"
    PARTIALLY_SUPPORTED = "partially_supported"
    CONTRADICTED = "contradicted"
    NOT_FOUND = "not_found"
    UNVERIFIABLE = "unverifiable"
    UNSOURCED = "unsourced"  # per claim only


class SourceStatus(str, Enum):
    LIVE = "live"
    REDIRECTED = "redirected"
    DEAD = "dead"
    SOFT_404 = "soft_404"
    BLOCKED = "blocked"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    UNREACHABLE = "unreachable"
    FORBIDDEN_ADDRESS = "forbidden_address"

    @property
    def readable(self) -> bool:
        """The live answer is a page whose text can be checked."""
        return self in (SourceStatus.LIVE, SourceStatus.REDIRECTED)

    @property
    def connection_level(self) -> bool:
        """The host never answered (counts toward "the run is offline")."""
        return self in (SourceStatus.UNREACHABLE, SourceStatus.TIMEOUT)


class CheckedCopy(str, Enum):
    LIVE = "live"
    LOCAL_ARCHIVE = "local_archive"
    WAYBACK = "wayback"


class FactOutcome(str, Enum):
    FOUND = "found"
    MISSING = "missing"
    CONTRADICTED = "contradicted"


class Evidence(BaseModel):
    """A passage of the checked text; ``start``/``end`` are offsets into that text."""

    text: str
    start: int
    end: int
    score: float = 0.0
    highlights: list[tuple[int, int]] = Field(default_factory=list)  # offsets into the whole text


class FactResult(BaseModel):
    fact: Fact
    outcome: FactOutcome
    evidence: int | None = None  # index into CheckResult.evidence
    found: str | None = None  # the words of the source that matched or contradicted
    start: int | None = None
    end: int | None = None


class CheckResult(BaseModel):
    """The outcome of checking one claim against one text."""

    verdict: Verdict
    evidence: list[Evidence] = Field(default_factory=list)
    facts: list[FactResult] = Field(default_factory=list)
    confidence: float = 0.0
    notes: list[str] = Field(default_factory=list)


# --- fetching ----------------------------------------------------------------------------


class FetchResult(BaseModel):
    """What one fetch of a URL gave: the fetcher fills it, the archive stores it, liveness reads it.

    ``body`` holds the payload after Content-Encoding was undone (what a browser would render),
    cut at the size limit. ``headers`` are the final response's headers as received.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    url: str
    final_url: str
    status: SourceStatus
    http_status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = Field(default_factory=list)
    request_headers: list[tuple[str, str]] = Field(default_factory=list)
    body: bytes = b""
    content_type: str = ""
    encoding: str | None = None  # charset of a text body (header, then meta tag, then detection)
    redirects: list[tuple[str, int]] = Field(default_factory=list)  # (url, status) of each hop
    fetched_at: datetime
    elapsed: float = 0.0
    attempts: int = 1
    error: str | None = None  # why the fetch failed, in words a user can act on
    not_modified: bool = False  # 304 answer to a conditional request
    truncated: bool = False
    remote_ip: str | None = None
    _digest: tuple[int, str] | None = PrivateAttr(default=None)  # (id of the body it is of, digest)

    def payload_digest(self) -> str:
        """The WARC payload digest of ``body``, computed once per body (the fetcher tells the same
        bytes again by it, the archive then stores it: one SHA-1 of the page, not two)."""
        if self._digest is None or self._digest[0] != id(self.body):
            from citewatch.digests import payload_digest

            self._digest = (id(self.body), payload_digest(self.body))
        return self._digest[1]

    def __setattr__(self, name: str, value) -> None:
        if name == "body":  # a new body (or none, once archived): its digest is not known
            self._digest = None
        super().__setattr__(name, value)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None
