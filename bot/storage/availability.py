"""Telling a database that is down, read-only or full apart from a bug, from its exceptions.

The drivers raise many types (``OSError`` from a refused connection, asyncpg's SQLSTATE
classes, sqlite3's extended result codes, SQLAlchemy wrappers around any of them); these
helpers walk the chain and name the condition, so members get a clear refusal and operators
a clear line instead of a traceback.
"""

from __future__ import annotations

import enum
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.failures import DatabaseNotMigrated, DatabaseUnreachable, OperatorError


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
    for item in _chain(exc):
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
    for item in _chain(exc):
        if getattr(item, "sqlstate", None) or getattr(item, "sqlite_errorcode", None):
            return f"{type(item).__name__}: {item}".strip()
    root = _chain(exc)[-1]
    return f"{type(root).__name__}: {root}".strip().removesuffix(":")


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")
