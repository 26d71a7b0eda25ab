"""Shared reads: the requests for a read waiting at one moment share one load.

A burst of 2,000 ``/debate status`` in one debate would otherwise be 2,000 read
transactions of several queries each, queued for the database's connections (the pool gives
up after 30 s). A :class:`SharedRead` runs one load at a time; every request that arrives
while a load runs waits for the next one, which serves them all, whatever keys they ask for.

Freshness is the rule that a request is only served by a load that *started after it
arrived*: it sees every write committed before it was sent, its own acknowledged writes
included, whichever process wrote them (several shards share one PostgreSQL database).
Nothing is kept between loads, so nothing can go stale and no invalidation is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: ``load(keys)`` returns each key's value, or the refusal (exception) that key gets.
Loader = Callable[[Sequence[K]], Awaitable[Mapping[K, V | BaseException]]]


class SharedRead(Generic[K, V]):
    """Answers ``get(key)`` from a load that started after the call; see the module."""

    def __init__(self, load: Loader[K, V], name: str) -> None:
        self.name = name
        self._load = load
        self._waiting: dict[K, asyncio.Future[V | BaseException]] = {}
        self._task: asyncio.Task[None] | None = None
        #: Loads run so far (tests use it to see requests share them).
        self.loads = 0

    async def get(self, key: K) -> V:
        """The value of ``key`` from the next load to start; raises its refusal."""
        loop = asyncio.get_running_loop()
        future = self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = loop.create_future()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain(), name=self.name)
        # Shielded: one caller cancelled (its interaction gone) must not fail the others.
        outcome = await asyncio.shield(future)
        if isinstance(outcome, BaseException):
            # The same exception reaches every caller of the load: no traceback piles up.
            raise outcome.with_traceback(None)
        return outcome

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            self.loads += 1
            try:
                outcomes: Mapping[K, V | BaseException] = await self._load(list(batch))
            except Exception as exc:  # the load failed: every caller of it gets the error
                outcomes = dict.fromkeys(batch, exc)
            for key, future in batch.items():
                if not future.done():
                    future.set_result(outcomes.get(key, KeyError(key)))
