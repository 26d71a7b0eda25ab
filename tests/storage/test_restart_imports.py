"""A restart on a database already at head skips Alembic, and exports load on first use:
what keeps the bot's start-up short (bench/startup.py measures it)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.storage import migrate
from bot.storage.database import Database
from tests.conftest import sqlite_url

ROOT = Path(__file__).resolve().parents[2]

#: Builds the app on an existing database and says which of the heavy modules it imported.
RESTART = """
import asyncio, json, sys
from bot.app import App
from bot.config import Settings

async def main():
    settings = Settings.model_validate({"database": {"url": sys.argv[1]}})
    app = await App.create(settings)
    before = sorted(m for m in HEAVY if m in sys.modules)
    exports = type(app.services.exports).__name__
    await app.close()
    print(json.dumps({"loaded": before, "exports": exports}))

HEAVY = ["alembic", "mako", "pygments", "bot.exports.writers", "bot.exports.html",
         "bot.exports.annotated", "bot.services.exports", "bot.services.annotated"]
asyncio.run(main())
"""


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert migrate.chain_head() is not None
    assert migrate.chain_head() == migrate.head_revision()


async def test_an_older_database_is_still_upgraded(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "older.db"))
    await migrate.upgrade(db)
    assert await migrate.at_head(db)
    await migrate.downgrade(db, "-1")
    assert not await migrate.at_head(db)
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()
    await db.dispose()


async def test_a_new_database_is_not_at_head(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "new.db"))
    assert not await migrate.at_head(db)
    await db.dispose()


async def migrated(url: str) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    await db.dispose()


def test_a_restart_at_head_imports_neither_alembic_nor_the_exports(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "restart.db")
    asyncio.run(migrated(url))
    done = subprocess.run(
        [sys.executable, "-c", RESTART, url], cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures == {"loaded": [], "exports": "ExportService"}
