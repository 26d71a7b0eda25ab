"""Shared fixtures: a real database built by the Alembic migrations, a manual clock, and the
services on top of them.

The database is SQLite unless a test is parametrized over ``backend``: the service tests
(``tests/services``, or any test marked ``@pytest.mark.both_backends``) run once on SQLite and
once on a throw-away PostgreSQL cluster (``tests/postgres``), which skips when the machine has
no PostgreSQL, or fails when ``DEBATE_BOT_REQUIRE_POSTGRES=1`` (CI).
"""

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
from tests.postgres.fixtures import pg_cluster, pg_database, pg_empty_database, pg_template

__all__ = ["pg_cluster", "pg_database", "pg_empty_database", "pg_template"]

TESTS = Path(__file__).resolve().parent
BACKENDS = ("sqlite", "postgresql")
#: Folders whose tests run on every backend when they use the ``backend`` fixture.
BOTH_BACKEND_DIRS = (TESTS / "services",)

GUILD = 1_000_000_000_000_000_001
OTHER_GUILD = 1_000_000_000_000_000_002
CHANNEL = 2_000_000_000_000_000_001
MOD = 3_000_000_000_000_000_001


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_backends: run the test on SQLite and on PostgreSQL (the app fixture)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the service tests (and tests marked ``both_backends``) on every backend."""
    if "backend" not in metafunc.fixturenames:
        return
    path = Path(metafunc.definition.path)
    marked = metafunc.definition.get_closest_marker("both_backends") is not None
    if marked or any(path.is_relative_to(folder) for folder in BOTH_BACKEND_DIRS):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


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


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test is parametrized over the backends."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    """A fresh database built by the migrations: a SQLite file, or a PostgreSQL database."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_database"))
    return sqlite_url(request.getfixturevalue("db_path"))


def make_settings(db: Path | str, **debates: object) -> Settings:
    """Test settings: no cooldown unless asked; a SQLite file, or a database URL."""
    section: dict[str, object] = {"argument_cooldown_seconds": 0}
    section.update(debates)
    url = db if isinstance(db, str) else sqlite_url(db)
    return parse_settings({"database": {"url": url}, "debates": section})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    application = await App.create(settings, clock=clock, upgrade=False)
    yield application
    await application.close()


def member(user_id: int, guild_id: int = GUILD) -> Actor:
    return Actor(guild_id=guild_id, user_id=user_id)


def moderator(user_id: int = MOD, guild_id: int = GUILD) -> Actor:
    return Actor(guild_id=guild_id, user_id=user_id, is_moderator=True)
