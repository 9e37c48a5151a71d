"""The document parser, sentence splitting, ``citewatch extract`` on the Nardaran document, and
the merge into an existing registry."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from citewatch.document import parse_document, read_document, split_sentences
from citewatch.errors import RegistryError
from citewatch.models import SLUG, Claim
from citewatch.propose import merge, propose_claims
from citewatch.registry import load_registry
from flows.cli import app

REPO = Path(__file__).resolve().parent.parent
NARDARAN_TXT = REPO / "claims" / "nardaran-case.txt"
NARDARAN_YAML = REPO / "claims" / "nardaran-case.yaml"
runner = CliRunner()

# Sentences and infobox rows of the Nardaran document, by their opening words.
PROPOSED = [
    "Date: 25–26 November 2015",
    "Arrests: 70+ people",
    "Convicted: 18 defendants",
    "The Nardaran case or Nardaran events",
    "The Muslim Unity Movement, founded in 2015",
    "After a major controversy",
    "On 25–26 November 2015, Azerbaijani security forces",
    "They reported an armed confrontation",
    "Following the operation, Nardaran was placed",
    "Detainees, including Bagirzade",
    "On 25 January 2017, the Baku Serious Crimes Court",
    "Human rights organisations, including Amnesty International",
    "Several of the detainees filed complaints",
    "In 2022, the United States State Department",
    "Freedom House, Human Rights Watch, and Amnesty International",
    "A variety of Meykhanists",
    "Elsen Xezer in particular",
]
NOT_PROPOSED = [  # no number, range, date, nor a named person/organisation acting
    "Title: Nardaran case",
    "Location: Nardaran, Baku, Azerbaijan",
    "Cause: Azerbaijani state operation",  # an infobox row: a name but no action
    "Participants: Azerbaijani law enforcement",
    "Charges: Terrorism",
    "Outcome: Long prison sentences",
    "Human rights organisations and international observers",
    "Nardaran is known for",
    "Analysts point to",
    "Azerbaijani courts rejected motions",
    "Similar allegations were also reported",
    "International watchdogs describe Azerbaijan",
    "The Nardaran case has been cited",
    "Human rights in Azerbaijan",  # "See also" items are never claims
    "Tartar case",
    "Islam in Azerbaijan",
]
NUMBER_OR_DATE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|thousand|January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b", re.I)


@pytest.fixture(scope="module")
def nardaran():
    return read_document(NARDARAN_TXT)


@pytest.fixture(scope="module")
def proposals(nardaran):
    return propose_claims(nardaran)


# --- the document format ---------------------------------------------------------------------


def test_parse_nardaran_structure(nardaran):
    assert nardaran.title == "Nardaran Case"
    assert [(h.level, h.title) for h in nardaran.headings[:4]] == [
        (1, "Nardaran Case"), (2, "History"), (3, "Background"), (3, "2015 operation and arrests")]
    assert [row.key for row in nardaran.infobox] == [
        "Title", "Location", "Date", "Cause", "Participants", "Arrests", "Convicted", "Charges", "Outcome"]
    assert nardaran.infobox[5].value == "70+ people"
    sentences = nardaran.sentences
    assert len(sentences) == 9 + 21 + 3
    for sentence in sentences:
        assert nardaran.text[sentence.start:sentence.end] == sentence.text
    by_start = {s.text[:25]: s for s in sentences}
    assert by_start["On 25 January 2017, the B"].section == "Trials and sentencing"
    assert by_start["The Nardaran case or Nard"].section is None
    assert by_start["Tartar case"].kind == "list_item" and by_start["Tartar case"].section == "See also"


def test_markdown_and_plain_text_documents():
    markdown = parse_document("# Report\n\n## Findings\nIt rose by 5%. Then it fell.\n\n* one item\n")
    assert markdown.title == "Report"
    assert [(s.section, s.text, s.kind) for s in markdown.sentences] == [
        ("Findings", "It rose by 5%.", "paragraph"), ("Findings", "Then it fell.", "paragraph"),
        ("Findings", "one item", "list_item")]
    plain = parse_document("A first line\nwrapped here. A second sentence.\n\nAnother paragraph.")
    assert plain.title is None
    assert [s.text for s in plain.sentences] == [
        "A first line\nwrapped here.", "A second sentence.", "Another paragraph."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. Army arrived. It left.", ["The U.S. Army arrived.", "It left."]),
        ("J. R. Smith spoke. Then Dr. Aliyev did.", ["J. R. Smith spoke.", "Then Dr. Aliyev did."]),
        ("See No. 5 of the list. It costs 3.5 manat.", ["See No. 5 of the list.", "It costs 3.5 manat."]),
        ('He said "stop." Nobody did! Why? 18 left.', ['He said "stop."', "Nobody did!", "Why?", "18 left."]),
        ("It was e.g. late. Fine.", ["It was e.g. late.", "Fine."]),
        ("Ends in 2015. 70 people came.", ["Ends in 2015.", "70 people came."]),
    ],
)
def test_sentence_splitting(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


# --- proposals for the Nardaran document -----------------------------------------------------


def test_extract_proposes_exactly_the_checkable_sentences(proposals):
    assert len(proposals) == len(PROPOSED)
    for claim, opening in zip(proposals, PROPOSED):
        assert claim.text.startswith(opening)
    for claim in proposals:
        assert not any(claim.text.startswith(opening) for opening in NOT_PROPOSED)


def test_every_sentence_with_a_number_or_a_date_is_proposed(nardaran, proposals):
    proposed = {c.text for c in proposals}
    with_numbers = [s.text for s in nardaran.sentences if s.section != "See also" and NUMBER_OR_DATE.search(s.text)]
    assert len(with_numbers) == 10
    assert all(text in proposed for text in with_numbers)


def test_proposals_are_verbatim_with_facts_and_no_sources(nardaran, proposals):
    text = nardaran.text
    for claim in proposals:
        assert claim.text in text
        assert claim.sources == [] and claim.facts
    by_opening = {c.text[:20]: c for c in proposals}
    arrests = by_opening["Following the operat"].facts
    assert any(f.kind == "count" and f.value == 70 and f.op.value == ">" for f in arrests)
    sentences = by_opening["On 25 January 2017, "]
    assert sentences.section == "Trials and sentencing"
    assert {f.kind for f in sentences.facts} >= {"date", "count", "range"}
    assert by_opening["Arrests: 70+ people"].section == "Infobox"


def test_ids_are_unique_slugs_independent_of_other_claims(nardaran, proposals):
    ids = [c.id for c in proposals]
    assert len(set(ids)) == len(ids)
    assert all(re.match(SLUG, i) for i in ids)
    assert "trials-sentencing-25-january-2017-baku" in ids
    assert "infobox-arrests-70-people" in ids
    # A new paragraph before the others changes no existing id.
    changed = parse_document(nardaran.text.replace("== History ==", "In 2024 a new trial opened.\n\n== History =="))
    again = {c.text: c.id for c in propose_claims(changed)}
    assert {c.text: c.id for c in proposals}.items() <= again.items()


def test_clashing_ids_get_a_hash_of_their_own_text_in_any_order():
    doc = "== Trial ==\nIn 2017 the court met again in Baku.\n\n== Trial ==\nIn 2017 the court met again in Ganja.\n"
    first = {c.text: c.id for c in propose_claims(parse_document(doc))}
    swapped = doc.split("\n\n")[1] + "\n\n" + doc.split("\n\n")[0]
    second = {c.text: c.id for c in propose_claims(parse_document(swapped))}
    assert first == second
    assert len(set(first.values())) == 2
    assert all(re.fullmatch(r"trial-2017-court-met-again-[0-9a-f]{6}", i) for i in first.values())


# --- the command -----------------------------------------------------------------------------


def test_extract_prints_a_registry_that_validates(tmp_path):
    result = runner.invoke(app, ["extract", str(NARDARAN_TXT)])
    assert result.exit_code == 0, result.output
    shutil.copy(NARDARAN_TXT, tmp_path / "nardaran-case.txt")
    (tmp_path / "proposed.yaml").write_text(result.stdout)
    loaded = load_registry(tmp_path / "proposed.yaml")
    assert loaded.registry.document.id == "nardaran-case"
    assert loaded.registry.document.title == "Nardaran Case"
    assert len(loaded.registry.claims) == len(PROPOSED)
    assert all(c.sources == [] for c in loaded.registry.claims)


def test_extract_creates_a_new_registry_with_a_relative_document_path(tmp_path):
    out = tmp_path / "claims" / "new.yaml"
    out.parent.mkdir()
    result = runner.invoke(app, ["extract", str(NARDARAN_TXT), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = YAML(typ="safe").load(out)
    assert (out.parent / data["document"]["text"]).resolve() == NARDARAN_TXT.resolve()
    assert len(data["claims"]) == len(PROPOSED)
    assert f"{out}: {len(PROPOSED)} claims added, 0 changed, 0 kept, 0 no longer in the document" in result.stdout


def test_extract_into_the_nardaran_registry_adds_nothing_and_changes_nothing(tmp_path):
    shutil.copy(NARDARAN_TXT, tmp_path)
    registry = tmp_path / "nardaran-case.yaml"
    shutil.copy(NARDARAN_YAML, registry)
    result = runner.invoke(app, ["extract", str(tmp_path / "nardaran-case.txt"), "-o", str(registry)])
    assert result.exit_code == 0, result.output
    assert "0 claims added, 0 changed, 24 kept, 0 no longer in the document" in result.stdout
    assert registry.read_text() == NARDARAN_YAML.read_text()


def test_one_new_claim_is_counted_in_the_singular(tmp_path):
    document = tmp_path / "nardaran-case.txt"
    document.write_text(NARDARAN_TXT.read_text().replace(
        "=== Trials and sentencing ===", "In March 2016, 12 detainees were released.\n\n=== Trials and sentencing ==="))
    registry = tmp_path / "nardaran-case.yaml"
    shutil.copy(NARDARAN_YAML, registry)
    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{registry}: 1 claim added, 0 changed, 24 kept, 0 no longer in the document"


def test_merge_keeps_sources_follows_an_edited_sentence_adds_new_claims_and_marks_gone_ones(tmp_path):
    document = tmp_path / "nardaran-case.txt"
    text = NARDARAN_TXT.read_text()
    text = text.replace("more than seventy individuals were arrested", "more than eighty individuals were arrested")
    text = text.replace("=== Trials and sentencing ===",
                        "In March 2016, 12 detainees were released.\n\n=== Trials and sentencing ===")
    gone = next(line for line in text.splitlines() if line.startswith("In 2022, the United States"))
    text = text.replace(gone + "\n", "")
    document.write_text(text)
    registry = tmp_path / "nardaran-case.yaml"
    shutil.copy(NARDARAN_YAML, registry)
    before = YAML(typ="safe").load(NARDARAN_YAML)
    gone_ids = [c["id"] for c in before["claims"] if c["text"] in gone]
    assert gone_ids

    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{registry}: claim 'arrests-more-than-seventy': changed: \"more than seventy individuals were "
        "arrested\" → \"more than eighty individuals were arrested\" (re-check)",
        f"{registry}: 1 claim added, 1 changed, {24 - 1 - len(gone_ids)} kept, "
        f"{len(gone_ids)} no longer in the document"]
    assert [line.split(":")[1].strip() for line in result.stderr.splitlines()] == \
        [f"claim '{i}'" for i in gone_ids]
    after = YAML(typ="safe").load(registry)
    assert [c["id"] for c in after["claims"][:24]] == [c["id"] for c in before["claims"]]  # ids and order kept
    for old, new in zip(before["claims"], after["claims"][:24]):
        assert new["sources"] == old["sources"]
        if old["id"] == "arrests-more-than-seventy":
            assert new["text"] == "more than eighty individuals were arrested"
            assert new["facts"] == [{"kind": "count", "value": 80, "op": ">"}]
        elif old["id"] in gone_ids:
            assert new == {**old, "not_in_document": True}
        else:
            assert new == old
    added = after["claims"][24:]
    assert [c["text"] for c in added] == ["In March 2016, 12 detainees were released."]
    assert added[0]["sources"] == [] and added[0]["facts"]
    assert added[0]["section"] == "2015 operation and arrests"
    written = registry.read_text()
    assert written.startswith("# yaml-language-server: $schema=../docs/registry.schema.json\n")
    assert "  # --- trials and sentencing ---" in written  # comments of the existing file kept
    loaded = load_registry(registry)  # validate passes: the gone claim is kept, marked
    assert [c.id for c in loaded.registry.claims if c.not_in_document] == gone_ids

    document.write_text(text + "\n" + gone + "\n")  # the sentence comes back: the mark goes
    again = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert again.exit_code == 0 and again.stderr == ""
    assert not any("not_in_document" in c for c in YAML(typ="safe").load(registry)["claims"])


EDITED = """= Hearings =

== Trial ==
The court held 41 hearings between March and June 2017.
Lawyers said the defendants were beaten in custody in 2016.
The verdict was read on 25 January 2017.
The verdict was read on 25 January 2017.
"""


def _registry_of(tmp_path, text: str):
    document = tmp_path / "hearings.txt"
    document.write_text(text)
    registry = tmp_path / "hearings.yaml"
    first = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert first.exit_code == 0, first.output
    return document, registry


def test_a_repeated_sentence_gets_distinct_ids_and_the_registry_validates(tmp_path):
    _, registry = _registry_of(tmp_path, EDITED)
    ids = [c.id for c in load_registry(registry).registry.claims]
    assert len(ids) == 4 and len(set(ids)) == 4
    repeated = [i for i in ids if i.startswith("trial-verdict-read-25")]
    assert len(repeated) == 2 and repeated[1] == repeated[0] + "-2"
    result = runner.invoke(app, ["validate", str(registry)])
    assert result.exit_code == 0, result.output


def test_a_corrected_number_keeps_the_claim_its_sources_and_its_review(tmp_path):
    from citewatch.db import open_database
    from citewatch.review import active_flags, flag_claim

    document, registry = _registry_of(tmp_path, EDITED)
    data = YAML().load(registry)
    claim = next(c for c in data["claims"] if "41 hearings" in c["text"])
    claim_id = claim["id"]
    claim["sources"] = [{"url": "https://court.example/hearings", "publisher": "Court"}]
    YAML().dump(data, registry)
    engine, sessions = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    flag_claim(sessions, "hearings", claim_id, "ask the clerk", "amina", datetime.now(timezone.utc))

    document.write_text(EDITED.replace("41 hearings", "39 hearings"))
    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])

    assert result.exit_code == 0, result.output
    assert (f"{registry}: claim '{claim_id}': changed: \"The court held 41 hearings between March and June "
            "2017.\" → \"The court held 39 hearings between March and June 2017.\" (re-check)") in result.stdout
    assert "0 claims added, 1 changed, 3 kept, 0 no longer in the document" in result.stdout
    after = {c.id: c for c in load_registry(registry).registry.claims}
    assert len(after) == 4
    moved = after[claim_id]
    assert moved.text == "The court held 39 hearings between March and June 2017."
    assert [s.url for s in moved.sources] == ["https://court.example/hearings"]
    assert any(f.kind == "count" and f.value == 39 for f in moved.facts)
    assert [f.claim_id for f in active_flags(sessions, "hearings")] == [claim_id]  # same id: review stays
    engine.dispose()


def test_facts_written_by_hand_are_kept_and_the_change_says_so(tmp_path):
    document, registry = _registry_of(tmp_path, EDITED)
    data = YAML().load(registry)
    claim = next(c for c in data["claims"] if "41 hearings" in c["text"])
    claim["facts"] = [{"kind": "count", "value": 41, "unit": "hearings"}]
    YAML().dump(data, registry)
    document.write_text(EDITED.replace("41 hearings", "39 hearings"))
    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert result.exit_code == 0, result.output
    assert "facts were written by hand and are kept as they are" in result.stdout
    after = next(c for c in YAML(typ="safe").load(registry)["claims"] if c["id"] == claim["id"])
    assert after["facts"] == [{"kind": "count", "value": 41, "unit": "hearings"}]
    assert "39 hearings" in after["text"]


def test_a_claim_that_is_part_of_a_sentence_stays_a_part(tmp_path):
    document, registry = _registry_of(tmp_path, EDITED)
    data = YAML().load(registry)
    claim = next(c for c in data["claims"] if "beaten" in c["text"])
    claim["text"] = "the defendants were beaten in custody"
    del claim["facts"]
    YAML().dump(data, registry)
    document.write_text(EDITED.replace("were beaten in custody in 2016", "were beaten in police custody in 2016"))
    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert result.exit_code == 0, result.output
    after = next(c for c in YAML(typ="safe").load(registry)["claims"] if c["id"] == claim["id"])
    assert after["text"] == "the defendants were beaten in police custody"
    assert "facts" not in after  # inferred at load, as before


def test_a_changed_first_word_stays_in_the_span():
    from citewatch.claimmatch import corresponding_span

    span = corresponding_span("41 hearings were held", "In all, 39 hearings were held in Baku.")
    assert span.text == "39 hearings were held" and span.coverage == pytest.approx(2 / 3)  # "41" is gone
    assert corresponding_span("the court met", "Nothing alike here.") is None


def test_an_unrelated_sentence_is_not_taken_for_an_edited_one(tmp_path):
    document, registry = _registry_of(tmp_path, EDITED)
    document.write_text(EDITED.replace("Lawyers said the defendants were beaten in custody in 2016.\n",
                                       "In 2019 the parliament passed a new press law.\n"))
    result = runner.invoke(app, ["extract", str(document), "-o", str(registry)])
    assert result.exit_code == 0, result.output
    assert "1 claim added, 0 changed, 3 kept, 1 no longer in the document" in result.stdout
    assert "no longer in" in result.stderr and "marked not_in_document" in result.stderr
    validated = runner.invoke(app, ["validate", str(registry)])
    assert validated.exit_code == 0
    assert validated.stdout == (f"{registry}: ok: 5 claims, 0 sources, 5 unsourced, "
                                "1 no longer in the document (marked not_in_document)\n")


def test_validate_counts_one_claim_and_one_source_in_the_singular(tmp_path):
    (tmp_path / "one.txt").write_text("In 2017 the court met 12 times.\n")
    (tmp_path / "one.yaml").write_text("document: {id: one, title: One, text: one.txt}\nclaims:\n"
                                       "  - {id: met, text: In 2017 the court met 12 times., "
                                       "sources: [{url: 'https://court.example/'}]}\n")
    result = runner.invoke(app, ["validate", str(tmp_path / "one.yaml")])
    assert result.stdout == f"{tmp_path / 'one.yaml'}: ok: 1 claim, 1 source, 0 unsourced\n"


@pytest.mark.parametrize("name, content, says", [
    ("registry.yaml", None, "this is a claims registry, not a document"),
    ("data.json", '{"claims": []}', "a JSON data file, not a document"),
    ("page.txt", "<!DOCTYPE html><html><body><p>In 2017 ten people were arrested.</p></body></html>",
     "an HTML page"),
    ("scan.txt", "In 2017\x00 ten people", "a binary file"),
])
def test_extract_refuses_what_is_not_a_document(tmp_path, name, content, says):
    path = tmp_path / name
    if content is None:
        shutil.copy(NARDARAN_YAML, path)
        shutil.copy(NARDARAN_TXT, tmp_path / "nardaran-case.txt")
    else:
        path.write_text(content)
    out = tmp_path / "out.yaml"
    for args in (["extract", str(path)], ["extract", str(path), "-o", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert says in result.stderr and result.stdout == ""
        assert not out.exists()
    if content is None:
        assert f"citewatch extract {tmp_path / 'nardaran-case.txt'} -o {path}" in result.stderr


def test_merge_gives_a_proposal_whose_id_is_taken_a_hash():
    existing = [Claim(id="trial-2017", text="Something else entirely.")]
    proposed = [Claim(id="trial-2017", text="In 2017 the court met."),
                Claim(id="other", text="Something else entirely.")]
    result = merge(existing, proposed, "Something else entirely. In 2017 the court met.")
    assert [c.id for c in result.added] == ["trial-2017-" + result.added[0].id.rsplit("-", 1)[1]]
    assert result.added[0].id != "trial-2017" and result.kept == existing and result.vanished == []


def test_extract_of_a_missing_document_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nope.txt'}: no such document file; check the path\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_extract_refuses_to_overwrite_something_that_is_not_a_registry(tmp_path):
    target = tmp_path / "list.yaml"
    target.write_text("- a\n- b\n")
    result = runner.invoke(app, ["extract", str(NARDARAN_TXT), "-o", str(target)])
    assert result.exit_code == 2
    assert "not a registry" in result.stderr
    assert target.read_text() == "- a\n- b\n"
