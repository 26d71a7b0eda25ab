"""Everything survives a restart: buttons on old cards work, and deadlines that passed while
the bot was down are applied at start-up. Deadlines are announced once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.models import ArgumentVote, AuditEvent
from tests.adapter.conftest import Harness


async def test_buttons_work_after_a_restart(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    ada, cleo, voter = w.debaters_for[0], w.debaters_against[0], w.audience[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    await harness.slash(ada, "propose", {"text": "Posted before the restart."}, channel=thread)
    card = harness.card_of(thread, 1)
    motion_card = harness.public(w.channel)[-1]

    await harness.local.stop_bot()
    await harness.local.start_bot(upgrade=False)

    marked = await harness.click(voter, thread, card, "Persuasive")
    assert marked.ephemeral and "marked #1 persuasive" in marked.text()
    joined = await harness.click(cleo, w.channel, motion_card, "Against")
    assert "Against" in joined.text()
    modal = await harness.click(cleo, thread, card, "Rebut")
    assert modal.modal is not None
    field = modal.modal["components"][0]["components"][0]["custom_id"]
    rebuttal = await harness.emu.submit_modal(
        w.guild, thread, cleo, modal.modal["custom_id"], {field: "Answered after the restart."}
    )
    assert "rebuts #1" in rebuttal.text()
    async with harness.app.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(ArgumentVote)) == 1


async def test_deadline_passed_while_down_is_applied_at_start_up(harness: Harness) -> None:
    thread, _ = await harness.start_debate()
    await harness.local.stop_bot()
    harness.clock.advance(minutes=11)  # the 10-minute pre-debate vote ran out while down
    await harness.local.start_bot(upgrade=False)
    await harness.posted(thread, "Now: Opening statements")
    await harness.emu.settle(quiet=0.5)
    assert harness.public_text(thread).count("Now: Opening statements") == 1
    card = harness.public(harness.world.channel)[-1]
    assert any(f.get("value") == "Opening statements" for f in card["embeds"][0]["fields"])


async def test_running_deadline_loop_advances_once(harness: Harness) -> None:
    thread, _ = await harness.start_debate()
    bot = harness.local.bot
    assert bot is not None
    harness.clock.advance(minutes=10, seconds=1)
    bot.deadlines.wake()
    await harness.emu.settle(quiet=0.5)
    assert await bot.deadlines.tick() == 0  # already applied by the loop
    assert harness.public_text(thread).count("Now: Opening statements") == 1
    async with harness.app.db.read() as session:
        advances = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "phase_advanced")
        )
    assert advances == 1


async def test_extend_moves_the_deadline_and_says_so(harness: Harness) -> None:
    thread, _ = await harness.start_debate()
    result = await harness.slash(
        harness.world.moderator, "debate extend", {"minutes": 15}, channel=thread
    )
    assert result.ephemeral and "now ends" in result.text()
    assert "extended Pre-debate vote by 15 min" in harness.public_text(thread)
    harness.clock.advance(minutes=11)
    bot = harness.local.bot
    assert bot is not None
    assert await bot.deadlines.tick() == 0
    harness.clock.advance(minutes=15)
    assert await bot.deadlines.tick() == 1


async def test_closing_lets_an_interaction_being_handled_finish(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shutdown in the middle of a post waits for it: the member gets the card and the
    bot remembers the card's message, instead of a committed argument left unanswered."""
    w, emu = harness.world, harness.emu
    thread, _ = await harness.start_debate()
    card = harness.public(w.channel)[-1]
    ada = w.debaters_for[0]
    await harness.click(ada, w.channel, card, "For")
    await harness.slash(w.moderator, "debate next", channel=thread)
    arguments = harness.app.services.arguments
    started, release = asyncio.Event(), asyncio.Event()
    propose = arguments.propose

    async def held(*args: Any, **kwargs: Any) -> Any:
        started.set()
        await release.wait()
        return await propose(*args, **kwargs)

    monkeypatch.setattr(arguments, "propose", held)
    payload = emu.build_slash_payload(w.guild, thread, ada, "propose", {"text": "Last words."})
    posted = emu.dispatch_interaction(payload)
    await asyncio.wait_for(started.wait(), timeout=5)
    bot = harness.local.bot
    assert bot is not None
    closing = asyncio.create_task(bot.close())
    await asyncio.sleep(0.3)
    assert not closing.done()  # waiting for the post
    release.set()
    await asyncio.wait_for(closing, timeout=10)

    # The card is the answer, or on a loaded machine the follow-up that replaced a deferral.
    assert posted.callback_type in (4, 5) and "Last words." in posted.text()
    debate = await harness.app.services.debates.in_channel(w.guild, thread)
    stored = await harness.app.services.arguments.get(w.guild, debate.id, 1)
    assert stored.message_id == posted.original_id
