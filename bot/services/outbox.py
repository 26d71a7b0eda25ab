"""The outbox: every post or edit the thread is owed, written with the change that causes it.

A change (an argument posted, a phase advanced, an argument removed, a moderator's action)
adds its outbox rows in its own transaction, so the record and what the thread is owed commit
together or not at all. A dispatcher in the adapter (``bot.adapter.outbox``) claims pending
rows, delivers them in order per channel and marks them delivered (with the message id),
retries them later, or marks them failed with the reason.

A row names what to show, not the rendered message: ``kind``, the debate, ``ref`` (an
argument's number, a phase index) and, where the database cannot tell it again later, a few
facts in ``payload`` (the phase a change left, a notice's wording). Three reasons: rendering
needs discord.py, which only the adapter may import; a card delivered late shows the record
as it is then (an argument removed before its card got out is shown removed, a motion card
edit shows the current phase); and the burst path writes a few small columns per post instead
of serialising an embed for each of hundreds of cards.

Timing (``due_at``, leases) uses the wall clock, not the services' clock: it is about
Discord's availability, and tests that move the debate clock still get their posts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database
from bot.storage.models import Debate, OutboxRow

log = logging.getLogger("bot.services.outbox")

#: An argument's card (``ref``: its number).
ARGUMENT_CARD = "argument_card"
#: An edit of an argument's card after it was removed or restored (``ref``: its number).
ARGUMENT_EDIT = "argument_edit"
#: An edit of the motion card: phase, deadline, pause (in the parent channel or the thread).
MOTION_CARD = "motion_card"
#: A phase announcement, with the results when the debate closed (``ref``: the new phase).
PHASE = "phase"
#: The summary of the phase that ended, or the final one.
SUMMARY = "summary"
#: A public notice in the debate's thread (``payload``: which notice and its facts).
NOTICE = "notice"

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

#: How long an argument's card waits for the interaction that carries it (the fast path)
#: before the dispatcher may post it instead: only after a crash or a failed response.
FAST_PATH_GRACE = timedelta(seconds=5)
#: How long delivered rows are kept (failed ones stay until the operator removes them).
KEEP_DELIVERED = timedelta(days=7)
#: How long a claimed row belongs to the process that claimed it.
LEASE = timedelta(seconds=60)

_OUTBOX = OutboxRow.__table__
assert isinstance(_OUTBOX, Table)
#: Built once: the post batch adds one row per card in the same statement shape each time.
#: No RETURNING: on SQLite an ordered RETURNING runs one INSERT per row (200 statements for a
#: batch of 200, about 7 times slower), and a card's row is found by its argument anyway.
INSERT_ROWS = insert(_OUTBOX)
#: Marks an argument's card row delivered, by the argument (debate, number): batched with the
#: arguments' message ids. Only pending rows are read, through ``ix_outbox_status_id``.
MARK_CARD_DELIVERED = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.status == PENDING,
        _OUTBOX.c.kind == ARGUMENT_CARD,
        _OUTBOX.c.debate_id == bindparam("debate"),
        _OUTBOX.c.ref == bindparam("number"),
    )
    .values(
        status=DELIVERED,
        message_id=bindparam("message"),
        delivered_at=bindparam("at"),
        claimed_until=None,
    )
)
#: Set on a write session that added rows (to when the first is due), so the dispatcher is
#: woken once it commits.
WRITTEN = "debate_bot_outbox_written"


def wall_now() -> datetime:
    return datetime.now(UTC)


def row(
    *,
    guild_id: int,
    channel_id: int,
    kind: str,
    debate_id: int | None = None,
    ref: int | None = None,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
    delay: timedelta | None = None,
) -> dict[str, Any]:
    """The values of one pending row (for :func:`add` or :func:`add_one`)."""
    at = now or wall_now()
    return {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "debate_id": debate_id,
        "kind": kind,
        "ref": ref,
        "payload": json.dumps(payload, sort_keys=True) if payload is not None else None,
        "status": PENDING,
        "attempts": 0,
        "due_at": at + delay if delay else at,
        "created_at": at,
    }


async def add(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``rows`` in the caller's transaction, in one statement."""
    if not rows:
        return
    _note(session, min(r["due_at"] for r in rows))
    await session.execute(INSERT_ROWS, list(rows))


def add_one(session: AsyncSession, **values: Any) -> None:
    """Add one row (see :func:`row`) to the caller's transaction, flushed with it."""
    values = row(**values)
    _note(session, values["due_at"])
    session.add(OutboxRow(**values))


def _note(session: AsyncSession, due_at: datetime) -> None:
    """Remember on ``session`` when its earliest row is due, for the dispatcher's wake-up."""
    known = session.info.get(WRITTEN)
    session.info[WRITTEN] = due_at if known is None else min(known, due_at)


def notice(session: AsyncSession, debate: Debate, name: str, **facts: Any) -> None:
    """A public notice in the debate's thread: ``name`` picks the wording (the adapter's
    ``bot.adapter.notices``), ``facts`` fill it in."""
    add_one(
        session,
        guild_id=debate.guild_id,
        channel_id=debate.channel_id,
        kind=NOTICE,
        debate_id=debate.id,
        payload={"notice": name, **facts},
    )


def motion_card(session: AsyncSession, debate: Debate) -> None:
    """An edit of the motion card, which shows the debate as it is when delivered."""
    add_one(
        session,
        guild_id=debate.guild_id,
        channel_id=debate.parent_channel_id or debate.channel_id,
        kind=MOTION_CARD,
        debate_id=debate.id,
    )


def argument_edit(session: AsyncSession, debate: Debate, number: int) -> None:
    """An edit of argument ``#number``'s card (removed or restored)."""
    add_one(
        session,
        guild_id=debate.guild_id,
        channel_id=debate.channel_id,
        kind=ARGUMENT_EDIT,
        debate_id=debate.id,
        ref=number,
    )


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed row: what to deliver, where, and how many tries this one makes."""

    id: int
    guild_id: int
    channel_id: int
    debate_id: int | None
    kind: str
    ref: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime

    @property
    def nonce(self) -> str:
        """Discord's message nonce for this row (at most 25 characters): with
        ``enforce_nonce`` a repeated create returns the first message instead of a second."""
        return f"outbox-{self.id}"


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards a process runs: it claims only the rows of their guilds."""

    count: int
    ids: tuple[int, ...]


S = TypeVar("S", bound=Select)


def _mine(stmt: S, shards: Shards | None) -> S:
    """``stmt`` narrowed to the guilds of ``shards`` (Discord's ``(guild_id >> 22) % count``)."""
    if shards is None or shards.count <= 1:
        return stmt
    shard = _shard_of(OutboxRow.guild_id, shards.count)
    return stmt.where(shard.in_(shards.ids))


def _claimable(found: list[OutboxRow], now: datetime, skip: set[int]) -> list[OutboxRow]:
    """The rows of ``found`` (oldest first) that may go now: per channel, those before the
    first one that is not due, is claimed by another process, or is in ``skip``."""
    blocked: set[int] = set()
    taken: list[OutboxRow] = []
    for candidate in found:
        if candidate.channel_id in blocked:
            continue
        held = candidate.claimed_until is not None and candidate.claimed_until > now
        if candidate.due_at > now or held or candidate.id in skip:
            blocked.add(candidate.channel_id)
            continue
        taken.append(candidate)
    return taken


def _shard_of(guild_id: Any, count: int) -> Any:
    """Discord's shard of a guild in SQL; the shift by a literal (PostgreSQL has
    ``bigint >> integer`` only)."""
    return guild_id.op(">>")(literal_column("22")) % count


def _mine_update(stmt: Update, shards: Shards | None) -> Update:
    if shards is None or shards.count <= 1:
        return stmt
    shard = _shard_of(OutboxRow.guild_id, shards.count)
    return stmt.where(shard.in_(shards.ids))


def _ids(found: list[OutboxRow]) -> list[int]:
    return [r.id for r in found]


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):  # SQLite's MIN() of a datetime column comes back as text
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class OutboxService:
    """Claims, marks and counts outbox rows; each call is one short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self,
        *,
        shards: Shards | None = None,
        exclude: Iterable[int] = (),
        cards: Iterable[tuple[int, int]] = (),
        limit: int = 100,
        lease: timedelta = LEASE,
    ) -> list[OutboxItem]:
        """The next rows this process may deliver, oldest first, claimed for ``lease``.

        Per channel only a prefix is handed out: a row that is not due yet (waiting to be
        retried, or for its fast path) or held by another claim holds back the later rows
        of its channel, so a channel's posts keep their order. On PostgreSQL the rows are
        read ``FOR UPDATE SKIP LOCKED``, so processes claiming at once never take the same
        row; ``shards`` keeps each process to its own guilds. Rows in ``exclude`` and the
        cards of the (debate, number) pairs in ``cards`` are being delivered by this
        process already.
        """
        now = wall_now()
        answering = set(cards)
        skip = set(exclude)
        stmt = _mine(select(OutboxRow).where(OutboxRow.status == PENDING), shards)
        # A read first: most passes find nothing due, and need not queue for the writer.
        async with self.db.read() as session:
            found = list(await session.scalars(stmt.order_by(OutboxRow.id).limit(limit)))
        skip |= {
            r.id for r in found if r.kind == ARGUMENT_CARD and (r.debate_id, r.ref) in answering
        }
        candidates = _claimable(found, now, skip)
        if not candidates:
            return []
        async with self.db.write() as session:
            lock = select(OutboxRow).where(
                OutboxRow.id.in_([c.id for c in candidates]), OutboxRow.status == PENDING
            )
            if not self.db.is_sqlite:
                lock = lock.with_for_update(skip_locked=True)
            locked = {r.id: r for r in await session.scalars(lock)}
            # A candidate another process holds (locked, claimed, delivered meanwhile)
            # holds back the rest of its channel, as in ``_claimable``.
            taken = _claimable(
                [locked.get(c.id) or c for c in candidates],
                now,
                skip | (set(_ids(candidates)) - set(locked)),
            )
            if not taken:
                return []
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([t.id for t in taken]))
                .values(claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            return [
                OutboxItem(
                    t.id,
                    t.guild_id,
                    t.channel_id,
                    t.debate_id,
                    t.kind,
                    t.ref,
                    json.loads(t.payload) if t.payload else {},
                    t.attempts + 1,
                    t.created_at,
                )
                for t in taken
            ]

    async def delivered(self, row_id: int, message_id: int | None) -> None:
        """The row's post or edit is in the thread (``message_id``: the message it shows)."""
        async with self.db.write() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id)
                .values(
                    status=DELIVERED,
                    message_id=message_id,
                    delivered_at=wall_now(),
                    claimed_until=None,
                    error=None,
                )
            )

    async def retry(self, row_id: int, error: str, after: float) -> None:
        """Try the row again in ``after`` seconds; its channel's later rows wait for it."""
        async with self.db.write() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id, OutboxRow.status == PENDING)
                .values(
                    due_at=wall_now() + timedelta(seconds=after),
                    claimed_until=None,
                    error=error[:500],
                )
            )

    async def retry_card(self, debate_id: int, number: int, error: str) -> None:
        """Let the dispatcher post argument ``#number``'s card now: its answer failed."""
        async with self.db.write() as session:
            await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.kind == ARGUMENT_CARD,
                    OutboxRow.debate_id == debate_id,
                    OutboxRow.ref == number,
                )
                .values(due_at=wall_now(), claimed_until=None, error=error[:500])
            )

    async def release(self, row_ids: Sequence[int]) -> None:
        """Give claimed rows back untried (another path of this process holds them)."""
        if not row_ids:
            return
        async with self.db.write() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(list(row_ids)))
                .values(claimed_until=None, attempts=OutboxRow.attempts - 1)
            )

    async def failed(self, row_id: int, error: str) -> None:
        """The row can never be delivered (no permission, the thread is gone): say why."""
        async with self.db.write() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row_id)
                .values(status=FAILED, error=error[:500], claimed_until=None)
            )

    async def release_claims(self, shards: Shards | None = None) -> None:
        """Void the claims on these shards' rows: at start-up, the process that held them
        (ran these shards before) is gone."""
        async with self.db.write() as session:
            await session.execute(
                _mine_update(
                    update(OutboxRow)
                    .where(OutboxRow.status == PENDING, OutboxRow.claimed_until.is_not(None))
                    .values(claimed_until=None),
                    shards,
                )
            )

    async def prune(self, older_than: timedelta = KEEP_DELIVERED) -> int:
        """Delete rows delivered more than ``older_than`` ago (their message ids live on
        in the arguments and debates); failed rows stay for the operator. Returns how many."""
        async with self.db.write() as session:
            done = await session.execute(
                delete(OutboxRow).where(
                    OutboxRow.status == DELIVERED,
                    OutboxRow.delivered_at < wall_now() - older_than,
                )
            )
            return int(getattr(done, "rowcount", 0) or 0)

    async def pending(self, shards: Shards | None = None) -> int:
        """How many rows of these shards wait to be delivered."""
        async with self.db.read() as session:
            found = await session.scalar(
                _mine(select(func.count()).where(OutboxRow.status == PENDING), shards)
            )
            return int(found or 0)

    async def counts(self) -> dict[str, int]:
        """Rows by status, for the metrics and the operator."""
        async with self.db.read() as session:
            found = await session.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            )
            counts = dict.fromkeys((PENDING, DELIVERED, FAILED), 0)
            counts.update({status: int(n) for status, n in found})
            return counts

    async def next_due_in(self, shards: Shards | None = None) -> float | None:
        """Seconds until the earliest pending row of these shards is due or its claim
        runs out (None: nothing is pending)."""
        async with self.db.read() as session:
            found = await session.execute(
                _mine(
                    select(func.min(OutboxRow.due_at), func.min(OutboxRow.claimed_until)).where(
                        OutboxRow.status == PENDING
                    ),
                    shards,
                )
            )
            due, claimed = found.one()
        moments = [_aware(m) for m in (due, claimed) if m is not None]
        if not moments:
            return None
        return max(0.0, (min(moments) - wall_now()).total_seconds())

    async def rows(self, debate_id: int | None = None) -> list[OutboxRow]:
        """Every row (of one debate), oldest first: for tests and the operator."""
        async with self.db.read() as session:
            stmt = select(OutboxRow).order_by(OutboxRow.id)
            if debate_id is not None:
                stmt = stmt.where(OutboxRow.debate_id == debate_id)
            return list(await session.scalars(stmt))
