"""Arguments: propose and rebut, and the look-ups the adapter needs (cards, autocomplete)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.domain.enums import Side
from bot.services.base import (
    Service,
    argument_by_number,
    argument_view,
    debate_by_id,
    debate_in_channel,
    mark_counts,
    parent_number,
    participant_sides,
)
from bot.services.guild_configs import GuildConfigs
from bot.services.post_batch import PostBatcher
from bot.services.shared_read import SharedRead
from bot.services.views import Actor, ArgumentView
from bot.storage.database import Database
from bot.storage.models import Argument

#: Autocomplete's read: guild, channel, and the member rebutting (None: any argument).
_VisibleKey = tuple[int, int, int | None]
#: The debate's visible arguments, newest first, and that member's side.
_Visible = tuple[list[ArgumentView], Side | None] | BaseException


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
        self._visible: SharedRead[_VisibleKey, tuple[list[ArgumentView], Side | None]] = SharedRead(
            self._load_visible, "argument-reads"
        )

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
        Autocomplete cannot be deferred: the requests waiting at one moment share one read of
        the debate's visible arguments, and each is matched in memory.
        """
        try:
            visible, side = await self._visible.get((guild_id, channel_id, rebutting_user))
        except errors.NoDebateHere:
            return []
        needle = str(query).strip().lstrip("#")
        if needle.isdigit():
            number = int(needle)
            found = (a for a in visible if a.number == number or str(a.number).startswith(needle))
        else:
            words = [word.casefold() for word in needle.split()]
            found = (a for a in visible if all(w in a.body.casefold() for w in words))
        if side is not None and side.is_debater:
            found = (a for a in found if a.side != side)
        return list(itertools.islice(found, limit))

    async def _load_visible(self, keys: Sequence[_VisibleKey]) -> dict[_VisibleKey, _Visible]:
        found: dict[_VisibleKey, _Visible] = {}
        async with self.db.read() as session:
            for guild_id, channel_id in {(g, c) for g, c, _ in keys}:
                try:
                    debate = await debate_in_channel(session, guild_id, channel_id, open_only=False)
                except errors.NoDebateHere as refusal:
                    found.update({k: refusal for k in keys if k[:2] == (guild_id, channel_id)})
                    continue
                rows = await session.scalars(
                    select(Argument)
                    .where(Argument.debate_id == debate.id, Argument.status == "visible")
                    .order_by(Argument.number.desc())
                )
                visible = [argument_view(r, None) for r in rows]
                users = {k[2] for k in keys if k[:2] == (guild_id, channel_id)}
                sides = await participant_sides(session, debate.id, users - {None})
                for user in users:
                    found[(guild_id, channel_id, user)] = (visible, sides.get(user))
        return found
