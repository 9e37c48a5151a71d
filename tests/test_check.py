"""check_claim over the labelled set, the Nardaran claims, the combination rule and `citewatch check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from citewatch.check import check_claim, combine_source_verdicts
from citewatch.models import CountFact, DateFact, Fact, FactOutcome, Op, Verdict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_cases.load import load_cases  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CITEWATCH = str(REPO / ".venv" / "bin" / "citewatch")
FACTS = TypeAdapter(list[Fact])
CASES = load_cases()


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=f"{case.file.removesuffix('.yaml')}/{case.id}", marks=marks)


def test_the_labelled_set_is_large_and_covers_every_verdict():
    assert len(CASES) >= 80
    assert {c.expected for c in CASES} == {"supported", "partially_supported", "contradicted", "not_found"}
    assert any(len(c.text) > 100_000 for c in CASES)
    # The known misses stay visible (strict xfail). Four are supported paraphrases that the wording
    # rule (docs/verdicts.md, "the claim's other words") calls partially_supported: the price
    # of fewer wrong "supported" answers on every public set (benchmarks/README.md). No more.
    assert sum(1 for c in CASES if c.xfail) <= 5


@pytest.mark.parametrize("case", _params())
def test_labelled_case(case):
    facts = FACTS.validate_python(case.facts) if case.facts else None
    result = check_claim(case.claim, case.text, facts=facts, published=case.published, subject=case.subject)
    assert result.verdict.value == case.expected, [f"{f.outcome.value} {f.fact} {f.found!r}" for f in result.facts]
    for passage in result.evidence:  # offsets always point into the checked text
        assert case.text[passage.start : passage.end] == passage.text
        for start, end in passage.highlights:
            assert passage.start <= start < end <= passage.end
    for fact in result.facts:
        if fact.start is not None:
            assert case.text[fact.start : fact.end]
    if result.verdict in (Verdict.SUPPORTED, Verdict.CONTRADICTED, Verdict.PARTIALLY_SUPPORTED):
        assert result.evidence, "a verdict other than not_found carries its passage"
    assert 0.0 <= result.confidence <= 1.0


def test_garbled_and_huge_texts_never_break_the_check():
    import random

    rng = random.Random(4)
    pieces = list("abc XYZ 0123456789.,;:-–()\"“”«»\n/#%+əğışАБв") + [" more than ", " 18 ", " 2017 ", " not ",
                                                                       "Related\n", " sentenced ", " January "]
    for case in CASES[:60]:
        text = list(case.text[:2000])
        for _ in range(rng.randint(1, 30)):
            text[rng.randint(0, len(text)) : 0] = rng.choice(pieces)
        text = "".join(text)
        result = check_claim(case.claim, text, published=rng.choice([None, "2017", "2017-01-26", "26 Jan"]))
        for passage in result.evidence:
            assert text[passage.start : passage.end] == passage.text
    run_on = "word " * 250_000 + "over 70 people were arrested " + "word " * 10_000
    result = check_claim("more than seventy individuals were arrested", run_on)
    assert result.verdict is Verdict.SUPPORTED
    assert run_on[result.evidence[0].start : result.evidence[0].end] == result.evidence[0].text


# --- Nardaran, in the spirit of its real sources ----------------------------------------

SANCTIONS = (
    "In 2022, the United States State Department imposed Magnitsky-style sanctions on one of the Azerbaijani "
    'police colonels involced in the case - Kerim Alimardanov "for involvement in gross human rights '
    'violations, namely, torturing detainees in 2015 and 2016".'
)
SENTENCES = (
    "On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms ranging from 10 to 20 years."
)


def test_state_department_on_9_december_2022_supports_in_2022():
    text = ("On Friday, 9 December 2022, the State Department designated Kerim Heydar Alimardanov, a police "
            "colonel, for involvement in a gross violation of human rights.")
    result = check_claim(SANCTIONS, text, facts=[DateFact(value="2022")])
    assert result.verdict is Verdict.SUPPORTED
    date = result.facts[0]
    assert date.outcome is FactOutcome.FOUND and text[date.start : date.end] == "9 December 2022"


def test_seventeen_sentenced_contradicts_eighteen_and_shows_the_passage():
    text = ("Trial ends in Baku.\nOn 25 January 2017 the Baku Serious Crimes Court sentenced 17 people to prison "
            "terms ranging from 10 to 20 years. 18 comments")
    result = check_claim(SENTENCES, text)
    assert result.verdict is Verdict.CONTRADICTED
    count = next(f for f in result.facts if isinstance(f.fact, CountFact))
    assert count.outcome is FactOutcome.CONTRADICTED and count.found == "17"
    assert "sentenced 17 people" in result.evidence[count.evidence].text


def test_the_inferred_facts_of_the_sentence_claim_all_found():
    text = "On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms ranging from 10 to 20 years."
    result = check_claim(SENTENCES, "Menu\n" + text + "\nRelated: 20 years of oil")
    assert result.verdict is Verdict.SUPPORTED
    assert {f.outcome for f in result.facts} == {FactOutcome.FOUND}
    assert result.confidence >= 0.7


def test_at_least_68_neither_supports_nor_contradicts_more_than_seventy():
    result = check_claim("more than seventy individuals were arrested",
                         "At least 68 supporters have been arrested since the assault.",
                         facts=[CountFact(value=70, op=Op.GT)])
    assert result.verdict is Verdict.NOT_FOUND
    assert result.facts[0].outcome is FactOutcome.MISSING


def test_publication_date_is_not_the_event_date():
    text = "Published 14 December 2022\nThe State Department imposed sanctions on Kerim Alimardanov."
    result = check_claim("In 2022, the State Department imposed sanctions on Kerim Alimardanov.", text,
                         published="2022-12-14")
    assert result.verdict is Verdict.NOT_FOUND  # the names alone are anchors, never facts
    assert next(f for f in result.facts if isinstance(f.fact, DateFact)).outcome is FactOutcome.MISSING


# --- several sources ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "verdicts, expected",
    [
        ([], Verdict.UNSOURCED),
        ([Verdict.SUPPORTED], Verdict.SUPPORTED),
        ([Verdict.SUPPORTED, Verdict.NOT_FOUND], Verdict.SUPPORTED),
        ([Verdict.SUPPORTED, Verdict.CONTRADICTED], Verdict.CONTRADICTED),
        ([Verdict.NOT_FOUND, Verdict.CONTRADICTED, Verdict.UNVERIFIABLE], Verdict.CONTRADICTED),
        ([Verdict.PARTIALLY_SUPPORTED, Verdict.NOT_FOUND], Verdict.PARTIALLY_SUPPORTED),
        ([Verdict.UNVERIFIABLE, Verdict.UNVERIFIABLE], Verdict.UNVERIFIABLE),
        ([Verdict.UNVERIFIABLE, Verdict.NOT_FOUND], Verdict.NOT_FOUND),
        ([Verdict.UNVERIFIABLE, Verdict.SUPPORTED], Verdict.SUPPORTED),
        (["partially_supported", "supported"], Verdict.SUPPORTED),
    ],
)
def test_combine_source_verdicts(verdicts, expected):
    assert combine_source_verdicts(verdicts) is expected


# --- the command -------------------------------------------------------------------------


def _invoke(*args: str, stdin: str | None = None):
    from typer.testing import CliRunner

    from flows.cli import app

    return CliRunner().invoke(app, ["check", *args], input=stdin)


def test_cli_check_text_file_prints_verdict_and_passage(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("Residents said that over 70 people were arrested in total.\n85 comments\n", encoding="utf-8")
    done = _invoke("--claim", "more than seventy individuals were arrested", "--text-file", str(source))
    assert done.exit_code == 0, done.output
    assert "supported" in done.output and "over 70 people were arrested" in done.output

    done = _invoke("--claim", "more than seventy individuals were arrested", "--text-file", str(source), "--json")
    data = json.loads(done.stdout)
    assert data["verdict"] == "supported"
    assert data["evidence"][0]["text"] == "Residents said that over 70 people were arrested in total."
    assert data["facts"][0]["outcome"] == "found" and data["facts"][0]["fact"] == {
        "kind": "count", "value": 70.0, "op": ">", "unit": None}


def test_cli_check_batch_one_result_per_line_and_errors_per_line():
    lines = [
        {"id": "a", "claim": "18 people were sentenced", "text": "The court sentenced 17 people."},
        "this is not JSON",
        {"id": "c", "claim": "In 2022 sanctions were imposed", "text": "x", "facts": [{"kind": "count"}]},
        {"id": "d", "claim": "In 2022 sanctions were imposed", "text": "On 9 December sanctions were imposed.",
         "published": "2022-12-14"},
        {"id": "e", "claim": "x"},
        {"id": "f", "claim": "over 70 were arrested", "text": "Police arrested 72 people.",
         "facts": [{"kind": "count", "value": 70, "op": ">"}]},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    done = _invoke("--batch", "-", stdin=stdin)
    assert done.exit_code == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", "d", "e", "f"]
    assert out[0]["verdict"] == "contradicted"
    assert out[1]["line"] == 2 and "not valid JSON" in out[1]["error"]
    assert "facts" in out[2]["error"]
    assert out[3]["verdict"] == "supported"
    assert '"text"' in out[4]["error"]
    assert out[5]["verdict"] == "supported"


def test_cli_check_url_fetches_extracts_and_checks(monkeypatch, tmp_path):
    from citewatch.testing.fixture_web import FixtureWeb, html_page

    monkeypatch.setenv("CITEWATCH_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("CITEWATCH_READ_TIMEOUT", "5")
    monkeypatch.setenv("CITEWATCH_MAX_RETRIES", "0")
    article = ("<p>The Baku Serious Crimes Court on Wednesday sentenced 17 people to prison terms ranging from "
               "10 to 20 years, lawyers said.</p><p>The defendants had complained of torture in custody.</p>")
    with FixtureWeb() as web:
        web[0].route("/news/verdict", html_page("Verdict in Nardaran case", article))
        done = _invoke("--claim", SENTENCES, "--url", web[0].url("/news/verdict"), "--json")
        assert done.exit_code == 0, done.output
        data = json.loads(done.stdout)
        assert data["verdict"] == "contradicted"
        assert data["source"]["title"] == "Verdict in Nardaran case"
        assert data["source"]["published"] == "2017-01-25"
        assert any(f["outcome"] == "contradicted" and f["found"] == "17" for f in data["facts"])

        done = _invoke("--claim", SENTENCES, "--url", web[0].url("/gone"))
        assert done.exit_code != 0


def test_cli_check_usage_errors_are_clear(tmp_path):
    done = _invoke("--claim", "x")
    assert done.exit_code == 2 and "exactly one of --text-file" in done.output
    done = _invoke("--batch", "-", "--claim", "x", stdin="")
    assert done.exit_code == 2 and "leave out --claim" in done.output
    done = subprocess.run([CITEWATCH, "check", "--claim", "x", "--text-file", str(tmp_path / "missing.txt")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "cannot read the text file" in done.stderr and "Traceback" not in done.stderr


# --- the Nardaran registry's own claims and facts, through `check --batch` ------------------

NARDARAN_SOURCES = [
    ("arrests-more-than-seventy", "supported", None,
     "In the evening of 26 November 2015 security forces stormed Nardaran. Over 70 people were arrested in total."),
    ("arrests-more-than-seventy", "not_found", None,
     "Since the assault, at least 68 supporters of Taleh Bagirzade have been arrested, Forum 18 notes."),
    ("arrests-more-than-seventy", "not_found", None,
     "About 70 more people were arrested, most of them released after a few days."),
    ("infobox-arrests", "supported", "2018-03-16", "Over 70 people were arrested in total."),
    ("sentences-25-january-2017", "contradicted", "2017-01-26",
     "On 25 January 2017 the Baku Serious Crimes Court sentenced 17 people to prison terms of 10 to 20 years."),
    ("infobox-convicted", "partially_supported", "2017",
     "On 25 January the Serious Crimes Court sentenced Taleh Bagirov and Abbas Huseynov to 20 years each and "
     "16 others to long terms of imprisonment."),
    ("movement-founded-2015", "supported", None,
     "The movement was created by Imam Bagirzade on 13 January 2015."),
    ("movement-founded-2015", "supported", "2022-09-12",
     "The Muslim Unity Movement was established at the beginning of 2015 by Taleh Bagirov."),
    ("deaths-two-police-officers", "supported", "2015-11-26",
     "Polis 6 nəfərin öldüyünü bildirib: 2 polis əməkdaşı və 4 sakin."),
    ("us-sanctions-alimardanov-2022", "supported", "2022-12-13",
     "On Friday, December 9, 2022, the Department of State designated Kerim Heydar Alimardanov \u201cfor "
     "involvement in gross human rights violations, namely, torturing detainees in 2015 and 2016.\u201d"),
    ("us-sanctions-alimardanov-2022", "contradicted", None,
     "The State Department imposed sanctions on Kerim Alimardanov in 2021."),
    # --- every sourced claim, in the spirit of each of its real sources (verdicts written first) ---
    ('infobox-date', 'supported', '2017-01-26',
     'Most of the men were arrested on 26 November 2015 in a police raid in Nardaran, a suburb of Baku.'),
    ('infobox-date', 'supported', '2015',
     'Clashes between police and Shiite believers in Nardaran on 25–26 November left several people dead.'),
    ('infobox-date', 'not_found', '2017',
     'On 25 January 2017 the Serious Crimes Court in Baku handed down long prison sentences to 18 '
     'defendants.'),
    ('infobox-cause', 'partially_supported', '2017-01-26',
     'Most of the men, members of the Muslim Unity Movement, were arrested on 26 November 2015 in a police '
     'raid in Nardaran, a suburb of Baku.'),
    ('infobox-cause', 'partially_supported', None,
     'Azerbaijani authorities say theologian Taleh Bagirzade, who founded the Muslim Unity Movement in '
     'January, plotted a coup; he was detained in the police operation in Nardaran.'),
    ('infobox-arrests', 'not_found', '2016',
     'At least 68 supporters have been arrested since the assault.'),
    ('infobox-arrests', 'not_found', None,
     'About 70 more people were arrested, most of them released after a few days.'),
    ('infobox-convicted', 'partially_supported', None,
     'Amnesty International said on 6 February 2017 that the 18 men convicted in the Nardaran case were '
     'sentenced after gross violations of their right to a fair trial.'),
    ('infobox-charges', 'partially_supported', '2017',
     'They were charged with terrorism, violent seizure of power, illegal possession of firearms and '
     'murder.'),
    ('infobox-charges', 'partially_supported', '2016',
     'The defendants are charged with murder, terrorism, inciting religious hatred, organising mass unrest '
     'and illegal possession of weapons.'),
    ('infobox-outcome', 'partially_supported', '2017',
     'In the trial of the Nardaran defendants, the Serious Crimes Court sentenced Taleh Bagirov and Abbas '
     'Huseynov to 20 years each and 16 others to long prison terms.'),
    ('infobox-outcome', 'partially_supported', '2023-01-17',
     'The applicants were arrested in connection with the Nardaran events. The European Court of Human '
     "Rights struck the applications out of its list after the Government's unilateral declarations."),
    ('lead-operation-november-2015', 'supported', '2018-03-16',
     'Security forces stormed the town of Nardaran in the evening of 26 November 2015.'),
    ('lead-operation-november-2015', 'supported', '2015-12-01',
     'The President has taken the special operation carried out in Nardaran on 26 November under his '
     'control, the statement says.'),
    ('movement-founded-2015', 'supported', None,
     'Taleh Bagirzade, the theologian, was arrested with members of the Muslim Unity Movement he founded '
     'in January 2015.'),
    ('hijab-ban-protests', 'not_found', None,
     'The unofficial ban on head coverings in public schools has been met with protests since 10 December '
     '2010.'),
    ('operation-25-26-november-2015', 'supported', '2017-01-26',
     'Most of the men were arrested on 26 November 2015 in a police raid in Nardaran, a suburb of Baku.'),
    ('operation-25-26-november-2015', 'supported', '2018-03-16',
     'Security forces stormed Nardaran in the evening of 26 November 2015.'),
    ('operation-25-26-november-2015', 'supported', '2015-12-01',
     'President Ilham Aliyev has taken the special operation of 26 November in Nardaran under his control.'),
    ('deaths-two-police-officers', 'supported', '2015-12-02',
     'Seven people were killed, including two police officers, and automatic weapons and grenades were '
     'confiscated.'),
    ('deaths-two-police-officers', 'supported', '2017-01-26',
     'Two police officers and seven civilians died during the raid.'),
    ('deaths-two-police-officers', 'not_found', None,
     'Six people died in the police raid on Nardaran.'),
    ('weapons-seized', 'supported', '2015-12-01',
     'Weapons, grenades, explosives and bladed weapons were seized from the houses, the ministry reported.'),
    ('sentences-25-january-2017', 'partially_supported', '2017',
     'On 25 January the Serious Crimes Court sentenced Taleh Bagirov and Abbas Huseynov to 20 years each '
     'and 16 others to long terms of imprisonment.'),
    ('sentences-25-january-2017', 'not_found', '2017',
     'Bagirzade and Huseynov received 20 years each; the remaining 15 received 10 to 19 years.'),
    ('sentences-25-january-2017', 'partially_supported', None,
     'Amnesty International said on 6 February 2017 that the 18 men convicted in the Nardaran case were '
     'sentenced after gross violations of their right to a fair trial.'),
    ('torture-allegations', 'partially_supported', None,
     'Amnesty International said the defendants in the Nardaran affair confessed under torture, and that '
     'their torture claims were ignored by the court.'),
    ('torture-allegations', 'not_found', '2017-01-26',
     'Several defendants alleged that police beat them, threatened them and gave them electric shocks.'),
    ('courts-rejected-torture-motions', 'not_found', '2016',
     "The lawyers' complaints and petitions were not accepted."),
    ('echr-rulings', 'partially_supported', '2023-01-17',
     "The applicants were arrested in connection with the Nardaran events. Following the Government's "
     'unilateral declarations of 23 February 2022 acknowledging violations, the European Court of Human '
     'Rights struck the applications out of its list and awarded compensation.'),
    ('us-sanctions-alimardanov-2022', 'not_found', '2022-12',
     'Alimardanov was the official head of the 26 November 2015 operation; the Interior Ministry denies '
     'the torture claims.'),
]

# What a careful fact-checker would say where the checker stays weaker (never stronger): it reads
# wording, not meaning, so a paraphrase ("confiscated" for "seized", "violent seizure of power" for
# "overthrow the government") or one item of a list counts for less. Kept visible and pinned, so
# that a change shows, and checked to err on the safe side.
NARDARAN_CONSERVATIVE_MISSES = [  # (claim id, fact-checker's verdict, checker's verdict, published, text)
    ('infobox-outcome', 'partially_supported', 'not_found', '2017',
     'Bagirov and Huseynov were sentenced to 20 years each, the 16 others to long prison terms.'),
    ('infobox-outcome', 'partially_supported', 'not_found', None,
     "Amnesty International said the court ignored the defendants' allegations that they had confessed "
     'under torture.'),
    ('lead-criticism', 'partially_supported', 'not_found', '2017-01-26',
     'Human Rights Watch said allegations of torture and abuse mar the high-profile trial of 18 men from '
     'Nardaran.'),
    ('hijab-ban-protests', 'partially_supported', 'not_found', '2015-09',
     'Taleh Bagirzade said he had objected to the ban on the hijab in universities and schools.'),
    ('operation-25-26-november-2015', 'supported', 'not_found', '2015',
     'Police and Shiite believers clashed in Nardaran on 25–26 November.'),
    ('weapons-seized', 'partially_supported', 'not_found', '2015-12-02',
     'The police confiscated automatic weapons and grenades in the village.'),
    ('charges', 'supported', 'partially_supported', '2017',
     'Taleh Bagirov and his co-defendants were charged with terrorism, violent seizure of power, illegal '
     'possession of firearms and murder.'),
    ('charges', 'supported', 'partially_supported', '2016',
     'Bagirzade and other members of the movement are charged with murder, terrorism, inciting religious '
     'hatred, organising mass unrest and illegal possession of weapons.'),
    ('sentences-25-january-2017', 'partially_supported', 'not_found', '2017-01-25',
     'Taleh Bagirzade was sentenced to 20 years in prison and Fuad Gahramanli to 10 years.'),
    ('courts-rejected-torture-motions', 'partially_supported', 'not_found', None,
     "The court ignored the defendants' claims of torture, Amnesty International said."),
    ('us-sanctions-alimardanov-2022', 'partially_supported', 'not_found', '2022-12-14',
     "The designation of Kerim Alimardanov was made under Section 7031(c) of the State Department's "
     'appropriations act.'),
    ('azerbaijan-authoritarian', 'partially_supported', 'not_found', '2015-06-23',
     "Freedom House's Nations in Transit 2015 rates Azerbaijan a consolidated authoritarian regime."),
    ('charges-used-to-silence-critics', 'partially_supported', 'not_found', '2015-06-23',
     'Freedom House says government critics are jailed on charges such as hooliganism or possession of '
     'weapons and drugs.'),
    ('charges-used-to-silence-critics', 'partially_supported', 'not_found', '2013-05-27',
     'Human Rights Watch said the authorities use bogus drug charges to silence critics.'),
]


def _nardaran_batch(rows):
    """Run (claim id, published, text) rows through `check --batch`, with the registry's own claims,
    facts and document title (the subject); the verdicts in order."""
    from citewatch.registry import load_registry

    registry = load_registry(REPO / "claims" / "nardaran-case.yaml").registry
    claims = {claim.id: claim for claim in registry.claims}
    lines = []
    for index, (claim_id, published, text) in enumerate(rows):
        claim = claims[claim_id]
        line = {"id": f"{claim_id}#{index}", "claim": claim.text, "text": text, "published": published,
                "subject": registry.document.title}
        if claim.facts is not None:
            line["facts"] = [fact.model_dump(mode="json") for fact in claim.facts]
        lines.append(json.dumps(line))
    done = _invoke("--batch", "-", stdin="\n".join(lines) + "\n")
    assert done.exit_code == 0, done.output
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert [g["id"] for g in got] == [f"{row[0]}#{index}" for index, row in enumerate(rows)]
    return [g["verdict"] for g in got]


def test_nardaran_registry_claims_against_texts_in_the_spirit_of_their_sources():
    got = _nardaran_batch([(claim_id, published, text) for claim_id, _, published, text in NARDARAN_SOURCES])
    assert list(zip([row[0] for row in NARDARAN_SOURCES], got)) == [
        (claim_id, verdict) for claim_id, verdict, _, _ in NARDARAN_SOURCES]


def test_nardaran_conservative_misses_stay_on_the_safe_side():
    rank = {"not_found": 0, "partially_supported": 1, "supported": 2}
    got = _nardaran_batch([(claim_id, published, text) for claim_id, _, _, published, text
                           in NARDARAN_CONSERVATIVE_MISSES])
    for (claim_id, wanted, pinned, _, _), verdict in zip(NARDARAN_CONSERVATIVE_MISSES, got):
        assert verdict == pinned, (claim_id, verdict)
        assert rank[verdict] < rank[wanted], claim_id  # weaker than a fact-checker, never stronger


def test_every_sourced_nardaran_claim_has_a_text_in_the_spirit_of_its_sources():
    from citewatch.registry import load_registry

    sourced = {c.id for c in load_registry(REPO / "claims" / "nardaran-case.yaml").registry.claims if c.sources}
    covered = {row[0] for row in NARDARAN_SOURCES} | {row[0] for row in NARDARAN_CONSERVATIVE_MISSES}
    assert sourced <= covered, sorted(sourced - covered)
    assert {row[0] for row in NARDARAN_SOURCES} >= sourced - {
        "lead-criticism", "azerbaijan-authoritarian", "charges-used-to-silence-critics", "charges"}


def test_a_page_checked_again_gives_the_same_result_whatever_was_checked_in_between():
    """Pages, sentences and claims are read once and remembered: nothing of one check may leak into
    the next (the checker moves a sentence's facts to their place in the page)."""
    page = (
        "Baku court sentences Nardaran defendants\n"
        "On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms ranging from "
        "10 to 20 years. Taleh Bagirzade said: \"the trial was unfair\". Over 70 people were arrested in 2015."
    )
    claims = [
        (SENTENCES, None),
        ('Taleh Bagirzade said "the trial was unfair"', None),
        ("more than seventy people were arrested in 2015", [CountFact(value=70, op=Op.GT), DateFact(value="2015")]),
    ]
    first = [check_claim(claim, page, facts=facts, published="2017-01-26").model_dump() for claim, facts in claims]
    assert [r["verdict"] for r in first] == [Verdict.SUPPORTED] * 3
    again = [check_claim(claim, page, facts=facts, published="2017-01-26").model_dump()
             for claim, facts in reversed(claims)]
    assert list(reversed(again)) == first
    shifted = check_claim(SENTENCES, "Menu\n" + page, published="2017-01-26")
    assert [e.start for e in shifted.evidence] == [e["start"] + 5 for e in first[0]["evidence"]]


def test_long_real_looking_page_through_extract_text_and_check():
    from citewatch.testing.fixture_web import site_html
    from citewatch.textextract import extract_text

    filler = "".join(
        f"<p>The municipality said that {300 + i} trees were planted along the seafront in {1990 + i % 30}; "
        f"the council met {i % 12 + 2} times to discuss the budget of the museum and its {i} carpets.</p>\n"
        for i in range(620)
    )
    middle = ("<p>On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms ranging "
              "from 10 to 20 years, the defendants' lawyers said.</p>\n")
    html = site_html("Long read: the Nardaran case", filler[: len(filler) // 2] + middle + filler[len(filler) // 2 :])
    assert len(html) > 100_000
    extracted = extract_text(html.encode(), "text/html; charset=utf-8", "http://127.0.0.1/long")
    result = check_claim(SENTENCES, extracted.text, published=extracted.published)
    assert result.verdict is Verdict.SUPPORTED
    assert all("sentenced 18 people" in extracted.text[p.start : p.end] for p in result.evidence)


def test_benchmark_prints_accuracy_precision_recall_and_time(tmp_path, capsys):
    sys.path.insert(0, str(REPO))
    from benchmarks import check_accuracy

    out_file = tmp_path / "figures.json"
    assert check_accuracy.main(["--set", "labelled", "--rounds", "1", "--json", str(out_file)]) == 0
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "precision" in printed and "time per check" in printed
    figures = json.loads(out_file.read_text())
    assert figures["cases"] == len(CASES)
    assert figures["wrong_supported"] == 0
    assert set(figures["per_verdict"]) == {"supported", "partially_supported", "contradicted", "not_found"}


@pytest.mark.slow
def test_the_public_sets_are_in_the_repository_and_scored_per_set(tmp_path, capsys):
    sys.path.insert(0, str(REPO))
    from benchmarks import check_accuracy
    from benchmarks.public_sets import SETS

    out_file = tmp_path / "public.json"
    args = [arg for name in SETS for arg in ("--set", name)]
    assert check_accuracy.main([*args, "--limit", "4", "--show-wrong", "1", "--json", str(out_file)]) == 0
    printed = capsys.readouterr().out
    figures = json.loads(out_file.read_text())["public"]
    assert set(figures) == set(SETS)
    for name, summary in figures.items():
        assert summary["rows"] == 4 and f"== {name}: 4 rows" in printed
        assert sum(summary["confusion"].values()) == 4 and len(summary["predictions"]) == 4
        assert summary["wrong_supported"] == sum(
            n for key, n in summary["confusion"].items() if key.endswith("->supported") and not key.startswith("supported"))


def test_vitaminc_titles_are_read_as_wikipedia_writes_them():
    sys.path.insert(0, str(REPO))
    from benchmarks.public_sets import load_set, wikipedia_title

    assert wikipedia_title("Watchmen -LRB-film-RRB-") == "Watchmen (film)"
    assert wikipedia_title("John Wick-COLON- Chapter 3 -LSB-x-RSB-") == "John Wick: Chapter 3 [x]"
    titles = [row.text.split("\n", 1)[0] for row in load_set("vitaminc-numeric")]
    assert not [title for title in titles if "-LRB-" in title or "-COLON-" in title]
    assert "Watchmen (film)" in titles


@pytest.mark.slow
def test_real_news_pages_and_vitaminc_keep_their_wrong_supported_floor():
    """The floors reached on the public sets (benchmarks/README.md): a rule change that makes the
    checker say "supported" wrongly on real pages, or above 5 % on VitaminC, or loses much of what
    was gained on them or on SummEdits, fails here."""
    sys.path.insert(0, str(REPO))
    from benchmarks.check_accuracy import run_public

    realpages = run_public("realpages-dev")
    assert realpages["wrong_supported"] == 0 and realpages["contradicted_called_supported"] == 0
    assert realpages["correct"] >= 198
    vitaminc = run_public("vitaminc-numeric")
    assert vitaminc["correct"] >= 2100
    assert vitaminc["wrong_supported_share"] <= 0.05
    assert vitaminc["contradicted_called_supported_share"] <= 0.02
    # a sentence of the summary turned round in place ("the least bang" / "the most bang") contradicts it
    assert run_public("summedits-news")["correct"] >= 80
    # a claim without figures shares a topic, not a part of itself, with a passage holding half its words
    factcheckgpt = run_public("factcheckgpt")
    assert factcheckgpt["correct"] >= 2085
    assert factcheckgpt["wrong_supported"] <= 26


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("25 people were injured in the crash.", Verdict.CONTRADICTED),  # outside the range
        ("More than 5 people were injured in the crash.", Verdict.SUPPORTED),  # the whole range is above 5
        ("15 people were injured in the crash.", Verdict.NOT_FOUND),  # inside it, but not said exactly
    ],
)
def test_a_count_against_a_range_the_page_gives(claim, expected):
    assert check_claim(claim, "Between 10 and 20 people were injured in the crash.").verdict is expected


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Douglas served on the Supreme Court from 1939 until his retirement in 1975.", Verdict.SUPPORTED),
        ("Douglas joined the Supreme Court in 1939.", Verdict.SUPPORTED),  # an end of the span
        ("Douglas joined the Supreme Court in 1950.", Verdict.NOT_FOUND),  # inside it: not said
    ],
)
def test_a_claims_year_against_a_span_of_years(claim, expected):
    assert check_claim(claim, "Douglas served on the Supreme Court from 1939 to 1975.").verdict is expected


def test_a_span_of_years_is_no_range_of_a_count():
    assert check_claim("1,500 people were killed in the war.", "The war lasted from 1939 to 1945.").verdict \
        is Verdict.NOT_FOUND


def test_an_approximate_figure_is_no_bound_left_open_by_the_other_end_of_a_range():
    result = check_claim("Clients paid roughly $350 to $600 an hour.",
                         "The options ranged from approximately $350 to $600 an hour, clients paid by text.")
    approx = next(f for f in result.facts if isinstance(f.fact, CountFact) and f.fact.value == 350)
    assert approx.outcome is FactOutcome.FOUND


@pytest.mark.parametrize(
    "claim, sentence_text, known_end, expected",
    [
        # one text for both ends on each side: "June 8-10" against "June 6-10"
        ("The summit was due in Lima on June 8-10, 2022.", "The summit, to be held June 6-10, 2022 in Lima, was set.",
         1, FactOutcome.CONTRADICTED),
        ("The summit was due in Lima on June 6-10, 2022.", "The summit, to be held June 6-10, 2022 in Lima, was set.",
         1, FactOutcome.FOUND),
        # two texts joined by a dash or "to"
        ("The show ran from November 11 to December 31, 2023.",
         "The show ran from November 11, 2023 – December 13, 2023, at the gallery.", 0, FactOutcome.CONTRADICTED),
    ],
)
def test_the_other_end_of_a_span_is_the_partner_of_the_claims_other_end(claim, sentence_text, known_end, expected):
    from citewatch import check
    from citewatch.facts import found_facts
    from citewatch.passages import split_sentences

    sentence = split_sentences(sentence_text)[0]
    ends = [f.fact for f in found_facts(claim, 2023) if isinstance(f.fact, DateFact)]
    # the end both sides share is found by the context rules, the other one left missing
    stated = next(f for f in found_facts(sentence_text, 2023)
                  if isinstance(f.fact, DateFact) and check.compare(ends[known_end], f.fact) is check.Relation.SUPPORTS)
    outcomes = [check._Outcome(fact, FactOutcome.MISSING) for fact in ends]
    known, wanted = outcomes[known_end], outcomes[1 - known_end]
    known.outcome, known.span, known.sentence = FactOutcome.FOUND, (stated.start, stated.end), sentence
    check._other_end_of_a_span(outcomes, claim, 2023, None)
    assert wanted.outcome is expected


def test_a_passage_that_asks_the_claim_does_not_say_it():
    claim = "Copper can displace iron from its salt solution."
    asked = check_claim(claim, "Chemistry answers. Can copper displace iron from its salt solution? Give a reason.")
    assert asked.verdict is Verdict.PARTIALLY_SUPPORTED
    assert "the passage asks it, it does not say it" in asked.notes
    said = check_claim(claim, "Chemistry answers. Copper can displace iron from its salt solution. Give a reason.")
    assert said.verdict is Verdict.SUPPORTED


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("Since the Court first convened in 1790, 113 justices have served on the Supreme Court.", Verdict.NOT_FOUND),
        ("Sotomayor's appointment gave the Supreme Court a record six Roman Catholic justices.", Verdict.NOT_FOUND),
        ("Six female justices have served on the Supreme Court since 1790.", Verdict.CONTRADICTED),
    ],
)
def test_a_figure_of_a_wider_group_does_not_contradict_the_claims_narrower_one(page, expected):
    claim = "There have been a total of four female justices who have served on the Supreme Court."
    assert check_claim(claim, page).verdict is expected


@pytest.mark.parametrize(
    ("claim", "page", "expected"),
    [
        ("As of March 21, 61 coronavirus cases were hospitalized in Massachusetts.",
         "As of March 21, Massachusetts had 525 cases, 61 hospitalizations, and two deaths.", Verdict.SUPPORTED),
        ("More than 6.2 million people follow TechCrunch on Twitter.",
         "TechCrunch has 6.5 million followers on Twitter and 3 million fans on Facebook.", Verdict.SUPPORTED),
        ("Fewer than 20 people had recovered in Oman by April 5.",
         "By April 5, Oman had 298 confirmed cases, 25 recoveries and 2 deaths.", Verdict.CONTRADICTED),
        # what the claim's people underwent is no count of its agents
        ("Five people were killed in the attack in the market.",
         "Police said five killers had planned the attack in the market.", Verdict.NOT_FOUND),
    ],
)
def test_people_or_cases_counted_by_the_noun_of_what_happened_to_them(claim, page, expected):
    assert check_claim(claim, page, published="2020-04-10").verdict is expected


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Based on more than 224 reviews, 127 Hours has an approval rating of over 90%.", Verdict.SUPPORTED),
        # the title's figure alone is the page's topic, not what the claim says of it
        ("127 Hours is a musical comedy.", Verdict.NOT_FOUND),
    ],
)
def test_a_figure_inside_the_title_the_page_is_about_is_found_in_its_heading(claim, expected):
    page = ("127 Hours\nOn review aggregator website Rotten Tomatoes, the film has an approval rating of 93% based on "
            "226 reviews, with an average rating of 8.3/10.")
    assert check_claim(claim, page).verdict is expected


def test_a_name_the_page_writes_as_one_word_is_the_claims_name_in_full():
    result = check_claim("Century Link acquired more than 70,250 access lines from Verizon.",
                         "CenturyLink\nIn Wisconsin, it acquired 70,500 access lines for US$195 million from Verizon.")
    assert result.verdict is Verdict.SUPPORTED


@pytest.mark.parametrize(
    ("claim", "page", "expected", "missing"),
    [
        # long names cut to the same crude stem ("mutsch", "alexan", "michel") are other names
        ("Mutschelleben is in Germany.", "Mutschellen is a village in Switzerland, near Germany.", Verdict.NOT_FOUND, "Mutschelleben"),
        ("Alexandra Smith won the race in 2019.", "Alexander Smith won the race in 2019.",
         Verdict.PARTIALLY_SUPPORTED, "Alexandra"),
        ("The Michelin guide awarded the restaurant two stars.",
         "Chef Michelle Dupont said the restaurant was awarded two stars.", Verdict.PARTIALLY_SUPPORTED,
         "Michelin"),
        # an ending, or a slip of one letter, keeps the name
        ("Americans bought 12 million cars in 2020.", "American buyers bought 12 million cars in 2020.",
         Verdict.SUPPORTED, None),
        ("DirectTV had 20 million subscribers in 2015.", "DirecTV had 20 million subscribers in 2015.",
         Verdict.SUPPORTED, None),
        ("Frederick Douglass was born in 1818.", "Frederic Douglass was born in 1818 in Maryland.", Verdict.SUPPORTED, None),
    ],
)
def test_a_long_name_sharing_only_its_first_letters_with_the_pages_is_not_on_the_page(claim, page, expected, missing):
    result = check_claim(claim, page)
    assert result.verdict is expected
    assert (missing is None) is not any("not on the page" in note or "not in the passage" in note
                                         for note in result.notes)
    if missing:
        assert any(note.endswith(missing) for note in result.notes)


@pytest.mark.parametrize(("page", "expected"), [("The government approved the plan on 14 May.", Verdict.CONTRADICTED),
                                                 ("The government approved the plan on 4 May.", Verdict.SUPPORTED)])
def test_without_a_year_on_either_side_day_and_month_are_compared(page, expected):
    result = check_claim("The government approved the plan on 4 May.", page)
    assert result.verdict is expected
    assert result.notes == ["neither the claim nor the page gives a year for “4 May”: day and month are compared"]


@pytest.mark.parametrize(
    ("page", "published", "expected"),
    [
        # the page is of 2016, the event of the claim's own 2015
        ("She competed at the 2015 WOGA Classic in Frisco on February 14, 2015.", "2016-03-01", Verdict.SUPPORTED),
        # February of two years on the page: the claim's year still tells which
        ("She competed at the 2015 WOGA Classic in Frisco on February 14, 2015. In February 2016 she retired.", None,
         Verdict.SUPPORTED),
    ],
)
def test_a_claims_date_without_a_year_is_in_the_year_the_claim_writes(page, published, expected):
    result = check_claim("She competed at the 2015 WOGA Classic in Frisco on February 14.", page, published=published)
    assert result.verdict is expected
    assert "the claim gives no year for “February 14”: the year the claim writes elsewhere, 2015, is assumed" in result.notes


@pytest.mark.parametrize(
    ("page", "hedge"),
    [
        ("The vaccine is 95% effective against severe disease, according to early unpublished data.", "unpublished"),
        ("The vaccine is 95% effective against severe disease, a preliminary study found.", "preliminary"),
        ("The vaccine is 95% effective against severe disease, in a study not yet peer-reviewed.",
         "not yet peer-reviewed"),
    ],
)
def test_unpublished_or_preliminary_findings_are_a_hedge(page, hedge):
    result = check_claim("The vaccine is 95% effective.", page)
    assert result.verdict is Verdict.PARTIALLY_SUPPORTED
    assert any(hedge in note for note in result.notes)


def test_a_figure_someone_expected_is_no_figure_that_happened():
    claim = "About 200 people attended the rally."
    assert check_claim(claim, "Organizers expected about 200 people to attend the rally.").verdict is not Verdict.SUPPORTED
    assert check_claim(claim, "About 200 people attended the rally, organizers said.").verdict is Verdict.SUPPORTED


# Own probes of the worst error, in the shapes a newsroom meets ("not supported": anything but that)
_KNOWN_WRONG_SUPPORTED = [
    ("The city has a population of 10,000.", "The city welcomes 10,000 visitors each summer.",
     "a population of 10,000 has no counted noun the reader takes, so any noun may count it"),
    ("The bank raised interest rates to 5%.", "The bank kept interest rates at 5%.",
     "'raise' and 'keep' share a WordNet synset, so the exchanged verb passes"),
    ("The team has won the title 20 times.",
     "The team has reached the final 20 times, winning the title 8 times.", "the verb of 'N times' is not bound"),
    ("The court sentenced him to 10 years in prison.",
     "The court sentenced his brother to 10 years in prison and him to 4.", "the object is not bound"),
    ("The merger was completed in March.", "The merger was announced in March and completed in June.",
     "a month without a day or year is no value the reader takes"),
]


@pytest.mark.parametrize(
    ("claim", "page", "expected"),
    [
        # the word beside a value that tells whose, where or what: another value's is not this one's
        ("The storm killed 12 people in Texas.", "The storm killed 12 people in Oklahoma and 3 in Texas.",
         Verdict.CONTRADICTED),
        ("The storm killed 3 people in Texas.", "The storm killed 12 people in Oklahoma and 3 in Texas.",
         Verdict.SUPPORTED),
        ("Smith scored 30 points against Boston.", "Jones scored 30 points against Boston, while Smith added 12.",
         Verdict.NOT_FOUND),
        ("Jones scored 30 points against Boston.", "Jones scored 30 points against Boston, while Smith added 12.",
         Verdict.SUPPORTED),
        ("Exports rose 12% in 2022.", "Imports rose 12% in 2022, while exports fell 3%.", "not supported"),
        ("The museum opened in 1995.", "The museum was planned in 1995 and opened in 2001.", "not supported"),
        ("The museum opened in 2001.", "The museum was planned in 1995 and opened in 2001.", Verdict.SUPPORTED),
        # negated, planned or possible: not what happened
        # "none were destroyed" negates the claim's event for the things the sentence counts
        ("Over 500 homes were destroyed.", "Over 500 homes were damaged, but none were destroyed.", Verdict.CONTRADICTED),
        ("The fire destroyed 300 homes.", "The fire threatened 300 homes but destroyed none.", "not supported"),
        # the month "May" is no modal: the page's "could" is a hedge the claim does not carry
        ("The virus infected 1,200 people in May.", "The virus could infect 1,200 people by May, modelers warned.",
         Verdict.NOT_FOUND),
        ("The virus infected 1,200 people in May.", "The virus infected 1,200 people in May, officials said.",
         Verdict.SUPPORTED),
        # what will happen has not happened
        ("The study followed 1,000 patients for 5 years.", "The study will follow 1,000 patients for 5 years.",
         "not supported"),
        ("The study will follow 1,000 patients for 5 years.", "The study will follow 1,000 patients for 5 years.",
         Verdict.SUPPORTED),
        # opposed in place, expected, another place
        ("The senator voted for the bill.", "The senator voted against the bill.", Verdict.CONTRADICTED),
        ("The senator voted for the bill.", "The senator voted for the bill.", Verdict.SUPPORTED),
        ("The company reported a profit of $3 billion.",
         "Analysts had expected a profit of $3 billion; the company reported $2 billion.", "not supported"),
        ("Sales fell 10% in Germany.", "Sales fell 10% in France but rose in Germany.", "not supported"),
        ("Coronavirus claimed less than 105 lives in the United Kingdom.",
         "2020 coronavirus pandemic in the United Kingdom\n104 people in the UK with confirmed infection have died.",
         Verdict.SUPPORTED),  # the UK is the United Kingdom
        # a count of one place is a part: below no upper bound of the whole
        ("The company has fewer than 60,000 employees.", "The company has 50,000 employees in the United States.",
         "not supported"),
        ("The company has fewer than 60,000 employees in the U.S.",
         "The company has 50,000 employees in the United States.", Verdict.SUPPORTED),
        ("The company has more than 40,000 employees.", "The company has 50,000 employees in the United States.",
         Verdict.SUPPORTED),
        # meant, hoped or refused: not done
        ("The group raised $1 million.", "The group aims to raise $1 million.", "not supported"),
        ("The group raised $1 million.", "The group hoped to raise $1 million but raised only $200,000.",
         "not supported"),
        ("The minister resigned on Monday.", "The minister refused to resign on Monday.", "not supported"),
        # the claim's word beside its figure stands beside another figure of the sentence
        ("The government spent $3 billion on defence in 2020.",
         "The government spent $3 billion on health and $2 billion on defence in 2020.", "not supported"),
        ("Police seized 2 tonnes of cocaine.", "Police seized 2 tonnes of cannabis and 300 kg of cocaine.",
         "not supported"),
        ("Twelve people were rescued from the building.", "Twelve people were trapped in the building; five were rescued.",
         "not supported"),
        ("Over 1,000 flights were cancelled on Friday.",
         "Over 1,000 flights were delayed on Friday, and 200 were cancelled.", "not supported"),
        ("Police seized 300 kg of cocaine.", "Police seized 2 tonnes of cannabis and 300 kg of cocaine.",
         Verdict.SUPPORTED),
        ("Turnout was 70% in the capital.", "Turnout was 70% nationwide but only 55% in the capital.", "not supported"),
        ("The refugees walked 200 km to the border.",
         "The refugees walked 200 km to the capital, then 50 km to the border.", "not supported"),
        ("The drug costs $1,000 per dose.", "The drug costs $1,000 per month of treatment.", "not supported"),
        ("The drug costs $1,000 per dose.", "The drug costs $1,000 per dose in the US.", Verdict.SUPPORTED),
        ("The agency banned the drug in 2018.", "The agency considered banning the drug in 2018 but approved it.",
         "not supported"),
        ("The company is the third-largest carmaker in Europe.",
         "The company is the third-largest carmaker in Asia and the fifth-largest in Europe.", "not supported"),
        # another time right after the figure
        ("The company's shares fell 20% on Monday.",
         "The company's shares have fallen 20% this year; on Monday they rose.", "not supported"),
        ("Police arrested 20 people on Monday.", "Police arrested 20 people on Tuesday.", "not supported"),
        ("The ministry reported 1,200 new cases on Friday.",
         "The ministry reported 1,200 new cases over the week, including 300 on Friday.", "not supported"),
        ("The film earned $50 million on its opening weekend.", "The film earned $50 million in its second weekend.",
         "not supported"),
        ("The player scored 30 goals last season.", "The player scored 30 goals two seasons ago and 12 last season.",
         "not supported"),
        ("Shares closed at $45 on Friday.", "Shares opened at $45 on Friday and closed at $41.", "not supported"),
        ("Shares closed at $41 on Friday.", "Shares opened at $45 on Friday and closed at $41.", Verdict.SUPPORTED),
        # a count of one day is a part: below no upper bound of a claim that names no day
        ("Fewer than 10 people were arrested.", "Police said they had arrested 8 people on Friday and 12 on Saturday.",
         "not supported"),
        ("The film earned $50 million on its opening weekend.",
         "The film earned $50 million on its opening weekend in North America.", Verdict.SUPPORTED),
        ("Police arrested 20 people on Monday.", "Police arrested 20 people on Monday, officials said.",
         Verdict.SUPPORTED),
        # what another did: the claim's deed given to another name, never to the one the claim opens with
        ("The EU imposed sanctions on 12 officials.", "The US imposed sanctions on 12 officials; the EU has not acted.",
         "not supported"),
        ("Arsenal won the league title in 1998.",
         "Manchester United won the league title in 1998, ahead of Arsenal and Chelsea.", "not supported"),
        ("Arsenal won the league title in 1998.",
         "Arsenal won the league title in 1998, ahead of Manchester United and Chelsea.", Verdict.SUPPORTED),
        ("Arsenal won the FA Cup final.", "Chelsea won the FA Cup final, beating Arsenal.", "not supported"),
        ("Smith founded the company in 1998.", "The company was founded by Jones in 1998; Smith joined it later.",
         "not supported"),
        ("Smith founded the company in 1998.", "The company was founded by Smith in 1998; Jones joined it later.",
         Verdict.SUPPORTED),
        ("Police said the gunman fired 30 shots.", "Witnesses said the gunman fired 30 shots; police said 12.",
         "not supported"),
        ("Police said the gunman fired 30 shots.", "Police said the gunman fired 30 shots; witnesses said 12.",
         Verdict.SUPPORTED),
        ("Arsenal won the FA Cup final.", "Arsenal won the FA Cup final, beating Chelsea.", Verdict.SUPPORTED),
        ("The Senate approved the bill.", "The House approved the bill; the Senate has yet to vote.", "not supported"),
        # the claim's two names round its verb the other way round
        ("Germany beat Brazil 7-1 in the semi-final.", "Brazil beat Germany 7-1 in the semi-final.", "not supported"),
        ("Germany beat Brazil 7-1 in the semi-final.", "Germany beat Brazil 7-1 in the semi-final.", Verdict.SUPPORTED),
        # a claim without figures whose name the passage says in the same words of another name
        ("The painter was born in Paris.", "The painter was born in Lyon and died in Paris.", "not supported"),
        ("The company is headquartered in Berlin.",
         "The company is headquartered in Munich and has an office in Berlin.", "not supported"),
        ("The band is from Manchester.", "The band is from Liverpool, though it recorded in Manchester.",
         "not supported"),
        ("The painter was born in Paris.", "The painter was born in Paris and died in Lyon.", Verdict.SUPPORTED),
        ("Electric Ladyland ranked 55th on the magazine's list.",
         "Electric Ladyland: the magazine Rolling Stone ranked it 55th on its list.", Verdict.SUPPORTED),
        ("Electric Ladyland ranked 55th on the magazine's list.",
         "The magazine Rolling Stone ranked Electric Ladyland 55th on its list.", Verdict.SUPPORTED),
        # another part of the same kind: another figure
        ("The novel sold 1 million copies in its first week.", "The novel sold 1 million copies in its first year.",
         "not supported"),
        ("The novel sold 1 million copies in its first week.",
         "The novel sold 1 million copies in its first week, its publisher said.", Verdict.SUPPORTED),
        # words quoted in a denial were not said
        ('The mayor said the city would "never surrender".',
         'The mayor denied saying the city would "never surrender".', Verdict.NOT_FOUND),
        ('The mayor denied saying the city would "never surrender".',
         'The mayor denied saying the city would "never surrender".', Verdict.SUPPORTED),
        # what a thing was built for, or once was, is not what it is or did
        ("The ship was carrying 300 passengers.", "The ship was built to carry 300 passengers.", "not supported"),
        ("The deal is worth $2 billion.", "The deal was once valued at $2 billion but is now worth $1.2 billion.",
         "not supported"),
        ("The bridge cost €50 million.", "The bridge was budgeted at €50 million but cost €80 million.", "not supported"),
        # a date something was set for is a plan
        ("The trial began on 3 March 2021.", "The trial, first set for 3 March 2021, began in June.", "not supported"),
        # the deed nearest before a date is the date's
        ("He won the award in 2010.", "He was nominated for the award in 2010 and won it in 2012.", "not supported"),
        ("Germany hosted the World Cup in 2014.", "Germany hosted the World Cup in 2006 and won it in 2014.",
         "not supported"),
        ("Germany won the World Cup in 2014.", "Germany hosted the World Cup in 2006 and won it in 2014.",
         Verdict.SUPPORTED),
        # the one who founded is not the founding
        ("The company was founded in 1990.", "Its founder was born in 1990 and started the company in 2015.",
         "not supported"),
        ("The company was founded in 1990.", "Its founder established the company in 1990.", Verdict.SUPPORTED),
        # the year right after another figure is that figure's
        ("Around 40 journalists were detained in 2020.",
         "Around 40 journalists were detained in 2021, up from 30 in 2020.", "not supported"),
        ("Around 40 journalists were detained in 2021.",
         "Around 40 journalists were detained in 2021, up from 30 in 2020.", Verdict.SUPPORTED),
        # asked, disputed, corrected, threatened, requested or a party's word: not said by the source
        ("Police arrested 50 protesters.", "Did police arrest 50 protesters? Officials would not say.", "not supported"),
        ("50 people died in the fire.", "Social media posts falsely claimed that 50 people died in the fire.",
         "not supported"),
        ("50 people died in the flood.",
         "An earlier version of this article said 50 people died in the flood; the correct figure is 15.",
         "not supported"),
        ("50 people were arrested.", "Police said there was no evidence that 50 people were arrested.",
         "not supported"),
        ("The strike involved 10,000 workers.",
         "The union had threatened a strike involving 10,000 workers, but called it off.", "not supported"),
        ("He was sentenced to 10 years.",
         "Prosecutors asked for him to be sentenced to 10 years; the judge gave him 6.", "not supported"),
        ("The vaccine is 95% effective.",
         "The vaccine is 95% effective, the company claimed, though regulators have not verified the data.",
         "not supported"),
        ("He was sentenced to 10 years.",
         "Prosecutors had asked for 12 years, but the judge sentenced him to 10 years.", Verdict.SUPPORTED),
        ("Police arrested 50 protesters.",
         "Police arrested 50 protesters, the ministry said. Why? Officials said they had blocked a road.",
         Verdict.SUPPORTED),
        ("The vaccine is 95% effective.", "The vaccine is 95% effective, the company said.", Verdict.SUPPORTED),
        # what a measure measures, what singles a figure out: another value's
        ("Turnout reached a record 70%.", "Turnout reached 70%, short of the record 75%.", "not supported"),
        ("Turnout reached a record 70%.", "Turnout reached a record 70%, beating the 65% of 2010.", Verdict.SUPPORTED),
        ("The bridge is 2 km long.", "The bridge, 2 km from the city, is 800 m long.", "not supported"),
        ("The bridge is 800 m long.", "The bridge, 2 km from the city, is 800 m long.", Verdict.SUPPORTED),
        # what the counted ones threatened, offered or refused to do; the time three words after a count
        ("Two ministers resigned on Monday.", "Two ministers threatened to resign on Monday.", "not supported"),
        ("Two ministers threatened to resign on Monday.", "Two ministers threatened to resign on Monday.",
         Verdict.SUPPORTED),
        ("Over 100 flights were cancelled on Sunday.",
         "Over 100 flights were cancelled on Saturday; on Sunday, service resumed.", "not supported"),
        # the doer of a passive deed; the plain noun of another value; a plan reached through "to be"
        ("The museum was opened by the Queen in 1990.",
         "The museum was opened in 1990 by the mayor; the Queen visited in 1995.", "not supported"),
        ("The company was founded by Smith in 1990.", "The company, founded in 1990 by John Smith, grew fast.",
         Verdict.SUPPORTED),
        ("The country has 50 million people.", "The country has 50 million mobile phones and 30 million people.",
         "not supported"),
        ("The project was completed in 2019.", "The project was due to be completed in 2019 but is still unfinished.",
         "not supported"),
        # who says the quoted words is the claim
        ("The president called the deal \"a disaster\".",
         "Critics called the deal \"a disaster\", but the president praised it.", "not supported"),
        ("Johnson called the plan \"dead\".", "Smith called the plan \"dead\" on Monday.", "not supported"),
        ("The president called the deal \"a disaster\".", "The president called the deal \"a disaster\" on Monday.",
         Verdict.SUPPORTED),
        # the deed right before a date is the date's
        ("The law was repealed in 2015.", "The law, which was introduced in 2015, is still in force.", "not supported"),
        ("The company was established in 1990.", "The company was founded in 1990 in Ohio.", Verdict.SUPPORTED),
        ("The fire occurred in 1934.", "The hall was destroyed by fire in 1934.", Verdict.SUPPORTED),
        # "her opponent" is another than "she"
        ("She won 52% of the vote.", "Her opponent won 52% of the vote.", "not supported"),
        ("He scored 30 points.", "His brother scored 30 points.", "not supported"),
        ("She won 52% of the vote.", "She won 52% of the vote, her campaign said.", Verdict.SUPPORTED),
        # a deputy is no mayor: the title nearest before the value, with its rank
        ("He served as mayor from 2010 to 2014.",
         "He served as deputy mayor from 2010 to 2014 and as mayor from 2014 to 2018.", "not supported"),
        ("He served as mayor from 2014 to 2018.",
         "He served as deputy mayor from 2010 to 2014 and as mayor from 2014 to 2018.", Verdict.SUPPORTED),
        ("He served as deputy mayor from 2010 to 2014.",
         "He served as deputy mayor from 2010 to 2014 and as mayor from 2014 to 2018.", Verdict.SUPPORTED),
        # what people were asked, told or ordered to do is not done
        ("Around 100 people were evacuated.", "Around 100 people were asked to evacuate but most stayed.",
         "not supported"),
        ("Around 100 people were ordered to evacuate.", "Around 100 people were ordered to evacuate on Monday.",
         Verdict.SUPPORTED),
        # a change is no level
        ("Exports grew by 5% last year.", "Exports grew to 5% of GDP last year.", "not supported"),
        ("Unemployment fell to 4% in May.", "Unemployment fell by 4% in May.", "not supported"),
        ("Unemployment fell to 4% in May.", "Unemployment fell to 4% in May, the lowest since 2000.", Verdict.SUPPORTED),
        # the claim's time written after another value; the other sex
        ("Turnout was 60% this year.", "Turnout was 60% in 2016 and 55% this year.", "not supported"),
        ("Turnout was 55% this year.", "Turnout was 60% in 2016 and 55% this year.", Verdict.SUPPORTED),
        ("Police arrested 12 men.", "Police arrested 12 women and 3 men.", "not supported"),
        ("Police arrested 12 people.", "Police arrested 12 men on Monday.", Verdict.SUPPORTED),
        # the years of a life are its birth and death, not the dates of its deeds
        ("Leo Tolstoy wrote War and Peace in 1828.", "Leo Tolstoy (1828–1910) wrote War and Peace, a novel.",
         "not supported"),
        ("The author published her first novel in 1950.", "The author (born 1950) published her first novel at 30.",
         "not supported"),
        ("William O. Douglas was born in 1980.",
         "William O. Douglas (1898–1980), the longest-serving justice, sat on the Court from 1939 to 1975.",
         "not supported"),
        ("The band was founded in 1960.", "The Beatles (1960–1970) were an English rock band founded in Liverpool.",
         Verdict.SUPPORTED),
        # known wrong "supported" answers of own probes, kept visible: each needs who did what to whom,
        # which no rule here reads yet
        *(pytest.param(claim, page, "not supported", marks=pytest.mark.xfail(strict=True, reason=reason))
          for claim, page, reason in _KNOWN_WRONG_SUPPORTED),
    ],
)
def test_probes_of_a_wrong_supported(claim, page, expected):
    verdict = check_claim(claim, page).verdict
    assert verdict is not Verdict.SUPPORTED if expected == "not supported" else verdict is expected


def test_the_years_of_a_life_neither_back_nor_contradict_a_deed():
    result = check_claim("Leo Tolstoy wrote War and Peace in 1865.", "Leo Tolstoy (1828–1910) wrote War and Peace.")
    assert result.verdict is Verdict.NOT_FOUND
    noted = check_claim("Leo Tolstoy wrote War and Peace in 1828.", "Leo Tolstoy (1828–1910) wrote War and Peace.")
    assert noted.notes == ["the passage's “1828” is a name's years of birth and death (or first and last), not the "
                           "claim's event: not counted"]


@pytest.mark.parametrize(
    ("claim", "page", "expected"),
    [
        ("The team finished second in 2019.", "In 2019 the team finished fourth. In 2015 it had finished second.",
         Verdict.CONTRADICTED),
        ("Police arrested 20 people in 2019.", "In 2019 police arrested 35 people in the city. In 2018 they arrested 20.",
         Verdict.CONTRADICTED),
        # another figure in the sentence of the claim's date is no rival when it counts another thing
        ("The museum had 2 million visitors in 2019.",
         "The museum opened in 2019 with 300 staff. It had 2 million visitors that year.", Verdict.SUPPORTED),
        # a season gives both of the claim's years
        ("Arsenal reached the First Division in the 1903-1904 season.",
         "Arsenal won promotion to the First Division in the 1903–04 season.", Verdict.SUPPORTED),
    ],
)
def test_the_sentence_that_gives_the_claims_other_facts_decides_a_figure_found_elsewhere(claim, page, expected):
    result = check_claim(claim, page)
    assert result.verdict is expected
    if expected is Verdict.CONTRADICTED:
        assert any(note.startswith("the passage that gives the claim's other facts says") for note in result.notes)


def test_a_figure_said_of_another_time_is_named_in_a_note():
    result = check_claim("Police arrested 20 people on Monday.", "Police arrested 20 people on Tuesday.")
    assert result.verdict is Verdict.NOT_FOUND
    assert result.notes == ["the passage's “20” is said of another place, time, name or thing than the claim's: "
                            "not counted"]


@pytest.mark.parametrize(
    ("claim", "page"),
    [
        ("Police arrested 20 people in the city on Monday.",
         "On Monday, police arrested 20 people in the city."),
        ("The company previously reported a loss of $2 million.",
         "The company previously reported a loss of $2 million."),
        ("He was previously jailed for 5 years.",
         "He was previously jailed for 5 years for fraud."),
        ("The government spent $3 billion on defence.",
         "The government spent $3 billion on defence and $2 billion on health."),
        ("Police seized 2 tonnes of cocaine.",
         "Police seized 2 tonnes of cocaine and 300 kg of cannabis."),
        ("Turnout was 55% in the capital.",
         "Turnout was 70% nationwide but only 55% in the capital."),
        ("More than 1,000 flights were cancelled.",
         "More than 1,000 flights were cancelled and 200 were delayed."),
        ("The fire destroyed 300 homes.",
         "The fire destroyed 300 homes and damaged none of the schools."),
        ("Over 500 people were killed in the first week of the war.",
         "Over 500 people were killed in the first week of the war alone."),
        ("Shares rose 5% on Monday.",
         "Shares rose 5% on Monday morning."),
        ("Sales rose 10% in the first quarter.",
         "In the first quarter, sales rose 10%."),
        ("The firm employs 5,000 people in Germany.",
         "The firm employs 5,000 people in Germany and 2,000 in France."),
        ("Sales rose 10% this year.",
         "Sales rose 10% this year, the company said on Monday."),
        ("The stadium holds 60,000 fans.",
         "The stadium, built in 1990, holds 60,000 fans."),
        ("The bridge cost €80 million.",
         "The bridge was budgeted at €50 million but cost €80 million."),
        ("The trial began in June 2021.",
         "The trial, first set for 3 March 2021, began in June 2021."),
        ("The ship carried 300 passengers.",
         "The ship, designed in Italy, carried 300 passengers when it sank."),
        ("The law was passed in 2015.",
         "The law, first considered in 2010, was passed in 2015."),
        ("More than 40 journalists were detained in 2021.",
         "Around 45 journalists were detained in 2021, up from 30 in 2020."),
    ],
)
def test_the_rules_against_a_wrong_supported_keep_the_right_ones(claim, page):
    """The same shapes as the probes above, where the page does say what the claim says."""
    assert check_claim(claim, page).verdict is Verdict.SUPPORTED
