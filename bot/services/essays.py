"""Essays: the built-in one and those an operator imports (for every guild or for one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors
from bot.domain.essays import BUILTIN_KEY, EssaySpec
from bot.domain.motions import builtin_essay, builtin_number
from bot.services.base import Service, motion_view
from bot.services.series_views import EssayView, Proposition
from bot.storage.models import Essay, EssayParagraph, Motion


class EssayService(Service):
    """Import, list and look up essays and their propositions."""

    async def import_spec(self, spec: EssaySpec, guild_id: int | None) -> tuple[EssayView, bool]:
        """Load ``spec`` into ``guild_id`` (``None``: every guild). Importing the same key
        again updates the essay: propositions are matched by number, those no longer in the
        file are retired (debates keep their record). Returns the essay and whether it is new."""
        now = self.now()
        async with self.db.write() as session:
            row = (
                await session.scalars(
                    select(Essay).where(_same_scope(guild_id), Essay.key == spec.slug)
                )
            ).first()
            created = row is None
            if row is None:
                row = Essay(key=spec.slug, guild_id=guild_id, created_at=now)
                session.add(row)
            row.title, row.author, row.source_url = spec.title, spec.author, spec.source_url
            row.reproducible = spec.reproducible
            row.updated_at = now
            await session.flush()
            await session.execute(delete(EssayParagraph).where(EssayParagraph.essay_id == row.id))
            if spec.reproducible:
                for number, text in sorted(spec.paragraphs.items()):
                    session.add(EssayParagraph(essay_id=row.id, number=number, text=text.strip()))
            existing = {
                m.number: m
                for m in await session.scalars(select(Motion).where(Motion.essay_id == row.id))
            }
            wanted = dict(spec.numbered())
            for number, proposition in wanted.items():
                motion = existing.get(number)
                if motion is None:
                    motion = Motion(
                        guild_id=guild_id, essay_id=row.id, number=number, created_at=now
                    )
                    session.add(motion)
                motion.text = " ".join(proposition.text.split())
                motion.paragraphs = proposition.paragraphs
                motion.context = proposition.context
                motion.removed_at = None
            for old_number, old in existing.items():
                if old_number not in wanted and old.removed_at is None:
                    old.removed_at = now
            await session.flush()
            return await essay_view(session, row), created

    async def available(self, guild_id: int | None) -> list[EssayView]:
        """The built-in essay first, then imported ones (every guild's, then this guild's)."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Essay)
                .where(_visible(guild_id))
                .order_by(Essay.guild_id.is_not(None), Essay.id)
            )
            return [await essay_view(session, row) for row in rows]

    async def search(self, guild_id: int, query: str, limit: int = 25) -> list[EssayView]:
        """Essays whose id, key, title or author contain every typed word."""
        words = query.lower().split()
        found = [
            essay
            for essay in await self.available(guild_id)
            if all(
                w in f"{essay.id} {essay.key} {essay.title} {essay.author or ''}".lower()
                for w in words
            )
        ]
        return found[:limit]

    async def get(self, guild_id: int | None, ref: str | None) -> EssayView:
        async with self.db.read() as session:
            return await essay_view(session, await find_essay(session, guild_id, ref))

    async def propositions(self, guild_id: int | None, ref: str | None) -> list[Proposition]:
        """An essay's propositions in their numbered order."""
        async with self.db.read() as session:
            essay = await find_essay(session, guild_id, ref)
            return await propositions_of(session, essay.id)

    async def paragraphs(self, essay_id: int) -> dict[int, str]:
        """The paragraphs an operator may reproduce (empty for the built-in essay)."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(EssayParagraph.number, EssayParagraph.text)
                .join(Essay, Essay.id == EssayParagraph.essay_id)
                .where(EssayParagraph.essay_id == essay_id, Essay.reproducible.is_(True))
            )
            return {number: text for number, text in rows}


def _visible(guild_id: int | None) -> ColumnElement[bool]:
    scope: ColumnElement[bool] = Essay.guild_id.is_(None)
    if guild_id is not None:
        scope = or_(scope, Essay.guild_id == guild_id)
    return scope


def _same_scope(guild_id: int | None) -> ColumnElement[bool]:
    return Essay.guild_id.is_(None) if guild_id is None else Essay.guild_id == guild_id


async def find_essay(session: AsyncSession, guild_id: int | None, ref: str | None) -> Essay:
    """An essay visible to the guild by id or key; the built-in one when ``ref`` is empty.
    A guild's own essay wins over a global one with the same key."""
    text = (ref or "").strip()
    query = select(Essay).where(_visible(guild_id))
    if not text:
        query = query.where(Essay.key == BUILTIN_KEY, Essay.guild_id.is_(None))
    elif text.isdigit():
        query = query.where(Essay.id == int(text))
    else:
        query = query.where(Essay.key == text)
    row = (await session.scalars(query.order_by(Essay.guild_id.is_(None)))).first()
    if row is None:
        raise errors.UnknownEssay(text or BUILTIN_KEY)
    return row


async def essay_view(session: AsyncSession, row: Essay) -> EssayView:
    count = await session.scalar(
        select(func.count())
        .select_from(Motion)
        .where(Motion.essay_id == row.id, Motion.removed_at.is_(None))
    )
    return EssayView(
        row.id,
        row.key,
        row.guild_id,
        row.title,
        row.author,
        row.source_url,
        row.reproducible,
        int(count or 0),
    )


async def propositions_of(session: AsyncSession, essay_id: int) -> list[Proposition]:
    rows = await session.scalars(
        select(Motion)
        .where(Motion.essay_id == essay_id, Motion.removed_at.is_(None))
        .order_by(Motion.number)
    )
    return [Proposition(row.number or 0, motion_view(row)) for row in rows]


async def link_builtin_essay(session: AsyncSession, now: datetime) -> bool:
    """Make sure the built-in essay exists and owns the ``essay-N`` motions; idempotent.
    Returns whether anything changed."""
    meta = builtin_essay()
    row = (
        await session.scalars(
            select(Essay).where(Essay.key == BUILTIN_KEY, Essay.guild_id.is_(None))
        )
    ).first()
    changed = False
    if row is None:
        row = Essay(key=BUILTIN_KEY, guild_id=None, reproducible=False, created_at=now)
        session.add(row)
        changed = True
    if (row.title, row.author) != (meta.title, meta.author):
        row.title, row.author, row.source_url, row.updated_at = meta.title, meta.author, None, now
        changed = True
    await session.flush()
    for motion in await session.scalars(select(Motion).where(Motion.key.is_not(None))):
        assert motion.key is not None
        number = builtin_number(motion.key)
        if (motion.essay_id, motion.number) != (row.id, number):
            motion.essay_id, motion.number = row.id, number
            changed = True
    return changed
