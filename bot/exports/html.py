"""HTML: one self-contained, printable file.

Every string from the database goes through :func:`html.escape`; a Content-Security-Policy
forbids scripts and every external resource as a second line of defence. Arguments are
nested ``<details open>`` elements in tree order (replies inside what they rebut, nesting
capped at :data:`MAX_NESTING`; deeper replies sit at the cap with their ``↳ rebuts #n``).
"""

from __future__ import annotations

import re
from html import escape
from typing import BinaryIO, TextIO

from bot.exports.model import ArgumentRow, ExportSource, Header, iso
from bot.exports.svg import vote_chart
from bot.exports.text import KIND_TITLES, STANCES, marks_and_changes, percent, plural, points
from bot.exports.writers import text_out

MAX_NESTING = 8
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;
max-width:60em;padding:0 1em;color:#1b1b1b}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;
text-align:left;vertical-align:top}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:600}
details.arg{border-left:4px solid #999;margin:.4em 0 .4em .6em;padding:.2em .6em}
details.side-for{border-color:#1f5fbf}details.side-against{border-color:#b5651d}
details.removed{background:#f4f4f4}summary{cursor:pointer}
.body,.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.3em 0}
.meta,.removed-note{color:#555;font-size:.9em;margin:.2em 0}
.motion{font-size:1.2em;font-weight:600}
@media print{body{margin:0;max-width:none;font-size:10pt}summary{list-style:none}
details.arg{break-inside:auto}h2{break-after:avoid}tr{break-inside:avoid}a{color:inherit}}
"""


#: What :func:`html.escape` replaces (``quote=True``); a string without any is returned as is.
_SPECIAL = re.compile("[&<>\"']")


def e(value: object) -> str:
    """Escape anything for HTML text and attribute values."""
    if isinstance(value, str):
        return escape(value, quote=True) if _SPECIAL.search(value) else value
    return "" if value is None else escape(str(value), quote=True)


async def write_html(source: ExportSource, out: BinaryIO) -> None:
    """Write the whole transcript as one HTML document to ``out`` (UTF-8)."""
    h = source.header
    counts = h.counts
    async with text_out(out) as w:
        _head(w, h)
        _results(w, h)
        _section(w, "participants", "Participants", counts.participants)
        if counts.participants:
            _thead(w, "Member", "Side", "Joined")
            async for p in source.participants():
                w.write(
                    f'<tr class="participant"><td>{e(p.user)}</td><td>{e(p.side)}</td>'
                    f"<td>{e(p.joined_at)}</td></tr>\n"
                )
            w.write("</table>\n")
        _section(w, "arguments", "Arguments", counts.arguments)
        open_levels = 0
        async for a in source.arguments("tree"):
            level = min(a.depth, MAX_NESTING)
            if open_levels > level:
                w.write("</details>\n" * (open_levels - level) + _argument(a))
            else:
                w.write(_argument(a))
            open_levels = level + 1
        w.write("</details>\n" * open_levels)
        _section(w, "motion-votes", "Motion votes", counts.motion_votes)
        if counts.motion_votes:
            _thead(w, "Stage", "Voter", "Stance", "Cast", "Last changed")
            async for v in source.motion_votes():
                w.write(
                    f'<tr class="vote"><td>{e(v.stage)}</td><td>{e(v.voter)}</td>'
                    f"<td>{e(v.stance)}</td><td>{e(v.cast_at)}</td>"
                    f"<td>{e(v.updated_at)}</td></tr>\n"
                )
            w.write("</table>\n")
        _section(w, "persuasive-marks", "Persuasive marks", counts.persuasive_marks)
        if counts.persuasive_marks:
            _thead(w, "Argument", "Voter", "Marked")
            async for m in source.persuasive_marks():
                w.write(
                    f'<tr class="mark"><td>#{m.number}</td><td>{e(m.voter)}</td>'
                    f"<td>{e(m.created_at)}</td></tr>\n"
                )
            w.write("</table>\n")
        _section(w, "mind-changes", "Mind changes", counts.mind_changes)
        async for d in source.mind_changes():
            w.write(
                f'<div class="delta"><p class="meta"><a href="#arg-{d.number}">#{d.number}</a> '
                f"credited by {e(d.voter)} at {e(d.created_at)}</p>"
                f'<p class="text">{e(d.explanation)}</p></div>\n'
            )
        _summaries(w, h)
        _section(w, "audit", "Audit log", counts.audit_events)
        if counts.audit_events:
            _thead(w, "Event", "Time", "Action", "By", "Member", "Argument", "Reason", "Detail")
            async for ev in source.audit_events():
                target = f"#{ev.target_argument}" if ev.target_argument is not None else ""
                by = ev.actor or "(deadline)"
                cells = (ev.id, ev.created_at, ev.action, by, ev.target_user, target)
                _tr(w, "audit", *cells, ev.reason, ev.detail)
            w.write("</table>\n")
        w.write("</section>\n</main>\n</body>\n</html>\n")


def _head(w: TextIO, h: Header) -> None:
    d, m = h.debate, h.motion
    w.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w.write(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
    w.write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w.write(f"<title>Debate {d.id}: {e(m.text)}</title>\n<style>{CSS}</style>\n</head>\n")
    w.write(f"<body>\n<main>\n<h1>Debate {d.id}: {e(d.format_title)}</h1>\n")
    w.write(f'<p class="motion">{e(m.text)}</p>\n<dl class="facts">\n')
    facts = [
        ("Source", m.source + (f" (key {m.key})" if m.key else "")),
        ("Context", m.context or "none"),
        ("Format", f"{d.format_title} ({d.format})"),
        ("Status", f"{d.status}, phase {d.phase_title}"),
        ("Server / channel", f"{d.guild_id} / {d.channel_id}"),
        ("Started", f"{iso(d.created_at)} by {d.created_by}"),
        ("Closed", iso(d.closed_at) or "not yet"),
        ("Voters", "pseudonymous" if h.pseudonymous_voters else "member ids"),
        ("Removed arguments", "text included" if h.include_removed else "text withheld"),
    ]
    for label, value in facts:
        w.write(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>\n")
    w.write("</dl>\n")
    _section(w, "phases", "Phases", len(h.phases), first=True)
    _thead(w, "Step", "Phase", "Started", "Deadline", "Ended", "Ended by")
    for p in h.phases:
        by = p.ended_by or ("deadline" if p.ended_at and p.name != "closed" else "")
        cells = (p.title, iso(p.started_at), iso(p.deadline), iso(p.ended_at), by)
        _tr(w, "phase", p.index + 1, *cells)
    w.write("</table>\n")


def _section(w: TextIO, anchor: str, title: str, count: int | None, first: bool = False) -> None:
    if not first:
        w.write("</section>\n")
    w.write(f'<section id="{anchor}">\n<h2>{e(title)}</h2>\n')
    if count == 0:
        w.write("<p>None.</p>\n")


def _thead(w: TextIO, *titles: str) -> None:
    w.write("<table>\n<tr>" + "".join(f"<th>{e(t)}</th>" for t in titles) + "</tr>\n")


def _tr(w: TextIO, css: str, *cells: object) -> None:
    w.write(f'<tr class="{css}">' + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>\n")


def _results(w: TextIO, h: Header) -> None:
    r = h.results
    _section(w, "results", "Results", None)
    w.write(f"<figure>{vote_chart(r.stages)}</figure>\n")
    _thead(w, "Stage", "Voters", *STANCES)
    for s in r.stages:
        _tr(w, "stage", s.stage, s.total, *(percent(s.percentages[x]) for x in STANCES))
    w.write("</table>\n")
    if len(r.stages) > 1:
        swing = ", ".join(f"{x} {points(r.swing[x])}" for x in STANCES)
        w.write(f"<p>Swing: {e(swing)}.</p>\n")
    w.write(f"<p>Winner: <strong>{e('tie' if r.is_tie else r.winner)}</strong>.</p>\n")
    if r.voters_in_both:
        w.write(f"<p>How the {r.voters_in_both} members who voted in both stages moved:</p>\n")
        _thead(w, "before \\ after", *STANCES)
        for before in STANCES:
            _tr(w, "transition", before, *(r.transitions[before][x] for x in STANCES))
        w.write("</table>\n")
    if r.most_persuasive:
        w.write("<p>Most persuasive arguments:</p>\n<ol>\n")
        for a in r.most_persuasive:
            w.write(
                f'<li><a href="#arg-{a.number}">#{a.number}</a> ({e(a.side)}): '
                f"{plural(a.mind_changes, 'mind change')}, "
                f"{plural(a.persuasive, 'persuasive mark')}</li>\n"
            )
        w.write("</ol>\n")
    if r.unanswered:
        links = ", ".join(f'<a href="#arg-{n}">#{n}</a>' for n in r.unanswered)
        w.write(f"<p>Unanswered arguments: {links}.</p>\n")


def _argument(a: ArgumentRow) -> str:
    """An argument's opening ``<details>`` (closed by the caller), summary, facts and text."""
    removed = a.status == "removed"
    side = e(a.side)
    text = (
        f'<details class="arg side-{side}{" removed" if removed else ""}" id="arg-{a.number}" '
        f"open>\n<summary><b>#{a.number}</b> {e(KIND_TITLES.get(a.kind, a.kind))} · {side}"
    )
    if a.parent is not None:
        text += f' · ↳ rebuts <a href="#arg-{a.parent}">#{a.parent}</a>'
    text += (
        f'{" · removed" if removed else ""}</summary>\n<p class="meta">By {e(a.author)} at '
        f"{e(a.created_at)} ({e(a.phase)}) · "
        f"{marks_and_changes(a.persuasive, a.mind_changes, ' · ')}</p>\n"
    )
    if removed:
        text += (
            f'<p class="removed-note">Removed by moderator {e(a.removed_by or "unknown")} at '
            f"{e(a.removed_at)}. Reason: {e(a.removed_reason or 'none given')}. "
            + ("Removed text, included on request:" if a.body is not None else "Text withheld.")
            + "</p>\n"
        )
    if a.body is not None:
        text += f'<div class="body">{e(a.body)}</div>\n'
    return text


def _summaries(w: TextIO, h: Header) -> None:
    _section(w, "summaries", "Summaries", len(h.summaries))
    for s in h.summaries:
        w.write(
            f'<div class="summary"><h3>{e(s.kind)} · {e(s.phase)}</h3>'
            f'<p class="meta">Posted at {e(iso(s.created_at))} ({e(s.backend)}, '
            f'{e(s.template)})</p><div class="text">{e(s.text)}</div></div>\n'
        )
