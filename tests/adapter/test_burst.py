"""A burst of votes through the real client: every vote answered, none throttled by the bot.

What a member is told may come in the response or, when the write ran late, in the follow-up
to a deferral: on a busy machine some of a burst is deferred, which is the bot doing its job.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.enums import Side
from bot.services.views import Actor
from bot.storage.models import Argument, ArgumentVote, MotionVote
from tests.adapter.conftest import BURST_WINDOW, Harness, cards_remembered, until

VOTERS = 120


async def test_a_burst_is_answered_without_queueing_behind_a_connection_cap(
    harness: Harness,
) -> None:
    """Over the internet every reply keeps its HTTP connection busy for a round trip. A
    capped pool would queue a burst's replies behind each other: 64 connections left a
    quarter of 2,000 votes unanswered at 80 ms (bench/burst.py --rtt 80). Here the emulator
    holds every reply until all of the burst's are open at once, which a capped pool never
    reaches, however slowly a busy machine lets the bot send them."""
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate()
    voters = [emu.add_member(w.guild, f"voter{i}").id for i in range(VOTERS)]
    for user in voters:  # joining is set-up here; /debate join has its own tests
        await harness.app.services.debates.join(Actor(w.guild, user), thread, Side.AUDIENCE)
    emu.hold_responses(until_in_flight=VOTERS)
    emu.max_in_flight = 0
    emu.ack_deadline = BURST_WINDOW

    results = await harness.answered(
        [
            emu.dispatch_interaction(
                emu.build_slash_payload(w.guild, thread, user, "vote", {"stance": "for"})
            )
            for user in voters
        ]
    )

    assert all("vote is recorded" in r.text() and r.ephemeral for r in results)
    assert emu.max_in_flight >= VOTERS, emu.max_in_flight  # replies went out side by side
    async with harness.app.db.read() as session:
        stored = await session.scalar(select(func.count()).select_from(MotionVote))
    assert stored == VOTERS


async def test_a_burst_of_persuasive_presses_counts_every_mark_once(harness: Harness) -> None:
    """Presses on one argument share transactions, yet each member sees the count right
    after their own mark: together the answers count 1 to N, each number once."""
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate()
    voters = [emu.add_member(w.guild, f"voter{i}").id for i in range(VOTERS)]
    services = harness.app.services
    for user in voters:
        await services.debates.join(Actor(w.guild, user), thread, Side.AUDIENCE)
    ada = w.debaters_for[0]
    await services.debates.join(Actor(w.guild, ada), thread, Side.FOR)
    await harness.slash(w.moderator, "debate next", channel=thread)
    await harness.slash(ada, "propose", {"text": "An opening worth marking."}, channel=thread)
    emu.ack_deadline = BURST_WINDOW

    results = await harness.answered(
        [
            emu.dispatch_interaction(
                emu.build_slash_payload(w.guild, thread, user, "persuasive", {"argument": 1})
            )
            for user in voters
        ]
    )

    counts = sorted(int(r.text().split("(")[1].split()[0]) for r in results)
    assert counts == list(range(1, VOTERS + 1))
    assert all(r.ephemeral and "You marked #1 persuasive" in r.text() for r in results)
    async with harness.app.db.read() as session:
        stored = await session.scalar(select(func.count()).select_from(ArgumentVote))
    assert stored == VOTERS


async def test_a_burst_of_proposals_numbers_each_once_and_keeps_every_card(
    harness: Harness,
) -> None:
    """Open floor, everyone posts at once: one argument per post, #1 to #N without a gap,
    each answered with its public card, whose message the bot remembers."""
    emu, w = harness.emu, harness.world
    await harness.slash(w.moderator, "debate start", {"motion": "1", "format": "open"})
    thread = int(emu.threads(w.channel)[-1]["id"])
    voters = [emu.add_member(w.guild, f"voter{i}").id for i in range(VOTERS)]
    services = harness.app.services
    for i, user in enumerate(voters):
        side = Side.FOR if i % 2 else Side.AGAINST
        await services.debates.join(Actor(w.guild, user), thread, side)
    emu.ack_deadline = BURST_WINDOW

    results = await harness.answered(
        [
            emu.dispatch_interaction(
                emu.build_slash_payload(
                    w.guild, thread, user, "propose", {"text": f"Argument from voter {i}."}
                )
            )
            for i, user in enumerate(voters)
        ]
    )

    assert all(not r.ephemeral and "Argument from voter" in r.text() for r in results)
    await until(lambda: cards_remembered(harness), "every card's message stored")
    async with harness.app.db.read() as session:
        rows = (await session.execute(select(Argument.number, Argument.message_id))).all()
    assert sorted(number for number, _ in rows) == list(range(1, VOTERS + 1))
    cards = {r.original_id for r in results}
    assert {message for _, message in rows} == cards and None not in cards
