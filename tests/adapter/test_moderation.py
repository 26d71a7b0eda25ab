"""Issue 6 end to end: every /mod command takes effect, is announced and logged; the same
command from a member is refused and changes nothing; guilds are isolated; bursts are
absorbed politely."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.domain.ratelimit import RateLimiter
from bot.storage.models import Argument
from tests.adapter.conftest import BURST_WINDOW, Harness, message_text, publicly_answered


async def open_floor(harness: Harness) -> int:
    """An open-format debate where Ada (for) and Cleo (against) each posted a claim."""
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    ada, cleo, voter = w.debaters_for[0], w.debaters_against[0], w.audience[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(cleo, "debate join", {"side": "against"}, channel=thread)
    await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    await harness.slash(ada, "propose", {"text": "Russia is overstretched."}, channel=thread)
    await harness.slash(cleo, "propose", {"text": "An offensive slur, say."}, channel=thread)
    return thread


async def mod_log(harness: Harness, thread: int) -> str:
    result = await harness.slash(harness.world.moderator, "mod log", channel=thread)
    assert result.ephemeral
    return result.text()


async def test_each_mod_command_acts_announces_logs_and_refuses_members(harness: Harness) -> None:
    w = harness.world
    thread = await open_floor(harness)
    mod, ada, cleo, voter = w.moderator, w.debaters_for[0], w.debaters_against[0], w.audience[0]
    steps: list[tuple[str, dict[str, Any], str, str]] = [
        ("mod remove", {"argument": 2, "reason": "slur"}, "removed #2", "removed an argument"),
        ("mod restore", {"argument": 2}, "restored #2", "restored an argument"),
        ("mod warn", {"user": cleo, "reason": "tone"}, "warned you: tone", "warned a member"),
        ("mod mute", {"user": cleo, "minutes": 5, "reason": "spam"}, "are muted", "muted a member"),
        ("mod unmute", {"user": cleo}, "", "unmuted a member"),
        ("mod lock", {}, "paused submissions", "paused submissions"),
        ("mod unlock", {}, "resumed submissions", "resumed submissions"),
    ]
    for command, options, announced, logged in steps:
        before = await harness.snapshot()
        refused = await harness.slash(ada, command, options, channel=thread)
        assert refused.ephemeral and "Only moderators" in refused.text(), command
        assert await harness.snapshot() == before, f"{command} by a member changed something"
        done = await harness.slash(mod, command, options, channel=thread)
        assert done.ephemeral, command
        if announced:
            assert announced in harness.public_text(thread), command
        assert logged in await mod_log(harness, thread), command
    log = await mod_log(harness, thread)
    assert "slur" in log and "#2" in log and f"<@{cleo}>" in log and f"<@{mod}>" in log
    refused_log = await harness.slash(voter, "mod log", channel=thread)
    assert refused_log.ephemeral and "Only moderators" in refused_log.text()


async def test_removed_argument_card_autocomplete_and_marks(harness: Harness) -> None:
    w = harness.world
    thread = await open_floor(harness)
    mod, ada, voter = w.moderator, w.debaters_for[0], w.audience[0]
    await harness.slash(mod, "mod remove", {"argument": 2, "reason": "slur"}, channel=thread)
    card = harness.card_of(thread, 2)
    text = message_text(card)
    assert "Removed by a moderator" in text and "slur" in text and "offensive" not in text
    assert not card.get("components"), "a removed argument keeps no buttons"
    choices = await harness.emu.autocomplete(
        w.guild, thread, voter, "persuasive", {"argument": ""}, focused="argument"
    )
    assert [c["value"] for c in choices] == [1]
    for command, options in (
        ("persuasive", {"argument": 2}),
        ("rebut", {"argument": 2, "text": "Answering a removed one."}),
    ):
        result = await harness.slash(
            ada if command == "rebut" else voter, command, options, channel=thread
        )
        assert result.ephemeral and "removed by a moderator" in result.text()
    await harness.slash(mod, "mod restore", {"argument": 2}, channel=thread)
    restored = harness.card_of(thread, 2)
    assert "offensive" in message_text(restored) and restored.get("components")


async def test_lock_pauses_submissions(harness: Harness) -> None:
    w = harness.world
    thread = await open_floor(harness)
    await harness.slash(w.moderator, "mod lock", channel=thread)
    paused = await harness.slash(
        w.debaters_for[0], "propose", {"text": "Let me in."}, channel=thread
    )
    assert paused.ephemeral and "paused submissions" in paused.text()
    await harness.slash(w.moderator, "mod unlock", channel=thread)
    posted = await harness.slash(
        w.debaters_for[0], "propose", {"text": "Let me in."}, channel=thread
    )
    assert not posted.ephemeral


async def test_audit_log_pages_with_buttons(harness: Harness) -> None:
    w = harness.world
    thread = await open_floor(harness)
    for i in range(12):
        await harness.slash(
            w.moderator, "mod warn", {"user": w.audience[0], "reason": f"r{i}"}, channel=thread
        )
    first = await harness.slash(w.moderator, "mod log", channel=thread)
    assert "Page 1 of 2" in first.text() and "r11" in first.text() and "r0" not in first.text()
    assert first.original is not None
    older = await harness.click(w.moderator, thread, first.original, "Older")
    assert older.original is not None
    assert "Page 2 of 2" in older.text() and "r0" in older.text()


async def test_two_guilds_are_isolated(harness: Harness) -> None:
    w, emu = harness.world, harness.emu
    thread_a = await open_floor(harness)
    guild_b = emu.add_guild("Other")
    channel_b = emu.add_text_channel(guild_b.id, "debates")
    mods_b = emu.add_role(guild_b.id, "Mods", permissions=1 << 13)
    mod_b = emu.add_member(guild_b.id, "mallory", roles=[mods_b.id])
    troll = emu.add_member(guild_b.id, "troll")
    await harness.local.stop_bot()  # reconnect so the bot receives the new guild
    await harness.local.start_bot(upgrade=False)
    started = await emu.slash(
        guild_b.id, channel_b.id, mod_b.id, "debate start", {"motion": "2", "format": "open"}
    )
    assert started.ephemeral
    thread_b = int(emu.threads(channel_b.id)[-1]["id"])
    await emu.slash(guild_b.id, thread_b, troll.id, "debate join", {"side": "against"})
    before = await harness.snapshot()

    # Guild A's argument numbers in guild B's debate refer to B's (empty) debate.
    result = await emu.slash(guild_b.id, thread_b, troll.id, "persuasive", {"argument": 1})
    assert result.ephemeral and "no argument #1" in result.text()
    result = await emu.slash(
        guild_b.id, thread_b, mod_b.id, "mod remove", {"argument": 2, "reason": "x"}
    )
    assert result.ephemeral and "no argument #2" in result.text()
    # Guild A's custom ids clicked in guild B. Discord only delivers custom ids that are on
    # the message, so the test plants A's buttons on a message in B (as a tampered client or
    # a bot bug would) and checks that the services refuse them as another server's.
    card_a = harness.card_of(thread_a, 1)
    motion_card_a = harness.public(w.channel)[-1]
    card_b = emu.messages(channel_b.id, include_ephemeral=False)[-1]
    stored = emu._messages[int(card_b["id"])]  # test-only tampering with the emulator's store
    stored["components"] = card_a["components"] + motion_card_a["components"]
    for row in stored["components"]:
        for button in row["components"]:
            result = await emu.click(
                guild_b.id, channel_b.id, troll.id, int(card_b["id"]), button["custom_id"]
            )
            if result.modal is not None:  # Rebut opens its modal; the submit is checked
                result = await emu.submit_modal(
                    guild_b.id, thread_b, troll.id, result.modal["custom_id"], {"text": "Hi."}
                )
            if button["label"] == "Vote":  # the stance prompt; its buttons carry A's debate
                prompt = result.original
                assert prompt is not None
                stance = prompt["components"][0]["components"][0]["custom_id"]
                result = await emu.click(
                    guild_b.id, channel_b.id, troll.id, int(prompt["id"]), stance
                )
            assert result.ephemeral, button["custom_id"]
            assert "does not exist in this server" in result.text(), button["custom_id"]
    assert await harness.snapshot() == before


async def test_a_burst_of_identical_proposals_yields_one_argument(harness: Harness) -> None:
    w, emu = harness.world, harness.emu
    thread = await open_floor(harness)
    bot = harness.local.bot
    assert bot is not None
    bot.limiter = RateLimiter(actions=8, per_seconds=10)  # the configured default
    ben = w.debaters_for[1]
    await harness.slash(ben, "debate join", {"side": "for"}, channel=thread)
    payload_text = {"text": "Spam spam spam."}
    emu.ack_deadline = BURST_WINDOW
    results = await harness.answered(
        [
            emu.dispatch_interaction(
                emu.build_slash_payload(w.guild, thread, ben, "propose", payload_text)
            )
            for _ in range(50)
        ]
    )
    await emu.settle(quiet=0.3)
    public = [r for r in results if publicly_answered(r)]
    assert len(public) == 1
    refusals = [r.text() for r in results if not publicly_answered(r)]
    assert len(refusals) == 49
    assert all("going a bit fast" in t or "already posted this text" in t for t in refusals)
    async with harness.app.db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Argument).where(Argument.author_id == ben)
        )
    assert count == 1
    assert emu.violations == []
