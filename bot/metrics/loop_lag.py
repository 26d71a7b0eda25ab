"""Event-loop lag: how late a periodic timer fires, i.e. how long the loop was busy."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bot.metrics.registry import Metrics

#: How often the lag is sampled; one sleep per interval costs nothing measurable.
INTERVAL_SECONDS = 0.25


class LoopLagMonitor:
    """Sleeps ``interval`` seconds again and again and records by how much it overslept."""

    def __init__(self, metrics: Metrics, interval: float = INTERVAL_SECONDS) -> None:
        self.metrics = metrics
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        observe = self.metrics.loop_lag.observe
        while True:
            asked = time.perf_counter() + self.interval
            await asyncio.sleep(self.interval)
            observe(max(0.0, time.perf_counter() - asked))
