"""A SQLite database that is full or read-only: every write is the members' refusal, reads
still work, the operator's log has one error for the outage and one line at its end.

The conditions are SQLite's own: ``max_page_count`` (the file may not grow, as on a full
disk) and a file opened read-only (``mode=ro``, as on a read-only mount). The tests run as
root, whom a chmod would not stop.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import App
from bot.clock import ManualClock
from bot.domain.errors import DatabaseUnavailable
from bot.storage.availability import Condition, diagnose
from bot.storage.database import Database
from bot.storage.models import BotState
from tests.conftest import make_settings

BIG = "x" * 200_000  # needs new pages: a file that may not grow cannot take it


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_full_disk_refuses_writes_and_logs_one_error(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await App.create(make_settings(db_path), clock=ManualClock(), upgrade=False)
    full = {"on": False}

    @event.listens_for(app.db.engine.sync_engine, "checkout")
    def _limit(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        pages = 1 if full["on"] else 1_073_741_823  # SQLite keeps at least the current size
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    try:
        await app.services.state.set("before", "kept")
        caplog.clear()
        full["on"] = True
        for _ in range(3):
            with pytest.raises(DatabaseUnavailable) as refused:
                await app.services.state.set("padding", BIG)
            assert diagnose(refused.value) is Condition.FULL
        assert await app.services.state.get("before") == "kept"  # reads still work
        errors = _errors(caplog)
        assert len(errors) == 1, [r.getMessage() for r in errors]
        assert "is out of disk space" in errors[0].getMessage()
        assert "database or disk is full" in errors[0].getMessage()

        full["on"] = False
        await app.services.state.set("padding", BIG)
        assert await app.services.state.get("padding") == BIG
        assert any("database available again" in r.getMessage() for r in caplog.records)
        assert app.db.outages.condition is None and app.db.outages.count == 1
    finally:
        await app.close()


async def test_a_read_only_file_refuses_writes_and_serves_reads(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = Database(f"sqlite+aiosqlite:///{db_path}")
    async with writer.write() as session:
        session.add(BotState(key="before", value="kept", updated_at=ManualClock().now()))
    await writer.dispose()  # a checkpoint: the file holds everything, as after a clean stop
    db = Database(f"sqlite+aiosqlite:///file:{db_path}?mode=ro&uri=true")
    try:
        caplog.clear()
        for _ in range(2):
            with pytest.raises(DatabaseUnavailable):
                async with db.write() as session:
                    now = ManualClock().now()
                    session.add(BotState(key="new", value="refused", updated_at=now))
        async with db.read() as session:
            assert (await session.scalars(select(BotState.value))).all() == ["kept"]
        errors = _errors(caplog)
        assert len(errors) == 1, [r.getMessage() for r in errors]
        assert "is read-only" in errors[0].getMessage()
        assert db.outages.condition is Condition.READ_ONLY  # a read does not end it
    finally:
        await db.dispose()


async def test_other_failures_are_not_outages(db_path: Path) -> None:
    """A constraint or a bug stays what it is: members never hear the database is down
    when it is not."""
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    try:
        with pytest.raises(Exception) as failed:
            async with db.write() as session:
                session.add(BotState(key="k", value=None, updated_at=ManualClock().now()))  # type: ignore[arg-type]
        assert not isinstance(failed.value, DatabaseUnavailable)
        with pytest.raises(ZeroDivisionError):
            async with db.read():
                _ = 1 / 0
        assert db.outages.count == 0
    finally:
        await db.dispose()
