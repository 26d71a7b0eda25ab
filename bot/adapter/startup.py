"""Reaching Discord at start-up: retry with backoff while it is unreachable, and turn a
rejected token or an unreachable Discord into one clear operator error."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import aiohttp
import discord
import yarl

from bot.config import DiscordConfig
from bot.failures import DiscordAuthFailed, DiscordUnreachable

log = logging.getLogger("bot.adapter.startup")

#: The longest wait between two tries.
MAX_BACKOFF_SECONDS = 60.0
#: How long one try may take.
PROBE_TIMEOUT_SECONDS = 10.0
#: The gateway's close code for a token it does not accept.
AUTHENTICATION_FAILED = 4004

REJECTED = (
    "Discord rejected the token in DISCORD_TOKEN (401 Unauthorized): copy the bot's token "
    "again from the developer portal (Bot > Reset Token)"
)


def _host() -> str:
    url = yarl.URL(discord.http.Route.BASE)
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.explicit_port else "")


async def _probe(url: str) -> str | None:
    """None when Discord answers (any status below 500), else what went wrong."""
    timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
            if resp.status < 500:
                return None
            return f"HTTP {resp.status}"
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def wait_for_discord(config: DiscordConfig) -> None:
    """Return once Discord's API answers; log each failed try, back off, and give up with
    DiscordUnreachable after ``config.startup_attempts`` tries."""
    url = f"{discord.http.Route.BASE}/gateway"
    delay = config.startup_backoff_seconds
    attempts = config.startup_attempts
    for attempt in range(1, attempts + 1):
        problem = await _probe(url)
        if problem is None:
            if attempt > 1:
                log.info("Discord is reachable again (try %d of %d)", attempt, attempts)
            return
        if attempt == attempts:
            raise DiscordUnreachable(
                f"could not reach Discord at {_host()} after {attempts} tries ({problem}); "
                "check the network and https://discordstatus.com, then start again"
            )
        log.warning(
            "Discord unreachable at %s (%s): try %d of %d, next in %.1f s",
            _host(),
            problem,
            attempt,
            attempts,
            delay,
        )
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


@contextlib.contextmanager
def discord_failures() -> Iterator[None]:
    """Turn a rejected token or a Discord that stopped answering into an operator error."""
    try:
        yield
    except discord.LoginFailure:
        raise DiscordAuthFailed(REJECTED) from None
    except discord.ConnectionClosed as exc:
        if exc.code == AUTHENTICATION_FAILED:
            raise DiscordAuthFailed(REJECTED) from None
        raise
    except (discord.DiscordServerError, aiohttp.ClientError, OSError) as exc:
        raise DiscordUnreachable(
            f"Discord stopped answering during start-up ({type(exc).__name__}: {exc}); "
            "start again in a minute"
        ) from None
