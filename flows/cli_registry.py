"""``citewatch validate``, ``citewatch schema`` and ``citewatch extract``: the registry commands.

Only argument parsing and printing; the work is in :mod:`citewatch.registry` and
:mod:`citewatch.propose`. Nothing here imports Prefect, so these commands start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from citewatch.counting import counted
from citewatch.document import read_document
from citewatch.errors import CitewatchError, RegistryError
from citewatch.propose import Change, document_slug, new_registry_yaml, propose_claims, update_registry_file
from citewatch.registry import dump_yaml, load_registry, registry_json_schema
from flows.terminal import printable


def _err(message: str) -> None:
    print(printable(message), file=sys.stderr)


def validate(registries: list[Path] = typer.Argument(..., metavar="REGISTRY...",
                                                     help="Registry files (claims/<document>.yaml).")) -> None:
    """Check registries: YAML, keys, types, URLs, ids, claim texts against the document, facts.

    Prints one "ok" line per good file; every problem as FILE:LINE: message on stderr; exit 2
    when any file has a problem.
    """
    failed = False
    for path in registries:
        try:
            loaded = load_registry(path)
        except RegistryError as exc:
            failed = True
            for problem in exc.problems:
                _err(str(problem))
            continue
        claims = loaded.registry.claims
        urls = {source.url for claim in claims for source in claim.sources}
        unsourced = sum(1 for claim in claims if not claim.sources)
        gone = sum(1 for claim in claims if claim.not_in_document)
        print(f"{path}: ok: {_claims(len(claims))}, {counted(len(urls), 'source')}, {unsourced} unsourced"
              + (f", {gone} no longer in the document (marked not_in_document)" if gone else ""))
    if failed:
        raise typer.Exit(2)


def schema() -> None:
    """Print the JSON Schema of a registry file (for editors: see docs/registry.md)."""
    print(json.dumps(registry_json_schema(), indent=2, ensure_ascii=False))


def extract(
    document: Path = typer.Argument(..., help="The document (title, headings, infobox, paragraphs)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="REGISTRY",
                                          help="Merge into this registry (created when missing) "
                                               "instead of printing YAML."),
) -> None:
    """Propose a claim for every sentence and infobox row with a checkable fact.

    With -o an existing registry keeps its claims and sources: a claim whose sentence was edited
    follows it (same id, sources, flags, overrides and history; new text, listed as "changed"),
    new claims are added, and claims whose sentence is gone are reported, kept and marked
    not_in_document until you remove them.
    """
    try:
        parsed = read_document(document)
        proposed = propose_claims(parsed)
        if output is None:
            data = new_registry_yaml(document_slug(document), parsed.title or document.stem,
                                     document.name, proposed)
            sys.stdout.write(dump_yaml(data))
            return
        result = update_registry_file(output, document, parsed, proposed)
    except RegistryError as exc:
        for problem in exc.problems:
            _err(str(problem))
        raise typer.Exit(2)
    except CitewatchError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2)
    for change in result.changed:
        print(describe_change(output, change))
    for claim in result.vanished:
        _err(f"{output}: claim '{claim.id}': its text is no longer in {document}; kept in the registry "
             "and marked not_in_document: true (sources and history stay) until you remove it or "
             "give it a text of the document")
    print(f"{output}: {_claims(len(result.added))} added, {len(result.changed)} changed, "
          f"{len(result.kept)} kept, {len(result.vanished)} no longer in the document")


def describe_change(registry: Path, change: Change) -> str:
    """``REGISTRY: claim 'ID': changed: "old" → "new" (re-check)``, plus what else moved."""
    line = f'{registry}: claim \'{change.claim_id}\': changed: "{change.old_text}" → "{change.new_text}" (re-check)'
    if change.new_section and change.new_section != change.old_section:
        line += f'; now in section "{change.new_section}"'
    if change.facts_kept:
        line += "; its facts were written by hand and are kept as they are: check them against the new text"
    return line


def _claims(count: int) -> str:
    return counted(count, "claim")


VALIDATE_EXAMPLES = """Examples:

  citewatch validate claims/nardaran-case.yaml

  citewatch validate claims/*.yaml   (every registry; exit 2 when any has a problem)
"""

SCHEMA_EXAMPLES = """Example:

  citewatch schema > docs/registry.schema.json

then start a registry with: # yaml-language-server: $schema=../docs/registry.schema.json
"""

EXTRACT_EXAMPLES = """Examples:

  citewatch extract claims/nardaran-case.txt   (print the proposed registry)

  citewatch extract claims/nardaran-case.txt -o claims/nardaran-case.yaml   (create or merge)
"""


def register(app: typer.Typer) -> None:
    app.command("validate", epilog=VALIDATE_EXAMPLES)(validate)
    app.command("schema", epilog=SCHEMA_EXAMPLES)(schema)
    app.command("extract", epilog=EXTRACT_EXAMPLES)(extract)
