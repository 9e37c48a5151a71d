"""The registry loader: every kind of problem at its exact FILE:LINE, all at once; the
``validate`` and ``schema`` commands; the Nardaran registry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from citewatch.errors import RegistryError
from citewatch.registry import load_registry, registry_json_schema
from flows.cli import app

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "registries"
NARDARAN = REPO / "claims" / "nardaran-case.yaml"
CITEWATCH = Path(sys.executable).parent / "citewatch"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    return [str(p) for p in caught.value.problems]


def at(name: str, line: int, message: str) -> str:
    return f"{DATA / name}:{line}: {message}"


# --- one test per kind of problem ------------------------------------------------------------


def test_invalid_yaml_points_at_the_unclosed_quote():
    assert problems_of(DATA / "invalid-yaml.yaml") == [
        at("invalid-yaml.yaml", 7, "invalid YAML: found unexpected end of stream while scanning a quoted "
                                   "scalar that starts at line 7"),
    ]


def test_a_tab_in_the_indentation_says_to_use_spaces(tmp_path):
    path = tmp_path / "tabs.yaml"
    path.write_text("document:\n  id: x\n\ttitle: X\n")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:3: invalid YAML") and "indent with spaces" in problem


def test_a_document_given_instead_of_its_registry_says_so(tmp_path):
    for name, text in (("case.txt", "= Case =\n\nInfobox\n- Date: 2015\n"), ("notes.md", "Just a line.\n")):
        path = tmp_path / name
        path.write_text(text)
        [problem] = problems_of(path)
        assert "is this the document?" in problem and f"citewatch extract {path}" in problem, problem
    assert "is this the document?" not in problems_of(DATA / "invalid-yaml.yaml")[0]


def test_unknown_key_names_the_allowed_keys():
    assert problems_of(DATA / "unknown-key.yaml") == [
        at("unknown-key.yaml", 8, "claims[0]: unknown key 'sourcs' (did you mean 'sources'? allowed: id, "
                                  "text, section, facts, sources, note, not_in_document)"),
    ]


def test_missing_keys_point_at_their_mapping():
    assert problems_of(DATA / "missing-key.yaml") == [
        at("missing-key.yaml", 1, "document: missing key 'title'"),
        at("missing-key.yaml", 5, "claims[0]: missing key 'text'"),
    ]


def test_wrong_types_inside_a_fact_and_a_claim():
    assert problems_of(DATA / "wrong-type.yaml") == [
        at("wrong-type.yaml", 9, "claims[0].facts[0].value: Input should be a valid number, unable to "
                                 "parse string as a number (got text 'seventy')"),
        at("wrong-type.yaml", 10, "claims[0].sources: Input should be a valid list (got text "
                                  "'https://example.org/arrests')"),
    ]


def test_duplicate_claim_id_points_at_the_second():
    assert problems_of(DATA / "duplicate-id.yaml") == [
        at("duplicate-id.yaml", 8, "duplicate claim id 'arrests' (first at line 6); ids must be unique"),
    ]


def test_duplicate_yaml_key_points_at_the_second():
    assert problems_of(DATA / "duplicate-key.yaml") == [
        at("duplicate-key.yaml", 11, "duplicate key 'publisher' (first at line 10); only the first one counts"),
    ]


def test_non_http_urls_are_refused():
    assert problems_of(DATA / "bad-url.yaml") == [
        at("bad-url.yaml", 9, "claims[0].sources[0].url: url 'javascript:alert(document.cookie)' is not "
                              "an http(s) URL"),
        at("bad-url.yaml", 10, "claims[0].sources[1].url: url 'file:///etc/passwd' is not an http(s) URL"),
        at("bad-url.yaml", 11, "claims[0].sources[2].url: url 'ftp://example.org/arrests.txt' is not an "
                               "http(s) URL"),
    ]


def test_claim_text_not_in_the_document():
    assert problems_of(DATA / "text-not-in-document.yaml") == [
        at("text-not-in-document.yaml", 7, "claims[0].text: not found in the document (compared with "
                                           "whitespace and quotes normalised): it matches up to \"More than\" "
                                           "and differs after that"),
    ]


def test_missing_document_file():
    assert problems_of(DATA / "missing-document.yaml") == [
        at("missing-document.yaml", 4, f"document.text: document file 'no-such-document.txt' not found "
                                       f"(looked for {DATA / 'no-such-document.txt'}); the path is relative "
                                       f"to the registry file"),
    ]


def test_fact_that_contradicts_the_claim_text():
    assert problems_of(DATA / "contradicting-fact.yaml") == [
        at("contradicting-fact.yaml", 9, "claims[0].facts[0]: fact count 17 contradicts the claim text, "
                                         "which says 18"),
    ]


def test_missing_registry_file_has_no_line():
    assert problems_of(DATA / "no-such-registry.yaml") == [
        f"{DATA / 'no-such-registry.yaml'}: no such registry file; check the path",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty registry; it needs 'document:' and 'claims:'"),
        ("- just\n- a list\n", "a registry is a mapping with 'document:' and 'claims:', not a list"),
    ],
)
def test_empty_or_non_mapping_registry(tmp_path, content, message):
    path = tmp_path / "r.yaml"
    path.write_text(content)
    assert problems_of(path) == [f"{path}:1: {message}"]


def test_all_problems_of_a_file_at_once():
    assert problems_of(DATA / "many-problems.yaml") == [
        at("many-problems.yaml", 2, "document.id: 'Example Case' is not a slug: use lower-case letters, "
                                    "digits and '-' (e.g. 'nardaran-case')"),
        at("many-problems.yaml", 5, "document: unknown key 'colour' (allowed: id, title, text, url)"),
        at("many-problems.yaml", 10, "claims[0].sources[0].url: url 'javascript:alert(1)' is not an http(s) URL"),
        at("many-problems.yaml", 12, "duplicate key 'publisher' (first at line 11); only the first one counts"),
        at("many-problems.yaml", 13, "duplicate claim id 'arrests' (first at line 7); ids must be unique"),
        at("many-problems.yaml", 14, "claims[1].text: not found in the document (compared with whitespace and "
                                     "quotes normalised): it matches up to \"More than\" and differs after that"),
        at("many-problems.yaml", 15, "claims[2].text: Input should be a valid string (got a list)"),
        at("many-problems.yaml", 15, "claims[2]: missing key 'id'"),
    ]


# --- a good registry -------------------------------------------------------------------------


def test_good_registry_loads_with_its_document():
    loaded = load_registry(DATA / "good.yaml")
    assert loaded.path == DATA / "good.yaml"
    assert loaded.document_path == DATA / "example.txt"
    assert loaded.document_text == (DATA / "example.txt").read_text()
    claims = {c.id: c for c in loaded.registry.claims}
    assert list(claims) == ["arrests", "arrests-body", "sentences", "final-word"]
    assert claims["arrests"].facts[0].op.value == ">"
    assert claims["arrests"].sources[0].published == "2015-11-27"
    assert claims["sentences"].sources == []
    assert claims["final-word"].facts is None  # inferred later, from the text


def test_claim_text_matches_across_line_breaks_and_quote_styles(tmp_path):
    (tmp_path / "doc.txt").write_text("He said: “It’s done.”\nThe  court\nagreed.\n")
    (tmp_path / "r.yaml").write_text(
        "document: {id: d, title: D, text: doc.txt}\n"
        "claims:\n"
        "  - {id: a, text: 'He said: \"It''s done.\"'}\n"
        "  - {id: b, text: The court agreed.}\n"
    )
    assert len(load_registry(tmp_path / "r.yaml").registry.claims) == 2


# --- commands --------------------------------------------------------------------------------

runner = CliRunner()


def test_validate_prints_a_summary_per_good_file():
    result = runner.invoke(app, ["validate", str(DATA / "good.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{DATA / 'good.yaml'}: ok: 4 claims, 2 sources, 2 unsourced\n"
    assert result.stderr == ""


def test_validate_reports_every_problem_of_every_file_and_exits_2():
    result = runner.invoke(app, ["validate", str(DATA / "duplicate-id.yaml"), str(DATA / "good.yaml"),
                                 str(DATA / "unknown-key.yaml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == problems_of(DATA / "duplicate-id.yaml") + problems_of(
        DATA / "unknown-key.yaml")
    assert "good.yaml: ok:" in result.stdout


def test_console_script_exits_2_without_traceback():
    bad = subprocess.run([str(CITEWATCH), "validate", str(DATA / "many-problems.yaml"),
                          str(DATA / "no-such-registry.yaml")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    lines = bad.stderr.splitlines()
    assert lines == problems_of(DATA / "many-problems.yaml") + [
        f"{DATA / 'no-such-registry.yaml'}: no such registry file; check the path"]


@pytest.mark.slow
def test_console_script_validates_the_nardaran_registry():
    good = subprocess.run([str(CITEWATCH), "validate", "claims/nardaran-case.yaml"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert good.stdout == "claims/nardaran-case.yaml: ok: 24 claims, 30 sources, 2 unsourced\n"


def test_schema_command_prints_the_registry_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema == registry_json_schema()
    assert schema["title"] == "citewatch claims registry"
    assert schema["$defs"]["Claim"]["additionalProperties"] is False
    assert "description" in schema["$defs"]["Claim"]["properties"]["text"]


def test_committed_schema_is_up_to_date():
    committed = (REPO / "docs" / "registry.schema.json").read_text()
    assert committed == runner.invoke(app, ["schema"]).stdout, (
        "docs/registry.schema.json is stale: run `citewatch schema > docs/registry.schema.json`")


def test_schema_accepts_the_nardaran_registry_and_rejects_a_bad_one():
    schema = json.loads((REPO / "docs" / "registry.schema.json").read_text())
    data = YAML(typ="safe").load(NARDARAN)
    jsonschema.validate(data, schema)
    data["claims"][0]["sourcs"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_validate_path_does_not_import_prefect():
    code = ("import sys, flows.cli_registry, citewatch.registry, citewatch.propose; "
            "from citewatch.registry import load_registry; load_registry('claims/nardaran-case.yaml'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- the Nardaran registry -------------------------------------------------------------------


def test_nardaran_registry_keeps_every_claim_with_real_sources():
    registry = load_registry(NARDARAN).registry
    claims = {c.id: c for c in registry.claims}
    assert registry.document.id == "nardaran-case"
    unsourced = sorted(c.id for c in registry.claims if not c.sources)
    assert unsourced == ["elsen-xezer-maddahi", "meykhana-performers"]
    listed = (REPO.parent / "shared" / "sources" / "nardaran-case.md")
    if listed.exists():  # every URL comes from the hand-checked list of sources
        known = listed.read_text()
        assert all(s.url in known for c in registry.claims for s in c.sources)
    sentences = claims["sentences-25-january-2017"].facts
    assert [f.kind for f in sentences] == ["date", "count", "range"]
    assert (sentences[2].low, sentences[2].high, sentences[2].unit) == (10, 20, "years")
    sanctions = claims["us-sanctions-alimardanov-2022"].facts
    assert sanctions[1].name == "Kerim Alimardanov" and "Karim Alimardanov" in sanctions[1].aliases
    assert sanctions[2].kind == "quote"


def test_impossible_dates_and_misshapen_items_are_problems_not_crashes():
    assert problems_of(DATA / "odd-values.yaml") == [
        at("odd-values.yaml", 6, "claims[0]: expected a mapping of keys (id, text, section …), got text "
                                 "'just a sentence, not a claim mapping'"),
        at("odd-values.yaml", 10, "claims[1].facts[0]: missing key 'kind' (one of: count, range, date, "
                                  "entity, quote)"),
        at("odd-values.yaml", 11, "claims[1].facts[1].value: date '2017-13-45' is not YYYY, YYYY-MM or "
                                  "YYYY-MM-DD"),
        at("odd-values.yaml", 13, "claims[1].sources[0]: expected a mapping of keys (url, publisher, "
                                  "title …), got text 'https://example.org/a-url-without-url-key'"),
        at("odd-values.yaml", 14, "claims[1].sources[1].published: date '2017-02-30x' is not YYYY, "
                                  "YYYY-MM or YYYY-MM-DD"),
    ]
