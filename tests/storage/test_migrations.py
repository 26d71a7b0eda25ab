"""The migrations are the only way the schema is made: they must match the models, and
upgrade to head and downgrade to base must both work."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import Base
from tests.conftest import sqlite_url


async def test_models_match_migrations(db_path: Path) -> None:
    db = Database(sqlite_url(db_path))

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    await db.dispose()
    assert differences == []


async def test_upgrade_downgrade_roundtrip(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "roundtrip.db"))
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()

    def tables(connection):  # type: ignore[no-untyped-def]
        return set(inspect(connection).get_table_names())

    async with db.engine.connect() as connection:
        assert set(Base.metadata.tables) <= await connection.run_sync(tables)
    await migrate.downgrade(db)
    assert await migrate.current_revision(db) is None
    async with db.engine.connect() as connection:
        assert await connection.run_sync(tables) == {"alembic_version"}
    await migrate.upgrade(db)
    await db.dispose()


async def test_sqlite_runs_in_wal_with_foreign_keys(db_path: Path) -> None:
    db = Database(sqlite_url(db_path))
    async with db.read() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await session.execute(
                text(
                    "INSERT INTO participants (debate_id, user_id, side, joined_at) "
                    "VALUES (999, 1, 'for', '2026-01-01 00:00:00')"
                )
            )
    await db.dispose()


async def test_audit_log_is_append_only_in_the_database(db_path: Path) -> None:
    db = Database(sqlite_url(db_path))
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO audit_events (guild_id, action, created_at) "
                "VALUES (1, 'member_warned', '2026-01-01 00:00:00')"
            )
        )
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            async with db.write() as session:
                await session.execute(text(statement))
    async with db.read() as session:
        assert (await session.execute(text("SELECT count(*) FROM audit_events"))).scalar() == 1
    await db.dispose()
