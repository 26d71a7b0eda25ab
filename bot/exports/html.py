"""HTML: one self-contained page that reads like the thread, and prints.

The header names the server, channel and motion; a table of contents; the phases with their
lengths and counts; the chronological transcript (what a moderator reads first), set out like
a chat; the results with the vote chart; the reply tree as nested ``<details open>`` (replies
inside what they rebut, nesting capped at :data:`MAX_NESTING`, deeper replies at the cap with
their ``↳ rebuts #n``); then the full record. Light and dark follow ``prefers-color-scheme``;
print styles give a clean PDF. Nothing is wider than the screen: long words wrap, and tables
scroll inside their own box.

Every string from the database goes through :func:`html.escape`; a Content-Security-Policy
forbids scripts and every external resource as a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from html import escape
from typing import BinaryIO, TextIO

from bot.exports.model import (
    ArgumentRow,
    AuditRow,
    ExportSource,
    Header,
    MindChangeRow,
    SummaryRow,
)
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
from bot.exports.svg import vote_chart
from bot.exports.text import KIND_TITLES, STANCES, marks_and_changes, percent, plural, points
from bot.exports.timeline import PhaseStart, timeline
from bot.exports.writers import text_out

MAX_NESTING = 8
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1d1f23;--muted:#5d636b;--line:#d9dce1;
--card:#f5f6f8;--for:#1f5fbf;--against:#b5561d;--aud:#6b6f76;--link:#1a56c4;--warn:#8a5a00;
--delta:#2e7d4f}
@media (prefers-color-scheme:dark){:root{--bg:#17191d;--fg:#e4e6ea;--muted:#a2a8b1;
--line:#343840;--card:#20232a;--for:#78a6ff;--against:#f0a066;--aud:#a2a8b1;--link:#8fb4ff;
--warn:#e3b35b;--delta:#6cc990}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:52rem;padding:1rem 1rem 3rem;color:var(--fg);background:var(--bg);
overflow-wrap:anywhere}
a{color:var(--link)}
h1{font-size:1.5rem;line-height:1.3;margin:.3rem 0 .8rem}
h2{font-size:1.25rem;border-bottom:1px solid var(--line);margin:2.2rem 0 .8rem;
padding-bottom:.2rem}
h3{font-size:1rem;margin:1.4rem 0 .5rem}
.where{color:var(--muted);margin:0}
dl.facts{display:grid;grid-template-columns:minmax(0,max-content) minmax(0,1fr);
gap:.15rem 1rem;margin:0}
dt{font-weight:600;color:var(--muted)}dd{margin:0}
nav.toc{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:.5rem 1rem;margin:1.2rem 0}
nav.toc h2{border:0;margin:.2rem 0;font-size:1rem}
nav.toc ol{margin:.2rem 0;padding-left:1.4rem;columns:2 12rem}
ol.phases{padding-left:1.4rem}ol.phases li{margin:.35rem 0}
.meta,.note{color:var(--muted);font-size:.9rem}
.meta{margin:.1rem 0}
.day{position:sticky;top:0;background:var(--bg);padding:.3rem 0;margin:1.2rem 0 .4rem;
color:var(--muted);font-size:.9rem;border-bottom:1px solid var(--line);z-index:1}
.msg{margin:.6rem 0;padding:.1rem 0 .1rem .75rem;border-left:3px solid var(--aud)}
.msg.for{border-color:var(--for)}.msg.against{border-color:var(--against)}
.msg.removed .body{opacity:.75}.msg.change{border-color:var(--delta)}
.delta-mark{color:var(--delta);font-weight:700;margin-right:.3rem}
.head{margin:0}.head time,.ev time{color:var(--muted);font-variant-numeric:tabular-nums;
margin-right:.4rem}
.who{font-weight:600}
.side{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;padding:0 .35rem;
border-radius:4px;border:1px solid currentColor;margin:0 .3rem;white-space:nowrap}
.side.for{color:var(--for)}.side.against{color:var(--against)}.side.audience{color:var(--aud)}
.ev{margin:.5rem 0;padding:.3rem .75rem;background:var(--card);border-radius:6px}
.ev.phase{font-weight:600}.ev.mod{border-left:3px solid var(--warn)}
.body,.text{white-space:pre-wrap;margin:.25rem 0}
.removed-note{color:var(--warn);font-size:.9rem;margin:.2rem 0}
details.arg{border-left:3px solid var(--aud);margin:.5rem 0 .5rem .4rem;padding:.1rem 0 .1rem .7rem}
details.side-for{border-color:var(--for)}details.side-against{border-color:var(--against)}
details.removed>.body{opacity:.75}
summary{cursor:pointer}
figure{margin:1rem 0}
svg{max-width:100%;height:auto}svg text{fill:var(--fg)}svg line{stroke:var(--muted)}
.scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
table{border-collapse:collapse;font-size:.9rem}
td,th{border:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:normal}td.t{white-space:nowrap}td.x{overflow-wrap:anywhere;min-width:12rem}
th{background:var(--card)}
.delta,.summary{margin:.8rem 0}
@media (max-width:480px){body{padding:.6rem .7rem 2rem;font-size:15px}
dl.facts{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.3rem}
details.arg{margin-left:.15rem;padding-left:.45rem}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--card:#fff;--link:#000}
body{max-width:none;padding:0;font-size:10pt}a{text-decoration:none}
nav.toc{break-inside:avoid}.day{position:static}
.scroll{overflow:visible}summary{list-style:none}
h2,h3,.day{break-after:avoid}.msg,.ev,tr,.delta{break-inside:avoid}
@page{margin:14mm}}
"""
SECTIONS = (
    ("phases", "Phases"),
    ("transcript", "Transcript"),
    ("results", "Results"),
    ("arguments", "Arguments"),
    ("participants", "Participants"),
    ("motion-votes", "Motion votes"),
    ("persuasive-marks", "Persuasive marks"),
    ("mind-changes", "Mind changes"),
    ("summaries", "Summaries"),
    ("audit", "Audit log"),
)

#: What :func:`html.escape` replaces (``quote=True``); a string without any is returned as is.
_SPECIAL = re.compile("[&<>\"']")

Name = Callable[[str | None], str]
#: Member text escaped, mentions written as names.
Quote = Callable[[str], str]


def e(value: object) -> str:
    """Escape anything for HTML text and attribute values."""
    if isinstance(value, str):
        return escape(value, quote=True) if _SPECIAL.search(value) else value
    return "" if value is None else escape(str(value), quote=True)


async def write_html(source: ExportSource, out: BinaryIO) -> None:
    """Write the whole transcript as one HTML document to ``out`` (UTF-8)."""
    h = source.header
    counts = h.counts
    label = people(h)
    name: Name = lru_cache(maxsize=65536)(lambda user: e(label(user)))
    quote: Quote = lambda text: e(mentions(text, label))  # noqa: E731
    titles = {p.name: e(p.title) for p in h.phases}
    phase: Callable[[str], str] = lambda key: titles.get(key) or e(key)  # noqa: E731
    async with text_out(out) as w:
        _head(w, h, name)
        with TreeSpool() as spool:
            tree = lambda a, body: _argument(a, name, phase, body)  # noqa: E731
            await _transcript(w, source, label, name, phase, quote, spool, tree)
            _results(w, h)
            _section(w, "arguments", "Arguments", counts.arguments)
            if counts.arguments:
                w.write(
                    '<p class="note">The reply tree: each rebuttal sits inside the argument it '
                    "answers; click a summary line to fold a thread.</p>\n"
                )
            w.flush()  # the renderings are UTF-8 already: copied to ``out`` as they are
            open_levels = 0
            for depth, data in spool.walk():
                level = min(depth, MAX_NESTING)
                if open_levels > level:
                    out.write(b"</details>\n" * (open_levels - level))
                out.write(data)
                open_levels = level + 1
            out.write(b"</details>\n" * open_levels)
        _section(w, "participants", "Participants", counts.participants)
        if counts.participants:
            _thead(w, "Member", "Side", "Joined")
            async for p in source.participants():
                w.write(
                    f'<tr class="participant"><td>{name(p.user)}</td><td>{e(p.side)}</td>'
                    f'<td class="t">{when(p.joined_at)}</td></tr>\n'
                )
            w.write("</table></div>\n")
        _section(w, "motion-votes", "Motion votes", counts.motion_votes)
        if counts.motion_votes:
            _thead(w, "Stage", "Voter", "Stance", "Cast", "Last changed")
            async for v in source.motion_votes():
                w.write(
                    f'<tr class="vote"><td>{e(v.stage)}</td><td>{name(v.voter)}</td>'
                    f'<td>{e(v.stance)}</td><td class="t">{when(v.cast_at)}</td>'
                    f'<td class="t">{when(v.updated_at)}</td></tr>\n'
                )
            w.write("</table></div>\n")
        _section(w, "persuasive-marks", "Persuasive marks", counts.persuasive_marks)
        if counts.persuasive_marks:
            _thead(w, "Argument", "Voter", "Marked")
            async for m in source.persuasive_marks():
                w.write(
                    f'<tr class="mark"><td><a href="#arg-{m.number}">#{m.number}</a></td>'
                    f'<td>{name(m.voter)}</td><td class="t">{when(m.created_at)}</td></tr>\n'
                )
            w.write("</table></div>\n")
        _section(w, "mind-changes", "Mind changes", counts.mind_changes)
        async for d in source.mind_changes():
            w.write(
                f'<div class="delta"><p class="meta"><a href="#arg-{d.number}">#{d.number}</a> '
                f"credited by {name(d.voter)}, {when(d.created_at)}</p>"
                f'<p class="text">{quote(d.explanation)}</p></div>\n'
            )
        _summaries(w, h, phase, quote)
        _section(w, "audit", "Audit log", counts.audit_events)
        if counts.audit_events:
            _thead(w, "Event", "Time", "Action", "By", "Member", "Argument", "Reason", "Detail")
            async for ev in source.audit_events():
                target = f"#{ev.target_argument}" if ev.target_argument is not None else ""
                by = name(ev.actor) if ev.actor else "(deadline)"
                w.write(
                    f'<tr class="audit"><td>{ev.id}</td><td class="t">{when(ev.created_at)}</td>'
                    f"<td>{e(ev.action)}</td><td>{by}</td><td>{name(ev.target_user)}</td>"
                    f'<td>{target}</td><td class="x">{e(ev.reason)}</td>'
                    f'<td class="x">{e(readable_times(ev.detail))}</td></tr>\n'
                )
            w.write("</table></div>\n")
        w.write("</section>\n</main>\n</body>\n</html>\n")


def _head(w: TextIO, h: Header, name: Name) -> None:
    """The document head, the page header (where, motion, facts), contents and phases."""
    d, m, r = h.debate, h.motion, h.results
    w.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w.write(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
    w.write('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w.write('<meta name="color-scheme" content="light dark">\n')
    w.write(f"<title>Debate {d.id}: {e(m.text)}</title>\n<style>{CSS}</style>\n</head>\n")
    w.write(f'<body>\n<header>\n<p class="where">{" › ".join(map(e, where(h)))}</p>\n')
    w.write(f'<h1>Debate {d.id}: {e(m.text)}</h1>\n<dl class="facts">\n')
    outcome = "a tie" if r.is_tie else f"{r.winner} wins" if r.winner else "no votes"
    if len(r.stages) > 1 and r.winner:
        outcome += f" ({r.winner} {points(r.swing[r.winner])} from the first vote to the last)"
    closed = when(d.closed_at, "not yet")
    if d.closed_at is not None:
        closed += f" (after {duration((d.closed_at - d.created_at).total_seconds())})"
    status = d.status if d.status == "closed" else f"{d.status}, now in {d.phase_title}"
    facts = [
        ("Format", f"{d.format_title}, {status}"),
        ("Started", f"{when(d.created_at)} by {people(h)(d.created_by)}"),
        ("Closed", closed),
        ("Outcome", outcome),
        ("Source", m.source + (f" (key {m.key})" if m.key else "")),
        ("Context", m.context or "none"),
        ("Voters", "pseudonymous" if h.pseudonymous_voters else "named"),
        ("Removed arguments", "text included" if h.include_removed else "text withheld"),
    ]
    for title, value in facts:
        w.write(f"<dt>{e(title)}</dt><dd>{e(value)}</dd>\n")
    w.write("</dl>\n</header>\n")
    c = h.counts
    sized = {
        "phases": len(h.phases),
        "arguments": c.arguments,
        "participants": c.participants,
        "motion-votes": c.motion_votes,
        "persuasive-marks": c.persuasive_marks,
        "mind-changes": c.mind_changes,
        "summaries": len(h.summaries),
        "audit": c.audit_events,
    }
    w.write('<nav class="toc" aria-label="Contents">\n<h2>Contents</h2>\n<ol>\n')
    for anchor, title in SECTIONS:
        count = f" ({sized[anchor]:,})" if anchor in sized else ""
        w.write(f'<li><a href="#{anchor}">{title}</a>{count}</li>\n')
    w.write("</ol>\n</nav>\n<main>\n")
    _section(w, "phases", "Phases", len(h.phases), first=True)
    if h.phases:
        w.write('<ol class="phases">\n')
    for p in h.phases:
        length = phase_length(p, d.closed_at)
        if length is None:
            w.write(f'<li class="phase"><b>{e(p.title)}</b> · {when(p.started_at)}</li>\n')
            continue
        moved = ""
        if p.ended_by:
            moved = f"; moved on by {name(p.ended_by)}"
        elif p.ended_at is not None:
            moved = "; ended at its deadline"
        w.write(
            f'<li class="phase"><b>{e(p.title)}</b> · {length} · '
            f"{plural(p.arguments, 'argument')}<br>"
            f'<span class="meta">{span(p.started_at, p.ended_at)}{moved}</span></li>\n'
        )
    if h.phases:
        w.write("</ol>\n")


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
    """Everything in order of time, like a chat: a line per day, each entry with its time.

    Each argument's reply-tree rendering goes to ``spool`` as it passes (read once).
    """
    _section(w, "transcript", "Transcript", None)
    w.write('<p class="note">Everything that happened, in order. Times are UTC.</p>\n')
    today = ""
    async for stamp, entry in timeline(source):
        if stamp[:10] != today:
            today = stamp[:10]
            w.write(f'<h3 class="day">{day(stamp)}</h3>\n')
        at = f'<time datetime="{stamp}">{clock(stamp)}</time>'
        if isinstance(entry, ArgumentRow):
            body = None if entry.body is None else quote(entry.body)
            w.write(_said(at, entry, name, body))
            spool.add(entry.number, entry.parent, tree(entry, body))
        elif isinstance(entry, MindChangeRow):
            w.write(
                f'<div class="msg change"><p class="head">{at}<span class="delta-mark">Δ</span>'
                f'<span class="who">{name(entry.voter)}</span> credited '
                f'<a href="#t-{entry.number}">#{entry.number}</a> with changing their mind</p>'
                f'<div class="body">{quote(entry.explanation)}</div></div>\n'
            )
        elif isinstance(entry, AuditRow):
            who, did, notes = action(entry, label)
            did = e(did)
            number = entry.target_argument
            if number is not None:  # the phrase ends with the argument's number: link it
                did = did.removesuffix(f"#{number}") + f'<a href="#t-{number}">#{number}</a>'
            notes = f'<br><span class="meta">{e(notes)}</span>' if notes else ""
            w.write(f'<p class="ev mod">{at}<span class="who">{e(who)}</span> {did}{notes}</p>\n')
        elif isinstance(entry, PhaseStart):
            w.write(f'<p class="ev phase">{at}{_phase_start(entry, name)}</p>\n')
        elif isinstance(entry, SummaryRow):
            w.write(
                f'<div class="ev summary-post"><p class="head">{at}<span class="who">Summary'
                f"</span> ({e(entry.kind)}, {phase(entry.phase)})</p>"
                f'<div class="text">{quote(entry.text)}</div></div>\n'
            )


def _said(at: str, a: ArgumentRow, name: Name, body: str | None) -> str:
    """An argument as a chat message: who, side, number, what it answers, and its text
    (``body``, already escaped)."""
    removed = a.status == "removed"
    side = _label(a.side)
    text = (
        f'<div class="msg {side}{" removed" if removed else ""}" id="t-{a.number}">'
        f'<p class="head">{at}<span class="who">{name(a.author)}</span>'
        f'<span class="side {side}">{side}</span><a href="#arg-{a.number}">#{a.number}</a> '
        f"{_kind(a.kind)}"
    )
    if a.parent is not None:
        text += f' · ↳ rebuts <a href="#t-{a.parent}">#{a.parent}</a>'
    text += "</p>"
    if removed:
        by = name(a.removed_by) or "a moderator"
        withheld = "text included on request" if body is not None else "text withheld"
        text += f'<p class="removed-note">Removed by {by}; {withheld}.</p>'
    if body is not None:
        text += f'<div class="body">{body}</div>'
    return text + "</div>\n"


#: :func:`e` for the few distinct labels every argument repeats (side, kind).
_label = lru_cache(maxsize=256)(e)


@lru_cache(maxsize=64)
def _kind(kind: str) -> str:
    return e(KIND_TITLES.get(kind, kind))


def _phase_start(s: PhaseStart, name: Name) -> str:
    title = e(s.phase.title)
    if s.phase.name == "closed":
        return "The debate closed" + (f" (ended by {name(s.by)})" if s.by else " at the deadline")
    if s.first:
        return f"Debate started{f' by {name(s.by)}' if s.by else ''} · {title} begins"
    moved = f" (moved on by {name(s.by)})" if s.by else " (the deadline passed)"
    return f"{title} begins{moved}"


def _section(w: TextIO, anchor: str, title: str, count: int | None, first: bool = False) -> None:
    if not first:
        w.write("</section>\n")
    w.write(f'<section id="{anchor}">\n<h2>{e(title)}</h2>\n')
    if count == 0:
        w.write("<p>None.</p>\n")


def _thead(w: TextIO, *titles: str) -> None:
    cells = "".join(f"<th>{e(t)}</th>" for t in titles)
    w.write(f'<div class="scroll"><table>\n<tr>{cells}</tr>\n')


def _tr(w: TextIO, css: str, *cells: object) -> None:
    w.write(f'<tr class="{css}">' + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>\n")


def _results(w: TextIO, h: Header) -> None:
    r = h.results
    _section(w, "results", "Results", None)
    w.write(f"<figure>{vote_chart(r.stages)}</figure>\n")
    _thead(w, "Stage", "Voters", *STANCES)
    for s in r.stages:
        _tr(w, "stage", s.stage, s.total, *(percent(s.percentages[x]) for x in STANCES))
    w.write("</table></div>\n")
    if len(r.stages) > 1:
        swing = ", ".join(f"{x} {points(r.swing[x])}" for x in STANCES)
        w.write(f"<p>Swing: {e(swing)}.</p>\n")
    w.write(f"<p>Winner: <strong>{e('tie' if r.is_tie else r.winner)}</strong>.</p>\n")
    if r.voters_in_both:
        w.write(f"<p>How the {r.voters_in_both} members who voted in both stages moved:</p>\n")
        _thead(w, "before \\ after", *STANCES)
        for before in STANCES:
            _tr(w, "transition", before, *(r.transitions[before][x] for x in STANCES))
        w.write("</table></div>\n")
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


def _argument(a: ArgumentRow, name: Name, phase: Callable[[str], str], body: str | None) -> str:
    """An argument's opening ``<details>`` (closed by the caller), summary, facts and text
    (``body``, already escaped)."""
    removed = a.status == "removed"
    side = _label(a.side)
    text = (
        f'<details class="arg side-{side}{" removed" if removed else ""}" id="arg-{a.number}" '
        f"open>\n<summary><b>#{a.number}</b> {_kind(a.kind)} · {side} · "
        f'<span class="who">{name(a.author)}</span>'
    )
    if a.parent is not None:
        text += f' · ↳ rebuts <a href="#arg-{a.parent}">#{a.parent}</a>'
    text += (
        f'{" · removed" if removed else ""}</summary>\n<p class="meta">'
        f'<a href="#t-{a.number}">{when(a.created_at)}</a> ({phase(a.phase)}) · '
        f"{marks_and_changes(a.persuasive, a.mind_changes, ' · ')}</p>\n"
    )
    if removed:
        text += (
            f'<p class="removed-note">Removed by {name(a.removed_by) or "a moderator"}, '
            f"{when(a.removed_at)}. Reason: {e(a.removed_reason or 'none given')}. "
            + ("Removed text, included on request:" if body is not None else "Text withheld.")
            + "</p>\n"
        )
    if body is not None:
        text += f'<div class="body">{body}</div>\n'
    return text


def _summaries(w: TextIO, h: Header, phase: Callable[[str], str], quote: Quote) -> None:
    _section(w, "summaries", "Summaries", len(h.summaries))
    for s in h.summaries:
        w.write(
            f'<div class="summary"><h3>{e(s.kind)} · {phase(s.phase)}</h3>'
            f'<p class="meta">Posted {when(s.created_at)} ({e(s.backend)}, '
            f'{e(s.template)})</p><div class="text">{quote(s.text)}</div></div>\n'
        )
