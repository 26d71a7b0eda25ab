"""Motions: the essay's built-in ones and those a guild's moderators add."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.domain.enums import AuditAction
from bot.domain.motions import builtin_motions
from bot.services.base import Service, audit, motion_view, require_moderator
from bot.services.essays import link_builtin_essay
from bot.services.guild_configs import GuildConfigs
from bot.services.shared_read import SharedRead
from bot.services.views import Actor, MotionView
from bot.storage.database import Database, lock_until_commit
from bot.storage.models import Motion

MAX_MOTION_LENGTH = 300
MIN_MOTION_LENGTH = 10


class MotionService(Service):
    """List, search, add and remove the motions a guild can debate."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self._available: SharedRead[int | None, list[MotionView]] = SharedRead(
            self._load_available, "motion-reads"
        )

    async def sync_builtin(self) -> int:
        """Insert or refresh the essay's motions; returns how many changed. Idempotent."""
        changed = 0
        async with self.db.write() as session:
            # Shards starting together on PostgreSQL would otherwise insert the same keys.
            await lock_until_commit(session, self.db.dialect, "debate-bot:builtin-motions")
            existing = {
                m.key: m
                for m in await session.scalars(select(Motion).where(Motion.key.is_not(None)))
            }
            for motion in builtin_motions():
                row = existing.get(motion.key)
                if row is None:
                    session.add(
                        Motion(
                            key=motion.key,
                            guild_id=None,
                            text=motion.text,
                            paragraphs=motion.paragraphs,
                            context=motion.context,
                            created_at=self.now(),
                        )
                    )
                    changed += 1
                elif (row.text, row.paragraphs, row.context) != (
                    motion.text,
                    motion.paragraphs,
                    motion.context,
                ):
                    row.text, row.paragraphs, row.context = (
                        motion.text,
                        motion.paragraphs,
                        motion.context,
                    )
                    changed += 1
            await session.flush()
            if await link_builtin_essay(session, self.now()):
                changed += 1
        return changed

    @staticmethod
    def visible_to(guild_id: int | None) -> Select[Motion]:
        scope: ColumnElement[bool] = Motion.guild_id.is_(None)
        if guild_id is not None:
            scope = or_(scope, Motion.guild_id == guild_id)
        return select(Motion).where(scope, Motion.removed_at.is_(None))

    async def available(self, guild_id: int | None) -> list[MotionView]:
        """Built-in motions first, in the essay's order, then the guild's own; the requests
        waiting at one moment (autocomplete in a burst) share one read."""
        return list(await self._available.get(guild_id))

    async def _load_available(
        self, keys: Sequence[int | None]
    ) -> dict[int | None, list[MotionView]]:
        found: dict[int | None, list[MotionView]] = {}
        async with self.db.read() as session:
            for guild_id in keys:
                rows = await session.scalars(self.visible_to(guild_id))
                motions = [motion_view(r) for r in rows]
                found[guild_id] = sorted(motions, key=lambda m: (not m.builtin, m.id))
        return found

    async def search(self, guild_id: int, query: str, limit: int = 25) -> list[MotionView]:
        """Motions whose text contains every word of ``query`` (or whose id is it)."""
        words = query.lower().split()
        found = []
        for motion in await self.available(guild_id):
            haystack = f"{motion.id} {motion.text}".lower()
            if all(word in haystack for word in words):
                found.append(motion)
        return found[:limit]

    async def get(self, guild_id: int, motion_ref: str) -> MotionView:
        """A motion visible to the guild, by id (``7``) or built-in key (``essay-7``)."""
        async with self.db.read() as session:
            row = await find_motion(session, guild_id, motion_ref)
            return motion_view(row)

    async def add(self, actor: Actor, text: str) -> MotionView:
        """A moderator adds a motion for their guild."""
        require_moderator(actor)
        body = " ".join(text.split())
        if len(body) < MIN_MOTION_LENGTH:
            raise errors.TooShort("motion", MIN_MOTION_LENGTH)
        if len(body) > MAX_MOTION_LENGTH:
            raise errors.TooLong(len(body), MAX_MOTION_LENGTH)
        async with self.db.write() as session:
            row = Motion(
                guild_id=actor.guild_id, text=body, created_by=actor.user_id, created_at=self.now()
            )
            session.add(row)
            await session.flush()
            audit(
                session,
                guild_id=actor.guild_id,
                action=AuditAction.MOTION_ADDED,
                at=self.now(),
                actor_id=actor.user_id,
                detail=f"motion {row.id}: {body}",
            )
            return motion_view(row)

    async def remove(self, actor: Actor, motion_ref: str) -> MotionView:
        """A moderator removes one of the guild's own motions (debates keep their record)."""
        require_moderator(actor)
        async with self.db.write() as session:
            row = await find_motion(session, actor.guild_id, motion_ref)
            if row.guild_id is None:
                raise errors.BuiltinMotion()
            row.removed_at = self.now()
            audit(
                session,
                guild_id=actor.guild_id,
                action=AuditAction.MOTION_REMOVED,
                at=self.now(),
                actor_id=actor.user_id,
                detail=f"motion {row.id}: {row.text}",
            )
            return motion_view(row)


async def find_motion(session: AsyncSession, guild_id: int, motion_ref: str) -> Motion:
    """A motion visible to the guild, by id (``7``) or built-in key (``essay-7``)."""
    ref = motion_ref.strip()
    query = MotionService.visible_to(guild_id)
    match = Motion.id == int(ref) if ref.isdigit() else Motion.key == ref
    query = query.where(match)
    row = (await session.scalars(query)).first()
    if row is None:
        raise errors.UnknownMotion(motion_ref)
    return row
