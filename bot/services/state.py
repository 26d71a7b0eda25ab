"""Small facts the bot keeps about itself, such as the hash of the last command sync."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from bot.services.base import Service
from bot.storage.models import BotState


class StateService(Service):
    """A tiny key/value store in the database."""

    async def get(self, key: str) -> str | None:
        async with self.db.read() as session:
            row = await session.get(BotState, key)
            return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        """Insert or replace, in one statement: several processes may set a key at once."""
        insert = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        statement = insert(BotState).values(key=key, value=value, updated_at=self.now())
        statement = statement.on_conflict_do_update(
            index_elements=[BotState.key],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
        async with self.db.write() as session:
            await session.execute(statement)
