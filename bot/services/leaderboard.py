"""``/debate leaderboard``: read the debates in scope and rank their debaters and audience.

The persuasion each argument earned comes from :func:`bot.services.bridging.bridged_arguments`,
the same endorsements and pre-debate stances the summaries rank by; the points and places are
:mod:`bot.domain.leaderboard`'s. One read transaction, so the board is one moment's.

Scope ``server`` is every debate of the guild, open ones included (their points can still
change). Scope ``series`` is the debates of one series: the one named, else the series of the
channel or debate thread the command runs in, else the guild's latest (an open one first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors
from bot.domain.enums import Side
from bot.domain.leaderboard import (
    AudienceTally,
    DebaterTally,
    Earned,
    Placed,
    audience_standings,
    debater_tallies,
    standings,
)
from bot.services.base import Service
from bot.services.bridging import bridged_debates
from bot.services.series import LATEST_FIRST, series_by_id, series_of_channel
from bot.storage.models import (
    ArgumentVote,
    Debate,
    Essay,
    MindChange,
    MotionVote,
    Participant,
    Series,
    SeriesItem,
)


class Scope(StrEnum):
    """Which debates a leaderboard covers."""

    SERVER = "server"
    SERIES = "series"


@dataclass(frozen=True, slots=True)
class AudienceTotals:
    """Everything the audience did in scope, and how many members did it."""

    members: int
    votes: int
    marks: int
    mind_changes: int


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """A ranked board: every debater who argued in scope, and the audience that took part."""

    scope: Scope
    series_id: int | None
    series_title: str | None
    debates: int
    open_debates: int
    debaters: tuple[Placed[DebaterTally], ...]
    audience: tuple[Placed[AudienceTally], ...]
    audience_totals: AudienceTotals

    def place_of(self, member_id: int) -> Placed[DebaterTally] | None:
        """Where a member stands among the debaters, if they argued in scope."""
        return next((p for p in self.debaters if p.entry.member_id == member_id), None)


class LeaderboardService(Service):
    """Rank debaters by the persuasion they earned, and count the audience's part."""

    async def board(
        self,
        guild_id: int,
        channel_id: int,
        scope: Scope = Scope.SERVER,
        series_id: int | None = None,
    ) -> Leaderboard:
        """The leaderboard of ``scope``; naming a series implies scope series."""
        async with self.db.read() as session:
            series: Series | None = None
            if series_id is not None or scope is Scope.SERIES:
                series = await _pick_series(session, guild_id, channel_id, series_id)
                debates_in: Select[Any] = select(SeriesItem.debate_id).where(
                    SeriesItem.series_id == series.id, SeriesItem.debate_id.is_not(None)
                )
            else:
                debates_in = select(Debate.id).where(Debate.guild_id == guild_id)
            rows = (
                await session.execute(
                    select(Debate.id, Debate.format, Debate.status)
                    .where(Debate.id.in_(debates_in))
                    .order_by(Debate.id)
                )
            ).all()
            formats = {debate_id: format_name for debate_id, format_name, _ in rows}
            bridged = await bridged_debates(session, debates_in, formats)
            earned = [
                Earned(
                    debate_id,
                    argument.author_id,
                    argument.persuasive,
                    argument.mind_changes,
                    argument.score,
                )
                for debate_id, arguments in bridged.items()
                for argument in arguments
            ]
            audience = await _audience(session, debates_in)
            title = None
            if series is not None:
                title = await session.scalar(select(Essay.title).where(Essay.id == series.essay_id))
        return Leaderboard(
            scope=Scope.SERIES if series is not None else Scope.SERVER,
            series_id=series.id if series is not None else None,
            series_title=title,
            debates=len(rows),
            open_debates=sum(1 for r in rows if r.status == "open"),
            debaters=tuple(standings(debater_tallies(earned))),
            audience=tuple(audience_standings(audience)),
            audience_totals=AudienceTotals(
                members=sum(1 for t in audience if t.acts),
                votes=sum(t.votes for t in audience),
                marks=sum(t.marks for t in audience),
                mind_changes=sum(t.mind_changes for t in audience),
            ),
        )


async def _pick_series(
    session: AsyncSession, guild_id: int, channel_id: int, series_id: int | None
) -> Series:
    """The series named, else this channel's (or its debate thread's), else the latest."""
    if series_id is not None:
        return await series_by_id(session, guild_id, series_id)
    here = await series_of_channel(session, guild_id, channel_id)
    if here is not None:
        return here
    latest = (
        await session.scalars(
            select(Series).where(Series.guild_id == guild_id).order_by(*LATEST_FIRST).limit(1)
        )
    ).first()
    if latest is None:
        raise errors.NoSeriesYet()
    return latest


async def _audience(session: AsyncSession, debates_in: Select[Any]) -> list[AudienceTally]:
    """Votes, marks and credits of each member in the debates where they joined the audience."""
    members = {
        (debate_id, user_id)
        for debate_id, user_id in await session.execute(
            select(Participant.debate_id, Participant.user_id).where(
                Participant.debate_id.in_(debates_in), Participant.side == Side.AUDIENCE.value
            )
        )
    }
    acts: dict[str, dict[tuple[int, int], int]] = {}
    for name, model in (("votes", MotionVote), ("marks", ArgumentVote), ("minds", MindChange)):
        query = (
            select(model.debate_id, model.user_id, func.count())
            .where(model.debate_id.in_(debates_in))
            .group_by(model.debate_id, model.user_id)
        )
        acts[name] = {
            (debate_id, user_id): int(count)
            for debate_id, user_id, count in await session.execute(query)
            if (debate_id, user_id) in members
        }
    return _tallies(members, acts)


def _tallies(
    members: Iterable[tuple[int, int]], acts: dict[str, dict[tuple[int, int], int]]
) -> list[AudienceTally]:
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for key in members:
        done = [acts[name].get(key, 0) for name in ("votes", "marks", "minds")]
        total = sums[key[1]]
        for index, count in enumerate(done):
            total[index] += count
        total[3] += 1 if any(done) else 0
    return [AudienceTally(member, *counts) for member, counts in sorted(sums.items())]
