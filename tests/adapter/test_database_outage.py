"""The database goes away in the middle of a debate, then comes back.

Members get one clear ephemeral refusal (no apology with an error reference), a burst's
group commit fails whole, the deadline loop pauses and then applies what fell due, the
operator's log has one error for the outage, nothing acknowledged is lost, and the bot
carries on without a restart. Two outages: PostgreSQL stopped for ten seconds, and a
SQLite file that turned read-only (SQLite's own ``query_only``: the tests run as root, whom a
chmod would not stop). A full disk takes the same path (tests/storage/test_outages.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.domain.enums import Side
from bot.emulator import Status
from bot.emulator.faults import MESSAGE_POST
from bot.emulator.world import RecordedRequest
from bot.services.views import Actor
from bot.storage.database import Database
from bot.storage.models import AuditEvent, MotionVote
from tests.adapter.conftest import BURST_WINDOW, Harness, running_harness
from tests.postgres.cluster import PostgresCluster

REFUSAL = "The bot's database is unavailable; try again in a minute."
#: How long PostgreSQL stays down (the issue's ten seconds).
POSTGRES_DOWN_SECONDS = 10.0
BURST = 20


@dataclass
class Outage:
    """How to take the database away and give it back, and what the operator's log says."""

    begin: Callable[[Harness], Awaitable[None]]
    end: Callable[[Harness], Awaitable[None]]
    says: str
    lasts: float = 0.0
    down: bool = False

    async def take_away(self, harness: Harness) -> None:
        await self.begin(harness)
        self.down = True

    async def give_back(self, harness: Harness) -> None:
        await self.end(harness)
        self.down = False


class Pragmas:
    """Runs a PRAGMA on every SQLite connection the bot checks out while switched on (and
    its opposite afterwards): the pool's connections are the bot's own, so this is the
    database refusing, not a stand-in."""

    def __init__(self, db: Database, on: str, off: str) -> None:
        self.active = False
        self.on, self.off = on, off
        event.listen(db.engine.sync_engine, "checkout", self._checkout)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(self.on if self.active else self.off)
        cursor.close()


def sqlite_outage(on: str, off: str, says: str) -> Outage:
    switches: dict[int, Pragmas] = {}

    async def begin(harness: Harness) -> None:
        switch = switches.setdefault(id(harness), Pragmas(harness.app.db, on, off))
        switch.active = True

    async def end(harness: Harness) -> None:
        switches[id(harness)].active = False

    return Outage(begin, end, says)


def postgres_outage(cluster: PostgresCluster) -> Outage:
    async def begin(_harness: Harness) -> None:
        await asyncio.to_thread(cluster.stop_server)

    async def end(_harness: Harness) -> None:
        await asyncio.to_thread(cluster.start_server)

    return Outage(begin, end, "cannot be reached", lasts=POSTGRES_DOWN_SECONDS)


@pytest.fixture(params=["postgresql-stopped", "sqlite-read-only"])
async def outage_harness(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path
) -> AsyncIterator[tuple[Harness, Outage]]:
    kind = str(request.param)
    url: str | None = None
    if kind == "postgresql-stopped":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        url = str(request.getfixturevalue("pg_database"))
        outage = postgres_outage(cluster)
    else:
        outage = sqlite_outage("PRAGMA query_only=1", "PRAGMA query_only=0", "is read-only")
    # the loop looks for due deadlines every half second, so it resumes soon after
    async with running_harness(
        tmp_path, migrated_template, url, debates={"deadline_check_seconds": 0.5}
    ) as harness:
        try:
            yield harness, outage
        finally:
            if outage.down:  # the test failed during the outage: later tests need it back
                await outage.end(harness)


async def _vote(harness: Harness, thread: int, user: int, stance: str = "for") -> str:
    result = await harness.slash(user, "vote", {"stance": stance}, channel=thread)
    assert result.ephemeral, result.text()
    return result.text()


async def _votes_stored(harness: Harness) -> dict[int, str]:
    async with harness.app.db.read() as session:
        rows = (await session.execute(select(MotionVote.user_id, MotionVote.stance))).all()
    return {user: stance for user, stance in rows}


async def test_members_are_refused_clearly_and_nothing_acknowledged_is_lost(
    outage_harness: tuple[Harness, Outage], caplog: pytest.LogCaptureFixture
) -> None:
    harness, outage = outage_harness
    caplog.set_level(logging.INFO)
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate()
    services = harness.app.services
    crowd = [emu.add_member(w.guild, f"voter{i}").id for i in range(BURST)]
    for user in [*w.audience, *crowd]:
        await services.debates.join(Actor(w.guild, user), thread, Side.AUDIENCE)
    early = w.audience[0]
    assert "vote is recorded" in await _vote(harness, thread, early, "against")
    before = await _votes_stored(harness)
    caplog.clear()

    await outage.take_away(harness)
    started = time.monotonic()
    # one member, then a burst whose group commit fails whole
    assert await _vote(harness, thread, w.audience[1]) == REFUSAL
    emu.ack_deadline = BURST_WINDOW
    burst = await harness.answered(
        [
            emu.dispatch_interaction(
                emu.build_slash_payload(w.guild, thread, user, "vote", {"stance": "for"})
            )
            for user in crowd
        ]
    )
    assert all(r.ephemeral and r.text() == REFUSAL for r in burst), {r.text() for r in burst}
    ada = w.debaters_for[0]
    joined = await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    assert joined.ephemeral and joined.text() == REFUSAL
    # autocomplete offers nothing, quietly, when it cannot read the debate's arguments
    if outage.lasts:
        choices = await emu.autocomplete(
            w.guild, thread, ada, "rebut", {"argument": "", "text": "x"}, "argument"
        )
        assert choices == []
    # the pre-debate vote runs out during the outage: the loop cannot apply it yet
    harness.clock.advance(minutes=11)
    assert harness.local.bot is not None
    harness.local.bot.deadlines.wake()
    while time.monotonic() - started < outage.lasts:  # members keep trying meanwhile
        assert await _vote(harness, thread, w.audience[1]) == REFUSAL
        await asyncio.sleep(1.0)
    await emu.settle(quiet=1.0)
    assert "Now: Opening statements" not in harness.public_text(thread)
    await outage.give_back(harness)

    # no restart: the loop applies the deadline by itself, and members are served again
    await harness.posted(thread, "Now: Opening statements", timeout=30)
    joined = await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    assert joined.ephemeral and "For" in joined.text(), joined.text()
    opening = "Opened once the database was back."
    posted = await harness.slash(ada, "propose", {"text": opening}, channel=thread)
    assert not posted.ephemeral and opening in posted.text()

    # the vote acknowledged before stayed; none of the refused ones was written
    assert await _votes_stored(harness) == before
    assert harness.public_text(thread).count("Now: Opening statements") == 1
    async with harness.app.db.read() as session:
        advances = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "phase_advanced")
        )
    assert advances == 1
    for result in [*burst]:
        assert "Reference" not in result.text()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].name == "bot.storage.availability"
    assert outage.says in errors[0].getMessage()
    assert "database unavailable" in errors[0].getMessage()
    assert errors[0].exc_info is None  # one line, no traceback
    assert any("database available again" in r.getMessage() for r in caplog.records)


async def test_the_outbox_carries_on_after_an_outage_without_waiting_out_its_claims(
    tmp_path: Path, migrated_template: Path
) -> None:
    """The database turns read-only while the dispatcher delivers an announcement: the pass
    breaks with its row still claimed (neither the retry nor the release can be written).
    Once the database is back the dispatcher frees that claim and posts, well inside the
    claim's 60-second lease."""
    async with running_harness(tmp_path, migrated_template) as harness:
        w = harness.world
        thread, _ = await harness.start_debate()
        read_only = Pragmas(harness.app.db, "PRAGMA query_only=1", "PRAGMA query_only=0")

        def outage_begins(req: RecordedRequest) -> bool:
            if "Now: Opening statements" not in json.dumps(req.json):
                return False
            read_only.active = True
            return True

        rule = harness.emu.faults.add(MESSAGE_POST, Status(503), when=outage_begins)
        moved = await harness.slash(w.moderator, "debate next", channel=thread)
        assert "Opening statements" in moved.text()
        for _ in range(500):
            if rule.hits:
                break
            await asyncio.sleep(0.01)
        assert rule.hits == 1
        await asyncio.sleep(0.5)  # the dispatcher meets the outage: its pass breaks
        [row] = [r for r in await harness.app.services.outbox.rows() if r.kind == "phase"]
        assert row.status == "pending" and row.claimed_until is not None
        read_only.active = False

        await harness.posted(thread, "Now: Opening statements", timeout=20)
        await harness.emu.settle(quiet=0.5)
        assert harness.public_text(thread).count("Now: Opening statements") == 1
