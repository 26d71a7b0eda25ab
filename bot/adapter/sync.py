"""Command sync: push the command tree only when its payload changed since the last sync."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.failures import DiscordForbidden

if TYPE_CHECKING:
    from bot.adapter.client import DebateBotMixin

log = logging.getLogger("bot.adapter.sync")


def command_payload(tree: discord.app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """What a sync sends: the body of Discord's bulk-overwrite of application commands."""
    return [command.to_dict(tree) for command in tree.get_commands()]


def payload_hash(payload: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(bot: DebateBotMixin, *, force: bool = False) -> list[str]:
    """Sync to the configured guilds (globally when none); returns the scopes synced."""
    client: Any = bot
    tree = client.tree
    state = bot.app.services.state
    digest = payload_hash(command_payload(tree))
    guilds = bot.app.settings.discord.guilds
    scopes: list[discord.Object | None] = [discord.Object(g) for g in guilds] or [None]
    synced = []
    for scope in scopes:
        name = f"guild {scope.id}" if scope else "global"
        key = f"command-sync:{client.application_id}:{scope.id if scope else 'global'}"
        if not force and await state.get(key) == digest:
            log.info("commands unchanged since the last sync (%s); not syncing", name)
            continue
        if scope is not None:
            tree.copy_global_to(guild=scope)
        try:
            await tree.sync(guild=scope)
        except discord.Forbidden as exc:
            raise DiscordForbidden(
                f"Discord refused to register the commands ({name}): {exc.status} "
                f"{exc.text or 'Forbidden'} (error code {exc.code}); invite the bot to that "
                "server with the bot and applications.commands scopes, or remove it from "
                "discord.guilds"
                if scope is not None
                else f"Discord refused to register the commands globally: {exc.status} "
                f"{exc.text or 'Forbidden'} (error code {exc.code}); check the application in "
                "the developer portal"
            ) from None
        await state.set(key, digest)
        synced.append(name)
        log.info("synced %d commands (%s)", len(tree.get_commands()), name)
    return synced
