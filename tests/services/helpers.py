"""Scripted steps shared by the service tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side, Stance
from bot.services.views import DebateView
from tests.conftest import CHANNEL, make_settings, member, moderator

FOR_1, FOR_2, AGAINST_1, AGAINST_2 = 11, 12, 21, 22
VOTERS = [31, 32, 33, 34, 35, 36]
PRE = [Stance.FOR, Stance.FOR, Stance.AGAINST, Stance.AGAINST, Stance.AGAINST, Stance.UNDECIDED]
POST = [Stance.FOR, Stance.FOR, Stance.FOR, Stance.FOR, Stance.AGAINST, Stance.AGAINST]


async def start_oxford(app: App, motion: str = "1") -> DebateView:
    """A debate on an essay motion with two debaters a side and six audience voters."""
    debate = await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref=motion, format_name="oxford"
    )
    for user, side in (
        (FOR_1, Side.FOR),
        (FOR_2, Side.FOR),
        (AGAINST_1, Side.AGAINST),
        (AGAINST_2, Side.AGAINST),
        *((v, Side.AUDIENCE) for v in VOTERS),
    ):
        await app.services.debates.join(member(user), CHANNEL, side)
    return debate


async def advance_to(app: App, phase: str) -> None:
    """Moderator presses /debate next until the debate is in ``phase``."""
    while (await app.services.debates.in_channel(member(1).guild_id, CHANNEL)).phase != phase:
        await app.services.debates.next_phase(moderator(), CHANNEL)


async def cast(app: App, stances: list[Stance]) -> None:
    for voter, stance in zip(VOTERS, stances, strict=True):
        await app.services.votes.vote(member(voter), CHANNEL, stance)


#: Names the bot records as it meets people (``bot.services.members``): a refused command
#: still shows who used it, so these may change.
MET = frozenset({"members", "places"})


async def snapshot(app: App) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the names met (:data:`MET`), to prove a refusal changed
    nothing."""
    from sqlalchemy import text

    from bot.storage.models import Base

    rows: dict[str, list[tuple[object, ...]]] = {}
    async with app.db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in MET:
                continue
            result = await session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1"))
            rows[table.name] = [tuple(r) for r in result]
    return rows


@contextlib.asynccontextmanager
async def app_with(database_url: str, clock: ManualClock, **debates: object) -> AsyncIterator[App]:
    """An App on ``database_url`` with some ``debates`` settings changed."""
    app = await App.create(make_settings(database_url, **debates), clock=clock, upgrade=False)
    try:
        yield app
    finally:
        await app.close()
