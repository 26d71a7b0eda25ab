"""The deadline guard across engines: many callers in two connection pools (as two processes
would be) race to advance the same phase; exactly one wins, on every backend."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import ManualClock
from bot.storage.models import AuditEvent, DebatePhase
from tests.conftest import GUILD
from tests.services.helpers import start_oxford

CALLERS_PER_APP = 10


@pytest.mark.both_backends
async def test_racing_deadline_advances_apply_once(app: App, clock: ManualClock) -> None:
    second = await App.create(app.settings, clock=clock, upgrade=False)
    try:
        debate = await start_oxford(app)
        clock.advance(minutes=11)
        (due,) = await app.services.debates.due_deadlines()
        changes = await asyncio.gather(
            *(
                a.services.debates.advance(
                    None, guild_id=GUILD, debate_id=debate.id, expected_index=due.phase_index
                )
                for _ in range(CALLERS_PER_APP)
                for a in (app, second)
            )
        )
        winners = [c for c in changes if c is not None]
        assert len(winners) == 1 and winners[0].debate.phase == "opening"
        async with app.db.read() as session:
            advanced = await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "phase_advanced")
            )
            phases = await session.scalar(
                select(func.count())
                .select_from(DebatePhase)
                .where(DebatePhase.debate_id == debate.id)
            )
        assert (advanced, phases) == (1, 2)
        assert await second.services.debates.due_deadlines() == []
    finally:
        await second.close()
