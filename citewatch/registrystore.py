"""A successful registry load kept on disk, so the next process that loads the same registry and
document skips the parse and every check.

Even on the fast path a registry of 2,000 sources costs about 2 s of CPU to load, nearly all of it
checking each claim's explicit facts against the claim's own text; ``citewatch verify`` paid that
on every run. An entry is valid only for the exact bytes of the registry and of its document, and
for this exact citewatch code and the libraries that read and validate a registry: any change
there and the file is loaded and checked afresh. A registry with problems is never stored, so
problems are always reported by :func:`~citewatch.registry.load_registry`, with their lines.

When the registry did change, the entry still spares the check of every claim whose text and
explicit facts are unchanged (``fact_checks``, used only by the same code and libraries).

One JSON file per registry path (overwritten when the registry changes, so the folder does not
grow with every edit). Never pickle: an entry is data, validated by the models when read. A
missing, stale, corrupt or unreadable entry only means "load it again".
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import ValidationError

from citewatch.atomicfile import write_atomic
from citewatch.documentfile import read_document_bytes
from citewatch.errors import DocumentError
from citewatch.models import Registry
from citewatch.registry import FactChecks, LoadedRegistry, fact_check_key, load_registry
from citewatch.textcache import code_fingerprint

FORMAT = 1
_LIBRARIES = ("pydantic", "pydantic_core", "ruamel.yaml", "PyYAML")


def _library_versions() -> str:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}=?")
    return ",".join(versions)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _as_read_text(data: bytes) -> str:
    """``data`` decoded as ``Path.read_text(encoding="utf-8")`` decodes a file (universal newlines)."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


class RegistryStore:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def load(self, path: str | Path) -> LoadedRegistry:
        """``load_registry(path)``, from the stored entry when the registry, its document and the
        code are byte for byte those of a successful load. Problems raise RegistryError as ever."""
        path = Path(path)
        try:
            registry_bytes = path.read_bytes()
        except OSError:
            return load_registry(path)  # load_registry says what is wrong with the file
        code = self._code()
        key = _sha256(code.encode() + b"\0" + registry_bytes)
        entry = self._read_entry(path)
        loaded = self._loaded(entry, path, key)
        if loaded is None:
            fact_checks = self._fact_checks(entry, code)
            loaded = load_registry(path, fact_checks=fact_checks)
            self._write(path, code, key, registry_bytes, loaded, fact_checks)
        return loaded

    # -- entries --------------------------------------------------------------------------

    @staticmethod
    def _code() -> str:
        return f"{FORMAT}:{code_fingerprint()}:{_library_versions()}"

    def _entry_path(self, path: Path) -> Path:
        return self.folder / f"{_sha256(str(path.resolve()).encode())[:32]}.json"

    def _read_entry(self, path: Path) -> dict | None:
        try:
            entry = json.loads(self._entry_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    @staticmethod
    def _fact_checks(entry: dict | None, code: str) -> FactChecks:
        """The per-claim checks of the entry when the same code made them; malformed ones dropped."""
        if entry is None or entry.get("code") != code or not isinstance(entry.get("fact_checks"), dict):
            return {}
        checks: FactChecks = {}
        for claim_key, found in entry["fact_checks"].items():
            if isinstance(found, list) and all(
                isinstance(item, list) and len(item) == 2 and type(item[0]) is int and isinstance(item[1], str)
                for item in found
            ):
                checks[claim_key] = [(index, message) for index, message in found]
        return checks

    @staticmethod
    def _loaded(entry: dict | None, path: Path, key: str) -> LoadedRegistry | None:
        if entry is None or entry.get("key") != key:
            return None
        try:
            registry = Registry.model_validate(entry["registry"])
            document_text = None
            if registry.document.text:
                document_bytes = read_document_bytes(path.parent, registry.document.text)
                if _sha256(document_bytes) != entry.get("document_sha256"):
                    return None
                document_text = _as_read_text(document_bytes)
            elif entry.get("document_sha256") is not None:
                return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError, DocumentError):
            return None  # missing, stale or corrupt: load again (UnicodeDecodeError is a ValueError)
        return LoadedRegistry(registry=registry, path=path, document_text=document_text)

    def _write(self, path: Path, code: str, key: str, registry_bytes: bytes, loaded: LoadedRegistry,
               fact_checks: FactChecks) -> None:
        # Store only what is known to belong together: the files may change while they are loaded.
        try:
            if path.read_bytes() != registry_bytes:
                return
            document_sha256 = None
            document_file = loaded.registry.document.text  # a document's file name (loaded from document_path)
            if loaded.document_path is not None and document_file is not None:
                document_bytes = read_document_bytes(path.parent, document_file)
                if _as_read_text(document_bytes) != loaded.document_text:
                    return
                document_sha256 = _sha256(document_bytes)
        except (OSError, ValueError, DocumentError):
            return
        current = {fact_check_key(claim) for claim in loaded.registry.claims if claim.facts}
        entry = {
            "format": FORMAT,
            "code": code,
            "key": key,
            "registry_path": str(path.resolve()),
            "document_sha256": document_sha256,
            "registry": loaded.registry.model_dump(mode="json"),
            "fact_checks": {k: v for k, v in fact_checks.items() if k in current},
        }
        try:
            write_atomic(self._entry_path(path), json.dumps(entry))  # a reader never sees half an entry
        except OSError:
            pass  # a store that cannot be written costs time, never a result
