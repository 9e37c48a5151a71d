"""The review desk's library side: what its pages show, read from the state database and the
archive, and what its actions change. The web server (``flows.desk``) only routes, checks who
may do what, and renders these with the templates in ``citewatch/templates/desk/``.

    report = current_report(sf, document_id)        # the report dict, as of now (flags, overrides)
    documents = document_rows(sf)                   # one summary per document
    claim_page(sf, archive, report, claim_id)       # sources, timelines, diffs, notes, audit
"""

from citewatch.desk.archived import ArchivedCopy, archived_copy, capture_for_source
from citewatch.desk.state import (
    CLAIM_FILTERS,
    claim_matches,
    claim_page,
    current_report,
    document_rows,
    regenerate_reports,
    source_timeline,
)

__all__ = ["ArchivedCopy", "CLAIM_FILTERS", "archived_copy", "capture_for_source", "claim_matches",
           "claim_page", "current_report", "document_rows", "regenerate_reports", "source_timeline"]
