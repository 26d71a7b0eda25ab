"""The database schema as SQLAlchemy 2.0 typed models.

Constraints live in the database, not only in code: one motion vote per member per debate per
stage, one persuasive mark per member per argument, one mind change per member per argument,
argument numbers unique per debate, at most one open debate per channel, foreign keys.
The schema is made only by the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.types import RowId, Snowflake, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING)


class BotState(Base):
    """Small key/value facts about the bot itself, such as the hash of the last command sync."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """A post or an edit the thread is owed, written in the transaction of the change that
    causes it and delivered by the outbox dispatcher (``bot.adapter.outbox``).

    A row names what to show (``kind``, the debate, ``ref``: an argument's number or a phase
    index, and a few facts in ``payload``) rather than the rendered message: see
    ``bot.services.outbox``. ``status`` is pending, delivered or failed; ``due_at`` is when
    the next attempt may start and ``claimed_until`` the lease of the process delivering it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_id", "status", "id"),
        #: An argument's card row, found by the argument when its answer carried it.
        Index("ix_outbox_debate_kind_ref", "debate_id", "kind", "ref"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    debate_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GuildSettings(Base):
    """A server's own values of the settings it may change (``/settings``), as a JSON object
    of dotted keys. ``revision`` grows with every change across all servers, so each process
    finds what changed since it last looked with one indexed query."""

    __tablename__ = "guild_settings"
    __table_args__ = (Index("uq_guild_settings_revision", "revision", unique=True),)

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    overrides: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Essay(Base):
    """An essay whose propositions are motions: the built-in one (``key`` ``builtin``) or one
    an operator imported, for every guild (``guild_id`` null) or for one guild."""

    __tablename__ = "essays"
    __table_args__ = (Index("ix_essays_guild_key", "guild_id", "key"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    guild_id: Mapped[int | None] = mapped_column(Snowflake)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    #: Whether the operator may reproduce the essay's paragraphs (imported essays only).
    reproducible: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EssayParagraph(Base):
    """The text of one paragraph of an imported essay the operator may reproduce."""

    __tablename__ = "essay_paragraphs"
    __table_args__ = (UniqueConstraint("essay_id", "number"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    essay_id: Mapped[int] = mapped_column(ForeignKey("essays.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class Motion(Base):
    """A debatable proposition: built in (``guild_id`` null, ``key`` set) or added by a guild.

    A proposition of an essay carries the essay and its number there (``essay-N`` is
    number N of the built-in essay)."""

    __tablename__ = "motions"
    __table_args__ = (
        UniqueConstraint("key"),
        UniqueConstraint("essay_id", "number"),
        Index("ix_motions_guild_id", "guild_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(32))
    guild_id: Mapped[int | None] = mapped_column(Snowflake)
    text: Mapped[str] = mapped_column(Text)
    paragraphs: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    essay_id: Mapped[int | None] = mapped_column(ForeignKey("essays.id"))
    number: Mapped[int | None] = mapped_column(Integer)


class Debate(Base):
    """One motion debated in one channel or thread, moving through the phases of a format."""

    __tablename__ = "debates"
    __table_args__ = (
        Index(
            "uq_debates_open_channel",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_debates_guild_id", "guild_id"),
        Index("ix_debates_deadline", "status", "phase_deadline"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    parent_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    card_message_id: Mapped[int | None] = mapped_column(Snowflake)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    format: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(32))
    phase_index: Mapped[int] = mapped_column(Integer)
    phase_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phase_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    results_visibility: Mapped[str] = mapped_column(String(16))
    argument_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The phase durations the debate opened with (JSON: phase name -> minutes); null for
    #: debates opened before servers had their own timings (the format's defaults apply).
    phase_minutes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The server's, channel's and thread's names when the debate closed (see ``places``).
    guild_name: Mapped[str | None] = mapped_column(String(100))
    channel_name: Mapped[str | None] = mapped_column(String(100))
    thread_name: Mapped[str | None] = mapped_column(String(100))


class Member(Base):
    """A server member's names as the bot last saw them in an interaction: the display name
    (server nickname, else global name, else username) and the username."""

    __tablename__ = "members"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(100))
    username: Mapped[str | None] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Place(Base):
    """The name of a server, channel or thread (snowflakes never collide across kinds)."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DebateName(Base):
    """A member's names as they were when the debate closed: what its exports show."""

    __tablename__ = "debate_names"

    debate_id: Mapped[int] = mapped_column(
        ForeignKey("debates.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(100))
    username: Mapped[str | None] = mapped_column(String(100))


class DebatePhase(Base):
    """The history of a debate's phases with their times."""

    __tablename__ = "debate_phases"
    __table_args__ = (UniqueConstraint("debate_id", "phase_index"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(32))
    phase_index: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(Snowflake)


class Participant(Base):
    """A member's side in a debate."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("debate_id", "user_id"),
        CheckConstraint("side IN ('for', 'against', 'audience')", name="side"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    side: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Argument(Base):
    """A numbered argument of a debate, possibly rebutting another one."""

    __tablename__ = "arguments"
    __table_args__ = (
        UniqueConstraint("debate_id", "number"),
        Index("ix_arguments_author", "debate_id", "author_id"),
        Index("ix_arguments_parent_id", "parent_id"),
        CheckConstraint("kind IN ('opening', 'claim', 'rebuttal', 'closing')", name="kind"),
        CheckConstraint("status IN ('visible', 'removed')", name="status"),
        CheckConstraint("side IN ('for', 'against')", name="side"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(Snowflake)
    side: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("arguments.id"))
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="visible")
    removed_reason: Mapped[str | None] = mapped_column(Text)
    removed_by: Mapped[int | None] = mapped_column(Snowflake)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MotionVote(Base):
    """A member's vote on the motion in one stage; re-voting replaces it."""

    __tablename__ = "motion_votes"
    __table_args__ = (
        UniqueConstraint("debate_id", "user_id", "stage"),
        CheckConstraint("stance IN ('for', 'against', 'undecided')", name="stance"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    stage: Mapped[str] = mapped_column(String(16))
    stance: Mapped[str] = mapped_column(String(16))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArgumentVote(Base):
    """A member's "persuasive" mark on an argument."""

    __tablename__ = "argument_votes"
    __table_args__ = (
        UniqueConstraint("argument_id", "user_id"),
        Index("ix_argument_votes_debate_id", "debate_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MindChange(Base):
    """A member credits an argument with changing their mind ("delta")."""

    __tablename__ = "mind_changes"
    __table_args__ = (
        UniqueConstraint("argument_id", "user_id"),
        Index("ix_mind_changes_debate_id", "debate_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Snowflake)
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Mute(Base):
    """A debate mute of a member in a guild, until ``until`` unless lifted earlier."""

    __tablename__ = "mutes"
    __table_args__ = (Index("ix_mutes_guild_user", "guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    user_id: Mapped[int] = mapped_column(Snowflake)
    moderator_id: Mapped[int] = mapped_column(Snowflake)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[int | None] = mapped_column(Snowflake)


class AuditEvent(Base):
    """Append-only record of a moderator action or phase change."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_guild", "guild_id", "id"),
        Index("ix_audit_events_debate", "debate_id", "id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    debate_id: Mapped[int | None] = mapped_column(ForeignKey("debates.id"))
    actor_id: Mapped[int | None] = mapped_column(Snowflake)
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(Snowflake)
    target_argument: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Summary(Base):
    """A summary the bot posted, with the template and backend that produced it."""

    __tablename__ = "summaries"
    __table_args__ = (Index("ix_summaries_debate_id", "debate_id"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    phase: Mapped[str] = mapped_column(String(32))
    backend: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Series(Base):
    """Several propositions of an essay debated in one channel, at once or one after another.

    Each proposition is a :class:`SeriesItem`; the next one of a sequence opens when the
    previous debate closes (the deadline loop and start-up drive it from these rows)."""

    __tablename__ = "series"
    __table_args__ = (
        Index("ix_series_guild_id", "guild_id"),
        Index("ix_series_status", "status"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("schedule IN ('parallel', 'sequence')", name="schedule"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    essay_id: Mapped[int] = mapped_column(ForeignKey("essays.id"))
    schedule: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    card_message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(Snowflake)


class SeriesItem(Base):
    """One proposition of a series, in series order, with its debate once it opened.

    A debate belongs to at most one series (``debate_id`` is unique)."""

    __tablename__ = "series_items"
    __table_args__ = (
        UniqueConstraint("series_id", "position"),
        UniqueConstraint("debate_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    debate_id: Mapped[int | None] = mapped_column(ForeignKey("debates.id"))
