"""Refusals through Discord: each is an ephemeral message and changes nothing in the database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.adapter.conftest import Harness, message_text


async def refused(
    harness: Harness, user: int, command: str, options: dict[str, Any], channel: int, *words: str
) -> None:
    before = await harness.snapshot()
    public_before = len(harness.public(channel))
    result = await harness.slash(user, command, options, channel=channel)
    assert result.ephemeral, f"{command}: refusal must be ephemeral, got {result.text()!r}"
    for word in words:
        assert word in result.text(), f"{command}: {word!r} not in {result.text()!r}"
    assert await harness.snapshot() == before, f"{command} changed the database"
    assert len(harness.public(channel)) == public_before


async def test_refusals_are_ephemeral_and_change_nothing(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate()
    ada, ben = w.debaters_for
    cleo, _ = w.debaters_against
    voter = w.audience[0]
    for member, side in ((ada, "for"), (ben, "for"), (cleo, "against"), (voter, "audience")):
        await harness.slash(member, "debate join", {"side": side}, channel=thread)

    for command, options in (
        ("debate next", {}),
        ("debate end", {}),
        ("debate extend", {"minutes": 5}),
        ("mod lock", {}),
        ("mod warn", {"user": cleo, "reason": "no"}),
        ("motions add", {"text": "A motion nobody allowed me to add."}),
    ):
        await refused(harness, ada, command, options, thread, "Only moderators")

    await refused(
        harness, ada, "propose", {"text": "Too early."}, thread, "Pre-debate vote", "Opening"
    )
    await harness.slash(w.moderator, "debate next", channel=thread)
    outsider = w.audience[1]
    await refused(harness, outsider, "propose", {"text": "Hello"}, thread, "Join the debate first")
    await refused(harness, voter, "propose", {"text": "Hello"}, thread, "audience")
    await refused(harness, voter, "vote", {"stance": "for"}, thread, "not open")
    await refused(harness, ada, "propose", {"text": "x" * 1501}, thread, "1501", "1500")

    await harness.slash(ada, "propose", {"text": "My opening."}, channel=thread)
    await refused(harness, ada, "propose", {"text": "A second opening."}, thread, "opening")
    await harness.slash(w.moderator, "debate next", channel=thread)
    await refused(
        harness, ben, "rebut", {"argument": 1, "text": "I agree."}, thread, "your own side"
    )
    await refused(
        harness, cleo, "rebut", {"argument": 42, "text": "Which?"}, thread, "no argument #42"
    )
    await refused(harness, ada, "persuasive", {"argument": 1}, thread, "your own argument")

    second = await harness.slash(w.moderator, "debate start", {"motion": "2"}, channel=thread)
    assert second.ephemeral and "already running" in second.text()
    assert len(harness.emu.threads(w.channel)) == 1
    assert harness.emu.violations == []


async def test_muted_member_is_refused_everywhere_until_expiry(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    ada = w.debaters_for[0]
    cleo = w.debaters_against[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(cleo, "debate join", {"side": "against"}, channel=thread)
    await harness.slash(cleo, "propose", {"text": "Cleo's claim."}, channel=thread)
    muted = await harness.slash(
        w.moderator, "mod mute", {"user": ada, "minutes": 30, "reason": "flooding"}, channel=thread
    )
    assert muted.ephemeral and "Muted" in muted.text()
    assert "you are muted" in harness.public_text(thread)
    for command, options in (
        ("propose", {"text": "Let me speak."}),
        ("rebut", {"argument": 1, "text": "No."}),
        ("vote", {"stance": "for"}),
        ("persuasive", {"argument": 1}),
        ("delta", {"argument": 1, "explanation": "This changed my mind, truly."}),
    ):
        await refused(harness, ada, command, options, thread, "muted", "flooding", "UTC")
    harness.clock.advance(minutes=31)
    ok = await harness.slash(ada, "vote", {"stance": "for"}, channel=thread)
    assert "recorded" in ok.text()


async def test_a_slow_vote_is_deferred_then_answered_after_the_commit(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    w = harness.world
    thread, _ = await harness.start_debate()
    voter = w.audience[0]
    await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late
    result = await harness.slash(voter, "vote", {"stance": "for"}, channel=thread)
    assert result.callback_type == 5 and result.ephemeral
    assert "vote is recorded" in result.text()
    refused = await harness.slash(w.audience[1], "vote", {"stance": "for"}, channel=thread)
    assert refused.ephemeral and "Join the debate first" in refused.text()


async def test_slow_buttons_and_marks_are_deferred_then_answered_after_the_commit(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    w = harness.world
    thread, _ = await harness.start_debate()
    card = harness.public(w.channel)[-1]
    voter = w.audience[0]
    await harness.click(voter, w.channel, card, "Audience")
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late
    prompt = await harness.click(voter, w.channel, card, "Vote")
    choice = await harness.click(voter, w.channel, prompt.original, "For")
    assert choice.callback_type == 6  # the prompt's edit, deferred
    await harness.edited(choice, "vote is recorded")
    assert not choice.custom_ids()

    await harness.slash(w.moderator, "debate next", channel=thread)
    ada = w.debaters_for[0]
    await harness.click(ada, w.channel, card, "For")
    await harness.slash(ada, "propose", {"text": "An opening worth marking."}, channel=thread)
    marked = await harness.slash(voter, "persuasive", {"argument": 1}, channel=thread)
    assert marked.callback_type == 5 and marked.ephemeral
    assert "You marked #1 persuasive (1 in all)" in marked.text()
    pressed = await harness.click(voter, thread, harness.card_of(thread, 1), "Persuasive")
    assert "took back your persuasive mark on #1 (0 in all)" in pressed.text()


async def test_a_slow_argument_is_deferred_publicly_and_a_late_refusal_stays_private(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    w = harness.world
    thread, _ = await harness.start_debate()
    card = harness.public(w.channel)[-1]
    ada = w.debaters_for[0]
    await harness.click(ada, w.channel, card, "For")
    await harness.slash(w.moderator, "debate next", channel=thread)
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late
    posted = await harness.slash(ada, "propose", {"text": "A slow opening."}, channel=thread)
    assert posted.callback_type == 5 and not posted.ephemeral  # the card replaces it
    shown = harness.card_of(thread, 1)
    assert posted.original_id == int(shown["id"])
    assert "A slow opening." in message_text(shown)
    debate = await harness.app.services.debates.in_channel(w.guild, thread)
    argument = await harness.app.services.arguments.get(w.guild, debate.id, 1)
    assert argument.message_id == int(shown["id"])  # so a removal can edit this card

    public_before = len(harness.public(thread))
    second = await harness.slash(ada, "propose", {"text": "A second opening."}, channel=thread)
    assert second.callback_type == 5
    refusal = second.followups
    assert len(refusal) == 1 and refusal[0]["flags"] & 64  # ephemeral
    assert "Each debater posts 1 opening statement" in refusal[0]["content"]
    assert second.original is None  # the public "thinking" message is gone
    assert len(harness.public(thread)) == public_before  # nothing public remains


async def test_an_error_after_a_late_card_leaves_the_card_up(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The argument is committed and its card posted as the deferral's follow-up; a failure
    after that (remembering the card) is reported privately and takes nothing down."""
    import bot.adapter.patience as patience

    w = harness.world
    thread, _ = await harness.start_debate()
    card = harness.public(w.channel)[-1]
    ada = w.debaters_for[0]
    await harness.click(ada, w.channel, card, "For")
    await harness.slash(w.moderator, "debate next", channel=thread)
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(harness.app.services.arguments, "set_message", broken)
    posted = await harness.slash(ada, "propose", {"text": "Still standing."}, channel=thread)
    assert "Still standing." in message_text(harness.card_of(thread, 1))
    assert posted.original is not None  # the card, not deleted
    errors = posted.followups
    assert len(errors) == 1 and errors[0]["flags"] & 64
    assert "Reference" in errors[0]["content"]


async def test_an_answer_too_late_is_logged_once_without_a_second_request(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord refuses an answer after the 3-second window (10062): nobody can be told, so the
    bot logs one line instead of a traceback and sends no error message after it."""
    from bot.emulator.faults import INTERACTION_CALLBACK, Status

    w = harness.world
    thread, _ = await harness.start_debate()
    voter = w.audience[0]
    await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    harness.emu.faults.add(
        INTERACTION_CALLBACK, Status(404, code=10062, message="Unknown interaction")
    )
    sent = len(harness.emu.requests)

    with caplog.at_level("WARNING", logger="bot.adapter"):
        harness.emu.dispatch_interaction(
            harness.emu.build_slash_payload(w.guild, thread, voter, "vote", {"stance": "for"})
        )
        deadline = asyncio.get_running_loop().time() + 30
        while len(harness.emu.requests) == sent:  # the refused answer
            assert asyncio.get_running_loop().time() < deadline, "the bot never answered"
            await asyncio.sleep(0.02)
        await harness.emu.settle(quiet=0.5, timeout=10)  # and whatever would follow it

    paths = [r.path for r in harness.emu.requests[sent:]]
    assert len(paths) == 1 and paths[0].endswith("/callback"), paths
    assert [r.getMessage() for r in caplog.records if r.name == "bot.adapter"] == [
        f"interaction {paths[0].split('/')[-3]} (vote) expired before it was answered"
    ]
    assert not any(r.exc_info for r in caplog.records)
