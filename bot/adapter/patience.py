"""Answer within Discord's 3-second window even when a write queues behind a burst.

Most writes commit in milliseconds and are answered with one response. A write that has not
committed by ``DEFER_AT`` seconds after Discord created the interaction is deferred first
(which says nothing about success) and answered once it is committed. Deferring earlier
would only add requests while the bot is busiest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

T = TypeVar("T")

#: Seconds after the interaction's creation at which a pending write is deferred.
DEFER_AT = 2.0


#: ``Interaction.extras`` key set when the deferral is public (see :func:`committed`).
PUBLIC_DEFERRAL = "debate_bot_public_deferral"


async def committed(
    interaction: discord.Interaction,
    work: Awaitable[T],
    *,
    update: bool = False,
    public: bool = False,
) -> T:
    """The result of ``work``, deferring the interaction (ephemerally) if it runs late;
    ``update`` defers the edit of the component's message instead (see :func:`edit`), and
    ``public`` a message everyone sees (an argument card, then its one follow-up). A refusal
    after a public deferral must not take its place: see ``errors.reply_error``.

    A timer, not a task per call: this sits on the vote path, where the event loop is the
    bottleneck during a burst.
    """
    loop = asyncio.get_running_loop()
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    deferring: list[asyncio.Task[object]] = []

    def late() -> None:
        if not interaction.response.is_done():
            response = interaction.response
            if update:
                later = response.defer()
            else:
                later = response.defer(ephemeral=not public, thinking=True)
                interaction.extras[PUBLIC_DEFERRAL] = public
            deferring.append(loop.create_task(later))

    timer = loop.call_later(min(max(DEFER_AT - age, 0.0), DEFER_AT), late)
    try:
        return await work
    finally:
        timer.cancel()
        if deferring:  # the deferral must land before the answer goes out
            await asyncio.gather(*deferring, return_exceptions=True)


async def reply(interaction: discord.Interaction, text: str, **options: Any) -> None:
    """An ephemeral answer, as a response or, after a deferral, as the follow-up; ``options``
    (``allowed_mentions``) go with either."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **options)
    else:
        await interaction.response.send_message(text, ephemeral=True, **options)


async def answer_embed(
    interaction: discord.Interaction, embed: discord.Embed, *, ephemeral: bool
) -> None:
    """An embed answer (mentions disabled), as a response or, after a deferral (see
    :func:`committed`), as the follow-up that takes the "thinking" message's place."""
    none = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=ephemeral, allowed_mentions=none)
    else:
        await interaction.response.send_message(
            embed=embed, ephemeral=ephemeral, allowed_mentions=none
        )


async def edit(interaction: discord.Interaction, text: str) -> None:
    """Replace the component's message with ``text``, after a deferral as an edit of it."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=text, view=None)
    else:
        await interaction.response.edit_message(content=text, view=None)
