"""The group-commit paths (votes, persuasive marks, posts): one transaction per waiting
group, per-request refusals, and each caller told only after the commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app import App
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.services.views import ArgumentView, MarkResult
from bot.storage.models import Argument, ArgumentVote, MotionVote
from tests.conftest import CHANNEL, OTHER_GUILD, member, moderator
from tests.services.helpers import (
    AGAINST_1,
    AGAINST_2,
    FOR_1,
    FOR_2,
    VOTERS,
    advance_to,
    start_oxford,
)


async def test_mixed_batch_gets_per_vote_outcomes(app: App) -> None:
    debate = await start_oxford(app)
    await app.services.moderation.mute(moderator(), VOTERS[1], 10, "spam")
    votes = app.services.votes
    outcomes = await asyncio.gather(
        votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR),
        votes.vote(member(VOTERS[1]), CHANNEL, Stance.FOR),  # muted
        votes.vote(member(999), CHANNEL, Stance.FOR),  # not joined
        votes.vote(member(VOTERS[2], guild_id=OTHER_GUILD), CHANNEL, Stance.FOR),  # wrong guild
        votes.vote_in_debate(member(VOTERS[3], guild_id=OTHER_GUILD), debate.id, Stance.FOR),
        votes.vote(member(VOTERS[4]), CHANNEL, Stance.AGAINST),
        votes.vote(member(VOTERS[4]), CHANNEL, Stance.UNDECIDED),  # same member, same batch
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == [
        "VoteResult",
        "Muted",
        "NotJoined",
        "NoDebateHere",
        "UnknownDebate",
        "VoteResult",
        "VoteResult",
    ]
    last = outcomes[-1]
    assert not isinstance(last, BaseException)
    assert last.previous is Stance.AGAINST and last.stance is Stance.UNDECIDED
    async with app.db.read() as session:
        rows = dict((await session.execute(select(MotionVote.user_id, MotionVote.stance))).all())
    assert rows == {VOTERS[0]: "for", VOTERS[4]: "undecided"}


async def test_refusal_in_the_wrong_phase(app: App) -> None:
    await start_oxford(app)
    await app.services.debates.next_phase(moderator(), CHANNEL)
    with pytest.raises(errors.VoteClosed):
        await app.services.votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR)


async def test_a_failed_commit_tells_nobody_it_succeeded(app: App) -> None:
    await start_oxford(app)
    await app.services.debates.join(member(77), CHANNEL, Side.AUDIENCE)
    batcher = app.services.votes.batcher
    original = batcher._upsert

    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    batcher._upsert = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="disk full"):
        await app.services.votes.vote(member(77), CHANNEL, Stance.FOR)
    batcher._upsert = original  # type: ignore[method-assign]
    result = await app.services.votes.vote(member(77), CHANNEL, Stance.FOR)
    assert result.previous is None


async def test_persuasive_presses_in_one_batch_toggle_in_order(app: App) -> None:
    """Presses waiting together are applied one after another: the same member's second
    press takes the mark back, counts follow each press, refusals stay per press."""
    await start_oxford(app)
    await advance_to(app, "floor")
    claim = await app.services.arguments.propose(member(FOR_1), CHANNEL, "A claim.")
    other = await app.services.arguments.propose(member(AGAINST_1), CHANNEL, "A reply.")
    await app.services.moderation.mute(moderator(), VOTERS[1], 10, "spam")
    votes = app.services.votes
    outcomes = await asyncio.gather(
        votes.toggle_persuasive(member(VOTERS[0]), CHANNEL, claim.number),
        votes.toggle_persuasive(member(VOTERS[2]), CHANNEL, claim.number),
        votes.toggle_persuasive(member(VOTERS[0]), CHANNEL, claim.number),  # takes it back
        votes.toggle_persuasive(member(VOTERS[1]), CHANNEL, claim.number),  # muted
        votes.toggle_persuasive(member(FOR_1), CHANNEL, claim.number),  # own argument
        votes.toggle_persuasive(member(999), CHANNEL, claim.number),  # not joined
        votes.toggle_persuasive(member(VOTERS[3]), CHANNEL, 99),  # no such argument
        votes.toggle_persuasive(member(VOTERS[3], guild_id=OTHER_GUILD), CHANNEL, 1),
        votes.toggle_persuasive(member(VOTERS[3]), CHANNEL, other.number),
        return_exceptions=True,
    )
    names = [type(o).__name__ for o in outcomes]
    assert names == [
        "MarkResult",
        "MarkResult",
        "MarkResult",
        "Muted",
        "OwnArgument",
        "NotJoined",
        "UnknownArgument",
        "NoDebateHere",
        "MarkResult",
    ]
    marks = [o for o in outcomes if isinstance(o, MarkResult)]
    assert [(m.number, m.marked, m.count) for m in marks] == [
        (claim.number, True, 1),
        (claim.number, True, 2),
        (claim.number, False, 1),
        (other.number, True, 1),
    ]
    async with app.db.read() as session:
        rows = await session.execute(select(ArgumentVote.user_id, ArgumentVote.argument_id))
        stored = sorted((user, argument) for user, argument in rows)
    ids = {claim.number: None, other.number: None}
    async with app.db.read() as session:
        for number in ids:
            ids[number] = await session.scalar(select(Argument.id).where(Argument.number == number))
    assert stored == sorted([(VOTERS[2], ids[claim.number]), (VOTERS[3], ids[other.number])])
    # A later press on its own sees what the batch committed.
    again = await votes.toggle_persuasive(member(VOTERS[2]), CHANNEL, claim.number)
    assert (again.marked, again.count) == (False, 0)


async def test_posts_in_one_batch_are_checked_one_after_another(app: App) -> None:
    """Posts waiting together see the ones accepted before them: a per-debater limit counts
    the batch, a repeated text names the first one's number, numbers have no gap."""
    await start_oxford(app)
    await advance_to(app, "opening")
    await app.services.moderation.mute(moderator(), AGAINST_2, 10, "spam")
    posts = app.services.arguments
    outcomes = await asyncio.gather(
        posts.propose(member(FOR_1), CHANNEL, "Opening for the motion."),
        posts.propose(member(FOR_1), CHANNEL, "A second opening."),  # one per debater
        posts.propose(member(VOTERS[0]), CHANNEL, "The audience does not argue."),
        posts.propose(member(AGAINST_2), CHANNEL, "Muted."),
        posts.propose(member(AGAINST_1), CHANNEL, "Opening against the motion."),
        posts.propose(member(FOR_2), CHANNEL, "   "),
        return_exceptions=True,
    )
    names = [type(o).__name__ for o in outcomes]
    assert names == [
        "ArgumentView",
        "LimitReached",
        "NotDebater",
        "Muted",
        "ArgumentView",
        "EmptyText",
    ]
    first, against = outcomes[0], outcomes[4]
    assert isinstance(first, ArgumentView) and isinstance(against, ArgumentView)
    assert (first.number, against.number) == (1, 2)

    await advance_to(app, "floor")
    floor = await asyncio.gather(
        posts.rebut(member(FOR_2), CHANNEL, against.number, "That opening misses the point."),
        posts.propose(member(AGAINST_1), CHANNEL, "A claim on the floor."),
        posts.propose(member(AGAINST_1), CHANNEL, "A claim  ON the floor."),  # same text
        posts.rebut(member(FOR_2), CHANNEL, first.number, "Rebutting my own side."),
        return_exceptions=True,
    )
    rebuttal, claim, repeat, own = floor
    assert isinstance(rebuttal, ArgumentView) and isinstance(claim, ArgumentView)
    assert (rebuttal.number, rebuttal.parent_number, claim.number) == (3, 2, 4)
    assert isinstance(repeat, errors.DuplicateArgument) and "#4" in str(repeat)
    assert isinstance(own, errors.OwnSide)
    async with app.db.read() as session:
        stored = (await session.execute(select(Argument.number, Argument.author_id))).all()
    assert sorted(stored) == [(1, FOR_1), (2, AGAINST_1), (3, FOR_2), (4, AGAINST_1)]
