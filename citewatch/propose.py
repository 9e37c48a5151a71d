"""``citewatch extract``: propose a claim for every sentence or infobox row with a checkable fact,
and merge proposals into an existing registry without losing anything.

A sentence is checkable when :func:`citewatch.facts.infer_facts` finds a number, a range or a date
in it, or a named person or organisation in a full sentence (an infobox row has no verb, so a name
alone there is not a claim). Lists under "See also", "References" and the like are never claims.

Ids are stable: a slug of the section and the first key words of the text; when two proposals
would share an id, each gets a short hash of its own text, so an id never depends on the order of
the other claims.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from unidecode import unidecode

from citewatch.claimmatch import match_changed_claims
from citewatch.document import ParsedDocument, Sentence, contains_text, normalize_text
from citewatch.errors import Problem, RegistryError
from citewatch.models import Claim, Fact
from citewatch.registry import read_yaml_file, write_yaml_file

NOT_CLAIM_SECTIONS = frozenset({"see also", "references", "external links", "further reading",
                                "notes", "bibliography", "sources", "citations"})
STOPWORDS = frozenset(
    """a an the and or but of in on at to for with by from as into onto over under about after before
    than then that this these those which who whom whose what when where while was were is are be
    been being has have had its it their they them his her he she its our we you such also some
    several various any all each more most less other another not no only following""".split()
)
SECTION_WORDS = 2
KEY_WORDS = 4

FactFinder = Callable[[str], list]


@dataclass(frozen=True)
class Change:
    """An existing claim whose sentence was edited: it keeps its id, sources and history."""

    claim_id: str
    old_text: str
    new_text: str
    old_section: str | None
    new_section: str | None
    facts_kept: bool = False  # the claim's facts were written by hand and left as they are


@dataclass
class MergeResult:
    added: list[Claim] = field(default_factory=list)  # proposals not yet in the registry
    kept: list[Claim] = field(default_factory=list)  # existing claims whose text is in the document
    changed: list[Change] = field(default_factory=list)  # existing claims that follow an edited sentence
    vanished: list[Claim] = field(default_factory=list)  # existing claims whose sentence is gone


# --- proposing -----------------------------------------------------------------------------


def _default_finder() -> FactFinder:
    from citewatch.facts import infer_facts

    return infer_facts


def is_claim_sentence(sentence: Sentence) -> bool:
    """Whether a sentence may be a claim at all (not an item of "See also" and the like)."""
    return (sentence.section or "").strip().lower() not in NOT_CLAIM_SECTIONS


def is_checkable(facts: Sequence[Any], sentence: Sentence) -> bool:
    """A number, range or date anywhere; a named person/organisation only in a full sentence."""
    if any(f.kind in ("count", "range", "date") for f in facts):
        return True
    return sentence.kind != "infobox" and any(f.kind == "entity" for f in facts)


def propose_claims(document: ParsedDocument, infer: FactFinder | None = None) -> list[Claim]:
    """A claim (id, section, verbatim text, facts, no sources) for each checkable sentence."""
    infer = infer or _default_finder()
    drafts = []
    for sentence in document.sentences:
        if not is_claim_sentence(sentence):
            continue
        text = normalize_text(sentence.text)
        facts = list(infer(text))
        if facts and is_checkable(facts, sentence):
            drafts.append((sentence, text, facts))
    ids = unique_ids([(s.section, t) for s, t, _ in drafts])
    return [Claim(id=claim_id, text=text, section=s.section, facts=facts, sources=[])
            for claim_id, (s, text, facts) in zip(ids, drafts)]


def slug_words(text: str) -> list[str]:
    """Lower-case ASCII words of ``text`` without stop words (digits kept)."""
    words = re.findall(r"[a-z0-9]+", unidecode(text).lower())
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def claim_id(section: str | None, text: str) -> str:
    """``<section words>-<key words>``: deterministic, from the claim's own section and text."""
    head = slug_words(section)[:SECTION_WORDS] if section else ["lead"]
    body = slug_words(text)[:KEY_WORDS] or ["claim"]
    return "-".join(head + body)


def text_hash(text: str) -> str:
    return hashlib.sha1(normalize_text(text).encode()).hexdigest()[:6]


def unique_ids(items: Sequence[tuple[str | None, str]], taken: Iterable[str] = ()) -> list[str]:
    """Ids for ``(section, text)`` pairs; clashing ones (with each other or ``taken``) get a hash."""
    base = [claim_id(section, text) for section, text in items]
    counts: dict[str, int] = {}
    for claim in base:
        counts[claim] = counts.get(claim, 0) + 1
    taken = set(taken)
    ids = [f"{b}-{text_hash(text)}" if counts[b] > 1 or b in taken else b
           for b, (_, text) in zip(base, items)]
    out: list[str] = []
    for claim in ids:  # a sentence repeated in one section: the second gets -2, the third -3
        claim = _numbered(claim, taken | set(out)) if claim in out else claim
        out.append(claim)
    return out


# --- merging -------------------------------------------------------------------------------


def _overlaps(a: str, b: str) -> bool:
    a, b = normalize_text(a), normalize_text(b)
    return a in b or b in a


def merge(existing: Sequence[Claim], proposed: Sequence[Claim], document_text: str,
          sentences: Sequence[Sentence] = ()) -> MergeResult:
    """Existing claims whose text is in the document are kept as they are; one whose text left it
    follows the sentence it became (matched among ``sentences``: same section, most similar text),
    else it is reported as vanished. A proposal is added unless a kept or changed claim covers
    (overlaps) its text; its id never clashes with an existing one."""
    result = MergeResult()
    gone: list[Claim] = []
    for claim in existing:
        (result.kept if contains_text(document_text, claim.text) else gone).append(claim)
    candidates = [s for s in sentences if is_claim_sentence(s)]
    matches = {m.claim_index: m for m in match_changed_claims(
        [(c.text, c.section) for c in gone], candidates, [c.text for c in result.kept])}
    for i, claim in enumerate(gone):
        if i in matches:
            m = matches[i]
            result.changed.append(Change(claim.id, claim.text, m.span.text, claim.section, m.sentence.section))
        else:
            result.vanished.append(claim)
    covering = [c.text for c in result.kept] + [c.new_text for c in result.changed]
    taken = {c.id for c in existing}
    fresh = [p for p in proposed if not any(_overlaps(p.text, text) for text in covering)]
    for claim in fresh:
        if claim.id in taken:
            claim = claim.model_copy(update={"id": f"{claim.id}-{text_hash(claim.text)}"})
        if claim.id in taken:  # the same sentence twice: its second claim gets a number too
            claim = claim.model_copy(update={"id": _numbered(claim.id, taken)})
        taken.add(claim.id)
        result.added.append(claim)
    return result


def _numbered(base: str, taken: set[str]) -> str:
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# --- YAML ----------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def fact_to_yaml(fact: Fact) -> CommentedMap:
    """One fact as a flow mapping (``{kind: count, value: 70, op: '>'}``), defaults left out."""
    data = fact.model_dump(mode="json", exclude_none=True)
    if data.get("op") == "=":
        del data["op"]
    if data.get("aliases") == []:
        del data["aliases"]
    out = CommentedMap((k, _number(v) if isinstance(v, float) else v) for k, v in data.items())
    out.fa.set_flow_style()
    return out


def claim_to_yaml(claim: Claim) -> CommentedMap:
    out = CommentedMap(id=claim.id)
    if claim.section:
        out["section"] = claim.section
    out["text"] = claim.text
    if claim.facts is not None:
        out["facts"] = CommentedSeq(fact_to_yaml(f) for f in claim.facts)
    sources = CommentedSeq()
    sources.fa.set_flow_style()
    out["sources"] = sources
    return out


def new_registry_yaml(document_id: str, title: str, document_file: str, claims: Sequence[Claim]) -> CommentedMap:
    data = CommentedMap()
    data["document"] = CommentedMap(id=document_id, title=title, text=document_file)
    data["claims"] = CommentedSeq(claim_to_yaml(c) for c in claims)
    data.yaml_set_start_comment("Proposed by `citewatch extract`: add sources, then `citewatch validate`.")
    return data


def _claim_items(data: Any) -> list[tuple[dict, Claim]]:
    """Each claim mapping of round-trip registry data with its claim, unvalidated (a registry
    being repaired still merges)."""
    claims = data.get("claims") if isinstance(data, dict) else None
    return [(c, Claim.model_construct(id=str(c.get("id", "")), text=c["text"],
                                      section=c.get("section") if isinstance(c.get("section"), str) else None))
            for c in claims or [] if isinstance(c, dict) and isinstance(c.get("text"), str)]


def existing_claims(data: Any) -> list[Claim]:
    """The claims of round-trip registry data, unvalidated."""
    return [claim for _, claim in _claim_items(data)]


def document_slug(path: Path) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", unidecode(path.stem).lower())) or "document"


def update_registry_file(registry_path: str | Path, document_path: str | Path,
                         document: ParsedDocument, proposed: Sequence[Claim],
                         infer: FactFinder | None = None) -> MergeResult:
    """Merge proposals into the registry at ``registry_path`` (created when missing), keeping its
    claims, sources and comments: a claim whose sentence was edited follows it (same id, new text
    and section; its facts too unless they were written by hand), a claim whose sentence is gone
    is marked ``not_in_document: true``; returns what was added, changed and gone."""
    registry_path = Path(registry_path)
    data = read_yaml_file(registry_path) if registry_path.exists() else None
    if data is not None and not isinstance(data, dict):
        raise RegistryError([Problem(str(registry_path), 1, "not a registry (a mapping with 'document:' "
                                                            "and 'claims:'); nothing was written")])
    if isinstance(data, dict):
        items = _claim_items(data)
        result = merge([c for _, c in items], proposed, document.text, document.sentences)
        by_id = {claim.id: item for item, claim in items}
        infer = infer or _default_finder()
        result.changed = [follow_change(by_id[c.claim_id], c, infer) for c in result.changed]
        for claim in result.vanished:
            by_id[claim.id]["not_in_document"] = True
        for claim in result.kept:
            by_id[claim.id].pop("not_in_document", None)  # its text is back
        if not isinstance(data.get("claims"), list):
            data["claims"] = CommentedSeq()
        data["claims"].extend(claim_to_yaml(c) for c in result.added)
    else:
        document_path = Path(document_path)
        relative = os.path.relpath(document_path.resolve(), registry_path.resolve().parent)
        data = new_registry_yaml(document_slug(document_path), document.title or document_path.stem,
                                 relative, proposed)
        result = MergeResult(added=list(proposed))
    write_yaml_file(registry_path, data)
    return result


def facts_as_proposed(item: dict, text: str, infer: FactFinder) -> bool:
    """Whether a claim's written facts are the ones ``extract`` infers from ``text`` (not edited)."""
    written = item.get("facts")
    if not isinstance(written, list):
        return False
    proposed = [dict(fact_to_yaml(f)) for f in infer(normalize_text(text))]
    return [dict(f) if isinstance(f, dict) else f for f in written] == proposed


def follow_change(item: dict, change: Change, infer: FactFinder) -> Change:
    """Point a claim's mapping (a CommentedMap: its comments stay) at its edited sentence. Facts
    that ``extract`` proposed follow the
    new text; facts written by hand are left alone (the returned change says so)."""
    hand_written = "facts" in item and not facts_as_proposed(item, change.old_text, infer)
    if "facts" in item and not hand_written:
        item["facts"] = CommentedSeq(fact_to_yaml(f) for f in infer(normalize_text(change.new_text)))
    item["text"] = change.new_text
    if change.new_section and change.new_section != change.old_section:
        item["section"] = change.new_section
    item.pop("not_in_document", None)
    return replace(change, facts_kept=hand_written)
