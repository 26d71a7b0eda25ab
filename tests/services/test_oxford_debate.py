"""A whole Oxford debate through the services, on a SQLite file built by the migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import ManualClock
from bot.domain import errors
from bot.domain.enums import ArgumentKind, Side, Stance
from bot.storage.models import AuditEvent, DebatePhase, MotionVote
from tests.conftest import CHANNEL, GUILD, member, moderator
from tests.services.helpers import (
    AGAINST_1,
    AGAINST_2,
    FOR_1,
    FOR_2,
    POST,
    PRE,
    VOTERS,
    advance_to,
    cast,
    start_oxford,
)


async def test_whole_oxford_debate_gives_the_hand_computed_result(
    app: App, clock: ManualClock
) -> None:
    debate = await start_oxford(app)
    assert debate.phase == "pre_vote" and debate.phase_deadline is not None
    await cast(app, PRE)
    await cast(app, [*PRE[:-1], Stance.FOR])  # re-voting replaces...
    await app.services.votes.vote(member(VOTERS[-1]), CHANNEL, Stance.UNDECIDED)  # ...last counts

    await advance_to(app, "opening")
    services = app.services
    opening = await services.arguments.propose(member(FOR_1), CHANNEL, "Moscow is stretched thin.")
    assert (opening.number, opening.kind, opening.side) == (1, ArgumentKind.OPENING, Side.FOR)
    await services.arguments.propose(member(AGAINST_1), CHANNEL, "Pyongyang gains leverage.")

    await advance_to(app, "floor")
    claim = await services.arguments.propose(member(FOR_2), CHANNEL, "Ukraine drains Russia.")
    assert claim.kind is ArgumentKind.CLAIM
    rebuttal = await services.arguments.rebut(
        member(AGAINST_2), CHANNEL, claim.number, "Drained, but still the patron."
    )
    assert (rebuttal.kind, rebuttal.parent_number) == (ArgumentKind.REBUTTAL, claim.number)
    mark = await services.votes.toggle_persuasive(member(VOTERS[0]), CHANNEL, claim.number)
    assert mark.marked and mark.count == 1
    unmark = await services.votes.toggle_persuasive(member(VOTERS[0]), CHANNEL, claim.number)
    assert not unmark.marked and unmark.count == 0
    await services.votes.toggle_persuasive(member(VOTERS[1]), CHANNEL, claim.number)
    delta = await services.votes.credit_mind_change(
        member(VOTERS[2]), CHANNEL, claim.number, "The drain on Russia convinced me of it."
    )
    assert delta.count == 1 and delta.author_id == FOR_2

    await advance_to(app, "closing")
    closing = await services.arguments.propose(member(FOR_1), CHANNEL, "So Russia cannot help.")
    assert closing.kind is ArgumentKind.CLOSING

    await advance_to(app, "post_vote")
    await cast(app, POST)
    status = await services.debates.status(GUILD, CHANNEL)
    assert [s.voters for s in status.votes] == [6, 6]
    assert status.votes[0].counts is None  # hidden until the debate closes

    clock.advance(minutes=1)
    change = await services.debates.end(moderator(), CHANNEL)
    assert change.ended and change.results is not None
    result = change.results.outcome
    assert result.pre is not None
    assert result.pre.counts == {Stance.FOR: 2, Stance.AGAINST: 3, Stance.UNDECIDED: 1}
    assert result.post.counts == {Stance.FOR: 4, Stance.AGAINST: 2, Stance.UNDECIDED: 0}
    assert round(result.pre.percent(Stance.FOR)) == 33
    assert round(result.post.percent(Stance.FOR)) == 67
    assert round(result.swing[Stance.FOR]) == 33
    assert round(result.swing[Stance.AGAINST]) == -17
    assert result.winner is Stance.FOR
    assert result.transitions[Stance.AGAINST][Stance.FOR] == 2
    assert result.transitions[Stance.UNDECIDED][Stance.AGAINST] == 1

    async with app.db.read() as session:
        phases = (await session.scalars(select(DebatePhase.phase).order_by(DebatePhase.id))).all()
        assert phases == ["pre_vote", "opening", "floor", "closing", "post_vote", "closed"]
        audit_count = await session.scalar(select(func.count()).select_from(AuditEvent))
        assert audit_count == 1 + 5  # started, four advances, ended
        votes = await session.scalar(select(func.count()).select_from(MotionVote))
        assert votes == 12
    final = await services.debates.status(GUILD, CHANNEL)
    assert final.results_visible and final.votes[1].counts == result.post.counts
    with pytest.raises(errors.NoDebateHere):
        await services.votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR)


async def test_deadline_dispatch_advances_once(app: App, clock: ManualClock) -> None:
    debate = await start_oxford(app)
    assert await app.services.debates.due_deadlines() == []
    clock.advance(minutes=11)
    due = await app.services.debates.due_deadlines()
    assert [d.debate_id for d in due] == [debate.id]
    first = await app.services.debates.advance(
        None, guild_id=GUILD, debate_id=debate.id, expected_index=due[0].phase_index
    )
    second = await app.services.debates.advance(
        None, guild_id=GUILD, debate_id=debate.id, expected_index=due[0].phase_index
    )
    assert first is not None and first.debate.phase == "opening"
    assert second is None
    assert await app.services.debates.due_deadlines() == []
    left = await app.services.debates.next_deadline_in()
    assert left is not None and 19 * 60 < left <= 20 * 60


async def test_extend_pushes_the_deadline(app: App, clock: ManualClock) -> None:
    debate = await start_oxford(app)
    assert debate.phase_deadline is not None
    extended = await app.services.debates.extend(moderator(), CHANNEL, 15)
    assert extended.phase_deadline is not None
    assert (extended.phase_deadline - debate.phase_deadline).total_seconds() == 15 * 60


async def test_open_format_single_stage(app: App) -> None:
    await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="essay-12", format_name="open"
    )
    for user, side in ((1, Side.FOR), (2, Side.AGAINST), (3, Side.AUDIENCE)):
        await app.services.debates.join(member(user), CHANNEL, side)
    first = await app.services.arguments.propose(member(1), CHANNEL, "A claim for.")
    await app.services.arguments.rebut(member(2), CHANNEL, first.number, "A rebuttal.")
    await app.services.debates.join(member(1), CHANNEL, Side.AGAINST)  # open allows switching
    for user in (1, 2):
        await app.services.votes.vote(member(user), CHANNEL, Stance.AGAINST)
    await app.services.votes.vote(member(3), CHANNEL, Stance.FOR)
    change = await app.services.debates.end(moderator(), CHANNEL)
    assert change.results is not None and change.results.outcome.winner is Stance.AGAINST


async def test_motions_add_list_remove(app: App) -> None:
    listed = await app.services.motions.available(GUILD)
    assert len(listed) == 12 and all(m.builtin for m in listed)
    added = await app.services.motions.add(
        moderator(), "Sanctions on Pyongyang should be tightened."
    )
    assert added in await app.services.motions.available(GUILD)
    assert added not in await app.services.motions.available(GUILD + 1)
    found = await app.services.motions.search(GUILD, "sanctions")
    assert [m.id for m in found] == [added.id]
    with pytest.raises(errors.BuiltinMotion):
        await app.services.motions.remove(moderator(), "1")
    with pytest.raises(errors.NotModerator):
        await app.services.motions.remove(member(5), str(added.id))
    with pytest.raises(errors.UnknownMotion):
        await app.services.motions.remove(moderator(guild_id=GUILD + 1), str(added.id))
    await app.services.motions.remove(moderator(), str(added.id))
    assert len(await app.services.motions.available(GUILD)) == 12
    assert await app.services.motions.sync_builtin() == 0
