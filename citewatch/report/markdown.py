"""The report as Markdown for a pull request or an issue: summary table, what changed, flags,
claims needing attention, citation needed. Text from sources is escaped, never interpreted: no
link, image, tag, table or emphasis of a page gets in, and neither do what GitHub and others link
by themselves in plain text (``https://…``, ``www.…``, ``@mentions``, ``#123``, e-mail addresses),
which an invisible zero-width space after ``:``, ``www``, ``@`` or ``#`` keeps inert."""

from __future__ import annotations

import re
from collections.abc import Mapping

from citewatch.counting import counted
from citewatch.report.build import needing_attention, with_verdict
from citewatch.report.marks import (
    COPY_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
    local_copy_command,
    segments,
    short_time,
    short_url,
    status_label,
)

MAX_ATTENTION_CLAIMS = 50  # a pull-request comment holds ~65,000 characters
MAX_TABLE_ROWS = 200
MAX_PASSAGES_PER_SOURCE = 2
VERDICT_ICONS = {"supported": "✅", "partially_supported": "🟡", "contradicted": "❌",
                 "not_found": "⚪", "unverifiable": "❔", "unsourced": "📝"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~#!&])")
_SPACE = re.compile(r"\s+")
_ZWSP = "\u200b"
_AUTOLINKED = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)(?=[\w-])|(?<=#)(?=\d)")


def inert(text: str) -> str:
    """``text`` with nothing a Markdown renderer links by itself: bare URLs, mentions, issue numbers."""
    return _AUTOLINKED.sub(_ZWSP, text)


def md(text: object) -> str:
    """Text as inert Markdown on one line: no links, tags, tables or emphasis sneak in."""
    return _SPECIAL.sub(r"\\\1", inert(_SPACE.sub(" ", str(text)).strip()))


def md_url(url: str) -> str:
    """A URL safe inside ``(...)`` of a Markdown link; anything but http(s) is not linked."""
    if not re.match(r"^https?://", url or "", re.I):
        return ""
    return re.sub(r"[()<>\s\\`]", lambda m: "%{:02X}".format(ord(m.group())), url)


def link(label: str, url: str | None) -> str:
    target = md_url(url or "")
    return f"[{md(label)}]({target})" if target else md(label)


def code(text: str) -> str:
    return "`" + str(text).replace("`", "'") + "`"


def _verdict(verdict: str) -> str:
    return f"{VERDICT_ICONS.get(verdict, '')} {VERDICT_LABELS.get(verdict, verdict)}".strip()


def _status(source: dict) -> str:
    words = status_label(source)
    if source.get("http_status"):
        words += f" (HTTP {source['http_status']})"
    if source.get("confirmed_dead"):
        words += f", **confirmed dead** after {counted(source['failures'], 'failed check')}"
    elif source.get("failures"):
        since = short_time(source.get("failing_since"))[:10]
        words += f", failing {source['failures']}× since {since}"
    return words


def _passage(evidence: dict) -> str:
    out = []
    for piece in segments(evidence["text"], evidence.get("marks", [])):
        raw = _SPACE.sub(" ", piece["text"])
        if piece["kind"] is None:
            out.append(_SPECIAL.sub(r"\\\1", inert(raw)))
            continue
        # Emphasis markers must touch the words: keep the spaces around them outside.
        lead, trail = " " if raw[:1] == " " else "", " " if raw[-1:] == " " else ""
        marker = "**⚠ " if piece["kind"] == "contradicted" else "**"
        out.append(f"{lead}{marker}{md(raw)}**{trail}" if raw.strip() else raw)
    return "".join(out).strip()


def _fence(lines: list[str], info: str = "") -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *lines, fence]


# --- sections ------------------------------------------------------------------------------


def _header(report: Mapping) -> list[str]:
    run = report["run"]
    lines = [f"# Verification report: {md(report['document']['title'])}", "",
             f"Document {code(report['document']['id'])} · run {code(run['id'])} · "
             f"started {short_time(run['started_at'])}"
             + (f" · finished {short_time(run['finished_at'])}" if run.get("finished_at") else ""), ""]
    if run.get("offline"):
        lines += ["> ⚠️ **Offline run.** No host could be reached, so no source was called dead; "
                  "sources were checked against archived copies where they exist.", ""]
    return lines


def _summary(report: Mapping) -> list[str]:
    summary = report["summary"]
    lines = ["| Verdict | Claims |", "|---|---:|"]
    for verdict, count in summary["verdicts"].items():
        if count:
            lines.append(f"| {_verdict(verdict)} | {count} |")
    lines.append(f"| **Total** | **{summary['claims']}** |")
    sources = summary.get("sources", {})
    lines += ["", f"Sources: {counted(sources.get('total', 0), 'source')} checked · "
                  f"{sources.get('failing', 0)} failing · {sources.get('confirmed_dead', 0)} confirmed dead", ""]
    return lines


def _changes(report: Mapping) -> list[str]:
    changes = report.get("changes")
    if changes is None:
        return []
    if changes["first_run"]:
        return ["## What changed since the last run", "",
                "First run of this document: nothing to compare yet.", ""]
    lines = [f"## What changed since the last run ({code(changes['previous_run_id'])}, "
             f"{short_time(changes.get('previous_started_at'))})", ""]
    if not changes["count"]:
        return lines + ["Nothing changed.", ""]
    for item in changes["started_failing"]:
        lines.append(f"- 🔻 **Started failing:** {link(short_url(item['url']), item['url'])} — "
                     f"{md(STATUS_LABELS.get(item['after'], item['after']))}"
                     + (f" (HTTP {item['http_status']})" if item.get("http_status") else "")
                     + f" · claims {', '.join(code(c) for c in item['claim_ids'])}")
    for item in changes["recovered"]:
        lines.append(f"- 🔺 **Recovered:** {link(short_url(item['url']), item['url'])} — answers again "
                     f"({md(STATUS_LABELS.get(item['after'], item['after']))})")
    for item in changes["content_changed"]:
        lines.append(f"- ✏️ **Content changed:** {link(short_url(item['url']), item['url'])} · claims "
                     f"{', '.join(code(c) for c in item['claim_ids'])}")
        if item["diff"]:
            diff = [f"{d['op'] if d['op'] != '…' else '@@'} {d['text']}".rstrip() for d in item["diff"]]
            if item.get("truncated"):
                diff.append("@@ (diff cut)")
            lines += ["", *("  " + line for line in _fence(diff, "diff")), ""]
        elif item.get("note"):
            lines.append(f"  ({md(item['note'])})")
    for flip in changes["verdict_flips"]:
        where = f" for source {link(short_url(flip['url']), flip['url'])}" if flip.get("url") else ""
        human = " (human override)" if flip.get("overridden") else ""
        lines.append(f"- 🔁 **Verdict flipped:** claim {code(flip['claim_id'])}{where}: "
                     f"{_verdict(flip['before'])} → {_verdict(flip['after'])}{human}")
    for claim in changes["claims_added"]:
        lines.append(f"- ➕ **Claim added:** {code(claim['id'])} — {md(claim['text'])}")
    for claim in changes["claims_removed"]:
        lines.append(f"- ➖ **Claim removed:** {code(claim['id'])} — {md(claim['text'])}")
    return lines + [""]


def _flags(report: Mapping) -> list[str]:
    if not report.get("flags"):
        return []
    lines = ["## Flagged for review", ""]
    for flag in report["flags"]:
        lines.append(f"- 🚩 {code(flag['claim_id'])} — {md(flag['reason'])} "
                     f"({md(flag['who'])}, {short_time(flag['at'])})")
    return lines + [""]


def _desk_actions(report: Mapping) -> list[str]:
    if not report.get("audit"):
        return []
    lines = ["## Review desk actions since the previous run", ""]
    for entry in report["audit"]:
        target = f"{code(entry['claim_id'])}: " if entry.get("claim_id") else ""
        why = f" — {md(entry['why'])}" if entry.get("why") else ""
        lines.append(f"- {target}{md(entry['what'])}{why} ({md(entry['who'])}, {short_time(entry['at'])})")
    return lines + [""]


def _source_lines(source: dict, finished_at: str | None = None) -> list[str]:
    label = source.get("title") or source["url"]
    copy = COPY_LABELS.get(source.get("checked_copy") or "", "no readable copy")
    parts = [f"- {link(label, source['url'])} — **{md(VERDICT_LABELS.get(source['verdict'], source['verdict']))}**",
             _status(source), f"checked: {copy}"]
    if source["archive"].get("wayback_url"):
        parts.append(link("archived copy", source["archive"]["wayback_url"]))
    command = local_copy_command(source, finished_at)
    if command:
        parts.append(f"local copy: {code(command)}")
    missing = list(dict.fromkeys(f["label"] for f in source.get("facts", []) if f["outcome"] == "missing"))
    if missing:
        parts.append("not in source: " + ", ".join(md(label) for label in missing))
    lines = [" · ".join(parts)]
    if source.get("override"):
        o = source["override"]
        lines.append(f"  - 👤 Override by {md(o['who'])}: {'supports' if o['supports'] else 'does not support'}"
                     f" — {md(o['reason'])} "
                     f"(machine said {md(VERDICT_LABELS.get(o['machine_verdict'], o['machine_verdict']))})")
    if source.get("error"):
        lines.append(f"  - {md(source['error'])}")
    if source.get("notes"):
        lines.append(f"  - {md('; '.join(source['notes']))}")
    for evidence in source["evidence"][:MAX_PASSAGES_PER_SOURCE]:
        lines.append(f"  > {_passage(evidence)}")
    return lines


def _attention(report: Mapping) -> list[str]:
    claims, more = needing_attention(report["claims"], MAX_ATTENTION_CLAIMS)  # the others only counted
    if not claims:
        return ["## Claims needing attention", "", "None: every sourced claim is supported.", ""]
    lines = ["## Claims needing attention", ""]
    for claim in claims:
        flagged = " 🚩" if claim.get("flags") else ""
        lines += [f"### {_verdict(claim['verdict'])} — {code(claim['id'])}{flagged}", "",
                  f"> {md(claim['text'])}", ""]
        if claim.get("machine_verdict"):
            lines += [f"Verdict set by a human override (machine: "
                      f"{md(VERDICT_LABELS.get(claim['machine_verdict'], claim['machine_verdict']))}).", ""]
        for source in claim["sources"]:
            lines += _source_lines(source, report["run"].get("finished_at"))
        lines.append("")
    if more:
        lines += [f"… and {more} more: see the HTML report.", ""]
    return lines


def _citation_needed(report: Mapping) -> list[str]:
    claims = with_verdict(report["claims"], "unsourced")
    if not claims:
        return []
    lines = ["## Citation needed", ""]
    for claim in claims:
        section = f" *({md(claim['section'])})*" if claim.get("section") else ""
        lines.append(f"- {code(claim['id'])} — {md(claim['text'])}{section}")
    return lines + [""]


def _live_count(sources: list[dict]) -> str:
    if not sources:
        return "none cited"
    live = sum(1 for s in sources if s["status"] in ("live", "redirected"))
    return f"{live}/{len(sources)} live"


def _all_claims(report: Mapping) -> list[str]:
    lines = ["## All claims", "", "| Claim | Verdict | Sources |", "|---|---|---|"]
    for claim in report["claims"][:MAX_TABLE_ROWS]:
        lines.append(f"| {code(claim['id'])} | {_verdict(claim['verdict'])} | {_live_count(claim['sources'])} |")
    if len(report["claims"]) > MAX_TABLE_ROWS:
        lines.append(f"| … | {len(report['claims']) - MAX_TABLE_ROWS} more | |")
    return lines + [""]


def render_markdown(report: Mapping) -> str:
    lines = (_header(report) + _summary(report) + _changes(report) + _flags(report)
             + _desk_actions(report) + _attention(report) + _citation_needed(report) + _all_claims(report))
    lines.append(f"<sub>{md(report.get('generator', 'citewatch'))} · schema {md(report['schema'])}</sub>")
    return "\n".join(lines) + "\n"
