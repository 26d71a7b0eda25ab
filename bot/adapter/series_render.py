"""The embeds of a series: its card (edited as debates open and close), its status and its
results ("What the room concluded")."""

from __future__ import annotations

import discord

from bot.adapter.limits import one_line
from bot.adapter.render import fit
from bot.domain.series import Conclusion, conclusion, verdict
from bot.services.series_views import SeriesItemView, SeriesView

CONCLUSION_TITLES = {
    Conclusion.PERSUADED: "Persuaded of",
    Conclusion.REJECTED: "Rejected",
    Conclusion.SPLIT: "Left split",
}
#: Characters of a proposition's text on the card (the whole list must fit one embed).
PROPOSITION_CHARS = 160


def item_line(item: SeriesItemView, series: SeriesView) -> str:
    """One proposition on the card: number, paragraphs, text, then where it stands."""
    where = f" (¶ {item.motion.paragraphs})" if item.motion.paragraphs else ""
    head = f"**{item.number}.**{where} {one_line(item.motion.text, PROPOSITION_CHARS)}"
    return f"{head}\n→ {item_state(item, series)}"


def item_state(item: SeriesItemView, series: SeriesView) -> str:
    if item.debate is None:
        if not series.is_open:
            return "not debated"
        return "waiting for the previous debate" if series.schedule == "sequence" else "opening…"
    if item.debate.is_open:
        return f"debating in <#{item.debate.channel_id}> · {item.debate.phase_title}"
    if item.results is None:
        return f"closed (debate #{item.debate.id})"
    result = item.results.outcome
    room = CONCLUSION_TITLES[conclusion(result)].lower()
    return f"closed: {verdict(result)} · {result.post.total} voted · room: {room}"


def series_card(series: SeriesView) -> discord.Embed:
    """The card in the channel: the propositions and each one's status or verdict."""
    counts = series.counts()
    state = "running" if series.is_open else "over"
    embed = discord.Embed(
        title=f"Series #{series.id}: {series.essay.title}",
        description="\n".join(item_line(item, series) for item in series.items),
        colour=discord.Colour.blurple() if series.is_open else discord.Colour.gold(),
    )
    embed.add_field(name="Schedule", value=series.schedule.capitalize(), inline=True)
    embed.add_field(name="Format", value=series.format.capitalize(), inline=True)
    embed.add_field(
        name="Progress",
        value=f"{counts['closed']} closed · {counts['open']} open · {counts['pending']} to come",
        inline=True,
    )
    embed.set_footer(
        text=f"The series is {state}. Join each debate in its thread; moderators: "
        "/series status, /series end, /series export."
    )
    return fit(embed)


def series_results(series: SeriesView) -> discord.Embed:
    """What the room concluded, proposition by proposition."""
    embed = discord.Embed(
        title=f"Series #{series.id} results: what the room concluded",
        description=series.essay.title,
        colour=discord.Colour.gold(),
    )
    grouped: dict[Conclusion, list[str]] = {c: [] for c in Conclusion}
    untouched: list[str] = []
    for item in series.items:
        text = f"**{item.number}.** {one_line(item.motion.text, PROPOSITION_CHARS)}"
        if item.results is None:
            untouched.append(text)
            continue
        result = item.results.outcome
        grouped[conclusion(result)].append(f"{text} ({verdict(result)})")
    for kind, lines in grouped.items():
        if lines:
            embed.add_field(name=CONCLUSION_TITLES[kind], value="\n".join(lines), inline=False)
    if untouched:
        embed.add_field(name="Not debated", value="\n".join(untouched), inline=False)
    embed.set_footer(text="The annotated essay: /series export (moderators).")
    return fit(embed)
