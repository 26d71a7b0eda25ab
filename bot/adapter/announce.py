"""Posting to debate threads: argument cards, phase changes, results, notices, card edits.

Used by the commands, the buttons and the deadline loop alike, so a phase change looks the
same whoever caused it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.adapter import render
from bot.adapter.components import argument_view
from bot.adapter.patience import PUBLIC_DEFERRAL, reply
from bot.services import Services
from bot.services.views import ArgumentView, PhaseChange

if TYPE_CHECKING:
    from bot.adapter.outbox import OutboxDispatcher

log = logging.getLogger("bot.adapter.announce")

#: Called after a debate's closing is committed (the series driver).
SummaryHook = Callable[[PhaseChange], Coroutine[Any, Any, None]]


class Announcer:
    """Sends what the community sees; never pings anyone through user text."""

    def __init__(self, client: discord.Client, services: Services) -> None:
        self.client = client
        self.services = services
        #: Called (and waited for) after a debate's closing is announced: the series driver.
        self.closed_hook: SummaryHook | None = None
        self._background: set[asyncio.Task[None]] = set()
        #: The outbox dispatcher, which holds an argument's card while its answer carries it.
        self.outbox: OutboxDispatcher | None = None

    def channel(self, channel_id: int, guild_id: int | None = None) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_argument(self, interaction: discord.Interaction, argument: ArgumentView) -> None:
        """Answer the interaction with the public argument card (after a public deferral, as
        the follow-up that replaces it), then remember its message and mark the card's
        outbox row delivered: the fast path. If the answer fails, the outbox posts the card.
        """
        card = (argument.debate_id, argument.number)
        outbox = self.outbox
        if outbox is not None and not outbox.hold_card(card):
            # Only after a long stall: the outbox is posting this card itself.
            await reply(interaction, f"Posted #{argument.number}; its card follows here.")
            return
        try:
            try:
                message_id = await self._answer_with_card(interaction, argument)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
                log.warning("the card of #%s did not go with its answer: %s", argument.number, exc)
                message_id = await self._landed_anyway(interaction)
                if message_id is None:  # the outbox posts it, now rather than after the grace
                    await self.services.outbox.retry_card(*card, f"answer failed: {exc}")
                    if outbox is not None:
                        outbox.wake()
                    return
            if message_id is not None and interaction.guild_id is not None:
                await self.services.arguments.set_message(
                    interaction.guild_id, argument.debate_id, argument.number, message_id
                )
                if outbox is not None:
                    outbox.delivered_by_interaction()
        finally:
            if outbox is not None:
                outbox.card_done(card)

    async def _answer_with_card(
        self, interaction: discord.Interaction, argument: ArgumentView
    ) -> int | None:
        card = render.argument_card(argument)
        view = argument_view(argument.debate_id, argument.number)
        if interaction.response.is_done():
            message = await interaction.followup.send(
                embed=card, view=view, allowed_mentions=render.NO_MENTIONS, wait=True
            )
            # The card answered the deferral: a later error must not take it down.
            interaction.extras[PUBLIC_DEFERRAL] = False
            return message.id
        response = await interaction.response.send_message(
            embed=card, view=view, allowed_mentions=render.NO_MENTIONS
        )
        return response.message_id

    @staticmethod
    async def _landed_anyway(interaction: discord.Interaction) -> int | None:
        """After an answer whose outcome is unknown (a timeout): the card's message if the
        answer did land, so the outbox does not post a second one."""
        try:
            message = await interaction.original_response()
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError):
            return None
        if message.flags.ephemeral or not message.embeds:
            return None
        return message.id

    async def phase_changed(self, change: PhaseChange) -> None:
        """After a committed phase change: its announcement, the motion card's edit and the
        summary are outbox rows of the change itself; what is left is the series driver."""
        if change.ended and self.closed_hook is not None:
            try:
                await self.closed_hook(change)
            except Exception:
                log.exception("after closing debate %s", change.debate.id)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run ``coroutine`` in the background, keeping a reference and logging failures."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background announcement failed", exc_info=task.exception())

    async def drain(self, *, outbox: bool = True) -> None:
        """Wait for background posts to finish and (``outbox``) the outbox to deliver what
        is due; used at shutdown and in tests."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        if outbox and self.outbox is not None:
            await self.outbox.settle()
