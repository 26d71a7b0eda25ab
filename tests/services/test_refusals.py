"""Each refusal rule gives its typed error, with a message, and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.services.views import Actor
from tests.conftest import CHANNEL, GUILD, OTHER_GUILD, member, moderator
from tests.services.helpers import (
    AGAINST_1,
    FOR_1,
    FOR_2,
    VOTERS,
    advance_to,
    app_with,
    snapshot,
    start_oxford,
)

Step = Callable[[App], Awaitable[object]]


async def refused(app: App, step: Step, error: type[errors.Refusal]) -> errors.Refusal:
    before = await snapshot(app)
    with pytest.raises(error) as caught:
        await step(app)
    assert caught.value.message and caught.value.code
    assert await snapshot(app) == before, "a refusal must change nothing"
    return caught.value


async def test_wrong_phase(app: App) -> None:
    await start_oxford(app)
    error = await refused(
        app,
        lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "Too early."),
        errors.WrongPhase,
    )
    assert "Opening statements" in error.message


async def test_not_joined_and_audience(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "opening")
    await refused(
        app, lambda a: a.services.arguments.propose(member(999), CHANNEL, "Hi."), errors.NotJoined
    )
    await refused(
        app,
        lambda a: a.services.arguments.propose(member(VOTERS[0]), CHANNEL, "Hi."),
        errors.NotDebater,
    )


async def test_second_opening(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "opening")
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "My opening.")
    await refused(
        app,
        lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "Another opening."),
        errors.LimitReached,
    )


async def test_rebutting_your_own_side_and_unknown_argument(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "floor")
    claim = await app.services.arguments.propose(member(FOR_1), CHANNEL, "A claim.")
    await refused(
        app,
        lambda a: a.services.arguments.rebut(member(FOR_2), CHANNEL, claim.number, "Agree!"),
        errors.OwnSide,
    )
    await refused(
        app,
        lambda a: a.services.arguments.rebut(member(AGAINST_1), CHANNEL, 99, "What?"),
        errors.UnknownArgument,
    )


async def test_voting_in_a_closed_stage(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "floor")
    error = await refused(
        app,
        lambda a: a.services.votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR),
        errors.VoteClosed,
    )
    assert "Pre-debate vote" in error.message and "Final vote" in error.message


async def test_persuasive_and_delta_on_your_own_argument(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "floor")
    claim = await app.services.arguments.propose(member(FOR_1), CHANNEL, "A claim.")
    await refused(
        app,
        lambda a: a.services.votes.toggle_persuasive(member(FOR_1), CHANNEL, claim.number),
        errors.OwnArgument,
    )
    await refused(
        app,
        lambda a: a.services.votes.credit_mind_change(
            member(FOR_1), CHANNEL, claim.number, "I changed my own mind, honestly."
        ),
        errors.OwnArgument,
    )
    await refused(
        app,
        lambda a: a.services.votes.credit_mind_change(member(VOTERS[0]), CHANNEL, 1, "short"),
        errors.TooShort,
    )
    await app.services.votes.credit_mind_change(
        member(VOTERS[0]), CHANNEL, 1, "This one really changed my mind."
    )
    await refused(
        app,
        lambda a: a.services.votes.credit_mind_change(
            member(VOTERS[0]), CHANNEL, 1, "Crediting the same argument twice."
        ),
        errors.AlreadyCredited,
    )


async def test_muted_member_is_refused_until_expiry(app: App, clock: ManualClock) -> None:
    await start_oxford(app)
    await app.services.moderation.mute(moderator(), FOR_1, 30, "spamming")
    actions: list[Step] = [
        lambda a: a.services.votes.vote(member(FOR_1), CHANNEL, Stance.FOR),
        lambda a: a.services.debates.join(member(FOR_1), CHANNEL, Side.AUDIENCE),
    ]
    for step in actions:
        error = await refused(app, step, errors.Muted)
        assert "spamming" in error.message and "UTC" in error.message
    await advance_to(app, "opening")
    await refused(
        app, lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "Hi."), errors.Muted
    )
    clock.advance(minutes=31)
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "Back again.")


async def test_locked_debate(app: App) -> None:
    await start_oxford(app)
    await app.services.moderation.set_locked(moderator(), CHANNEL, True)
    await refused(
        app, lambda a: a.services.votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR), errors.Locked
    )
    await app.services.moderation.set_locked(moderator(), CHANNEL, False)
    await app.services.votes.vote(member(VOTERS[0]), CHANNEL, Stance.FOR)


async def test_text_too_long(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "opening")
    error = await refused(
        app,
        lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "x" * 1501),
        errors.TooLong,
    )
    assert "1501" in error.message and "1500" in error.message


async def test_not_a_moderator(app: App) -> None:
    await start_oxford(app)
    await refused(
        app, lambda a: a.services.debates.next_phase(member(FOR_1), CHANNEL), errors.NotModerator
    )
    await refused(
        app,
        lambda a: a.services.moderation.mute(member(FOR_1), FOR_2, 5, "no reason"),
        errors.NotModerator,
    )


async def test_second_debate_in_the_same_channel(app: App) -> None:
    await start_oxford(app)
    await refused(
        app,
        lambda a: a.services.debates.start(moderator(), channel_id=CHANNEL, motion_ref="2"),
        errors.DebateAlreadyOpen,
    )


async def test_switching_sides_after_arguing(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "opening")
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "My opening.")
    await refused(
        app,
        lambda a: a.services.debates.join(member(FOR_1), CHANNEL, Side.AGAINST),
        errors.SideSwitchRefused,
    )


async def test_duplicate_text(app: App) -> None:
    await start_oxford(app)
    await advance_to(app, "floor")
    await app.services.arguments.propose(member(FOR_1), CHANNEL, "Same   text.")
    await refused(
        app,
        lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "same text."),
        errors.DuplicateArgument,
    )


async def test_cooldown_between_arguments(database_url: str, clock: ManualClock) -> None:
    async with app_with(database_url, clock, argument_cooldown_seconds=30) as app:
        await start_oxford(app)
        await advance_to(app, "floor")
        await app.services.arguments.propose(member(FOR_1), CHANNEL, "First.")
        error = await refused(
            app,
            lambda a: a.services.arguments.propose(member(FOR_1), CHANNEL, "Second."),
            errors.OnCooldown,
        )
        assert "30 s" in error.message
        clock.advance(seconds=31)
        await app.services.arguments.propose(member(FOR_1), CHANNEL, "Second.")


async def test_new_member_may_vote_but_not_argue(database_url: str, clock: ManualClock) -> None:
    async with app_with(database_url, clock, min_member_age_minutes=60) as app:
        await start_oxford(app)
        newcomer = Actor(GUILD, FOR_1, joined_guild_at=clock.now() - timedelta(minutes=5))
        await app.services.votes.vote(newcomer, CHANNEL, Stance.FOR)
        await advance_to(app, "opening")
        await refused(
            app, lambda a: a.services.arguments.propose(newcomer, CHANNEL, "Hi."), errors.NewMember
        )


async def test_other_guild_cannot_reach_this_debate(app: App) -> None:
    debate = await start_oxford(app)
    await advance_to(app, "floor")
    claim = await app.services.arguments.propose(member(FOR_1), CHANNEL, "A claim.")
    outsider = member(FOR_2, guild_id=OTHER_GUILD)
    await refused(
        app, lambda a: a.services.votes.vote(outsider, CHANNEL, Stance.FOR), errors.NoDebateHere
    )
    await refused(
        app,
        lambda a: a.services.votes.toggle_persuasive(
            outsider, None, claim.number, debate_id=debate.id
        ),
        errors.UnknownDebate,
    )
    await refused(
        app,
        lambda a: a.services.arguments.rebut_in_debate(outsider, debate.id, claim.number, "Ha."),
        errors.UnknownDebate,
    )
    await refused(
        app,
        lambda a: a.services.moderation.remove_argument(
            moderator(guild_id=OTHER_GUILD), CHANNEL, claim.number, "cross-guild"
        ),
        errors.NoDebateHere,
    )
