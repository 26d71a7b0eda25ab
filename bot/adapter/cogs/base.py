"""What the cogs share: access to the services and the actor of an interaction."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot.adapter.context import actor_from
from bot.adapter.limits import CHOICE_NAME, CHOICES, one_line
from bot.domain.errors import DatabaseUnavailable
from bot.services.views import Actor

if TYPE_CHECKING:
    from bot.adapter.client import DebateBotMixin
    from bot.app import App


class Area:
    """Mixin for cogs: ``self.app``, ``self.runtime`` and ``self.actor(interaction)``."""

    bot: Any

    @property
    def runtime(self) -> DebateBotMixin:
        return cast("DebateBotMixin", self.bot)

    @property
    def app(self) -> App:
        return self.runtime.app

    def actor(self, interaction: discord.Interaction) -> Actor:
        return actor_from(interaction, self.app.settings_for(interaction.guild_id))


C = TypeVar("C", str, int)
Choices = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[C]]]]


def offers_nothing_when_unavailable(choices: Choices[C]) -> Choices[C]:
    """Autocomplete that reads the database offers no choices while it is unavailable:
    the member is told why when they send the command, and the outage is logged once."""

    @functools.wraps(choices)
    async def wrapper(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[C]]:
        try:
            return await choices(interaction, current)
        except DatabaseUnavailable:
            return []

    return wrapper


@offers_nothing_when_unavailable
async def motion_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Motions of this guild (built-in and added) whose text has the typed words."""
    runtime = cast("DebateBotMixin", interaction.client)
    if interaction.guild_id is None:
        return []
    found = await runtime.app.services.motions.search(interaction.guild_id, current, CHOICES)
    return [
        app_commands.Choice(name=one_line(f"{m.id} · {m.text}", CHOICE_NAME), value=str(m.id))
        for m in found
    ]


async def _argument_choices(
    interaction: discord.Interaction, current: str, *, rebut: bool
) -> list[app_commands.Choice[int]]:
    runtime = cast("DebateBotMixin", interaction.client)
    if interaction.guild_id is None or interaction.channel_id is None:
        return []
    found = await runtime.app.services.arguments.search(
        interaction.guild_id,
        interaction.channel_id,
        current,
        rebutting_user=interaction.user.id if rebut else None,
        limit=CHOICES,
    )
    return [
        app_commands.Choice(
            name=one_line(f"#{a.number} · {a.side.value} · {a.body}", CHOICE_NAME), value=a.number
        )
        for a in found
    ]


@offers_nothing_when_unavailable
async def argument_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """Visible arguments of this debate, by number or words (at most 25)."""
    return await _argument_choices(interaction, current, rebut=False)


@offers_nothing_when_unavailable
async def rebuttable_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """Like :func:`argument_choices`, limited to the other side's arguments."""
    return await _argument_choices(interaction, current, rebut=True)
