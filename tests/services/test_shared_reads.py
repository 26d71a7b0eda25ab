"""Shared reads: a burst of reads shares loads, and a read never answers from a load that
started before it arrived, so a member sees their own acknowledged write even when another
process (a second App on the same database) committed it while a load was running."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.clock import ManualClock
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.services.views import StatusView
from tests.conftest import CHANNEL, GUILD, member, moderator

MEMBERS = list(range(10_000, 10_120))


async def test_a_read_arriving_during_a_load_waits_for_the_next_one(
    app: App, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = await App.create(app.settings, clock=clock, upgrade=False)  # another process
    try:
        await app.services.debates.start(
            moderator(), channel_id=CHANNEL, motion_ref="3", format_name="open"
        )
        debates = app.services.debates
        loaded, release = asyncio.Event(), asyncio.Event()
        original = debates._status_in

        async def held(session: AsyncSession, guild_id: int, channel_id: int) -> StatusView:
            status = await original(session, guild_id, channel_id)
            loaded.set()
            await release.wait()
            return status

        monkeypatch.setattr(debates, "_status_in", held)
        early = asyncio.create_task(debates.status(GUILD, CHANNEL))
        await loaded.wait()  # the first load has read the debate: nobody had joined
        joined = await second.services.debates.join(member(MEMBERS[0]), CHANNEL, Side.FOR)
        assert joined.side is Side.FOR  # acknowledged: the member may now ask for the status
        late = asyncio.create_task(debates.status(GUILD, CHANNEL))
        release.set()

        assert (await early).sides[Side.FOR] == 0
        assert (await late).sides[Side.FOR] == 1
        assert debates._statuses.loads == 2
    finally:
        await second.close()


async def test_a_burst_of_reads_shares_loads_and_each_answer_is_exact(app: App) -> None:
    services = app.services
    await services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="3", format_name="open"
    )
    for i, user in enumerate(MEMBERS):
        await services.debates.join(member(user), CHANNEL, [Side.FOR, Side.AUDIENCE][i % 2])
    await asyncio.gather(
        *(services.votes.vote(member(u), CHANNEL, Stance.AGAINST) for u in MEMBERS[:30])
    )
    await services.arguments.propose(member(MEMBERS[0]), CHANNEL, "Bench argument one here.")
    await services.arguments.propose(member(MEMBERS[2]), CHANNEL, "Another bench argument.")

    statuses, summaries, lists, pages, motions, found, nowhere = await asyncio.gather(
        asyncio.gather(*(services.debates.status(GUILD, CHANNEL) for _ in MEMBERS)),
        asyncio.gather(*(services.summaries.for_channel(GUILD, CHANNEL) for _ in MEMBERS)),
        asyncio.gather(*(services.debates.recent(GUILD) for _ in MEMBERS)),
        asyncio.gather(
            *(services.moderation.audit_log(moderator(), channel_id=CHANNEL) for _ in MEMBERS)
        ),
        asyncio.gather(*(services.motions.search(GUILD, "Russia") for _ in MEMBERS)),
        asyncio.gather(
            *(
                services.arguments.search(GUILD, CHANNEL, "bench", rebutting_user=user)
                for user in MEMBERS
            )
        ),
        asyncio.gather(services.debates.status(GUILD, CHANNEL + 1), return_exceptions=True),
    )

    assert {(s.sides[Side.FOR], s.sides[Side.AUDIENCE], s.votes[0].voters) for s in statuses} == {
        (60, 60, 30)
    }
    assert len({s.text for s in summaries}) == 1
    assert all([d.id for d in listed] == [statuses[0].debate.id] for listed in lists)
    assert all(p == pages[0] for p in pages)
    assert pages[0].debate_id == statuses[0].debate.id and pages[0].total >= 1
    assert len({tuple(m.id for m in found_motions) for found_motions in motions}) == 1
    assert motions[0], "the essay's Russia motion is found"
    # Rebutting: the For side sees only the other side's arguments (none); others see both.
    for i, arguments in enumerate(found):
        assert [a.number for a in arguments] == ([] if i % 2 == 0 else [2, 1])
    assert isinstance(nowhere[0], errors.NoDebateHere)
    for shared in (
        services.debates._statuses,
        services.summaries._for_channels,
        services.debates._recent,
        services.moderation._pages,
        services.motions._available,
        services.arguments._visible,
    ):
        assert shared.loads < len(MEMBERS), shared.name
