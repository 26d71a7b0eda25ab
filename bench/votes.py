"""Burst benchmark: N simultaneous interactions from N distinct members (votes by default).

Starts the project's Discord emulator in this process and two bots in their own processes,
side by side on it: the real debate bot (shard 0 of 2, guild A) and a bare discord.py bot
whose commands only acknowledge (shard 1 of 2, guild B), the ceiling for any discord.py
bot on this machine. Rounds alternate between the two bots, N = 100, 500, 1,000, 2,000, and
print acknowledgement latency p50, p99 and max, interactions per second, and the ratio
between the bots. What the debate bot stored is then checked exactly.

    python bench/votes.py [--command vote|persuasive|propose] [--sizes 100,500,1000,2000]
                          [--rounds 3] [--rtt MS] [--default-gc] [--event-loop uvloop|asyncio]
                          [--postgres auto|URL]

``--command`` picks the burst: ``/vote`` with random stances (the last stance of each
member must be stored), ``/persuasive`` presses on one argument (marked exactly by those who
pressed an odd number of times) or ``/propose`` in an open-floor debate (one argument per
post, numbered without a gap).

``--rtt`` makes the emulator hold every REST response that long, as the network to Discord
would: on loopback a reply frees its connection at once, over the internet only after a
round trip, which is what sizes the bot's HTTP connection pool.

``--default-gc`` runs the debate bot with CPython's collector defaults instead of its
``performance`` settings (young threshold 50,000, start-up heap frozen once ready), to
measure what those settings buy. The emulator's own collector is tuned the same way either
way: it stands in for Discord, whose pauses are not the bot's. ``--event-loop asyncio`` runs
the debate bot on asyncio's own event loop instead of uvloop.

With ``--postgres auto`` a throw-away PostgreSQL cluster is started on 127.0.0.1 (the one
the tests use) and the same rounds run on it too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import insert, select

from bot import collector
from bot.emulator import DiscordEmulator
from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import Argument, ArgumentVote, MotionVote, Participant

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
MANAGE_MESSAGES = 1 << 13
STANCES = ["for", "against", "undecided"]


@dataclass
class Round:
    latencies: list[float]
    wall: float
    ok: int
    failed: int
    deferred: int

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def peak_rss_mb(pid: int) -> str:
    """A process's peak resident set (Linux), for the memory the bursts cost."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "unknown"
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return f"{int(line.split()[1]) / 1024:.0f} MB"
    return "unknown"


def guild_on_shard(emu: DiscordEmulator, shard: int, name: str) -> int:
    """A guild id that belongs to ``shard`` of 2."""
    while True:
        candidate = random.getrandbits(40) << 22 | random.getrandbits(22)
        if emu.shard_of(candidate, 2) == shard:
            return emu.add_guild(name, guild_id=candidate).id


async def fire(
    emu: DiscordEmulator,
    guild: int,
    channel: int,
    members: list[int],
    command: str,
    options: list[dict[str, object]],
    answer: str,
) -> Round:
    payloads = [
        emu.build_slash_payload(guild, channel, member, command, option)
        for member, option in zip(members, options, strict=True)
    ]
    started = time.perf_counter()
    results = [emu.dispatch_interaction(p) for p in payloads]
    await asyncio.wait_for(asyncio.gather(*(r.acked for r in results)), timeout=60)
    # A deferred interaction is acknowledged first and answered after its commit: count it
    # as done when its answer (a text containing ``answer``) has arrived.
    waiting = [r for r in results if r.callback_type is not None]
    deadline = time.monotonic() + 60
    while waiting and time.monotonic() < deadline:
        waiting = [r for r in waiting if answer not in r.text()]
        if waiting:
            await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    ok = sum(1 for r in results if r.callback_type is not None and answer in r.text())
    latencies = [r.acked_after if r.acked_after is not None else float("inf") for r in results]
    deferred = sum(1 for r in results if r.callback_type == 5)
    return Round(latencies, wall, ok, len(results) - ok, deferred)


class Votes:
    """``/vote`` with a random stance; exact when every member's last stance is stored."""

    command, answer, format, side = "vote", "vote", "oxford", "audience"

    def __init__(self) -> None:
        self.expected: dict[int, str] = {}

    async def prepare(self, scene: Scene, db: Database, debate_id: int) -> None:
        """Votes are open in the first phase already."""

    def options(self, members: list[int]) -> list[dict[str, object]]:
        stances = [random.choice(STANCES) for _ in members]
        self.expected.update(zip(members, stances, strict=True))
        return [{"stance": stance} for stance in stances]

    async def exact(self, db: Database, debate_id: int) -> bool:
        async with db.read() as session:
            rows = await session.execute(
                select(MotionVote.user_id, MotionVote.stance).where(
                    MotionVote.debate_id == debate_id, MotionVote.stage == "pre"
                )
            )
            return {user: stance for user, stance in rows} == self.expected


class Marks:
    """``/persuasive`` on argument #1 (each press toggles); exact when the marked members are
    those who pressed an odd number of times."""

    command, answer, format, side = "persuasive", "persuasive", "oxford", "audience"

    def __init__(self) -> None:
        self.presses: Counter[int] = Counter()

    async def prepare(self, scene: Scene, db: Database, debate_id: int) -> None:
        """On to the opening statements, where a debater posts argument #1."""
        emu = scene.emu
        async with db.write() as session:
            await session.execute(
                insert(Participant),
                [
                    {
                        "debate_id": debate_id,
                        "user_id": scene.debater,
                        "side": "for",
                        "joined_at": datetime.now(UTC),
                    }
                ],
            )
        moved = await emu.slash(scene.guild_a, scene.channel_a, scene.moderator, "debate next")
        posted = await emu.slash(
            scene.guild_a,
            scene.channel_a,
            scene.debater,
            "propose",
            {"text": "Persuasion is measured by who moves, not by who shouts."},
        )
        assert "#1" in posted.text(), (moved.text(), posted.text())

    def options(self, members: list[int]) -> list[dict[str, object]]:
        self.presses.update(members)
        return [{"argument": 1} for _ in members]

    async def exact(self, db: Database, debate_id: int) -> bool:
        async with db.read() as session:
            marked = set(
                await session.scalars(
                    select(ArgumentVote.user_id).where(ArgumentVote.debate_id == debate_id)
                )
            )
        return marked == {m for m, n in self.presses.items() if n % 2}


class Proposals:
    """``/propose`` in an open-floor debate, each text new; exact when every press became
    one argument and the numbers run 1 to N without a gap."""

    command, answer, format, side = "propose", "bench argument", "open", "for"

    def __init__(self) -> None:
        self.presses = 0

    async def prepare(self, scene: Scene, db: Database, debate_id: int) -> None:
        """Arguments are open in the open floor's only phase."""

    def options(self, members: list[int]) -> list[dict[str, object]]:
        first = self.presses
        self.presses += len(members)
        return [{"text": f"A bench argument, number {first + i}."} for i in range(len(members))]

    async def exact(self, db: Database, debate_id: int) -> bool:
        async with db.read() as session:
            numbers = sorted(
                await session.scalars(
                    select(Argument.number).where(Argument.debate_id == debate_id)
                )
            )
        return numbers == list(range(1, self.presses + 1))


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)


@dataclass
class Scene:
    """The emulator's guilds: A served by the debate bot, B by the bare bot."""

    emu: DiscordEmulator
    guild_a: int
    channel_a: int
    moderator: int
    debater: int
    members_a: list[int]
    guild_b: int
    channel_b: int
    members_b: list[int]


def build_scene(emu: DiscordEmulator, size: int) -> Scene:
    guild_a = guild_on_shard(emu, 0, "Debate bot")
    guild_b = guild_on_shard(emu, 1, "Bare bot")
    mods = emu.add_role(guild_a, "Mods", permissions=MANAGE_MESSAGES)
    return Scene(
        emu,
        guild_a,
        emu.add_text_channel(guild_a, "debates").id,
        emu.add_member(guild_a, "moderator", roles=[mods.id]).id,
        emu.add_member(guild_a, "debater").id,
        [emu.add_member(guild_a, f"a{i}").id for i in range(size)],
        guild_b,
        emu.add_text_channel(guild_b, "debates").id,
        [emu.add_member(guild_b, f"b{i}").id for i in range(size)],
    )


def write_config(
    path: Path, scene: Scene, db_url: str, default_gc: bool = False, event_loop: str = "uvloop"
) -> None:
    settings: dict[str, object] = {
        "discord": {
            "guilds": [scene.guild_a],
            "api_base_url": scene.emu.api_base,
            "gateway_url": scene.emu.gateway_url,
        },
        "database": {"url": db_url},
        "debates": {
            "use_threads": False,
            "rate_limit": {"actions": 1000, "per_seconds": 1},
            "argument_cooldown_seconds": 0,  # every member posts once per round
        },
        "logging": {"level": "WARNING"},
    }
    performance: dict[str, object] = {"event_loop": event_loop}
    if default_gc:
        performance.update(gc_young_threshold=700, gc_freeze_after_ready=False)
    settings["performance"] = performance
    path.write_text(yaml.safe_dump(settings))


def start_bots(scene: Scene, config: Path, folder: Path) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ, DISCORD_TOKEN=TOKEN)
    run = ["-m", "bot", "run", "--config", str(config), "--shard-count", "2", "--shard-ids", "0"]
    bare = [str(ROOT / "bench" / "bare_bot.py"), scene.emu.api_base, scene.emu.gateway_url]
    bare += [str(scene.guild_b), "1", "2"]
    profile = os.environ.get("BENCH_PROFILE")  # a cProfile file of the debate bot, if set
    if profile:
        run = ["-m", "cProfile", "-o", profile, *run]
    return [
        start_process([sys.executable, *run], env, folder / "debate-bot.log"),
        start_process([sys.executable, *bare], env, folder / "bare-bot.log"),
    ]


async def start_debate(scene: Scene, db: Database, fmt: str, side: str) -> int:
    """A moderator opens a debate; every member joins ``side`` (in bulk: setup only)."""
    emu = scene.emu
    options = {"motion": "12", "format": fmt}
    started = await emu.slash(
        scene.guild_a, scene.channel_a, scene.moderator, "debate start", options
    )
    debate_id = int(started.text().split("#")[1].split()[0])
    joined = datetime.now(UTC)
    rows = [
        {"debate_id": debate_id, "user_id": m, "side": side, "joined_at": joined}
        for m in scene.members_a
    ]
    async with db.write() as session:
        await session.execute(insert(Participant), rows)
    return debate_id


def report(n: int, figures: dict[str, list[Round]], exact: bool, unit: str) -> None:
    rates: dict[str, float] = {}
    for name, runs in figures.items():
        p50 = statistics.median(percentile(r.latencies, 0.5) for r in runs)
        p99 = statistics.median(percentile(r.latencies, 0.99) for r in runs)
        worst = max(max(r.latencies) for r in runs)
        rates[name] = statistics.median(r.per_second for r in runs)
        acked = min(r.ok for r in runs)
        deferred = max(r.deferred for r in runs)
        ratio = f"{rates['debate bot'] / rates[name]:.2f}x" if name == "bare bot" else ""
        print(
            f"| {n} | {name} | {p50 * 1000:.0f} ms | {p99 * 1000:.0f} ms "
            f"| {worst * 1000:.0f} ms | {rates[name]:.0f} | {acked}/{n} | {deferred} | {ratio} |"
        )
    print(f"|   | {unit} stored exactly after the last round: {'yes' if exact else 'NO'} ||||||||")


async def bench(
    url: str | None,
    sizes: list[int],
    rounds: int,
    label: str,
    rtt: float = 0.0,
    command: str = "vote",
    default_gc: bool = False,
    event_loop: str = "uvloop",
) -> None:
    emu = DiscordEmulator(token=TOKEN)
    emu.response_delay = rtt
    await emu.start()
    scene = build_scene(emu, max(sizes))
    # The emulator stands in for Discord's servers, which never pause a bot's machine: its
    # collector scanning a world of thousands of members and every message sent would stop
    # it for 100 ms and more in the middle of a burst, for both bots alike.
    collector.tune(50_000)
    collector.freeze_startup_heap()
    work: Votes | Marks | Proposals = {"vote": Votes, "persuasive": Marks, "propose": Proposals}[
        command
    ]()
    with tempfile.TemporaryDirectory(prefix="bench-votes-") as name:
        folder = Path(name)
        db_url = url or f"sqlite+aiosqlite:///{folder / 'votes.db'}"
        write_config(folder / "config.yaml", scene, db_url, default_gc, event_loop)
        db = Database(db_url)
        await migrate.upgrade(db)
        bots = start_bots(scene, folder / "config.yaml", folder)
        try:
            await emu.wait_for_ready(timeout=60, count=2)
            await emu.settle(quiet=0.5, timeout=60)
            debate_id = await start_debate(scene, db, work.format, work.side)
            await work.prepare(scene, db, debate_id)
            network = f", {rtt * 1000:.0f} ms round trip" if rtt else ""
            network += ", debate bot on CPython's default collector settings" if default_gc else ""
            network += f", debate bot on {event_loop}'s event loop"
            print(
                f"\n## {label}, /{work.command}: each bot in its own process, "
                f"median of {rounds} rounds per N{network}"
            )
            print("| N | bot | ack p50 | ack p99 | ack max | per s | answered | deferred | ratio |")
            print("|---|---|---|---|---|---|---|---|---|")
            for n in sizes:
                figures: dict[str, list[Round]] = {"debate bot": [], "bare bot": []}
                for _ in range(rounds):  # alternate the bots, side by side in one run
                    options = work.options(scene.members_a[:n])
                    for bot, guild, channel, members in (
                        ("debate bot", scene.guild_a, scene.channel_a, scene.members_a),
                        ("bare bot", scene.guild_b, scene.channel_b, scene.members_b),
                    ):
                        figures[bot].append(
                            await fire(
                                emu, guild, channel, members[:n], work.command, options, work.answer
                            )
                        )
                        await emu.settle(quiet=0.5, timeout=60)
                exact = await work.exact(db, debate_id)
                report(
                    n,
                    figures,
                    exact,
                    {"vote": "votes", "persuasive": "marks"}.get(command, "arguments"),
                )
            peaks = ", ".join(
                f"{name} {peak_rss_mb(process.pid)}"
                for name, process in zip(("debate bot", "bare bot"), bots, strict=True)
            )
            print(f"\nPeak resident memory: {peaks}")
        finally:
            if os.environ.get("BENCH_SHOW_LOGS"):
                for log in ("debate-bot.log", "bare-bot.log"):
                    lines = (folder / log).read_text(errors="replace").splitlines()
                    print(f"--- last lines of {log} ({len(lines)} lines)", *lines[-15:], sep="\n")
            for process in bots:
                process.send_signal(signal.SIGTERM)
            for process in bots:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
            await db.dispose()
            await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,500,1000,2000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--command",
        choices=["vote", "persuasive", "propose"],
        default="vote",
        help="the burst: /vote with random stances, /persuasive toggles on one argument, "
        "or /propose of new arguments in an open-floor debate",
    )
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.0,
        help="milliseconds the emulator holds each REST response, as a network round trip would",
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="run the debate bot with CPython's collector defaults (threshold 700, no freeze) "
        "instead of its performance settings, for comparison",
    )
    parser.add_argument(
        "--event-loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the debate bot's event loop (performance.event_loop); the bare bot always runs "
        "on asyncio's, as a stock discord.py bot does",
    )
    parser.add_argument(
        "--postgres", help="also run on PostgreSQL: 'auto' starts a throw-away cluster, or a URL"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rtt = args.rtt / 1000
    extra = (rtt, args.command, args.default_gc, args.event_loop)
    asyncio.run(bench(None, sizes, args.rounds, "SQLite", *extra))
    if args.postgres == "auto":
        sys.path.insert(0, str(ROOT))
        from tests.postgres.cluster import PostgresCluster

        cluster = PostgresCluster.create()
        cluster.start()
        try:
            url = cluster.create_database("bench_votes")
            asyncio.run(bench(url, sizes, args.rounds, "PostgreSQL", *extra))
        finally:
            cluster.stop()
    elif args.postgres:
        asyncio.run(bench(args.postgres, sizes, args.rounds, "PostgreSQL", *extra))


if __name__ == "__main__":
    main()
