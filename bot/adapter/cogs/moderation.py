"""``/mod``: remove, restore, warn, mute, unmute, lock, unlock, log.

The group carries ``default_permissions`` so Discord hides it from members, and every
action is checked again at run time by the services (never trust the client).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import render
from bot.adapter.cogs.base import Area, argument_choices
from bot.adapter.components import audit_view
from bot.adapter.context import channel_id_of
from bot.adapter.errors import RefusedCheck
from bot.adapter.patience import committed, reply
from bot.domain import errors

REASON_MAX = 500


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class ModerationCog(
    Area, commands.GroupCog, group_name="mod", group_description="Moderate debates"
):
    """The moderator's toolkit; everything lands in the audit log."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if not self.actor(interaction).is_moderator:
            raise RefusedCheck(errors.NotModerator())
        return True

    @app_commands.command(name="remove", description="Hide an argument, with a reason")
    @app_commands.describe(
        argument="The argument (#n)", reason="Why it is removed (shown publicly)"
    )
    @app_commands.autocomplete(argument=argument_choices)
    async def remove(
        self,
        interaction: discord.Interaction,
        argument: int,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        result = await committed(
            interaction,
            self.app.services.moderation.remove_argument(
                self.actor(interaction), channel_id_of(interaction), argument, reason
            ),
        )
        assert result.argument is not None and result.debate is not None
        await reply(interaction, f"Removed #{argument}.")

    @app_commands.command(name="restore", description="Show a removed argument again")
    @app_commands.describe(argument="The argument (#n)")
    async def restore(self, interaction: discord.Interaction, argument: int) -> None:
        result = await committed(
            interaction,
            self.app.services.moderation.restore_argument(
                self.actor(interaction), channel_id_of(interaction), argument
            ),
        )
        assert result.argument is not None and result.debate is not None
        await reply(interaction, f"Restored #{argument}.")

    @app_commands.command(name="warn", description="Warn a member, with a reason")
    @app_commands.describe(user="The member to warn", reason="Why (shown to them)")
    async def warn(
        self,
        interaction: discord.Interaction,
        user: discord.Member,
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        result = await committed(
            interaction,
            self.app.services.moderation.warn(
                self.actor(interaction), user.id, reason, channel_id_of(interaction)
            ),
        )
        await reply(
            interaction,
            f"Warned {user.mention} (warning {result.extra['warnings']}).",
            allowed_mentions=render.NO_MENTIONS,
        )

    @app_commands.command(name="mute", description="Mute a member in all debates here for a while")
    @app_commands.describe(
        user="The member to mute", minutes="How long, in minutes", reason="Why (shown to them)"
    )
    async def mute(
        self,
        interaction: discord.Interaction,
        user: discord.Member,
        minutes: app_commands.Range[int, 1, 40320],
        reason: app_commands.Range[str, 1, REASON_MAX],
    ) -> None:
        result = await committed(
            interaction,
            self.app.services.moderation.mute(
                self.actor(interaction), user.id, minutes, reason, channel_id_of(interaction)
            ),
        )
        assert result.mute is not None
        until = render.when(result.mute.until)
        await reply(
            interaction, f"Muted {user.mention} until {until}.", allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(name="unmute", description="Lift a member's mute")
    @app_commands.describe(user="The member to unmute")
    async def unmute(self, interaction: discord.Interaction, user: discord.Member) -> None:
        await committed(
            interaction,
            self.app.services.moderation.unmute(
                self.actor(interaction), user.id, channel_id_of(interaction)
            ),
        )
        await reply(interaction, f"Unmuted {user.mention}.", allowed_mentions=render.NO_MENTIONS)

    @app_commands.command(name="lock", description="Pause submissions in this debate")
    async def lock(self, interaction: discord.Interaction) -> None:
        await self._set_locked(interaction, True)

    @app_commands.command(name="unlock", description="Resume submissions in this debate")
    async def unlock(self, interaction: discord.Interaction) -> None:
        await self._set_locked(interaction, False)

    async def _set_locked(self, interaction: discord.Interaction, locked: bool) -> None:
        result = await committed(
            interaction,
            self.app.services.moderation.set_locked(
                self.actor(interaction), channel_id_of(interaction), locked
            ),
        )
        assert result.debate is not None
        word = "paused" if locked else "resumed"
        await reply(interaction, f"Submissions {word}.")

    @app_commands.command(name="log", description="Recent audit events of this debate (or server)")
    async def log(self, interaction: discord.Interaction) -> None:
        page = await self.app.services.moderation.audit_log(
            self.actor(interaction), channel_id=channel_id_of(interaction)
        )
        debate_id = page.debate_id or 0
        scope = f"debate #{debate_id}" if debate_id else "this server"
        await interaction.response.send_message(
            embed=render.audit_embed(page, scope),
            view=audit_view(debate_id, page.page, page.pages),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )
