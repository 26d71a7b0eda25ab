"""The gateway drops in the middle of a vote burst: the bot resumes, the emulator replays what
it missed, every vote acknowledged is stored once, and nothing is answered twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.domain.enums import Side
from bot.services.views import Actor
from bot.storage.models import MotionVote
from tests.adapter.conftest import BURST_WINDOW, Harness

VOTERS = 60


async def _resumed(harness: Harness, count: int) -> None:
    for _ in range(1000):
        if len(harness.emu.gateway.resumes) >= count and harness.emu.gateway.live():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bot did not resume: {harness.emu.gateway.resumes}")


@pytest.mark.parametrize("reset", [False, True], ids=["close-frame", "tcp-reset"])
async def test_a_gateway_drop_mid_burst_keeps_every_acknowledged_vote_once(
    harness: Harness, reset: bool
) -> None:
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate()
    emu.ack_deadline = BURST_WINDOW
    voters = [emu.add_member(w.guild, f"voter{i}").id for i in range(VOTERS)]
    for user in voters:
        await harness.app.services.debates.join(Actor(w.guild, user), thread, Side.AUDIENCE)

    burst = []
    for i, user in enumerate(voters):
        stance = "for" if i % 3 else "against"
        burst.append(
            emu.dispatch_interaction(
                emu.build_slash_payload(w.guild, thread, user, "vote", {"stance": stance})
            )
        )
        if i == VOTERS // 2:  # half are on the wire; the rest arrive while the bot is away
            assert await emu.faults.drop_gateway(reset=reset) == 1
    await _resumed(harness, 1)
    await harness.answered(burst)  # after a deferral (a loaded machine), its follow-up
    await emu.settle(quiet=0.3)

    assert emu.gateway.resumes[0].replayed > 0  # some votes did arrive during the gap
    assert [v.kind for v in emu.violations] == []  # no interaction answered twice
    assert all(r.callback_type in (4, 5) and r.ephemeral for r in burst)
    recorded = [r for r in burst if "vote is recorded" in r.text()]
    assert len(recorded) == VOTERS, [r.text() for r in burst if r not in recorded]
    async with harness.app.db.read() as session:
        rows = (await session.execute(select(MotionVote.user_id, MotionVote.stance))).all()
    assert sorted(user for user, _ in rows) == sorted(voters)  # one row each, none lost
    stances = {user: stance for user, stance in rows}
    assert all(stances[user] == ("for" if i % 3 else "against") for i, user in enumerate(voters))
    # the resumed session carries on: a command after the drop is answered as usual
    status = await harness.slash(w.audience[0], "debate status", channel=thread)
    assert status.ephemeral and "Pre-debate vote" in status.text()
