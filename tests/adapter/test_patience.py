"""Discord's 3-second window, which the emulator enforces unless a test of a burst lends it
more (``BURST_WINDOW``): a write still running at ``patience.DEFER_AT`` is deferred within the
window, not before, and answered once it is committed. The write is held until the deferral
has come, so what is proven does not depend on how fast the machine is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapter import patience
from bot.domain.enums import Side
from bot.services.views import Actor
from bot.storage.models import Argument, MotionVote
from tests.adapter.conftest import Harness, until

#: Snowflakes, from which the bot reads an interaction's age, count whole milliseconds.
SNOWFLAKE_TICK = 0.01


@pytest.fixture
async def release(harness: Harness) -> AsyncIterator[asyncio.Event]:
    """Set by the test once the deferral came, and in any case before the bot stops: the bot
    waits for the interactions it is handling when it closes."""
    event = asyncio.Event()
    yield event
    event.set()


def held(release: asyncio.Event, work: Any) -> Any:
    """``work`` that starts only once ``release`` is set: a write stuck behind others."""

    async def waiting(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        return await work(*args, **kwargs)

    return waiting


async def test_a_vote_still_being_written_is_deferred_in_the_window_then_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, release: asyncio.Event
) -> None:
    emu, w = harness.emu, harness.world
    assert emu.ack_deadline == 3.0  # Discord's window
    thread, _ = await harness.start_debate()
    voter = w.audience[0]
    await harness.app.services.debates.join(Actor(w.guild, voter), thread, Side.AUDIENCE)
    votes = harness.app.services.votes
    monkeypatch.setattr(votes, "vote", held(release, votes.vote))

    result = emu.dispatch_interaction(
        emu.build_slash_payload(w.guild, thread, voter, "vote", {"stance": "for"})
    )
    await asyncio.wait_for(result.acked, timeout=10)  # only a deferral can answer yet

    assert not result.expired, result.errors
    assert result.callback_type == 5 and result.ephemeral
    assert result.acked_after is not None
    assert result.acked_after >= patience.DEFER_AT - SNOWFLAKE_TICK  # not before it was due
    release.set()
    await harness.answered([result])
    assert "vote is recorded" in result.text()
    async with harness.app.db.read() as session:
        assert await session.scalar(select(MotionVote.stance)) == "for"


async def test_a_post_still_being_written_is_deferred_publicly_and_its_card_replaces_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, release: asyncio.Event
) -> None:
    emu, w = harness.emu, harness.world
    assert emu.ack_deadline == 3.0  # Discord's window
    thread, _ = await harness.start_debate(fmt="open")
    ada = w.debaters_for[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    arguments = harness.app.services.arguments
    monkeypatch.setattr(arguments, "propose", held(release, arguments.propose))

    result = emu.dispatch_interaction(
        emu.build_slash_payload(w.guild, thread, ada, "propose", {"text": "Worth the wait."})
    )
    await asyncio.wait_for(result.acked, timeout=10)  # only a deferral can answer yet

    assert not result.expired, result.errors
    assert result.callback_type == 5 and not result.ephemeral
    assert result.acked_after is not None
    assert result.acked_after >= patience.DEFER_AT - SNOWFLAKE_TICK  # not before it was due
    release.set()
    await harness.answered([result])
    assert "Worth the wait." in result.text() and not result.followup_ids

    async def remembered() -> bool:
        async with harness.app.db.read() as session:
            return await session.scalar(select(Argument.message_id)) is not None

    await until(remembered, "the card's message stored")
    async with harness.app.db.read() as session:
        assert await session.scalar(select(Argument.message_id)) == result.original_id


MANAGE_GUILD = 1 << 5


@pytest.mark.parametrize(
    ("command", "options", "service", "method", "answer"),
    [
        ("debate next", {}, "debates", "next_phase", "Moved to Opening statements"),
        ("debate extend", {"minutes": 5}, "debates", "extend", "now ends"),
        ("mod lock", {}, "moderation", "set_locked", "Submissions paused"),
        ("motions add", {"text": "Held motions are still added."}, "motions", "add", "Added"),
        (
            "settings set",
            {"key": "debates.results", "value": "live"},
            "guild_settings",
            "change",
            "is now",
        ),
    ],
)
async def test_a_moderators_write_still_running_is_deferred_then_answered(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    release: asyncio.Event,
    command: str,
    options: dict[str, Any],
    service: str,
    method: str,
    answer: str,
) -> None:
    """Moderators' writes wait behind a burst's commits like members' do: answered only at
    the end, a late /debate next failed in Discord's eyes although the phase had moved, and
    its moderator would press it again (seen after a restart on a loaded machine)."""
    emu, w = harness.emu, harness.world
    assert emu.ack_deadline == 3.0  # Discord's window
    thread, _ = await harness.start_debate()
    admin = emu.add_member(w.guild, "Admin", permissions=MANAGE_GUILD).id
    user = admin if command.startswith("settings") else w.moderator
    services = getattr(harness.app.services, service)
    monkeypatch.setattr(services, method, held(release, getattr(services, method)))

    result = emu.dispatch_interaction(
        emu.build_slash_payload(w.guild, thread, user, command, options)
    )
    await asyncio.wait_for(result.acked, timeout=10)  # only a deferral can answer yet

    assert not result.expired, result.errors
    assert result.callback_type == 5 and result.ephemeral
    release.set()
    await harness.answered([result])
    assert answer in result.text(), result.text()
