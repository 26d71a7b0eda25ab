"""Names as the bot meets people: members' display names and usernames, servers' and
channels' names, recorded from the interactions Discord sends (no privileged intent).

The adapter tells :meth:`MemberNames.seen` about every interaction; that is a dictionary
lookup, and a member is looked at again only after :data:`REFRESH_SECONDS`. A name that is
new or changed waits in memory and is written by whichever group commit goes next (one
upsert of at most :data:`RIDE_ROWS` added to its transaction, see
:attr:`bot.storage.database.Database.riders`); what is left once names stop arriving for
:data:`FLUSH_SECONDS` (a burst of newcomers is over) gets a transaction of its own.
A name whose transaction rolled back (or could not begin, the database being down) is written
again the next time its member is looked at.

When a debate closes, :func:`snapshot` copies the names of everyone it mentions into
``debate_names``, and the server's, channel's and thread's names onto the debate: its
exports show the names of that moment, whatever members are called later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Select, Table, and_, literal, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import errors
from bot.storage.database import Database, on_commit
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    Debate,
    DebateName,
    DebatePhase,
    Member,
    MindChange,
    MotionVote,
    Participant,
    Place,
)

log = logging.getLogger("bot.services.members")

#: A member (or place) is looked at again at most this often: a rename shows within minutes.
REFRESH_SECONDS = 300.0
#: How long a new name waits for a group commit before it gets a transaction of its own.
FLUSH_SECONDS = 1.0
#: Names a group commit takes along: a burst of newcomers adds little to each of its
#: commits, and what is left waits for the next ones or for a quiet moment.
RIDE_ROWS = 50
#: Names per transaction of their own (after :data:`FLUSH_SECONDS` without a group commit).
FLUSH_ROWS = 500
#: Entries kept in memory; beyond it the oldest half is forgotten (looked at again later).
MAX_ENTRIES = 200_000
#: Discord's longest names (server and channel names) are 100 characters.
NAME_LENGTH = 100

Names = tuple[str, str | None]
_MEMBERS = Member.__table__
_PLACES = Place.__table__
assert isinstance(_MEMBERS, Table) and isinstance(_PLACES, Table)


def _upsert(dialect: str, table: Table, keys: list[str], columns: list[str]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={c: statement.excluded[c] for c in columns}
    )


_UPSERTS = {
    dialect: (
        _upsert(
            dialect, _MEMBERS, ["guild_id", "user_id"], ["display_name", "username", "seen_at"]
        ),
        _upsert(dialect, _PLACES, ["id"], ["guild_id", "name", "seen_at"]),
    )
    for dialect in ("sqlite", "postgresql")
}


@dataclass(slots=True)
class _Entry:
    written: Names | None  # as last committed by this process
    checked: float  # time.monotonic() of the last look


class _Book:
    """Names by key: what was written, when it was last looked at, what waits."""

    def __init__(self) -> None:
        self.entries: dict[tuple[int, int], _Entry] = {}
        self.pending: dict[tuple[int, int], Names] = {}

    def seen(self, key: tuple[int, int], names: Names, now: float) -> bool:
        """Whether ``names`` must be written (new, or changed since the last look)."""
        entry = self.entries.get(key)
        if entry is not None:
            if now - entry.checked < REFRESH_SECONDS:
                return False
            entry.checked = now
            if entry.written == names:
                return False
        else:
            if len(self.entries) >= MAX_ENTRIES:
                for old in list(islice(self.entries, MAX_ENTRIES // 2)):
                    del self.entries[old]
            self.entries[key] = _Entry(None, now)
        self.pending[key] = names
        return True

    def take(self, limit: int) -> list[tuple[tuple[int, int], Names]]:
        """Up to ``limit`` waiting names, in key order (one lock order everywhere)."""
        taken = sorted(islice(self.pending.items(), limit))
        for key, _ in taken:
            del self.pending[key]
        return taken

    def written(self, rows: Sequence[tuple[tuple[int, int], Names]]) -> None:
        for key, names in rows:
            entry = self.entries.get(key)
            if entry is not None:
                entry.written = names


def _clip(name: str | None) -> str | None:
    return None if name is None else name[:NAME_LENGTH]


class MemberNames:
    """Records the names the bot meets; writes them a few at a time with others' commits."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._members = _Book()
        self._places = _Book()
        self._flusher: asyncio.Task[None] | None = None
        self._arrivals = 0
        db.riders.append(self.ride)

    def seen(
        self,
        guild_id: int,
        user_id: int,
        display_name: str,
        username: str | None,
        places: Sequence[tuple[int, str | None]] = (),
    ) -> None:
        """A member used the bot in ``guild_id``; ``places`` are ``(id, name)`` of the server,
        channel and thread as the interaction named them (``None``: not sent)."""
        now = time.monotonic()
        due = self._members.seen((guild_id, user_id), (display_name, username), now)
        for place_id, name in places:
            if name:
                due = self._places.seen((place_id, guild_id), (name, None), now) or due
        if due:
            self._arrivals += 1
            self._wake()

    @property
    def waiting(self) -> int:
        """Names not yet handed to a transaction."""
        return len(self._members.pending) + len(self._places.pending)

    async def ride(self, session: AsyncSession, limit: int = RIDE_ROWS) -> None:
        """Write up to ``limit`` waiting names (and places) in ``session``'s transaction
        (called by group commits)."""
        members, places = self._members.take(limit), self._places.take(limit)
        if not members and not places:
            return
        now = self.clock.now()
        upsert_members, upsert_places = _UPSERTS[self.db.dialect]
        if members:
            rows = [
                {
                    "guild_id": g,
                    "user_id": u,
                    "display_name": _clip(display),
                    "username": _clip(username),
                    "seen_at": now,
                }
                for (g, u), (display, username) in members
            ]
            await session.execute(upsert_members, rows)
        if places:
            rows = [
                {"id": p, "guild_id": g, "name": _clip(name), "seen_at": now}
                for (p, g), (name, _) in places
            ]
            await session.execute(upsert_places, rows)

        def committed() -> None:
            self._members.written(members)
            self._places.written(places)

        on_commit(session, committed)

    def _wake(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain call): the next write takes them
            return
        self._flusher = loop.create_task(self._flush_later(), name="member-names")

    async def _flush_later(self) -> None:
        """Once names stop arriving for :data:`FLUSH_SECONDS`, write what is left."""
        while True:
            arrived = self._arrivals
            await asyncio.sleep(FLUSH_SECONDS)
            if self._arrivals == arrived:  # no new name in the meantime: a quiet moment
                break
        await self.flush()

    async def flush(self) -> None:
        """Write every waiting name now, in transactions of their own."""
        while self.waiting:
            try:
                async with self.db.write() as session:
                    await self.ride(session, FLUSH_ROWS)
            except errors.DatabaseUnavailable:  # logged once per outage by the database
                log.info("names not recorded: database unavailable")
                return
            except Exception:  # names are best effort: never a member's error
                log.exception("could not record names")
                return

    async def close(self) -> None:
        """Write what waits, then stop."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
        await self.flush()


def _moderating(debate_id: int) -> list[Select[Any]]:
    return [
        select(Debate.created_by).where(Debate.id == debate_id),
        select(DebatePhase.ended_by).where(
            DebatePhase.debate_id == debate_id, DebatePhase.ended_by.is_not(None)
        ),
        select(Argument.removed_by).where(
            Argument.debate_id == debate_id, Argument.removed_by.is_not(None)
        ),
        select(AuditEvent.actor_id).where(
            AuditEvent.debate_id == debate_id, AuditEvent.actor_id.is_not(None)
        ),
    ]


def moderators_of(debate_id: int) -> Select[Any]:
    """Who moderated a debate: its creator, and who ended a phase, removed an argument or
    left an audit event (every audited action is a moderator's)."""
    everyone = union(*_moderating(debate_id)).subquery()
    return select(everyone.c[0])


def people_of(debate_id: int, *, voters: bool = True) -> Select[Any]:
    """Everyone a debate's export mentions: moderators, debaters, authors, members named by
    audit events and (``voters``) the audience and everyone who voted."""
    queries = [
        *_moderating(debate_id),
        select(Participant.user_id).where(
            Participant.debate_id == debate_id,
            *([] if voters else [Participant.side != "audience"]),
        ),
        select(Argument.author_id).where(Argument.debate_id == debate_id),
        select(AuditEvent.target_user_id).where(
            AuditEvent.debate_id == debate_id, AuditEvent.target_user_id.is_not(None)
        ),
    ]
    if voters:
        queries += [
            select(MotionVote.user_id).where(MotionVote.debate_id == debate_id),
            select(ArgumentVote.user_id).where(ArgumentVote.debate_id == debate_id),
            select(MindChange.user_id).where(MindChange.debate_id == debate_id),
        ]
    everyone = union(*queries).subquery()
    return select(everyone.c[0])


async def snapshot(session: AsyncSession, debate: Debate) -> None:
    """Keep the names of everyone ``debate`` mentions, and of its places, as they are now."""
    people = people_of(debate.id).subquery()
    await session.execute(
        DebateName.__table__.insert().from_select(  # type: ignore[attr-defined]
            ["debate_id", "user_id", "display_name", "username"],
            select(literal(debate.id), Member.user_id, Member.display_name, Member.username)
            .join(people, people.c[0] == Member.user_id)
            .where(Member.guild_id == debate.guild_id),
        )
    )
    names = {
        place_id: name
        for place_id, name in await session.execute(
            select(Place.id, Place.name).where(
                Place.id.in_(_place_ids(debate)), Place.guild_id == debate.guild_id
            )
        )
    }
    guild, channel, thread = place_names(debate, names)
    await session.execute(
        update(Debate)
        .where(and_(Debate.id == debate.id))
        .values(guild_name=guild, channel_name=channel, thread_name=thread)
        .execution_options(synchronize_session=False)
    )


def _place_ids(debate: Debate) -> list[int]:
    ids = [debate.guild_id, debate.channel_id]
    if debate.parent_channel_id is not None:
        ids.append(debate.parent_channel_id)
    return ids


def place_names(debate: Debate, names: dict[int, str]) -> tuple[str | None, str | None, str | None]:
    """(server, channel, thread) names: the channel is the thread's parent in a thread."""
    guild = names.get(debate.guild_id)
    if debate.parent_channel_id is not None:
        return guild, names.get(debate.parent_channel_id), names.get(debate.channel_id)
    return guild, names.get(debate.channel_id), None
