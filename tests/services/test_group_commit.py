"""What a group commit does when its transaction fails: find the culprit, or tell everyone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.domain import errors
from bot.services.group_commit import GroupCommit, Outcomes
from bot.storage.models import BotState


async def write_keys(session: AsyncSession, batch: Sequence[str]) -> Outcomes[str]:
    """Insert one row per key: a key that exists already breaks the primary key."""
    now = datetime.now(UTC)
    await session.execute(
        insert(BotState), [{"key": key, "value": "v", "updated_at": now} for key in batch]
    )
    return list(batch)


async def stored(app: App) -> set[str]:
    async with app.db.read() as session:
        return set(await session.scalars(select(BotState.key).where(BotState.key.like("k%"))))


async def test_a_constraint_failure_is_retried_one_by_one(app: App) -> None:
    """Another writer took one key first: only that request fails, the others commit."""
    await app.services.state.set("k2", "taken")
    queue: GroupCommit[str, str] = GroupCommit(app.db, write_keys, "keys")
    outcomes = await asyncio.gather(
        *(queue.submit(key) for key in ("k1", "k2", "k3")), return_exceptions=True
    )
    await queue.close()
    assert outcomes[0] == "k1" and outcomes[2] == "k3"
    assert type(outcomes[1]).__name__ == "IntegrityError"
    assert await stored(app) == {"k1", "k2", "k3"}


async def test_any_other_failure_is_every_callers_and_never_applied_twice(app: App) -> None:
    calls: list[list[str]] = []

    async def broken(session: AsyncSession, batch: Sequence[str]) -> Outcomes[str]:
        calls.append(list(batch))
        await write_keys(session, batch)
        raise RuntimeError("a bug after the writes")

    queue: GroupCommit[str, str] = GroupCommit(app.db, broken, "keys")
    outcomes = await asyncio.gather(
        *(queue.submit(key) for key in ("k1", "k2")), return_exceptions=True
    )
    await queue.close()
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    assert calls == [["k1", "k2"]]  # once, as a whole
    assert await stored(app) == set()  # rolled back
    with pytest.raises(RuntimeError):
        await queue.submit("k3")  # a new drain after close still works, and fails alike


async def test_a_lost_database_refuses_the_whole_batch_clearly(app: App) -> None:
    """The connection lost during COMMIT: nobody can tell whether the batch was written,
    so every member is told the database is unavailable, and nothing is applied twice."""
    calls: list[list[str]] = []

    async def cut(session: AsyncSession, batch: Sequence[str]) -> Outcomes[str]:
        calls.append(list(batch))
        await write_keys(session, batch)
        raise ConnectionError("connection lost during COMMIT")

    queue: GroupCommit[str, str] = GroupCommit(app.db, cut, "keys")
    outcomes = await asyncio.gather(
        *(queue.submit(key) for key in ("k1", "k2", "k3")), return_exceptions=True
    )
    await queue.close()
    assert all(isinstance(o, errors.DatabaseUnavailable) for o in outcomes), outcomes
    assert all(isinstance(o.__cause__, ConnectionError) for o in outcomes)
    assert calls == [["k1", "k2", "k3"]]
    assert await stored(app) == set()
