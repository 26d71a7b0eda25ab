"""Every server's effective settings, in memory: reading them costs no query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import config_keys
from bot.config import Settings


class GuildConfigs:
    """The effective settings of every server this process has seen, kept in memory."""

    def __init__(self, base: Settings) -> None:
        self.base = base
        self.cursor = 0
        self._revisions: dict[int, int] = {}
        self._overrides: dict[int, dict[str, Any]] = {}
        self._effective: dict[int, Settings] = {}

    def get(self, guild_id: int | None) -> Settings:
        """The settings that apply in ``guild_id``: its own values over the operator's."""
        if guild_id is None:
            return self.base
        return self._effective.get(guild_id, self.base)

    def overrides(self, guild_id: int) -> dict[str, Any]:
        """The server's own values, by dotted key."""
        return dict(self._overrides.get(guild_id, {}))

    def put(self, guild_id: int, revision: int, overrides: Mapping[str, Any]) -> None:
        """Take a stored revision of a server's values, unless a newer one is known."""
        if self._revisions.get(guild_id, -1) >= revision:
            return
        self._revisions[guild_id] = revision
        self._overrides[guild_id] = dict(overrides)
        if overrides:
            self._effective[guild_id] = config_keys.apply_leniently(self.base, overrides)
        else:
            self._effective.pop(guild_id, None)
