"""The ceiling for any discord.py bot on this machine: the debate bot's commands, buttons and
modal, each of which only acknowledges.

Run by ``bench/burst.py`` as shard SHARD_ID of SHARD_COUNT against the emulator, with the
same command shapes as the debate bot's, synced to one guild. ``/card`` posts one message
with the debate bot's button custom ids (motion card and argument card) for the button
bursts; a press or a modal submit is answered by ``on_interaction``.
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
SIDES = [
    app_commands.Choice(name="For the motion", value="for"),
    app_commands.Choice(name="Against the motion", value="against"),
    app_commands.Choice(name="Audience", value="audience"),
]


def card() -> discord.ui.View:
    """The motion card's and an argument card's buttons, custom ids as the debate bot's."""
    view = discord.ui.View(timeout=None)
    for side in ("for", "against", "audience"):
        view.add_item(discord.ui.Button(label=side.title(), custom_id=f"debate:join:1:{side}"))
    view.add_item(discord.ui.Button(label="Vote", custom_id="debate:vote:1"))
    view.add_item(discord.ui.Button(label="Persuasive", custom_id="arg:persuasive:1:1", row=1))
    view.add_item(discord.ui.Button(label="Rebut", custom_id="arg:rebut:1:1", row=1))
    return view


def stance_prompt() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for stance in ("for", "against", "undecided"):
        view.add_item(discord.ui.Button(label=stance, custom_id=f"debate:stance:1:{stance}"))
    return view


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
    debate = app_commands.Group(name="debate", description="Run a debate", guild_ids=[guild_id])
    mod = app_commands.Group(name="mod", description="Moderation", guild_ids=[guild_id])

    async def say(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text, ephemeral=True)

    async def choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{i} · a motion", value=str(i)) for i in range(1, 13)]

    async def arguments(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return [app_commands.Choice(name=f"#{i} · an argument", value=i) for i in range(1, 26)]

    @debate.command(name="start", description="Start a debate")
    @app_commands.autocomplete(motion=choices)
    async def start(interaction: discord.Interaction, motion: str) -> None:
        await say(interaction, "Debate #1 started.")

    @debate.command(name="join", description="Join a side")
    @app_commands.choices(side=SIDES)
    async def join(interaction: discord.Interaction, side: app_commands.Choice[str]) -> None:
        await say(interaction, f"You joined the debate on the **{side.name}** side.")

    @debate.command(name="leave", description="Leave this debate")
    async def leave(interaction: discord.Interaction) -> None:
        await say(interaction, "You left the debate. Your arguments stay in the record.")

    @debate.command(name="status", description="Phase, sides and counts")
    async def status(interaction: discord.Interaction) -> None:
        await say(interaction, "Debate #1 · Open floor")

    @debate.command(name="summary", description="The current summary")
    async def summary(interaction: discord.Interaction) -> None:
        await say(interaction, "Open floor: the summary")

    @debate.command(name="list", description="Open and recent debates")
    async def list_(interaction: discord.Interaction) -> None:
        await say(interaction, "Debates in this server")

    @mod.command(name="log", description="Recent audit events")
    async def log(interaction: discord.Interaction) -> None:
        await say(interaction, "Audit log · debate #1")

    @tree.command(name="vote", description="Your vote on the motion", guild=guild)
    @app_commands.choices(stance=STANCES)
    async def vote(interaction: discord.Interaction, stance: app_commands.Choice[str]) -> None:
        await say(interaction, f"Your vote is recorded: {stance.name}.")

    @tree.command(name="persuasive", description="Toggle your persuasive mark", guild=guild)
    @app_commands.autocomplete(argument=arguments)
    async def persuasive(interaction: discord.Interaction, argument: int) -> None:
        await say(interaction, f"You marked #{argument} persuasive.")

    @tree.command(
        name="delta", description="Credit the argument that changed your mind", guild=guild
    )
    async def delta(interaction: discord.Interaction, argument: int, explanation: str) -> None:
        await say(interaction, f"You credited #{argument} with changing your mind.")

    @tree.command(name="propose", description="Post a new argument for your side", guild=guild)
    async def propose(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text)

    @tree.command(name="rebut", description="Rebut an argument", guild=guild)
    @app_commands.autocomplete(argument=arguments)
    async def rebut(interaction: discord.Interaction, argument: int, text: str) -> None:
        await interaction.response.send_message(text)

    @tree.command(name="card", description="Post the buttons", guild=guild)
    async def post_card(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("The card", view=card())

    tree.add_command(debate)
    tree.add_command(mod)

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        data = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.modal_submit:
            text = "".join(
                str(c.get("value", ""))
                for row in data.get("components", [])
                for c in row.get("components", [])
            )
            await interaction.response.send_message(text)
        elif interaction.type is not discord.InteractionType.component:
            return
        elif custom_id.startswith("debate:join:"):
            await say(interaction, "You joined the debate on the **For** side.")
        elif custom_id.startswith("debate:vote:"):
            await interaction.response.send_message(
                "How do you vote on the motion?", view=stance_prompt(), ephemeral=True
            )
        elif custom_id.startswith("debate:stance:"):
            await interaction.response.edit_message(content="Your vote is recorded.", view=None)
        elif custom_id.startswith("arg:persuasive:"):
            await say(interaction, "You marked #1 persuasive (1 in all).")

    async def setup_hook() -> None:
        await tree.sync(guild=guild)

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
