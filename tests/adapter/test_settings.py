"""Issue 15 end to end: /settings through the emulator. Each key acts in the server that set
it and nowhere else; members without Manage Server are refused and nothing changes; a bad
value names its rule; changes reach /mod log and the log channel; the announce role is
mentioned exactly once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.adapter.local import World, seed_world
from bot.emulator import DiscordEmulator
from bot.storage.models import Debate
from tests.adapter.conftest import Harness, message_text, running_harness

MANAGE_GUILD = 1 << 5
DEFERRED = 0.6


@dataclass
class Servers:
    """Guild A (the harness's world) with extra channels, roles and an admin; guild B, a
    second server of the same bot with its own admin and a role of the same name."""

    h: Harness
    a: World
    b: World
    admin_a: int
    admin_b: int
    mod_log: int
    other_channel: int
    loud_role: int
    quiet_role: int
    named_role_b: int

    async def set(self, key: str, value: str, *, admin: int | None = None) -> str:
        result = await self.h.slash(
            admin or self.admin_a, "settings set", {"key": key, "value": value}
        )
        assert result.ephemeral, result.text()
        return result.text()

    async def slash_b(
        self, user: int, command: str, options: dict[str, Any] | None = None, **kw: Any
    ) -> Any:
        return await self.h.emu.slash(
            self.b.guild, kw.pop("channel", self.b.channel), user, command, options or {}, **kw
        )


@pytest.fixture
async def servers(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Servers]:
    extra: dict[str, int] = {}

    def seed(emu: DiscordEmulator, world: World) -> None:
        extra["mod_log"] = emu.add_text_channel(world.guild, "mod-log").id
        extra["other"] = emu.add_text_channel(world.guild, "other").id
        extra["loud"] = emu.add_role(world.guild, "Debaters", mentionable=True).id
        extra["quiet"] = emu.add_role(world.guild, "Quiet", mentionable=False).id
        extra["admin_a"] = emu.add_member(world.guild, "Admina", permissions=MANAGE_GUILD).id
        b = seed_world(emu, name="Other Club")
        extra["admin_b"] = emu.add_member(b.guild, "Adminb", permissions=MANAGE_GUILD).id
        named = emu.add_role(b.guild, "Debaters", mentionable=True)
        extra["named_b"] = named.id
        extra["b"] = b.guild
        worlds["b"] = b

    worlds: dict[str, World] = {}
    async with running_harness(tmp_path, migrated_template, seed=seed) as h:
        yield Servers(
            h,
            h.world,
            worlds["b"],
            extra["admin_a"],
            extra["admin_b"],
            extra["mod_log"],
            extra["other"],
            extra["loud"],
            extra["quiet"],
            extra["named_b"],
        )


async def start_in(s: Servers, world: World, fmt: str | None = None) -> tuple[Any, int | None]:
    """A moderator of ``world`` starts a debate; returns the reply and the new debate's id."""
    options = {"motion": "1"} | ({"format": fmt} if fmt else {})
    result = await s.h.emu.slash(
        world.guild, world.channel, world.moderator, "debate start", options, settle=DEFERRED
    )
    async with s.h.app.db.read() as session:
        debate_id = await session.scalar(
            select(Debate.id).where(Debate.guild_id == world.guild).order_by(Debate.id.desc())
        )
    return result, debate_id


async def debate_row(s: Servers, debate_id: int) -> Debate:
    async with s.h.app.db.read() as session:
        row = await session.get(Debate, debate_id)
        assert row is not None
        return row


async def test_members_without_manage_server_are_refused_and_nothing_changes(
    servers: Servers,
) -> None:
    s, w = servers, servers.a
    for user in (w.moderator, w.debaters_for[0]):  # Manage Messages is not enough
        for command, options in (
            ("settings show", {}),
            ("settings set", {"key": "debates.results", "value": "live"}),
            ("settings reset", {"key": "debates.results"}),
        ):
            before = await s.h.snapshot()
            refused = await s.h.slash(user, command, options)
            assert refused.ephemeral and "Only the server's admins" in refused.text(), command
            assert await s.h.snapshot() == before, f"{command} by {user} changed something"
    # An admin role named by the operator would do; Manage Server does.
    shown = await s.h.slash(s.admin_a, "settings show")
    assert shown.ephemeral and "debates.results" in shown.text()


async def test_bad_values_are_refused_naming_the_rule(servers: Servers) -> None:
    s = servers
    before = await s.h.snapshot()
    cases = [
        (
            "debates.max_argument_length",
            "5000",
            "`debates.max_argument_length` must be between 20 and 3900",
        ),
        ("debates.results", "sometimes", "`debates.results` must be one of after_close, live"),
        ("debates.use_threads", "perhaps", "`debates.use_threads` must be true or false"),
        (
            "formats.oxford.floor.minutes",
            "0",
            "`formats.oxford.floor.minutes` must be between 1 and 43200",
        ),
        ("debates.default_format", "chess", "`debates.default_format` must be one of the formats"),
        ("debates.thread_auto_archive_minutes", "30", "must be one of 60, 1440, 4320, 10080"),
        ("database.url", "sqlite:///x", "set only by the bot's operator"),
        ("summaries.llm.base_url", "http://x", "set only by the bot's operator"),
        ("metrics.listen", "0.0.0.0:9100", "set only by the bot's operator"),
        ("debates.nonsense", "1", "There is no setting `debates.nonsense`"),
        # Another server's role and channel never become this server's settings.
        (
            "debates.announce_role",
            str(s.named_role_b),
            "`debates.announce_role` must be a role of this server",
        ),
        (
            "moderation.log_channel",
            f"<#{s.b.channel}>",
            "`moderation.log_channel` must be a text channel of this server",
        ),
    ]
    for key, value, rule in cases:
        text = await s.set(key, value)
        assert rule in text, (key, text)
    assert await s.h.snapshot() == before


async def test_show_lists_every_value_and_its_source(servers: Servers) -> None:
    s = servers
    await s.set("debates.max_argument_length", "300")
    shown = (await s.h.slash(s.admin_a, "settings show")).text()
    assert "`debates.max_argument_length` = 300 · **this server**" in shown
    assert "`debates.results` = after_close · default" in shown
    assert "`formats.oxford.floor.minutes` = 45 · default" in shown
    other = (await s.slash_b(s.admin_b, "settings show")).text()
    assert "`debates.max_argument_length` = 1500 · default" in other
    reset = await s.h.slash(s.admin_a, "settings reset", {"key": "debates.max_argument_length"})
    assert "back to the default, 1500" in reset.text()
    choices = await s.h.emu.autocomplete(
        s.a.guild, s.a.channel, s.admin_a, "settings set", {"key": "oxford.floor"}, focused="key"
    )
    assert [c["value"] for c in choices] == ["formats.oxford.floor.minutes"]


async def test_debate_start_keys_act_here_and_not_there(servers: Servers) -> None:
    s, a, b = servers, servers.a, servers.b
    await s.set("debates.default_format", "open")
    await s.set("formats.oxford.pre_vote.minutes", "3")
    await s.set("formats.open.open.minutes", "90")
    await s.set("debates.results", "live")
    await s.set("debates.thread_auto_archive_minutes", "60")

    _, here = await start_in(s, a)
    _, there = await start_in(s, b)
    assert here and there
    row_a, row_b = await debate_row(s, here), await debate_row(s, there)
    assert (row_a.format, row_b.format) == ("open", "oxford")
    assert row_a.phase_deadline and row_b.phase_deadline
    assert (row_a.phase_deadline - row_a.phase_started_at).total_seconds() == 90 * 60
    assert (row_b.phase_deadline - row_b.phase_started_at).total_seconds() == 10 * 60
    assert (row_a.results_visibility, row_b.results_visibility) == ("live", "after_close")
    threads_a, threads_b = s.h.emu.threads(a.channel), s.h.emu.threads(b.channel)
    assert threads_a[-1]["thread_metadata"]["auto_archive_duration"] == 60
    assert threads_b[-1]["thread_metadata"]["auto_archive_duration"] == 1440

    # An oxford debate here takes the server's timing for the phase it opens with.
    await s.h.slash(a.moderator, "debate end", channel=int(threads_a[-1]["id"]))
    _, oxford = await start_in(s, a, "oxford")
    assert oxford
    row = await debate_row(s, oxford)
    assert row.phase_deadline
    assert (row.phase_deadline - row.phase_started_at).total_seconds() == 3 * 60

    # Threads off, and start only in #other.
    await s.h.slash(a.moderator, "debate end", channel=int(s.h.emu.threads(a.channel)[-1]["id"]))
    await s.set("debates.use_threads", "false")
    await s.set("debates.channels", f"<#{s.other_channel}>")
    refused, _ = await start_in(s, a)
    assert "only in" in refused.text() and f"<#{s.other_channel}>" in refused.text()
    threads_before = len(s.h.emu.threads(s.other_channel))
    started = await s.h.emu.slash(
        a.guild, s.other_channel, a.moderator, "debate start", {"motion": "1"}, settle=DEFERRED
    )
    assert "started here" in started.text(), started.text()
    assert len(s.h.emu.threads(s.other_channel)) == threads_before
    # Server B still starts anywhere, in a thread.
    await s.slash_b(b.moderator, "debate end", channel=int(threads_b[-1]["id"]))
    again, _ = await start_in(s, b)
    assert "started in" in again.text()


async def test_member_rules_act_here_and_not_there(servers: Servers) -> None:
    s, a, b = servers, servers.a, servers.b
    await s.set("debates.max_argument_length", "30")
    await s.set("debates.argument_cooldown_seconds", "600")
    await s.set("debates.min_member_age_minutes", "0")
    _, _ = await start_in(s, a, "open")
    _, _ = await start_in(s, b, "open")
    thread_a = int(s.h.emu.threads(a.channel)[-1]["id"])
    thread_b = int(s.h.emu.threads(b.channel)[-1]["id"])
    long_text = "This argument is longer than thirty characters."
    for world, thread in ((a, thread_a), (b, thread_b)):
        await s.h.emu.slash(
            world.guild, thread, world.debaters_for[0], "debate join", {"side": "for"}
        )
    too_long = await s.h.emu.slash(
        a.guild, thread_a, a.debaters_for[0], "propose", {"text": long_text}
    )
    assert too_long.ephemeral and "30" in too_long.text(), too_long.text()
    fine = await s.h.emu.slash(b.guild, thread_b, b.debaters_for[0], "propose", {"text": long_text})
    assert "#1" in s.h.public_text(thread_b), fine.text()
    await s.h.emu.slash(a.guild, thread_a, a.debaters_for[0], "propose", {"text": "Short one."})
    cooled = await s.h.emu.slash(
        a.guild, thread_a, a.debaters_for[0], "propose", {"text": "Another."}
    )
    assert cooled.ephemeral and "in 600 s" in cooled.text(), cooled.text()
    await s.h.emu.slash(b.guild, thread_b, b.debaters_for[0], "propose", {"text": "Another."})
    assert "#2" in s.h.public_text(thread_b)

    # Members must have been here a day before they argue (here only).
    await s.set("debates.min_member_age_minutes", "1440")
    await s.h.emu.slash(
        a.guild, thread_a, a.debaters_against[0], "debate join", {"side": "against"}
    )
    new = await s.h.emu.slash(
        a.guild, thread_a, a.debaters_against[0], "propose", {"text": "New here."}
    )
    assert new.ephemeral and "joined the server less than 1440 minutes ago" in new.text()
    await s.h.emu.slash(
        b.guild, thread_b, b.debaters_against[0], "debate join", {"side": "against"}
    )
    await s.h.emu.slash(b.guild, thread_b, b.debaters_against[0], "propose", {"text": "New here."})
    assert "New here." in s.h.public_text(thread_b)

    # A moderator role by name: "Debaters" here; B's role of the same name is not it.
    await s.set("moderation.moderator_roles", "Debaters")
    listener_a, listener_b = a.audience[0], b.audience[0]
    s.h.emu.guild(a.guild).members[listener_a].roles.append(s.loud_role)
    s.h.emu.guild(b.guild).members[listener_b].roles.append(s.named_role_b)
    log_a = await s.h.emu.slash(a.guild, thread_a, listener_a, "mod log")
    assert "Audit log" in log_a.text(), log_a.text()
    log_b = await s.h.emu.slash(b.guild, thread_b, listener_b, "mod log")
    assert "Only moderators" in log_b.text()

    # The rate limit: two actions a minute here.
    await s.set("debates.rate_limit.per_seconds", "60")
    await s.set("debates.rate_limit.actions", "2")
    voter_a, voter_b = a.audience[1], b.audience[1]
    replies = [
        (await s.h.emu.slash(a.guild, thread_a, voter_a, "debate status")).text() for _ in range(3)
    ]
    assert "going a bit fast" in replies[2] and "going a bit fast" not in replies[0]
    for _ in range(3):
        other = await s.h.emu.slash(b.guild, thread_b, voter_b, "debate status")
        assert "going a bit fast" not in other.text()


async def test_summaries_and_exports_act_here_and_not_there(servers: Servers) -> None:
    s, a, b = servers, servers.a, servers.b
    await s.set("summaries.enabled", "false")
    await s.set("exports.pseudonymous_voters", "true")
    threads = []
    for world in (a, b):
        await start_in(s, world, "oxford")
        thread = int(s.h.emu.threads(world.channel)[-1]["id"])
        threads.append(thread)
        voter = world.audience[0]
        await s.h.emu.slash(world.guild, thread, voter, "debate join", {"side": "audience"})
        await s.h.emu.slash(world.guild, thread, voter, "vote", {"stance": "for"})
        await s.h.emu.slash(world.guild, thread, world.moderator, "debate next")
    assert s.h.local.bot is not None
    await s.h.local.bot.announcer.drain()
    await s.h.emu.settle(quiet=0.3)
    summaries = [
        [m for m in s.h.public(t) if "Summary" in json.dumps(m.get("embeds") or [])]
        for t in threads
    ]
    assert summaries[0] == [] and len(summaries[1]) == 1
    exported = []
    for world, thread in zip((a, b), threads, strict=True):
        result = await s.h.emu.slash(
            world.guild,
            thread,
            world.moderator,
            "debate export",
            {"format": "json"},
            settle=DEFERRED,
        )
        exported.append(json.loads(result.files[0][1]))
    assert exported[0]["options"]["pseudonymous_voters"] is True
    assert exported[1]["options"]["pseudonymous_voters"] is False
    assert str(a.audience[0]) not in json.dumps(exported[0]["motion_votes"])
    assert str(b.audience[0]) in json.dumps(exported[1]["motion_votes"])


async def test_changes_show_in_mod_log_and_the_log_channel(servers: Servers) -> None:
    s, a, b = servers, servers.a, servers.b
    await s.set("moderation.log_channel", f"<#{s.mod_log}>")
    await s.set("debates.max_argument_length", "800")
    await start_in(s, a, "open")
    thread = int(s.h.emu.threads(a.channel)[-1]["id"])
    ada = a.debaters_for[0]
    await s.h.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await s.h.slash(ada, "propose", {"text": "Hello <@&1> @everyone there."}, channel=thread)
    await s.h.slash(
        a.moderator, "mod remove", {"argument": 1, "reason": "off topic"}, channel=thread
    )
    await s.h.slash(a.moderator, "mod warn", {"user": ada, "reason": "tone"}, channel=thread)
    await s.h.slash(a.moderator, "debate next", channel=thread)
    await s.h.emu.settle(quiet=0.3)

    log = (await s.h.slash(a.moderator, "mod log")).text()
    assert "changed a setting" in log and "debates.max_argument_length: 1500 -> 800" in log

    lines = [message_text(m) for m in s.h.public(s.mod_log)]
    joined = "\n".join(lines)
    assert "debates.max_argument_length: 1500 -> 800" in joined
    assert f"moderation.log_channel: none -> <#{s.mod_log}>" in joined, "its own change too"
    assert f"<@{a.moderator}> removed an argument · <@{ada}>, #1 · off topic" in joined
    assert f"<@{a.moderator}> warned a member · <@{ada}> · tone" in joined
    assert f"<@{a.moderator}> started the debate" in joined
    assert f"<@{a.moderator}> advanced the phase · open -> closed" in joined
    for message in s.h.public(s.mod_log):  # a short line each, and nothing pinged
        assert message["mentions"] == [] and message["mention_roles"] == []
        assert not message["mention_everyone"] and "\n" not in message["content"]
    # Server B's channels got none of it.
    await start_in(s, b, "open")
    for channel in [b.channel, *[int(t["id"]) for t in s.h.emu.threads(b.channel)]]:
        assert "changed a setting" not in s.h.public_text(channel)
        assert "removed an argument" not in s.h.public_text(channel)


async def test_announce_role_is_mentioned_exactly_once(servers: Servers) -> None:
    s, a, b = servers, servers.a, servers.b
    reply = await s.set("debates.announce_role", f"<@&{s.loud_role}>")
    assert "without a ping" not in reply
    await start_in(s, a)
    await start_in(s, b)
    await s.h.emu.settle(quiet=0.3)
    everything = [
        m
        for channel in [a.channel, *[int(t["id"]) for t in s.h.emu.threads(a.channel)]]
        for m in s.h.public(channel)
    ]
    pinging = [m for m in everything if m["mention_roles"]]
    assert len(pinging) == 1, pinging
    announcement = pinging[0]
    assert announcement["mention_roles"] == [str(s.loud_role)]
    assert announcement["content"].count(f"<@&{s.loud_role}>") == 1
    # Exactly that role may ping: no parsing of users, roles or @everyone.
    allowed = announcement["allowed_mentions"]
    assert allowed["parse"] == [] and [int(r) for r in allowed["roles"]] == [s.loud_role]
    assert not allowed.get("users")
    for m in everything:
        if m is not announcement:
            assert m.get("allowed_mentions") is None or not m["allowed_mentions"].get("roles")
    for channel in [b.channel, *[int(t["id"]) for t in s.h.emu.threads(b.channel)]]:
        assert all(not m["mention_roles"] for m in s.h.public(channel))
        assert "A new debate has opened" not in s.h.public_text(channel)

    # A role that is not mentionable: announced without the ping, and the moderator is told.
    warned = await s.set("debates.announce_role", f"<@&{s.quiet_role}>")
    assert "without a ping" in warned and "not mentionable" in warned
    await s.h.slash(a.moderator, "debate end", channel=int(s.h.emu.threads(a.channel)[-1]["id"]))
    started, _ = await start_in(s, a)
    assert "without a ping" in started.text() and "not mentionable" in started.text()
    last = s.h.public(a.channel)[-1]
    assert "A new debate has opened" in last["content"] and last["mention_roles"] == []
    assert f"<@&{s.quiet_role}>" not in last["content"]


async def test_reading_settings_costs_no_query(servers: Servers) -> None:
    s, a = servers, servers.a
    await s.set("debates.max_argument_length", "400")
    await s.set("moderation.moderator_roles", "Debaters")
    await start_in(s, a, "open")
    thread = int(s.h.emu.threads(a.channel)[-1]["id"])
    assert s.h.local.bot is not None
    await s.h.local.bot.settings_follower.stop()  # its periodic look is not per interaction
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = s.h.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for voter in a.audience[:4]:
            await s.h.slash(voter, "debate join", {"side": "audience"}, channel=thread)
            await s.h.slash(voter, "vote", {"stance": "for"}, channel=thread)
        await s.h.slash(a.debaters_for[0], "debate join", {"side": "for"}, channel=thread)
        await s.h.slash(a.debaters_for[0], "propose", {"text": "Short and sweet."}, channel=thread)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements, "the interactions did reach the database"
    assert not [q for q in statements if "guild_settings" in q]
