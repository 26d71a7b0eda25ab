"""Markdown: a transcript read top to bottom.

The header names the server, channel and motion; then the phases with their lengths and
counts, the chronological transcript (what a moderator reads first), the results, the reply
tree and the full record. People appear by name (see :func:`bot.exports.readable.people`),
times as ``1 Dec 2026, 06:32 UTC``.

Member text never becomes Markdown: bodies, explanations and summaries sit in fenced blocks
longer than any backtick run they contain; one-line texts (motion, names, reasons) have every
ASCII punctuation backslash-escaped. The exporter writes exactly one ``#`` heading; arguments
in the reply tree are ``###`` headings, one level deeper per reply level (down to
``######``), in tree order; the transcript's days are ``###`` headings too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import BinaryIO, TextIO

from bot.exports.model import ArgumentRow, AuditRow, ExportSource, Header, MindChangeRow, SummaryRow
from bot.exports.readable import (
    action,
    clock,
    day,
    duration,
    mentions,
    people,
    phase_length,
    readable_times,
    span,
    when,
    where,
)
from bot.exports.spool import TreeSpool
from bot.exports.text import (
    KIND_TITLES,
    STANCES,
    fence,
    inline,
    marks_and_changes,
    percent,
    plural,
    points,
)
from bot.exports.timeline import PhaseStart, timeline
from bot.exports.writers import text_out

UNANSWERED_SHOWN = 100

Name = Callable[[str | None], str]
#: Member text as a fenced block, mentions written as names.
Quote = Callable[[str], str]


async def write_markdown(source: ExportSource, out: BinaryIO) -> None:
    """Write the whole transcript to ``out`` (UTF-8)."""
    header = source.header
    label = people(header)
    name: Name = lru_cache(maxsize=65536)(lambda user: inline(label(user)))
    quote: Quote = lambda text: fence(mentions(text, label))  # noqa: E731
    titles = {p.name: inline(p.title) for p in header.phases}
    phase: Callable[[str], str] = lambda key: titles.get(key) or inline(key)  # noqa: E731
    async with text_out(out) as w:
        _intro(w, header, name)
        _phases(w, header, name)
        with TreeSpool() as spool:
            tree = lambda a, body: _argument(a, name, phase, body)  # noqa: E731
            await _transcript(w, source, label, name, phase, quote, spool, tree)
            _results(w, header)
            counts = header.counts
            _section(w, "Arguments", counts.arguments)
            if counts.arguments:
                w.write("The reply tree: each rebuttal sits under the argument it answers.\n\n")
            w.flush()  # the renderings are UTF-8 already: copied to ``out`` as they are
            for _, data in spool.walk():
                out.write(data)
        _section(w, "Participants", counts.participants)
        if counts.participants:
            _table_head(w, "Member", "Side", "Joined")
            async for p in source.participants():
                w.write(f"| {name(p.user)} | {p.side} | {when(p.joined_at)} |\n")
            w.write("\n")
        _section(w, "Motion votes", counts.motion_votes)
        if counts.motion_votes:
            _table_head(w, "Stage", "Voter", "Stance", "Cast", "Last changed")
            async for v in source.motion_votes():
                w.write(
                    f"| {v.stage} | {name(v.voter)} | {v.stance} | {when(v.cast_at)} "
                    f"| {when(v.updated_at)} |\n"
                )
            w.write("\n")
        _section(w, "Persuasive marks", counts.persuasive_marks)
        if counts.persuasive_marks:
            _table_head(w, "Argument", "Voter", "Marked")
            async for m in source.persuasive_marks():
                w.write(f"| #{m.number} | {name(m.voter)} | {when(m.created_at)} |\n")
            w.write("\n")
        _section(w, "Mind changes", counts.mind_changes)
        async for d in source.mind_changes():
            w.write(
                f"**Mind change:** #{d.number} credited by {name(d.voter)} on "
                f"{when(d.created_at)}\n\n" + quote(d.explanation) + "\n"
            )
        _summaries(w, header, phase, quote)
        _section(w, "Audit log", counts.audit_events)
        if counts.audit_events:
            _table_head(
                w, "Event", "Time", "Action", "By", "Member", "Argument", "Reason", "Detail"
            )
            async for e in source.audit_events():
                target = f"#{e.target_argument}" if e.target_argument is not None else ""
                _row(
                    w,
                    str(e.id),
                    when(e.created_at),
                    e.action,
                    name(e.actor) if e.actor else "(deadline)",
                    name(e.target_user),
                    target,
                    inline(e.reason),
                    inline(readable_times(e.detail)),
                )
            w.write("\n")


def _intro(w: TextIO, h: Header, name: Name) -> None:
    d, m = h.debate, h.motion
    w.write(f"# Debate {d.id}: {inline(m.text)}\n\n")
    r = h.results
    outcome = "a tie" if r.is_tie else f"{r.winner} wins" if r.winner else "no votes"
    if len(r.stages) > 1 and r.winner:
        outcome += f" ({r.winner} {points(r.swing[r.winner])} from the first vote to the last)"
    facts = [
        ("Where", " › ".join(map(inline, where(h)))),
        ("Format", f"{inline(d.format_title)}, {d.status}" + _current(h)),
        ("Started", f"{when(d.created_at)} by {name(d.created_by)}"),
        ("Closed", when(d.closed_at, "not yet") + _length(h)),
        ("Outcome", outcome),
        ("Source", inline(m.source) + (f" (key {inline(m.key)})" if m.key else "")),
        ("Context", inline(m.context) if m.context else "none"),
        ("Results shown", inline(d.results_visibility)),
        ("Voters", "pseudonymous" if h.pseudonymous_voters else "named"),
        ("Removed arguments", "text included" if h.include_removed else "text withheld"),
        ("Export schema", f"version {h.schema_version}; times in UTC"),
    ]
    for title, value in facts:
        w.write(f"- **{title}:** {value}\n")
    w.write("\n")


def _current(h: Header) -> str:
    d = h.debate
    return "" if d.status == "closed" else f", now in {inline(d.phase_title)}"


def _length(h: Header) -> str:
    d = h.debate
    if d.closed_at is None:
        return ""
    return f" (after {duration((d.closed_at - d.created_at).total_seconds())})"


def _section(w: TextIO, title: str, count: int | None = None) -> None:
    w.write(f"## {title}\n\n")
    if count == 0:
        w.write("None.\n\n")


def _table_head(w: TextIO, *titles: str) -> None:
    w.write("| " + " | ".join(titles) + " |\n")
    w.write("|" + "---|" * len(titles) + "\n")


def _row(w: TextIO, *cells: str | None) -> None:
    w.write("| " + " | ".join(cell or "" for cell in cells) + " |\n")


def _phases(w: TextIO, h: Header, name: Name) -> None:
    """One line per phase: ``Floor debate · 45 min · 12 arguments``, then its times."""
    _section(w, "Phases", len(h.phases))
    for p in h.phases:
        line = f"{p.index + 1}\\. **{inline(p.title)}**"
        length = phase_length(p, h.debate.closed_at)
        if length is None:
            w.write(f"{line} · {when(p.started_at)}\n\n")
            continue
        line += f" · {length} · {plural(p.arguments, 'argument')}"
        times = span(p.started_at, p.ended_at)
        if p.ended_by:
            times += f"; moved on by {name(p.ended_by)}"
        elif p.ended_at is not None:
            times += "; ended at its deadline"
        w.write(f"{line}  \n{times}\n\n")


async def _transcript(
    w: TextIO,
    source: ExportSource,
    label: Name,
    name: Name,
    phase: Callable[[str], str],
    quote: Quote,
    spool: TreeSpool,
    tree: Callable[[ArgumentRow, str | None], str],
) -> None:
    """Everything in order of time, a heading per day, each entry led by its time.

    Each argument's reply-tree rendering goes to ``spool`` as it passes (read once).
    """
    _section(w, "Transcript")
    w.write("Everything that happened, in order. Times are UTC.\n\n")
    today = ""
    async for stamp, entry in timeline(source):
        if stamp[:10] != today:
            today = stamp[:10]
            w.write(f"### {day(stamp)}\n\n")
        at = clock(stamp)
        if isinstance(entry, ArgumentRow):
            body = None if entry.body is None else quote(entry.body)
            w.write(_said(at, entry, name, body))
            spool.add(entry.number, entry.parent, tree(entry, body))
        elif isinstance(entry, MindChangeRow):
            w.write(
                f"**{at} · Δ {name(entry.voter)}** credited #{entry.number} with changing "
                "their mind:\n\n" + quote(entry.explanation) + "\n"
            )
        elif isinstance(entry, AuditRow):
            who, did, notes = action(entry, label)
            notes = f" · {inline(notes)}" if notes else ""
            w.write(f"**{at} · {inline(who)} {inline(did)}**{notes}\n\n")
        elif isinstance(entry, PhaseStart):
            w.write(_phase_start(at, entry, name))
        elif isinstance(entry, SummaryRow):
            w.write(
                f"**{at} · Summary** ({inline(entry.kind)}, {phase(entry.phase)}):\n\n"
                + quote(entry.text)
                + "\n"
            )


def _said(at: str, a: ArgumentRow, name: Name, body: str | None) -> str:
    """An argument in the transcript: who, which side, what it answers, and its text
    (``body``, already fenced)."""
    line = f"**{at} · {name(a.author)}** ({a.side}) · #{a.number} {KIND_TITLES.get(a.kind, a.kind)}"
    if a.parent is not None:
        line += f" ↳ rebuts #{a.parent}"
    if a.status != "removed":
        return line + ":\n\n" + (body or _EMPTY) + "\n"
    line += f" · removed by {name(a.removed_by) or 'a moderator'}"
    if body is None:
        return line + " (text withheld)\n\n"
    return line + ", text included on request:\n\n" + body + "\n"


_EMPTY = fence("")


def _phase_start(at: str, s: PhaseStart, name: Name) -> str:
    title = inline(s.phase.title)
    if s.phase.name == "closed":
        who = f" by {name(s.by)}" if s.by else " at the deadline"
        return f"**{at} · The debate closed**{who}.\n\n"
    if s.first:
        who = f" by {name(s.by)}" if s.by else ""
        return f"**{at} · Debate started{who}** · {title} begins.\n\n"
    who = f" (moved on by {name(s.by)})" if s.by else " (the deadline passed)"
    return f"**{at} · {title} begins**{who}.\n\n"


def _results(w: TextIO, h: Header) -> None:
    r = h.results
    _section(w, "Results")
    _table_head(w, "Stage", "Voters", "For", "Against", "Undecided")
    for s in r.stages:
        _row(w, s.stage, str(s.total), *(percent(s.percentages[x]) for x in STANCES))
    w.write("\n")
    if len(r.stages) > 1:
        swings = ", ".join(f"{x} {points(r.swing[x])}" for x in STANCES)
        w.write(f"Swing: {swings}.\n\n")
    w.write(f"Winner: {'tie' if r.is_tie else r.winner}.\n\n")
    if r.voters_in_both:
        w.write(f"How the {r.voters_in_both} members who voted in both stages moved:\n\n")
        _table_head(w, "Before \\ after", *STANCES)
        for before in STANCES:
            _row(w, before, *(str(r.transitions[before][after]) for after in STANCES))
        w.write("\n")
    if r.most_persuasive:
        w.write("Most persuasive arguments:\n\n")
        for a in r.most_persuasive:
            marks = plural(a.persuasive, "persuasive mark")
            w.write(f"- #{a.number} ({a.side}): {plural(a.mind_changes, 'mind change')}, {marks}\n")
        w.write("\n")
    if r.unanswered:
        shown = ", ".join(f"#{n}" for n in r.unanswered[:UNANSWERED_SHOWN])
        more = len(r.unanswered) - UNANSWERED_SHOWN
        w.write(f"Unanswered arguments: {shown}")
        w.write(f" and {more} more.\n\n" if more > 0 else ".\n\n")


_LEVELS = tuple("#" * min(3 + depth, 6) for depth in range(4))


def _argument(a: ArgumentRow, name: Name, phase: Callable[[str], str], body: str | None) -> str:
    """One argument: its heading, its line of facts and its text (``body``, already fenced),
    or why it is withheld."""
    removed = a.status == "removed"
    title = f"{_LEVELS[min(a.depth, 3)]} #{a.number} · {KIND_TITLES.get(a.kind, a.kind)} · {a.side}"
    if a.parent is not None:
        title += f" · ↳ rebuts #{a.parent}"
    if removed:
        title += " · removed"
    facts = marks_and_changes(a.persuasive, a.mind_changes, ", ")
    text = f"{title}\n\nBy {name(a.author)}, {when(a.created_at)} ({phase(a.phase)}); {facts}.\n\n"
    if not removed:
        return text + (body or _EMPTY) + "\n"
    text += (
        f"Removed by {name(a.removed_by) or 'a moderator'} on {when(a.removed_at)}. "
        f"Reason: {inline(a.removed_reason) or 'none given'}.\n\n"
    )
    if body is None:
        return text + "The text is withheld.\n\n"
    return text + "Removed text, included on request:\n\n" + body + "\n"


def _summaries(w: TextIO, h: Header, phase: Callable[[str], str], quote: Quote) -> None:
    _section(w, "Summaries", len(h.summaries))
    for s in h.summaries:
        w.write(f"### Summary: {inline(s.kind)} · {phase(s.phase)}\n\n")
        w.write(f"Posted {when(s.created_at)} ({inline(s.backend)}, {inline(s.template)}).\n\n")
        w.write(quote(s.text) + "\n")
