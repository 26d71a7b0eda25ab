"""End to end: the real discord.py client against the emulator."""

from __future__ import annotations

import os

import pytest

from bot.emulator import DiscordEmulator, EmulatorError

from .conftest import TestBot, World

N_BURST = int(os.environ.get("EMU_BURST", "50"))


async def test_login_sync_and_ready(world: World, bot: TestBot) -> None:
    emu = world.emu
    names = {c["name"] for c in emu.commands()}
    assert {"debate", "think", "secret", "card", "thread", "export"} <= names
    assert [c["name"] for c in emu.commands(world.guild)] == ["local"]
    assert [scope for scope, _ in emu.command_syncs] == [None, world.guild]
    assert all(c["id"] and c["application_id"] == str(emu.app_id) for c in emu.commands())
    assert emu.unhandled == []
    assert emu.violations == []
    paths = [r.path for r in emu.requests]
    assert paths[:2] == ["/users/@me", "/oauth2/applications/@me"]


async def test_slash_subcommand_options_and_view_select(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(
        world.guild,
        world.channel,
        world.alice,
        "debate start",
        {"motion": "1", "format": "oxford", "rounds": 4, "moderator": world.bob},
    )
    assert res.callback_type == 4
    assert not res.ephemeral
    assert res.content == "started motion=1 format=oxford rounds=4 mod=bob perms=True"
    assert res.acked_after is not None and res.acked_after < 3
    assert "card:rebut" in res.custom_ids()
    data = res.payload["data"]
    assert data["options"][0]["name"] == "start"
    assert str(world.bob) in data["resolved"]["members"]
    original = res.original
    assert original is not None and original["type"] == 20
    assert original["interaction_metadata"]["user"]["id"] == str(world.alice)
    assert emu.messages(world.channel)[-1]["id"] == original["id"]

    # the view was registered from the callback response: the select edits the message
    sel = await emu.select(
        world.guild, world.channel, world.bob, int(original["id"]), "card:stance", ["against"]
    )
    assert sel.callback_type == 7
    assert sel.content == "stance against"
    assert emu.message(int(original["id"]))["content"] == "stance against"  # type: ignore[index]

    # a deferred update (type 6) then an edit of @original edits the component's message
    done = await emu.click(world.guild, world.channel, world.bob, int(original["id"]), "card:done")
    assert done.callback_type == 6
    assert done.original is not None and done.original["id"] == original["id"]
    assert done.content == "closed" and done.components == []

    # bob has no moderator role
    res2 = await emu.slash(
        world.guild, world.channel, world.bob, "debate start", {"motion": "x", "format": "open"}
    )
    assert res2.content.endswith("rounds=3 mod=none perms=False")


async def test_slash_validation_errors(world: World, bot: TestBot) -> None:
    emu = world.emu
    g, c, u = world.guild, world.channel, world.alice
    with pytest.raises(EmulatorError, match="not registered"):
        await emu.slash(g, c, u, "nope")
    with pytest.raises(EmulatorError, match="required option 'format'"):
        await emu.slash(g, c, u, "debate start", {"motion": "1"})
    with pytest.raises(EmulatorError, match="choices"):
        await emu.slash(g, c, u, "debate start", {"motion": "1", "format": "british"})
    with pytest.raises(EmulatorError, match="outside"):
        await emu.slash(g, c, u, "debate start", {"motion": "1", "format": "open", "rounds": 0})
    with pytest.raises(EmulatorError, match="no option"):
        await emu.slash(g, c, u, "debate start", {"motion": "1", "format": "open", "x": 1})
    with pytest.raises(EmulatorError, match="needs a subcommand"):
        await emu.slash(g, c, u, "debate")
    with pytest.raises(EmulatorError, match="not registered"):
        await emu.slash(world.other_guild, world.other_channel, world.alice, "local")


async def test_autocomplete(world: World, bot: TestBot) -> None:
    emu = world.emu
    choices = await emu.autocomplete(
        world.guild, world.channel, world.alice, "debate start", {"motion": "3"}, focused="motion"
    )
    assert choices[0] == {"name": "Motion 3", "value": "3"}
    assert all("3" in c["value"] for c in choices)
    assert emu.interactions[-1].callback_type == 8


async def test_defer_then_followups(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "think")
    assert res.callback_type == 5
    # Discord: the first follow-up after a thinking defer edits the "thinking..." message
    assert res.original is not None and res.original["content"] == "thought about it"
    assert not res.original["flags"] & 128
    assert [m["content"] for m in res.followups] == ["and a second message"]
    assert res.text() == "thought about it\nand a second message"


async def test_ephemeral(world: World, bot: TestBot) -> None:
    res = await world.emu.slash(world.guild, world.channel, world.bob, "secret")
    assert res.callback_type == 4 and res.ephemeral and res.content == "only you"
    assert world.emu.messages(world.channel, include_ephemeral=False) == []


async def test_persistent_dynamic_button(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "card")
    assert res.custom_ids() == ["pers:7"]
    mid = int(res.original["id"])  # type: ignore[index]
    click = await emu.click(world.guild, world.channel, world.bob, mid, "pers:7")
    assert click.callback_type == 4 and click.ephemeral
    assert click.content == "persuasive #7"
    with pytest.raises(EmulatorError, match="no component"):
        await emu.click(world.guild, world.channel, world.bob, mid, "pers:8")


async def test_button_opens_modal_and_submit(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(
        world.guild, world.channel, world.alice, "debate start", {"motion": "1", "format": "open"}
    )
    mid = int(res.original["id"])  # type: ignore[index]
    click = await emu.click(world.guild, world.channel, world.bob, mid, "card:rebut")
    assert click.callback_type == 9
    assert click.modal is not None and click.modal["title"] == "Rebut argument"
    sub = await emu.submit_modal(
        world.guild, world.channel, world.bob, click.modal["custom_id"], {"rebut_text": "No."}
    )
    assert sub.callback_type == 4
    assert sub.content == "rebuttal: No."


async def test_channel_post_thread_and_mentions(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "thread")
    assert res.callback_type == 5 and res.ephemeral
    threads = emu.threads(world.channel)
    assert len(threads) == 1 and threads[0]["name"] == "Debate: testing"
    thread_id = int(threads[0]["id"])
    assert res.content == f"thread {thread_id}"
    card = next(m for m in emu.messages(world.channel) if m["embeds"])
    assert card["embeds"][0]["title"] == "Motion card"
    assert card["thread"]["id"] == str(thread_id) == card["id"]
    posted = emu.messages(thread_id)
    assert len(posted) == 1
    assert posted[0]["allowed_mentions"] == {"parse": []}
    assert posted[0]["mentions"] == [] and posted[0]["mention_everyone"] is False
    # the bot's cache learned about the thread through THREAD_CREATE
    guild = bot.get_guild(world.guild)
    assert guild is not None and guild.get_thread(thread_id) is not None
    assert emu.violations == []


async def test_file_followup(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "export")
    assert res.files == [("t.md", b"# transcript\n")]
    original = res.original
    assert original is not None
    att = original["attachments"][0]
    assert att["filename"] == "t.md" and att["size"] == len(b"# transcript\n")
    assert att["url"].startswith(emu.base_url)


async def test_too_long_message_is_a_violation(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "long")
    assert res.callback_type is None
    assert res.errors and res.errors[0]["code"] == 50035
    assert emu.violations[-1].kind == "callback"
    assert "2000" in emu.violations[-1].problems[0][1]
    await emu.settle(quiet=0.1)
    assert bot.errors, "discord.py saw the 400 as an HTTPException"


async def test_late_callback_gets_10062(world: World, bot: TestBot) -> None:
    emu = world.emu
    res = await emu.slash(world.guild, world.channel, world.alice, "slow", settle=0.05)
    assert res.callback_type is None
    assert res.errors[0]["code"] == 10062
    assert [v.kind for v in emu.violations] == ["late_ack"]
    assert await res.acked is None


async def test_dispatch_many_without_waiting(world: World, bot: TestBot) -> None:
    emu = world.emu
    results = [
        emu.dispatch_interaction(
            emu.build_slash_payload(world.guild, world.channel, world.bob, "secret")
        )
        for _ in range(N_BURST)
    ]
    assert all([await r.acked == 4 for r in results])
    assert all(r.acked_after is not None for r in results)
    await emu.settle(quiet=0.1)


async def test_no_bot_connected_raises(emu: DiscordEmulator, world: World) -> None:
    with pytest.raises(EmulatorError, match="no bot connection"):
        emu.dispatch_interaction({"guild_id": str(world.guild), "id": "1", "token": "t", "type": 2})
