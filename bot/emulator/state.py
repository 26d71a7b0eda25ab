"""In-memory Discord world: snowflakes, users, guilds, roles, members, channels, messages."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
ATTACH_FILES = 1 << 15
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = 0x1F7FFFFFFFFFFF
DEFAULT_EVERYONE_PERMISSIONS = (
    (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 31)  # use application commands
    | (1 << 35)  # create public threads
    | (1 << 38)  # send messages in threads
)
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | (
    (1 << 13)  # manage messages
    | (1 << 34)  # manage threads
    | (1 << 36)  # create private threads
)

TEXT_CHANNEL = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (10, 11, 12)


class SnowflakeFactory:
    """Monotonic snowflakes: each id gets its own millisecond so ``id >> 22`` always differs."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._counter = 0

    def next(self) -> int:
        """A fresh, strictly increasing snowflake."""
        now = int(time.time() * 1000) - DISCORD_EPOCH_MS
        if now > self._last_ms:
            self._last_ms, self._counter = now, 0
        else:  # same millisecond: the sequence counts up, as Discord's does
            self._counter += 1
            if self._counter > 0xFFF:
                self._last_ms, self._counter = self._last_ms + 1, 0
        return (self._last_ms << 22) | (1 << 17) | self._counter


def iso(moment: dt.datetime | None = None) -> str:
    """ISO-8601 timestamp in UTC as Discord formats it."""
    return (moment or dt.datetime.now(dt.UTC)).isoformat()


def snowflake_time(snowflake: int) -> dt.datetime:
    """Creation time of a snowflake."""
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, dt.UTC)


@dataclass
class UserState:
    """A Discord user."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass
class RoleState:
    """A guild role."""

    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    managed: bool = False
    #: Whether messages may ping the role (Discord's "Allow anyone to @mention this role").
    mentionable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The role object (permissions as a string)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class MemberState:
    """A guild member; ``id`` is the user id."""

    user: UserState
    guild_id: int
    roles: list[int] = field(default_factory=list)
    extra_permissions: int = 0
    #: Bits taken away whatever the roles grant (a channel overwrite's deny, guild-wide).
    denied_permissions: int = 0
    joined_at: str = field(default_factory=iso)
    nick: str | None = None

    @property
    def id(self) -> int:
        """The member's user id."""
        return self.user.id

    def to_dict(self, permissions: int | None = None, with_user: bool = True) -> dict[str, Any]:
        """The member object; ``permissions`` is added for interaction payloads."""
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class ChannelState:
    """A text channel or a thread."""

    id: int
    guild_id: int
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    topic: str | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=iso)
    archive_timestamp: str = field(default_factory=iso)
    message_count: int = 0
    member_ids: set[int] = field(default_factory=set)
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES

    def to_dict(self, me: int | None = None) -> dict[str, Any]:
        """The channel object; ``me`` adds the bot's thread ``member`` when it joined."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "nsfw": False,
        }
        if not self.is_thread:
            data.update(
                position=self.position,
                topic=self.topic,
                permission_overwrites=[],
                default_auto_archive_duration=1440,
            )
            return data
        data.update(
            owner_id=str(self.owner_id) if self.owner_id else None,
            message_count=self.message_count,
            total_message_sent=self.message_count,
            member_count=len(self.member_ids),
            applied_tags=[],
            thread_metadata={
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.archive_timestamp,
                "locked": self.locked,
                "invitable": True,
                "create_timestamp": self.created_at,
            },
        )
        if me is not None and me in self.member_ids:
            data["member"] = {
                "id": str(self.id),
                "user_id": str(me),
                "join_timestamp": self.created_at,
                "flags": 0,
            }
        return data


@dataclass
class GuildState:
    """A guild with its roles, members and channels."""

    id: int
    name: str
    owner_id: int
    created_at: str = field(default_factory=iso)
    roles: dict[int, RoleState] = field(default_factory=dict)
    members: dict[int, MemberState] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)

    def permissions_of(self, member: MemberState) -> int:
        """@everyone + member roles + extra bits; owner and ADMINISTRATOR get everything."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.roles[self.id].permissions if self.id in self.roles else 0
        for rid in member.roles:
            role = self.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        perms |= member.extra_permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms & ~member.denied_permissions

    def shard_id(self, shard_count: int) -> int:
        """The shard this guild belongs to."""
        return (self.id >> 22) % max(1, shard_count)
