"""Audit events as they are committed, for whoever follows them (the moderation log channel).

Every audit event goes through :func:`bot.services.base.audit`, which lists it on its write
session; once that session commits, the feed hands each event to its listeners. Nothing is
passed on for a transaction that rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.base import AUDITED, audit_entry
from bot.services.views import AuditEntry
from bot.storage.database import Database
from bot.storage.models import AuditEvent

log = logging.getLogger("bot.services.audit_feed")

Listener = Callable[[AuditEntry], None]


class AuditFeed:
    """Calls every listener with each committed audit event, in commit order."""

    def __init__(self, db: Database) -> None:
        self._listeners: list[Listener] = []
        db.after_commit.append(self._committed)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _committed(self, session: AsyncSession) -> None:
        events: list[AuditEvent] = session.info.pop(AUDITED, [])
        if not events or not self._listeners:
            return
        for event in events:
            entry = audit_entry(event)
            for listener in self._listeners:
                try:
                    listener(entry)
                except Exception:  # a listener's failure never undoes a committed write
                    log.exception("an audit listener failed on event %s", entry.id)
