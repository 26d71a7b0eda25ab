"""The event loop the bot process runs on (see ``bot.event_loop``)."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import ConfigError, parse_settings
from bot.event_loop import loop_factory, running_loop_name


async def _name() -> str:
    return running_loop_name()


def test_uvloop_is_the_default_and_runs() -> None:
    pytest.importorskip("uvloop")
    assert parse_settings({}).performance.event_loop == "uvloop"
    with asyncio.Runner(loop_factory=loop_factory("uvloop")) as runner:
        assert runner.run(_name()) == "uvloop"


def test_asyncio_loop_on_request() -> None:
    assert loop_factory("asyncio") is None
    with asyncio.Runner(loop_factory=loop_factory("asyncio")) as runner:
        assert runner.run(_name()) == "asyncio"


def test_unknown_loop_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"performance\.event_loop"):
        parse_settings({"performance": {"event_loop": "trio"}})
