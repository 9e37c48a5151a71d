"""flows.registry_cache: one parse per registry content, a new parse when the registry or its
document changes, and problems raised as by load_registry."""

from __future__ import annotations

import pytest

from citewatch.errors import RegistryError
from flows.registry_cache import load_registry_cached

REGISTRY = """document:
  id: cache-test
  title: Cache test
  text: doc.txt
claims:
  - id: arrests
    text: "more than seventy individuals were arrested"
    sources: []
"""
DOCUMENT = "= Cache test =\n\nIn 2015 more than seventy individuals were arrested in the village.\n"


def _write(tmp_path, registry=REGISTRY, document=DOCUMENT):
    (tmp_path / "doc.txt").write_text(document, encoding="utf-8")
    path = tmp_path / "cache-test.yaml"
    path.write_text(registry, encoding="utf-8")
    return path


def test_same_content_is_parsed_once(tmp_path):
    path = _write(tmp_path)
    first = load_registry_cached(path)
    assert load_registry_cached(str(path)) is first
    assert first.registry.claims[0].id == "arrests"


def test_a_changed_registry_or_document_is_parsed_again(tmp_path):
    path = _write(tmp_path)
    first = load_registry_cached(path)
    path.write_text(REGISTRY.replace("id: arrests", "id: detained"), encoding="utf-8")
    second = load_registry_cached(path)
    assert second is not first and second.registry.claims[0].id == "detained"
    (tmp_path / "doc.txt").write_text(DOCUMENT.replace("seventy", "70"), encoding="utf-8")
    with pytest.raises(RegistryError) as raised:  # the claim text is no longer in the document
        load_registry_cached(path)
    assert "not found in the document" in str(raised.value.problems[0])
    with pytest.raises(RegistryError):  # a failed load is not kept: it fails again
        load_registry_cached(path)
