"""The emulator's data model: the Python API for building a guild and reading back messages."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import EmulatorError
from .limits import DEFAULT_ATTACHMENT_SIZE_LIMIT
from .state import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    PUBLIC_THREAD,
    TEXT_CHANNEL,
    ChannelState,
    GuildState,
    MemberState,
    RoleState,
    SnowflakeFactory,
    UserState,
    iso,
)


@dataclass
class RecordedRequest:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, int]]
    time: float
    status: int = 0


@dataclass
class Violation:
    """A broken Discord rule: what was sent, where, and why it was refused."""

    kind: str
    method: str
    path: str
    problems: list[tuple[str, str]]
    body: Any = None
    time: float = field(default_factory=time.monotonic)


class World:
    """Guilds, channels, members, messages and registered commands."""

    def __init__(
        self,
        app_id: int | None = None,
        bot_user_id: int | None = None,
        token: str = "test-token",
    ) -> None:
        self.ids = SnowflakeFactory()
        self.app_id: int = app_id or self.ids.next()
        self.token = token
        self.bot_user = UserState(bot_user_id or self.app_id, "DebateBot", bot=True)
        self.bot_permissions: int = DEFAULT_BOT_PERMISSIONS
        self.attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT
        self.users: dict[int, UserState] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, GuildState] = {}
        self._channels: dict[int, ChannelState] = {}
        self._messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self.deleted_messages: list[dict[str, Any]] = []
        self.attachment_data: dict[int, bytes] = {}
        self._commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.unhandled: list[RecordedRequest] = []
        #: How long Discord remembers an enforced message nonce ("the past few minutes").
        self.nonce_window = 300.0
        self._nonces: dict[str, tuple[int, float]] = {}

    # ----- building the world -------------------------------------------------------------

    def add_user(
        self,
        username: str,
        bot: bool = False,
        user_id: int | None = None,
        global_name: str | None = None,
    ) -> UserState:
        """A user that is not (yet) a member of any guild; ``global_name`` is the display
        name chosen for all servers (Discord sends ``null`` when there is none)."""
        user = UserState(user_id or self.ids.next(), username, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str = "Guild", guild_id: int | None = None) -> GuildState:
        """A guild with an @everyone role (id == guild id), an owner and the bot as member."""
        gid = guild_id or self.ids.next()
        if gid in self.guilds:
            raise EmulatorError(f"guild {gid} already exists")
        owner = self.add_user(f"{name.lower().replace(' ', '_')}_owner")
        guild = GuildState(gid, name, owner.id)
        guild.roles[gid] = RoleState(gid, gid, "@everyone", DEFAULT_EVERYONE_PERMISSIONS)
        self.guilds[gid] = guild
        guild.members[owner.id] = MemberState(owner, gid)
        bot_role = RoleState(self.ids.next(), gid, self.bot_user.username, position=1, managed=True)
        bot_role.permissions = self.bot_permissions
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot_user.id] = MemberState(self.bot_user, gid, roles=[bot_role.id])
        return guild

    def guild(self, guild_id: int) -> GuildState:
        """A guild by id (raises EmulatorError when unknown)."""
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise EmulatorError(f"unknown guild {guild_id}") from None

    def add_text_channel(self, guild_id: int, name: str, topic: str | None = None) -> ChannelState:
        """A text channel in a guild."""
        guild = self.guild(guild_id)
        ch = ChannelState(self.ids.next(), guild_id, name, TEXT_CHANNEL, len(guild.channel_ids))
        ch.topic = topic
        self._channels[ch.id] = ch
        self._channel_messages[ch.id] = []
        guild.channel_ids.append(ch.id)
        return ch

    def add_thread(
        self, parent_id: int, name: str, owner_id: int | None = None, thread_id: int | None = None
    ) -> ChannelState:
        """A public thread under a text channel."""
        parent = self.channel_state(parent_id)
        th = ChannelState(thread_id or self.ids.next(), parent.guild_id, name, PUBLIC_THREAD)
        th.parent_id = parent.id
        th.owner_id = owner_id or self.bot_user.id
        th.member_ids.add(th.owner_id)
        self._channels[th.id] = th
        self._channel_messages[th.id] = []
        self.guild(parent.guild_id).channel_ids.append(th.id)
        return th

    def add_role(
        self,
        guild_id: int,
        name: str,
        permissions: int = 0,
        color: int = 0,
        *,
        mentionable: bool = False,
    ) -> RoleState:
        """A role; give it to members with ``add_member(roles=[...])``."""
        guild = self.guild(guild_id)
        role = RoleState(self.ids.next(), guild_id, name, permissions, len(guild.roles), color)
        role.mentionable = mentionable
        guild.roles[role.id] = role
        return role

    def deny_bot_permissions(self, guild_id: int, permissions: int) -> None:
        """Take ``permissions`` (bits) away from the bot in a guild: its REST calls that need
        them get 403 Missing Permissions, and interactions carry the reduced app_permissions."""
        self.member(guild_id, self.bot_user.id).denied_permissions |= permissions

    def add_member(
        self,
        guild_id: int,
        username: str,
        roles: list[int] | None = None,
        permissions: int | None = None,
        joined_at: str | None = None,
        user_id: int | None = None,
        nick: str | None = None,
        global_name: str | None = None,
    ) -> MemberState:
        """A member (new user, or an existing ``user_id``); ``permissions`` adds extra bits;
        ``nick`` is the server nickname, ``global_name`` the user's display name."""
        guild = self.guild(guild_id)
        user = self.users.get(user_id) if user_id else None
        if user is None:
            user = self.add_user(username, user_id=user_id, global_name=global_name)
        for rid in roles or []:
            if rid not in guild.roles:
                raise EmulatorError(f"role {rid} is not in guild {guild_id}")
        member = MemberState(user, guild_id, list(roles or []), permissions or 0, nick=nick)
        if joined_at:
            member.joined_at = joined_at
        guild.members[user.id] = member
        return member

    def member(self, guild_id: int, user_id: int) -> MemberState:
        """A member by guild and user id."""
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise EmulatorError(f"user {user_id} is not a member of guild {guild_id}") from None

    def channel_state(self, channel_id: int) -> ChannelState:
        """The mutable channel record (raises EmulatorError when unknown)."""
        try:
            return self._channels[channel_id]
        except KeyError:
            raise EmulatorError(f"unknown channel {channel_id}") from None

    # ----- reading back ----------------------------------------------------------------------

    def channel(self, channel_id: int) -> dict[str, Any]:
        """A channel or thread as Discord would return it."""
        return self.channel_state(channel_id).to_dict(me=self.bot_user.id)

    def threads(self, parent_channel_id: int) -> list[dict[str, Any]]:
        """Threads under a channel, oldest first."""
        return [
            c.to_dict(me=self.bot_user.id)
            for c in self._channels.values()
            if c.parent_id == parent_channel_id and c.is_thread
        ]

    def messages(self, channel_id: int, include_ephemeral: bool = True) -> list[dict[str, Any]]:
        """Messages in a channel or thread, oldest first, current state after edits."""
        self.channel_state(channel_id)
        out = [copy.deepcopy(self._messages[m]) for m in self._channel_messages[channel_id]]
        if not include_ephemeral:
            out = [m for m in out if not m.get("flags", 0) & 64]
        return out

    def message(self, message_id: int) -> dict[str, Any] | None:
        """One message's current state (None when unknown or deleted)."""
        msg = self._messages.get(message_id)
        return copy.deepcopy(msg) if msg is not None else None

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands the bot registered, globally (None) or for one guild."""
        return copy.deepcopy(self._commands.get(guild_id, []))

    def clear_requests(self) -> None:
        """Forget the request log (violations and unhandled routes are kept)."""
        self.requests.clear()

    # ----- internal helpers used by REST and interactions ------------------------------------

    def store_message(self, msg: dict[str, Any]) -> None:
        """Add a new message to its channel."""
        mid, cid = int(msg["id"]), int(msg["channel_id"])
        self._messages[mid] = msg
        self._channel_messages.setdefault(cid, []).append(mid)
        ch = self._channels.get(cid)
        if ch is not None:
            ch.last_message_id = mid
            if ch.is_thread:
                ch.message_count += 1

    def remember_nonce(self, nonce: str, message_id: int) -> None:
        """Keep an enforced nonce, so a repeated create returns this message."""
        self._nonces[nonce] = (message_id, time.monotonic())

    def message_for_nonce(self, nonce: str) -> int | None:
        """The message created with this enforced nonce within :attr:`nonce_window`."""
        seen = self._nonces.get(nonce)
        if seen is None or time.monotonic() - seen[1] > self.nonce_window:
            return None
        return seen[0]

    def raw_message(self, message_id: int) -> dict[str, Any]:
        """The stored (mutable) message, or EmulatorError."""
        try:
            return self._messages[message_id]
        except KeyError:
            raise EmulatorError(f"unknown message {message_id}") from None

    def delete_message(self, message_id: int) -> None:
        """Remove a message (kept in ``deleted_messages``)."""
        msg = self._messages.pop(message_id, None)
        if msg is None:
            return
        ids = self._channel_messages.get(int(msg["channel_id"]), [])
        if message_id in ids:
            ids.remove(message_id)
        self.deleted_messages.append(msg)

    def set_commands(self, guild_id: int | None, payload: list[dict[str, Any]]) -> list[dict]:
        """Bulk-overwrite commands for a scope, keeping ids of commands that stay."""
        old = {(c["name"], c.get("type", 1)): c for c in self._commands.get(guild_id, [])}
        stored: list[dict[str, Any]] = []
        for cmd in payload:
            key = (cmd["name"], cmd.get("type", 1))
            prev = old.get(key)
            item = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "name_localizations": None,
                "description_localizations": None,
                "integration_types": [0],
                "contexts": None,
                **copy.deepcopy(cmd),
            }
            item["id"] = prev["id"] if prev else str(self.ids.next())
            item["application_id"] = str(self.app_id)
            item["version"] = str(self.ids.next())
            if guild_id is not None:
                item["guild_id"] = str(guild_id)
            stored.append(item)
        self._commands[guild_id] = stored
        self.command_syncs.append((guild_id, copy.deepcopy(payload)))
        return copy.deepcopy(stored)

    def find_command(self, guild_id: int | None, name: str) -> dict[str, Any] | None:
        """A chat-input command by name: guild scope first, then global."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        return None

    def new_timestamp(self) -> str:
        """Now, ISO formatted."""
        return iso()
