"""The channel permissions the bot needs, and naming the ones it lacks to the moderator."""

from __future__ import annotations

import logging

import discord

from bot.domain.errors import BotLacksPermissions

log = logging.getLogger("bot.adapter.permissions")

#: discord.py's attribute -> the name Discord's settings show.
NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "create_public_threads": "Create Public Threads",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
}
#: Posting cards and announcements in a channel.
POSTING = ("view_channel", "send_messages", "embed_links", "read_message_history")
#: Running a debate in a thread of its own.
THREADS = ("create_public_threads", "send_messages_in_threads")


def for_debate(in_thread: bool, use_thread: bool) -> tuple[str, ...]:
    """What ``/debate start`` needs: post here, and open a thread unless it runs in place."""
    if in_thread:
        return ("view_channel", "send_messages_in_threads", "embed_links", "read_message_history")
    return POSTING + (THREADS if use_thread else ())


def missing(perms: discord.Permissions, needed: tuple[str, ...] = tuple(NAMES)) -> list[str]:
    """Discord's names for the ``needed`` permissions that ``perms`` lacks."""
    if perms.administrator:
        return []
    return [NAMES[name] for name in needed if not getattr(perms, name)]


def require(interaction: discord.Interaction, needed: tuple[str, ...]) -> None:
    """Refuse (BotLacksPermissions, ephemeral to the member) when the bot lacks one here."""
    lacking = missing(interaction.app_permissions, needed)
    if lacking:
        note_missing(interaction, lacking)
        raise BotLacksPermissions(lacking)


def note_missing(interaction: discord.Interaction, lacking: list[str]) -> None:
    """Log for the operator which permissions are missing where."""
    log.warning(
        "missing permission(s) %s in guild %s, channel %s",
        ", ".join(lacking),
        interaction.guild_id,
        interaction.channel_id,
    )
