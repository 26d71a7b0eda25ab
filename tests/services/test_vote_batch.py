"""The group-commit vote path: one transaction per waiting group, per-vote refusals, and each
caller told only after the commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app import App
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.storage.models import MotionVote
from tests.conftest import CHANNEL, OTHER_GUILD, member, moderator
from tests.services.helpers import VOTERS, start_oxford


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
