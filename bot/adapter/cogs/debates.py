"""``/debate``: start, join, leave, status, next, extend, end, summary, export, list,
leaderboard."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import permissions, render
from bot.adapter.cogs.base import Area, motion_choices
from bot.adapter.cogs.series import series_choices
from bot.adapter.components import card_view, joined_text
from bot.adapter.context import channel_id_of
from bot.adapter.leaderboard_render import leaderboard_embed
from bot.adapter.limits import THREAD_NAME, one_line
from bot.adapter.opening import announce_debate
from bot.adapter.patience import answer_embed, committed, reply
from bot.domain import errors
from bot.domain.enums import Side
from bot.services.base import require_moderator
from bot.services.leaderboard import Scope

log = logging.getLogger("bot.adapter.debates")

FORMATS = [
    app_commands.Choice(
        name="Oxford (vote, openings, floor, closings, vote again)", value="oxford"
    ),
    app_commands.Choice(name="Open floor (anyone argues, one running vote)", value="open"),
]
SIDES = [
    app_commands.Choice(name="For the motion", value="for"),
    app_commands.Choice(name="Against the motion", value="against"),
    app_commands.Choice(name="Audience (vote and mark, don't argue)", value="audience"),
]
EXPORT_FORMATS = [
    app_commands.Choice(name="Markdown transcript", value="markdown"),
    app_commands.Choice(name="HTML page (self-contained)", value="html"),
    app_commands.Choice(name="JSON (everything)", value="json"),
    app_commands.Choice(name="CSV files (zipped)", value="csv"),
    app_commands.Choice(name="Argdown argument map", value="argdown"),
]
SCOPES = [
    app_commands.Choice(name="This server's debates", value="server"),
    app_commands.Choice(name="A series' debates (this channel's, else the latest)", value="series"),
]


@app_commands.guild_only()
class DebatesCog(Area, commands.GroupCog, group_name="debate", group_description="Run a debate"):
    """The life of a debate."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Start a debate on a motion (moderators)")
    @app_commands.describe(
        motion="The motion to debate: type words of it to search",
        format="How the debate runs (default from the configuration)",
    )
    @app_commands.autocomplete(motion=motion_choices)
    @app_commands.choices(format=FORMATS)
    async def start(
        self,
        interaction: discord.Interaction,
        motion: str,
        format: app_commands.Choice[str] | None = None,
    ) -> None:
        actor = self.actor(interaction)
        services = self.app.services
        settings = self.app.settings_for(actor.guild_id)
        channel = interaction.channel
        fmt_name = format.value if format else None
        in_thread = isinstance(channel, discord.Thread)
        use_thread = settings.debates.use_threads and not in_thread
        await services.debates.check_can_start(
            actor,
            channel_id_of(interaction),
            motion,
            fmt_name,
            parent_channel_id=channel.parent_id if isinstance(channel, discord.Thread) else None,
        )
        permissions.require(interaction, permissions.for_debate(in_thread, use_thread))
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not use_thread:
            debate = await services.debates.start(
                actor,
                channel_id=channel_id_of(interaction),
                motion_ref=motion,
                format_name=fmt_name,
            )
            target = self.runtime.announcer.channel(debate.channel_id, debate.guild_id)
            card = await target.send(embed=render.motion_card(debate), view=card_view(debate.id))
            await services.debates.set_card_message(debate.guild_id, debate.id, card.id)
            why = await announce_debate(interaction, target, debate)
            await interaction.followup.send(
                f"Debate #{debate.id} started here. Members join with the buttons on the card."
                + why,
                ephemeral=True,
            )
            return
        if not isinstance(channel, discord.TextChannel):
            raise errors.Refusal(
                "Debates start in a text channel (or in a thread). Use /debate start there."
            )
        motion_view = await services.motions.get(actor.guild_id, motion)
        card = await channel.send(
            embed=discord.Embed(title="Starting a debate…", description=motion_view.text),
            allowed_mentions=render.NO_MENTIONS,
        )
        try:
            thread = await card.create_thread(
                name=one_line(f"Debate: {motion_view.text}", THREAD_NAME),
                auto_archive_duration=settings.debates.thread_auto_archive_minutes,
            )
        except discord.HTTPException:
            await card.delete()
            raise
        try:
            debate = await services.debates.start(
                actor,
                channel_id=thread.id,
                motion_ref=motion,
                format_name=fmt_name,
                parent_channel_id=channel.id,
                card_message_id=card.id,
            )
        except Exception:
            await card.delete()
            raise
        await card.edit(embed=render.motion_card(debate), view=card_view(debate.id))
        await thread.send(
            f"Debate #{debate.id} runs in this thread. Use /propose, /rebut, /vote and "
            "/debate status here.",
            allowed_mentions=render.NO_MENTIONS,
        )
        why = await announce_debate(interaction, channel, debate, thread)
        await interaction.followup.send(
            f"Debate #{debate.id} started in {thread.mention}." + why, ephemeral=True
        )

    @app_commands.command(name="join", description="Join a side of this debate, or switch sides")
    @app_commands.describe(side="The side to join")
    @app_commands.choices(side=SIDES)
    async def join(self, interaction: discord.Interaction, side: app_commands.Choice[str]) -> None:
        result = await committed(
            interaction,
            self.app.services.debates.join(
                self.actor(interaction), channel_id_of(interaction), Side(side.value)
            ),
        )
        await reply(interaction, joined_text(result.side, result.previous))

    @app_commands.command(name="leave", description="Leave this debate")
    async def leave(self, interaction: discord.Interaction) -> None:
        await committed(
            interaction,
            self.app.services.debates.leave(self.actor(interaction), channel_id_of(interaction)),
        )
        await reply(interaction, "You left the debate. Your arguments stay in the record.")

    @app_commands.command(name="status", description="Phase, time left, sides and counts")
    async def status(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        status = await self.app.services.debates.status(
            interaction.guild_id, channel_id_of(interaction)
        )
        await interaction.response.send_message(
            embed=render.status_embed(status), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(
        name="next", description="Close this phase and open the next (moderators)"
    )
    async def next(self, interaction: discord.Interaction) -> None:
        change = await committed(
            interaction,
            self.app.services.debates.next_phase(
                self.actor(interaction), channel_id_of(interaction)
            ),
        )
        await reply(interaction, f"Moved to {change.debate.phase_title}.")
        await self.runtime.announcer.phase_changed(change)

    @app_commands.command(name="extend", description="Extend this phase's deadline (moderators)")
    @app_commands.describe(minutes="How many minutes to add")
    async def extend(
        self, interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 10080]
    ) -> None:
        debate = await committed(
            interaction,
            self.app.services.debates.extend(
                self.actor(interaction), channel_id_of(interaction), minutes
            ),
        )
        await reply(
            interaction, f"{debate.phase_title} now ends {render.when(debate.phase_deadline)}."
        )
        self.runtime.deadlines.wake()

    @app_commands.command(
        name="end", description="Close the debate now and post the results (moderators)"
    )
    async def end(self, interaction: discord.Interaction) -> None:
        change = await committed(
            interaction,
            self.app.services.debates.end(self.actor(interaction), channel_id_of(interaction)),
        )
        await reply(interaction, "The debate is closed.")
        await self.runtime.announcer.phase_changed(change)

    @app_commands.command(name="summary", description="The current summary of this debate")
    async def summary(self, interaction: discord.Interaction) -> None:
        actor = self.actor(interaction)
        # Reading a large debate's facts (or asking the model) may outlast Discord's window.
        embed = await committed(
            interaction,
            self.runtime.summary_embed(actor.guild_id, channel_id_of(interaction)),
            public=actor.is_moderator,
        )
        await answer_embed(interaction, embed, ephemeral=not actor.is_moderator)

    @app_commands.command(name="export", description="The full transcript as a file (moderators)")
    @app_commands.describe(
        format="File format of the transcript",
        include_removed="Argdown map: show removed arguments, marked removed (never their text)",
    )
    @app_commands.choices(format=EXPORT_FORMATS)
    async def export(
        self,
        interaction: discord.Interaction,
        format: app_commands.Choice[str],
        include_removed: bool = False,
    ) -> None:
        actor = self.actor(interaction)
        require_moderator(actor)
        await interaction.response.defer(ephemeral=True, thinking=True)
        exported = await self.app.services.exports.for_discord(
            actor,
            None,
            channel_id_of(interaction),
            format.value,
            interaction.filesize_limit,
            show_removed=include_removed,
        )
        await interaction.followup.send(
            f"Transcript of debate #{exported.debate_id} ({format.name}).",
            file=discord.File(io.BytesIO(exported.data), filename=exported.filename),
            ephemeral=True,
        )

    @app_commands.command(name="list", description="Open and recent debates in this server")
    async def list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        debates = await self.app.services.debates.recent(interaction.guild_id)
        await interaction.response.send_message(
            embed=render.debate_list(debates), ephemeral=True, allowed_mentions=render.NO_MENTIONS
        )

    @app_commands.command(
        name="leaderboard", description="Debaters ranked by the persuasion they earned"
    )
    @app_commands.describe(
        scope="Every debate of this server (default), or the debates of one series",
        series="The series (default: this channel's, else the latest); implies scope:series",
        public="Post it in the channel for everyone (moderators only)",
    )
    @app_commands.choices(scope=SCOPES)
    @app_commands.autocomplete(series=series_choices)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        scope: app_commands.Choice[str] | None = None,
        series: int | None = None,
        public: bool = False,
    ) -> None:
        actor = self.actor(interaction)
        if public and not actor.is_moderator:
            raise errors.LeaderboardNotPublic()
        board = await committed(
            interaction,
            self.app.services.leaderboard.board(
                actor.guild_id,
                channel_id_of(interaction),
                Scope(scope.value) if scope else Scope.SERVER,
                series,
            ),
            public=public,
        )
        embed = leaderboard_embed(board, None if public else actor.user_id)
        await answer_embed(interaction, embed, ephemeral=not public)
