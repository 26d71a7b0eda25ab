"""``/settings``: show, set and reset this server's own settings (admins).

The group carries ``default_permissions`` (Manage Server) so Discord hides it from others,
and every use is checked again at run time. Keys are named as in the YAML file; values are
checked by the configuration's own rules (:mod:`bot.config_keys`), and roles and channels
must belong to this server.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import config_keys
from bot.adapter import render
from bot.adapter.cogs.base import Area
from bot.adapter.errors import RefusedCheck
from bot.adapter.limits import CHOICE_NAME, CHOICES, one_line
from bot.adapter.opening import role_problem
from bot.adapter.patience import committed, reply
from bot.config_keys import Kind
from bot.domain import errors

VALUE_MAX = 1000


async def key_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The keys a server may set whose name or description has the typed letters."""
    typed = current.casefold().strip()
    found = [
        key
        for key in config_keys.guild_keys().values()
        if typed in key.name.casefold() or typed in key.description.casefold()
    ]
    return [
        app_commands.Choice(name=one_line(f"{k.name} · {k.description}", CHOICE_NAME), value=k.name)
        for k in found[:CHOICES]
    ]


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, int)]


def check_in_guild(guild: discord.Guild, key: config_keys.Key, value: Any) -> None:
    """Roles and channels must be this server's own, so nothing leaks between servers."""
    rule = config_keys.rule(key.name)
    if key.kind in (Kind.ROLE, Kind.ROLES):
        if any(guild.get_role(role_id) is None for role_id in _ids(value)):
            raise errors.InvalidSetting(key.name, rule)
    elif key.kind in (Kind.CHANNEL, Kind.CHANNELS):
        for channel_id in _ids(value):
            if not isinstance(guild.get_channel(channel_id), discord.TextChannel):
                raise errors.InvalidSetting(key.name, rule)
        if key.kind is Kind.CHANNEL and value is not None and not _ids(value):
            raise errors.InvalidSetting(key.name, rule)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class SettingsCog(
    Area,
    commands.GroupCog,
    group_name="settings",
    group_description="This server's settings for the debate bot (admins)",
):
    """A server's admins change the bot's settings for their server."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        if not self.actor(interaction).is_admin:
            raise RefusedCheck(errors.NotAdmin())
        return True

    @app_commands.command(name="show", description="Every setting here and where it comes from")
    async def show(self, interaction: discord.Interaction) -> None:
        entries = await self.app.services.guild_settings.show(
            self.actor(interaction), interaction.guild_id or 0
        )
        await interaction.response.send_message(
            embed=render.settings_embed(entries),
            ephemeral=True,
            allowed_mentions=render.NO_MENTIONS,
        )

    @app_commands.command(name="set", description="Change one setting for this server")
    @app_commands.describe(
        key="The setting, named as in the configuration file",
        value="The new value: a number, true/false, a choice, #channels or @roles; none clears",
    )
    @app_commands.autocomplete(key=key_choices)
    async def set(
        self,
        interaction: discord.Interaction,
        key: app_commands.Range[str, 1, 100],
        value: app_commands.Range[str, 1, VALUE_MAX],
    ) -> None:
        actor = self.actor(interaction)
        found = config_keys.guild_key(key)
        assert interaction.guild is not None
        check_in_guild(interaction.guild, found, config_keys.parse_value(found, value))
        change = await committed(
            interaction,
            self.app.services.guild_settings.change(actor, actor.guild_id, found.name, value),
        )
        text = f"`{change.key}` is now {change.after} in this server (it was {change.before})."
        if found.name == "debates.announce_role" and isinstance(change.value, int):
            problem = role_problem(interaction.guild.get_role(change.value))
            if problem is not None:
                text += f"\nNew debates will be announced without a ping for now: {problem}."
        await reply(interaction, text, allowed_mentions=render.NO_MENTIONS)

    @app_commands.command(name="reset", description="Go back to the default for one setting")
    @app_commands.describe(key="The setting, named as in the configuration file")
    @app_commands.autocomplete(key=key_choices)
    async def reset(
        self, interaction: discord.Interaction, key: app_commands.Range[str, 1, 100]
    ) -> None:
        actor = self.actor(interaction)
        change = await committed(
            interaction, self.app.services.guild_settings.reset(actor, actor.guild_id, key)
        )
        await reply(
            interaction,
            f"`{change.key}` is back to the default, {change.after} (it was {change.before}).",
            allowed_mentions=render.NO_MENTIONS,
        )
