"""Garbage-collector settings for the bot process: fewer and shorter pauses during bursts.

A burst of 2,000 votes allocates millions of short-lived objects. With CPython's default
young-generation threshold (700) the collector ran about 1,300 times per three bursts and
the full collections among them, scanning every cached member and every loaded module,
took 100-160 ms each, in the middle of the burst (bench/votes.py). Most of that garbage is
freed by reference counting anyway; the cyclic collector only has to catch cycles.
"""

from __future__ import annotations

import gc
import logging

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
