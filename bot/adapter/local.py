"""The real bot against the in-process Discord emulator on loopback.

Used by the offline demo, the end-to-end tests and the benchmarks: the same discord.py
client, cogs and services as in production; only the two endpoints point at 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from bot.adapter.client import DebateBot, ShardedDebateBot, make_bot
from bot.adapter.runner import point_at_discord
from bot.app import App
from bot.clock import Clock
from bot.config import Settings
from bot.emulator import DiscordEmulator

MANAGE_MESSAGES = 1 << 13
TOKEN = "emulator-token"


@dataclass
class World:
    """Ids of the seeded guild: a moderator, two debaters a side, an audience."""

    guild: int
    channel: int
    moderator: int
    debaters_for: list[int]
    debaters_against: list[int]
    audience: list[int]
    names: dict[int, str] = field(default_factory=dict)


def seed_world(emu: DiscordEmulator, audience: int = 6, name: str = "Essay Club") -> World:
    """A guild with #debates, a moderator role and named members."""
    guild = emu.add_guild(name)
    channel = emu.add_text_channel(guild.id, "debates")
    mods = emu.add_role(guild.id, "Debate Mods", permissions=MANAGE_MESSAGES)
    names: dict[int, str] = {}

    def add(username: str, roles: list[int] | None = None) -> int:
        member = emu.add_member(guild.id, username, roles=roles)
        names[member.id] = username
        return member.id

    moderator = add("Moana", [mods.id])
    debaters_for = [add("Ada"), add("Ben")]
    debaters_against = [add("Cleo"), add("Dev")]
    listeners = [add(f"Listener{i + 1}") for i in range(audience)]
    return World(guild.id, channel.id, moderator, debaters_for, debaters_against, listeners, names)


class LocalDiscord:
    """An emulator plus the debate bot connected to it, started and stopped together."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.emu = DiscordEmulator(token=TOKEN)
        self.settings = settings
        self.clock = clock
        self.app: App | None = None
        self.bot: DebateBot | ShardedDebateBot | None = None
        self._task: asyncio.Task[None] | None = None

    async def start_emulator(self) -> None:
        await self.emu.start()
        discord_section = self.settings.discord.model_copy(
            update={"api_base_url": self.emu.api_base, "gateway_url": self.emu.gateway_url}
        )
        self.settings = self.settings.model_copy(update={"discord": discord_section})
        point_at_discord(self.settings)

    async def start_bot(self, *, upgrade: bool = True) -> DebateBot | ShardedDebateBot:
        """Open the database, connect a fresh bot, and wait until its guilds are ready."""
        self.app = await App.create(self.settings, clock=self.clock, upgrade=upgrade)
        self.bot = make_bot(self.app)
        await self.bot.login(TOKEN)
        self._task = asyncio.create_task(self.bot.connect(reconnect=False))
        await self.emu.wait_for_ready(timeout=15)
        return self.bot

    async def stop_bot(self) -> None:
        """Close the bot and its database, as a process exit would."""
        if self.bot is not None and not self.bot.is_closed():
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, timeout=5)
        if self.app is not None:
            await self.app.close()
        self.bot, self.app, self._task = None, None, None

    async def start(self) -> None:
        await self.start_emulator()
        await self.start_bot()

    async def stop(self) -> None:
        await self.stop_bot()
        await self.emu.stop()
