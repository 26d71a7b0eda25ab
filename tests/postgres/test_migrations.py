"""The same migrations on PostgreSQL: they match the models, upgrade and downgrade, keep the
audit log append-only, and several processes may start on one database at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.app import App
from bot.clock import ManualClock
from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import Base, BotState, Motion
from tests.conftest import CHANNEL, GUILD, make_settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_models_match_migrations(pg_database: str) -> None:
    db = Database(pg_database)
    try:
        assert db.dialect == "postgresql"
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await db.dispose()


async def test_upgrade_downgrade_roundtrip(pg_empty_database: str) -> None:
    db = Database(pg_empty_database)
    try:
        await migrate.upgrade(db)
        assert await migrate.current_revision(db) == migrate.head_revision()
        async with db.engine.connect() as connection:
            assert set(Base.metadata.tables) <= await connection.run_sync(_tables)
        await migrate.downgrade(db)
        assert await migrate.current_revision(db) is None
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
            functions = await connection.scalar(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_events_append_only'")
            )
            assert functions == 0
        await migrate.upgrade(db)
        assert await migrate.current_revision(db) == migrate.head_revision()
    finally:
        await db.dispose()


async def test_audit_log_is_append_only_in_the_database(pg_database: str) -> None:
    db = Database(pg_database)
    try:
        async with db.write() as session:
            await session.execute(
                text(
                    "INSERT INTO audit_events (guild_id, action, created_at) "
                    "VALUES (1, 'member_warned', :at)"
                ),
                {"at": NOW},
            )
        for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                async with db.write() as session:
                    await session.execute(text(statement))
        async with db.read() as session:
            assert await session.scalar(text("SELECT count(*) FROM audit_events")) == 1
    finally:
        await db.dispose()


async def test_constraints_hold_foreign_keys_and_one_open_debate_per_channel(
    pg_database: str,
) -> None:
    db = Database(pg_database)
    try:
        with pytest.raises(IntegrityError):
            async with db.write() as session:
                await session.execute(
                    text(
                        "INSERT INTO participants (debate_id, user_id, side, joined_at) "
                        "VALUES (999, 1, 'for', :at)"
                    ),
                    {"at": NOW},
                )
        insert = text(
            "INSERT INTO debates (guild_id, channel_id, motion_id, format, status, phase, "
            "phase_index, phase_started_at, locked, results_visibility, argument_count, "
            "created_by, created_at) VALUES (:g, :c, :m, 'oxford', :s, 'pre_vote', 0, :at, "
            "false, 'after_close', 0, 1, :at)"
        )
        async with db.write() as session:
            motion = await session.scalar(
                text(
                    "INSERT INTO motions (text, created_at) VALUES ('A motion to debate.', :at) "
                    "RETURNING id"
                ),
                {"at": NOW},
            )
            values = {"g": GUILD, "c": CHANNEL, "m": motion, "at": NOW}
            await session.execute(insert, {**values, "s": "closed"})
            await session.execute(insert, {**values, "s": "closed"})
            await session.execute(insert, {**values, "s": "open"})
        with pytest.raises(IntegrityError):
            async with db.write() as session:
                await session.execute(insert, {**values, "s": "open"})
    finally:
        await db.dispose()


async def test_several_processes_start_on_an_empty_database_at_once(
    pg_empty_database: str,
) -> None:
    """Shards start together: migrations, built-in motions and bot state must not collide."""
    settings = make_settings(pg_empty_database)
    clock = ManualClock(NOW)
    apps = await asyncio.gather(
        *(App.create(settings, clock=clock) for _ in range(4)), return_exceptions=True
    )
    try:
        failures = [a for a in apps if isinstance(a, BaseException)]
        assert failures == []
        ready = [a for a in apps if isinstance(a, App)]
        await asyncio.gather(*(a.services.state.set("command-sync", "x") for a in ready))
        async with ready[0].db.read() as session:
            keys = await session.scalar(select(func.count()).select_from(Motion))
            builtin = await session.scalar(
                select(func.count()).select_from(Motion).where(Motion.key.is_not(None))
            )
            states = await session.scalar(select(func.count()).select_from(BotState))
        assert keys == builtin and builtin is not None and builtin > 0
        assert states == 1
        assert await migrate.current_revision(ready[0].db) == migrate.head_revision()
    finally:
        for app in apps:
            if isinstance(app, App):
                await app.close()
