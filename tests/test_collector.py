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
