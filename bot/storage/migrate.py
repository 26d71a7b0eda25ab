"""Apply the Alembic migrations, the only way the schema is made (tests included).

Alembic (and Mako, Pygments with it) is imported only when there is something to migrate or
a command asks about revisions: a bot restarting on a database already at head checks the
stored revision against the chain's newest with one query, and starts that much sooner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.failures import DatabaseNotMigrated
from bot.storage.availability import operator_error, sqlite_file, where
from bot.storage.database import Database, lock_until_commit

MIGRATION_LOCK = "debate-bot:migrations"

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if TYPE_CHECKING:
    from alembic.config import Config

#: ``revision: str = "0003"`` and ``down_revision: str | None = "0002"`` in a version file.
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\b[^=\n]*=\s*(?:[\"']([^\"']+)[\"']|None)", re.M
)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the project's migrations and ``url``."""
    from alembic.config import Config

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
    """Upgrade the database behind ``db`` to ``revision`` (nothing to do, and no Alembic
    import, when it is at the head already)."""
    if revision == "head" and await at_head(db):
        return
    from alembic import command

    await _run(db, command.upgrade, revision)


async def downgrade(db: Database, revision: str = "base") -> None:
    """Downgrade the database behind ``db`` to ``revision``."""
    from alembic import command

    await _run(db, command.downgrade, revision)


def chain_head() -> str | None:
    """The newest revision of ``migrations/versions``, read from the files' ``revision`` and
    ``down_revision`` lines without Alembic: the one no other names as its down revision.
    ``None`` when the files do not say it that plainly (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def at_head(db: Database) -> bool:
    """Whether the database's one stored revision is the chain's head (False when unsure:
    no version table yet, or a file Alembic must read)."""
    head = chain_head()
    if head is None:
        return False
    try:
        async with db.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return False
    return [row[0] for row in rows] == [head]


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or ``None`` when it has none."""

    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str | None:
    """The newest revision in ``migrations/``."""
    from alembic.script import ScriptDirectory

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
