"""The command tree: one error handler and the per-member rate limit for every command."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.adapter.errors import reply_error

if TYPE_CHECKING:
    from bot.adapter.client import DebateBotMixin


class DebateTree(app_commands.CommandTree[discord.Client]):
    """Rate-limits commands per member; turns every failure into a clear ephemeral reply."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        bot = cast("DebateBotMixin", self.client)
        bot.check_rate(interaction)
        bot.handling(asyncio.current_task())  # this command's task: closing waits for it
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)
