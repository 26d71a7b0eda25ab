"""Markdown: the annotated essay read top to bottom; member text made inert."""

from __future__ import annotations

from bot.exports.annotated.model import AnnotatedEssay, PropositionEntry
from bot.exports.annotated.text import (
    CONCLUDED,
    SIDE_TITLES,
    STAGE_TITLES,
    byline,
    endorsement,
    heading,
    status_line,
    swing_line,
    tally_line,
    turnout,
)
from bot.exports.text import fence, inline


def write_markdown(essay: AnnotatedEssay) -> str:
    lines = [f"# The annotated essay: {inline(essay.essay_title)}", ""]
    if essay.essay_author or essay.essay_url:
        source = f" ({essay.essay_url})" if essay.essay_url else ""
        lines += [f"{inline(byline(essay))}{inline(source)}".strip(), ""]
    lines += [
        f"Series #{essay.series_id}: {len(essay.propositions)} propositions debated "
        f"({essay.schedule}, {essay.format} format); the series is {essay.status}.",
        "",
    ]
    for entry in essay.propositions:
        lines += _entry(entry)
    lines += ["## What the room concluded", ""]
    for kind, title in CONCLUDED:
        chosen = essay.concluded(kind)
        lines.append(f"**{title}:**" + ("" if chosen else " none"))
        lines += [f"- {p.number}. {inline(p.text)}" for p in chosen]
        lines.append("")
    undecided = [p for p in essay.propositions if p.conclusion is None]
    if undecided:
        lines.append("**Not concluded:** " + ", ".join(str(p.number) for p in undecided))
        lines.append("")
    return "\n".join(lines)


def _entry(entry: PropositionEntry) -> list[str]:
    lines = [f"## {heading(entry)}", "", f"**{inline(entry.text)}**", ""]
    if entry.context:
        lines += [f"*{inline(entry.context)}*", ""]
    for number, text in sorted(entry.paragraph_texts.items()):
        lines += [f"Paragraph {number}:", "", fence(text)]
    lines += [status_line(entry), ""]
    if entry.state != "closed":
        return lines
    for stage in (entry.pre, entry.post):
        if stage is not None:
            lines.append(f"- {STAGE_TITLES.get(stage.stage, stage.stage)}: {tally_line(stage)}")
    swing = swing_line(entry)
    if swing:
        lines.append(f"- Swing: {swing}")
    lines.append(f"- Turnout: {turnout(entry)}")
    lines.append(f"- The room: {entry.conclusion}")
    lines.append("")
    for side in ("for", "against"):
        top = entry.strongest[side]
        if top is None:
            lines += [f"Strongest argument {SIDE_TITLES[side]}: none was endorsed.", ""]
            continue
        lines += [
            f"Strongest argument {SIDE_TITLES[side]}: #{top.number} ("
            f"{endorsement(top.persuasive, top.mind_changes, top.across)})",
            "",
            f"> {inline(top.excerpt)}",
            "",
        ]
    change = entry.mind_change
    if change is None:
        lines += ["Most credited mind change: nobody credited one.", ""]
    else:
        lines += [
            f"Most credited mind change: #{change.number} ({SIDE_TITLES[change.side]}), "
            f"credited {change.count} time{'s' if change.count != 1 else ''}",
            "",
            f"> {inline(change.excerpt)}",
            "",
            f"Why it changed a mind: {inline(change.explanation)}",
            "",
        ]
    return lines
