"""Votes: the motion vote per stage, persuasive marks, and credited mind changes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors, rules
from bot.domain.enums import Action, Stance
from bot.services import outbox
from bot.services.base import (
    Service,
    active_mute,
    argument_by_number,
    argument_ref,
    check_open,
    debate_by_id,
    debate_in_channel,
    participant_side,
)
from bot.services.guild_configs import GuildConfigs
from bot.services.mark_batch import MarkBatcher
from bot.services.views import Actor, MarkResult, MindChangeResult, VoteResult
from bot.services.vote_batch import VoteBatcher
from bot.storage.database import Database
from bot.storage.models import Debate, MindChange


class VoteService(Service):
    """Everything members vote or mark; each call is one transaction (motion votes and
    persuasive marks share theirs with the others waiting at the same moment)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self.batcher = VoteBatcher(db, clock)
        self.marks = MarkBatcher(db, clock)

    async def close(self) -> None:
        await self.batcher.close()
        await self.marks.close()

    async def _open_for(
        self, session: AsyncSession, actor: Actor, debate: Debate, action: Action, what: str
    ) -> None:
        now = self.now()
        mute = await active_mute(session, actor.guild_id, actor.user_id, now)
        side = await participant_side(session, debate.id, actor.user_id)
        check_open(debate, action, what, mute=mute, joined=side is not None, now=now)

    async def vote(self, actor: Actor, channel_id: int, stance: Stance) -> VoteResult:
        """Cast or replace the actor's motion vote in the stage the phase belongs to."""
        return await self.batcher.submit(actor, stance, channel_id=channel_id)

    async def vote_in_debate(self, actor: Actor, debate_id: int, stance: Stance) -> VoteResult:
        """The same, from a button that names its debate by id."""
        return await self.batcher.submit(actor, stance, debate_id=debate_id)

    async def toggle_persuasive(
        self, actor: Actor, channel_id: int | None, number: int, debate_id: int | None = None
    ) -> MarkResult:
        """Mark an argument persuasive, or take the mark back (shares its transaction with
        the other presses waiting at the same moment: see :mod:`mark_batch`)."""
        return await self.marks.toggle(actor, number, channel_id=channel_id, debate_id=debate_id)

    async def credit_mind_change(
        self, actor: Actor, channel_id: int, number: int, explanation: str
    ) -> MindChangeResult:
        """Credit argument ``#number`` with changing the actor's mind, once."""
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            await self._open_for(session, actor, debate, Action.DELTA, "credit a mind change")
            target = await argument_by_number(session, debate.id, number)
            rules.check_mark_target(actor.user_id, argument_ref(target), "credit")
            body = rules.check_explanation(
                explanation, self.settings_for(actor.guild_id).debates.max_argument_length
            )
            exists = await session.scalar(
                select(MindChange.id).where(
                    MindChange.argument_id == target.id, MindChange.user_id == actor.user_id
                )
            )
            if exists is not None:
                raise errors.AlreadyCredited(number)
            session.add(
                MindChange(
                    debate_id=debate.id,
                    argument_id=target.id,
                    user_id=actor.user_id,
                    explanation=body,
                    created_at=self.now(),
                )
            )
            await session.flush()
            count = await session.scalar(
                select(func.count())
                .select_from(MindChange)
                .where(MindChange.argument_id == target.id)
            )
            outbox.notice(
                session,
                debate,
                "delta",
                user=actor.user_id,
                number=number,
                author=target.author_id,
                count=int(count or 0),
            )
            return MindChangeResult(debate.id, number, target.author_id, int(count or 0))

    @staticmethod
    async def _debate(
        session: AsyncSession, actor: Actor, channel_id: int | None, debate_id: int | None
    ) -> Debate:
        if debate_id is not None:
            return await debate_by_id(session, actor.guild_id, debate_id)
        assert channel_id is not None
        return await debate_in_channel(session, actor.guild_id, channel_id)
