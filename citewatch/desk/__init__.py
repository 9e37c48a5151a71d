"""The review desk's library side: what its pages show, read from the state database and the
archive. The web server (``flows.desk``) routes, checks who may do what, calls the review
functions (``citewatch.review``, ``citewatch.history.mark_not_dead``, ``citewatch.audit``) for
the actions, and renders these with the templates ``citewatch/templates/desk_*.html``.

    report = current_report(sf, document_id)        # the report dict, as of now (flags, overrides)
    reports = ReportCache(sf); reports.get(doc_id)  # the same, kept until the state changes
    documents = document_rows(sf)                   # one summary per document
    claim_page(sf, archive, report, claim_id)       # sources, timelines, diffs, notes, audit
"""

from citewatch.desk.archived import ArchivedCopy, archived_copy, capture_for_source
from citewatch.desk.state import (
    CLAIM_FILTERS,
    ReportCache,
    claim_matches,
    claim_page,
    current_report,
    document_rows,
    source_timeline,
)

__all__ = ["ArchivedCopy", "CLAIM_FILTERS", "ReportCache", "archived_copy", "capture_for_source", "claim_matches",
           "claim_page", "current_report", "document_rows", "source_timeline"]
