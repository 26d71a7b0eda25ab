"""The leaderboard as one embed, within Discord's limits whatever the number of members.

Members appear as mentions, which embeds never ping (and the bot posts with mentions
disabled). Equal totals share a place, shown ``=2``.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapter.limits import clip
from bot.adapter.render import fit
from bot.domain.leaderboard import AudienceTally, DebaterTally, Placed
from bot.services.leaderboard import Leaderboard

DEBATERS_SHOWN = 10
AUDIENCE_SHOWN = 5
RULE = (
    "A persuasive mark earns its author 1 point, 2 from across the divide (a member who voted "
    "the other way or undecided before the debate); a credited mind change 2, or 4 from across."
)


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def place_label(placed: Placed[Any]) -> str:
    """``3`` or, when shared, ``=3``."""
    return f"={placed.place}" if placed.tied else str(placed.place)


def debater_line(placed: Placed[DebaterTally]) -> str:
    t = placed.entry
    parts = [_n(t.marks, "mark"), _n(t.mind_changes, "mind change")]
    if t.across:
        parts.append(f"{_n(t.across, 'member')} from across the divide")
    parts.append(_n(t.debates, "debate"))
    return (
        f"`{place_label(placed):>3}.` <@{t.member_id}> **{_n(t.points, 'point')}** · "
        + " · ".join(parts)
    )


def audience_line(placed: Placed[AudienceTally]) -> str:
    t = placed.entry
    done = [
        _n(count, word)
        for count, word in ((t.votes, "vote"), (t.marks, "mark"), (t.mind_changes, "mind change"))
        if count
    ]
    return f"`{place_label(placed):>3}.` <@{t.member_id}> {_n(t.acts, 'act')} ({', '.join(done)})"


def _where(board: Leaderboard) -> str:
    if board.series_id is None:
        return "this server"
    return f"series #{board.series_id}" + (f" ({board.series_title})" if board.series_title else "")


def leaderboard_embed(board: Leaderboard, viewer: int | None = None) -> discord.Embed:
    """The board; with ``viewer`` (an ephemeral answer) a footer says where they stand."""
    title = clip(f"Leaderboard · {_where(board)}", 256)
    if not board.debates:
        empty = (
            "No debate has opened in this series yet."
            if board.series_id is not None
            else "No debates in this server yet: a moderator starts one with /debate start."
        )
        return fit(discord.Embed(title=title, description=empty, colour=discord.Colour.gold()))
    still_open = f" ({board.open_debates} still open)" if board.open_debates else ""
    lines = [f"Persuasion earned across {_n(board.debates, 'debate')}{still_open}. {RULE}", ""]
    lines.append("**Debaters**")
    if board.debaters:
        lines.extend(debater_line(p) for p in board.debaters[:DEBATERS_SHOWN])
        if len(board.debaters) > DEBATERS_SHOWN:
            lines.append(f"…and {_n(len(board.debaters) - DEBATERS_SHOWN, 'more debater')}")
    else:
        lines.append("Nobody has argued yet.")
    totals = board.audience_totals
    lines.append("")
    if totals.members:
        lines.append(
            f"**Audience**: {_n(totals.members, 'member')} took part: "
            f"{_n(totals.votes, 'vote')}, {_n(totals.marks, 'persuasive mark')}, "
            f"{_n(totals.mind_changes, 'mind change')} credited."
        )
        lines.extend(audience_line(p) for p in board.audience[:AUDIENCE_SHOWN])
        if len(board.audience) > AUDIENCE_SHOWN:
            lines.append(f"…and {_n(len(board.audience) - AUDIENCE_SHOWN, 'more member')}")
    else:
        lines.append("**Audience**: nobody in the audience has voted or marked yet.")
    embed = discord.Embed(title=title, description="\n".join(lines), colour=discord.Colour.gold())
    if viewer is not None:
        mine = board.place_of(viewer)
        if mine is None:
            embed.set_footer(text="You have not argued in these debates yet.")
        else:
            embed.set_footer(
                text=f"Your place: {place_label(mine)} of {len(board.debaters)}, "
                f"with {_n(mine.entry.points, 'point')}."
            )
    return fit(embed)
