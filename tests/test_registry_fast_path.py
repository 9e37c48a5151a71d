"""The registry's fast path (libyaml via citewatch.plainyaml) never changes an outcome: for every
input, load_registry gives what the line-numbered round-trip path gives — the same registry, or
the same problems at the same lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewatch import registry as registry_module
from citewatch.errors import RegistryError
from citewatch.plainyaml import NotPlain, read_plain_yaml
from citewatch.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
DOCUMENT = ("= Fast =\n\nOn 25 January 2017 more than seventy individuals were arrested in the village; "
            "the court sentenced 18 people to prison terms ranging from 10 to 20 years.\n")
HEAD = "document:\n  id: fast\n  title: Fast path\n  text: doc.txt\nclaims:\n"
CLAIM = '  - id: arrests\n    text: "more than seventy individuals were arrested"\n'


def _outcome(load, path):
    try:
        loaded = load(path)
    except RegistryError as exc:
        return "problems", [str(p) for p in exc.problems]
    return "registry", loaded.registry.model_dump(mode="json"), loaded.document_text


def _slow(path):
    return registry_module._load_with_lines(Path(path), Path(path).read_text(encoding="utf-8"))


def _assert_same_as_slow_path(tmp_path, body, head=HEAD):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    path = tmp_path / "fast.yaml"
    path.write_text(head + body, encoding="utf-8")
    fast, slow = _outcome(load_registry, path), _outcome(_slow, path)
    assert fast == slow
    return fast


CASES = {
    "plain good file": CLAIM + "    sources: []\n",
    "unquoted dates, numbers, null, booleans-looking text": CLAIM
    + "    section: yes\n    note: no\n    facts:\n      - {kind: date, value: 2017-01-25}\n"
    "      - {kind: count, value: 70, op: '>'}\n    sources:\n      - url: http://example.org/a\n"
    "        published: 2017-01-25\n        accessed: 2017\n        title: on\n        quote: ~\n",
    "float and exponent": CLAIM + "    facts:\n      - {kind: count, value: 7.0e1, op: '>'}\n",
    "explicit tag": CLAIM + "    section: !!str 2017\n",
    "octal-looking number as text": CLAIM + "    note: 0o12\n",
    "number with a leading zero": CLAIM + "    note: 012\n",
    "YAML 1.1 directive": CLAIM,
    "duplicate key": CLAIM + "    text: \"more than seventy individuals were arrested\"\n",
    "duplicate key written two ways": CLAIM + "    facts:\n      - {kind: count, \"kind\": count, value: 70}\n",
    "merge key": "  - &base\n    id: arrests\n    text: \"more than seventy individuals were arrested\"\n"
    "  - <<: *base\n    id: arrests-again\n",
    "anchor and alias": "  - id: arrests\n    text: &t \"more than seventy individuals were arrested\"\n"
    "  - id: arrests-again\n    text: *t\n",
    "impossible date": CLAIM + "    sources:\n      - url: http://example.org/a\n        published: 2017-13-45\n",
    "date-time": CLAIM + "    sources:\n      - url: http://example.org/a\n        published: 2017-01-25T10:00:00\n",
    "claim not in the document": '  - id: arrests\n    text: "more than ninety people were arrested"\n',
    "contradicting fact": '  - id: sentenced\n    text: "the court sentenced 18 people"\n'
    "    facts:\n      - {kind: count, value: 17}\n",
    "range and quote facts": '  - id: sentenced\n    text: "prison terms ranging from 10 to 20 years"\n    facts:\n'
    "      - {kind: range, low: 10, high: 20, unit: years}\n      - {kind: quote, text: \"10 to 20 years\"}\n",
    "unknown key": CLAIM + "    sorces: []\n",
    "tab indentation": CLAIM + "\tsources: []\n",
    "unclosed quote": '  - id: arrests\n    text: "more than seventy individuals\n',
    "two documents": CLAIM + "---\nclaims: []\n",
}


@pytest.mark.parametrize("body", CASES.values(), ids=list(CASES))
def test_fast_path_gives_what_the_slow_path_gives(tmp_path, body):
    head = "%YAML 1.1\n---\n" + HEAD if body is CASES["YAML 1.1 directive"] else HEAD
    _assert_same_as_slow_path(tmp_path, body, head)


def test_the_cases_cover_both_outcomes(tmp_path):
    outcomes = {name: _assert_same_as_slow_path(tmp_path, CASES[name])[0] for name in
                ("plain good file", "unquoted dates, numbers, null, booleans-looking text",
                 "float and exponent", "range and quote facts", "duplicate key", "contradicting fact")}
    assert outcomes == {"plain good file": "registry", "float and exponent": "registry",
                        "range and quote facts": "registry",
                        "unquoted dates, numbers, null, booleans-looking text": "registry",
                        "duplicate key": "problems", "contradicting fact": "problems"}


@pytest.mark.parametrize("path", [REPO / "claims" / "nardaran-case.yaml",
                                  *sorted((REPO / "tests" / "data" / "registries").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_committed_registries_load_the_same_both_ways(path):
    assert _outcome(load_registry, path) == _outcome(_slow, path)


@pytest.mark.parametrize("text", ["a: 012", "a: 0x1f", "a: 1_000", "a: .inf", "a: !!str 2017",
                                  "a: 2017-01-25T10:00:00", "a: 1\na: 2", "a: 1\n'a': 2", "<<: {a: 1}",
                                  "%YAML 1.1\n---\na: 1", "a: !custom x", "!!seq {a: 1}"])
def test_what_the_plain_reader_refuses(text):
    with pytest.raises(NotPlain):
        read_plain_yaml(text)


def test_plain_scalars_resolve_as_yaml_1_2():
    data = read_plain_yaml("a: yes\nb: on\nc: 1:20\nd: 2017\ne: 2017-01-25\nf:\ng: True\nh: '7'\ni: -1.5\n")
    assert data == {"a": "yes", "b": "on", "c": "1:20", "d": 2017, "e": __import__("datetime").date(2017, 1, 25),
                    "f": None, "g": True, "h": "7", "i": -1.5}


def test_a_valid_file_does_not_touch_the_round_trip_composer(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the slow path ran for a valid plain file")

    monkeypatch.setattr(registry_module, "_load_with_lines", refuse)
    kind, dumped, document = _outcome_fast_only(tmp_path)
    assert kind == "registry" and dumped["claims"][0]["id"] == "arrests" and document == DOCUMENT


def _outcome_fast_only(tmp_path):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    path = tmp_path / "fast.yaml"
    path.write_text(HEAD + CLAIM, encoding="utf-8")
    return _outcome(load_registry, path)
