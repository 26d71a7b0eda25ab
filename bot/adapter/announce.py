"""Posting to debate threads: argument cards, phase changes, results, notices, card edits.

Used by the commands, the buttons and the deadline loop alike, so a phase change looks the
same whoever caused it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord

from bot.adapter import render
from bot.adapter.components import argument_view, card_view
from bot.adapter.patience import PUBLIC_DEFERRAL
from bot.services import Services
from bot.services.views import ArgumentView, DebateView, PhaseChange

log = logging.getLogger("bot.adapter.announce")

#: Called after a phase change is announced, to post its summary in the background.
SummaryHook = Callable[[PhaseChange], Coroutine[Any, Any, None]]


class Announcer:
    """Sends what the community sees; never pings anyone through user text."""

    def __init__(self, client: discord.Client, services: Services) -> None:
        self.client = client
        self.services = services
        self.summary_hook: SummaryHook | None = None
        #: Called (and waited for) after a debate's closing is announced: the series driver.
        self.closed_hook: SummaryHook | None = None
        self._background: set[asyncio.Task[None]] = set()

    def channel(self, channel_id: int, guild_id: int | None = None) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_argument(self, interaction: discord.Interaction, argument: ArgumentView) -> None:
        """Answer the interaction with the public argument card (after a public deferral, as
        the follow-up that replaces it), then remember its message."""
        card = render.argument_card(argument)
        view = argument_view(argument.debate_id, argument.number)
        message_id: int | None
        if interaction.response.is_done():
            message = await interaction.followup.send(
                embed=card, view=view, allowed_mentions=render.NO_MENTIONS, wait=True
            )
            # The card answered the deferral: a later error must not take it down.
            interaction.extras[PUBLIC_DEFERRAL] = False
            message_id = message.id
        else:
            response = await interaction.response.send_message(
                embed=card, view=view, allowed_mentions=render.NO_MENTIONS
            )
            message_id = response.message_id
        if message_id is not None and interaction.guild_id is not None:
            await self.services.arguments.set_message(
                interaction.guild_id, argument.debate_id, argument.number, message_id
            )

    async def refresh_argument(self, channel_id: int, argument: ArgumentView) -> None:
        """Edit an argument's card after a moderator removed or restored it."""
        if argument.message_id is None:
            return
        message = self.channel(channel_id).get_partial_message(argument.message_id)
        removed = argument.status.value == "removed"
        try:
            await message.edit(
                embed=render.argument_card(argument),
                view=argument_view(argument.debate_id, argument.number, removed=removed),
                allowed_mentions=render.NO_MENTIONS,
            )
        except discord.HTTPException as exc:
            log.warning("could not edit the card of #%s: %s", argument.number, exc)

    async def refresh_card(self, debate: DebateView) -> None:
        """Show the current phase and deadline on the motion card."""
        if debate.card_message_id is None:
            return
        where = debate.parent_channel_id or debate.channel_id
        message = self.channel(where, debate.guild_id).get_partial_message(debate.card_message_id)
        view = card_view(debate.id) if debate.is_open else discord.ui.View()
        try:
            await message.edit(embed=render.motion_card(debate), view=view)
        except discord.HTTPException as exc:
            log.warning("could not update the motion card of debate %s: %s", debate.id, exc)

    async def phase_changed(self, change: PhaseChange) -> None:
        """Announce a committed phase change in the debate's thread, with results at the end."""
        debate = change.debate
        embeds = [render.phase_announcement(change)]
        if change.results is not None:
            embeds.append(render.results_embed(change.results))
        try:
            await self.channel(debate.channel_id, debate.guild_id).send(
                embeds=embeds, allowed_mentions=render.NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("could not announce the phase of debate %s: %s", debate.id, exc)
        await self.refresh_card(debate)
        if self.summary_hook is not None:
            self.spawn(self.summary_hook(change))
        if change.ended and self.closed_hook is not None:
            try:
                await self.closed_hook(change)
            except Exception:
                log.exception("after closing debate %s", debate.id)

    async def notice(self, debate: DebateView, text: str, *, mention: int | None = None) -> None:
        """A public moderation notice in the debate's thread."""
        allowed = (
            discord.AllowedMentions(users=[discord.Object(mention)], roles=False, everyone=False)
            if mention
            else render.NO_MENTIONS
        )
        try:
            await self.channel(debate.channel_id, debate.guild_id).send(
                embed=render.notice(text), allowed_mentions=allowed
            )
        except discord.HTTPException as exc:
            log.warning("could not post a notice in debate %s: %s", debate.id, exc)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run ``coroutine`` in the background, keeping a reference and logging failures."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background announcement failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for background posts (summaries) to finish; used at shutdown and in tests."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
