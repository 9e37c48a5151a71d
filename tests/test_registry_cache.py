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


# --- the store on disk (citewatch.registrystore) -----------------------------------------------

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from citewatch import registrystore  # noqa: E402
from citewatch.registry import load_registry  # noqa: E402
from citewatch.registrystore import RegistryStore  # noqa: E402
from flows.registry_cache import registry_store_folder  # noqa: E402

NARDARAN = Path(__file__).resolve().parent.parent / "claims" / "nardaran-case.yaml"


def _no_parse(monkeypatch):
    def refuse(path, **kwargs):
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(registrystore, "load_registry", refuse)


def _entries(folder):
    return sorted(Path(folder).glob("*.json"))


def test_a_stored_load_is_the_same_registry_without_a_parse(tmp_path, monkeypatch):
    store = tmp_path / "store"
    first = RegistryStore(store).load(NARDARAN)
    assert len(_entries(store)) == 1
    _no_parse(monkeypatch)
    again = RegistryStore(store).load(NARDARAN)  # a new process would start like this
    fresh = load_registry(NARDARAN)
    assert again.registry == fresh.registry == first.registry
    assert again.registry.model_dump(mode="json") == fresh.registry.model_dump(mode="json")
    assert again.document_text == fresh.document_text and again.path == NARDARAN


def test_a_corrupt_or_foreign_entry_means_load_again(tmp_path):
    path, store = _write(tmp_path), tmp_path / "store"
    RegistryStore(store).load(path)
    (entry,) = _entries(store)
    for broken in ("{not json", "[]", json.dumps({"key": "x"}),
                   json.dumps({**json.loads(entry.read_text()), "registry": {"claims": 3}})):
        entry.write_text(broken, encoding="utf-8")
        assert RegistryStore(store).load(path).registry.claims[0].id == "arrests"
    assert json.loads(entry.read_text())["registry"]["claims"][0]["id"] == "arrests"  # repaired


def test_a_changed_document_is_checked_again_and_its_problem_reported(tmp_path):
    path, store = _write(tmp_path), tmp_path / "store"
    RegistryStore(store).load(path)
    (tmp_path / "doc.txt").write_text(DOCUMENT.replace("seventy", "70"), encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        RegistryStore(store).load(path)
    assert "claims[0].text: not found in the document" in str(raised.value.problems[0])
    assert ":7:" in str(raised.value.problems[0])  # with its line, as load_registry reports it


def test_a_registry_with_problems_is_never_stored(tmp_path):
    path, store = _write(tmp_path, registry=REGISTRY.replace("sources: []", "sorces: []")), tmp_path / "store"
    for _ in range(2):
        with pytest.raises(RegistryError) as raised:
            RegistryStore(store).load(path)
        assert "unknown key 'sorces'" in str(raised.value.problems[0])
    assert _entries(store) == []


def test_other_code_or_a_changed_registry_is_loaded_again(tmp_path, monkeypatch):
    path, store = _write(tmp_path), tmp_path / "store"
    RegistryStore(store).load(path)
    monkeypatch.setattr(registrystore, "code_fingerprint", lambda: "another-version")
    parsed = []
    monkeypatch.setattr(registrystore, "load_registry", lambda p, **kw: parsed.append(p) or load_registry(p, **kw))
    RegistryStore(store).load(path)
    path.write_text(REGISTRY.replace("id: arrests", "id: detained"), encoding="utf-8")
    assert RegistryStore(store).load(path).registry.claims[0].id == "detained"
    assert parsed == [path, path]
    assert len(_entries(store)) == 1  # one entry per registry file, replaced


def test_windows_line_endings_give_the_text_load_registry_reads(tmp_path, monkeypatch):
    path, store = _write(tmp_path, document=DOCUMENT.replace("\n", "\r\n")), tmp_path / "store"
    RegistryStore(store).load(path)
    _no_parse(monkeypatch)
    assert RegistryStore(store).load(path).document_text == load_registry(path).document_text


def test_store_folder_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CITEWATCH_REGISTRY_CACHE", str(tmp_path / "mine"))
    assert registry_store_folder() == tmp_path / "mine"
    monkeypatch.setenv("CITEWATCH_REGISTRY_CACHE", "off")
    assert registry_store_folder() is None
    monkeypatch.delenv("CITEWATCH_REGISTRY_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert registry_store_folder() == tmp_path / "xdg" / "citewatch" / "registries"


def test_the_cached_loader_keeps_its_loads_in_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CITEWATCH_REGISTRY_CACHE", str(tmp_path / "store"))
    path = _write(tmp_path)
    load_registry_cached(path)
    assert len(_entries(tmp_path / "store")) == 1


TWO_CLAIMS = REGISTRY.replace("    sources: []\n", "    facts:\n      - {kind: count, value: 70, op: '>'}\n    sources: []\n") + (
    "  - id: year\n    text: \"In 2015 more than seventy individuals were arrested\"\n    facts:\n      - {kind: date, value: \"2015\"}\n")


def _count_fact_checks(monkeypatch):
    from citewatch import registry

    checked, real = [], registry.contradicted_facts
    monkeypatch.setattr(registry, "contradicted_facts", lambda claim: checked.append(claim.id) or real(claim))
    return checked


def test_an_edited_registry_checks_again_only_the_claims_whose_facts_changed(tmp_path, monkeypatch):
    path, store = _write(tmp_path, registry=TWO_CLAIMS), tmp_path / "store"
    checked = _count_fact_checks(monkeypatch)
    RegistryStore(store).load(path)
    assert checked == ["arrests", "year"]
    path.write_text(TWO_CLAIMS.replace('value: "2015"', 'value: "2016"'), encoding="utf-8")
    with pytest.raises(RegistryError) as raised:  # the new fact is checked, and contradicts
        RegistryStore(store).load(path)
    assert "claims[1].facts[0]: fact date 2016 contradicts the claim text" in str(raised.value.problems[0])
    assert checked[2:] == ["year"]  # once: the line-numbered path reuses the fast path's check
    del checked[:]
    path.write_text(TWO_CLAIMS.replace("title: Cache test", "title: Cache test, edited"), encoding="utf-8")
    assert RegistryStore(store).load(path).registry.document.title == "Cache test, edited"
    assert checked == []  # text and facts unchanged: the stored checks stand


def test_stored_checks_of_other_code_are_not_used(tmp_path, monkeypatch):
    path, store = _write(tmp_path, registry=TWO_CLAIMS), tmp_path / "store"
    RegistryStore(store).load(path)
    path.write_text(TWO_CLAIMS.replace("title: Cache test", "title: Edited"), encoding="utf-8")
    monkeypatch.setattr(registrystore, "code_fingerprint", lambda: "another-version")
    checked = _count_fact_checks(monkeypatch)
    RegistryStore(store).load(path)
    assert checked == ["arrests", "year"]


def test_load_registry_uses_and_fills_the_fact_checks_it_is_given(tmp_path, monkeypatch):
    path = _write(tmp_path, registry=TWO_CLAIMS)
    fact_checks = {}
    load_registry(path, fact_checks=fact_checks)
    assert len(fact_checks) == 2 and all(found == [] for found in fact_checks.values())
    checked = _count_fact_checks(monkeypatch)
    load_registry(path, fact_checks=fact_checks)
    assert checked == []
