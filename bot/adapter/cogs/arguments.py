"""``/propose``, ``/rebut``, ``/vote``, ``/persuasive`` and ``/delta``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.cogs.base import Area, argument_choices, rebuttable_choices
from bot.adapter.components import mark_text, vote_text
from bot.adapter.context import channel_id_of
from bot.adapter.patience import committed, reply
from bot.domain.enums import Stance

#: Discord checks these lengths in the client; the configured limit is checked by the service.
TEXT_MAX = 4000
EXPLANATION_MAX = 1000

STANCES = [
    app_commands.Choice(name="For the motion", value="for"),
    app_commands.Choice(name="Against the motion", value="against"),
    app_commands.Choice(name="Undecided", value="undecided"),
]


class ArgumentsCog(Area, commands.Cog):
    """Arguing and voting in the debate of the channel the command is used in."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.guild_only()
    @app_commands.command(name="propose", description="Post a new argument for your side")
    @app_commands.describe(text="Your argument; its kind follows the phase")
    async def propose(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, TEXT_MAX]
    ) -> None:
        argument = await committed(
            interaction,
            self.app.services.arguments.propose(
                self.actor(interaction), channel_id_of(interaction), text
            ),
            public=True,
        )
        await self.runtime.announcer.post_argument(interaction, argument)

    @app_commands.guild_only()
    @app_commands.command(name="rebut", description="Rebut an argument of the other side")
    @app_commands.describe(argument="The argument to rebut (#n)", text="Your rebuttal")
    @app_commands.autocomplete(argument=rebuttable_choices)
    async def rebut(
        self,
        interaction: discord.Interaction,
        argument: int,
        text: app_commands.Range[str, 1, TEXT_MAX],
    ) -> None:
        posted = await committed(
            interaction,
            self.app.services.arguments.rebut(
                self.actor(interaction), channel_id_of(interaction), argument, text
            ),
            public=True,
        )
        await self.runtime.announcer.post_argument(interaction, posted)

    @app_commands.guild_only()
    @app_commands.command(name="vote", description="Your vote on the motion in the current stage")
    @app_commands.describe(stance="Where you stand on the motion")
    @app_commands.choices(stance=STANCES)
    async def vote(
        self, interaction: discord.Interaction, stance: app_commands.Choice[str]
    ) -> None:
        result = await committed(
            interaction,
            self.app.services.votes.vote(
                self.actor(interaction), channel_id_of(interaction), Stance(stance.value)
            ),
        )
        await reply(interaction, vote_text(result.stance, result.previous, result.stage))

    @app_commands.guild_only()
    @app_commands.command(
        name="persuasive", description="Toggle your persuasive mark on an argument"
    )
    @app_commands.describe(argument="The argument (#n)")
    @app_commands.autocomplete(argument=argument_choices)
    async def persuasive(self, interaction: discord.Interaction, argument: int) -> None:
        result = await committed(
            interaction,
            self.app.services.votes.toggle_persuasive(
                self.actor(interaction), channel_id_of(interaction), argument
            ),
        )
        await reply(interaction, mark_text(result.number, result.marked, result.count))

    @app_commands.guild_only()
    @app_commands.command(name="delta", description="Credit the argument that changed your mind")
    @app_commands.describe(
        argument="The argument that changed your mind (#n)",
        explanation="What changed your mind (at least 20 characters)",
    )
    @app_commands.autocomplete(argument=argument_choices)
    async def delta(
        self,
        interaction: discord.Interaction,
        argument: int,
        explanation: app_commands.Range[str, 1, EXPLANATION_MAX],
    ) -> None:
        result = await committed(
            interaction,
            self.app.services.votes.credit_mind_change(
                self.actor(interaction), channel_id_of(interaction), argument, explanation
            ),
        )
        await reply(interaction, f"You credited #{result.number} with changing your mind.")
