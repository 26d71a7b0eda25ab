"""The event loop the bot process runs on: uvloop where it is installed, else asyncio's own.

The bot is bound by its event loop during a burst: reading the gateway, starting a task per
interaction, sending each reply. uvloop (libuv) runs that loop in C; paired runs of
``bench/burst.py`` at 2,000 simultaneous votes measured p99 1,442 ms against 1,663 ms on
asyncio's loop (README, Deployment).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Literal

log = logging.getLogger("bot.event_loop")

LoopName = Literal["uvloop", "asyncio"]


def loop_factory(name: LoopName) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """A factory for ``asyncio.Runner``; None means asyncio's default loop.

    uvloop has no Windows build: there, or wherever it is missing, the bot falls back to
    asyncio's loop and says so, rather than refusing to start.
    """
    if name == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        log.warning("uvloop is not installed; running on asyncio's event loop")
        return None
    return uvloop.new_event_loop


def running_loop_name() -> str:
    """``uvloop`` or ``asyncio``: which loop this coroutine runs on (logged at start-up)."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
