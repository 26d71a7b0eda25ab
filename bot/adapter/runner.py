"""Starting and stopping the bot process: token, emulator endpoints, signals, exit codes."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
import yarl

from bot import collector
from bot.adapter.client import DebateBot, ShardedDebateBot, make_bot
from bot.adapter.startup import discord_failures, wait_for_discord
from bot.adapter.sync import sync_commands
from bot.app import App
from bot.config import Settings, token_from_env
from bot.event_loop import running_loop_name
from bot.summaries.check import require_prompts

log = logging.getLogger("bot.adapter.runner")

#: How often the idle collector looks whether the bot is quiet.
IDLE_CHECK_SECONDS = 1.0


def point_at_discord(settings: Settings) -> None:
    """Send REST and gateway traffic to the configured endpoints (the emulator), if any."""
    if settings.discord.api_base_url:
        discord.http.Route.BASE = settings.discord.api_base_url.rstrip("/")
    if settings.discord.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)


def parse_shard_ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    return [int(part) for part in text.split(",") if part.strip()]


async def run_bot(
    settings: Settings, *, shard_count: int | None = None, shard_ids: str | None = None
) -> int:
    """Run until SIGINT/SIGTERM.

    A missing token is a ConfigError (exit 2); a rejected one DiscordAuthFailed (5); Discord
    still unreachable after the start-up retries DiscordUnreachable (6).
    """
    token = token_from_env()
    logging.getLogger().setLevel(settings.logging.level)
    collector.tune(settings.performance.gc_young_threshold)
    log.info("event loop: %s", running_loop_name())
    require_prompts(settings)
    point_at_discord(settings)
    app = await App.create(settings)
    bot = make_bot(app, shard_count=shard_count, shard_ids=parse_shard_ids(shard_ids))
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    closing: list[asyncio.Task[None]] = []
    tuning: asyncio.Task[None] | None = None

    def stop() -> None:
        if not stopping.is_set():
            log.info("shutting down")
            stopping.set()
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        async with bot:
            tuning = loop.create_task(
                tune_when_ready(bot, settings.performance.gc_freeze_after_ready)
            )
            with discord_failures():
                await wait_for_discord(settings.discord)
                await bot.start(token)
    finally:
        if tuning is not None:
            tuning.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await app.close()
    return 0


async def tune_when_ready(bot: DebateBot | ShardedDebateBot, freeze: bool) -> None:
    """Once the first READY has filled the caches: freeze the start-up heap (if ``freeze``),
    then collect fully whenever the bot is quiet (see ``bot.collector``)."""
    await bot.wait_until_ready()
    if freeze:
        collector.freeze_startup_heap()
    idle = collector.IdleCollector()
    while True:
        await asyncio.sleep(IDLE_CHECK_SECONDS)
        idle.tick(bot.last_interaction_at)


async def force_sync(settings: Settings) -> int:
    """Log in, push the command tree whatever the stored hash says, and exit."""
    token = token_from_env()
    point_at_discord(settings)
    app = await App.create(settings)
    bot = make_bot(app, sync_on_start=False)
    try:
        async with bot:
            with discord_failures():
                await wait_for_discord(settings.discord)
                await bot.login(token)
                synced = await sync_commands(bot, force=True)
            print("synced: " + (", ".join(synced) or "nothing"))
    finally:
        await app.close()
    return 0
