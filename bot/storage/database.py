"""The engine and session factory, with the SQLite settings the bot relies on.

SQLite runs in WAL mode with foreign keys on; write transactions start with
``BEGIN IMMEDIATE`` (so two writers queue instead of failing on a lock upgrade) and, within
one process, pass through an asyncio lock so they queue without polling.

A database that is down, read-only or full turns every read and write into the
:class:`DatabaseUnavailable` refusal (members are told to retry in a minute), logged once
per outage for the operator; PostgreSQL connections are checked before use (pre-ping), so
the pool reconnects by itself once the server is back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.domain.errors import DatabaseUnavailable, Refusal
from bot.metrics.registry import Metrics
from bot.storage.availability import Outages

_IMMEDIATE = "debate_bot_immediate"
#: A write session's own callbacks, run once it committed and before ``after_commit`` hooks.
ON_COMMIT = "debate_bot_on_commit"


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``session``'s transaction has committed (never on rollback)."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


def _sqlite_setup(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock named ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def lock_until_commit(
    executor: AsyncConnection | AsyncSession, dialect: str, name: str
) -> None:
    """Serialize this transaction with other processes' ones that take the same lock.

    On PostgreSQL, a transaction-scoped advisory lock (released at commit or rollback), so
    shards starting together do not race (migrations, built-in motions). SQLite writers are
    serialized by ``BEGIN IMMEDIATE`` already.
    """
    if dialect == "postgresql":
        await executor.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(name)}
        )


class Database:
    """Owns the engine; hands out read and write sessions, each one transaction."""

    def __init__(self, url: str, *, echo: bool = False, metrics: Metrics | None = None) -> None:
        self.url = url
        #: Where whatever writes through this database reports (group commits), if anywhere.
        self.metrics = metrics
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine = create_async_engine(url, **kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite:
            _sqlite_setup(self.engine)
            writer = self.engine.execution_options(**{_IMMEDIATE: True})
        else:
            writer = self.engine
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writes = async_sessionmaker(writer, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        #: Called with each write session once it committed (see ``bot.services.audit_feed``).
        self.after_commit: list[Callable[[AsyncSession], None]] = []
        #: Whether the database serves requests right now (one log line per outage).
        self.outages = Outages(url)
        #: Small writes that ride along in whatever group commit goes next, instead of a
        #: transaction of their own (see ``bot.services.members``).
        self.riders: list[Callable[[AsyncSession], Awaitable[None]]] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction, rolled back when the session closes."""
        try:
            async with self._reads() as session:
                yield session
        except Exception as exc:
            self._refuse_if_unavailable(exc)
            raise
        self.outages.served(wrote=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction, committed when the block exits without error."""
        try:
            if self._write_lock is None:
                async with self._writes() as session, session.begin():
                    yield session
            else:
                async with self._write_lock, self._writes() as session, session.begin():
                    yield session
        except Exception as exc:
            self._refuse_if_unavailable(exc)
            raise
        self.outages.served(wrote=True)
        self._committed(session)

    def _refuse_if_unavailable(self, exc: Exception) -> None:
        """Raise the members' refusal instead of ``exc`` when the database is unavailable."""
        if not isinstance(exc, Refusal) and self.outages.failed(exc):
            raise DatabaseUnavailable() from exc

    def _committed(self, session: AsyncSession) -> None:
        for callback in session.info.pop(ON_COMMIT, []):
            callback()
        for hook in self.after_commit:
            hook(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
