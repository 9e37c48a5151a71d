"""A realistic run of the "Nardaran case" registry, built by hand, for the report tests and the
screenshot in docs/: a contradicted count, a supported sentence, a dead source checked against
its Wayback copy, an unsourced claim, a flag, an override, and a page title that carries markup."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from citewatch.changes import what_changed
from citewatch.models import (
    CheckedCopy,
    CountFact,
    DateFact,
    EntityFact,
    Evidence,
    FactOutcome,
    FactResult,
    Op,
    RangeFact,
    SourceStatus,
    Verdict,
)
from citewatch.results import AppliedOverride, ArchiveRef, ClaimResult, RunResult, SourceResult

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
HOSTILE_TITLE = '<script>alert("x")</script><b>Report.az</b> & co'

FORUM18 = ("Azerbaijan: Nardaran. Since the police assault on Nardaran on 26 November 2015, 65 "
           "supporters of the Muslim Unity Movement have been arrested. Many remain in pre-trial "
           "detention in Baku.")
CHAIKHANA = ("Nardaran: discontent and violence. After the raid, over 70 more people were arrested, "
             "most of them released after a few days. Residents say the tension had grown for months.")
HRW = ("Azerbaijan: Abuse Allegations Mar High-Profile Trial. On January 25, 2017, the Baku Serious "
       "Crimes Court sentenced 18 people to prison terms ranging from 10 to 20 years. The men "
       "alleged beatings, threats and electric shocks in custody.")
HRW_OLD = ("Azerbaijan: Abuse Allegations Mar High-Profile Trial. The Baku Serious Crimes Court is "
           "expected to rule on the case of 18 defendants. The men alleged beatings and threats in custody.")
REPORT_AZ = ("Azerbaijani President takes Nardaran special operation under control. The special "
             "operation in Nardaran settlement on 26 November 2015 was carried out to neutralise an "
             "armed group.")


def _span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def _evidence(text: str, sentence: str, *highlight: str) -> Evidence:
    start, end = _span(text, sentence)
    return Evidence(text=sentence, start=start, end=end, score=0.8,
                    highlights=[_span(text, h) for h in highlight])


def _fact(text: str, fact, outcome: FactOutcome, words: str, evidence: int = 0) -> FactResult:
    start, end = _span(text, words)
    return FactResult(fact=fact, outcome=outcome, evidence=evidence, found=words, start=start, end=end)


def arrests_claim() -> ClaimResult:
    fact = CountFact(value=70, op=Op.GT)
    forum = "Since the police assault on Nardaran on 26 November 2015, 65 supporters of the Muslim Unity Movement have been arrested."
    chai = "After the raid, over 70 more people were arrested, most of them released after a few days."
    return ClaimResult(
        id="arrests", section="2015 operation and arrests", verdict=Verdict.CONTRADICTED, facts=[fact],
        text="more than seventy individuals were arrested",
        sources=[
            SourceResult(url="http://www.forum18.org/archive.php?article_id=2173", status=SourceStatus.LIVE,
                         http_status=200, final_url="http://www.forum18.org/archive.php?article_id=2173",
                         checked_copy=CheckedCopy.LIVE, verdict=Verdict.CONTRADICTED, confidence=0.82,
                         title="Forum 18: AZERBAIJAN: Nardaran", text=FORUM18,
                         evidence=[_evidence(FORUM18, forum, "arrested")],
                         facts=[_fact(FORUM18, fact, FactOutcome.CONTRADICTED, "65")],
                         archive=ArchiveRef(warc="archive/warc/citewatch-20261120.warc.gz", offset=18244,
                                            wayback_url="https://web.archive.org/web/20240305101010/http://www.forum18.org/archive.php?article_id=2173",
                                            wayback_timestamp="20240305101010")),
            SourceResult(url="https://chaikhana.media/en/stories/350/nardaran-discontent-and-violence",
                         status=SourceStatus.LIVE, http_status=200, checked_copy=CheckedCopy.LIVE,
                         verdict=Verdict.SUPPORTED, confidence=0.8, text=CHAIKHANA,
                         title="Nardaran: discontent and violence – Chai Khana",
                         evidence=[_evidence(CHAIKHANA, chai, "arrested")],
                         facts=[_fact(CHAIKHANA, fact, FactOutcome.FOUND, "over 70")],
                         archive=ArchiveRef(warc="archive/warc/citewatch-20261120.warc.gz", offset=40961)),
        ])


def sentencing_claim(text: str = HRW, verdict: Verdict = Verdict.SUPPORTED) -> ClaimResult:
    facts = [DateFact(value="2017-01-25"), CountFact(value=18), RangeFact(low=10, high=20, unit="years"),
             EntityFact(name="Baku Serious Crimes Court")]
    found = text.find("sentenced 18") >= 0
    sentence = ("On January 25, 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms "
                "ranging from 10 to 20 years.") if found else "The Baku Serious Crimes Court is expected to rule on the case of 18 defendants."
    results = [_fact(text, facts[3], FactOutcome.FOUND, "Baku Serious Crimes Court")]
    if found:
        results += [_fact(text, facts[0], FactOutcome.FOUND, "January 25, 2017"),
                    _fact(text, facts[1], FactOutcome.FOUND, "sentenced 18"),
                    _fact(text, facts[2], FactOutcome.FOUND, "10 to 20 years")]
    return ClaimResult(
        id="sentencing", section="Trials and sentencing", verdict=verdict, facts=facts,
        text="On 25 January 2017, the Baku Serious Crimes Court sentenced 18 people to prison terms ranging from 10 to 20 years.",
        sources=[SourceResult(
            url="https://www.hrw.org/news/2017/01/26/azerbaijan-abuse-allegations-mar-high-profile-trial",
            status=SourceStatus.LIVE, http_status=200, checked_copy=CheckedCopy.LIVE, verdict=verdict,
            confidence=0.93, text=text, title="Azerbaijan: Abuse Allegations Mar High-Profile Trial | Human Rights Watch",
            published="2017-01-26", evidence=[_evidence(text, sentence)], facts=results,
            archive=ArchiveRef(warc="archive/warc/citewatch-20261120.warc.gz", offset=88120))])


def operation_claim(dead: bool = True, title: str = HOSTILE_TITLE) -> ClaimResult:
    fact = DateFact(value="2015-11-26")
    sentence = "The special operation in Nardaran settlement on 26 November 2015 was carried out to neutralise an armed group."
    source = SourceResult(
        url="https://report.az/en/incident/azerbaijani-president-takes-nardaran-special-operation-under-control/",
        status=SourceStatus.DEAD if dead else SourceStatus.LIVE, http_status=404 if dead else 200,
        checked_copy=CheckedCopy.WAYBACK if dead else CheckedCopy.LIVE, verdict=Verdict.PARTIALLY_SUPPORTED,
        confidence=0.6, text=REPORT_AZ, title=title,
        error="the page answered 404 Not Found; checked the Wayback Machine copy" if dead else None,
        evidence=[_evidence(REPORT_AZ, sentence)],
        facts=[_fact(REPORT_AZ, fact, FactOutcome.FOUND, "26 November 2015"),
               FactResult(fact=DateFact(value="2015-11-25"), outcome=FactOutcome.MISSING)],
        archive=ArchiveRef(wayback_url="https://web.archive.org/web/20151201093000/https://report.az/en/incident/azerbaijani-president-takes-nardaran-special-operation-under-control/",
                           wayback_timestamp="20151201093000"))
    return ClaimResult(id="operation-dates", section="2015 operation and arrests",
                       verdict=Verdict.PARTIALLY_SUPPORTED, facts=[DateFact(value="2015-11-25"), fact],
                       text="On 25–26 November 2015, Azerbaijani security forces launched a major operation in Nardaran.",
                       sources=[source])


def unsourced_claim() -> ClaimResult:
    return ClaimResult(id="lankaran", section="Background", verdict=Verdict.UNSOURCED,
                       text="another such region would be Lankaran")


def torture_claim() -> ClaimResult:
    sentence = "The men alleged beatings, threats and electric shocks in custody."
    return ClaimResult(
        id="torture-allegations", section="Torture allegations", verdict=Verdict.SUPPORTED,
        facts=[EntityFact(name="Amnesty International")],
        text="reporting incidents of beatings, threats, and coerced confessions",
        sources=[SourceResult(
            url="https://www.hrw.org/news/2017/01/26/azerbaijan-abuse-allegations-mar-high-profile-trial",
            status=SourceStatus.LIVE, http_status=200, checked_copy=CheckedCopy.LIVE,
            verdict=Verdict.SUPPORTED, confidence=0.7, text=HRW,
            title="Azerbaijan: Abuse Allegations Mar High-Profile Trial | Human Rights Watch",
            evidence=[_evidence(HRW, sentence, "beatings, threats")],
            override=AppliedOverride(supports=True, reason="The HRW report describes the coerced confessions in its second section.",
                                     who="amina", at=T0 - timedelta(days=2), machine_verdict=Verdict.PARTIALLY_SUPPORTED),
            archive=ArchiveRef(warc="archive/warc/citewatch-20261120.warc.gz", offset=88120))],
        machine_verdict=Verdict.PARTIALLY_SUPPORTED)


def sample_runs(source_title: str = HOSTILE_TITLE) -> tuple[RunResult, RunResult]:
    """Two runs: in the second the HRW page changed, report.az died and a claim was added."""
    earlier = RunResult(document_id="nardaran-case", document_title="Nardaran case", run_id="20261117-060000-a1b2",
                        started_at=T0 - timedelta(days=3), finished_at=T0 - timedelta(days=3, seconds=-40),
                        claims=[arrests_claim(), sentencing_claim(HRW_OLD, Verdict.PARTIALLY_SUPPORTED),
                                operation_claim(dead=False, title=source_title)])
    latest = RunResult(document_id="nardaran-case", document_title="Nardaran case", run_id="20261120-060000-c3d4",
                       started_at=T0, finished_at=T0 + timedelta(seconds=52),
                       claims=[arrests_claim(), sentencing_claim(), operation_claim(dead=True, title=source_title),
                               torture_claim(), unsourced_claim()])
    return earlier, latest


def sample_report(title: str = "Nardaran case", source_title: str = HOSTILE_TITLE) -> dict:
    """The report of the second sample run, with a flag, failure history and changes.
    ``source_title`` is the title of the report.az page (by default one that carries markup)."""
    from citewatch.report import build_report
    from citewatch.review import Flag, Override

    earlier, latest = sample_runs(source_title)
    latest = latest.model_copy(update={"document_title": title})
    for claim in latest.claims:
        for source in claim.sources:
            if source.status == SourceStatus.DEAD:
                source.failures, source.failing_since = 1, T0
    flags = [Flag(id=1, document_id="nardaran-case", claim_id="arrests", who="editor-desk", created_at=T0 - timedelta(days=1),
                  reason="Forum 18 gives 65; check the ECHR communication for the final count.")]
    overrides = [Override(id=1, document_id="nardaran-case", claim_id="torture-allegations",
                          url=latest.claims[3].sources[0].url, supports=True, who="amina",
                          reason="The HRW report describes the coerced confessions in its second section.",
                          created_at=T0 - timedelta(days=2))]
    return build_report(latest, what_changed(earlier, latest), flags, None, overrides=overrides)
