"""The deadline dispatcher: one loop that advances phases whose deadline has passed.

Deadlines live in the database, so the loop resumes after a restart (a deadline that passed
while the bot was down is applied on the first pass). Each advance is the guarded service
call, so two processes never advance the same phase twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.adapter.announce import Announcer
from bot.adapter.series import SeriesDriver
from bot.domain.errors import DatabaseUnavailable
from bot.metrics.registry import Metrics
from bot.services import Services

log = logging.getLogger("bot.adapter.deadlines")


class DeadlineDispatcher:
    """Sleeps until the next deadline (or the check interval), then applies what is due."""

    def __init__(
        self,
        services: Services,
        announcer: Announcer,
        owns_guild: Callable[[int], bool] = lambda _guild: True,
        *,
        series: SeriesDriver | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.services = services
        self.series = series
        self.metrics = metrics
        self.announcer = announcer
        self.owns_guild = owns_guild
        self.interval = services.settings.debates.deadline_check_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="deadlines")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look again now (after a deadline was extended or time moved in a test)."""
        self._wake.set()

    async def tick(self) -> int:
        """Advance every due phase of this process's guilds, then let the series move on (a
        sequence opens its next debate); returns how many phases it advanced."""
        advanced = 0
        for due in await self.services.debates.due_deadlines():
            if not self.owns_guild(due.guild_id):
                continue
            change = await self.services.debates.advance(
                None, guild_id=due.guild_id, debate_id=due.debate_id, expected_index=due.phase_index
            )
            if change is None:  # another process (or a moderator) got there first
                continue
            advanced += 1
            if self.metrics is not None and due.deadline is not None:
                late = (self.services.clock.now() - due.deadline).total_seconds()
                self.metrics.deadline_lag.observe(max(0.0, late))
            log.info("debate %s: deadline passed, now %s", due.debate_id, change.debate.phase)
            await self.announcer.phase_changed(change)
        if self.series is not None:
            await self.series.run_pass()
        return advanced

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
                soonest = await self.services.debates.next_deadline_in()
            except asyncio.CancelledError:
                raise
            except DatabaseUnavailable:  # logged once per outage; the pass resumes after it
                log.debug("deadline pass paused: the database is unavailable")
                soonest = None
            except Exception:
                log.exception("deadline pass failed; retrying")
                soonest = None
            delay = self.interval if soonest is None else min(self.interval, max(soonest, 0.05))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
