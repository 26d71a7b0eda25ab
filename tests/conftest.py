"""Shared fixtures: a real SQLite database built by the Alembic migrations, a manual clock,
and the services on top of them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.config import Settings, parse_settings
from bot.services.views import Actor
from bot.storage import migrate
from bot.storage.database import Database

GUILD = 1_000_000_000_000_000_001
OTHER_GUILD = 1_000_000_000_000_000_002
CHANNEL = 2_000_000_000_000_000_001
MOD = 3_000_000_000_000_000_001


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database file built by running every migration; tests get copies of it."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = Database(sqlite_url(path))
        await migrate.upgrade(db)
        await db.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_template: Path) -> Iterator[Path]:
    path = tmp_path / "debates.db"
    shutil.copy(migrated_template, path)
    yield path


def make_settings(db_path: Path, **debates: object) -> Settings:
    """Test settings: no cooldown unless asked, the given database file."""
    section: dict[str, object] = {"argument_cooldown_seconds": 0}
    section.update(debates)
    return parse_settings({"database": {"url": sqlite_url(db_path)}, "debates": section})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return make_settings(db_path)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    application = await App.create(settings, clock=clock, upgrade=False)
    yield application
    await application.close()


def member(user_id: int, guild_id: int = GUILD) -> Actor:
    return Actor(guild_id=guild_id, user_id=user_id)


def moderator(user_id: int = MOD, guild_id: int = GUILD) -> Actor:
    return Actor(guild_id=guild_id, user_id=user_id, is_moderator=True)
