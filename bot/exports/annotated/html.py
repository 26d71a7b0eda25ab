"""HTML: the annotated essay as one self-contained page with a small swing chart per
proposition; every string escaped, no scripts, no external resources."""

from __future__ import annotations

from bot.exports.annotated.model import AnnotatedEssay, PropositionEntry, VoteStage
from bot.exports.annotated.text import (
    CONCLUDED,
    SIDE_TITLES,
    STAGE_TITLES,
    STANCE_TITLES,
    byline,
    endorsement,
    heading,
    status_line,
    swing_line,
    tally_line,
    turnout,
)
from bot.exports.html import CSP, CSS
from bot.exports.html import e as esc
from bot.exports.text import STANCES

EXTRA_CSS = """
section.prop{border-top:1px solid #ccc;margin-top:1.5em}
.prop .motion{margin:.4em 0}.context{color:#555;font-style:italic}
blockquote{border-left:4px solid #ccc;margin:.4em 0;padding:.1em .8em;color:#333}
.concluded li{margin:.2em 0}
"""
STANCE_COLOURS = {"for": "#1f5fbf", "against": "#b5651d", "undecided": "#9a9a9a"}
BAR_W, BAR_H, LABEL_W = 360, 18, 80


def write_html(essay: AnnotatedEssay) -> str:
    title = f"The annotated essay: {essay.essay_title}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{esc(title)}</title><style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    if essay.essay_author or essay.essay_url:
        link = (
            f' · <a href="{esc(essay.essay_url)}">source</a>'
            if essay.essay_url and essay.essay_url.startswith(("https://", "http://"))
            else ""
        )
        out.append(f'<p class="meta">{esc(byline(essay))}{link}</p>')
    out.append(
        f'<p class="meta">Series #{essay.series_id}: {len(essay.propositions)} propositions '
        f"({esc(essay.schedule)}, {esc(essay.format)} format); the series is "
        f"{esc(essay.status)}.</p>"
    )
    for entry in essay.propositions:
        out += _entry(entry)
    out.append('<h2 id="concluded">What the room concluded</h2><div class="concluded">')
    for kind, heading_text in CONCLUDED:
        chosen = essay.concluded(kind)
        out.append(f"<h3>{heading_text}</h3>")
        if not chosen:
            out.append("<p>None.</p>")
            continue
        out.append("<ul>")
        out += [f"<li>{p.number}. {esc(p.text)}</li>" for p in chosen]
        out.append("</ul>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


def _entry(entry: PropositionEntry) -> list[str]:
    out = [
        f'<section class="prop" id="proposition-{entry.number}">',
        f"<h2>{esc(heading(entry))}</h2>",
        f'<p class="motion">{esc(entry.text)}</p>',
    ]
    if entry.context:
        out.append(f'<p class="context">{esc(entry.context)}</p>')
    for number, text in sorted(entry.paragraph_texts.items()):
        out.append(f'<blockquote class="paragraph"><p class="meta">Paragraph {number}</p>')
        out.append(f'<p class="text">{esc(text)}</p></blockquote>')
    out.append(f"<p>{esc(status_line(entry))}</p>")
    if entry.state != "closed":
        out.append("</section>")
        return out
    stages = [s for s in (entry.pre, entry.post) if s is not None]
    out.append(swing_chart(stages))
    out.append('<dl class="facts">')
    for stage in stages:
        name = STAGE_TITLES.get(stage.stage, stage.stage)
        out.append(f"<dt>{esc(name)}</dt><dd>{esc(tally_line(stage))}</dd>")
    swing = swing_line(entry)
    if swing:
        out.append(f"<dt>Swing</dt><dd>{esc(swing)}</dd>")
    out.append(f"<dt>Turnout</dt><dd>{esc(turnout(entry))}</dd>")
    out.append(f"<dt>The room</dt><dd>{esc(entry.conclusion)}</dd></dl>")
    for side in ("for", "against"):
        top = entry.strongest[side]
        out.append(f"<h3>Strongest argument {SIDE_TITLES[side]}</h3>")
        if top is None:
            out.append("<p>None was endorsed.</p>")
            continue
        out.append(
            f'<p class="meta">#{top.number} · '
            f"{esc(endorsement(top.persuasive, top.mind_changes, top.across))}</p>"
        )
        out.append(f'<blockquote><p class="text">{esc(top.excerpt)}</p></blockquote>')
    out.append("<h3>Most credited mind change</h3>")
    change = entry.mind_change
    if change is None:
        out.append("<p>Nobody credited one.</p>")
    else:
        times = "time" if change.count == 1 else "times"
        out.append(
            f'<p class="meta">#{change.number} ({SIDE_TITLES[change.side]}), credited '
            f"{change.count} {times}</p>"
        )
        out.append(f'<blockquote><p class="text">{esc(change.excerpt)}</p></blockquote>')
        out.append(f"<p>Why it changed a mind: {esc(change.explanation)}</p>")
    out.append("</section>")
    return out


def swing_chart(stages: list[VoteStage]) -> str:
    """One stacked bar per vote (for, against, undecided), before above after, as inline SVG."""
    height = len(stages) * (BAR_H + 8) + 8
    width = LABEL_W + BAR_W + 10
    label = "; ".join(
        f"{STAGE_TITLES.get(s.stage, s.stage)}: "
        + ", ".join(f"{STANCE_TITLES[x]} {s.percentages[x]:.1f}%" for x in STANCES)
        for s in stages
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="swing" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(label)}">',
        f"<title>{esc(label)}</title>",
    ]
    for row, stage in enumerate(stages):
        y = 8 + row * (BAR_H + 8)
        name = STAGE_TITLES.get(stage.stage, stage.stage)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{esc(name)}</text>')
        x = float(LABEL_W)
        for stance in STANCES:
            share = stage.percentages[stance]
            w = BAR_W * share / 100
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                    f'fill="{STANCE_COLOURS[stance]}"><title>{STANCE_TITLES[stance]} '
                    f"{share:.1f}%</title></rect>"
                )
            x += w
        if stage.total == 0:
            parts.append(
                f'<text x="{LABEL_W}" y="{y + 13}" font-size="12" fill="#555">no votes</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
