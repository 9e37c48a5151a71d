"""The public labelled sets of ``benchmarks/data/public/``: load each as (id, claim, text, label, meta).

Each set is scored on its own (benchmarks/data/public/README.md says where each comes from and
what it measures). ``realpages-dev`` is HTML: its pages go through citewatch's own text
extraction first, as in a run, and the page's publication date goes with the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "public"

JSONL_SETS = {
    "wpcite": "wpcite.jsonl",
    "vitaminc-numeric": "vitaminc-numeric-sample.jsonl",
    "factcheckgpt": "factcheckgpt.jsonl",
    "summedits-news": "summedits-news.jsonl",
    "wice-train-partial": "wice-train-partial.jsonl",
}
SETS = ("realpages-dev", *JSONL_SETS)


@dataclass
class Row:
    id: str
    claim: str
    text: str
    label: str
    published: str | None = None
    meta: dict = field(default_factory=dict)


def load_set(name: str, limit: int | None = None) -> list[Row]:
    if name == "realpages-dev":
        rows = _realpages()
    else:
        rows = []
        with (DATA / JSONL_SETS[name]).open(encoding="utf-8") as lines:
            for line in lines:
                item = json.loads(line)
                text, meta = item["text"], item.get("meta") or {}
                if meta.get("page"):  # VitaminC: the sentence comes from the Wikipedia article of that title
                    text = f"{wikipedia_title(meta['page'])}\n{text}"
                rows.append(Row(item["id"], item["claim"], text, item["label"], meta=meta))
    return rows[:limit] if limit else rows


# VitaminC stores article titles as FEVER does, with brackets and colons escaped: "Watchmen -LRB-film-RRB-"
_TITLE_ESCAPES = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-COLON-": ":"}


def wikipedia_title(stored: str) -> str:
    """The title as Wikipedia writes it: "Watchmen -LRB-film-RRB-" is "Watchmen (film)"."""
    for escaped, written in _TITLE_ESCAPES.items():
        stored = stored.replace(escaped, written)
    return stored.replace("_", " ")


def _realpages() -> list[Row]:
    folder = DATA / "realpages-dev"
    rows = []
    with (folder / "cases.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            case = json.loads(line)
            text, published = extracted_page(str(folder / "pages" / case["page"]))
            rows.append(Row(case["id"], case["claim"], text, case["expected"], published, {"page": case["page"]}))
    return rows


@lru_cache(maxsize=None)
def extracted_page(path: str) -> tuple[str, str | None]:
    from citewatch.textextract import extract_text

    extracted = extract_text(Path(path).read_bytes(), "text/html", url="")
    return extracted.text, extracted.published


def is_right(label: str, verdict: str) -> bool:
    """wpcite's ``not_supported`` means contradicted or not found: one negative class."""
    if label == "not_supported":
        return verdict in ("contradicted", "not_found")
    return label == verdict
