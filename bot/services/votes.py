"""Votes: the motion vote per stage, persuasive marks, and credited mind changes."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors, rules
from bot.domain.enums import Action, Stance
from bot.services.arguments import argument_ref
from bot.services.base import (
    Service,
    active_mute,
    argument_by_number,
    debate_by_id,
    debate_in_channel,
    format_and_phase,
    participant_side,
)
from bot.services.views import Actor, MarkResult, MindChangeResult, VoteResult
from bot.storage.models import ArgumentVote, Debate, MindChange, MotionVote


class VoteService(Service):
    """Everything members vote or mark; each call is one transaction."""

    async def _open_for(
        self, session: AsyncSession, actor: Actor, debate: Debate, action: Action, what: str
    ) -> None:
        now = self.now()
        fmt, phase = format_and_phase(debate)
        if phase.is_closed:
            raise errors.DebateClosed()
        mute = await active_mute(session, actor.guild_id, actor.user_id, now)
        rules.check_mute(mute.until if mute else None, mute.reason if mute else None, now)
        if debate.locked:
            raise errors.Locked()
        rules.require_action(fmt, phase, action, what)
        if await participant_side(session, debate.id, actor.user_id) is None:
            raise errors.NotJoined()

    async def vote(self, actor: Actor, channel_id: int, stance: Stance) -> VoteResult:
        """Cast or replace the actor's motion vote in the stage the phase belongs to."""
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            return await self._vote(session, actor, debate, stance)

    async def vote_in_debate(self, actor: Actor, debate_id: int, stance: Stance) -> VoteResult:
        """The same, from a button that names its debate by id."""
        async with self.db.write() as session:
            debate = await debate_by_id(session, actor.guild_id, debate_id)
            return await self._vote(session, actor, debate, stance)

    async def _vote(
        self, session: AsyncSession, actor: Actor, debate: Debate, stance: Stance
    ) -> VoteResult:
        await self._open_for(session, actor, debate, Action.VOTE, "vote")
        _, phase = format_and_phase(debate)
        stage = phase.vote_stage
        assert stage is not None
        now = self.now()
        previous = await session.scalar(
            select(MotionVote.stance).where(
                MotionVote.debate_id == debate.id,
                MotionVote.user_id == actor.user_id,
                MotionVote.stage == stage,
            )
        )
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        statement = insert(MotionVote).values(
            debate_id=debate.id,
            user_id=actor.user_id,
            stage=stage,
            stance=stance.value,
            cast_at=now,
            updated_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["debate_id", "user_id", "stage"],
            set_={"stance": statement.excluded.stance, "updated_at": statement.excluded.updated_at},
        )
        await session.execute(statement)
        return VoteResult(debate.id, stage, stance, Stance(previous) if previous else None)

    async def toggle_persuasive(
        self, actor: Actor, channel_id: int | None, number: int, debate_id: int | None = None
    ) -> MarkResult:
        """Mark an argument persuasive, or take the mark back."""
        async with self.db.write() as session:
            debate = await self._debate(session, actor, channel_id, debate_id)
            await self._open_for(
                session, actor, debate, Action.PERSUASIVE, "mark arguments persuasive"
            )
            target = await argument_by_number(session, debate.id, number)
            rules.check_mark_target(actor.user_id, argument_ref(target), "mark")
            removed = await session.execute(
                delete(ArgumentVote).where(
                    ArgumentVote.argument_id == target.id, ArgumentVote.user_id == actor.user_id
                )
            )
            marked = not getattr(removed, "rowcount", 0)
            if marked:
                session.add(
                    ArgumentVote(
                        debate_id=debate.id,
                        argument_id=target.id,
                        user_id=actor.user_id,
                        created_at=self.now(),
                    )
                )
                await session.flush()
            count = await session.scalar(
                select(func.count())
                .select_from(ArgumentVote)
                .where(ArgumentVote.argument_id == target.id)
            )
            return MarkResult(debate.id, number, marked, int(count or 0), target.message_id)

    async def credit_mind_change(
        self, actor: Actor, channel_id: int, number: int, explanation: str
    ) -> MindChangeResult:
        """Credit argument ``#number`` with changing the actor's mind, once."""
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            await self._open_for(session, actor, debate, Action.DELTA, "credit a mind change")
            target = await argument_by_number(session, debate.id, number)
            rules.check_mark_target(actor.user_id, argument_ref(target), "credit")
            body = rules.check_explanation(explanation, self.settings.debates.max_argument_length)
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
            return MindChangeResult(debate.id, number, target.author_id, int(count or 0))

    @staticmethod
    async def _debate(
        session: AsyncSession, actor: Actor, channel_id: int | None, debate_id: int | None
    ) -> Debate:
        if debate_id is not None:
            return await debate_by_id(session, actor.guild_id, debate_id)
        assert channel_id is not None
        return await debate_in_channel(session, actor.guild_id, channel_id)
