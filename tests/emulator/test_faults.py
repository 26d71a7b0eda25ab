"""The emulator's fault injection: error statuses, 429s, timeouts, resets, gateway drops."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from bot.emulator import DiscordEmulator, EmulatorError, RateLimit, Reset, Status, Timeout
from bot.emulator.faults import (
    ANY,
    INTERACTION_CALLBACK,
    MESSAGE_EDIT,
    MESSAGE_POST,
    USER_ME,
    Faults,
    compile_route,
)
from bot.emulator.world import RecordedRequest

from .conftest import TOKEN, BotFactory, TestBot, World


def _req(method: str, path: str, body: object = None) -> RecordedRequest:
    return RecordedRequest(method, path, {}, body, [], 0.0)


def _channel(bot: TestBot, world: World) -> discord.TextChannel:
    channel = bot.get_channel(world.channel)
    assert isinstance(channel, discord.TextChannel)
    return channel


def _posts(emu: DiscordEmulator, world: World) -> list[int]:
    path = f"/channels/{world.channel}/messages"
    return [r.status for r in emu.requests if r.method == "POST" and r.path == path]


@pytest.mark.parametrize(
    ("route", "request_line", "expected"),
    [
        (MESSAGE_POST, "POST /channels/12/messages", True),
        (MESSAGE_POST, "PATCH /channels/12/messages", False),
        (MESSAGE_POST, "POST /channels/12/messages/13", False),
        (MESSAGE_EDIT, "PATCH /channels/12/messages/13", True),
        ("POST /channels/12/messages", "POST /channels/99/messages", False),
        ("/channels/*/messages", "GET /channels/12/messages", True),
        (INTERACTION_CALLBACK, "POST /interactions/1/tok-en/callback", True),
        (USER_ME, "GET /users/@me", True),
        ("/channels/**", "DELETE /channels/1/messages/2", True),
        (ANY, "GET /gateway/bot", True),
    ],
)
def test_route_patterns(route: str, request_line: str, expected: bool) -> None:
    assert bool(compile_route(route).fullmatch(request_line)) is expected


def test_bad_rules_are_refused(emu: DiscordEmulator) -> None:
    with pytest.raises(EmulatorError):
        emu.faults.fail_next("channels/1/messages")
    with pytest.raises(EmulatorError):
        emu.faults.randomly(MESSAGE_POST, 1.5, Status(503))
    with pytest.raises(EmulatorError):
        emu.faults.add(MESSAGE_POST, [], count=1)


def test_count_and_predicate_limit_a_rule(emu: DiscordEmulator) -> None:
    faults = emu.faults
    rule = faults.fail_next(MESSAGE_POST, 503, count=2, when=lambda r: "x" in str(r.json))
    assert faults.pick(_req("POST", "/channels/1/messages", {"content": "a"})) is None
    assert faults.pick(_req("POST", "/channels/1/messages", {"content": "x"})) == Status(503)
    assert faults.pick(_req("POST", "/channels/1/messages", {"content": "x"})) == Status(503)
    assert faults.pick(_req("POST", "/channels/1/messages", {"content": "x"})) is None
    assert rule.hits == 2 and not rule.active and faults.rules == []
    assert [i.kind for i in faults.injected] == ["503", "503"]
    cancelled = faults.fail_next(MESSAGE_POST, 500)
    cancelled.cancel()
    assert faults.pick(_req("POST", "/channels/1/messages")) is None


def test_random_faults_replay_with_the_same_seed(emu: DiscordEmulator) -> None:
    plan = [Status(500), Status(503), RateLimit(0.01), Timeout(0.1), Reset()]
    requests = [_req("POST" if i % 3 else "PATCH", f"/channels/{i}/messages") for i in range(400)]
    runs = []
    for _ in range(2):
        faults = Faults(emu, seed=7)
        faults.randomly([MESSAGE_POST, MESSAGE_EDIT], 0.25, plan)
        runs.append([(i, f) for i, r in enumerate(requests) if (f := faults.pick(r)) is not None])
    assert runs[0] == runs[1]
    # PATCH /channels/{i}/messages is neither a post nor an edit
    assert all(i % 3 for i, _ in runs[0])
    fired = len(runs[0])
    assert 40 < fired < 140, fired  # about a quarter of the 267 posts
    assert {type(f) for _, f in runs[0]} == {Status, RateLimit, Timeout, Reset}
    other = Faults(emu, seed=8)
    other.randomly([MESSAGE_POST, MESSAGE_EDIT], 0.25, plan)
    assert [i for i, r in enumerate(requests) if other.pick(r)] != [i for i, _ in runs[0]]
    capped = Faults(emu, seed=1)
    capped.randomly(MESSAGE_POST, 1.0, Status(503), limit=3)
    assert sum(1 for r in requests if capped.pick(r)) == 3


async def test_503_reaches_the_bot_and_nothing_is_posted(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, status=503)
    channel = _channel(bot, world)
    with pytest.raises(discord.DiscordServerError) as exc:
        await channel.send("first")
    assert exc.value.status == 503
    assert emu.messages(world.channel) == []
    await channel.send("second")
    assert [m["content"] for m in emu.messages(world.channel)] == ["second"]
    assert _posts(emu, world) == [503, 200]
    assert emu.faults.count("503") == 1


async def test_500_is_retried_by_discord_py(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, status=500)
    await _channel(bot, world).send("once")
    assert [m["content"] for m in emu.messages(world.channel)] == ["once"]
    assert _posts(emu, world) == [500, 200]


async def test_applied_error_takes_effect_before_the_error(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, status=503, apply=True)
    with pytest.raises(discord.DiscordServerError):
        await _channel(bot, world).send("landed anyway")
    assert [m["content"] for m in emu.messages(world.channel)] == ["landed anyway"]
    assert emu.faults.injected[0].applied


async def test_429_with_via_is_retried_after_retry_after(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, status=429, retry_after=0.05, count=2)
    await _channel(bot, world).send("eventually")
    assert [m["content"] for m in emu.messages(world.channel)] == ["eventually"]
    assert _posts(emu, world) == [429, 429, 200]


async def test_429_without_via_is_a_cloudflare_ban(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.add(MESSAGE_POST, RateLimit(0.05, via=False))
    with pytest.raises(discord.HTTPException) as exc:
        await _channel(bot, world).send("banned")
    assert exc.value.status == 429
    assert emu.messages(world.channel) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, discord.HTTPException), (403, discord.Forbidden), (404, discord.NotFound)],
)
async def test_client_errors_reach_the_bot(
    world: World, bot: TestBot, status: int, error: type[discord.HTTPException]
) -> None:
    emu = world.emu
    emu.faults.add(MESSAGE_POST, Status(status, code=50013, message="Missing Permissions"))
    with pytest.raises(error) as exc:
        await _channel(bot, world).send("refused")
    assert exc.value.status == status and exc.value.code == 50013
    assert emu.messages(world.channel) == []


async def test_timeout_applies_and_never_answers(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, timeout=True, hold=0.1)
    with pytest.raises(aiohttp.ClientError):
        await _channel(bot, world).send("unknown outcome")
    # the request took effect: a blind retry would post a second card
    assert [m["content"] for m in emu.messages(world.channel)] == ["unknown outcome"]
    assert [(i.kind, i.applied) for i in emu.faults.injected] == [("timeout", True)]


async def test_timeout_holds_until_the_client_gives_up(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(MESSAGE_POST, timeout=True, hold=30, apply=False)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_channel(bot, world).send("given up"), 0.3)
    for _ in range(300):  # the held request ends when the client goes away, not after 30 s
        if emu.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    assert emu.in_flight == 0
    assert emu.messages(world.channel) == []


async def test_reset_drops_the_connection_without_effect(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.add(MESSAGE_POST, Reset())
    with pytest.raises(aiohttp.ClientError):
        await _channel(bot, world).send("lost")
    assert emu.messages(world.channel) == []
    await _channel(bot, world).send("next one")
    assert [m["content"] for m in emu.messages(world.channel)] == ["next one"]


async def test_enforced_nonce_returns_the_first_message(world: World, bot: TestBot) -> None:
    emu = world.emu
    channel = _channel(bot, world)
    first = await channel.send("card #1", nonce="arg-1")
    again = await channel.send("card #1", nonce="arg-1")
    assert again.id == first.id
    assert len(emu.messages(world.channel)) == 1
    await first.delete()
    with pytest.raises(discord.NotFound):
        await channel.send("card #1", nonce="arg-1")


async def test_401_on_login_is_a_login_failure(world: World) -> None:
    world.emu.faults.fail_next(USER_ME, status=401)
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login(TOKEN)
    await client.close()


async def test_injected_callback_fault_is_seen_by_the_test(world: World, bot: TestBot) -> None:
    emu = world.emu
    emu.faults.fail_next(INTERACTION_CALLBACK, status=503)
    res = await emu.slash(world.guild, world.channel, world.alice, "secret", settle=0.05)
    assert res.callback_type is None
    assert res.errors == [{"injected": "503"}]


async def _wait_resumed(emu: DiscordEmulator, count: int) -> None:
    for _ in range(500):
        if len(emu.gateway.resumes) >= count and emu.gateway.live():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no resume: {emu.gateway.resumes}")


@pytest.mark.parametrize("reset", [False, True])
async def test_gateway_drop_resumes_and_replays_missed_events(
    world: World, start_bot: BotFactory, reset: bool
) -> None:
    emu = world.emu
    await start_bot(world.guild, label="d", reconnect=True)
    assert await emu.faults.drop_gateway(reset=reset) == 1
    # dispatched while the bot is away: kept and replayed on RESUME
    pending = [
        emu.dispatch_interaction(
            emu.build_slash_payload(world.guild, world.channel, world.alice, "secret")
        )
        for _ in range(5)
    ]
    await _wait_resumed(emu, 1)
    for res in pending:
        await emu.wait_settled(res, timeout=10)
        assert res.callback_type == 4 and res.content == "only you"
    resume = emu.gateway.resumes[0]
    assert resume.path == "/gateway-resume/"
    assert resume.replayed >= 5
    assert emu.violations == []
    res = await emu.slash(world.guild, world.channel, world.bob, "where")
    assert res.content == "shard None d"


async def test_gateway_drop_mid_burst_answers_each_interaction_once(
    world: World, start_bot: BotFactory
) -> None:
    emu = world.emu
    await start_bot(world.guild, label="b", reconnect=True)
    burst = []
    for i in range(40):
        payload = emu.build_slash_payload(world.guild, world.channel, world.bob, "secret")
        burst.append(emu.dispatch_interaction(payload))
        if i == 20:
            await emu.faults.drop_gateway()
    await _wait_resumed(emu, 1)
    for res in burst:
        await emu.wait_settled(res, settle=0.0, timeout=10)
    assert all(res.callback_type == 4 for res in burst)
    assert [v.kind for v in emu.violations] == []  # no double acknowledgement


async def test_resume_beyond_the_backlog_is_an_invalid_session(
    world: World, start_bot: BotFactory
) -> None:
    emu = world.emu
    await start_bot(world.guild, label="o", reconnect=True)
    await emu.faults.drop_gateway()
    session = next(iter(emu.gateway.sessions.values()))
    await session.dispatch("TYPING_START", {"channel_id": str(world.channel)})
    session.frames.clear()  # the missed event is no longer kept
    for _ in range(500):
        live = emu.gateway.live()
        if live and live[0].events and live[0].events[0] == "READY":
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the bot did not identify again")
    assert emu.gateway.resumes == []
    res = await emu.slash(world.guild, world.channel, world.alice, "where")
    assert res.content == "shard None o"
