"""The value reader (citewatch.facts) for every form a real page writes, and the verdict rules that
depend on it (docs/verdicts.md): one test per form, then the invariants."""

import pytest

from citewatch.check import check_claim
from citewatch.compare import Relation, compare
from citewatch.facts import find_facts
from citewatch.models import CountFact, DateFact, Op, Verdict
from citewatch.names import find_name


def _values(text):
    return [(f.fact.value, f.fact.op, f.fact.unit) for f in find_facts(text) if isinstance(f.fact, CountFact)]


def _dates(text):
    return [f.fact.value for f in find_facts(text) if isinstance(f.fact, DateFact)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Investigators seized €410,000 in cash", [(410_000, Op.EQ, "EUR")]),
        ("a fine of $59 million", [(59_000_000, Op.EQ, "USD")]),
        ("exports of just over US$2.4 billion", [(2_400_000_000, Op.GT, "USD")]),
        ("a reward of ¥40,000", [(40_000, Op.EQ, "JPY")]),
        ("for more than $600,000, the paper said", [(600_000, Op.GT, "USD")]),
        ("about £2m to run", [(2_000_000, Op.APPROX, "GBP")]),
        ("it cost 3 million euros", [(3_000_000, Op.EQ, "EUR")]),
        ("a bill of 30m dollars", [(30_000_000, Op.EQ, "USD")]),
        ("priced at $24.95", [(24.95, Op.EQ, "USD")]),
    ],
)
def test_money_with_currency_and_magnitude(text, expected):
    assert _values(text) == expected


@pytest.mark.parametrize(
    "text, minutes, op",
    [("at about 10:41 a.m. Tuesday", 641, Op.APPROX), ("at around 21:00hrs they heard", 1260, Op.APPROX),
     ("the alarm rang at 11 pm", 1380, Op.EQ), ("from 1:00 p.m. to 3 p.m.", 780, Op.EQ)],
)
def test_times_of_day(text, minutes, op):
    assert _values(text)[0] == (minutes, op, "time of day")


@pytest.mark.parametrize(
    "text, rank",
    [("reached No. 5 on the Billboard charts", 5), ("the 4th round", 4), ("in the second quarter of 2020", 2),
     ("the Second District court", 2), ("in the first quarter", 1), ("the twelfth largest opening", 12)],
)
def test_ordinals(text, rank):
    assert (rank, Op.EQ, "rank") in _values(text)


def test_first_alone_is_not_a_rank():
    assert _values("for the first time since the war") == []


@pytest.mark.parametrize(
    "text, expected",
    [("a 15-year-old boy", (15, Op.EQ, "age")), ("a man aged 75", (75, Op.EQ, "age")),
     ("at the age of 83,", (83, Op.EQ, "age")), ("a 14-station line", (14, Op.EQ, None)),
     ("the 18-page ruling", (18, Op.EQ, None))],
)
def test_hyphen_compounds_and_ages(text, expected):
    assert _values(text) == [expected]


@pytest.mark.parametrize(
    "text, value",
    [("half of Democratic voters", 50), ("one in five adults", 20), ("two thirds of the members", 66.67),
     ("a quarter of the budget", 25)],
)
def test_shares_are_percentages(text, value):
    assert _values(text)[0][0] == value and _values(text)[0][2] == "%"


@pytest.mark.parametrize(
    "text, expected",
    [("14 kilos of cocaine", (14, Op.EQ, "kg")), ("0.4°C warmer", (0.4, Op.EQ, "°C")),
     ("a 24cm tin", (24, Op.EQ, "cm")), ("two dozen people", (24, Op.EQ, None)),
     ("a rating of 4.7/10", (4.7, Op.EQ, "/10")), ("a rating of 30 % based on reviews", (30, Op.EQ, "%")),
     ("a rating average of 8.2 out of 10", (8.2, Op.EQ, "/10")), ("sold less than 2million copies", (2e6, Op.LT, None)), ("a score of 34 out of 100 ,", (34, Op.EQ, "/100")),
     ("rated it 4 out of 5 stars", (4, Op.EQ, "/5")), ("3 out of 5 people agree", (60, Op.EQ, "%"))],
)
def test_units_dozens_and_ratings(text, expected):
    assert _values(text)[0] == expected


@pytest.mark.parametrize(
    "claim, source, relation",
    [(CountFact(value=2, unit="years"), CountFact(value=24, unit="months"), Relation.SUPPORTS),
     (CountFact(value=2, unit="years"), CountFact(value=18, unit="months"), Relation.CONTRADICTS),
     (CountFact(value=14, unit="kg"), CountFact(value=14000, unit="g"), Relation.SUPPORTS),
     (CountFact(value=641, op=Op.APPROX, unit="time of day"), CountFact(value=701, unit="time of day"),
      Relation.CONTRADICTS),
     (CountFact(value=33, unit="age"), CountFact(value=33), Relation.SUPPORTS),
     (CountFact(value=33, unit="age"), CountFact(value=34), Relation.NEUTRAL),
     (CountFact(value=5, unit="USD"), CountFact(value=5, unit="EUR"), Relation.NEUTRAL),
     (CountFact(value=84.5, op=Op.LT, unit="%"), CountFact(value=84, unit="/100"), Relation.SUPPORTS),
     (CountFact(value=7.5, op=Op.LT, unit="/10"), CountFact(value=84, unit="/100"), Relation.NEUTRAL)],
)
def test_units_convert_or_stay_apart(claim, source, relation):
    assert compare(claim, source) is relation


@pytest.mark.parametrize(
    "text, expected",
    [("in 1776 the colonies", ["1776"]), ("2012's election", ["2012"]), ("on April 8 , 2020 .", ["2020-04-08"])],
)
def test_years_before_1800_possessive_years_and_spaced_commas(text, expected):
    assert _dates(text) == expected


def test_institution_names_in_either_order_and_without_their_country():
    text = "On 9 December 2022 the Department of State designated Kerim Alimardanov."
    assert find_name("United States State Department", text) is not None
    assert find_name("State Department", text) is not None


# --- the invariants of docs/verdicts.md ----------------------------------------------------


def _verdict(claim, text, **kw):
    return check_claim(claim, text, **kw)


def test_a_value_read_in_both_forms_decides():
    assert _verdict("Investigators seized €410,000 in cash", "Investigators seized 90,000 euros in cash.").verdict \
        is Verdict.CONTRADICTED
    assert _verdict("Investigators seized €410,000 in cash", "Investigators seized 410,000 euros in cash.").verdict \
        is Verdict.SUPPORTED
    assert _verdict("The firm paid $4.1 million in fines", "The firm paid $1.2 million in fines.").verdict \
        is Verdict.CONTRADICTED


def test_a_value_the_reader_cannot_read_is_never_supported():
    result = _verdict("The final score was 3-2 after extra time at the stadium",
                      "The final score was 4-1 after extra time at the stadium.")
    assert result.verdict is not Verdict.SUPPORTED
    assert any("could not read" in note for note in result.notes)


def test_names_and_wording_alone_never_make_a_claim_with_figures_supported():
    result = _verdict("Riverside County committed to reinvest $3 million in community organizations.",
                      "Riverside County committed to reinvest in community organizations.")
    assert result.verdict is Verdict.NOT_FOUND


def test_names_alone_are_anchors_not_facts():
    result = _verdict("In 2021, the State Department imposed sanctions on Kerim Alimardanov.",
                      "The State Department imposed sanctions on Kerim Alimardanov.")
    assert result.verdict is Verdict.NOT_FOUND


@pytest.mark.parametrize("hedge", ["reportedly", "allegedly", "is projected to"])
def test_a_hedge_in_the_source_caps_at_partially_supported_and_is_named(hedge):
    claim = "Unemployment fell to 4% in 2024 in the northern region."
    text = f"Unemployment {hedge} fell to 4% in 2024 in the northern region." if hedge in (
        "reportedly", "allegedly") else f"Unemployment {hedge} fall to 4% in 2024 in the northern region."
    result = _verdict(claim, text)
    assert result.verdict is Verdict.PARTIALLY_SUPPORTED
    assert any(hedge.split()[-2 if " to" in hedge else -1] in note for note in result.notes)


def test_an_expected_value_is_not_a_stated_one():
    result = _verdict("Unemployment fell to 4% in 2024 in the northern region.",
                      "Unemployment is expected to fall to 4% in 2024 in the northern region.")
    assert result.verdict is not Verdict.SUPPORTED


def test_a_negated_event_contradicts():
    result = _verdict("The party won with 58% of the vote", "The party did not win with 58% of the vote.")
    assert result.verdict is Verdict.CONTRADICTED and "negates" in " ".join(result.notes)


@pytest.mark.parametrize(
    "claim, text",
    [("The team won the final.", "The team lost the final."),
     ("Prices rose sharply in the capital last spring.", "Prices fell sharply in the capital last spring."),
     ("The museum opened its new wing to visitors.", "The museum closed its new wing to visitors.")],
)
def test_antonyms_contradict_a_claim_without_figures(claim, text):
    assert _verdict(claim, text).verdict is Verdict.CONTRADICTED


def test_a_swapped_name_is_not_supported():
    claim = "Activists dumped gallons of yellow and blue paint in front of the Russian embassy in Moscow."
    text = "Activists dumped gallons of yellow and blue paint in front of the Russian embassy in London."
    result = _verdict(claim, text)
    assert result.verdict is not Verdict.SUPPORTED and "Moscow" in " ".join(result.notes)


def test_a_dateline_backs_the_year_only_where_the_text_ties_the_event_to_the_page():
    claim = "In 2022, the State Department designated Kerim Alimardanov."
    today = "Press release. The Department of State today designated Kerim Alimardanov."
    undated = "Press release. The Department of State has designated Kerim Alimardanov."
    assert _verdict(claim, today, published="2022-12-09").verdict is Verdict.SUPPORTED
    assert _verdict(claim, undated, published="2022-12-09").verdict is Verdict.NOT_FOUND
    assert _verdict(claim, today, published="2023-01-05").verdict is Verdict.NOT_FOUND  # never contradicts
    on_the_day = "On 9 December 2022, the State Department designated Kerim Alimardanov."
    assert _verdict(on_the_day, today, published="2022-12-09").verdict is not Verdict.SUPPORTED


def test_a_bound_is_not_backed_by_another_value_of_the_sentence():
    claim = "Warcraft's rating on Rotten Tomatoes is based on less than 173 reviews."
    text = "The review aggregator Rotten Tomatoes gives the film a rating of 30 %, based on 175 reviews."
    assert _verdict(claim, text).verdict is not Verdict.SUPPORTED


def test_before_and_after_a_date_are_open_intervals_the_bound_itself_outside():
    text = "Assassination Nation was released on September 21, 2018."
    assert _verdict("Assassination Nation was released after September 21, 2018.", text).verdict \
        is Verdict.CONTRADICTED
    assert _verdict("Assassination Nation was released after September 20, 2018.", text).verdict \
        is Verdict.SUPPORTED
    assert _verdict("Assassination Nation was released before 2018.", text).verdict is Verdict.CONTRADICTED
    unjudged = _verdict("Assassination Nation was released after September 20, 2018.", "A film by Sam Levinson.")
    assert unjudged.verdict is not Verdict.SUPPORTED


def test_the_claims_other_words_must_stand_around_its_facts():
    claim = "Davis had a team high 11 assists for the club in the 2006 season of the league."
    text = "2006 MLS: Davis had a career-high 11 assists, second in MLS."
    assert _verdict(claim, text).verdict is Verdict.PARTIALLY_SUPPORTED


def test_a_comparison_turned_around_contradicts():
    assert _verdict("Copper is more reactive than iron.", "Hence, iron is more reactive than copper.").verdict \
        is Verdict.CONTRADICTED
    assert _verdict("Copper is more reactive than iron.", "Copper is more reactive than iron.").verdict \
        is Verdict.SUPPORTED


def test_a_value_written_the_same_in_the_sentence_that_says_what_the_claim_says_is_found():
    claim = "Mekhi Gbedey's older brother Khaleel, 22, started the family's GoFundMe page for his care."
    text = ("Mekhi Gbedey, 20, was diagnosed with muscular dystrophy.\n"
            "Mekhi’s older brother Khaleel, 22, started the Go Fund Me page earlier this month to raise money for "
            "his sibling’s medical care.")
    assert _verdict(claim, text).verdict is Verdict.SUPPORTED


def test_a_bound_or_a_hedge_beside_the_same_value_does_not_count():
    assert _verdict("the Muslim Unity Movement was founded in 2015",
                    "The Muslim Unity Movement was founded before 2015.").verdict is Verdict.NOT_FOUND
    assert _verdict("In 2016, the ministry imposed sanctions on Orlan Vesk.",
                    "Officials said the ministry may impose sanctions on Orlan Vesk in 2016.").verdict \
        is not Verdict.SUPPORTED


@pytest.mark.parametrize("text", ["Resident Evil 5 sold well", "the Illinois Route 29 bridge", "the RTX 3080 card"])
def test_a_number_inside_a_name_is_not_a_count(text):
    assert _values(text) == []


def test_a_number_after_a_name_that_counts_something_is_a_count():
    assert _values("Chelsea 18 players were fined") == [(18, Op.EQ, None)]


def test_a_bound_is_not_backed_by_a_sentence_that_also_holds_a_value_it_excludes():
    claim = "King Arthur: Legend of the Sword grossed less than $122 million globally."
    text = ("King Arthur: Legend of the Sword has grossed $36.3 million in the United States and Canada and $85 "
            "million in other territories for a worldwide total of $122.2 million.")
    assert _verdict(claim, text).verdict is not Verdict.SUPPORTED


def test_number_words_inside_a_name_are_not_counts():
    assert _values("written by the band Twenty One Pilots for their album") == []


@pytest.mark.parametrize("text", ["About 3,000 dock workers walked off the job", "The strike ended.\nAbout 3,000 workers"])
def test_a_qualifier_that_starts_a_sentence_is_not_a_name(text):
    assert _values(text) == [(3000, Op.APPROX, None)]


def test_a_value_in_a_list_belongs_to_the_name_beside_it():
    claim = "According to the survey, 47% of NFL fans are female."
    text = "Truth: 45% of NFL fans are female, 46% of MLB fans are female, 47% of MLS fans are female."
    assert _verdict(claim, text).verdict is not Verdict.SUPPORTED
    assert _verdict("According to the survey, 47% of MLS fans are female.", text).verdict is Verdict.SUPPORTED


def test_the_name_a_claim_starts_with_must_be_on_the_page():
    claim = "Mutschelleben is a village in Germany."
    text = "Bad Bayersoien is a village in Upper Bavaria, Germany."
    assert _verdict(claim, text).verdict is not Verdict.SUPPORTED
    assert _verdict("Police arrested 12 people in the town.", "police arrested 12 people in the town.").verdict \
        is Verdict.SUPPORTED


def test_footnote_markers_are_not_counts():
    assert _values("[4] Between 1998 and 2017, Arsenal qualified") == []
    result = check_claim("Between 1989 and 2005, Arsenal won four league titles.",
                         "Between 1989 and 2005, they won five League titles.[4] Arsenal is a club.")
    assert result.verdict is not Verdict.SUPPORTED


@pytest.mark.parametrize(
    "text, expected",
    [("Marcus Morton was born on February 19, 1784.", ["1784-02-19"]), ("crowned on 25 December 1066", ["1066-12-25"])],
)
def test_a_day_and_month_make_any_four_digits_a_year(text, expected):
    assert _dates(text) == expected


def test_a_date_before_1800_is_not_backed_by_another_day():
    result = check_claim("Marcus Morton was born on February 19, 1784.",
                         "Marcus Morton was born in Freetown, Massachusetts on December 19, 1784.")
    assert result.verdict is not Verdict.SUPPORTED


@pytest.mark.parametrize(
    "text, noun",
    [
        ("Sarawak had 78 coronavirus cases.", "coronavirus cases"),
        ("There are 22 new cases reported.", "new cases"),
        ("flights to 25 domestic airports", "domestic airports"),
        ("300 people had recovered", "people"),
        ("16 others were hurt", "others"),
        ("and the number of recoveries reached 273, with", "recoveries"),
        ("A330 orders stand at 1,707, of which", "orders"),
        ("the total number of cases registered in the Sultanate is 484, of which", "cases"),
        ("the total number of cases registered in the Sultanate rose on Monday after 484", None),
        ("putting the total number of cases at more than 4,200", "cases"),  # a qualifier between them
        ("it makes 3-D printers up to two times faster", None),  # a multiplier counts nothing
        ("Airbus has less than 1,705 current A330 orders", "current a330 orders"),  # a model name inside the phrase
        ("the company said it was 40, not", None),
        # a participle inside the phrase does not end it before its head
        ("Assam reported 4 new confirmed coronavirus cases on April 3", "new confirmed coronavirus cases"),
        ("12 wounded soldiers were flown out", "wounded soldiers"),
        ("370 killed in the attack", "killed"),
        ("there have been more than 190 reported cases", "reported cases"),
        ("police said 370 reported to the station", None),
        # "more", "additional" between the number and its noun leave the noun counted
        ("three additional deaths were reported", "deaths"),
        ("five more cases were confirmed", "cases"),
        ("5 more than last year", None),
        ("two more were killed", None),
    ],
)
def test_the_counted_noun_is_the_phrase_after_the_number_head_last(text, noun):
    assert [f.noun for f in find_facts(text) if isinstance(f.fact, CountFact)] == [noun]


def test_a_number_counts_what_the_head_of_its_phrase_names():
    claim = "Sarawak had 78 coronavirus cases."
    assert check_claim(claim, "Sarawak has 78 confirmed cases.").verdict is Verdict.SUPPORTED
    assert check_claim("Sarawak had 78 new cases.", "Sarawak has 78 new deaths.").verdict is not Verdict.SUPPORTED


def test_the_page_heading_is_the_context_of_every_sentence():
    claim = "Germany has reported less than 71,800 cases of coronavirus and less than 776 deaths."
    sentence = "71,891 cases have been reported with 777 deaths and approximately 16,100 recoveries."
    assert check_claim(claim, "2020 coronavirus pandemic in Germany\n" + sentence).verdict is Verdict.CONTRADICTED
    elsewhere = sentence + "\nThe 2020 coronavirus pandemic in Germany began in January."
    assert check_claim(claim, elsewhere).verdict is not Verdict.CONTRADICTED


def test_a_claim_negated_where_its_figures_are_stated_plainly_is_not_supported():
    source = "Police arrested 41 protesters in the capital on Sunday."
    assert check_claim("Police arrested 41 protesters in the capital on Sunday.", source).verdict is Verdict.SUPPORTED
    negated = check_claim("Police did not arrest 41 protesters in the capital on Sunday.", source)
    assert negated.verdict is not Verdict.SUPPORTED
    assert any("negated" in note for note in negated.notes)


def test_a_word_exchanged_in_an_otherwise_identical_sentence_is_named_and_caps_the_verdict():
    source = ("An Australian pleaded guilty on Thursday to manslaughter in the death 35 years ago of an American "
              "who fell from a Sydney clifftop that was known as a gay meeting place.")
    swapped = check_claim("An Australian pleaded guilty to manslaughter in the death 35 years ago of an American "
                          "who fell from a Sydney beach that was known as a gay meeting place.", source)
    assert swapped.verdict is Verdict.PARTIALLY_SUPPORTED
    assert any("“clifftop” where the claim says “beach”" in note for note in swapped.notes)


@pytest.mark.parametrize("text, minutes", [("The crash happened about 1.p.m.", 13 * 60), ("at 10.30pm", 22 * 60 + 30),
                                          ("at 3 p.m. on Friday", 15 * 60)])
def test_a_time_of_day_is_read_with_a_stray_full_stop_before_pm(text, minutes):
    from citewatch.facts import found_facts

    times = [f.fact for f in found_facts(text) if getattr(f.fact, "unit", None) == "time of day"]
    assert [t.value for t in times] == [minutes]


def test_an_acronym_or_a_word_of_the_pages_heading_is_no_exchange():
    acronym = check_claim("The film earned $4.2 million in the US and Canada and $0.7 million in other territories.",
                          "Gloria Bell has grossed $4.2 million in the United States and Canada and $0.7 million in "
                          "other territories.")
    assert acronym.verdict is Verdict.SUPPORTED, acronym.notes
    heading = check_claim("By 24 April 2020, Moldova had 3110 confirmed cases of coronavirus, out of which 755 recovered.",
                          "2020 coronavirus pandemic in Moldova\nBy 10 April, all regions had cases.\nSchools closed.\n"
                          "As of 24 April 2020, there have been 3110 confirmed "
                          "cases in Moldova, out of which 755 recovered.")
    assert heading.verdict is Verdict.SUPPORTED, heading.notes


def test_a_word_exchanged_in_the_sentence_beside_the_figures_sentence_is_named_too():
    source = ("Activists in London dumped gallons of yellow and blue paint in front of the Russian embassy on Thursday. "
              "The protest comes on the eve of the one-year anniversary of the invasion.")
    claim = ("On the eve of the one-year anniversary of the invasion, activists dumped gallons of {} and blue paint "
             "in front of the Russian embassy.")
    assert check_claim(claim.format("yellow"), source).verdict is Verdict.SUPPORTED
    swapped = check_claim(claim.format("green"), source)
    assert swapped.verdict is Verdict.PARTIALLY_SUPPORTED
    assert any("“yellow” where the claim says “green”" in note for note in swapped.notes)


def test_two_colours_are_no_synonyms_though_wordnet_files_both_under_chromatic():
    from citewatch.wording import _same_meaning

    assert not _same_meaning(["green"], ["yellow"])
    assert _same_meaning(["greenish"], ["green"])  # a satellite adjective keeps its head


@pytest.mark.parametrize("claim_word", ["plunged", "dropped", "fell"])
def test_a_synonym_or_a_kind_of_the_same_event_is_no_exchange(claim_word):
    source = "The American fell from a Sydney clifftop 35 years ago, the court heard on Thursday."
    claim = f"The American {claim_word} from a Sydney clifftop 35 years ago, the court heard."
    assert check_claim(claim, source).verdict is Verdict.SUPPORTED


def test_an_age_is_no_part_of_a_group_whatever_time_word_stands_beside_it():
    result = check_claim("Mekhi's older brother Khaleel, 24, started the family's GoFundMe page.",
                         "Mekhi's older brother Khaleel, 22, started the GoFundMe page earlier this month.")
    assert result.verdict is Verdict.CONTRADICTED


def test_projects_as_a_noun_is_no_hedge():
    from citewatch.wording import hedges_added

    assert hedges_added("It consumed 2.8 GWh.", "The Rubik's Cube projects consumed 2.8 GWh.") == []
    assert hedges_added("Growth is 3%.", "The IMF projects 3% growth.") == ["projects"]


def test_a_comparison_turned_round_after_a_colon_is_read():
    result = check_claim("Copper is more reactive than iron.",
                         "View Solution Copper metal is more reactive than hydrogen. Assertion(A):Iron is more reactive than copper.")
    assert result.verdict is Verdict.CONTRADICTED


@pytest.mark.parametrize("name", ["C#", "C++", "F#"])
def test_a_name_with_a_sign_is_not_its_letter(name):
    assert check_claim(f"{name} is a programming language.",
                       "C is a general-purpose programming language created by Dennis Ritchie.").verdict \
        is not Verdict.SUPPORTED
    assert check_claim(f"{name} is a programming language.",
                       f"{name} is a general-purpose programming language.").verdict is Verdict.SUPPORTED


def test_a_year_that_names_its_thing_is_bound_to_it():
    assert [f.noun for f in find_facts("eligible for the 2020 prize") if isinstance(f.fact, DateFact)] == ["prize"]
    result = check_claim("Books published in English are eligible for the 2018 prize.",
                         "Books bearing a copyright of 2018 or 2019 are eligible for the 2020 prize.")
    assert result.verdict is not Verdict.SUPPORTED
    assert check_claim("Books published in English are eligible for the 2018 prize.",
                       "Books published in English are eligible for the 2018 prize, the jury said.").verdict \
        is Verdict.SUPPORTED


def test_a_bound_is_backed_by_the_value_of_its_own_noun_among_several():
    claim = "There have been less than 2,550 cases of coronavirus in Morocco and less than 134 deaths."
    page = "2020 coronavirus pandemic in Morocco\nThe confirmed cases numbered 2528 cases, with 273 recoveries and 133 deaths."
    result = check_claim(claim, page)
    assert result.verdict is Verdict.SUPPORTED
    assert check_claim("There have been less than 2,500 cases of coronavirus in Morocco.", page).verdict \
        is not Verdict.SUPPORTED


def test_a_total_that_pairs_with_no_other_name_belongs_to_the_subject_of_the_sentence():
    page = ("Book Club grossed $68.6 million in the United States and Canada, and $15.6 million in other "
            "territories, for a worldwide total of $84.2 million.")
    assert check_claim("Book Club earned a worldwide total of $84.2 million.", page).verdict is Verdict.SUPPORTED
    assert check_claim("Book Club earned a worldwide total of $90 million.", page).verdict is not Verdict.SUPPORTED


def test_a_sentence_with_one_span_of_time_is_read_for_values():
    from citewatch.facts import may_state_values

    assert may_state_values("The lawsuit we filed a year ago aimed to end the program.")
    assert not may_state_values("The lawsuit aimed to end the program.")
    result = check_claim(
        "The lawsuit was filed a year before the settlement.",
        "The settlement was announced on Tuesday by the county.\nThe lawsuit we filed a year ago aimed to end the program.",
    )
    assert [f.outcome.value for f in result.facts if isinstance(f.fact, CountFact)] == ["found"]


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("Newfoundland was annexed in the 16th century.", 1500, 1599),
        ("It happened in the nineteenth century.", 1800, 1899),
        ("The band formed in the 1990s.", 1990, 1999),
        ("She served there in the early 2000s.", 2000, 2003),
        ("It peaked in the mid-1980s.", 1983, 1986),
        ("a late-1960s London", 1966, 1969),
    ],
)
def test_a_decade_or_a_century_is_read_as_the_calendar_years_it_spans(text, low, high):
    from citewatch.facts import found_facts
    from citewatch.models import CALENDAR_YEARS, RangeFact

    periods = [f.fact for f in found_facts(text) if isinstance(f.fact, RangeFact)]
    assert periods == [RangeFact(low=low, high=high, unit=CALENDAR_YEARS)]


@pytest.mark.parametrize(
    "text", ["an album named 21st Century Breakdown", "around the 2nd century BCE", "since the 1800s",
             "not until the 18th century"],
)
def test_a_title_an_era_before_ours_or_a_bound_is_no_period_value(text):
    from citewatch.facts import found_facts
    from citewatch.models import RangeFact

    assert not [f for f in found_facts(text) if isinstance(f.fact, RangeFact)]


@pytest.mark.parametrize(
    "claim, source, expected",
    [
        ("Great Britain annexed Newfoundland in the 16th century.", "Newfoundland was annexed by Great Britain in 1583.",
         Verdict.SUPPORTED),
        ("The band recorded its first album in the 1990s.", "The band recorded its first album in 2004.",
         Verdict.CONTRADICTED),
        ("The band recorded its first album in 1995.", "The band recorded its first album in the 1980s.",
         Verdict.CONTRADICTED),
    ],
)
def test_a_period_of_the_calendar_meets_the_years_a_page_gives(claim, source, expected):
    assert check_claim(claim, source).verdict is expected


def test_a_claim_word_between_two_values_of_a_bound_is_the_word_of_the_nearer_one():
    page = "Barnyard is a 2006 film. It grossed $116.5 million worldwide against a $51 million production budget."
    assert check_claim("Barnyard made over $116.25 million worldwide.", page).verdict is Verdict.SUPPORTED
    assert check_claim("Barnyard made over $116.25 million worldwide.",
                       "It had a $51 million production budget and grossed $116.5 million worldwide."
                       ).verdict is not Verdict.CONTRADICTED


def test_a_full_stop_glued_after_a_figure_with_thousands_ends_its_sentence():
    from citewatch.passages import split_sentences

    sentences = split_sentences("The Little Hours has grossed a total of $971,637.The film opened in two theaters.")
    assert [s.text for s in sentences] == ["The Little Hours has grossed a total of $971,637.",
                                           "The film opened in two theaters."]
    assert [s.text for s in split_sentences("It weighs 3.5 kg.")] == ["It weighs 3.5 kg."]


def test_a_sum_of_a_part_says_nothing_of_the_whole_below_a_bound():
    page = ("The Little Hours has grossed a total of $971,637. The film opened in two theaters on its opening weekend "
            "and grossed $61,560.")
    assert check_claim("The Little Hours has grossed less than $900,000.", page).verdict is Verdict.CONTRADICTED
    assert check_claim("The Little Hours has grossed more than $900,000.", page).verdict is Verdict.SUPPORTED
    part_only = "The film opened in two theaters on its opening weekend and grossed $61,560."
    assert check_claim("The Little Hours has grossed less than $900,000.", part_only).verdict is not Verdict.SUPPORTED


def test_people_told_by_the_event_under_the_pages_heading_count_the_claims_lives():
    """The sentence names the place only as "UK" and counts "people ... have died": the heading says
    what it is about, the initials rank it, and the people who died are the claim's lives."""
    page = ("2020 coronavirus pandemic in the United Kingdom\n103 people in the UK with confirmed infection have died, "
            "and one further death has been confirmed in the Cayman Islands.")
    assert check_claim("Coronavirus claimed more than 100 lives in the United Kingdom.", page).verdict is Verdict.SUPPORTED
    unrelated = "2020 coronavirus pandemic in the United Kingdom\n103 people in the UK with confirmed infection were tested."
    assert check_claim("Coronavirus claimed more than 100 lives in the United Kingdom.",
                       unrelated).verdict is not Verdict.SUPPORTED


def test_a_date_put_after_its_verbs_clause_belongs_to_it():
    page = ("The old toll bridge was opened in Springfield, Illinois, on March 3, 1998, the year of the great flood "
            "(rebuilt April 2, 2009) and the city's first bridge.")
    assert check_claim("The toll bridge was opened before 1990.", page).verdict is Verdict.CONTRADICTED
    assert check_claim("The toll bridge was opened after 1990.", page).verdict is Verdict.SUPPORTED
    # a date that opens its own sentence is told by what follows it
    opening = "Presence in Japan [ edit ] On April 15, 1975, Daiei Lawson Co., Ltd. was established as a subsidiary."
    assert check_claim("Lawson was first established in 1975.", opening).verdict is Verdict.SUPPORTED


def test_the_claims_other_figure_in_the_same_sentence_is_no_rival_of_a_bound():
    page = ("Parabellum has grossed $169 million in the United States and Canada, and $149.4 million in other "
            "territories, for a worldwide total of $318.4 million.")
    claim = "Parabellum grossed more than $168.9 million in the United States and Canada and more than {} worldwide."
    assert check_claim(claim.format("$318.3 million"), page).verdict is Verdict.SUPPORTED
    assert check_claim(claim.format("$320 million"), page).verdict is not Verdict.SUPPORTED


def test_a_claim_about_a_changed_plan_carries_the_pages_plan_but_not_its_could():
    claim = "The launch was delayed from May 5 to June 1."
    planned = "The launch was expected to take place on May 5 but was delayed to June 1 after a fault."
    assert check_claim(claim, planned, published="2023-01-10").verdict is Verdict.SUPPORTED
    possible = "Engineers said on Monday that the launch could be delayed to June 1 after a fault."
    assert check_claim("The launch was delayed to June 1.", possible, published="2023-01-10").verdict is not \
        Verdict.SUPPORTED
    might = "Organisers warned that the final might be postponed until June 1 if the storm hits."
    assert check_claim("The final was postponed until June 1.", might, published="2023-01-10").verdict is not \
        Verdict.SUPPORTED


def test_a_possibility_before_the_claims_verb_hedges_a_value_far_from_it():
    page = "The judge could postpone the trial of the two ministers to March 3, lawyers said on Monday."
    assert check_claim("The trial was postponed to March 3.", page, published="2023-01-10").verdict is not \
        Verdict.SUPPORTED
    stated = "The judge postponed the trial of the two ministers to March 3, lawyers said on Monday."
    assert check_claim("The trial was postponed to March 3.", stated, published="2023-01-10").verdict is \
        Verdict.SUPPORTED
    fact = "Sales at the company's 23 branches nationwide could not be completed on Friday."
    assert check_claim("Sales at its 23 branches could not be completed.", fact).verdict is Verdict.SUPPORTED
