"""Moderation: hide and restore arguments, warn, mute, lock, and read the audit log.

The audit log is append-only: this module (like every other) only ever adds events, and
the database refuses updates and deletes of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.domain.enums import AuditAction
from bot.services import outbox
from bot.services.base import (
    Service,
    active_mute,
    argument_by_number,
    argument_view,
    audit,
    audit_entry,
    debate_in_channel,
    mark_counts,
    parent_number,
    require_moderator,
    view_of,
)
from bot.services.guild_configs import GuildConfigs
from bot.services.shared_read import SharedRead
from bot.services.views import (
    Actor,
    AuditPage,
    ModerationResult,
    MuteView,
)
from bot.storage.database import Database
from bot.storage.models import Argument, AuditEvent, Debate, Mute

MAX_REASON = 500

#: An audit page's request: guild, channel, debate, page, entries per page.
_PageKey = tuple[int, int | None, int | None, int, int]


def _reason(text: str) -> str:
    body = " ".join(text.split())
    if not body:
        raise errors.EmptyText()
    if len(body) > MAX_REASON:
        raise errors.TooLong(len(body), MAX_REASON)
    return body


class ModerationService(Service):
    """The moderator's toolkit; every action writes an audit event."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self._pages: SharedRead[_PageKey, AuditPage] = SharedRead(self._load_pages, "audit-reads")

    async def remove_argument(
        self, actor: Actor, channel_id: int, number: int, reason: str
    ) -> ModerationResult:
        """Hide argument ``#number`` with a reason shown on its card."""
        require_moderator(actor)
        why = _reason(reason)
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id, open_only=False)
            row = await argument_by_number(session, debate.id, number)
            if row.status == "removed":
                raise errors.ArgumentRemoved(number)
            row.status, row.removed_reason = "removed", why
            row.removed_by, row.removed_at = actor.user_id, self.now()
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id,
                action=AuditAction.ARGUMENT_REMOVED,
                at=self.now(),
                actor_id=actor.user_id,
                target_user_id=row.author_id,
                target_argument=number,
                reason=why,
            )
            outbox.argument_edit(session, debate, number)
            outbox.notice(session, debate, "removed", number=number, reason=why)
            return await self._argument_result(session, "removed", debate, row)

    async def restore_argument(
        self, actor: Actor, channel_id: int, number: int
    ) -> ModerationResult:
        """Show a removed argument again."""
        require_moderator(actor)
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id, open_only=False)
            row = await argument_by_number(session, debate.id, number)
            if row.status != "removed":
                raise errors.ArgumentNotRemoved(number)
            row.status, row.removed_reason, row.removed_by, row.removed_at = (
                "visible",
                None,
                None,
                None,
            )
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id,
                action=AuditAction.ARGUMENT_RESTORED,
                at=self.now(),
                actor_id=actor.user_id,
                target_user_id=row.author_id,
                target_argument=number,
            )
            outbox.argument_edit(session, debate, number)
            outbox.notice(session, debate, "restored", number=number)
            return await self._argument_result(session, "restored", debate, row)

    async def _argument_result(
        self, session: AsyncSession, action: str, debate: Debate, row: Argument
    ) -> ModerationResult:
        marks, deltas = await mark_counts(session, row.id)
        view = argument_view(row, await parent_number(session, row), marks, deltas)
        return ModerationResult(action, await view_of(session, debate), view)

    async def warn(
        self, actor: Actor, user_id: int, reason: str, channel_id: int | None = None
    ) -> ModerationResult:
        """Record a warning; in a debate's thread the member is told there, publicly."""
        require_moderator(actor)
        why = _reason(reason)
        async with self.db.write() as session:
            debate = await self._debate(session, actor.guild_id, channel_id)
            if debate is not None:
                outbox.notice(session, debate, "warned", user=user_id, reason=why)
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id if debate else None,
                action=AuditAction.MEMBER_WARNED,
                at=self.now(),
                actor_id=actor.user_id,
                target_user_id=user_id,
                reason=why,
            )
            warnings = await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.guild_id == actor.guild_id,
                    AuditEvent.target_user_id == user_id,
                    AuditEvent.action == AuditAction.MEMBER_WARNED.value,
                )
            )
        return ModerationResult("warned", extra={"warnings": str(int(warnings or 0))})

    async def mute(
        self,
        actor: Actor,
        user_id: int,
        minutes: int,
        reason: str,
        channel_id: int | None = None,
    ) -> ModerationResult:
        """Mute a member in every debate of the guild for ``minutes``."""
        require_moderator(actor)
        if minutes < 1:
            raise errors.TooShort("mute (in minutes)", 1)
        why = _reason(reason)
        now = self.now()
        until = now + timedelta(minutes=minutes)
        async with self.db.write() as session:
            debate = await self._debate(session, actor.guild_id, channel_id)
            if debate is not None:
                outbox.notice(session, debate, "muted", user=user_id, until=until.isoformat())
            session.add(
                Mute(
                    guild_id=actor.guild_id,
                    user_id=user_id,
                    moderator_id=actor.user_id,
                    reason=why,
                    created_at=now,
                    until=until,
                )
            )
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id if debate else None,
                action=AuditAction.MEMBER_MUTED,
                at=now,
                actor_id=actor.user_id,
                target_user_id=user_id,
                reason=why,
                detail=f"{minutes} min, until {until.isoformat()}",
            )
        return ModerationResult("muted", mute=MuteView(actor.guild_id, user_id, until, why))

    async def unmute(
        self, actor: Actor, user_id: int, channel_id: int | None = None
    ) -> ModerationResult:
        """Lift a member's mutes before they expire."""
        require_moderator(actor)
        now = self.now()
        async with self.db.write() as session:
            if await active_mute(session, actor.guild_id, user_id, now) is None:
                raise errors.NotMuted()
            rows = await session.scalars(
                select(Mute).where(
                    Mute.guild_id == actor.guild_id,
                    Mute.user_id == user_id,
                    Mute.lifted_at.is_(None),
                    Mute.until > now,
                )
            )
            for row in rows:
                row.lifted_at, row.lifted_by = now, actor.user_id
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=await self._debate_id(session, actor.guild_id, channel_id),
                action=AuditAction.MEMBER_UNMUTED,
                at=now,
                actor_id=actor.user_id,
                target_user_id=user_id,
            )
        return ModerationResult("unmuted")

    async def muted_until(self, guild_id: int, user_id: int) -> MuteView | None:
        async with self.db.read() as session:
            row = await active_mute(session, guild_id, user_id, self.now())
            return MuteView(guild_id, user_id, row.until, row.reason) if row else None

    async def set_locked(self, actor: Actor, channel_id: int, locked: bool) -> ModerationResult:
        """Pause (``locked``) or resume submissions in the channel's debate."""
        require_moderator(actor)
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            if debate.locked == locked:
                raise errors.AlreadyLocked(locked)
            debate.locked = locked
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id,
                action=AuditAction.DEBATE_LOCKED if locked else AuditAction.DEBATE_UNLOCKED,
                at=self.now(),
                actor_id=actor.user_id,
            )
            outbox.notice(session, debate, "locked" if locked else "unlocked")
            outbox.motion_card(session, debate)
            return ModerationResult(
                "locked" if locked else "unlocked", await view_of(session, debate)
            )

    async def audit_log(
        self,
        actor: Actor,
        *,
        channel_id: int | None = None,
        debate_id: int | None = None,
        page: int = 0,
        per_page: int = 10,
    ) -> AuditPage:
        """Audit events newest first: of one debate (by id, or the latest of a channel), or
        of the whole guild; the requests waiting at one moment share one read."""
        require_moderator(actor)
        return await self._pages.get((actor.guild_id, channel_id, debate_id, page, per_page))

    async def _load_pages(self, keys: Sequence[_PageKey]) -> dict[_PageKey, AuditPage]:
        async with self.db.read() as session:
            return {key: await self._page_in(session, *key) for key in keys}

    async def _page_in(
        self,
        session: AsyncSession,
        guild_id: int,
        channel_id: int | None,
        debate_id: int | None,
        page: int,
        per_page: int,
    ) -> AuditPage:
        scope = [AuditEvent.guild_id == guild_id]
        if debate_id is None and channel_id is not None:
            debate_id = await self._debate_id(session, guild_id, channel_id)
        if debate_id is not None:
            scope.append(AuditEvent.debate_id == debate_id)
        total = int(
            await session.scalar(select(func.count()).select_from(AuditEvent).where(*scope)) or 0
        )
        pages = max(1, math.ceil(total / per_page))
        page = min(max(page, 0), pages - 1)
        rows = await session.scalars(
            select(AuditEvent)
            .where(*scope)
            .order_by(AuditEvent.id.desc())
            .offset(page * per_page)
            .limit(per_page)
        )
        entries = [audit_entry(r) for r in rows]
        return AuditPage(entries, page, pages, total, debate_id)

    @classmethod
    async def _debate_id(
        cls, session: AsyncSession, guild_id: int, channel_id: int | None
    ) -> int | None:
        debate = await cls._debate(session, guild_id, channel_id)
        return debate.id if debate else None

    @staticmethod
    async def _debate(
        session: AsyncSession, guild_id: int, channel_id: int | None
    ) -> Debate | None:
        """The debate of ``channel_id`` (open or the latest closed one), if it has one."""
        if channel_id is None:
            return None
        try:
            return await debate_in_channel(session, guild_id, channel_id, open_only=False)
        except errors.NoDebateHere:
            return None
