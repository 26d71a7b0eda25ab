"""The outbox's rows: written with the change that owes them (and only then), claimed in
order per channel, per shard, never by two processes at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.app import App
from bot.domain import errors
from bot.domain.enums import Side
from bot.services import outbox as rows
from bot.services.outbox import OutboxService, Shards
from bot.storage.database import Database
from bot.storage.models import OutboxRow
from tests.conftest import CHANNEL, member, moderator
from tests.services.helpers import FOR_1, start_oxford


async def kinds(app: App) -> list[tuple[str, str]]:
    return [(r.kind, r.status) for r in await app.services.outbox.rows()]


async def make_due(db: Database) -> None:
    """As if the fast-path grace had passed."""
    async with db.write() as session:
        await session.execute(update(OutboxRow).values(due_at=rows.wall_now()))


async def test_changes_write_their_rows_and_refusals_write_none(app: App) -> None:
    await start_oxford(app)
    assert await kinds(app) == []
    with pytest.raises(errors.Refusal):  # a member cannot advance the phase
        await app.services.debates.next_phase(member(FOR_1), CHANNEL)
    assert await kinds(app) == []
    await app.services.debates.next_phase(moderator(), CHANNEL)  # -> opening statements
    assert await kinds(app) == [
        (rows.PHASE, rows.PENDING),
        (rows.MOTION_CARD, rows.PENDING),
        (rows.SUMMARY, rows.PENDING),
    ]
    argument = await app.services.arguments.propose(member(FOR_1), CHANNEL, "An opening.")
    [*_, card] = await app.services.outbox.rows()
    assert (card.kind, card.ref, card.channel_id) == (rows.ARGUMENT_CARD, 1, CHANNEL)
    assert card.debate_id == argument.debate_id
    assert card.due_at >= card.created_at + rows.FAST_PATH_GRACE
    await app.services.arguments.set_message(member(FOR_1).guild_id, argument.debate_id, 1, 4242)
    [*_, card] = await app.services.outbox.rows()
    assert (card.status, card.message_id) == (rows.DELIVERED, 4242)
    await app.services.moderation.remove_argument(moderator(), CHANNEL, 1, "off topic")
    [*_, edit, notice] = await app.services.outbox.rows()
    assert (edit.kind, edit.ref, notice.kind) == (rows.ARGUMENT_EDIT, 1, rows.NOTICE)
    assert '"notice": "removed"' in (notice.payload or "")


async def test_a_channel_waits_for_its_oldest_row(app: App) -> None:
    """A row not yet due holds back the later rows of its channel, not other channels."""
    await start_oxford(app)
    await app.services.debates.next_phase(moderator(), CHANNEL)
    service = app.services.outbox
    await make_due(app.db)
    first, *later = await service.rows()
    await service.retry(first.id, "503", after=60)
    claimed = await service.claim()
    assert claimed == [] or all(c.channel_id != first.channel_id for c in claimed)
    # the motion card of a debate in place is in the same channel: nothing goes
    assert {c.id for c in claimed} <= {r.id for r in later if r.channel_id != first.channel_id}
    async with app.db.write() as session:
        await session.execute(update(OutboxRow).values(due_at=rows.wall_now()))
    claimed = await service.claim()
    assert [c.id for c in claimed] == [first.id, *(r.id for r in later)]
    assert all(c.attempts == 1 for c in claimed) and claimed[0].attempts == 1
    assert await service.claim() == []  # claimed: held for the lease
    await service.release([c.id for c in claimed])
    again = await service.claim()
    assert [c.id for c in again] == [c.id for c in claimed]


async def test_each_process_claims_its_shards_rows(app: App) -> None:
    guilds = {0: (300_000_000_000 << 22) | 1, 1: (300_000_000_001 << 22) | 1}
    async with app.db.write() as session:
        for shard, guild in guilds.items():
            await rows.add(
                session,
                [rows.row(guild_id=guild, channel_id=100 + shard, kind=rows.NOTICE)],
            )
    service = app.services.outbox
    assert await service.pending(Shards(2, (1,))) == 1
    [one] = await service.claim(shards=Shards(2, (1,)))
    assert one.guild_id == guilds[1]
    [zero] = await service.claim(shards=Shards(2, (0,)))
    assert zero.guild_id == guilds[0]


async def test_two_processes_claiming_at_once_never_share_a_row(
    app: App, database_url: str
) -> None:
    """On PostgreSQL the claims run at once (``FOR UPDATE SKIP LOCKED``); SQLite queues
    them behind its one writer."""
    async with app.db.write() as session:
        await rows.add(
            session,
            [
                rows.row(guild_id=1, channel_id=channel, kind=rows.NOTICE)
                for channel in range(40)
                for _ in range(3)
            ],
        )
    other = Database(database_url)
    try:
        services = [app.services.outbox, OutboxService(other)]
        rounds = await asyncio.gather(
            *(s.claim(limit=200, lease=timedelta(minutes=5)) for s in services for _ in range(3))
        )
        ids = [item.id for claimed in rounds for item in claimed]
        assert len(ids) == len(set(ids)), "a row was claimed twice"
        # whoever claimed a channel took its rows in order
        by_channel: dict[int, list[int]] = {}
        for claimed in rounds:
            for item in claimed:
                by_channel.setdefault(item.channel_id, []).append(item.id)
        assert all(found == sorted(found) for found in by_channel.values())
    finally:
        await other.dispose()


async def test_a_new_process_voids_old_claims(app: App) -> None:
    await start_oxford(app)
    await app.services.debates.join(member(77), CHANNEL, Side.AUDIENCE)
    await app.services.debates.next_phase(moderator(), CHANNEL)
    service = app.services.outbox
    claimed = await service.claim()
    assert claimed and await service.claim() == []
    await service.release_claims()
    assert [c.id for c in await service.claim()] == [c.id for c in claimed]


async def test_delivered_rows_are_pruned_after_a_week_and_failed_ones_kept(app: App) -> None:
    async with app.db.write() as session:
        await rows.add(
            session, [rows.row(guild_id=1, channel_id=5, kind=rows.NOTICE) for _ in range(4)]
        )
    service = app.services.outbox
    old, recent, failed, pending = (r.id for r in await service.rows())
    for row_id in (old, recent):
        await service.delivered(row_id, 99)
    await service.failed(failed, "403 Missing Permissions")
    async with app.db.write() as session:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_([old, failed]))
            .values(delivered_at=rows.wall_now() - timedelta(days=8))
        )
    assert await service.prune() == 1
    assert [r.id for r in await service.rows()] == [recent, failed, pending]
