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

from citewatch.document import read_document
from citewatch.errors import CitewatchError, RegistryError
from citewatch.propose import (document_slug, new_registry_yaml, propose_claims,
                               update_registry_file)
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
        print(f"{path}: ok: {len(claims)} claims, {len(urls)} sources, {unsourced} unsourced")
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

    With -o an existing registry keeps its claims and sources; new claims are added, and claims
    whose text is no longer in the document are reported (and kept).
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
    for claim in result.vanished:
        _err(f"{output}: claim '{claim.id}': its text is no longer in {document}; "
             "kept in the registry, fix or remove it by hand")
    print(f"{output}: {_claims(len(result.added))} added, {len(result.kept)} kept, "
          f"{len(result.vanished)} no longer in the document")


def _claims(count: int) -> str:
    return f"{count} claim" if count == 1 else f"{count} claims"


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
