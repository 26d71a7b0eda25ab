"""Gateway: sharding, restarts, resume, invalid sessions, member chunks, authentication."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import discord
import pytest

from bot.emulator import DiscordEmulator, InteractionTimeout

from .conftest import TOKEN, BotFactory, World


def guild_id_for_shard(emu: DiscordEmulator, shard: int, count: int) -> int:
    """A fresh snowflake that lands on ``shard``."""
    while True:
        gid = emu.ids.next()
        if emu.shard_of(gid, count) == shard:
            return gid


async def _wait_live(emu: DiscordEmulator, count: int, limit: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while len(emu.gateway.live()) != count:
        assert asyncio.get_running_loop().time() < deadline, emu.gateway.connections
        await asyncio.sleep(0.01)


async def test_sharding_routes_guilds_and_interactions(
    emu: DiscordEmulator, start_bot: BotFactory
) -> None:
    g0 = emu.add_guild("Shard zero", guild_id=guild_id_for_shard(emu, 0, 2))
    g1 = emu.add_guild("Shard one", guild_id=guild_id_for_shard(emu, 1, 2))
    c0, c1 = emu.add_text_channel(g0.id, "a"), emu.add_text_channel(g1.id, "b")
    u0, u1 = emu.add_member(g0.id, "dora"), emu.add_member(g1.id, "eve")
    bot0 = await start_bot(None, label="p0", shard_id=0, shard_count=2)
    bot1 = await start_bot(None, label="p1", shard_id=1, shard_count=2, ready=2)
    r0 = await emu.slash(g0.id, c0.id, u0.id, "where")
    r1 = await emu.slash(g1.id, c1.id, u1.id, "where")
    assert r0.content == "shard 0 p0"
    assert r1.content == "shard 1 p1"
    assert [g.id for g in bot0.guilds] == [g0.id]
    assert [g.id for g in bot1.guilds] == [g1.id]
    shards = sorted(c.shard for c in emu.gateway.live() if c.shard)
    assert shards == [(0, 2), (1, 2)]


async def test_new_process_after_disconnect_gets_interactions(
    world: World, start_bot: BotFactory
) -> None:
    emu = world.emu
    first = await start_bot(world.guild, label="first")
    res = await emu.slash(world.guild, world.channel, world.alice, "where")
    assert res.content == "shard None first"
    await first.close()
    await _wait_live(emu, 0)
    await start_bot(world.guild, label="second")
    res = await emu.slash(world.guild, world.channel, world.alice, "where")
    assert res.content == "shard None second"
    # the restarted bot synced again; ids of unchanged commands are kept
    assert len(emu.command_syncs) == 4
    assert emu.command_syncs[0] == emu.command_syncs[2]


async def test_resume_after_server_disconnect(world: World, start_bot: BotFactory) -> None:
    emu = world.emu
    await start_bot(world.guild, label="r", reconnect=True)
    await emu.disconnect_all(code=4000)
    await _wait_live(emu, 1)
    assert emu.gateway.live()[0].events == ["RESUMED"]
    assert [r.path for r in emu.gateway.resumes] == ["/gateway-resume/"]
    res = await emu.slash(world.guild, world.channel, world.alice, "where")
    assert res.content == "shard None r"


async def test_invalid_session_forces_identify(world: World, start_bot: BotFactory) -> None:
    emu = world.emu
    await start_bot(world.guild, label="i", reconnect=True)
    emu.gateway.sessions.clear()
    await emu.disconnect_all(code=4000)
    await asyncio.sleep(0.2)
    await _wait_live(emu, 1)
    assert emu.gateway.live()[0].events[0] == "READY"
    res = await emu.slash(world.guild, world.channel, world.alice, "where")
    assert res.content == "shard None i"


async def test_members_intent_chunking_and_on_ready(world: World, start_bot: BotFactory) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = await start_bot(world.guild, intents=intents, guild_ready_timeout=0.1)
    await asyncio.wait_for(bot.wait_until_ready(), 5)
    guild = bot.get_guild(world.guild)
    assert guild is not None and guild.chunked
    assert {m.name for m in guild.members} >= {"alice", "bob", "DebateBot"}
    assert guild.get_role(world.mod_role) is not None
    assert guild.get_channel(world.channel) is not None


async def test_login_with_wrong_token_fails(world: World) -> None:
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login("wrong-token")
    await client.close()


async def _recv(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def test_raw_gateway_protocol(world: World) -> None:
    emu = world.emu
    url = emu.gateway_url + "?v=10&encoding=json&compress=zstd-stream"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        hello = await _recv(ws)
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await ws.send_json({"op": 1, "d": None})
        assert (await _recv(ws))["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": {}}})
        ready = await _recv(ws)
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["resume_gateway_url"] == emu.resume_gateway_url
        assert ready["d"]["user"]["bot"] is True
        assert {g["id"] for g in ready["d"]["guilds"]} == {str(world.guild), str(world.other_guild)}
        creates = [await _recv(ws), await _recv(ws)]
        assert [c["s"] for c in creates] == [2, 3]
        assert all(c["t"] == "GUILD_CREATE" and not c["d"]["unavailable"] for c in creates)
        await ws.send_json(
            {"op": 8, "d": {"guild_id": str(world.guild), "query": "", "limit": 0, "nonce": "n1"}}
        )
        chunk = await _recv(ws)
        assert chunk["t"] == "GUILD_MEMBERS_CHUNK" and chunk["d"]["nonce"] == "n1"
        assert str(world.alice) in {m["user"]["id"] for m in chunk["d"]["members"]}


async def test_raw_gateway_bad_token_closes_4004(world: World) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(world.emu.gateway_url) as ws:
        await _recv(ws)
        await ws.send_json({"op": 2, "d": {"token": "nope", "intents": 0, "properties": {}}})
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4004


async def test_wait_for_ready_times_out(emu: DiscordEmulator) -> None:
    with pytest.raises(InteractionTimeout):
        await emu.wait_for_ready(timeout=0.05)
