"""Each server's own settings (``/settings``): stored per guild, cached in every process.

Reading a server's settings costs no query: :class:`GuildConfigs` keeps each server's merged
:class:`Settings` in memory. A change commits first, then replaces the cached entry in the
process that made it; the other processes find it with one indexed query on ``revision``
(:meth:`SettingsService.refresh`, run every couple of seconds by the bot).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot import config_keys
from bot.domain import errors
from bot.domain.enums import AuditAction
from bot.services.base import Service, audit
from bot.services.views import Actor, SettingChange, SettingEntry
from bot.storage.database import lock_until_commit, on_commit
from bot.storage.models import GuildSettings

#: Serializes changes across processes so revisions commit in the order they were given.
REVISION_LOCK = "debate-bot:guild-settings"


def require_admin(actor: Actor) -> None:
    """Settings changes are checked here too, whatever Discord showed the member."""
    if not actor.is_admin:
        raise errors.NotAdmin()


class SettingsService(Service):
    """Show, change and reset a server's settings; every change is audited."""

    async def refresh(self) -> int:
        """Load the servers' values changed since the last look; returns how many changed."""
        configs = self.configs
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(GuildSettings.guild_id, GuildSettings.revision, GuildSettings.overrides)
                    .where(GuildSettings.revision > configs.cursor)
                    .order_by(GuildSettings.revision)
                )
            ).all()
        for guild_id, revision, overrides in rows:
            configs.put(guild_id, revision, json.loads(overrides))
            configs.cursor = max(configs.cursor, revision)
        return len(rows)

    async def show(self, actor: Actor | None, guild_id: int) -> list[SettingEntry]:
        """Every key a server may set, with its effective value and where it comes from."""
        if actor is not None:
            require_admin(actor)
        await self.refresh()
        effective = self.configs.get(guild_id)
        own = self.configs.overrides(guild_id)
        entries = []
        for key in config_keys.guild_keys().values():
            value = config_keys.value_of(effective, key.name)
            entries.append(
                SettingEntry(
                    key.name,
                    key.description,
                    value,
                    config_keys.display(key.name, value),
                    "server" if key.name in own else "default",
                )
            )
        return entries

    async def change(
        self, actor: Actor | None, guild_id: int, key_name: str, text: str
    ) -> SettingChange:
        """Set ``key_name`` to the value typed as ``text`` for ``guild_id`` (``actor`` None is
        the operator, from the command line)."""
        if actor is not None:
            require_admin(actor)
        key = config_keys.guild_key(key_name)
        value = config_keys.parse_value(key, text)
        return await self._write(actor, guild_id, key.name, value, reset=False)

    async def reset(self, actor: Actor | None, guild_id: int, key_name: str) -> SettingChange:
        """Drop the server's value of ``key_name``: the operator's default applies again."""
        if actor is not None:
            require_admin(actor)
        key = config_keys.guild_key(key_name)
        return await self._write(actor, guild_id, key.name, None, reset=True)

    async def _write(
        self, actor: Actor | None, guild_id: int, name: str, value: Any, *, reset: bool
    ) -> SettingChange:
        now = self.now()
        async with self.db.write() as session:
            await lock_until_commit(session, self.db.dialect, REVISION_LOCK)
            row = await session.get(GuildSettings, guild_id)
            current: dict[str, Any] = json.loads(row.overrides) if row else {}
            before = config_keys.value_of(
                config_keys.apply_leniently(self.configs.base, current), name
            )
            proposed = dict(current)
            if reset:
                proposed.pop(name, None)
            else:
                proposed[name] = value
            validated = config_keys.apply(self.configs.base, proposed)
            after = config_keys.value_of(validated, name)
            if not reset:
                proposed[name] = config_keys.canonical(validated, name)
            revision = (
                int(
                    await session.scalar(select(func.coalesce(func.max(GuildSettings.revision), 0)))
                    or 0
                )
                + 1
            )
            await session.execute(self._upsert(guild_id, proposed, revision, actor, now))
            shown_before = config_keys.display(name, before)
            shown_after = config_keys.display(name, after)
            audit(
                session,
                guild_id=guild_id,
                action=AuditAction.SETTING_RESET if reset else AuditAction.SETTING_CHANGED,
                at=now,
                actor_id=actor.user_id if actor else None,
                detail=f"{name}: {shown_before} -> {shown_after}"
                + ("" if actor else " (by the operator)"),
            )
            # Before the audit feed sees the change, so a new log channel gets it too.
            on_commit(session, lambda: self.configs.put(guild_id, revision, proposed))
        return SettingChange(
            guild_id,
            name,
            shown_before,
            shown_after,
            "server" if name in proposed else "default",
            after,
        )

    def _upsert(
        self,
        guild_id: int,
        overrides: dict[str, Any],
        revision: int,
        actor: Actor | None,
        now: Any,
    ) -> Any:
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        values = {
            "guild_id": guild_id,
            "overrides": json.dumps(overrides, sort_keys=True),
            "revision": revision,
            "updated_by": actor.user_id if actor else None,
            "updated_at": now,
        }
        statement = insert(GuildSettings).values(**values)
        return statement.on_conflict_do_update(
            index_elements=[GuildSettings.guild_id],
            set_={k: statement.excluded[k] for k in values if k != "guild_id"},
        )
