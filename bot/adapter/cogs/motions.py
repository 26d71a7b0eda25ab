"""``/motions list``, ``/motions add`` and ``/motions remove``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.cogs.base import Area, motion_choices
from bot.adapter.patience import committed, reply

MOTION_MAX = 300


@app_commands.guild_only()
class MotionsCog(Area, commands.GroupCog, group_name="motions", group_description="Debate motions"):
    """The essay's motions and this server's own."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="list", description="The motions this server can debate")
    async def list(self, interaction: discord.Interaction) -> None:
        motions = await self.app.services.motions.available(interaction.guild_id)
        await interaction.response.send_message(
            embed=render.motion_list(motions), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(name="add", description="Add a motion for this server (moderators)")
    @app_commands.describe(text="The proposition, as one sentence")
    async def add(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, MOTION_MAX]
    ) -> None:
        motion = await committed(
            interaction, self.app.services.motions.add(self.actor(interaction), text)
        )
        await reply(
            interaction,
            f"Added motion `{motion.id}`: {motion.text}",
            allowed_mentions=render.NO_MENTIONS,
        )

    @app_commands.command(
        name="remove", description="Remove one of this server's motions (moderators)"
    )
    @app_commands.describe(motion="The motion to remove")
    @app_commands.autocomplete(motion=motion_choices)
    async def remove(self, interaction: discord.Interaction, motion: str) -> None:
        removed = await committed(
            interaction, self.app.services.motions.remove(self.actor(interaction), motion)
        )
        await reply(
            interaction, f"Removed motion `{removed.id}`. Debates about it keep their record."
        )
