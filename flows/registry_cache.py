"""One parse of a registry per process and content.

``citewatch verify`` validates its registries before Prefect starts, the flow-run name wants the
document id, and the flow body needs the registry: three full loads of the same file, each a YAML
parse with line numbers plus every claim checked against the document (seconds for thousands of
claims). This cache hands the same :class:`LoadedRegistry` to all of them for as long as neither
the registry file nor its document changed (compared by content, not by time stamps).

Across processes, a successful load is kept on disk by :class:`citewatch.registrystore.RegistryStore`
(the next ``verify`` of an unchanged registry skips the parse and the checks), in
``$CITEWATCH_REGISTRY_CACHE`` if set (``off`` turns it off), else ``$XDG_CACHE_HOME/citewatch/registries``
(``~/.cache/citewatch/registries``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from citewatch.documentfile import read_document_bytes
from citewatch.errors import DocumentError
from citewatch.registry import LoadedRegistry, load_registry
from citewatch.registrystore import RegistryStore

OFF = ("off", "0", "false", "no", "")

_lock = threading.Lock()
_loaded: dict[str, tuple[str, LoadedRegistry]] = {}


def _digest(registry_path: Path, loaded: LoadedRegistry) -> str:
    """Of the registry's bytes and its document's (read within the bounds a load keeps)."""
    digest = hashlib.sha256()
    readers = [registry_path.read_bytes]
    document_file = loaded.registry.document.text
    if document_file:
        readers.append(lambda: read_document_bytes(registry_path.parent, document_file))
    for read in readers:
        try:
            digest.update(read())
        except (OSError, DocumentError):
            digest.update(b"\0missing\0")
        digest.update(b"\0")
    return digest.hexdigest()


def load_registry_cached(path: str | Path) -> LoadedRegistry:
    """``load_registry(path)``, parsed again only when the registry or its document changed.
    Problems raise :class:`RegistryError` as ever (failed loads are not kept)."""
    key = str(Path(path).resolve())
    with _lock:
        hit = _loaded.get(key)
    if hit is not None and hit[0] == _digest(Path(key), hit[1]):
        return hit[1]
    folder = registry_store_folder()
    loaded = RegistryStore(folder).load(path) if folder is not None else load_registry(path)
    with _lock:
        _loaded[key] = (_digest(Path(key), loaded), loaded)
    return loaded


def registry_store_folder() -> Path | None:
    """Where successful loads are kept between processes; None when turned off."""
    chosen = os.environ.get("CITEWATCH_REGISTRY_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "citewatch" / "registries"
