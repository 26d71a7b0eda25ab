"""The composition root: configuration, database, services; no import-time globals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.metrics.registry import Metrics
from bot.services import Services
from bot.storage import migrate
from bot.storage.database import Database


@dataclass
class App:
    """Everything a process needs, built once at start-up and closed at exit."""

    settings: Settings
    db: Database
    services: Services
    metrics: Metrics

    @classmethod
    async def create(
        cls, settings: Settings, *, clock: Clock | None = None, upgrade: bool = True
    ) -> App:
        """Open the database, apply migrations (unless told not to), load built-in motions."""
        metrics = Metrics()  # this process's own registry: nothing shared between two apps
        db = Database(settings.database.url, echo=settings.database.echo, metrics=metrics)
        try:
            if upgrade:
                await migrate.upgrade(db)
            services = Services.build(db, settings, clock)
            await services.motions.sync_builtin()
            await services.guild_settings.refresh()
        except BaseException:
            await db.dispose()
            raise
        return cls(settings, db, services, metrics)

    def settings_for(self, guild_id: int | None) -> Settings:
        """The settings in force in ``guild_id`` (its own values over the file's), from
        memory: no query."""
        return self.services.configs.get(guild_id)

    async def close(self) -> None:
        await self.services.votes.close()
        await self.services.debates.close()
        await self.services.arguments.close()
        await self.services.members.close()
        await self.db.dispose()
