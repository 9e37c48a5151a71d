"""The court judgment PDF of the demo's sample web, made with fpdf2 (a dev dependency).

The PDF is committed (``citewatch demo`` needs only runtime dependencies); this is its source.
Regenerate it after editing the text: ``.venv/bin/python tests/demo_pdf.py``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

JUDGMENT_PDF = Path(__file__).resolve().parent.parent / "citewatch/demo/web/court/judgments/2021/arc-2021-0412.pdf"

PARAGRAPHS = [
    "In the case of the Prosecutor of the Aldane Region against six organisers of the Harbour Workers' "
    "Union, the Regional Court, sitting in Port Aldane on 28 September 2021, has delivered the following "
    "judgment.",
    "1. The defendants are charged with organising the blockade of the Eastern Container Terminal in "
    "March 2021, obstructing the operation of a port facility and resisting police officers in the "
    "execution of their duties.",
    "2. The court has heard the defendants, their counsel and the witnesses called by both parties, and "
    "has examined the video recordings submitted by the Port Aldane Authority.",
    "3. The court finds that the defendants planned and directed the blockade of the terminal gates.",
    "4. For these reasons, the court finds the six defendants guilty as charged.",
    # One short line: a sentence wrapped across PDF lines is harder to read back as one sentence.
    "5. The six union organisers are sentenced to prison terms of two to four years.",
    "6. The defendants may appeal against this judgment to the Court of Appeal within thirty days of its "
    "delivery.",
]
FICTION = ("This document was written for the citewatch demo. The Aldane Regional Court, Port Aldane and "
           "every person named here are fictional; any resemblance to real people or events is coincidental.")


def write_judgment_pdf(path: Path = JUDGMENT_PDF) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title("Aldane Regional Court - Judgment in case 2021-0412")
    pdf.set_author("Aldane Regional Court (fictional)")
    pdf.set_creation_date(datetime(2021, 9, 28, 12, 0, tzinfo=timezone.utc))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, "ALDANE REGIONAL COURT", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 6, "Criminal Division - Chamber 3", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.cell(0, 6, "Case no. ARC 2021-0412", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, "JUDGMENT", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    for paragraph in PARAGRAPHS:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(6)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, FICTION, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


if __name__ == "__main__":
    print(write_judgment_pdf())
