"""Load the labelled check cases (YAML) and build their texts, with long filler where asked."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

CASES_DIR = Path(__file__).resolve().parent

# Page furniture and unrelated news full of numbers and dates: what surrounds a fact on a real page.
FILLER_SENTENCES = (
    "The municipality said that {n} trees were planted along the seafront boulevard in {year}.",
    "Comments ({n})",
    "Read more: weather forecast for {day} {month} {year}",
    "The football club signed {n} new players ahead of the season, the coach told reporters.",
    "Oil production averaged {n} thousand barrels per day in {month} {year}, the ministry reported.",
    "Subscribe to our newsletter: {n} readers already receive it every morning.",
    "Photo {n} of {m}",
    "A court of appeal upheld a fine of {n} manat in a traffic case on {day} {month} {year}.",
    "The exhibition, open until {day} {month}, shows {n} carpets from the collection of the museum.",
    "Share this article",
    "Tickets cost {n} manat; children under {m} enter free of charge.",
    "The bridge, built in {year}, is {n} metres long and carries {m} thousand cars a day.",
    "Most read: {n} recipes for Novruz",
    "The conference gathered {n} delegates from {m} countries in the capital.",
    "Prices of bread rose by {m}% in {year}, according to the statistics committee.",
)
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


@dataclass
class Case:
    id: str
    claim: str
    text: str
    expected: str
    file: str
    published: str | None = None
    facts: list | None = None
    why: str | None = None
    xfail: str | None = None
    subject: str | None = None  # the document's title (context of infobox rows)
    extra: dict = field(default_factory=dict)


def filler(kb: int, seed: int) -> tuple[str, str]:
    """About ``kb`` kilobytes of filler, split in two halves (the fact goes between them)."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < kb * 1024:
        sentences = []
        for _ in range(rng.randint(1, 5)):
            template = rng.choice(FILLER_SENTENCES)
            sentences.append(template.format(
                n=rng.randint(3, 9000), m=rng.randint(2, 60), year=rng.randint(1990, 2024),
                day=rng.randint(1, 28), month=rng.choice(MONTH_NAMES)))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph.encode()) + 1
    half = len(paragraphs) // 2
    return "\n".join(paragraphs[:half]) + "\n", "\n" + "\n".join(paragraphs[half:])


def build_text(raw: dict) -> str:
    text = raw.get("text") or ""
    padding = raw.get("padding")
    if padding:
        before, after = filler(int(padding["kb"]), int(padding.get("seed", 0)))
        text = before + text.strip() + after
    return text


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    yaml = YAML(typ="safe")
    cases: list[Case] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.load(path.read_text(encoding="utf-8")) or []:
            if raw["id"] in seen:
                raise ValueError(f"{path.name}: duplicate case id {raw['id']}")
            seen.add(raw["id"])
            cases.append(Case(
                id=raw["id"], claim=raw["claim"], text=build_text(raw), expected=raw["expected"],
                file=path.name, published=raw.get("published"), facts=raw.get("facts"),
                why=raw.get("why"), xfail=raw.get("xfail"), subject=raw.get("subject"),
            ))
    return cases
