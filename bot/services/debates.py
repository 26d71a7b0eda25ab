"""Debates: start, join and leave, phases (advance, extend, end), status and results."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.domain.enums import ArgumentKind, AuditAction, DebateStatus, Side, Stance
from bot.domain.formats import Format, Phase, get_format
from bot.domain.scoring import outcome
from bot.services import outbox
from bot.services.base import (
    Service,
    audit,
    debate_by_id,
    debate_in_channel,
    require_moderator,
    view_of,
)
from bot.services.guild_configs import GuildConfigs
from bot.services.join_batch import JoinBatcher
from bot.services.members import snapshot
from bot.services.motions import find_motion
from bot.services.shared_read import SharedRead
from bot.services.views import (
    Actor,
    DebateView,
    DueDeadline,
    JoinResult,
    PhaseChange,
    ResultsView,
    StageVotes,
    StatusView,
)
from bot.storage.database import Database
from bot.storage.models import Argument, Debate, DebatePhase, MotionVote, Participant


def deadline_after(start: datetime, minutes: int | None) -> datetime | None:
    """When a phase lasting ``minutes`` (None: until a moderator moves on) ends."""
    return None if minutes is None else start + timedelta(minutes=minutes)


def phase_minutes(debate: Debate, phase: Phase) -> int | None:
    """How long ``phase`` lasts in this debate: the timings it opened with, else the
    format's own (debates opened before servers had timings)."""
    if phase.minutes is None or debate.phase_minutes is None:
        return phase.minutes
    value = json.loads(debate.phase_minutes).get(phase.name, phase.minutes)
    return int(value) if value is not None else None


class DebateService(Service):
    """The life of a debate, from the motion card to the results."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self.joins = JoinBatcher(db, clock)
        self._statuses: SharedRead[tuple[int, int], StatusView] = SharedRead(
            self._load_statuses, "status-reads"
        )
        self._recent: SharedRead[tuple[int, int], list[DebateView]] = SharedRead(
            self._load_recent, "debate-list-reads"
        )

    async def close(self) -> None:
        await self.joins.close()

    async def check_can_start(
        self,
        actor: Actor,
        channel_id: int,
        motion_ref: str,
        format_name: str | None,
        *,
        parent_channel_id: int | None = None,
    ) -> tuple[str, Format]:
        """Refuse early (before anything is posted) what :meth:`start` would refuse; in a
        thread, ``parent_channel_id`` is its channel (for ``debates.channels``)."""
        require_moderator(actor)
        settings = self.settings_for(actor.guild_id).debates
        if settings.channels and not {channel_id, parent_channel_id} & set(settings.channels):
            raise errors.NotADebateChannel(settings.channels)
        fmt = get_format(format_name or settings.default_format)
        async with self.db.read() as session:
            motion = await find_motion(session, actor.guild_id, motion_ref)
            open_here = await session.scalar(
                select(Debate.id).where(Debate.channel_id == channel_id, Debate.status == "open")
            )
        if open_here is not None:
            raise errors.DebateAlreadyOpen()
        return motion.text, fmt

    async def start(
        self,
        actor: Actor,
        *,
        channel_id: int,
        motion_ref: str,
        format_name: str | None = None,
        parent_channel_id: int | None = None,
        card_message_id: int | None = None,
        also: Callable[[AsyncSession, Debate], Awaitable[None]] | None = None,
    ) -> DebateView:
        """Open a debate living in ``channel_id`` (a thread, or the channel itself).

        ``also`` runs in the same transaction once the debate has its id (a series links
        its item to it there); a refusal it raises undoes the start."""
        require_moderator(actor)
        settings = self.settings_for(actor.guild_id)
        fmt = get_format(format_name or settings.debates.default_format)
        now = self.now()
        first = fmt.first
        # The server's timings when the debate opens; later changes apply to later debates.
        minutes = {
            p.name: settings.phase_minutes(fmt.name, p.name, p.minutes)
            for p in fmt.phases
            if p.minutes is not None
        }
        async with self.db.write() as session:
            motion = await find_motion(session, actor.guild_id, motion_ref)
            open_here = await session.scalar(
                select(Debate.id).where(Debate.channel_id == channel_id, Debate.status == "open")
            )
            if open_here is not None:
                raise errors.DebateAlreadyOpen()
            debate = Debate(
                guild_id=actor.guild_id,
                channel_id=channel_id,
                parent_channel_id=parent_channel_id,
                card_message_id=card_message_id,
                motion_id=motion.id,
                format=fmt.name,
                status=DebateStatus.OPEN.value,
                phase=first.name,
                phase_index=first.index,
                phase_started_at=now,
                phase_deadline=deadline_after(now, minutes.get(first.name)),
                locked=False,
                results_visibility=settings.debates.results,
                argument_count=0,
                phase_minutes=json.dumps(minutes, sort_keys=True),
                created_by=actor.user_id,
                created_at=now,
            )
            session.add(debate)
            await session.flush()
            session.add(
                DebatePhase(
                    debate_id=debate.id,
                    phase=first.name,
                    phase_index=first.index,
                    started_at=now,
                    deadline=debate.phase_deadline,
                )
            )
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id,
                action=AuditAction.DEBATE_STARTED,
                at=now,
                actor_id=actor.user_id,
                detail=f"motion {motion.id} in format {fmt.name}",
            )
            if also is not None:
                await also(session, debate)
            return await view_of(session, debate)

    async def set_card_message(self, guild_id: int, debate_id: int, message_id: int) -> None:
        """Remember the message that carries the motion card and its buttons."""
        async with self.db.write() as session:
            debate = await debate_by_id(session, guild_id, debate_id)
            debate.card_message_id = message_id

    async def get(self, guild_id: int, debate_id: int) -> DebateView:
        async with self.db.read() as session:
            return await view_of(session, await debate_by_id(session, guild_id, debate_id))

    async def in_channel(
        self, guild_id: int, channel_id: int, *, open_only: bool = True
    ) -> DebateView:
        """The debate of a channel or thread: the open one, or with ``open_only=False``
        the latest one, so a closed debate's thread can still show its summary."""
        async with self.db.read() as session:
            debate = await debate_in_channel(session, guild_id, channel_id, open_only=open_only)
            return await view_of(session, debate)

    async def recent(self, guild_id: int, limit: int = 15) -> list[DebateView]:
        """Open debates first, then the most recent closed ones; the requests waiting at one
        moment share one read (see :mod:`shared_read`)."""
        return list(await self._recent.get((guild_id, limit)))

    async def _load_recent(
        self, keys: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], list[DebateView] | BaseException]:
        found: dict[tuple[int, int], list[DebateView] | BaseException] = {}
        async with self.db.read() as session:
            for guild_id, limit in keys:
                rows = await session.scalars(
                    select(Debate)
                    .where(Debate.guild_id == guild_id)
                    .order_by((Debate.status == "open").desc(), Debate.id.desc())
                    .limit(limit)
                )
                found[(guild_id, limit)] = [await view_of(session, row) for row in rows]
        return found

    async def join(
        self, actor: Actor, channel_id: int | None, side: Side, *, debate_id: int | None = None
    ) -> JoinResult:
        """Join a side, or switch (refused once you argued, unless the format allows it).

        Commands name the debate by channel; the card's buttons by ``debate_id``. Shares its
        transaction with the other joins and leaves waiting at the same moment (see
        :mod:`bot.services.join_batch`).
        """
        return await self.joins.join(actor, side, channel_id=channel_id, debate_id=debate_id)

    async def leave(self, actor: Actor, channel_id: int) -> DebateView:
        """Leave a debate; arguments already posted stay in the record."""
        return await self.joins.leave(actor, channel_id)

    async def advance(
        self,
        actor: Actor | None,
        *,
        guild_id: int,
        debate_id: int,
        expected_index: int | None = None,
        to_end: bool = False,
    ) -> PhaseChange | None:
        """Close the current phase and open the next (or jump to ``closed``).

        Guarded: the update only applies if the debate is still in the phase the caller saw
        (``expected_index``), so two callers (a moderator and the deadline loop, or two
        processes) never advance twice. Returns ``None`` when someone else already did.
        """
        if actor is not None:
            require_moderator(actor)
        now = self.now()
        async with self.db.write() as session:
            debate = await debate_by_id(session, guild_id, debate_id)
            if debate.status != DebateStatus.OPEN.value:
                if expected_index is not None:
                    return None
                raise errors.DebateClosed()
            seen = debate.phase_index if expected_index is None else expected_index
            fmt = get_format(debate.format)
            previous = fmt.phases[seen]
            target = fmt.phases[-1] if to_end else fmt.next_after(previous)
            assert target is not None, "open debates are never in the closed phase"
            deadline = deadline_after(now, phase_minutes(debate, target))
            closing = target.is_closed
            guarded = await session.execute(
                update(Debate)
                .where(
                    Debate.id == debate.id,
                    Debate.phase_index == seen,
                    Debate.status == DebateStatus.OPEN.value,
                )
                .values(
                    phase=target.name,
                    phase_index=target.index,
                    phase_started_at=now,
                    phase_deadline=deadline,
                    status=DebateStatus.CLOSED.value if closing else DebateStatus.OPEN.value,
                    closed_at=now if closing else None,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(guarded, "rowcount", 0) != 1:
                if expected_index is not None:
                    return None
                raise errors.PhaseChanged(debate.phase)
            await session.execute(
                update(DebatePhase)
                .where(DebatePhase.debate_id == debate.id, DebatePhase.phase_index == seen)
                .values(ended_at=now, ended_by=actor.user_id if actor else None)
            )
            session.add(
                DebatePhase(
                    debate_id=debate.id,
                    phase=target.name,
                    phase_index=target.index,
                    started_at=now,
                    deadline=deadline,
                    ended_at=now if closing else None,
                )
            )
            action = AuditAction.DEBATE_ENDED if to_end else AuditAction.PHASE_ADVANCED
            audit(
                session,
                guild_id=guild_id,
                debate_id=debate.id,
                action=action,
                at=now,
                actor_id=actor.user_id if actor else None,
                detail=f"{previous.name} -> {target.name}"
                + ("" if actor else " (deadline passed)"),
            )
            if closing:
                for ride in self.db.riders:  # names seen just now, then keep them all
                    await ride(session)
                await snapshot(session, debate)
            await session.refresh(debate)
            self._owe_announcements(session, debate, previous, target, deadline)
            view = await view_of(session, debate)
            results = await results_in(session, view) if closing else None
            return PhaseChange(view, previous.name, previous.title, closing, results)

    def _owe_announcements(
        self,
        session: AsyncSession,
        debate: Debate,
        previous: Phase,
        target: Phase,
        deadline: datetime | None,
    ) -> None:
        """The outbox rows of a phase change: its announcement (with the results when the
        debate closed), the motion card's edit and, if the server has them, a summary."""
        closing = target.is_closed
        outbox.add_one(
            session,
            guild_id=debate.guild_id,
            channel_id=debate.channel_id,
            kind=outbox.PHASE,
            debate_id=debate.id,
            ref=target.index,
            payload={
                "previous": previous.name,
                "previous_title": previous.title,
                "title": target.title,
                "deadline": deadline.isoformat() if deadline else None,
                "ended": closing,
            },
        )
        outbox.motion_card(session, debate)
        if self.settings_for(debate.guild_id).summaries.enabled:
            outbox.add_one(
                session,
                guild_id=debate.guild_id,
                channel_id=debate.channel_id,
                kind=outbox.SUMMARY,
                debate_id=debate.id,
                ref=target.index,
                payload={"stage": "final" if closing else "phase", "phase": previous.name},
            )

    async def next_phase(self, actor: Actor, channel_id: int) -> PhaseChange:
        """``/debate next``: a moderator closes the current phase."""
        require_moderator(actor)
        debate = await self.in_channel(actor.guild_id, channel_id)
        change = await self.advance(
            actor, guild_id=actor.guild_id, debate_id=debate.id, expected_index=debate.phase_index
        )
        if change is None:
            raise errors.PhaseChanged((await self.get(actor.guild_id, debate.id)).phase_title)
        return change

    async def end(self, actor: Actor, channel_id: int) -> PhaseChange:
        """``/debate end``: close the debate now, whatever the phase."""
        require_moderator(actor)
        debate = await self.in_channel(actor.guild_id, channel_id)
        change = await self.advance(
            actor,
            guild_id=actor.guild_id,
            debate_id=debate.id,
            expected_index=debate.phase_index,
            to_end=True,
        )
        if change is None:
            raise errors.PhaseChanged((await self.get(actor.guild_id, debate.id)).phase_title)
        return change

    async def extend(self, actor: Actor, channel_id: int, minutes: int) -> DebateView:
        """Push the current phase's deadline back by ``minutes`` (from now if it had none)."""
        require_moderator(actor)
        if minutes < 1:
            raise errors.TooShort("extension (in minutes)", 1)
        now = self.now()
        async with self.db.write() as session:
            debate = await debate_in_channel(session, actor.guild_id, channel_id)
            base = debate.phase_deadline if debate.phase_deadline else now
            debate.phase_deadline = max(base, now) + timedelta(minutes=minutes)
            await session.execute(
                update(DebatePhase)
                .where(
                    DebatePhase.debate_id == debate.id,
                    DebatePhase.phase_index == debate.phase_index,
                )
                .values(deadline=debate.phase_deadline)
            )
            audit(
                session,
                guild_id=actor.guild_id,
                debate_id=debate.id,
                action=AuditAction.PHASE_EXTENDED,
                at=now,
                actor_id=actor.user_id,
                detail=f"{debate.phase} +{minutes} min",
            )
            title = get_format(debate.format).phase(debate.phase).title
            outbox.notice(
                session,
                debate,
                "extended",
                phase=title,
                minutes=minutes,
                deadline=debate.phase_deadline.isoformat(),
            )
            outbox.motion_card(session, debate)
            return await view_of(session, debate)

    async def due_deadlines(self, limit: int = 100) -> list[DueDeadline]:
        """Open debates whose phase deadline has passed, oldest first."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(Debate.id, Debate.guild_id, Debate.phase_index, Debate.phase_deadline)
                .where(Debate.status == "open", Debate.phase_deadline <= self.now())
                .order_by(Debate.phase_deadline)
                .limit(limit)
            )
            return [DueDeadline(r.id, r.guild_id, r.phase_index, r.phase_deadline) for r in rows]

    async def next_deadline_in(self) -> float | None:
        """Seconds until the earliest pending deadline, for the dispatcher's sleep."""
        async with self.db.read() as session:
            soonest = await session.scalar(
                select(Debate.phase_deadline)
                .where(Debate.status == "open", Debate.phase_deadline.is_not(None))
                .order_by(Debate.phase_deadline)
                .limit(1)
            )
        if soonest is None:
            return None
        return max(0.0, (soonest - self.now()).total_seconds())

    async def status(self, guild_id: int, channel_id: int) -> StatusView:
        """Phase, time left, sides, argument counts, vote counts (tallies if visible); the
        requests waiting at one moment share one read (see :mod:`shared_read`)."""
        return await self._statuses.get((guild_id, channel_id))

    async def _load_statuses(
        self, keys: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], StatusView | BaseException]:
        found: dict[tuple[int, int], StatusView | BaseException] = {}
        async with self.db.read() as session:
            for guild_id, channel_id in keys:
                try:
                    found[(guild_id, channel_id)] = await self._status_in(
                        session, guild_id, channel_id
                    )
                except errors.Refusal as refusal:
                    found[(guild_id, channel_id)] = refusal
        return found

    async def _status_in(self, session: AsyncSession, guild_id: int, channel_id: int) -> StatusView:
        debate = await debate_in_channel(session, guild_id, channel_id, open_only=False)
        view = await view_of(session, debate)
        sides = dict.fromkeys(Side, 0)
        for side, count in await session.execute(
            select(Participant.side, func.count())
            .where(Participant.debate_id == debate.id)
            .group_by(Participant.side)
        ):
            sides[Side(side)] = count
        arguments = {s: dict.fromkeys(ArgumentKind, 0) for s in (Side.FOR, Side.AGAINST)}
        for side, kind, count in await session.execute(
            select(Argument.side, Argument.kind, func.count())
            .where(Argument.debate_id == debate.id, Argument.status == "visible")
            .group_by(Argument.side, Argument.kind)
        ):
            arguments[Side(side)][ArgumentKind(kind)] = count
        visible = self.results_visible(view)
        votes = []
        for stage in get_format(debate.format).stages:
            counts = dict.fromkeys(Stance, 0)
            for stance, count in await session.execute(
                select(MotionVote.stance, func.count())
                .where(MotionVote.debate_id == debate.id, MotionVote.stage == stage)
                .group_by(MotionVote.stance)
            ):
                counts[Stance(stance)] = count
            votes.append(StageVotes(stage, sum(counts.values()), counts if visible else None))
        return StatusView(view, sides, arguments, votes, visible, self.now())

    @staticmethod
    def results_visible(debate: DebateView) -> bool:
        """Tallies show live, or only once the debate is closed (the default)."""
        return debate.results_visibility == "live" or not debate.is_open

    async def results(self, guild_id: int, debate_id: int) -> ResultsView:
        async with self.db.read() as session:
            view = await view_of(session, await debate_by_id(session, guild_id, debate_id))
            return await results_in(session, view)


async def results_in(session: AsyncSession, debate: DebateView) -> ResultsView:
    """Score a debate's motion votes inside the caller's transaction."""
    stages = get_format(debate.format).stages
    by_stage: dict[str, dict[int, Stance]] = {stage: {} for stage in stages}
    for user_id, stage, stance in await session.execute(
        select(MotionVote.user_id, MotionVote.stage, MotionVote.stance).where(
            MotionVote.debate_id == debate.id
        )
    ):
        if stage in by_stage:
            by_stage[stage][user_id] = Stance(stance)
    if len(stages) >= 2:
        scored = outcome(by_stage[stages[0]], by_stage[stages[-1]])
    else:
        scored = outcome(None, by_stage[stages[0]] if stages else {})
    return ResultsView(debate, scored, stages)
