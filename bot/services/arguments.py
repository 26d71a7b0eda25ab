"""Arguments: propose and rebut, and the look-ups the adapter needs (cards, autocomplete)."""

from __future__ import annotations

from sqlalchemy import String, cast, or_, select

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.services.base import (
    Service,
    argument_by_number,
    argument_view,
    debate_by_id,
    debate_in_channel,
    mark_counts,
    parent_number,
    participant_side,
)
from bot.services.guild_configs import GuildConfigs
from bot.services.post_batch import PostBatcher
from bot.services.views import Actor, ArgumentView
from bot.storage.database import Database
from bot.storage.models import Argument


class ArgumentService(Service):
    """Post arguments and find them again."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self.posts = PostBatcher(db, clock, lambda guild_id: self.settings_for(guild_id).debates)

    async def close(self) -> None:
        await self.posts.close()

    async def propose(self, actor: Actor, channel_id: int, text: str) -> ArgumentView:
        """A new argument for the actor's side; its kind follows the phase (shares its
        transaction with the other posts waiting at the same moment: see :mod:`post_batch`).
        """
        return await self.posts.post(actor, text, channel_id=channel_id, rebut=None)

    async def rebut(self, actor: Actor, channel_id: int, number: int, text: str) -> ArgumentView:
        """A rebuttal of argument ``#number`` of the other side."""
        return await self.posts.post(actor, text, channel_id=channel_id, rebut=number)

    async def rebut_in_debate(
        self, actor: Actor, debate_id: int, number: int, text: str
    ) -> ArgumentView:
        """A rebuttal sent from the Rebut modal, which names its debate by id."""
        return await self.posts.post(actor, text, debate_id=debate_id, rebut=number)

    async def set_message(
        self,
        guild_id: int,
        debate_id: int,
        number: int,
        message_id: int,
    ) -> None:
        """Remember the message that shows argument ``#number``, to edit it later, and mark
        the outbox row of its card delivered."""
        await self.posts.set_message(guild_id, debate_id, number, message_id)

    async def get(self, guild_id: int, debate_id: int, number: int) -> ArgumentView:
        """One argument with its counts, scoped by guild and debate."""
        async with self.db.read() as session:
            await debate_by_id(session, guild_id, debate_id)
            row = await argument_by_number(session, debate_id, number)
            marks, deltas = await mark_counts(session, row.id)
            return argument_view(row, await parent_number(session, row), marks, deltas)

    async def search(
        self,
        guild_id: int,
        channel_id: int,
        query: str,
        *,
        rebutting_user: int | None = None,
        limit: int = 25,
    ) -> list[ArgumentView]:
        """Visible arguments of the channel's debate matching ``#n`` or words, newest first.

        With ``rebutting_user``, only arguments that member may rebut (the other side's).
        """
        async with self.db.read() as session:
            try:
                debate = await debate_in_channel(session, guild_id, channel_id, open_only=False)
            except errors.NoDebateHere:
                return []
            stmt = select(Argument).where(
                Argument.debate_id == debate.id, Argument.status == "visible"
            )
            if rebutting_user is not None:
                side = await participant_side(session, debate.id, rebutting_user)
                if side is not None and side.is_debater:
                    stmt = stmt.where(Argument.side != side.value)
            needle = str(query).strip().lstrip("#")
            if needle.isdigit():
                stmt = stmt.where(
                    or_(
                        Argument.number == int(needle),
                        cast(Argument.number, String).like(f"{needle}%"),
                    )
                )
            else:
                for word in needle.split():
                    stmt = stmt.where(Argument.body.ilike(f"%{_escape_like(word)}%", escape="\\"))
            rows = await session.scalars(stmt.order_by(Argument.number.desc()).limit(limit))
            return [argument_view(r, None) for r in rows]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
