"""What every service shares: the database, the clock, the settings, and row look-ups."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors, rules
from bot.domain.enums import Action, ArgumentKind, ArgumentStatus, AuditAction, Side
from bot.domain.formats import Format, Phase, get_format
from bot.services.guild_configs import GuildConfigs
from bot.services.views import Actor, ArgumentView, AuditEntry, DebateView, MotionView
from bot.storage.database import Database
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    Debate,
    MindChange,
    Motion,
    Mute,
    Participant,
)


class Service:
    """Base of the use-case services: one public coroutine per use case."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.configs = configs or GuildConfigs(settings)

    def settings_for(self, guild_id: int | None) -> Settings:
        """The settings in force in ``guild_id``: the server's values over the operator's."""
        return self.configs.get(guild_id)

    def now(self) -> datetime:
        return self.clock.now()


def require_moderator(actor: Actor) -> None:
    """Moderator actions are checked here too: never trust the client."""
    if not actor.is_moderator:
        raise errors.NotModerator()


def motion_view(row: Motion) -> MotionView:
    return MotionView(
        row.id, row.key, row.text, row.paragraphs, row.context, row.guild_id, row.essay_id
    )


def debate_view(row: Debate, motion: Motion) -> DebateView:
    fmt = get_format(row.format)
    return DebateView(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        parent_channel_id=row.parent_channel_id,
        card_message_id=row.card_message_id,
        motion=motion_view(motion),
        format=row.format,
        format_title=fmt.title,
        status=row.status,
        phase=row.phase,
        phase_title=fmt.phase(row.phase).title,
        phase_index=row.phase_index,
        phase_started_at=row.phase_started_at,
        phase_deadline=row.phase_deadline,
        locked=row.locked,
        results_visibility=row.results_visibility,
        argument_count=row.argument_count,
        created_by=row.created_by,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


def argument_view(
    row: Argument, parent_number: int | None, persuasive: int = 0, mind_changes: int = 0
) -> ArgumentView:
    return ArgumentView(
        id=row.id,
        debate_id=row.debate_id,
        number=row.number,
        author_id=row.author_id,
        side=Side(row.side),
        kind=ArgumentKind(row.kind),
        phase=row.phase,
        parent_number=parent_number,
        body=row.body,
        status=ArgumentStatus(row.status),
        removed_reason=row.removed_reason,
        message_id=row.message_id,
        created_at=row.created_at,
        persuasive=persuasive,
        mind_changes=mind_changes,
    )


async def debate_in_channel(
    session: AsyncSession, guild_id: int, channel_id: int, *, open_only: bool = True
) -> Debate:
    """The open debate of a channel or thread (or its latest one), scoped by guild."""
    query = select(Debate).where(Debate.guild_id == guild_id, Debate.channel_id == channel_id)
    if open_only:
        query = query.where(Debate.status == "open")
    row = (await session.scalars(query.order_by(Debate.id.desc()).limit(1))).first()
    if row is None:
        raise errors.NoDebateHere()
    return row


async def debate_by_id(session: AsyncSession, guild_id: int, debate_id: int) -> Debate:
    """A debate by id, only if it belongs to ``guild_id``."""
    row = await session.get(Debate, debate_id)
    if row is None or row.guild_id != guild_id:
        raise errors.UnknownDebate(debate_id)
    return row


async def load_motion(session: AsyncSession, motion_id: int) -> Motion:
    row = await session.get(Motion, motion_id)
    assert row is not None, "debates reference existing motions"
    return row


async def view_of(session: AsyncSession, debate: Debate) -> DebateView:
    return debate_view(debate, await load_motion(session, debate.motion_id))


def format_and_phase(debate: Debate) -> tuple[Format, Phase]:
    fmt = get_format(debate.format)
    return fmt, fmt.phase(debate.phase)


async def participant_side(session: AsyncSession, debate_id: int, user_id: int) -> Side | None:
    side = await session.scalar(
        select(Participant.side).where(
            Participant.debate_id == debate_id, Participant.user_id == user_id
        )
    )
    return Side(side) if side else None


async def participant_sides(
    session: AsyncSession, debate_id: int, users: Iterable[int | None]
) -> dict[int | None, Side]:
    """The sides of those of ``users`` who joined the debate, in one query."""
    wanted = [u for u in users if u is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(Participant.user_id, Participant.side).where(
            Participant.debate_id == debate_id, Participant.user_id.in_(wanted)
        )
    )
    return {user: Side(side) for user, side in rows}


async def active_mute(
    session: AsyncSession, guild_id: int, user_id: int, now: datetime
) -> Mute | None:
    """The mute in force for a member of a guild, if any (the one that ends last)."""
    query = (
        select(Mute)
        .where(
            Mute.guild_id == guild_id,
            Mute.user_id == user_id,
            Mute.lifted_at.is_(None),
            Mute.until > now,
        )
        .order_by(Mute.until.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def argument_by_number(session: AsyncSession, debate_id: int, number: int) -> Argument:
    """An argument of this debate by its ``#n``; the debate scopes the look-up."""
    row = (
        await session.scalars(
            select(Argument).where(Argument.debate_id == debate_id, Argument.number == number)
        )
    ).first()
    if row is None:
        raise errors.UnknownArgument(number)
    return row


async def parent_number(session: AsyncSession, argument: Argument) -> int | None:
    if argument.parent_id is None:
        return None
    return await session.scalar(select(Argument.number).where(Argument.id == argument.parent_id))


async def mark_counts(session: AsyncSession, argument_id: int) -> tuple[int, int]:
    """Persuasive marks and mind changes of one argument."""
    marks = await session.scalar(
        select(func.count())
        .select_from(ArgumentVote)
        .where(ArgumentVote.argument_id == argument_id)
    )
    deltas = await session.scalar(
        select(func.count()).select_from(MindChange).where(MindChange.argument_id == argument_id)
    )
    return int(marks or 0), int(deltas or 0)


def audit(
    session: AsyncSession,
    *,
    guild_id: int,
    action: AuditAction,
    at: datetime,
    debate_id: int | None = None,
    actor_id: int | None = None,
    target_user_id: int | None = None,
    target_argument: int | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    """Append an audit event to the current transaction; audit events are never changed.
    Once the transaction commits, :class:`bot.services.audit_feed.AuditFeed` passes it on."""
    event = AuditEvent(
        guild_id=guild_id,
        debate_id=debate_id,
        actor_id=actor_id,
        action=action.value,
        target_user_id=target_user_id,
        target_argument=target_argument,
        reason=reason,
        detail=detail,
        created_at=at,
    )
    session.add(event)
    session.info.setdefault(AUDITED, []).append(event)


#: Where a write session lists the audit events it added, for the feed after commit.
AUDITED = "debate_bot_audited"


def audit_entry(row: AuditEvent) -> AuditEntry:
    """The plain view of a stored audit event."""
    return AuditEntry(
        row.id,
        row.guild_id,
        row.debate_id,
        row.actor_id,
        row.action,
        row.target_user_id,
        row.target_argument,
        row.reason,
        row.detail,
        row.created_at,
    )


def text_hash(body: str) -> str:
    """A fingerprint of an argument's text that ignores case and spacing (duplicate check)."""
    normal = " ".join(body.casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()


def argument_ref(row: Argument) -> rules.ArgumentRef:
    """The facts about a stored argument that the rules look at."""
    return rules.ArgumentRef(row.number, row.author_id, Side(row.side), ArgumentStatus(row.status))


def check_open(
    debate: Debate,
    action: Action,
    what: str,
    *,
    mute: Mute | None,
    joined: bool,
    now: datetime,
) -> Phase:
    """The debate's phase if a member may ``action`` there now; raises the refusal
    otherwise (the vote, mark and credit paths share these checks and their order)."""
    fmt, phase = format_and_phase(debate)
    rules.check_participation(
        fmt,
        phase,
        action,
        what,
        locked=debate.locked,
        muted_until=mute.until if mute else None,
        mute_reason=mute.reason if mute else None,
        joined=joined,
        now=now,
    )
    return phase
