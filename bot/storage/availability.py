"""Telling a database that is down, read-only or full apart from a bug, from its exceptions.

The drivers raise many types (``OSError`` from a refused connection, asyncpg's SQLSTATE
classes, sqlite3's extended result codes, SQLAlchemy wrappers around any of them); these
helpers walk the chain and name the condition, so members get a clear refusal and operators
a clear line instead of a traceback.
"""

from __future__ import annotations

import enum
import logging
import time
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.failures import DatabaseNotMigrated, DatabaseUnreachable, OperatorError

log = logging.getLogger("bot.storage.availability")


class Condition(enum.Enum):
    """Why the database cannot serve a request right now."""

    UNREACHABLE = "cannot be reached"
    READ_ONLY = "is read-only"
    FULL = "is out of disk space"
    REJECTED = "refused the login"
    MISSING = "does not exist"
    NOT_MIGRATED = "has no tables (never migrated)"


#: SQLSTATE -> condition, for asyncpg (PostgreSQL).
_SQLSTATES = {
    "57P01": Condition.UNREACHABLE,  # admin_shutdown
    "57P02": Condition.UNREACHABLE,  # crash_shutdown
    "57P03": Condition.UNREACHABLE,  # cannot_connect_now (starting up, shutting down)
    "25006": Condition.READ_ONLY,  # read_only_sql_transaction
    "53100": Condition.FULL,  # disk_full
    "28000": Condition.REJECTED,  # invalid_authorization_specification
    "28P01": Condition.REJECTED,  # invalid_password
    "3D000": Condition.MISSING,  # invalid_catalog_name
    "42P01": Condition.NOT_MIGRATED,  # undefined_table
}
#: SQLite primary result codes.
_SQLITE = {8: Condition.READ_ONLY, 13: Condition.FULL, 14: Condition.UNREACHABLE}
_SQLITE_IOERR = 10

#: Conditions that pass once the operator fixes the machine: members are told to retry.
UNAVAILABLE = frozenset(
    {Condition.UNREACHABLE, Condition.READ_ONLY, Condition.FULL, Condition.REJECTED}
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen) or len(seen) > 20:
            continue
        seen.append(item)
        todo += [getattr(item, "orig", None), item.__cause__, item.__context__]
    return seen


def diagnose(exc: BaseException) -> Condition | None:
    """The database condition behind ``exc``, or None when it is something else (a bug)."""
    found = _cause(exc)
    return found[0] if found else None


def _cause(exc: BaseException) -> tuple[Condition, BaseException] | None:
    """The condition and the exception of the chain that shows it."""
    for item in _chain(exc):
        condition = _condition_of(item)
        if condition is not None:
            return condition, item
    return None


def _condition_of(item: BaseException) -> Condition | None:
    state = getattr(item, "sqlstate", None)
    if isinstance(state, str):
        if state in _SQLSTATES:
            return _SQLSTATES[state]
        if state.startswith("08"):  # connection_exception class
            return Condition.UNREACHABLE
    code = getattr(item, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in _SQLITE:
            return _SQLITE[primary]
        if primary == _SQLITE_IOERR:
            return Condition.FULL if "full" in str(item).lower() else Condition.UNREACHABLE
        if "no such table" in str(item):
            return Condition.NOT_MIGRATED
    if isinstance(item, DBAPIError) and item.connection_invalidated:
        return Condition.UNREACHABLE
    if isinstance(item, ConnectionError | TimeoutError):
        return Condition.UNREACHABLE
    if type(item).__module__.startswith("asyncpg") and (
        "connection" in type(item).__name__.lower() or "closed" in str(item).lower()
    ):
        return Condition.UNREACHABLE
    if isinstance(item, OSError) and not isinstance(item, FileNotFoundError | PermissionError):
        return Condition.UNREACHABLE
    return None


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is down, read-only or full (members retry later)."""
    return diagnose(exc) in UNAVAILABLE


def where(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def operator_error(exc: BaseException, url: str) -> OperatorError | None:
    """The one-line operator error for a database failure, or None when it is not one."""
    condition = diagnose(exc)
    if condition is None:
        return None
    detail = _detail(exc)
    if condition is Condition.NOT_MIGRATED:
        return DatabaseNotMigrated(
            f"the database at {where(url)} has no tables: run debate-bot db upgrade first"
        )
    return DatabaseUnreachable(f"the database at {where(url)} {condition.value} ({detail})")


def _detail(exc: BaseException) -> str:
    """The driver's own words for the failure (the exception that shows the condition)."""
    found = _cause(exc)
    item = found[1] if found else _chain(exc)[-1]
    if isinstance(item, DBAPIError) and item.orig is not None:
        item = item.orig
    return f"{type(item).__name__}: {item}".strip().removesuffix(":")


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


class Outages:
    """Follows whether the database serves requests: one operator error when an outage
    starts, one line when it ends, nothing in between (members are refused meanwhile)."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: The condition of the outage in progress (None: the database serves).
        self.condition: Condition | None = None
        #: Outages seen since start-up, and requests refused during the current one.
        self.count = 0
        self.refused = 0
        self._since = 0.0

    def failed(self, exc: BaseException) -> bool:
        """Record ``exc`` if it means the database is unavailable; returns whether it does."""
        condition = diagnose(exc)
        if condition not in UNAVAILABLE:
            return False
        self.refused += 1
        if self.condition is None:
            self.condition = condition
            self.count += 1
            self._since = time.monotonic()
            log.error(
                "database unavailable: the database at %s %s (%s); members are told to try "
                "again in a minute, and the bot carries on once it answers again",
                where(self.url),
                condition.value if condition else "",
                _detail(exc),
            )
        return True

    def served(self, *, wrote: bool) -> None:
        """A request succeeded: a write ends any outage; a read ends one only when the
        database was unreachable (a read-only or full disk still serves reads)."""
        if self.condition is None:
            return
        if not wrote and self.condition not in (Condition.UNREACHABLE, Condition.REJECTED):
            return
        log.warning(
            "database available again after %.1f s; %d request(s) were refused meanwhile",
            time.monotonic() - self._since,
            self.refused,
        )
        self.condition = None
        self.refused = 0
