"""Session fixtures for PostgreSQL: the throw-away cluster, and a template database built by
the Alembic migrations that each test copies (``CREATE DATABASE ... TEMPLATE``)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from bot.storage import migrate
from bot.storage.database import Database
from tests.postgres.cluster import (
    REQUIRE_ENV,
    PostgresCluster,
    PostgresUnavailable,
    postgres_required,
)

TEMPLATE = "debate_bot_migrated"
T = TypeVar("T")
_names = itertools.count(1)


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def unique_name(prefix: str = "t") -> str:
    """A database name no other test of this run (or a parallel run) uses."""
    return f"{prefix}_{os.getpid()}_{next(_names)}"


async def upgrade_url(url: str) -> None:
    db = Database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster on 127.0.0.1 for the whole session; skips (fails in CI) when
    the machine cannot run one."""
    cluster: PostgresCluster | None = None
    problem = ""
    try:
        cluster = PostgresCluster.create()
        cluster.start()
    except PostgresUnavailable as exc:
        problem = str(exc)
    if problem or cluster is None:
        if cluster is not None:
            cluster.stop()
        if postgres_required():
            pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL is unavailable: {problem}", False)
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PostgresCluster) -> str:
    """The name of a database made by running every migration; tests get copies of it."""
    url = pg_cluster.create_database(TEMPLATE)
    run_coroutine(lambda: upgrade_url(url))
    return TEMPLATE


@pytest.fixture
def pg_database(pg_cluster: PostgresCluster, pg_template: str) -> Iterator[str]:
    """The URL of a fresh migrated PostgreSQL database, dropped after the test."""
    name = unique_name()
    url = pg_cluster.create_database(name, template=pg_template)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture
def pg_empty_database(pg_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database without any schema, dropped after the test."""
    name = unique_name("empty")
    url = pg_cluster.create_database(name)
    try:
        yield url
    finally:
        pg_cluster.drop_database(name)
