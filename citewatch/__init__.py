"""citewatch: keep every claim of a document with its sources, archive them and re-check them.

The public face of the library; the work lives in one module per idea::

    from citewatch import load_registry, check_claim, load_settings, verify_registry

    loaded = load_registry("claims/nardaran-case.yaml")      # RegistryError lists every problem
    result = check_claim("18 people were sentenced", page_text)   # verdict, evidence, facts
    outcome = verify_registry(loaded, load_settings())      # fetch, archive, check, report

Names are imported on first use, so ``import citewatch`` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "load_settings": "citewatch.config",
    "Settings": "citewatch.config",
    "load_registry": "citewatch.registry",
    "LoadedRegistry": "citewatch.registry",
    "check_claim": "citewatch.check",
    "combine_source_verdicts": "citewatch.check",
    "extract_text": "citewatch.textextract",
    "infer_facts": "citewatch.facts",
    "find_facts": "citewatch.facts",
    "Fetcher": "citewatch.fetch",
    "WarcArchive": "citewatch.archive",
    "WaybackClient": "citewatch.wayback",
    "verify_registry": "citewatch.pipeline",
    "open_database": "citewatch.db",
    "Verdict": "citewatch.models",
    "SourceStatus": "citewatch.models",
    "CheckResult": "citewatch.models",
    "Registry": "citewatch.models",
    "CitewatchError": "citewatch.errors",
    "RegistryError": "citewatch.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'citewatch' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only ("X as X": a re-export)
    from citewatch.archive import WarcArchive as WarcArchive
    from citewatch.check import check_claim as check_claim
    from citewatch.check import combine_source_verdicts as combine_source_verdicts
    from citewatch.config import Settings as Settings
    from citewatch.config import load_settings as load_settings
    from citewatch.db import open_database as open_database
    from citewatch.errors import CitewatchError as CitewatchError
    from citewatch.errors import RegistryError as RegistryError
    from citewatch.facts import find_facts as find_facts
    from citewatch.facts import infer_facts as infer_facts
    from citewatch.fetch import Fetcher as Fetcher
    from citewatch.models import CheckResult as CheckResult
    from citewatch.models import Registry as Registry
    from citewatch.models import SourceStatus as SourceStatus
    from citewatch.models import Verdict as Verdict
    from citewatch.pipeline import verify_registry as verify_registry
    from citewatch.registry import LoadedRegistry as LoadedRegistry
    from citewatch.registry import load_registry as load_registry
    from citewatch.textextract import extract_text as extract_text
    from citewatch.wayback import WaybackClient as WaybackClient
