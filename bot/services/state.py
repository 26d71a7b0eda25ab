"""Small facts the bot keeps about itself, such as the hash of the last command sync."""

from __future__ import annotations

from bot.services.base import Service
from bot.storage.models import BotState


class StateService(Service):
    """A tiny key/value store in the database."""

    async def get(self, key: str) -> str | None:
        async with self.db.read() as session:
            row = await session.get(BotState, key)
            return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        async with self.db.write() as session:
            row = await session.get(BotState, key)
            if row is None:
                session.add(BotState(key=key, value=value, updated_at=self.now()))
            else:
                row.value, row.updated_at = value, self.now()
