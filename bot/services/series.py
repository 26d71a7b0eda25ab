"""Series: several propositions of an essay debated in one channel, at once or in turn.

Everything a series needs to move on lives in the database (the series, its items and the
debates they opened), so the deadline loop and start-up can drive a sequence after a restart:
:meth:`SeriesService.work` says what is due, the adapter opens threads, and
:meth:`SeriesService.open_item` links each new debate to its item in the debate's own
transaction, guarded so that an item is opened once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors
from bot.domain.enums import DebateStatus
from bot.domain.formats import get_format
from bot.domain.series import Schedule, choose_propositions
from bot.services.base import Service, debate_by_id, motion_view, require_moderator, view_of
from bot.services.debates import DebateService, results_in
from bot.services.essays import essay_view, find_essay, propositions_of
from bot.services.series_views import Proposition, SeriesItemView, SeriesView, SeriesWork
from bot.services.views import Actor, DebateView
from bot.storage.models import Debate, Essay, Motion, Series, SeriesItem


class SeriesService(Service):
    """Start, drive, inspect and end series."""

    async def plan(
        self, actor: Actor, essay_ref: str | None, propositions: str | None, format_name: str | None
    ) -> list[Proposition]:
        """Refuse early (before anything is posted) what :meth:`start` would refuse; returns
        the chosen propositions in the order given."""
        require_moderator(actor)
        get_format(format_name or self.settings_for(actor.guild_id).debates.default_format)
        async with self.db.read() as session:
            essay = await find_essay(session, actor.guild_id, essay_ref)
            available = await propositions_of(session, essay.id)
        by_number = {p.number: p for p in available}
        chosen = choose_propositions(propositions, sorted(by_number))
        return [by_number[n] for n in chosen]

    async def start(
        self,
        actor: Actor,
        *,
        channel_id: int,
        schedule: Schedule,
        essay_ref: str | None = None,
        propositions: str | None = None,
        format_name: str | None = None,
    ) -> SeriesView:
        """Record a series and its items; the driver opens the debates (:meth:`work`)."""
        chosen = await self.plan(actor, essay_ref, propositions, format_name)
        fmt = get_format(format_name or self.settings_for(actor.guild_id).debates.default_format)
        async with self.db.write() as session:
            essay = await find_essay(session, actor.guild_id, essay_ref)
            row = Series(
                guild_id=actor.guild_id,
                channel_id=channel_id,
                essay_id=essay.id,
                schedule=schedule.value,
                format=fmt.name,
                status="open",
                created_by=actor.user_id,
                created_at=self.now(),
            )
            session.add(row)
            await session.flush()
            for position, proposition in enumerate(chosen, start=1):
                session.add(
                    SeriesItem(series_id=row.id, position=position, motion_id=proposition.motion.id)
                )
            await session.flush()
            return await series_view(session, row)

    async def set_card_message(self, series_id: int, message_id: int) -> None:
        """Remember the message of the series card, to edit it as debates open and close."""
        async with self.db.write() as session:
            await session.execute(
                update(Series).where(Series.id == series_id).values(card_message_id=message_id)
            )

    async def get(self, guild_id: int, series_id: int) -> SeriesView:
        async with self.db.read() as session:
            return await series_view(session, await series_by_id(session, guild_id, series_id))

    async def get_any(self, series_id: int) -> SeriesView:
        """A series by id whatever its guild (the driver, which found it in :meth:`work`)."""
        async with self.db.read() as session:
            row = await session.get(Series, series_id)
            if row is None:
                raise errors.UnknownSeries(series_id)
            return await series_view(session, row)

    async def for_channel(
        self, guild_id: int, channel_id: int, series_id: int | None = None
    ) -> SeriesView:
        """The series named by id, else the one of this channel (the open one first, then the
        latest) or of the debate thread the command runs in."""
        if series_id is not None:
            return await self.get(guild_id, series_id)
        async with self.db.read() as session:
            row = await series_of_channel(session, guild_id, channel_id)
            if row is None:
                raise errors.NoSeriesHere()
            return await series_view(session, row)

    async def of_debate(self, debate_id: int) -> int | None:
        """The series a debate belongs to, if any."""
        async with self.db.read() as session:
            found: int | None = await session.scalar(
                select(SeriesItem.series_id).where(SeriesItem.debate_id == debate_id)
            )
            return found

    async def recent(self, guild_id: int, limit: int = 25) -> list[SeriesView]:
        """Open series first, then the latest closed ones (for autocomplete)."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(Series)
                .where(Series.guild_id == guild_id)
                .order_by((Series.status == "open").desc(), Series.id.desc())
                .limit(limit)
            )
            return [await series_view(session, row) for row in rows]

    async def work(self, owns_guild: Callable[[int], bool] = lambda _g: True) -> list[SeriesWork]:
        """Every open series of the guilds this process runs, with what is due there (and
        ended series that still have open debates), from one query."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(
                    Series.id,
                    Series.guild_id,
                    Series.schedule,
                    Series.status.label("series_status"),
                    SeriesItem.position,
                    SeriesItem.debate_id,
                    Debate.status.label("debate_status"),
                    Debate.phase_index,
                )
                .join(SeriesItem, SeriesItem.series_id == Series.id)
                .outerjoin(Debate, Debate.id == SeriesItem.debate_id)
                .where(
                    or_(
                        Series.status == "open",
                        and_(Series.status == "closed", Debate.status == "open"),
                    )
                )
                .order_by(Series.id, SeriesItem.position)
            )
            grouped: dict[int, list[Any]] = {}
            for row in rows:
                grouped.setdefault(row.id, []).append(row)
        due: list[SeriesWork] = []
        for series_id, items in grouped.items():
            first = items[0]
            if not owns_guild(first.guild_id):
                continue
            pending = [i.position for i in items if i.debate_id is None]
            still_open = [
                (i.debate_id, i.phase_index)
                for i in items
                if i.debate_id is not None and i.debate_status == DebateStatus.OPEN.value
            ]
            if first.series_status != "open":
                if still_open:
                    due.append(SeriesWork(series_id, first.guild_id, (), tuple(still_open), False))
                continue
            if first.schedule == Schedule.PARALLEL.value:
                opening = tuple(pending)
            else:
                opening = tuple(pending[:1]) if not still_open else ()
            fingerprint = tuple(
                (i.position, i.debate_id, i.debate_status, i.phase_index) for i in items
            )
            complete = not pending and not still_open
            due.append(SeriesWork(series_id, first.guild_id, opening, (), complete, fingerprint))
        return due

    async def open_item(
        self,
        series_id: int,
        position: int,
        *,
        thread_id: int,
        parent_channel_id: int,
        card_message_id: int | None,
    ) -> DebateView:
        """Start the debate of one item in ``thread_id``, on behalf of the series' creator.

        The item is linked in the debate's transaction, only if it has no debate yet, the
        series is still open and (in a sequence) no other debate of the series is open; a
        refusal leaves nothing behind."""
        async with self.db.read() as session:
            series = await session.get(Series, series_id)
            item = (
                await session.scalars(
                    select(SeriesItem).where(
                        SeriesItem.series_id == series_id, SeriesItem.position == position
                    )
                )
            ).first()
            if series is None or item is None:
                raise errors.UnknownSeries(series_id)
            guild_id, creator, fmt, schedule = (
                series.guild_id,
                series.created_by,
                series.format,
                series.schedule,
            )
            motion_id = item.motion_id

        async def link(session: AsyncSession, debate: Debate) -> None:
            linked = await session.execute(
                update(SeriesItem)
                .where(
                    SeriesItem.series_id == series_id,
                    SeriesItem.position == position,
                    SeriesItem.debate_id.is_(None),
                )
                .values(debate_id=debate.id)
                .execution_options(synchronize_session=False)
            )
            status = await session.scalar(select(Series.status).where(Series.id == series_id))
            if getattr(linked, "rowcount", 0) != 1 or status != "open":
                raise errors.Refusal(f"Item {position} of series {series_id} is not due.")
            if schedule == Schedule.SEQUENCE.value:
                others = await session.scalar(
                    select(Debate.id)
                    .join(SeriesItem, SeriesItem.debate_id == Debate.id)
                    .where(
                        SeriesItem.series_id == series_id,
                        Debate.status == "open",
                        Debate.id != debate.id,
                    )
                    .limit(1)
                )
                if others is not None:
                    raise errors.Refusal(f"Series {series_id} has a debate open already.")

        debates = DebateService(self.db, self.clock, self.settings)
        return await debates.start(
            Actor(guild_id, creator, is_moderator=True),
            channel_id=thread_id,
            motion_ref=str(motion_id),
            format_name=fmt,
            parent_channel_id=parent_channel_id,
            card_message_id=card_message_id,
            also=link,
        )

    async def complete(self, series_id: int) -> SeriesView | None:
        """Close a series whose debates are all over; ``None`` if it is not (or someone else
        closed it)."""
        async with self.db.write() as session:
            row = await session.get(Series, series_id)
            if row is None or row.status != "open":
                return None
            view = await series_view(session, row)
            if any(item.state != "closed" for item in view.items):
                return None
            closed = await session.execute(
                update(Series)
                .where(Series.id == series_id, Series.status == "open")
                .values(status="closed", closed_at=self.now())
                .execution_options(synchronize_session=False)
            )
            if getattr(closed, "rowcount", 0) != 1:
                return None
            await session.refresh(row)
            return await series_view(session, row)

    async def end(
        self, actor: Actor, channel_id: int, series_id: int | None = None
    ) -> tuple[SeriesView, list[tuple[int, int]]]:
        """``/series end``: close the series (no further debate opens) and return its open
        debates (id, phase index) for the caller to close and announce."""
        require_moderator(actor)
        found = await self.for_channel(actor.guild_id, channel_id, series_id)
        async with self.db.write() as session:
            closed = await session.execute(
                update(Series)
                .where(Series.id == found.id, Series.status == "open")
                .values(status="closed", closed_at=self.now(), closed_by=actor.user_id)
                .execution_options(synchronize_session=False)
            )
            if getattr(closed, "rowcount", 0) != 1:
                raise errors.SeriesClosed()
            row = await series_by_id(session, actor.guild_id, found.id)
            view = await series_view(session, row)
        still_open = [
            (item.debate.id, item.debate.phase_index)
            for item in view.items
            if item.debate is not None and item.debate.is_open
        ]
        return view, still_open


async def series_by_id(session: AsyncSession, guild_id: int, series_id: int) -> Series:
    row = await session.get(Series, series_id)
    if row is None or row.guild_id != guild_id:
        raise errors.UnknownSeries(series_id)
    return row


#: The open series first, then the latest.
LATEST_FIRST = ((Series.status == "open").desc(), Series.id.desc())


async def series_of_channel(session: AsyncSession, guild_id: int, channel_id: int) -> Series | None:
    """The series run in this channel or in one of its debates' threads (see LATEST_FIRST)."""
    found: Series | None = (
        await session.scalars(
            select(Series)
            .outerjoin(SeriesItem, SeriesItem.series_id == Series.id)
            .outerjoin(Debate, Debate.id == SeriesItem.debate_id)
            .where(
                Series.guild_id == guild_id,
                or_(Series.channel_id == channel_id, Debate.channel_id == channel_id),
            )
            .order_by(*LATEST_FIRST)
            .limit(1)
        )
    ).first()
    return found


async def series_view(session: AsyncSession, row: Series) -> SeriesView:
    """A series with its essay, items, debates and (for closed debates) results."""
    essay_row = await session.get(Essay, row.essay_id)
    assert essay_row is not None, "series reference existing essays"
    essay = await essay_view(session, essay_row)
    items = []
    for item, motion in await session.execute(
        select(SeriesItem, Motion)
        .join(Motion, Motion.id == SeriesItem.motion_id)
        .where(SeriesItem.series_id == row.id)
        .order_by(SeriesItem.position)
    ):
        debate = None
        results = None
        if item.debate_id is not None:
            debate = await view_of(
                session, await debate_by_id(session, row.guild_id, item.debate_id)
            )
            if not debate.is_open:
                results = await results_in(session, debate)
        items.append(
            SeriesItemView(item.position, motion.number or 0, motion_view(motion), debate, results)
        )
    return SeriesView(
        row.id,
        row.guild_id,
        row.channel_id,
        essay,
        row.schedule,
        row.format,
        row.status,
        row.card_message_id,
        row.created_by,
        row.created_at,
        row.closed_at,
        tuple(items),
    )
