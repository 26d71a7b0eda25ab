"""Announcing a debate that opened: the one message in which the bot mentions a role.

With ``debates.announce_role`` set, the announcement mentions that role once, and its
``allowed_mentions`` let exactly that role through (nothing else in the message can ping,
the motion's text included). A role that is gone or not mentionable is not pinged: the
announcement goes out without it and the moderator is told why.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord

from bot.adapter import render
from bot.adapter.limits import EMBED_DESCRIPTION, clip
from bot.services.views import DebateView

if TYPE_CHECKING:
    from bot.adapter.client import DebateBotMixin

log = logging.getLogger("bot.adapter.opening")


def role_problem(role: discord.Role | None) -> str | None:
    """Why the bot will not ping ``role``, or None when it will."""
    if role is None:
        return "the role set in `debates.announce_role` no longer exists in this server"
    if not role.mentionable:
        return (
            f'{role.mention} is not mentionable (turn on "Allow anyone to @mention this role" '
            "in Server Settings → Roles, or choose another role)"
        )
    return None


async def announce_debate(
    interaction: discord.Interaction,
    channel: discord.abc.Messageable,
    debate: DebateView,
    thread: discord.Thread | None = None,
) -> str:
    """Post the announcement if the server has an announce role; returns what the moderator
    should be told about it ("" when all went as configured)."""
    runtime = cast("DebateBotMixin", interaction.client)
    role_id = runtime.app.settings_for(debate.guild_id).debates.announce_role
    if role_id is None:
        return ""
    guild = interaction.guild
    role = guild.get_role(role_id) if guild is not None else None
    problem = role_problem(role)
    where = thread.mention if thread is not None else "this channel"
    text = f"A new debate has opened (#{debate.id}): join it in {where}."
    embed = discord.Embed(
        title="Motion",
        description=clip(debate.motion.text, EMBED_DESCRIPTION),
        colour=discord.Colour.blurple(),
    )
    try:
        if problem is None and role is not None:
            await channel.send(
                f"{role.mention} {text}",
                embed=embed,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[role], replied_user=False
                ),
            )
            return ""
        await channel.send(text, embed=embed, allowed_mentions=render.NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("debate %s: could not post the announcement: %s", debate.id, exc)
        return "\nThe announcement could not be posted (Discord refused it); the debate is open."
    return f"\nThe announcement went out without a ping: {problem}."
