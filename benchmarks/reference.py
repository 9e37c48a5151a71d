"""The yardstick of issue 16: the least CPU any checker must spend on a page ("reference work").

For each answer a run gets: trafilatura's extraction of its main text (``trafilatura.extract``
with its defaults; a PDF goes through the same PDF reader citewatch uses, since trafilatura reads
no PDF), plus gzip of the answer as a WARC response record (warcio, one gzip member, level 6 as
citewatch's archive writes it). An answer without a page to read (a 404) costs only its record.

Nothing of citewatch's own (its extraction tuning, its checker, its archive index) is in it: it is
what the page itself asks for, the figure citewatch's CPU per source is compared with.

    python -m benchmarks.reference MANIFEST [--sample 300]
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

GZIP_LEVEL = 6  # as citewatch.archive writes its records


def warc_gzip(url: str, body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    """``body`` as one WARC response record, gzipped (the archiving a page needs, at least)."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=False)
    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                                  http_headers=headers))
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(out.getvalue()) + compressor.flush()


def main_text(body: bytes, content_type: str) -> str:
    """The page's main text by trafilatura (HTML), or the PDF's text."""
    if "pdf" in content_type:
        from citewatch.textextract import extract_text

        return extract_text(body, content_type).text
    import trafilatura

    return trafilatura.extract(body) or ""


def answers(manifest: dict) -> list[tuple[str, bytes, str, bool]]:
    """``(url, body, content_type, readable)`` of the final answer of every source of a manifest."""
    from benchmarks.pages import render_page
    from benchmarks.web import NOT_FOUND

    found = []
    for url in manifest["urls"]:
        parts = urlsplit(url)
        spec = manifest["pages"][parts.hostname][parts.path]
        if spec["kind"] == "redirect":
            spec = manifest["pages"][parts.hostname][spec["target"]]
        if spec["kind"] == "gone":
            found.append((url, NOT_FOUND, "text/html; charset=utf-8", False))
        else:
            body, content_type = render_page(spec)
            found.append((url, body, content_type, True))
    return found


def reference_work(manifest: dict, sample: int = 300, seed: int = 1) -> dict:
    """CPU of the reference work per source (a sample of the sources, measured in this process)."""
    every = answers_sample(manifest, sample, seed)
    extract_s = gzip_s = 0.0
    page_bytes = 0
    for url, body, content_type, readable in every:
        started = time.process_time()
        if readable:
            main_text(body, content_type)
        middle = time.process_time()
        warc_gzip(url, body, content_type, "200 OK" if readable else "404 Not Found")
        gzip_s += time.process_time() - middle
        extract_s += middle - started
        page_bytes += len(body)
    n = max(1, len(every))
    return {"ms_per_source": 1000 * (extract_s + gzip_s) / n, "extract_ms": 1000 * extract_s / n,
            "gzip_ms": 1000 * gzip_s / n, "sampled": len(every), "sources": len(manifest["urls"]),
            "mean_page_kb": page_bytes / n / 1024}


def answers_sample(manifest: dict, sample: int, seed: int) -> list[tuple[str, bytes, str, bool]]:
    urls = manifest["urls"]
    if len(urls) > sample:
        manifest = {**manifest, "urls": random.Random(seed).sample(urls, sample)}
    return answers(manifest)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Reference work per source of a benchmark manifest.")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--sample", type=int, default=300, help="sources measured (a random sample)")
    args = parser.parse_args(argv)
    figures = reference_work(json.loads(args.manifest.read_text()), args.sample)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
