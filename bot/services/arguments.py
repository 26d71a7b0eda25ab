"""Arguments: propose and rebut, and the look-ups the adapter needs (cards, autocomplete)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors, rules
from bot.domain.enums import Action, ArgumentKind, ArgumentStatus, Side
from bot.services.base import (
    Service,
    active_mute,
    argument_by_number,
    argument_view,
    debate_by_id,
    debate_in_channel,
    format_and_phase,
    mark_counts,
    parent_number,
    participant_side,
)
from bot.services.views import Actor, ArgumentView
from bot.storage.models import Argument, Debate


def text_hash(body: str) -> str:
    """A fingerprint of an argument's text that ignores case and spacing (duplicate check)."""
    normal = " ".join(body.casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()


class ArgumentService(Service):
    """Post arguments and find them again."""

    async def propose(self, actor: Actor, channel_id: int, text: str) -> ArgumentView:
        """A new argument for the actor's side; its kind follows the phase."""
        return await self._post(actor, channel_id, text, rebut=None)

    async def rebut(self, actor: Actor, channel_id: int, number: int, text: str) -> ArgumentView:
        """A rebuttal of argument ``#number`` of the other side."""
        return await self._post(actor, channel_id, text, rebut=number)

    async def rebut_in_debate(
        self, actor: Actor, debate_id: int, number: int, text: str
    ) -> ArgumentView:
        """A rebuttal sent from the Rebut modal, which names its debate by id."""
        async with self.db.read() as session:
            debate = await debate_by_id(session, actor.guild_id, debate_id)
        return await self._post(actor, debate.channel_id, text, rebut=number)

    async def _post(
        self, actor: Actor, channel_id: int, text: str, rebut: int | None
    ) -> ArgumentView:
        now = self.now()
        limits = self.settings.debates
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            fmt, phase = format_and_phase(debate)
            if phase.is_closed:
                raise errors.DebateClosed()
            await self._check_member(session, actor, debate, now)
            action = Action.PROPOSE if rebut is None else Action.REBUT
            rules.require_action(fmt, phase, action, "post arguments" if rebut is None else "rebut")
            side = await participant_side(session, debate.id, actor.user_id)
            body = rules.check_text(text, limits.max_argument_length)
            parent: Argument | None = None
            if rebut is None:
                posted = await session.scalar(
                    select(func.count())
                    .select_from(Argument)
                    .where(
                        Argument.debate_id == debate.id,
                        Argument.author_id == actor.user_id,
                        Argument.phase == phase.name,
                    )
                )
                kind = rules.proposal_kind(phase, side, int(posted or 0))
            else:
                parent = await argument_by_number(session, debate.id, rebut)
                rules.check_rebuttal_target(side, argument_ref(parent))
                kind = ArgumentKind.REBUTTAL
            assert side is not None
            rules.check_member_age(actor.joined_guild_at, limits.min_member_age_minutes, now)
            await self._check_flood(session, debate.id, actor.user_id, body, now)
            number = await session.scalar(
                update(Debate)
                .where(Debate.id == debate.id)
                .values(argument_count=Debate.argument_count + 1)
                .returning(Debate.argument_count)
            )
            assert number is not None
            row = Argument(
                debate_id=debate.id,
                number=number,
                author_id=actor.user_id,
                side=side.value,
                kind=kind.value,
                phase=phase.name,
                parent_id=parent.id if parent else None,
                body=body,
                body_hash=text_hash(body),
                status="visible",
                created_at=now,
            )
            session.add(row)
            await session.flush()
            return argument_view(row, parent.number if parent else None)

    async def _check_member(
        self, session: AsyncSession, actor: Actor, debate: Debate, now: datetime
    ) -> None:
        mute = await active_mute(session, actor.guild_id, actor.user_id, now)
        rules.check_mute(mute.until if mute else None, mute.reason if mute else None, now)
        if debate.locked:
            raise errors.Locked()

    async def _check_flood(
        self, session: AsyncSession, debate_id: int, user_id: int, body: str, now: datetime
    ) -> None:
        """Cooldown between a member's arguments, and no identical text twice."""
        last = await session.scalar(
            select(Argument.created_at)
            .where(Argument.debate_id == debate_id, Argument.author_id == user_id)
            .order_by(Argument.created_at.desc())
            .limit(1)
        )
        same = await session.scalar(
            select(Argument.number).where(
                Argument.debate_id == debate_id,
                Argument.author_id == user_id,
                Argument.body_hash == text_hash(body),
            )
        )
        if same is not None:
            raise errors.DuplicateArgument(same)
        rules.check_cooldown(last, self.settings.debates.argument_cooldown_seconds, now)

    async def set_message(
        self, guild_id: int, debate_id: int, number: int, message_id: int
    ) -> None:
        """Remember the message that shows argument ``#number``, to edit it later."""
        async with self.db.write() as session:
            await debate_by_id(session, guild_id, debate_id)
            row = await argument_by_number(session, debate_id, number)
            row.message_id = message_id

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


def argument_ref(row: Argument) -> rules.ArgumentRef:
    """The facts about a stored argument that the rules look at."""
    return rules.ArgumentRef(row.number, row.author_id, Side(row.side), ArgumentStatus(row.status))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
