"""``citewatch check``: one claim against one text (a file or a URL), or many from a JSONL batch.

Only argument parsing and printing; the work is :func:`citewatch.check.check_claim`.
Nothing here imports Prefect, so a batch of thousands of claims pays the start-up cost once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, NoReturn, Optional, TextIO

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from citewatch.counting import counted
from citewatch.errors import CitewatchError
from citewatch.models import CheckResult, Fact, FactOutcome, Verdict
from flows.colours import verdict_style
from flows.terminal import printable

OUTCOME_STYLE = {FactOutcome.FOUND: "green", FactOutcome.MISSING: "magenta", FactOutcome.CONTRADICTED: "red"}
FACTS = TypeAdapter(list[Fact])
MAX_TEXT_FILE_BYTES = 50 * 1024 * 1024


def result_json(result: CheckResult, **extra: Any) -> dict:
    """The ``check --json`` object of docs/reports.md: verdict, evidence, facts (plus confidence, notes)."""
    data = result.model_dump(mode="json")
    return {
        **extra,
        "verdict": data["verdict"],
        "evidence": data["evidence"],
        "facts": data["facts"],
        "confidence": data["confidence"],
        "notes": data["notes"],
    }


def check(
    claim: Optional[str] = typer.Option(None, "--claim", help="The claim, as written in the document."),
    text_file: Optional[Path] = typer.Option(None, "--text-file", help="Source text (UTF-8; '-' reads stdin)."),
    url: Optional[str] = typer.Option(None, "--url", help="Fetch this page and check its main text."),
    batch: Optional[Path] = typer.Option(
        None, "--batch", metavar="FILE.jsonl",
        help='Lines {"id", "claim", "text"[, "facts", "published", "subject"]}; one result line per input line.'),
    published: Optional[str] = typer.Option(
        None, "--published", help="The page's publication date (YYYY[-MM[-DD]]); completes dates without a year."),
    subject: Optional[str] = typer.Option(
        None, "--subject", help="What the claim's document is about (its title): the context of an infobox "
                                "row such as 'Date: 25–26 November 2015'."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check one claim against one source text and show the verdict with its evidence.

    Verdicts: supported, partially_supported, contradicted, not_found (docs/verdicts.md).
    """
    if batch is not None:
        if claim or text_file or url:
            _usage("--batch reads claims and texts from the file: leave out --claim, --text-file and --url")
        bad = run_batch(_open_input(batch), sys.stdout)
        if bad:
            print(f"{counted(bad, 'line')} of {batch} could not be checked: see their \"error\" objects",
                  file=sys.stderr)
            raise typer.Exit(2)
        return
    if not claim:
        _usage("give --claim TEXT with --text-file FILE or --url URL (or --batch FILE.jsonl)")
    if bool(text_file) == bool(url):
        _usage("give exactly one of --text-file FILE and --url URL")
    source: dict[str, Any] = {}
    if text_file is not None:
        text = _read_text_file(text_file)
    elif url:  # (exactly one of the two is given)
        text, source = _text_from_url(url)
        published = published or source.get("published")
    from citewatch.check import check_claim

    result = check_claim(claim, text, published=published, subject=subject)
    if as_json:
        extra = {"source": source} if source else {}
        print(json.dumps(result_json(result, **extra), ensure_ascii=False, indent=2))
    else:
        print_result(claim, result, source)


def run_batch(lines: Iterable[str], out: TextIO) -> int:
    """Check each JSONL line; write one result (or error) object per line. Returns the bad lines."""
    from citewatch.check import check_claim

    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item_id = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("the line is not a JSON object")
            item_id = item.get("id")
            claim, text = item.get("claim"), item.get("text")
            if not isinstance(claim, str) or not claim.strip():
                raise ValueError('"claim" must be a non-empty string')
            if not isinstance(text, str):
                raise ValueError('"text" must be a string (the source text)')
            facts = FACTS.validate_python(item["facts"]) if item.get("facts") is not None else None
            published = item.get("published")
            if published is not None and not isinstance(published, str):
                raise ValueError('"published" must be a string YYYY[-MM[-DD]]')
            subject = item.get("subject")
            if subject is not None and not isinstance(subject, str):
                raise ValueError('"subject" must be a string (the document\'s title)')
            result = check_claim(claim, text, facts=facts, published=published, subject=subject)
            output = result_json(result, id=item_id)
        except (ValueError, ValidationError, CitewatchError) as exc:
            bad += 1
            output = {"id": item_id, "line": number, "error": _one_line(exc)}
        except Exception as exc:  # a bug must not lose the rest of a long batch
            bad += 1
            output = {"id": item_id, "line": number,
                      "error": f"internal error ({type(exc).__name__}: {exc}); please report this line"}
        out.write(json.dumps(output, ensure_ascii=False) + "\n")
        out.flush()
    return bad


def print_result(claim: str, result: CheckResult, source: dict[str, Any] | None = None) -> None:
    console = Console(highlight=False, soft_wrap=False)
    header = Text()
    header.append("Claim: ", style="bold")
    header.append(printable(claim))
    console.print(header)
    if source:
        console.print(Text(printable(f"Source: {source.get('url')}  title: {source.get('title') or '—'}  "
                                     f"published: {source.get('published') or '—'}")))
    verdict = Text("Verdict: ", style="bold")
    verdict.append(result.verdict.value, style=f"bold {verdict_style(result.verdict)}".strip())
    verdict.append(f"  (confidence {result.confidence:.2f})")
    console.print(verdict)
    if result.facts:
        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("fact")
        table.add_column("outcome")
        table.add_column("source says")
        table.add_column("passage")
        from citewatch.facts import fact_label

        for item in result.facts:
            table.add_row(
                Text(f"{item.fact.kind} {fact_label(item.fact)}"),
                Text(item.outcome.value, style=OUTCOME_STYLE.get(item.outcome, "")),
                Text(printable(item.found or "—")),
                Text("—" if item.evidence is None else f"#{item.evidence + 1}"),
            )
        console.print(table)
    if result.verdict is Verdict.NOT_FOUND and result.evidence:
        console.print(Text("nearest passage (it states none of the claim's facts):", style="dim"))
    for number, passage in enumerate(result.evidence, start=1):
        line = Text(f"#{number} [{passage.start}:{passage.end}] ", style="dim")
        body = Text(printable(passage.text))  # one character for one: the highlights still fit
        for start, end in passage.highlights:
            body.stylize("bold underline", start - passage.start, end - passage.start)
        line.append_text(body)
        console.print(line)
    for note in result.notes:
        console.print(Text(printable(f"note: {note}"), style="dim"))


def _text_from_url(url: str) -> tuple[str, dict[str, Any]]:
    from citewatch.config import load_settings
    from citewatch.fetch import Fetcher
    from citewatch.textextract import extract_text

    with Fetcher(load_settings()) as fetcher:
        fetched = fetcher.fetch(url)
    if not fetched.status.readable or not fetched.body:
        reason = fetched.error or fetched.reason or "no readable answer"
        raise CitewatchError(f"{url}: {fetched.status.value} ({reason}); the claim cannot be checked against it")
    extracted = extract_text(fetched.body, fetched.content_type, fetched.final_url, fetched.encoding)
    source = {"url": url, "final_url": fetched.final_url, "status": fetched.status.value,
              "title": extracted.title, "published": extracted.published, "kind": extracted.kind}
    return extracted.text, source


def _read_text_file(path: Path) -> str:
    try:
        if str(path) == "-":
            return sys.stdin.read()
        if path.stat().st_size > MAX_TEXT_FILE_BYTES:
            raise CitewatchError(f"{path}: larger than {MAX_TEXT_FILE_BYTES // (1024 * 1024)} MB; cut it first")
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise CitewatchError(f"{path}: cannot read the text file ({exc.strerror or exc})") from exc


def _open_input(path: Path) -> Iterable[str]:
    if str(path) == "-":
        return sys.stdin
    try:
        return path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CitewatchError(f"{path}: cannot read the batch file ({exc.strerror or exc})") from exc


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"facts.{where}: {first['msg']}" if where else f"facts: {first['msg']}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _usage(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


EPILOG = """Examples:

  citewatch check --claim "more than seventy individuals were arrested" --text-file source.txt

  citewatch check --claim "In 2022, the State Department imposed sanctions" --url https://example.org/a --json

  citewatch check --batch claims.jsonl > results.jsonl   (one {"id", "claim", "text"} per line)
"""


def register(app: typer.Typer) -> None:
    app.command("check", epilog=EPILOG)(check)
