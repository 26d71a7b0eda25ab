"""Votes: the motion vote per stage, persuasive marks, and credited mind changes."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Settings
from bot.domain.enums import Stance
from bot.services.base import Service
from bot.services.delta_batch import DeltaBatcher
from bot.services.guild_configs import GuildConfigs
from bot.services.mark_batch import MarkBatcher
from bot.services.views import Actor, MarkResult, MindChangeResult, VoteResult
from bot.services.vote_batch import VoteBatcher
from bot.storage.database import Database


class VoteService(Service):
    """Everything members vote, mark or credit; each call is one transaction, shared with
    the others of its kind waiting at the same moment."""

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
        self.deltas = DeltaBatcher(db, clock)

    async def close(self) -> None:
        await self.batcher.close()
        await self.marks.close()
        await self.deltas.close()

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
        """Credit argument ``#number`` with changing the actor's mind, once (shares its
        transaction with the other credits waiting at the same moment: see
        :mod:`delta_batch`)."""
        limit = self.settings_for(actor.guild_id).debates.max_argument_length
        return await self.deltas.credit(actor, number, explanation, limit, channel_id=channel_id)
