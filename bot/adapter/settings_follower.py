"""What a process does to follow the servers' settings: pick up changes other processes made
(one indexed query every :data:`REFRESH_SECONDS`), and post each committed audit event of a
server with ``moderation.log_channel`` in that channel."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.adapter import render
from bot.adapter.announce import Announcer
from bot.app import App
from bot.domain.errors import DatabaseUnavailable
from bot.services.views import AuditEntry

log = logging.getLogger("bot.adapter.settings")

#: How often a process looks for settings changed by another one. A change reaches every
#: process within this plus one query (the issue asks for 5 seconds).
REFRESH_SECONDS = 2.0


class SettingsFollower:
    """Keeps this process's copy of the servers' settings fresh; feeds the log channels."""

    def __init__(self, client: discord.Client, app: App, announcer: Announcer) -> None:
        self.client = client
        self.app = app
        self.announcer = announcer
        self._task: asyncio.Task[None] | None = None
        app.services.audit_feed.subscribe(self.audited)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="settings")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                changed = await self.app.services.guild_settings.refresh()
            except asyncio.CancelledError:
                raise
            except DatabaseUnavailable:  # logged once per outage
                continue
            except Exception:
                log.exception("could not look for changed server settings; retrying")
                continue
            if changed:
                log.info("picked up the settings of %d server(s) changed elsewhere", changed)

    def audited(self, entry: AuditEntry) -> None:
        """A committed audit event: post it in its server's log channel, if it has one."""
        channel_id = self.app.settings_for(entry.guild_id).moderation.log_channel
        if channel_id is None:
            return
        self.announcer.spawn(self.post(entry, channel_id))

    async def post(self, entry: AuditEntry, channel_id: int) -> None:
        channel = self.client.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        if channel is None or guild is None or guild.id != entry.guild_id:
            # Checked when the admin set it; the channel may have gone since. Never post a
            # server's events anywhere but in that server.
            log.warning(
                "guild %s: log channel %s is not one of its channels", entry.guild_id, channel_id
            )
            return
        try:
            await self.announcer.channel(channel_id, entry.guild_id).send(
                render.audit_line(entry), allowed_mentions=render.NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("guild %s: could not post in the log channel: %s", entry.guild_id, exc)
