"""``/series``: debate several propositions of an essay, at once or one after another."""

from __future__ import annotations

import io
from typing import cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import permissions, render
from bot.adapter.cogs.base import Area, offers_nothing_when_unavailable
from bot.adapter.context import channel_id_of
from bot.adapter.limits import CHOICE_NAME, CHOICES, one_line
from bot.adapter.series_render import series_card
from bot.domain import errors
from bot.domain.series import Schedule
from bot.services.base import require_moderator

SCHEDULES = [
    app_commands.Choice(name="Sequence (the next opens when one closes)", value="sequence"),
    app_commands.Choice(name="Parallel (one thread per proposition at once)", value="parallel"),
]
EXPORT_FORMATS = [
    app_commands.Choice(name="Markdown", value="markdown"),
    app_commands.Choice(name="HTML page (self-contained, with swing charts)", value="html"),
    app_commands.Choice(name="JSON (every number)", value="json"),
]
FORMATS = [
    app_commands.Choice(name="Oxford (vote, openings, floor, closings, vote)", value="oxford"),
    app_commands.Choice(name="Open floor (anyone argues, one running vote)", value="open"),
]


@offers_nothing_when_unavailable
async def essay_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Essays this guild may debate (the built-in one and imported ones)."""
    from bot.adapter.client import DebateBotMixin

    runtime = cast("DebateBotMixin", interaction.client)
    if interaction.guild_id is None:
        return []
    found = await runtime.app.services.essays.search(interaction.guild_id, current, CHOICES)
    return [
        app_commands.Choice(
            name=one_line(f"{e.title} ({e.propositions} propositions)", CHOICE_NAME),
            value=str(e.id),
        )
        for e in found
    ]


@offers_nothing_when_unavailable
async def series_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """This guild's series, open ones first."""
    from bot.adapter.client import DebateBotMixin

    runtime = cast("DebateBotMixin", interaction.client)
    if interaction.guild_id is None:
        return []
    choices = []
    for series in await runtime.app.services.series.recent(interaction.guild_id, CHOICES):
        label = f"#{series.id} · {series.status} · {series.essay.title}"
        if current.strip() in label.lower() or not current.strip():
            choices.append(app_commands.Choice(name=one_line(label, CHOICE_NAME), value=series.id))
    return choices


@app_commands.guild_only()
class SeriesCog(
    Area, commands.GroupCog, group_name="series", group_description="Debate an essay's propositions"
):
    """A community works through an essay, one debate per proposition."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Debate several of an essay's propositions")
    @app_commands.describe(
        propositions="all (default), or proposition numbers such as 1,4,7",
        schedule="Open the debates one after another (default) or all at once",
        format="How each debate runs (default from the configuration)",
        essay="The essay (default: the built-in one): type words of its title",
    )
    @app_commands.choices(schedule=SCHEDULES, format=FORMATS)
    @app_commands.autocomplete(essay=essay_choices)
    async def start(
        self,
        interaction: discord.Interaction,
        propositions: app_commands.Range[str, 1, 200] = "all",
        schedule: app_commands.Choice[str] | None = None,
        format: app_commands.Choice[str] | None = None,
        essay: str | None = None,
    ) -> None:
        actor = self.actor(interaction)
        services = self.app.services
        if not isinstance(interaction.channel, discord.TextChannel):
            raise errors.NeedsChannel()
        fmt = format.value if format else None
        await services.series.plan(actor, essay, propositions, fmt)
        permissions.require(interaction, permissions.POSTING + permissions.THREADS)
        await interaction.response.defer(ephemeral=True, thinking=True)
        series = await services.series.start(
            actor,
            channel_id=interaction.channel.id,
            schedule=Schedule(schedule.value if schedule else Schedule.SEQUENCE.value),
            essay_ref=essay,
            propositions=propositions,
            format_name=fmt,
        )
        card = await interaction.channel.send(
            embed=series_card(series), allowed_mentions=render.NO_MENTIONS
        )
        await services.series.set_card_message(series.id, card.id)
        await self.runtime.series.run_pass()
        opened = await services.series.get(actor.guild_id, series.id)
        await interaction.followup.send(
            f"Series #{series.id} started: {len(series.items)} propositions, "
            f"{opened.counts()['open']} debate(s) open now.",
            ephemeral=True,
        )

    @app_commands.command(name="status", description="Where a series stands")
    @app_commands.describe(series="The series (default: this channel's)")
    @app_commands.autocomplete(series=series_choices)
    async def status(self, interaction: discord.Interaction, series: int | None = None) -> None:
        assert interaction.guild_id is not None
        found = await self.app.services.series.for_channel(
            interaction.guild_id, channel_id_of(interaction), series
        )
        await interaction.response.send_message(
            embed=series_card(found), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(
        name="end", description="Close a series' open debates and post its results (moderators)"
    )
    @app_commands.describe(series="The series (default: this channel's)")
    @app_commands.autocomplete(series=series_choices)
    async def end(self, interaction: discord.Interaction, series: int | None = None) -> None:
        actor = self.actor(interaction)
        require_moderator(actor)
        await interaction.response.defer(ephemeral=True, thinking=True)
        ended, still_open = await self.app.services.series.end(
            actor, channel_id_of(interaction), series
        )
        driver = self.runtime.series
        for debate_id, phase_index in still_open:
            await driver.close_debate(actor, actor.guild_id, debate_id, phase_index)
        await driver.finished(await self.app.services.series.get(actor.guild_id, ended.id))
        await interaction.followup.send(
            f"Series #{ended.id} is over: {len(still_open)} open debate(s) closed, results posted.",
            ephemeral=True,
        )

    @app_commands.command(
        name="export", description="The annotated essay of a series as a file (moderators)"
    )
    @app_commands.describe(
        format="File format of the annotated essay", series="The series (default: this channel's)"
    )
    @app_commands.choices(format=EXPORT_FORMATS)
    @app_commands.autocomplete(series=series_choices)
    async def export(
        self,
        interaction: discord.Interaction,
        format: app_commands.Choice[str],
        series: int | None = None,
    ) -> None:
        actor = self.actor(interaction)
        require_moderator(actor)
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await self.app.services.annotated.for_discord(
            actor, channel_id_of(interaction), series, format.value, interaction.filesize_limit
        )
        await interaction.followup.send(
            f"The annotated essay of series #{exported.series_id} ({format.name}).",
            file=discord.File(io.BytesIO(exported.data), filename=exported.filename),
            ephemeral=True,
        )
