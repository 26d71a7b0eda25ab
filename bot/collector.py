"""Garbage-collector settings for the bot process: fewer and shorter pauses during bursts.

A burst of 2,000 votes allocates millions of short-lived objects. With CPython's default
young-generation threshold (700) the collector ran about 1,300 times per three bursts and
the full collections among them, scanning every cached member and every loaded module,
took 100-160 ms each, in the middle of the burst (bench/burst.py). Most of that garbage is
freed by reference counting anyway; the cyclic collector only has to catch cycles.

Not all of it: every finished interaction is a reference cycle in discord.py (the
interaction and its response object point at each other), and what a young collection finds
still in flight is promoted. With the raised threshold the older generations are collected
rarely, so :class:`IdleCollector` collects them fully whenever the bot has been quiet for a
moment: between bursts, not in the middle of one.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger("bot.collector")


def tune(young_threshold: int) -> None:
    """Raise the young-generation threshold; the older generations keep their thresholds,
    so cyclic garbage is still collected, after at most ``young_threshold`` new objects."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)


def freeze_startup_heap() -> int:
    """Collect once, then move every surviving object (modules, commands, templates, the
    guild caches of READY) to the permanent generation that collections skip.

    Objects frozen here are still freed by reference counting; only a cycle among them
    would outlive its use, and the start-up heap is not garbage. Returns how many objects
    were frozen.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("froze %d start-up objects out of the collector's view", frozen)
    return frozen


#: Seconds without an interaction after which a full collection may run.
QUIET_SECONDS = 2.0
#: Longest time between two full collections, quiet or not, so memory stays bounded under a
#: load that never pauses.
LONGEST_GAP_SECONDS = 300.0


class IdleCollector:
    """Full collections while the bot is quiet (see the module's docstring)."""

    def __init__(
        self,
        quiet: float = QUIET_SECONDS,
        longest_gap: float = LONGEST_GAP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.longest_gap = longest_gap
        self.clock = clock
        self.last_full = clock()

    def tick(self, last_activity: float) -> int | None:
        """Collect if anything was promoted since the last full collection and the bot has
        been quiet (or has not collected for too long); returns what was freed, or None."""
        now = self.clock()
        _, young_collections, middle_collections = gc.get_count()
        if not young_collections and not middle_collections:
            return None
        if now - last_activity < self.quiet and now - self.last_full < self.longest_gap:
            return None
        started = time.perf_counter()
        freed = gc.collect()
        self.last_full = self.clock()
        log.debug(
            "full collection: %d freed in %.0f ms", freed, (time.perf_counter() - started) * 1000
        )
        return freed
