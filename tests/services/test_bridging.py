"""The bridging rank read from the database: camps from the pre-debate vote (Oxford) or the
running vote at the time of the endorsement (open floor), removed arguments left out."""

from __future__ import annotations

from bot.app import App
from bot.clock import ManualClock
from bot.domain.bridging import Camp
from bot.domain.enums import Side, Stance
from bot.services.bridging import bridged_arguments, bridging_rank
from tests.conftest import CHANNEL, member, moderator
from tests.services.helpers import (
    AGAINST_1,
    FOR_1,
    FOR_2,
    PRE,
    VOTERS,
    advance_to,
    cast,
    start_oxford,
)


async def test_oxford_camps_come_from_the_pre_debate_vote(app: App) -> None:
    debate = await start_oxford(app)
    await cast(app, PRE)  # 31, 32 for; 33, 34, 35 against; 36 undecided
    await advance_to(app, "opening")
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "Moscow is stretched thin.")
    await app.services.arguments.propose(member(AGAINST_1), CHANNEL, "Pyongyang gains leverage.")
    await advance_to(app, "floor")
    await app.services.arguments.propose(member(FOR_2), CHANNEL, "Ukraine drains Russia.")
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "A claim later removed.")
    marks = {1: [31, 32], 2: [31, 33], 3: [31, 33, 36], 4: [33, 34, 36]}
    for number, voters in marks.items():
        for voter in voters:
            await app.services.votes.toggle_persuasive(member(voter), CHANNEL, number)
    # Toggling off and on again changes nothing.
    await app.services.votes.toggle_persuasive(member(31), CHANNEL, 1)
    await app.services.votes.toggle_persuasive(member(31), CHANNEL, 1)
    await app.services.votes.credit_mind_change(member(34), CHANNEL, 3, "The drain convinced me.")
    await app.services.moderation.remove_argument(moderator(), CHANNEL, 4, "off topic")

    async with app.db.read() as session:
        found = await bridged_arguments(session, debate.id, "oxford")
    by_number = {a.number: a for a in found}
    assert sorted(by_number) == [1, 2, 3]
    # #1: two own-camp marks: (1 + 2) - 1.
    assert by_number[1].score.score == 2 and by_number[1].persuasive == 2
    # #2 (against): one own (33), one other (31): (1 + 1) * (1 + 2) - 1.
    assert by_number[2].score.score == 5
    # #3: own 31; other 33 and 34 (mark 1 + mind change 2); undecided 36:
    # (1 + 1) * (1 + 2 * 3) * (1 + 2) - 1.
    third = by_number[3]
    assert third.score.score == 41 and third.mind_changes == 1 and third.across == 3
    assert third.score.endorsers == {Camp.OWN: 1, Camp.OTHER: 2, Camp.UNDECIDED: 1}
    ranked = bridging_rank(found)
    assert [(r.place, r.argument.number) for r in ranked] == [(1, 3), (2, 2), (3, 1)]
    assert [r.argument.number for r in bridging_rank(found, side=Side.FOR)] == [3, 1]


async def test_open_floor_uses_the_running_vote_as_it_stood(app: App, clock: ManualClock) -> None:
    debate = await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="1", format_name="open"
    )
    for user, side in ((FOR_1, Side.FOR), *((v, Side.AUDIENCE) for v in VOTERS[:4])):
        await app.services.debates.join(member(user), CHANNEL, side)
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "Moscow is stretched thin.")
    settled_against, late_voter, switcher, settled_for = VOTERS[:4]
    await app.services.votes.vote(member(settled_against), CHANNEL, Stance.AGAINST)
    await app.services.votes.vote(member(switcher), CHANNEL, Stance.FOR)
    await app.services.votes.vote(member(settled_for), CHANNEL, Stance.FOR)
    clock.advance(minutes=1)
    for voter in (settled_against, late_voter, switcher, settled_for):
        await app.services.votes.toggle_persuasive(member(voter), CHANNEL, 1)
    clock.advance(minutes=1)
    await app.services.votes.vote(member(late_voter), CHANNEL, Stance.FOR)
    await app.services.votes.vote(member(switcher), CHANNEL, Stance.AGAINST)

    async with app.db.read() as session:
        (only,) = await bridged_arguments(session, debate.id, "open")
    # Own: the member still for; other: the member against all along; undecided: the one
    # who voted only afterwards and the one who changed their vote afterwards.
    assert only.score.endorsers == {Camp.OWN: 1, Camp.OTHER: 1, Camp.UNDECIDED: 2}
    assert only.score.score == (1 + 1) * (1 + 2) * (1 + 2 * 2) - 1
