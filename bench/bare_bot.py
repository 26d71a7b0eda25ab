"""The ceiling for any discord.py bot on this machine: ``/vote``, ``/persuasive`` and
``/propose`` that only acknowledge.

Run by ``bench/votes.py`` as shard SHARD_ID of SHARD_COUNT against the emulator, with the
same command shapes as the debate bot's, synced to one guild.
"""

from __future__ import annotations

import asyncio
import os
import sys

import discord
import yarl
from discord import app_commands

STANCES = [
    app_commands.Choice(name="For the motion", value="for"),
    app_commands.Choice(name="Against the motion", value="against"),
    app_commands.Choice(name="Undecided", value="undecided"),
]


async def main() -> None:
    api, gateway, guild_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shard_id, shard_count = int(sys.argv[4]), int(sys.argv[5])
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, shard_id=shard_id, shard_count=shard_count)
    tree = app_commands.CommandTree(client)
    guild = discord.Object(guild_id)

    @tree.command(name="vote", description="Your vote on the motion", guild=guild)
    @app_commands.describe(stance="Where you stand on the motion")
    @app_commands.choices(stance=STANCES)
    async def vote(interaction: discord.Interaction, stance: app_commands.Choice[str]) -> None:
        await interaction.response.send_message(
            f"Your vote is recorded: {stance.name}.", ephemeral=True
        )

    @tree.command(name="persuasive", description="Toggle your persuasive mark", guild=guild)
    @app_commands.describe(argument="The argument (#n)")
    async def persuasive(interaction: discord.Interaction, argument: int) -> None:
        await interaction.response.send_message(
            f"You marked #{argument} persuasive.", ephemeral=True
        )

    @tree.command(name="propose", description="Post a new argument for your side", guild=guild)
    @app_commands.describe(text="Your argument")
    async def propose(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text)

    async def setup_hook() -> None:
        await tree.sync(guild=guild)

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
