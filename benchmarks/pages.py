"""Claims and the pages that state them, for the benchmark web.

A claim comes from one of a few templates (arrests, sentencing, sanctions, founding, flood),
filled with invented but plausible values. :func:`make_claim` gives the claim's text, the facts
the registry lists for it, and everything a page needs to state it; :func:`render_page` turns a
page spec (a small JSON-able dict, see :mod:`benchmarks.generate`) into the bytes a news site or a
PDF report would serve: 50–300 KB of HTML with navigation, cookie banner, scripts, related
articles full of unrelated numbers, comments and a footer around the article text.

Everything is deterministic in the spec's seed, so the web farm and the in-process CPU
measurement render exactly the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import textwrap
import zlib
from html import escape

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy",
        80: "eighty", 90: "ninety"}
TOWNS = ["Velmora", "Ostrava Nova", "Karsavin", "Drelthorn", "Amberlo", "Siravan", "Tolmezzo",
         "Quellin", "Brasko", "Numeira", "Hollenby", "Zarechny", "Pellavar", "Cindra", "Morvell",
         "Jastrun", "Eskavar", "Lunderby", "Tarnova", "Vesselin", "Orlakh", "Grendal"]
FIRST = ["Taleh", "Kerim", "Anna", "Miriam", "Oskar", "Leyla", "Ruslan", "Ines", "Tomas",
         "Selin", "Farid", "Elena", "Jonas", "Nigar", "Pavel", "Sara"]
LAST = ["Bagirzade", "Alimardanov", "Kowalczyk", "Haddad", "Lindqvist", "Mammadova",
        "Petrenko", "Ortega", "Novak", "Huseynli", "Brandt", "Sokolova", "Ferreira", "Aliyev"]
AGENCIES = ["United States State Department", "European Council", "UK Foreign Office",
            "Canadian Ministry of Foreign Affairs", "Swiss Federal Council"]
ORGS = ["Muslim Unity Movement", "Civic Renewal Party", "Free Press Union",
        "Rural Workers Association", "Green Valley Alliance", "Independent Lawyers Guild"]
SITES = ["Daily Meridian", "The Northern Ledger", "Caspian Herald", "Open Dispatch",
         "Regional Observer", "Evening Courier", "Public Record Weekly"]
FILLER_WORDS = (
    "council residents officials budget market road school hospital winter harvest museum "
    "station river bridge district mayor committee report survey festival library teachers "
    "farmers traffic weather opposition ministry parliament delegation province village "
    "neighbourhood clinic water supply heating students volunteers journalists analysts "
    "economists investors reforms tourism railway airport harbour exports imports tariffs"
).split()
VERBS = ["discussed", "reviewed", "announced", "postponed", "criticised", "welcomed", "approved",
         "examined", "questioned", "described", "planned", "compared"]


def _date(rng: random.Random, lo_year: int = 2008, hi_year: int = 2023) -> tuple[int, int, int]:
    return rng.randint(lo_year, hi_year), rng.randint(1, 12), rng.randint(1, 28)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


# --- claims -------------------------------------------------------------------------------
# Each template: values(rng) -> dict; claim(v) -> text; facts(v) -> registry facts;
# statement(v, stance) -> the sentence a page prints ("supports", "contradicts" or "silent").


def _arrests_values(rng):
    y, m, _ = _date(rng)
    return {"town": rng.choice(TOWNS), "n": rng.choice(list(TENS)[1:]), "k": rng.randint(1, 9),
            "year": y, "month": m}


def _arrests_claim(v):
    return (f"more than {TENS[v['n']]} people were arrested in {v['town']} in "
            f"{MONTHS[v['month'] - 1]} {v['year']}")


def _arrests_facts(v):
    return [{"kind": "count", "value": v["n"], "op": ">"},
            {"kind": "date", "value": f"{v['year']}-{v['month']:02d}"}]


def _arrests_statement(v, stance):
    count = f"over {v['n'] + v['k']}" if stance == "supports" else f"exactly {v['n'] - 20}"
    return (f"Police said that {count} people were arrested in {v['town']} in "
            f"{MONTHS[v['month'] - 1]} {v['year']} after several days of protests.")


def _sentencing_values(rng):
    y, m, d = _date(rng)
    lo = rng.choice([2, 5, 8, 10])
    return {"town": rng.choice(TOWNS), "n": rng.randint(6, 40), "lo": lo,
            "hi": lo + rng.choice([5, 8, 10, 12]), "year": y, "month": m, "day": d}


def _sentencing_claim(v):
    return (f"on {v['day']} {MONTHS[v['month'] - 1]} {v['year']}, the {v['town']} Serious Crimes "
            f"Court sentenced {v['n']} people to prison terms ranging from {v['lo']} to "
            f"{v['hi']} years")


def _sentencing_facts(v):
    return [{"kind": "date", "value": f"{v['year']}-{v['month']:02d}-{v['day']:02d}"},
            {"kind": "count", "value": v["n"], "op": "="},
            {"kind": "range", "low": v["lo"], "high": v["hi"], "unit": "years"}]


def _sentencing_statement(v, stance):
    n = v["n"] if stance == "supports" else v["n"] + 1
    return (f"The {v['town']} Serious Crimes Court on {MONTHS[v['month'] - 1]} {v['day']}, "
            f"{v['year']} sentenced {n} people to prison terms ranging from {v['lo']} to "
            f"{v['hi']} years.")


def _sanctions_values(rng):
    y, m, d = _date(rng, 2012, 2023)
    return {"agency": rng.choice(AGENCIES), "person": _person(rng), "year": y, "month": m,
            "day": d}


def _sanctions_claim(v):
    return f"in {v['year']}, the {v['agency']} imposed sanctions on {v['person']}"


def _sanctions_facts(v):
    return [{"kind": "date", "value": str(v["year"])},
            {"kind": "entity", "name": v["person"]}]


def _sanctions_statement(v, stance):
    year = v["year"] if stance == "supports" else v["year"] - 2
    return (f"On {v['day']} {MONTHS[v['month'] - 1]} {year}, the {v['agency']} imposed "
            f"sanctions on {v['person']} for gross violations of human rights.")


def _founding_values(rng):
    y, _, _ = _date(rng, 1990, 2020)
    return {"org": rng.choice(ORGS), "person": _person(rng), "year": y}


def _founding_claim(v):
    return f"the {v['org']} was founded in {v['year']} and is led by {v['person']}"


def _founding_facts(v):
    return [{"kind": "date", "value": str(v["year"])},
            {"kind": "entity", "name": v["person"]}]


def _founding_statement(v, stance):
    year = v["year"] if stance == "supports" else v["year"] - 3
    return (f"The {v['org']} was founded in {year} and is led by {v['person']}, who has "
            f"chaired it since then.")


def _flood_values(rng):
    return {"town": rng.choice(TOWNS), "n": rng.randint(3, 60),
            "m": rng.choice([800, 1200, 2500, 4000, 12000])}


def _flood_claim(v):
    return f"the flood in {v['town']} killed {v['n']} people and displaced about {v['m']:,} residents"


def _flood_facts(v):
    return [{"kind": "count", "value": v["n"], "op": "="},
            {"kind": "count", "value": v["m"], "op": "~"}]


def _flood_statement(v, stance):
    n = v["n"] if stance == "supports" else v["n"] + 3
    return (f"The flood in {v['town']} killed {n} people and displaced about {v['m']:,} "
            f"residents, the regional emergency service said.")


TEMPLATES = {
    "arrests": (_arrests_values, _arrests_claim, _arrests_facts, _arrests_statement),
    "sentencing": (_sentencing_values, _sentencing_claim, _sentencing_facts, _sentencing_statement),
    "sanctions": (_sanctions_values, _sanctions_claim, _sanctions_facts, _sanctions_statement),
    "founding": (_founding_values, _founding_claim, _founding_facts, _founding_statement),
    "flood": (_flood_values, _flood_claim, _flood_facts, _flood_statement),
}


def make_claim(rng: random.Random) -> dict:
    """A claim: ``{"template", "values", "text", "facts"}`` (JSON-able)."""
    template = rng.choice(sorted(TEMPLATES))
    values_of, claim_of, facts_of, _ = TEMPLATES[template]
    values = values_of(rng)
    return {"template": template, "values": values, "text": claim_of(values),
            "facts": facts_of(values)}


def statement(claim: dict, stance: str) -> str:
    """The sentence a page prints about the claim; "silent" pages talk about something else."""
    if stance == "silent":
        place = claim["values"].get("town") or claim["values"].get("org") or "the capital"
        return (f"Residents of {place} gathered in the central square on Sunday to discuss "
                f"the new parking rules and the timetable of the local bus lines.")
    return TEMPLATES[claim["template"]][3](claim["values"], stance)


# --- page text ----------------------------------------------------------------------------


@functools.cache
def _filler_sentences() -> tuple[str, ...]:
    """A pool of bland news sentences (some with numbers that belong to nothing claimed)."""
    rng = random.Random(20151125)
    pool = []
    for _ in range(3000):
        words = rng.sample(FILLER_WORDS, 6)
        sentence = (f"The {words[0]} and the {words[1]} {rng.choice(VERBS)} the {words[2]} "
                    f"of the {words[3]} while {words[4]} and {words[5]} waited for news")
        if rng.random() < 0.25:
            sentence += f" about the {rng.randint(2, 400)} {rng.choice(FILLER_WORDS)}"
        pool.append(sentence[0].upper() + sentence[1:] + ".")
    return tuple(pool)


@functools.cache
def _script_blob() -> bytes:
    """Minified-looking inline script: the bulk of a real news page's bytes."""
    rng = random.Random(7)
    parts, size = [], 0
    while size < 320_000:
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
        parts.append(f'{key}:{{"id":{rng.randint(1, 10**6)},"v":"{key * 3}","t":{rng.random():.6f}}},')
        size += len(parts[-1])
    return "".join(parts).encode("ascii")


@functools.cache
def _menu_items() -> tuple[str, ...]:
    rng = random.Random(11)
    return tuple(f'<li><a href="/section/{i}/{rng.choice(FILLER_WORDS)}">'
                 f"{rng.choice(FILLER_WORDS).title()} {i}</a></li>" for i in range(600))


CSS = ("body{font-family:Georgia,serif;margin:0}header,footer{background:#f4f4f4}"
       ".cookie{position:fixed;bottom:0}.menu li{display:inline-block}.ticker{color:#b00}"
       "article p{line-height:1.6}aside{float:right;width:30%}" * 8)


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    pool = _filler_sentences()
    return [" ".join(rng.choices(pool, k=rng.randint(3, 6))) for _ in range(count)]


def _headline(rng: random.Random, claim: dict) -> str:
    place = claim["values"].get("town") or claim["values"].get("org") or "Region"
    topic = {"arrests": "arrests after protests", "sentencing": "court hands down sentences",
             "sanctions": "new sanctions announced", "founding": "a profile of the movement",
             "flood": "the flood and its aftermath"}[claim["template"]]
    return f"{place}: {topic}"


def article_text(spec: dict) -> tuple[str, list[str]]:
    """Headline and paragraphs of the article (the statement sits in the middle)."""
    rng = random.Random(spec["seed"])
    claim = spec["claim"]
    paragraphs = _paragraphs(rng, rng.randint(6, 30))
    paragraphs.insert(len(paragraphs) // 2, statement(claim, spec["stance"]))
    return _headline(rng, claim), paragraphs


def _published(spec: dict) -> str:
    year = spec["claim"]["values"].get("year", 2015) + 1
    return f"{year}-{(spec['seed'] % 12) + 1:02d}-{(spec['seed'] % 27) + 1:02d}"


def render_html(spec: dict) -> bytes:
    rng = random.Random(spec["seed"] * 7 + 1)
    headline, paragraphs = article_text(spec)
    site = SITES[spec["seed"] % len(SITES)]
    published = _published(spec)
    menu = "".join(_menu_items()[:rng.randint(100, 600)])
    ticker = " · ".join(f"{rng.randint(2, 99)} {rng.choice(FILLER_WORDS)} reported in "
                        f"{rng.choice(TOWNS)}" for _ in range(3))
    related = "".join(f'<li><a href="/news/{rng.randint(1000, 99999)}">{rng.randint(2, 90)} '
                      f"{rng.choice(FILLER_WORDS)} {rng.choice(VERBS)} in {rng.choice(TOWNS)} "
                      f"in {rng.randint(2000, 2024)}</a></li>" for _ in range(12))
    comments = "".join(f'<div class="comment"><b>{escape(_person(rng))}</b><p>'
                       f"{' '.join(rng.choices(_filler_sentences(), k=2))}</p></div>"
                       for _ in range(rng.randint(0, 25)))
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": headline, "datePublished": published})
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(headline)} | {site}</title>"
            f'<meta name="description" content="{escape(headline)}">'
            f'<meta property="article:published_time" content="{published}">'
            f"<style>{CSS}</style>"
            f'<script type="application/ld+json">{ld}</script>')
    page = (f"</head><body>"
            f'<div class="cookie">We use cookies to improve your experience. '
            f"<button>Accept all</button> <button>Settings</button></div>"
            f'<header><a class="logo" href="/">{site}</a><nav><ul class="menu">{menu}</ul></nav>'
            f'<div class="ticker">Breaking: {ticker}</div></header>'
            f'<main><article><h1>{escape(headline)}</h1>'
            f'<p class="byline">By {escape(_person(rng))} · <time datetime="{published}">'
            f"{published}</time></p>\n{body}</article>"
            f"<aside><h2>Most read</h2><ol>{related}</ol></aside>"
            f'<section class="comments"><h2>Comments</h2>{comments}</section></main>'
            f'<footer><p>© {site}. All rights reserved.</p><ul>{menu[:4000]}</ul></footer>')
    head, page = head.encode("utf-8"), (page + "</body></html>\n").encode("utf-8")
    filler = max(0, spec["size"] - len(head) - len(page) - 40)
    return b"".join([head, b"<script>window.__STATE__={", _script_blob()[:filler], b"};</script>",
                     page])


def render_pdf(spec: dict) -> bytes:
    """A compressed, text-based PDF report of the article (written by hand: fpdf2 takes ~0.2 s)."""
    headline, paragraphs = article_text(spec)
    lines = [headline, ""]
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, 95) + [""]
    pages = [lines[i:i + 60] for i in range(0, len(lines), 60)]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for page_lines in pages:
        text = "".join(f"({_pdf_escape(line)}) Tj T* " for line in page_lines)
        stream = zlib.compress(f"BT /F1 10 Tf 12 TL 50 800 Td {text}ET".encode("latin-1"))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                       + stream + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def warm_up() -> None:
    """Build the shared pools now, so the first request is not slower than the others."""
    _filler_sentences(), _script_blob(), _menu_items()


def render_page(spec: dict) -> tuple[bytes, str]:
    """The body and Content-Type of a page spec of kind "article", "slow" or "pdf"."""
    if spec["kind"] == "pdf":
        return render_pdf(spec), "application/pdf"
    return render_html(spec), "text/html; charset=utf-8"


def etag(spec: dict) -> str:
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
    return f'"{digest}"'
