"""Apply the Alembic migrations, the only way the schema is made (tests included)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from bot.failures import DatabaseNotMigrated
from bot.storage.availability import operator_error, sqlite_file, where
from bot.storage.database import Database, lock_until_commit

MIGRATION_LOCK = "debate-bot:migrations"

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the project's migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def _run(db: Database, action: Callable[[Config, str], None], revision: str) -> None:
    """Run an Alembic command on ``db``'s engine, one process at a time."""
    cfg = alembic_config(db.url)

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        action(cfg, revision)

    async with db.engine.begin() as connection:
        await lock_until_commit(connection, db.dialect, MIGRATION_LOCK)
        await connection.run_sync(run)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Upgrade the database behind ``db`` to ``revision``."""
    await _run(db, command.upgrade, revision)


async def downgrade(db: Database, revision: str = "base") -> None:
    """Downgrade the database behind ``db`` to ``revision``."""
    await _run(db, command.downgrade, revision)


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or ``None`` when it has none."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str | None:
    """The newest revision in ``migrations/``."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def require_current(db: Database) -> None:
    """Refuse a database without this version's schema (DatabaseNotMigrated), or one that
    cannot be reached (DatabaseUnreachable), before a command reads from it.

    A SQLite file that does not exist is refused rather than created empty.
    """
    file = sqlite_file(db.url)
    if file is not None and not file.exists():
        raise DatabaseNotMigrated(
            f"there is no database file {file}: check database.url, or create it with "
            "debate-bot db upgrade"
        )
    try:
        current = await current_revision(db)
    except Exception as exc:
        failure = operator_error(exc, db.url)
        if failure is None:
            raise
        raise failure from None
    head = head_revision()
    if current is None:
        raise DatabaseNotMigrated(
            f"the database at {where(db.url)} has no tables: run debate-bot db upgrade first"
        )
    if current != head:
        raise DatabaseNotMigrated(
            f"the database at {where(db.url)} is at revision {current}, this version of the "
            f"bot needs {head}: run debate-bot db upgrade"
        )
