"""Concurrent votes: exactly one vote per member, the last choice, through the services.

Half of the members vote through a second App on the same file, so the test also crosses
two engines (two connection pools, no shared in-process lock), as two processes would.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side, Stance
from bot.storage.models import MotionVote
from tests.conftest import CHANNEL, member, moderator

MEMBERS = list(range(10_000, 10_200))


async def test_200_votes_then_100_changes(app: App, clock: ManualClock) -> None:
    second = await App.create(app.settings, clock=clock, upgrade=False)
    try:
        await app.services.debates.start(moderator(), channel_id=CHANNEL, motion_ref="3")
        await asyncio.gather(
            *(app.services.debates.join(member(m), CHANNEL, Side.AUDIENCE) for m in MEMBERS)
        )

        def via(index: int) -> App:
            return app if index % 2 else second

        await asyncio.gather(
            *(
                via(i).services.votes.vote(member(m), CHANNEL, Stance.AGAINST)
                for i, m in enumerate(MEMBERS)
            )
        )
        changers = MEMBERS[:100]
        await asyncio.gather(
            *(
                via(i).services.votes.vote(member(m), CHANNEL, Stance.FOR)
                for i, m in enumerate(changers)
            )
        )
        async with app.db.read() as session:
            rows = (await session.execute(select(MotionVote.user_id, MotionVote.stance))).all()
            per_member = await session.scalar(select(func.count(func.distinct(MotionVote.user_id))))
        assert len(rows) == 200 and per_member == 200
        final = dict(rows)
        assert all(final[m] == "for" for m in changers)
        assert all(final[m] == "against" for m in MEMBERS[100:])
    finally:
        await second.close()
