"""infer_facts / find_facts: numbers, qualifiers, ranges, dates at their precision, names, quotes."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from citewatch.compare import Relation, compare
from citewatch.context import names_beside
from citewatch.facts import fact_label, find_facts, found_facts, infer_facts, number_value
from citewatch.models import CountFact, DateFact, EntityFact, Op, QuoteFact, RangeFact
from citewatch.names import find_name
from citewatch.passages import split_sentences, stems_of
from citewatch.wording import coverage_near


def _counts(text):
    return [(f.fact.value, f.fact.op) for f in find_facts(text) if isinstance(f.fact, CountFact)]


def _dates(text, **kw):
    return [f.fact.value for f in find_facts(text, **kw) if isinstance(f.fact, DateFact)]


def test_infer_more_than_seventy():
    assert infer_facts("more than seventy individuals were arrested") == [CountFact(value=70, op=Op.GT)]


def test_infer_the_sentencing_claim():
    facts = infer_facts("On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms "
                        "ranging from 10 to 20 years.")
    assert DateFact(value="2017-01-25") in facts
    assert CountFact(value=18) in facts
    assert RangeFact(low=10, high=20, unit="years") in facts
    assert EntityFact(name="Baku Serious Crimes Court") in facts
    assert len(facts) == 4


def test_infer_year_names_and_quote():
    facts = infer_facts('In 2022, the United States State Department imposed sanctions on Kerim Alimardanov '
                        '"for involvement in gross human rights violations, namely, torturing detainees in 2015 and 2016".')
    assert facts[0] == DateFact(value="2022")
    assert EntityFact(name="United States State Department") in facts
    assert EntityFact(name="Kerim Alimardanov") in facts
    assert QuoteFact(text="for involvement in gross human rights violations, namely, torturing detainees in 2015 "
                          "and 2016") in facts
    assert DateFact(value="2015") not in facts  # inside the quote: the quote covers it


def test_sentences_without_checkable_facts_give_none():
    assert find_facts("Nardaran is known for conservative Shia traditions and periodic tensions with "
                      "Azerbaijani authorities, another such region would be Lankaran.") == []
    assert infer_facts("A variety of poems were widely shared on social media.") == []


def test_founded_and_led_by_gives_a_date_and_a_name():
    facts = [f.fact for f in find_facts("founded in 2015 and led by Taleh Bagirzade")]
    assert facts == [DateFact(value="2015"), EntityFact(name="Taleh Bagirzade")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("seventy people", [(70, Op.EQ)]),
        ("eighteen defendants", [(18, Op.EQ)]),
        ("a dozen journalists", [(12, Op.APPROX)]),
        ("Arrests: 70+ people", [(70, Op.GE)]),
        ("1,200 protesters", [(1200, Op.EQ)]),
        ("one thousand two hundred protesters", [(1200, Op.EQ)]),
        ("twenty-five activists", [(25, Op.EQ)]),
        ("more than 70 people", [(70, Op.GT)]),
        ("over 70 people", [(70, Op.GT)]),
        ("at least 68 supporters", [(68, Op.GE)]),
        ("about 70 people", [(70, Op.APPROX)]),
        ("nearly 300 people", [(300, Op.APPROX)]),
        ("up to 20 detainees", [(20, Op.LE)]),
        ("dozens of believers", [(24, Op.GE)]),
        ("no fewer than 75 people", [(75, Op.GE)]),
        ("a rating higher than 21 %", [(21, Op.GT)]),
        ("a rating lower than 70 %", [(70, Op.LT)]),
        ("a crowd larger than 500 people", [(500, Op.GT)]),
        ("более 70 человек", [(70, Op.GT)]),
        ("ən azı 68 nəfər", [(68, Op.GE)]),
        ("2.4 million crowns", [(2_400_000, Op.EQ)]),
        ("1.5 млн манатов", [(1_500_000, Op.EQ)]),
        ("two were wounded and one was killed", [(2, Op.EQ), (1, Op.EQ)]),
        ("the lowest temperature, minus 8.6 degrees Celsius", [(-8.6, Op.EQ)]),
        ("the coldest, at negative six-point-six degrees Celsius", [(-6.6, Op.EQ)]),
        ("twenty point five percent", [(20.5, Op.EQ)]),
        # one unit of time, when a qualifier or a tie to another time makes it a span
        ("comes less than a week after the breach", [(1, Op.LT)]),
        ("the lawsuit we filed a year ago", [(1, Op.EQ)]),
        ("it took more than a decade to build", [(1, Op.GT)]),
        ("the fair is held twice a year", []),
        ("once a week the market opens", []),
    ],
)
def test_numbers_and_qualifiers(text, expected):
    assert _counts(text) == expected


@pytest.mark.parametrize(
    "text",
    ["under Article 214 of the Criminal Code", "application no. 47347/18", "vol. 12 issue 214",
     "one of the colonels", "the 1990s", "№ 5", "a 3-0 win"],
)
def test_labels_and_codes_are_not_counts(text):
    assert _counts(text) == []


@pytest.mark.parametrize(
    "text, low, high, unit",
    [
        ("prison terms ranging from 10 to 20 years", 10, 20, "years"),
        ("between ten and twenty years", 10, 20, "years"),
        ("10–20 years in prison", 10, 20, "years"),
        ("sentenced to 10-20 years", 10, 20, "years"),
        ("от 10 до 20 лет", 10, 20, "years"),
        ("10 ildən 20 ilədək həbs", 10, 20, "years"),
        ("between 40 and 50 protesters", 40, 50, None),
        ("an error rate of 2.5-3.5%", 2.5, 3.5, "%"),
        ("errors range from 3.5–5% body fat", 3.5, 5, "%"),
    ],
)
def test_ranges(text, low, high, unit):
    ranges = [f.fact for f in find_facts(text) if isinstance(f.fact, RangeFact)]
    assert ranges == [RangeFact(low=low, high=high, unit=unit)]


def test_a_score_is_not_a_range():
    assert not [f for f in find_facts("Neftchi won 3-1 at home") if isinstance(f.fact, RangeFact)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("On 25 January 2017, the court", ["2017-01-25"]),
        ("on January 25, 2017, the court", ["2017-01-25"]),
        ("25.01.2017", ["2017-01-25"]),
        ("2017-01-25", ["2017-01-25"]),
        ("in January 2017", ["2017-01"]),
        ("in 2017", ["2017"]),
        ("On 25–26 November 2015", ["2015-11-25", "2015-11-26"]),
        ("subsequent trials (2016–2017)", ["2016", "2017"]),
        ("25 января 2017 года", ["2017-01-25"]),
        ("в декабре 2022 года", ["2022-12"]),
        ("2015-ci ildə", ["2015"]),
        ("the 13th of January, 2015", ["2015-01-13"]),
        # tokenised text puts a space before the comma: "June , 2001" is still one date
        ("born 10th June , 2001 .", ["2001-06-10"]),
        ("in June , 2001 .", ["2001-06"]),
        # the year first, the date closing its clause
        ("On 1975 April 15, the company was established.", ["1975-04-15"]),
    ],
)
def test_dates_keep_their_precision(text, expected):
    assert _dates(text) == expected


def test_dates_without_a_year_need_a_default_year_and_say_so():
    assert _dates("on Friday 9 December the Department acted") == []
    found = [f for f in find_facts("on Friday 9 December the Department acted", default_year=2022)
             if isinstance(f.fact, DateFact)]
    assert found[0].fact == DateFact(value="2022-12-09") and found[0].year_assumed
    assert _counts("on Friday 9 December the Department acted") == []  # a day, not a count of 9


def test_may_the_verb_is_not_a_month():
    assert _dates("the court may 2017 decide", default_year=2017) == ["2017"]


def test_offsets_point_at_the_words():
    text = "Police said that over 70 people were arrested on 26 November 2015 by Kerim Alimardanov."
    for found in find_facts(text):
        assert text[found.start : found.end] == found.text
    words = {found.text for found in find_facts(text)}
    assert {"over 70", "26 November 2015", "Kerim Alimardanov"} <= words


def test_negation():
    found = {f.text: f for f in find_facts("In the end 17, not 18, people were sentenced.")}
    assert found["18"].negated and found["18"].negates == ""
    assert not found["17"].negated
    dated = [f for f in find_facts("The Department did not impose sanctions on him in 2022.")
             if isinstance(f.fact, DateFact)][0]
    assert dated.negated and dated.negates == "impose"
    assert not find_facts("no fewer than 75 people")[0].negated


@pytest.mark.parametrize(
    "name, text",
    [
        ("Taleh Bagirzade", "Taleh Bağırzadə tərəfindən"),
        ("Kerim Alimardanov", "polkovnik Kərim Əlimərdanov"),
        ("Kerim Alimardanov", "Керим Алимарданов"),
        ("Kerim Alimardanov", "colonel Alimardanov said"),
        ("Elsen Xezer", "the poet Elshan Khazar"),
        ("Vuqar Bileceri", "Vugar Bileceri recited"),
        ("Taleh Bagirzade", "Taleh Bagirzadeh"),
        ("Baku Serious Crimes Court", "the Serious Crimes Court in Baku"),
        ("United States State Department", "the State Department said"),
        ("PAHO Director Carissa Etienne", "the Pan American Health Organization (PAHO) Director Carissa F. Etienne"),
        ("Century Link", "In Wisconsin, CenturyLink acquired 70,000 access lines"),
    ],
)
def test_names_across_spellings(name, text):
    assert find_name(name, text) is not None


@pytest.mark.parametrize(
    "text, names",
    [
        ("arrested British Virgin Islands Premier Andrew Fahie, 51,", ["British Virgin Islands", "Andrew Fahie"]),
        ("PAHO Director Carissa Etienne said", ["PAHO", "Carissa Etienne"]),
        ("Prime Minister Boris Johnson said", ["Boris Johnson"]),
        ("President Joe Biden said", ["President Joe Biden"]),
    ],
)
def test_a_name_run_through_a_title_is_its_owner_and_the_person(text, names):
    assert [f.fact.name for f in find_facts(text) if isinstance(f.fact, EntityFact)] == names


@pytest.mark.parametrize(
    "name, text",
    [("Taleh Bagirzade", "Taleh Bagirov"), ("Kerim Alimardanov", "Kerim Huseynov"),
     ("Baku Serious Crimes Court", "the Court of Appeal"), ("PAHO Director Carissa Etienne", "Director Carissa F. Smith"),
     ("Century Link", "Century Telephone linked up")],
)
def test_other_names_are_not_found(name, text):
    assert find_name(name, text) is None


def test_aliases():
    assert find_name("Taleh Bagirzade", "Taleh Bagirov was sentenced", aliases=["Taleh Bagirov"]) == (0, 13)


@pytest.mark.parametrize(
    "claim, source, relation",
    [
        (CountFact(value=70, op=Op.GT), CountFact(value=70, op=Op.GT), Relation.SUPPORTS),
        (CountFact(value=70, op=Op.GT), CountFact(value=68, op=Op.GE), Relation.NEUTRAL),
        (CountFact(value=70, op=Op.GT), CountFact(value=70, op=Op.APPROX), Relation.NEUTRAL),
        (CountFact(value=70, op=Op.GE), CountFact(value=70, op=Op.GT), Relation.SUPPORTS),
        (CountFact(value=70, op=Op.GT), CountFact(value=70), Relation.CONTRADICTS),
        (CountFact(value=18), CountFact(value=17), Relation.CONTRADICTS),
        (CountFact(value=18), CountFact(value=18, unit="years"), Relation.NEUTRAL),
        (CountFact(value=300, op=Op.APPROX), CountFact(value=295), Relation.SUPPORTS),
        # below zero: "under minus 5 degrees" has no floor at zero
        (CountFact(value=-5, op=Op.LT, unit="°"), CountFact(value=-8.6, unit="°"), Relation.SUPPORTS),
        (CountFact(value=-8.6, unit="°"), CountFact(value=8.6, unit="°"), Relation.CONTRADICTS),
        # "about" rounds no further than the figure's own last digit allows
        (CountFact(value=95, op=Op.LT, unit="%"), CountFact(value=99.4, op=Op.APPROX, unit="%"), Relation.CONTRADICTS),
        (CountFact(value=95, op=Op.LT, unit="%"), CountFact(value=91.3, op=Op.APPROX, unit="%"), Relation.SUPPORTS),
        (CountFact(value=95, op=Op.LT, unit="%"), CountFact(value=99, op=Op.APPROX, unit="%"), Relation.NEUTRAL),
        # both approximate: the source's own figure decides, not the overlap of two margins
        (CountFact(value=70, op=Op.APPROX, unit="%"), CountFact(value=60, op=Op.APPROX, unit="%"), Relation.CONTRADICTS),
        (CountFact(value=5, op=Op.APPROX, unit="months"), CountFact(value=3, op=Op.APPROX, unit="months"), Relation.CONTRADICTS),
        (CountFact(value=70, op=Op.APPROX), CountFact(value=72, op=Op.APPROX), Relation.SUPPORTS),
        # both bounded the same way: the source's figure decides ("just over $1.4 billion")
        (CountFact(value=2.4e9, op=Op.GT, unit="USD"), CountFact(value=1.4e9, op=Op.GT, unit="USD"), Relation.CONTRADICTS),
        (CountFact(value=70, op=Op.GT), CountFact(value=75, op=Op.GT), Relation.SUPPORTS),
        (CountFact(value=20, op=Op.LT), CountFact(value=30, op=Op.LT), Relation.CONTRADICTS),
        (CountFact(value=20, op=Op.LE), CountFact(value=15), Relation.SUPPORTS),
        # "over 6.2 million" is under 6.3 million, or the page would say so; it backs a bound, never contradicts
        (CountFact(value=6.3e6, op=Op.LT), CountFact(value=6.2e6, op=Op.GT), Relation.SUPPORTS),
        (CountFact(value=95e6, op=Op.LT, unit="USD"), CountFact(value=93.7e6, op=Op.GT, unit="USD"), Relation.SUPPORTS),
        (CountFact(value=2e9, op=Op.LT), CountFact(value=1e9, op=Op.GT), Relation.SUPPORTS),
        (CountFact(value=6.25e6, op=Op.LT), CountFact(value=6.2e6, op=Op.GT), Relation.NEUTRAL),
        (CountFact(value=103e6, op=Op.GT), CountFact(value=104e6, op=Op.LT), Relation.SUPPORTS),
        (CountFact(value=25e6, op=Op.GT), CountFact(value=10e6, op=Op.GT), Relation.CONTRADICTS),
        (CountFact(value=15e6, op=Op.GT), CountFact(value=10e6, op=Op.GT), Relation.CONTRADICTS),
        (CountFact(value=5e6, op=Op.LT), CountFact(value=10e6, op=Op.GT), Relation.CONTRADICTS),
        (CountFact(value=11e6), CountFact(value=10e6, op=Op.GT), Relation.NEUTRAL),
        (RangeFact(low=10, high=20, unit="years"), RangeFact(low=15, high=20, unit="years"), Relation.CONTRADICTS),
        (RangeFact(low=10, high=20, unit="years"), RangeFact(low=10, high=20), Relation.SUPPORTS),
        (DateFact(value="2022"), DateFact(value="2022-12-09"), Relation.SUPPORTS),
        (DateFact(value="2022"), DateFact(value="2021"), Relation.CONTRADICTS),
        (DateFact(value="2017-01-25"), DateFact(value="2017-01"), Relation.NEUTRAL),
        (DateFact(value="2017-01-25"), DateFact(value="2017-02"), Relation.CONTRADICTS),
    ],
)
def test_compare(claim, source, relation):
    assert compare(claim, source) is relation


def test_number_value():
    assert number_value("1,200") == 1200
    assert number_value("seventy-two") == 72
    assert number_value("one thousand two hundred") == 1200
    assert number_value("several") is None


@pytest.mark.parametrize(("written", "value"), [("300.000", 300_000), ("1.500.000", 1_500_000), ("2.995", 2.995),
                                               ("0.505", 0.505), ("12,5", 12.5)])
def test_thousands_grouped_by_dots_and_decimals(written, value):
    assert number_value(written) == value
    assert [f.fact.value for f in found_facts(f"It has {written} members.")] == [value]


def test_labels_write_large_numbers_in_full():
    assert fact_label(CountFact(value=2400000, unit="crowns")) == "2,400,000 crowns"
    assert fact_label(CountFact(value=70, op=Op.GT)) == "> 70"
    assert fact_label(RangeFact(low=1.5, high=3000)) == "1.5–3,000"


def test_found_facts_are_the_callers_own_though_texts_are_read_once():
    text = "On 25 January 2017 more than 70 people were arrested in Nardaran, Kerim Alimardanov said."
    first = find_facts(text)
    expected = repr(first)
    for found in first:  # a reading is frozen (offsets move by copy, as the checker does per sentence) ...
        with pytest.raises(FrozenInstanceError):
            found.start += 1000  # type: ignore[misc]
        if isinstance(found.fact, CountFact):
            found.fact.value = 1  # ... and a caller's edit of a fact stays in its own copy
    assert repr(find_facts(text)) == expected
    facts = infer_facts(text)
    facts.clear()
    assert infer_facts(text) == [DateFact(value="2017-01-25"), CountFact(value=70, op=Op.GT),
                                 EntityFact(name="Kerim Alimardanov")]


def test_found_is_finding_not_founding():
    from citewatch.normalize import stem

    assert stem("founded") == stem("established") == stem("created")
    assert stem("found") not in {stem("founded"), stem("founding")}
    assert stem("found") == stem("finds")


@pytest.mark.parametrize("words, group", [
    (["arrested", "detained", "apprehended", "задержаны"], "arrest"),  # a word that starts with a member
    (["worldwide", "globally"], "global"),
    (["kill", "dead", "died", "fatalities", "homicide"], "kill"),
    (["gross", "grossed", "earnings"], "earn"),
    (["detai"], "arrest"),  # from four letters, a word that a member starts with
])
def test_a_word_stems_to_the_first_synonym_group_it_belongs_to(words, group):
    from citewatch.normalize import stem

    assert {stem(word) for word in words} == {group}
    assert stem("dea") != "kill"  # not a member's beginning under four letters


def test_a_hash_before_a_number_is_a_rank_not_a_hashtag():
    ranks = [f.fact for f in found_facts("'Alone' hit #1 for three weeks; it ranked # 13 later.") if f.fact.unit == "rank"]
    assert [r.value for r in ranks] == [1.0, 13.0]
    assert not [f for f in found_facts("Follow #hashtag1 and C#3 on the site") if getattr(f.fact, "unit", None) == "rank"]


def test_number_and_a_number_word_is_a_chart_position():
    ranks = [f.fact.value for f in found_facts("It reached number seven in France and number one in Spain.")
             if getattr(f.fact, "unit", None) == "rank"]
    assert ranks == [7.0, 1.0]
    assert not [f for f in found_facts("A number of fans came; number one hundred was sold.")
                if getattr(f.fact, "unit", None) == "rank"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("His car rolled twice in the crash.", [(2.0, Op.EQ)]),
        ("She won the award thrice.", [(3.0, Op.EQ)]),
        ("The club has won the title more than twice.", [(2.0, Op.GT)]),
        ("They sold twice as many copies.", []),  # a ratio, not a count
        ("It meets twice a week.", []),  # a frequency
    ],
)
def test_twice_and_thrice_count_times(text, expected):
    assert _counts(text) == expected


@pytest.mark.parametrize(("text", "year"), [("Edwards led a revival before 1750.", "1750"),
                                            ("He was born after 1210 in England.", "1210")])
def test_a_year_before_1800_after_before_or_after_is_a_date(text, year):
    assert _dates(text) == [year]


@pytest.mark.parametrize(
    ("claim", "source", "bound", "expected"),
    [
        ("1968-09", "1969-01-05", "before", Relation.CONTRADICTS),
        ("1968-09", "1968-03-01", "before", Relation.SUPPORTS),
        ("1982", "1982", "before", Relation.CONTRADICTS),  # the bound itself is outside
        ("2020-03-14", "2020-03-15", "after", Relation.SUPPORTS),
        ("2020-03-14", "2020-03", "after", Relation.NEUTRAL),  # the month holds the day
    ],
)
def test_a_date_against_a_claims_open_interval(claim, source, bound, expected):
    from citewatch.compare import compare_date_with_bound

    assert compare_date_with_bound(DateFact(value=claim), DateFact(value=source), bound) is expected


def test_covid_is_found_as_the_coronavirus():
    assert find_name("COVID-19", "44 new coronavirus cases were reported") == (7, 18)
    assert find_name("COVID", "the Covid-19 pandemic") is not None
    assert find_name("COVID-19", "the flu season") is None


def test_a_year_after_a_possessive_is_a_year_whatever_noun_follows():
    found = [f for f in find_facts("More than a quarter of Hillary Clinton's 2016 supporters were white voters")
             if not isinstance(f.fact, EntityFact)]
    assert [type(f.fact).__name__ for f in found] == ["CountFact", "DateFact"]
    assert found[1].fact.value == "2016"
    counted = [f for f in find_facts("The rally drew 2016 supporters") if not isinstance(f.fact, EntityFact)]
    assert isinstance(counted[0].fact, CountFact) and counted[0].fact.value == 2016


@pytest.mark.parametrize(
    "text, expected",
    [
        ("As of 27 April 2020 , the state has 1986 confirmed cases .", ("CountFact", 1986)),
        ("there were 2040 new cases on Monday", ("CountFact", 2040)),
        ("In 2020 confirmed cases rose", ("DateFact", "2020")),
        ("the 2020 coronavirus pandemic", ("DateFact", "2020")),
    ],
)
def test_a_four_digit_number_before_participles_and_a_counted_noun_is_a_count(text, expected):
    found = [f.fact for f in find_facts(text) if not isinstance(f.fact, EntityFact) and f.text[:2] in ("19", "20")]
    assert (type(found[-1]).__name__, found[-1].value) == expected


@pytest.mark.parametrize("text", ["25 different desktop 3-D printers", "a 3D printer", "5G networks"])
def test_3d_and_5g_are_kinds_not_counts(text):
    counts = [f.fact.value for f in find_facts(text) if isinstance(f.fact, CountFact)]
    assert 3.0 not in counts and 5.0 not in counts


@pytest.mark.parametrize("text", ["on the 30th anniversary of the launch", "on the 30-year anniversary of the launch"])
def test_an_nth_anniversary_is_n_years(text):
    counts = [f.fact for f in find_facts(text) if isinstance(f.fact, CountFact)]
    assert [(c.value, c.unit) for c in counts] == [(30.0, "years")]


def test_a_name_written_with_a_possessive_on_the_page_is_there():
    from citewatch.wording import names_missing

    text = "Aisha’s Salon and Spa was founded 30 years ago to create a safe space for women."
    assert "Aisha" not in names_missing("Aisha's Salon and Spa barred men from its salons.", text)
    assert "Fatima" in names_missing("Fatima's Salon and Spa barred men from its salons.", text)


@pytest.mark.parametrize(
    "claim_words, sentence, covered",
    [
        ("people isolated county", "In the county, 187 people were quarantined at home.", 1.0),
        ("people looking shelter", "In the county, 187 people were expected to need shelter.", 2 / 3),  # a rarer sense
        ("people housed barracks", "In the county, 187 people were held in the old barracks.", 2 / 3),
        ("album units sold", "The album has sold 2.99 million copies.", 1.0),  # nouns that count the same thing
    ],
)
def test_words_near_the_figures_are_met_by_their_most_frequent_sense_only(claim_words, sentence, covered):
    claim_stems = stems_of(claim_words)
    assert coverage_near(claim_stems, split_sentences(sentence), [0], synonyms=True) == pytest.approx(covered)
    assert coverage_near(claim_stems, split_sentences(sentence), [0]) == pytest.approx(2 / 3)


def test_one_clear_forgets_every_reading_of_a_text():
    from citewatch import check, context, facts, memo, names, passages, wording

    page = "On 25 January 2017 more than 70 people were arrested in Nardaran, Kerim Alimardanov said."
    check.check_claim("More than 70 people were arrested in Nardaran in January 2017", page)
    readings = [check._normalised_kept, context._read_claim, facts._found_facts, facts._vocabulary,
                names._text_keys, names._find_name, passages._split_cached, passages.stems_of, wording.names_in]
    assert sum(cached.cache_info().currsize for cached in readings) > 0
    memo.clear()
    assert all(cached.cache_info().currsize == 0 for cached in readings)
    assert all(cached in memo._READINGS for cached in readings)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Barnet in 1573.Around 100 books were dedicated to him.", ["Barnet in 1573.", "Around 100 books were dedicated to him."]),
        ("a limited release in June 1985.The film was not a hit", ["a limited release in June 1985.", "The film was not a hit"]),
        ("Mr.Smith moved to St.Louis in 2019.", ["Mr.Smith moved to St.Louis in 2019."]),  # abbreviations
        ("Visit Amazon.com or version 3.14.Then", ["Visit Amazon.com or version 3.14.Then"]),
    ],
)
def test_a_full_stop_glued_to_the_next_sentence_ends_a_sentence_after_a_word_or_a_year(text, expected):
    assert [sentence.text for sentence in split_sentences(text)] == expected


@pytest.mark.parametrize(
    "claim, passage, turned",
    [
        ("it will seek to get the least bang for the billions", "it will seek to get the most bang for the billions",
         ("least", "most")),
        ("officials executed an uncontrolled burn of vinyl chloride", "officials executed a controlled burn of vinyl chloride",
         ("uncontrolled", "controlled")),
        ("soon will be required to include a statement", "soon will not be required to include a statement",
         ("will be", "will not be")),
        ("the authorities have not found any evidence of it", "the authorities have found any evidence of it",
         ("have not found", "have found")),
        # the opposite stands elsewhere, not in the claim word's place
        ("it will seek to get the least bang for the billions", "most say it will seek to get bang for the billions", None),
        # the words around differ: no one thing said both ways
        ("prices rose in the north last year", "wages fell sharply while rents climbed", None),
    ],
)
def test_a_word_turned_into_its_opposite_in_the_claims_own_words_is_found(claim, passage, turned):
    from citewatch.wording import turned_in_place

    assert turned_in_place(claim, passage) == turned


def test_a_capitalised_word_after_a_whole_sentence_of_the_claim_is_no_name_to_find():
    from citewatch.wording import names_missing

    claim = "Mutschelleben lies in Thuringia (Germany) near Arnstadt. Officials counted 900 residents there."
    assert names_missing(claim, "a village") == ["Mutschelleben", "Thuringia", "Germany", "Arnstadt"]


@pytest.mark.parametrize(
    "sentence, beside",
    [
        ("The ministers met for the Pacific Summit, to be held June 8, 2022 in San Marcos, officials said.", True),
        ("The ministers met on Monday, June 8, 2022, to plan the agenda of the Pacific Summit.", False),
    ],
)
def test_a_claims_name_right_beside_a_value_is_noted_on_its_occurrence(sentence, beside):
    from citewatch.context import claim_contexts, occurrences
    from citewatch.facts import found_facts
    from citewatch.models import DateFact

    claim = "The Pacific Summit was scheduled to take place in San Marcos on June 8, 2022."
    facts = [f.fact for f in found_facts(claim, 2022)]
    context = next(c for c in claim_contexts(claim, facts) if isinstance(c.fact, DateFact))
    read = [(s, list(found_facts(s.text)), stems_of(s.text)) for s in split_sentences(sentence)]
    found = [o for o in occurrences(context, read, facts, None) if isinstance(o.found.fact, DateFact)]
    assert found and found[0].name_beside is beside


def test_a_name_that_holds_the_value_is_not_beside_it():
    from citewatch.context import _claims_name_beside, claim_contexts
    from citewatch.facts import FoundFact
    from citewatch.models import CountFact, EntityFact

    claim = "Freddy Mercury was ranked sixth on the list."
    facts = [f.fact for f in found_facts(claim)]
    context = next(c for c in claim_contexts(claim, facts) if isinstance(c.fact, CountFact))
    holding = split_sentences("Freddy Mercury 6 is a record.")[0]
    name = FoundFact(EntityFact(name="Freddy Mercury 6"), 0, 16, "Freddy Mercury 6")
    six = FoundFact(CountFact(value=6, unit="rank"), 15, 16, "6")
    assert not _claims_name_beside(holding, six, [name, six], context)
    beside = split_sentences("Freddy Mercury at #6? Few would argue.")[0]
    name = FoundFact(EntityFact(name="Freddy Mercury"), 0, 14, "Freddy Mercury")
    six = FoundFact(CountFact(value=6, unit="rank"), 18, 20, "#6")
    assert _claims_name_beside(beside, six, [name, six], context)


def test_the_names_beside_a_value_are_those_nearer_to_it_than_to_its_clauses_other_values():
    text = ("The film has grossed $20.1 million in the United States and Canada and $45 million in other "
            "territories for a worldwide total of $65.1 million.")
    sentence = split_sentences(text)[0]
    facts = found_facts(sentence.text)
    beside = {f.text: names_beside(sentence, f, facts) for f in facts if isinstance(f.fact, CountFact)}
    assert beside["$20.1 million"] == stems_of("United States")
    assert beside["$45 million"] == beside["$65.1 million"] == set()  # no "of", "the" of a name either


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The group has under two billion views.", [(2e9, Op.LT)]),
        ("It received more than 1.45 billion views.", [(1.45e9, Op.GT)]),  # "billion" is no second figure
        ("They approved a budget of billion euros.", []),  # the figure is missing from the page
        ("They approved a budget of million euros.", []),
        ("They approved a billion euros.", [(1e9, Op.EQ)]),
    ],
)
def test_billion_is_a_number_word_and_never_a_figure_alone(text, expected):
    assert _counts(text) == expected


def test_a_date_without_a_year_before_a_count_keeps_both():
    found = [(f.text, f.fact) for f in find_facts("As of March 21, 61 cases were hospitalized.", default_year=2020)
             if not isinstance(f.fact, EntityFact)]
    assert found == [("March 21", DateFact(value="2020-03-21")), ("61", CountFact(value=61))]
    assert _dates("On 21 March, 61 people were hospitalized.", default_year=2020) == ["2020-03-21"]
