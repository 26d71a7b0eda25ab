"""The group-commit vote path: one transaction per waiting group, per-vote refusals, and each
caller told only after the commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app import App
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.services.views import MarkResult
from bot.storage.models import Argument, ArgumentVote, MotionVote
from tests.conftest import CHANNEL, OTHER_GUILD, member, moderator
from tests.services.helpers import AGAINST_1, FOR_1, VOTERS, advance_to, start_oxford


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
