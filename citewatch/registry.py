"""Claims registries: YAML in and out, validated with every problem pointing at its line.

:func:`load_registry` reads a registry, checks it and returns a :class:`LoadedRegistry`, or raises
:class:`~citewatch.errors.RegistryError` with *all* the problems of the file, each as
``FILE:LINE: message``. What it checks: YAML syntax, duplicate YAML keys, the models of
:mod:`citewatch.models` (unknown or missing keys, wrong types, non-http(s) URLs, bad dates),
duplicate claim ids, the document file, every claim ``text`` being a span of the document, and
explicit facts that contradict the claim's own text.

Whatever the bytes, a load ends quickly with problems or a registry: the YAML's nesting and alias
expansion are bounded before anything is built (:mod:`citewatch.yamlbounds`), and the document
file must be a regular file of bounded size inside the registry's folder
(:mod:`citewatch.documentfile`).

The YAML is read with ruamel's round-trip loader because it remembers where every node came from;
pydantic's error locations are mapped back to those lines.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from citewatch.atomicfile import write_atomic
from citewatch.document import contains_text, longest_matching_prefix
from citewatch.documentfile import MAX_REGISTRY_BYTES, as_text, read_document, read_regular_file
from citewatch.errors import DocumentError, Problem, RegistryError
from citewatch.models import (
    SLUG,
    Claim,
    CountFact,
    DateFact,
    Document,
    EntityFact,
    QuoteFact,
    RangeFact,
    Registry,
    Source,
    Verdict,
)
from citewatch.plainyaml import read_plain_yaml
from citewatch.yamlbounds import check_yaml_bounds

SCHEMA_TITLE = "citewatch claims registry"
FACT_MODELS: dict[str, type[BaseModel]] = {"count": CountFact, "range": RangeFact, "date": DateFact,
                                           "entity": EntityFact, "quote": QuoteFact}
_CHILD_MODELS: dict[str, type[BaseModel]] = {"document": Document, "claims": Claim, "sources": Source}

# What contradicted_facts said of each claim, by fact_check_key(claim): lets a later load by the
# same code skip the check of every claim whose text and facts did not change.
FactChecks = dict[str, list[tuple[int, str]]]


@dataclass(frozen=True)
class LoadedRegistry:
    registry: Registry
    path: Path
    document_text: str | None  # the document the claims come from; None when it names no file

    @property
    def document_path(self) -> Path | None:
        text = self.registry.document.text
        return self.path.parent / text if text else None


# --- YAML in and out -----------------------------------------------------------------------


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps an impossible date (``2017-13-45``) as text, so that the
    model reports it at its line instead of the YAML library raising."""

    def construct_yaml_timestamp(self, node, values=None):
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = True  # reported as problems, with both lines, instead of raising
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # one claim text per line: readable diffs, greppable
    yaml.preserve_quotes = True
    return yaml


def read_yaml(text: str) -> Any:
    """Round-trip YAML (keeps comments, order and line numbers). Raises ruamel's YAMLError."""
    return _yaml().load(text)


def read_yaml_file(path: str | Path) -> Any:
    """Round-trip data of a YAML file; invalid YAML raises :class:`RegistryError` with its line."""
    text = Path(path).read_text(encoding="utf-8")
    check_yaml_bounds(text, str(path))
    try:
        return read_yaml(text)
    except YAMLError as exc:
        raise RegistryError([_yaml_problem(str(path), exc)]) from None


def write_yaml_file(path: str | Path, data: Any) -> None:
    """Write round-trip data atomically: a crash never leaves half a registry behind."""
    write_atomic(Path(path), dump_yaml(data))


def dump_yaml(data: Any) -> str:
    """YAML text of round-trip data, in the registry's layout (comments of the input kept)."""
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def registry_json_schema() -> dict:
    """The JSON Schema of a registry file, for editors (``citewatch schema``)."""
    schema = Registry.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": SCHEMA_TITLE}


# --- loading and checking ------------------------------------------------------------------


def load_registry(path: str | Path, *, fact_checks: FactChecks | None = None) -> LoadedRegistry:
    """Read and check a registry; :class:`RegistryError` lists every problem of the file.

    ``fact_checks`` (optional) holds results of :func:`contradicted_facts` from earlier loads *by
    this same code*; they are used and the missing ones added (see :mod:`citewatch.registrystore`)."""
    path = Path(path)
    name = str(path)
    try:
        raw = read_regular_file(path, MAX_REGISTRY_BYTES, "the registry")
    except FileNotFoundError:
        raise RegistryError([Problem(name, 0, "no such registry file; check the path")]) from None
    except DocumentError as exc:
        raise RegistryError([Problem(name, 0, str(exc))]) from None
    except OSError as exc:
        raise RegistryError([Problem(name, 0, f"cannot be read ({exc.strerror})")]) from None
    try:
        source = as_text(raw)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise RegistryError([Problem(name, line, f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                                 "save it as UTF-8")]) from None

    checks = {} if fact_checks is None else fact_checks
    return _load_plain(path, source, checks) or _load_with_lines(path, source, checks)


def _load_plain(path: Path, source: str, fact_checks: FactChecks) -> LoadedRegistry | None:
    """The fast path: the registry when the file is plain data (:mod:`citewatch.plainyaml`) and
    passes every check; None otherwise. It never reports a problem itself: a file with any problem
    is read again by :func:`_load_with_lines`, so every message comes from one place, with lines."""
    name = str(path)
    try:
        data = read_plain_yaml(source)
    except Exception:  # NotPlain, a YAML error or any surprise of libyaml: the slow path decides
        return None
    if not isinstance(data, dict):
        return None
    try:
        registry = Registry.model_validate(data)
    except ValidationError:
        return None
    document_text, document_problems = _read_document(name, path.parent, data)
    if document_problems or _duplicate_claim_ids(name, data):
        return None
    if document_text is not None and _claims_not_in_document(name, data, document_text):
        return None
    if any(claim.facts and _checked_facts(claim, fact_checks) for claim in registry.claims):
        return None
    return LoadedRegistry(registry=registry, path=path, document_text=document_text)


def _load_with_lines(path: Path, source: str, fact_checks: FactChecks | None = None) -> LoadedRegistry:
    """The full path: ruamel's round-trip composer keeps every node's line for the problems."""
    name = str(path)
    check_yaml_bounds(source, name)  # before ruamel builds anything (the fast path takes no aliases)
    yaml = _yaml()
    try:
        node = yaml.compose(source)  # parsed once: nodes for duplicate keys, data with line numbers
        data = yaml.constructor.construct_document(node) if node is not None else None
    except YAMLError as exc:
        problem = _yaml_problem(name, exc)
        raise RegistryError([Problem(name, problem.line, problem.message + _document_hint(path))]) from None
    except (ValueError, TypeError) as exc:  # a value the YAML library cannot build
        raise RegistryError([Problem(name, 1, f"invalid YAML: {exc}")]) from None
    if data is None:
        raise RegistryError([Problem(name, 1, "empty registry; it needs 'document:' and 'claims:'")])
    if not isinstance(data, dict):
        raise RegistryError([Problem(name, 1, f"a registry is a mapping with 'document:' and 'claims:', "
                                              f"not {_type_name(data)}{_document_hint(path)}")])

    problems = list(_duplicate_keys(name, node))
    registry = None
    try:
        registry = Registry.model_validate(data)
    except ValidationError as exc:
        problems += [_pydantic_problem(name, data, error) for error in exc.errors()]
    problems += _duplicate_claim_ids(name, data)
    document_text, document_problems = _read_document(name, path.parent, data)
    problems += document_problems
    if document_text is not None:
        problems += _claims_not_in_document(name, data, document_text)
    problems += _contradicting_facts(name, data, {} if fact_checks is None else fact_checks)

    if problems:
        raise RegistryError(sorted(set(problems), key=lambda p: (p.line, p.message)))
    assert registry is not None
    return LoadedRegistry(registry=registry, path=path, document_text=document_text)


def _document_hint(path: Path) -> str:
    """A document given where its registry belongs (``validate claims/x.txt``) fails as YAML."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return ""
    return f"; is this the document? Give its registry ({path.stem}.yaml), or run `citewatch extract {path}`"


def _yaml_problem(name: str, exc: YAMLError) -> Problem:
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        line = exc.problem_mark.line + 1
        message = f"invalid YAML: {exc.problem}"
        if "'\\t'" in (exc.problem or ""):
            message += " (indent with spaces; YAML does not allow tabs)"
        if exc.context and exc.context_mark is not None:
            started = exc.context_mark.line + 1
            message += f" {exc.context} that starts at line {started}"
            if "end of stream" in (exc.problem or ""):
                line = started  # the end of the file says nothing; the unclosed thing does
        return Problem(name, line, message)
    return Problem(name, 1, f"invalid YAML: {exc}")


def _duplicate_keys(name: str, node: Node | None) -> Iterator[Problem]:
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    yield Problem(name, line, f"duplicate key '{key.value}' (first at line "
                                              f"{seen[key.value]}); only the first one counts")
                else:
                    seen[key.value] = line
            yield from _duplicate_keys(name, value)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(name, item)


def _claims(data: dict) -> list[tuple[int, dict]]:
    claims = data.get("claims")
    if not isinstance(claims, list):
        return []
    return [(i, c) for i, c in enumerate(claims) if isinstance(c, dict)]


def _line(node: Any, key: Any = None) -> int:
    """1-based line of ``node`` or of its ``key`` (a mapping key or a list index)."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 1
    if key is None:
        return lc.line + 1
    if isinstance(node, list):
        return lc.item(key)[0] + 1
    return lc.key(key)[0] + 1


def _duplicate_claim_ids(name: str, data: dict) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for _, claim in _claims(data):
        claim_id = claim.get("id")
        if not isinstance(claim_id, str):
            continue
        line = _line(claim, "id")
        if claim_id in seen:
            problems.append(Problem(name, line, f"duplicate claim id '{claim_id}' (first at line "
                                                f"{seen[claim_id]}); ids must be unique"))
        else:
            seen[claim_id] = line
    return problems


def _read_document(name: str, folder: Path, data: dict) -> tuple[str | None, list[Problem]]:
    document = data.get("document")
    if not isinstance(document, dict) or not isinstance(document.get("text"), str):
        return None, []
    relative = document["text"]
    line = _line(document, "text")
    try:
        return read_document(folder, relative), []
    except DocumentError as exc:
        message = f"document.text: {exc}"
    except FileNotFoundError:
        message = (f"document.text: document file '{relative}' not found (looked for "
                   f"{folder / relative}); the path is relative to the registry file")
    except UnicodeDecodeError as exc:
        at = exc.object[:exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
        message = (f"document.text: '{relative}' is not UTF-8 text ({exc.reason}"
                   + (f" on its line {at}" if at else "") + "); save it as UTF-8")
    except OSError as exc:
        message = f"document.text: '{relative}' cannot be read ({exc.strerror})"
    return None, [Problem(name, line, message)]


def _claims_not_in_document(name: str, data: dict, document_text: str) -> list[Problem]:
    problems = []
    for i, claim in _claims(data):
        text = claim.get("text")
        if not isinstance(text, str) or not text.strip() or contains_text(document_text, text) \
                or claim.get("not_in_document") is True:  # extract keeps a gone claim, marked
            continue
        prefix = longest_matching_prefix(document_text, text)
        hint = (f'it matches up to "{_tail(prefix)}" and differs after that' if prefix
                else "not even its first word matches")
        problems.append(Problem(name, _line(claim, "text"),
                                f"claims[{i}].text: not found in the document (compared with whitespace "
                                f"and quotes normalised): {hint}"))
    return problems


def _tail(text: str, width: int = 40) -> str:
    return text if len(text) <= width else "…" + text[-width:]


# --- facts against the claim's own text ----------------------------------------------------


def _contradicting_facts(name: str, data: dict, fact_checks: FactChecks) -> list[Problem]:
    problems = []
    for i, raw in _claims(data):
        if not raw.get("facts"):
            continue
        try:
            claim = Claim.model_validate(raw)
        except ValidationError:
            continue  # already reported by the model check
        for index, message in _checked_facts(claim, fact_checks):
            problems.append(Problem(name, _line(raw["facts"], index),
                                    f"claims[{i}].facts[{index}]: {message}"))
    return problems


def fact_check_key(claim: Claim) -> str:
    """All that :func:`contradicted_facts` reads of a claim (its text and facts), as a digest."""
    facts = [fact.model_dump(mode="json") for fact in claim.facts or []]
    return hashlib.sha256(json.dumps([claim.text, facts], sort_keys=True).encode()).hexdigest()


def _checked_facts(claim: Claim, fact_checks: FactChecks) -> list[tuple[int, str]]:
    key = fact_check_key(claim)
    if key not in fact_checks:
        fact_checks[key] = contradicted_facts(claim)
    return [(index, message) for index, message in fact_checks[key]]


def contradicted_facts(claim: Claim) -> list[tuple[int, str]]:
    """``(index, message)`` for each explicit fact of ``claim`` that its own text contradicts."""
    from citewatch.check import check_claim  # only when a claim has explicit facts: keeps loading fast

    result = check_claim(claim.text, claim.text, facts=claim.facts)
    if result.verdict != Verdict.CONTRADICTED:
        return []
    out = []
    for fact_result in result.facts:
        if getattr(fact_result.outcome, "value", fact_result.outcome) != "contradicted":
            continue
        index = next((i for i, f in enumerate(claim.facts or []) if f == fact_result.fact), 0)
        says = f", which says {fact_result.found}" if fact_result.found else ""
        out.append((index, f"fact {describe_fact(fact_result.fact)} contradicts the claim text{says}"))
    return out


def describe_fact(fact: Any) -> str:
    """Short words for a fact: ``count > 70``, ``range 10–20 years``, ``date 2017-01-25``."""
    from citewatch.facts import fact_label

    return f"{fact.kind} {fact_label(fact)}"


# --- pydantic errors to lines --------------------------------------------------------------


def _pydantic_problem(name: str, data: dict, error: ErrorDetails) -> Problem:
    loc = error["loc"]
    node: Any = data
    path, line = "", 1
    model: type[BaseModel] | str | None = Registry  # "fact": the kind of the fact picks the model
    unresolved: list[Any] = []
    for part in loc:
        if unresolved:
            unresolved.append(part)
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            line, node = _line(node, part), node[part]
            path += f"[{part}]"
            if model == "fact":
                model = FACT_MODELS.get(str(node.get("kind"))) if isinstance(node, dict) else None
        elif isinstance(node, dict) and part in node:
            line, node = _line(node, part), node[part]
            path += f".{part}" if path else str(part)
            model = "fact" if part == "facts" else _CHILD_MODELS.get(str(part), model)
        elif isinstance(node, dict) and isinstance(part, str) and part in FACT_MODELS:
            continue  # the discriminator tag pydantic adds for a fact: not a node of the YAML
        else:
            unresolved.append(part)
    where = path or "registry"
    kind = error["type"]
    if kind == "missing":
        return Problem(name, line, f"{where}: missing key '{_key(unresolved)}'")
    if kind == "extra_forbidden":
        key = loc[-1]
        return Problem(name, line, f"{_parent(path)}: unknown key '{key}'{_allowed(model, key)}")
    if kind == "union_tag_not_found":
        return Problem(name, line, f"{where}: missing key 'kind' (one of: {', '.join(FACT_MODELS)})")
    if kind == "model_type":
        expected = _CHILD_MODELS.get(path.rsplit(".", 1)[-1].split("[")[0])
        keys = f" ({', '.join(list(expected.model_fields)[:3])} …)" if expected else ""
        return Problem(name, line, f"{where}: expected a mapping of keys{keys}, got "
                                   f"{_type_name(error.get('input'))}")
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == SLUG:
        return Problem(name, line, f"{where}: {error.get('input')!r} is not a slug: use lower-case "
                                   "letters, digits and '-' (e.g. 'nardaran-case')")
    message = error["msg"].removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        message += f" (got {_type_name(error.get('input'))})"
    return Problem(name, line, f"{where}: {message}")


def _key(parts: list[Any]) -> str:
    return ".".join(str(p) for p in parts) or "?"


def _parent(path: str) -> str:
    head = path.rsplit(".", 1)[0] if "." in path else ""
    return head or "registry"


def _allowed(model: type[BaseModel] | str | None, key: object) -> str:
    if not isinstance(model, type):
        return ""
    fields = list(model.model_fields)
    close = difflib.get_close_matches(str(key), fields, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f" ({hint}allowed: {', '.join(fields)})"


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {value[:60]!r}" + ("…" if len(value) > 60 else "")
    return type(value).__name__
