"""The collector settings the bot process applies (see ``bot.collector``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import collector
from bot.config import ConfigError, parse_settings


@pytest.fixture
def restored_collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone for the rest of the session."""
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.enable()


def test_tune_raises_only_the_young_threshold(restored_collector: None) -> None:
    gc.set_threshold(700, 11, 12)
    collector.tune(50_000)
    assert gc.get_threshold() == (50_000, 11, 12)


def test_freeze_moves_the_live_heap_out_of_collections(restored_collector: None) -> None:
    gc.unfreeze()
    cache = [{"member": n} for n in range(1000)]  # something start-up would have loaded
    frozen = collector.freeze_startup_heap()
    assert frozen == gc.get_freeze_count()
    assert frozen >= len(cache)
    in_generations = {id(obj) for g in range(3) for obj in gc.get_objects(generation=g)}
    assert id(cache[0]) not in in_generations  # collections no longer scan it


def test_performance_settings_default_and_bounds() -> None:
    defaults = parse_settings({}).performance
    assert defaults.gc_young_threshold == 50_000
    assert defaults.gc_freeze_after_ready is True
    python_default = parse_settings({"performance": {"gc_young_threshold": 700}})
    assert python_default.performance.gc_young_threshold == 700
    with pytest.raises(ConfigError, match=r"performance\.gc_young_threshold"):
        parse_settings({"performance": {"gc_young_threshold": 10}})


class Node:
    """A reference cycle, like an interaction and its response."""

    def __init__(self) -> None:
        self.me = self


def test_idle_collector_frees_promoted_cycles_only_when_quiet(restored_collector: None) -> None:
    gc.disable()  # only the collections this test asks for
    now = [1000.0]
    idle = collector.IdleCollector(quiet=2.0, longest_gap=300.0, clock=lambda: now[0])
    gc.collect()
    assert idle.tick(last_activity=0.0) is None  # nothing promoted since: nothing to do

    cycles = [Node() for _ in range(500)]
    gc.collect(0)  # a young collection while they are in use: promoted, as in a burst
    del cycles  # now garbage that only an older collection finds
    assert idle.tick(last_activity=now[0] - 0.5) is None  # a burst is still going on
    now[0] += 1.0
    freed = idle.tick(last_activity=now[0] - 2.5)  # quiet for 2.5 s
    assert freed is not None and freed >= 500
    assert idle.tick(last_activity=0.0) is None  # and nothing left to do


def test_idle_collector_collects_under_endless_load(restored_collector: None) -> None:
    gc.disable()
    now = [1000.0]
    idle = collector.IdleCollector(quiet=2.0, longest_gap=300.0, clock=lambda: now[0])
    gc.collect()
    gc.collect(0)  # something was promoted
    assert idle.tick(last_activity=now[0]) is None
    now[0] += 301.0
    assert idle.tick(last_activity=now[0]) is not None  # never quiet, collected anyway
