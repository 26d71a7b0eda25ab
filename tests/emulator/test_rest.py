"""REST routes driven by hand (no discord.py): headers, limits, callbacks, webhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import DiscordEmulator, InteractionResult

from .conftest import TOKEN, World

AUTH = {"Authorization": f"Bot {TOKEN}"}


@pytest.fixture
async def http(emu: DiscordEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.base_url) as session:
        yield session


@pytest.fixture
async def raw_bot(world: World) -> AsyncIterator[list[dict[str, Any]]]:
    """A hand-rolled gateway connection standing in for the bot; yields received events."""
    events: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as session, session.ws_connect(world.emu.gateway_url) as ws:
        await ws.receive()
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": {}}})

        async def pump() -> None:
            async for msg in ws:
                events.append(json.loads(msg.data))

        task = asyncio.create_task(pump())
        await world.emu.wait_for_ready()
        yield events
        task.cancel()


async def call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None, auth: bool = True
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    headers = AUTH if auth else {}
    async with http.request(method, "/api/v10" + path, json=body, headers=headers) as resp:
        text = await resp.text()
        data = json.loads(text) if text else None
        return resp.status, data, resp.headers


def register(emu: DiscordEmulator) -> None:
    emu.set_commands(
        None,
        [
            {
                "name": "ping",
                "description": "p",
                "options": [{"name": "arg", "description": "a", "type": 3, "autocomplete": True}],
            }
        ],
    )


def slash(world: World, user: int | None = None, options: Any = None) -> InteractionResult:
    emu = world.emu
    payload = emu.build_slash_payload(world.guild, world.channel, user or world.alice, "ping")
    return emu.dispatch_interaction(payload)


async def test_json_content_type_is_exact(world: World, http: aiohttp.ClientSession) -> None:
    status, data, headers = await call(http, "GET", "/users/@me")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert data["id"] == str(world.emu.bot_user.id)
    status, data, _ = await call(http, "GET", "/gateway/bot")
    assert data["url"].startswith("ws://127.0.0.1") and data["shards"] == 1
    assert data["session_start_limit"]["max_concurrency"] >= 1
    status, data, _ = await call(http, "GET", "/oauth2/applications/@me")
    assert data["id"] == str(world.emu.app_id) and data["owner"]["id"]


async def test_unknown_route_and_auth(world: World, http: aiohttp.ClientSession) -> None:
    status, data, _ = await call(http, "GET", "/nothing/here")
    assert status == 404 and data == {"code": 0, "message": "404: Not Found"}
    assert world.emu.unhandled[-1].path == "/nothing/here"
    status, _, _ = await call(http, "GET", "/users/@me", auth=False)
    assert status == 401


async def test_command_limits(world: World, http: aiohttp.ClientSession) -> None:
    emu = world.emu
    app = emu.app_id
    bad = [
        {
            "name": "Debate",
            "description": "x" * 101,
            "options": [
                {"name": "opt", "description": "o", "type": 3},
                {"name": "req", "description": "r", "type": 3, "required": True},
            ],
        }
    ]
    status, data, _ = await call(http, "PUT", f"/applications/{app}/commands", bad)
    assert status == 400 and data["code"] == 50035
    assert "0" in data["errors"]
    problems = " ".join(p for _, p in emu.violations[-1].problems)
    assert "lowercase" in problems and "1-100" in problems and "before optional" in problems
    many = [
        {
            "name": "c",
            "description": "d",
            "options": [{"name": f"o{i}", "description": "d", "type": 3} for i in range(26)],
        }
    ]
    status, _, _ = await call(http, "PUT", f"/applications/{app}/commands", many)
    assert status == 400
    ok = [{"name": "c", "description": "d"}]
    guild_cmds = f"/applications/{app}/guilds/{world.guild}/commands"
    status, data, _ = await call(http, "PUT", guild_cmds, ok)
    assert status == 200 and data[0]["guild_id"] == str(world.guild)
    status, data, _ = await call(http, "GET", guild_cmds)
    assert [c["name"] for c in data] == ["c"]


async def test_channel_messages_and_limits(world: World, http: aiohttp.ClientSession) -> None:
    emu, ch = world.emu, world.channel
    status, _, _ = await call(http, "POST", f"/channels/{ch}/messages", {"content": "x" * 2001})
    assert status == 400 and emu.violations[-1].kind == "message"
    embeds = [{"title": "t"}] * 11
    status, _, _ = await call(http, "POST", f"/channels/{ch}/messages", {"embeds": embeds})
    assert status == 400
    big = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    status, data, _ = await call(http, "POST", f"/channels/{ch}/messages", {"embeds": big})
    assert status == 400 and "6000" in json.dumps(data)
    button = {"type": 2, "style": 1, "custom_id": "b", "label": "l"}
    rows = [{"type": 1, "components": [button]}] * 6
    status, _, _ = await call(
        http, "POST", f"/channels/{ch}/messages", {"content": "r", "components": rows}
    )
    assert status == 400  # six rows and duplicated custom ids
    problems = " ".join(p for _, p in emu.violations[-1].problems)
    assert "5 action rows" in problems and "not unique" in problems
    ids = []
    for i in range(3):
        status, msg, _ = await call(http, "POST", f"/channels/{ch}/messages", {"content": f"m{i}"})
        assert status == 200
        ids.append(msg["id"])
    status, page, _ = await call(http, "GET", f"/channels/{ch}/messages?limit=2")
    assert [m["content"] for m in page] == ["m2", "m1"]
    status, page, _ = await call(http, "GET", f"/channels/{ch}/messages?before={ids[2]}")
    assert [m["content"] for m in page] == ["m1", "m0"]
    status, msg, _ = await call(
        http, "PATCH", f"/channels/{ch}/messages/{ids[0]}", {"content": "e"}
    )
    assert msg["content"] == "e" and msg["edited_timestamp"]
    status, _, _ = await call(http, "DELETE", f"/channels/{ch}/messages/{ids[1]}")
    assert status == 204 and [m["content"] for m in emu.messages(ch)] == ["e", "m2"]
    status, _, _ = await call(
        http, "POST", f"/channels/{ch}/messages/{ids[0]}/threads", {"name": "n" * 101}
    )
    assert status == 400 and emu.violations[-1].kind == "thread"
    status, th, _ = await call(
        http, "POST", f"/channels/{ch}/threads", {"name": "side", "auto_archive_duration": 60}
    )
    assert status == 200 and th["type"] == 11 and th["parent_id"] == str(ch)
    status, th, _ = await call(http, "PATCH", f"/channels/{th['id']}", {"archived": True})
    assert th["thread_metadata"]["archived"] is True


async def test_multipart_files_and_size_limit(world: World, http: aiohttp.ClientSession) -> None:
    emu, ch = world.emu, world.channel
    emu.attachment_size_limit = 16

    def form(data: bytes) -> aiohttp.FormData:
        fd = aiohttp.FormData(quote_fields=False)
        payload = {"content": "f", "attachments": [{"id": 0, "filename": "a.txt"}]}
        fd.add_field("payload_json", json.dumps(payload), content_type="application/json")
        fd.add_field("files[0]", data, filename="a.txt", content_type="text/plain")
        return fd

    url = f"/api/v10/channels/{ch}/messages"
    async with http.post(url, data=form(b"small"), headers=AUTH) as resp:
        msg = await resp.json()
        assert resp.status == 200 and msg["attachments"][0]["size"] == 5
    async with http.get(msg["attachments"][0]["url"]) as resp:
        assert await resp.read() == b"small"
    async with http.post(url, data=form(b"x" * 17), headers=AUTH) as resp:
        assert resp.status == 400
    assert emu.violations[-1].problems[0][0] == "files.0"


async def test_callbacks_followups_and_original(
    world: World, http: aiohttp.ClientSession, raw_bot: list[dict[str, Any]]
) -> None:
    emu = world.emu
    register(emu)
    res = slash(world)
    base = f"/interactions/{res.id}/{res.token}/callback"
    status, _, _ = await call(http, "POST", f"/webhooks/{emu.app_id}/{res.token}", {"content": "f"})
    assert status == 404  # no follow-ups before the interaction is acknowledged
    status, data, _ = await call(
        http, "POST", base + "?with_response=true", {"type": 4, "data": {"content": "hi"}}
    )
    assert status == 200
    assert data["interaction"]["response_message_id"] == data["resource"]["message"]["id"]
    assert data["resource"]["type"] == 4 and await res.acked == 4
    status, data, _ = await call(http, "POST", base, {"type": 4, "data": {"content": "again"}})
    assert status == 400 and data["code"] == 40060
    assert emu.violations[-1].kind == "double_ack"
    hook = f"/webhooks/{emu.app_id}/{res.token}"
    status, fu, _ = await call(http, "POST", hook + "?wait=true", {"content": "follow"})
    assert status == 200 and fu["content"] == "follow"
    status, orig, _ = await call(http, "PATCH", hook + "/messages/@original", {"content": "edited"})
    assert orig["content"] == "edited"
    status, _, _ = await call(http, "DELETE", f"{hook}/messages/{fu['id']}")
    assert status == 204
    assert res.original["content"] == "edited" and res.followups == []  # type: ignore[index]
    assert res.text() == "edited"
    # INTERACTION_CREATE carried every field discord.py needs
    sent = next(e["d"] for e in raw_bot if e.get("t") == "INTERACTION_CREATE")
    for key in (
        "attachment_size_limit",
        "app_permissions",
        "entitlements",
        "context",
        "locale",
        "authorizing_integration_owners",
        "guild_locale",
        "channel",
        "member",
        "version",
    ):
        assert key in sent
    assert int(sent["member"]["permissions"]) & (1 << 13)  # alice's moderator role


async def test_callback_validation(
    world: World, http: aiohttp.ClientSession, raw_bot: list[dict[str, Any]]
) -> None:
    emu = world.emu
    register(emu)
    res = slash(world)
    url = f"/interactions/{res.id}/{res.token}/callback"
    modal = {"custom_id": "m", "title": "t" * 46, "components": []}
    status, _, _ = await call(http, "POST", url, {"type": 9, "data": modal})
    assert status == 400 and res.callback_type is None
    status, _, _ = await call(http, "POST", url, {"type": 5})
    assert status == 204 and res.callback_type == 5
    assert res.original is not None and res.original["flags"] & 128
    auto = emu.dispatch_interaction(
        emu.build_slash_payload(
            world.guild, world.channel, world.alice, "ping", {"arg": "x"}, focused="arg"
        )
    )
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    url = f"/interactions/{auto.id}/{auto.token}/callback"
    status, _, _ = await call(http, "POST", url, {"type": 8, "data": {"choices": choices}})
    assert status == 400 and "25" in emu.violations[-1].problems[0][1]
