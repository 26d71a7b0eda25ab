"""From a Discord interaction to the service layer's :class:`Actor`, and who moderates."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.services.members import MemberNames
from bot.services.views import Actor


def has_role(interaction: discord.Interaction, roles: list[int | str]) -> bool:
    """Whether the member has one of ``roles`` (ids or names, names case-insensitive)."""
    member = interaction.user
    if not roles or not isinstance(member, discord.Member):
        return False
    configured = {str(r).casefold() for r in roles}
    return any(
        str(role.id) in configured or role.name.casefold() in configured for role in member.roles
    )


def is_moderator(interaction: discord.Interaction, settings: Settings) -> bool:
    """Manage Server or Manage Messages, or a moderator role (name or id) of the server's
    settings."""
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.manage_messages or permissions.administrator:
        return True
    return has_role(interaction, settings.moderation.moderator_roles)


def is_admin(interaction: discord.Interaction, settings: Settings) -> bool:
    """Manage Server, or an admin role of the operator's configuration (``/settings``)."""
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    return has_role(interaction, settings.moderation.admin_roles)


def actor_from(interaction: discord.Interaction, settings: Settings) -> Actor:
    """Who is acting, scoped by the guild the interaction came from; ``settings`` are that
    guild's (``App.settings_for``)."""
    if interaction.guild_id is None:
        raise discord.app_commands.NoPrivateMessage()
    member = interaction.user
    joined = member.joined_at if isinstance(member, discord.Member) else None
    return Actor(
        guild_id=interaction.guild_id,
        user_id=member.id,
        is_moderator=is_moderator(interaction, settings),
        joined_guild_at=joined,
        is_admin=is_admin(interaction, settings),
    )


def channel_id_of(interaction: discord.Interaction) -> int:
    """The channel or thread the interaction was used in."""
    assert interaction.channel_id is not None
    return interaction.channel_id


def note_names(members: MemberNames, interaction: discord.Interaction) -> None:
    """Tell ``members`` the names this interaction carries: the member's display name
    (server nickname, else global name, else username) and username, and the names of the
    server, the channel and, in a thread, its parent channel, where Discord gave them."""
    guild_id = interaction.guild_id
    if guild_id is None:
        return
    user = interaction.user
    places: list[tuple[int, str | None]] = []
    guild = interaction.guild
    if guild is not None:
        places.append((guild.id, getattr(guild, "name", None)))
    channel = interaction.channel
    if channel is not None:
        places.append((channel.id, getattr(channel, "name", None)))
        parent = getattr(channel, "parent", None)
        if parent is not None:
            places.append((parent.id, getattr(parent, "name", None)))
    members.seen(guild_id, user.id, user.display_name, user.name, places)
