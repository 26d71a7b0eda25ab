"""Markdown: a transcript read top to bottom.

Member text never becomes Markdown: bodies, explanations and summaries sit in fenced blocks
longer than any backtick run they contain; one-line texts (motion, reasons) have every ASCII
punctuation backslash-escaped. The exporter writes exactly one ``#`` heading; arguments are
``###`` headings, one level deeper per reply level (down to ``######``), in tree order.
"""

from __future__ import annotations

from functools import lru_cache
from typing import BinaryIO, TextIO

from bot.exports.model import ArgumentRow, ExportSource, Header, iso
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
from bot.exports.writers import text_out

UNANSWERED_SHOWN = 100


async def write_markdown(source: ExportSource, out: BinaryIO) -> None:
    """Write the whole transcript to ``out`` (UTF-8)."""
    header = source.header
    async with text_out(out) as w:
        _intro(w, header)
        _phases(w, header)
        _results(w, header)
        counts = header.counts
        _section(w, "Participants", counts.participants)
        if counts.participants:
            _table_head(w, "Member", "Side", "Joined")
            async for p in source.participants():
                w.write(f"| {p.user} | {p.side} | {p.joined_at} |\n")
            w.write("\n")
        _section(w, "Arguments", counts.arguments)
        async for argument in source.arguments("tree"):
            w.write(_argument(argument))
        _section(w, "Motion votes", counts.motion_votes)
        if counts.motion_votes:
            _table_head(w, "Stage", "Voter", "Stance", "Cast", "Last changed")
            async for v in source.motion_votes():
                w.write(f"| {v.stage} | {v.voter} | {v.stance} | {v.cast_at} | {v.updated_at} |\n")
            w.write("\n")
        _section(w, "Persuasive marks", counts.persuasive_marks)
        if counts.persuasive_marks:
            _table_head(w, "Argument", "Voter", "Marked")
            async for m in source.persuasive_marks():
                w.write(f"| #{m.number} | {m.voter} | {m.created_at} |\n")
            w.write("\n")
        _section(w, "Mind changes", counts.mind_changes)
        async for d in source.mind_changes():
            w.write(
                f"**Mind change:** #{d.number} credited by {d.voter} at {d.created_at}\n\n"
                + fence(d.explanation)
                + "\n"
            )
        _summaries(w, header)
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
                    e.created_at,
                    e.action,
                    e.actor or "(deadline)",
                    e.target_user or "",
                    target,
                    inline(e.reason),
                    inline(e.detail),
                )
            w.write("\n")


def _intro(w: TextIO, h: Header) -> None:
    d, m = h.debate, h.motion
    w.write(f"# Debate {d.id}: {inline(d.format_title)}\n\n")
    w.write(f"**Motion:** {inline(m.text)}\n\n")
    facts = [
        ("Source", inline(m.source) + (f" (key {inline(m.key)})" if m.key else "")),
        ("Context", inline(m.context) if m.context else "none"),
        ("Format", f"{inline(d.format_title)} ({inline(d.format)})"),
        ("Status", f"{d.status}, phase {inline(d.phase_title)}"),
        ("Server / channel", f"{d.guild_id} / {d.channel_id}"),
        ("Started", f"{iso(d.created_at)} by {d.created_by}"),
        ("Closed", iso(d.closed_at) or "not yet"),
        ("Results shown", inline(d.results_visibility)),
        ("Voters", "pseudonymous" if h.pseudonymous_voters else "member ids"),
        ("Removed arguments", "text included" if h.include_removed else "text withheld"),
        ("Export schema", f"version {h.schema_version}"),
    ]
    for label, value in facts:
        w.write(f"- {label}: {value}\n")
    w.write("\n")


def _section(w: TextIO, title: str, count: int | None = None) -> None:
    w.write(f"## {title}\n\n")
    if count == 0:
        w.write("None.\n\n")


def _table_head(w: TextIO, *titles: str) -> None:
    w.write("| " + " | ".join(titles) + " |\n")
    w.write("|" + "---|" * len(titles) + "\n")


def _row(w: TextIO, *cells: str | None) -> None:
    w.write("| " + " | ".join(cell or "" for cell in cells) + " |\n")


def _phases(w: TextIO, h: Header) -> None:
    _section(w, "Phases", len(h.phases))
    if h.phases:
        _table_head(w, "Step", "Phase", "Started", "Deadline", "Ended", "Ended by")
        for p in h.phases:
            ended_by = p.ended_by or ("deadline" if p.ended_at and p.name != "closed" else "")
            _row(
                w,
                str(p.index + 1),
                inline(p.title),
                iso(p.started_at),
                iso(p.deadline),
                iso(p.ended_at),
                ended_by,
            )
        w.write("\n")


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


#: :func:`inline` for the few distinct labels every argument repeats (its phase).
_label = lru_cache(maxsize=256)(inline)


def _argument(a: ArgumentRow) -> str:
    """One argument: its heading, its line of facts and its text (or why it is withheld)."""
    removed = a.status == "removed"
    title = f"{_LEVELS[min(a.depth, 3)]} #{a.number} · {KIND_TITLES.get(a.kind, a.kind)} · {a.side}"
    if a.parent is not None:
        title += f" · ↳ rebuts #{a.parent}"
    if removed:
        title += " · removed"
    facts = marks_and_changes(a.persuasive, a.mind_changes, ", ")
    text = f"{title}\n\nBy {a.author} at {a.created_at} ({_label(a.phase)}); {facts}.\n\n"
    if not removed:
        return text + fence(a.body or "") + "\n"
    text += (
        f"Removed by moderator {a.removed_by or 'unknown'} at {a.removed_at}. "
        f"Reason: {inline(a.removed_reason) or 'none given'}.\n\n"
    )
    if a.body is None:
        return text + "The text is withheld.\n\n"
    return text + "Removed text, included on request:\n\n" + fence(a.body) + "\n"


def _summaries(w: TextIO, h: Header) -> None:
    _section(w, "Summaries", len(h.summaries))
    for s in h.summaries:
        w.write(f"### Summary: {inline(s.kind)} · {inline(s.phase)}\n\n")
        w.write(f"Posted at {iso(s.created_at)} ({inline(s.backend)}, {inline(s.template)}).\n\n")
        w.write(fence(s.text) + "\n")
