"""Words the Markdown and HTML annotated essays share."""

from __future__ import annotations

from bot.exports.annotated.model import AnnotatedEssay, PropositionEntry, VoteStage
from bot.exports.text import STANCES, percent, plural, points

SIDE_TITLES = {"for": "For", "against": "Against"}
STANCE_TITLES = {"for": "For", "against": "Against", "undecided": "Undecided"}
STAGE_TITLES = {"pre": "Before", "post": "After", "open": "Final vote"}
CONCLUDED = (
    ("persuaded", "Persuaded of"),
    ("rejected", "Rejected"),
    ("split", "Left split"),
)


def heading(entry: PropositionEntry) -> str:
    where = f"Paragraph {entry.paragraphs}" if entry.paragraphs else "Proposition"
    return f"{where} · proposition {entry.number}"


def tally_line(stage: VoteStage) -> str:
    """``For 40.0% (4) · Against 50.0% (5) · Undecided 10.0% (1)``."""
    return " · ".join(
        f"{STANCE_TITLES[s]} {percent(stage.percentages[s])} ({stage.counts[s]})" for s in STANCES
    )


def swing_line(entry: PropositionEntry) -> str | None:
    if entry.swing is None:
        return None
    return " · ".join(f"{SIDE_TITLES[s]} {points(entry.swing[s])}" for s in ("for", "against"))


def turnout(entry: PropositionEntry) -> str:
    parts = [plural(entry.participants, "participant")]
    if entry.pre is not None:
        parts.append(f"{plural(entry.pre.total, 'vote')} before")
    if entry.post is not None:
        parts.append(
            f"{plural(entry.post.total, 'vote')} after"
            if entry.pre
            else plural(entry.post.total, "vote")
        )
    return ", ".join(parts)


def endorsement(persuasive: int, mind_changes: int, across: int) -> str:
    marks = plural(persuasive, "persuasive mark")
    changes = plural(mind_changes, "mind change")
    return f"{marks}, {changes}; persuaded across the divide: {plural(across, 'member')}"


def status_line(entry: PropositionEntry) -> str:
    if entry.state == "closed":
        return f"Debate #{entry.debate_id}: {entry.verdict}."
    if entry.state == "open":
        return f"Debate #{entry.debate_id} is still open; its results come when it closes."
    if entry.state == "to come":
        return "Not debated yet."
    return "Not debated: the series ended first."


def byline(essay: AnnotatedEssay) -> str:
    return f"by {essay.essay_author}" if essay.essay_author else ""
