"""Burst benchmark: N simultaneous interactions of one kind from N distinct members.

Starts the project's Discord emulator in this process and two bots in their own processes,
side by side on it: the real debate bot (shard 0 of 2, guild A) and a bare discord.py bot
whose commands, buttons and modal only acknowledge (``bench/bare_bot.py``, shard 1 of 2,
guild B), the ceiling for any discord.py bot on this machine. Rounds alternate between the
two bots and print acknowledgement latency p50, p99 and max, deferrals, interactions per
second and the ratio between the bots. What the debate bot stored is then checked exactly.

    python bench/burst.py [--command NAME] [--sizes 100,500,1000,2000] [--rounds 3]
                          [--rtt MS] [--default-gc] [--event-loop uvloop|asyncio]
                          [--postgres auto|URL]

Every burst runs in one open-floor debate (every action is open there); argument #1 is a
debater's on the For side. ``--command`` (``--command all`` runs each in turn):

- ``join``, ``leave``: ``/debate join`` (each round the next side, so every press is a join
  or a switch; the last side must be stored) and ``/debate leave`` (everyone rejoined before
  each round; nobody may be left);
- ``join-button``: the motion card's ``For`` / ``Against`` / ``Audience``;
- ``vote``, ``vote-button``, ``stance``: ``/vote``; the card's ``Vote`` (an ephemeral prompt);
  a stance in that prompt (each member's own, opened just before the round);
- ``persuasive``, ``persuasive-button``: toggles on #1 (marked exactly by those who pressed an
  odd number of times);
- ``propose``: new texts (numbered 1 to N without a gap); ``rebut``, ``rebut-modal``:
  rebuttals of #1 by the Against side, by command or by the Rebut modal's submit;
- ``delta``: ``/delta`` on #1 (credits cleared before each round; one per member must be
  stored);
- ``status``, ``summary``, ``list``, ``modlog``: ``/debate status``, ``/debate summary``,
  ``/debate list``, ``/mod log`` (every member a moderator);
- ``motion-choices``, ``argument-choices``: autocomplete of ``/debate start``'s motion and of
  ``/persuasive``'s argument (30 arguments posted).

``BENCH_KEEP_LOGS=DIR`` copies both bots' logs there; ``BENCH_SHOW_LOGS=1`` prints their ends.

``--rtt`` makes the emulator hold every REST response that long, as the network to Discord
would. ``--default-gc`` runs the debate bot with CPython's collector defaults instead of its
``performance`` settings; ``--event-loop asyncio`` on asyncio's own loop instead of uvloop.
With ``--postgres auto`` a throw-away PostgreSQL cluster is started on 127.0.0.1 (the one the
tests use) and the same rounds run on it too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scene import (
    MANAGE_MESSAGES,
    ROOT,
    TOKEN,
    bot_command,
    bot_env,
    bot_settings,
    button_message,
    guild_on_shard,
    join_all,
    peak_rss_mb,
    percentile,
    postgres_cluster,
    start_process,
    still_thinking,
    stop_processes,
    write_yaml,
)
from sqlalchemy import delete, func, select

from bot import collector
from bot.emulator import DiscordEmulator, InteractionResult
from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import Argument, ArgumentVote, MindChange, MotionVote, Participant

STANCES = ["for", "against", "undecided"]
SIDES = ["for", "against", "audience"]
CHOICE_ARGUMENTS = 30


@dataclass
class Round:
    latencies: list[float]
    wall: float
    ok: int
    deferred: int

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


@dataclass
class Target:
    """One bot's side of the scene: its guild, channel, members and button messages."""

    name: str
    guild: int
    channel: int
    members: list[int]
    debate: int = 1
    motion_card: int = 0
    argument_card: int = 0
    prompts: dict[int, int] = field(default_factory=dict)  # member -> their Vote prompt


@dataclass
class Scene:
    emu: DiscordEmulator
    moderator: int
    debater: int
    bot: Target
    bare: Target


async def fire(
    emu: DiscordEmulator,
    payloads: list[dict[str, Any]],
    answered: Callable[[InteractionResult], bool],
) -> Round:
    started = time.perf_counter()
    results = [emu.dispatch_interaction(p) for p in payloads]
    await asyncio.wait_for(asyncio.gather(*(r.acked for r in results)), timeout=120)
    # A deferred interaction is acknowledged first and answered after its commit: count it
    # as done when its answer has arrived.
    deadline = time.monotonic() + 60
    waiting = [r for r in results if not answered(r)]
    while waiting and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        waiting = [r for r in waiting if not answered(r)]
    wall = time.perf_counter() - started
    ok = sum(1 for r in results if r.callback_type is not None and answered(r))
    latencies = [r.acked_after if r.acked_after is not None else float("inf") for r in results]
    deferred = sum(1 for r in results if r.callback_type in (5, 6))
    return Round(latencies, wall, ok, deferred)


class Burst:
    """One kind of burst; subclasses say what each member sends and what must be stored."""

    name = ""
    side: str | None = "audience"  # the side every member joins at set-up (None: nobody)
    moderators = False
    answers: tuple[str, ...] = ()  # one of these must appear in each answer (both bots)

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.emu = scene.emu

    async def prepare(self, db: Database) -> None:
        """Once, before the first round."""

    async def before_round(self, db: Database, target: Target, members: list[int]) -> None:
        """Before each round of each bot."""

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        raise NotImplementedError

    def answered(self, result: InteractionResult) -> bool:
        if result.callback_type is None or still_thinking(result):
            return False
        text = result.text()
        return any(answer in text for answer in self.answers)

    async def exact(self, db: Database) -> bool | None:
        """Whether the debate bot stored exactly what was sent (None: nothing to check)."""
        return None

    def slash(
        self, target: Target, member: int, command: str, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.emu.build_slash_payload(target.guild, target.channel, member, command, options)

    def press(self, target: Target, member: int, message: int, custom_id: str) -> dict[str, Any]:
        return self.emu.build_component_payload(
            target.guild, target.channel, member, message, custom_id
        )


class Join(Burst):
    name, side, answers = "join", None, ("You joined", "You switched")

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        self.expected: dict[int, str] = {}

    def side_of(self, member_index: int, round_: int) -> str:
        return SIDES[(member_index + round_) % 3]

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        out = []
        for i, member in enumerate(members):
            side = self.side_of(i, round_)
            if target is self.scene.bot:
                self.expected[member] = side
            out.append(self.slash(target, member, "debate join", {"side": side}))
        return out

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            rows = await session.execute(
                select(Participant.user_id, Participant.side).where(
                    Participant.debate_id == self.scene.bot.debate,
                    Participant.user_id.in_(self.scene.bot.members),
                )
            )
            return {user: side for user, side in rows} == self.expected


class JoinButton(Join):
    name = "join-button"

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        out = []
        for i, member in enumerate(members):
            side = self.side_of(i, round_)
            if target is self.scene.bot:
                self.expected[member] = side
            custom_id = f"debate:join:{target.debate}:{side}"
            out.append(self.press(target, member, target.motion_card, custom_id))
        return out


class Leave(Burst):
    name, answers = "leave", ("You left the debate",)

    async def before_round(self, db: Database, target: Target, members: list[int]) -> None:
        if target is self.scene.bot:
            await join_all(db, target.debate, members, "audience")

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        return [self.slash(target, member, "debate leave") for member in members]

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(Participant)
                .where(
                    Participant.debate_id == self.scene.bot.debate,
                    Participant.user_id.in_(self.scene.bot.members),
                )
            )
        return left == 0


class Vote(Burst):
    name, answers = "vote", ("vote is recorded", "vote changed")

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        self.expected: dict[int, str] = {}

    def stances(self, target: Target, members: list[int]) -> list[str]:
        stances = [random.choice(STANCES) for _ in members]
        if target is self.scene.bot:
            self.expected.update(zip(members, stances, strict=True))
        return stances

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        stances = self.stances(target, members)
        return [
            self.slash(target, member, "vote", {"stance": stance})
            for member, stance in zip(members, stances, strict=True)
        ]

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            rows = await session.execute(
                select(MotionVote.user_id, MotionVote.stance).where(
                    MotionVote.debate_id == self.scene.bot.debate
                )
            )
            return {user: stance for user, stance in rows} == self.expected


class VoteButton(Burst):
    name, answers = "vote-button", ("How do you vote",)

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        custom_id = f"debate:vote:{target.debate}"
        return [self.press(target, m, target.motion_card, custom_id) for m in members]


class Stance(Vote):
    """A stance in each member's own Vote prompt, opened by a burst of Vote presses first."""

    name = "stance"

    async def before_round(self, db: Database, target: Target, members: list[int]) -> None:
        custom_id = f"debate:vote:{target.debate}"
        opened = [
            self.emu.dispatch_interaction(self.press(target, m, target.motion_card, custom_id))
            for m in members
        ]
        await asyncio.wait_for(asyncio.gather(*(r.acked for r in opened)), timeout=120)
        for member, result in zip(members, opened, strict=True):
            assert result.original_id is not None, result.text()
            target.prompts[member] = result.original_id
        await self.emu.settle(quiet=0.5, timeout=60)

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        stances = self.stances(target, members)
        return [
            self.press(target, m, target.prompts[m], f"debate:stance:{target.debate}:{s}")
            for m, s in zip(members, stances, strict=True)
        ]


class Persuasive(Burst):
    name, answers = "persuasive", ("persuasive",)

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        self.presses: Counter[int] = Counter()

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        if target is self.scene.bot:
            self.presses.update(members)
        return [self.slash(target, m, "persuasive", {"argument": 1}) for m in members]

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            marked = set(
                await session.scalars(
                    select(ArgumentVote.user_id).where(
                        ArgumentVote.debate_id == self.scene.bot.debate
                    )
                )
            )
        return marked == {m for m, n in self.presses.items() if n % 2}


class PersuasiveButton(Persuasive):
    name = "persuasive-button"

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        if target is self.scene.bot:
            self.presses.update(members)
        custom_id = f"arg:persuasive:{target.debate}:1"
        return [self.press(target, m, target.argument_card, custom_id) for m in members]


class Propose(Burst):
    name, side, answers = "propose", "for", ("bench argument",)

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        self.posted = 0

    def texts(self, target: Target, members: list[int]) -> list[str]:
        first = self.posted
        if target is self.scene.bot:
            self.posted += len(members)
        return [f"A bench argument, number {first + i}." for i in range(len(members))]

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        texts = self.texts(target, members)
        return [
            self.slash(target, m, "propose", {"text": t})
            for m, t in zip(members, texts, strict=True)
        ]

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            numbers = sorted(
                await session.scalars(
                    select(Argument.number).where(Argument.debate_id == self.scene.bot.debate)
                )
            )
        # #1 is the debater's, posted at set-up.
        return numbers == list(range(1, self.posted + 2))


class Rebut(Propose):
    name, side = "rebut", "against"

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        texts = self.texts(target, members)
        return [
            self.slash(target, m, "rebut", {"argument": 1, "text": t})
            for m, t in zip(members, texts, strict=True)
        ]


class RebutModal(Propose):
    """Submits of the Rebut modal (as if each member had opened it from #1's card)."""

    name, side = "rebut-modal", "against"

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        texts = self.texts(target, members)
        custom_id = f"arg:rebut-modal:{target.debate}:1"
        return [
            self.emu.build_modal_payload(target.guild, target.channel, m, custom_id, {"text": t})
            for m, t in zip(members, texts, strict=True)
        ]


class Delta(Burst):
    name, answers = "delta", ("You credited",)

    def __init__(self, scene: Scene) -> None:
        super().__init__(scene)
        self.last: list[int] = []

    async def before_round(self, db: Database, target: Target, members: list[int]) -> None:
        if target is self.scene.bot:
            self.last = list(members)
            async with db.write() as session:
                await session.execute(delete(MindChange))

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        why = "The numbers in this argument changed my mind for good."
        return [
            self.slash(target, m, "delta", {"argument": 1, "explanation": why}) for m in members
        ]

    async def exact(self, db: Database) -> bool:
        async with db.read() as session:
            credited = set(await session.scalars(select(MindChange.user_id)))
        return credited == set(self.last)


class Read(Burst):
    command = ""

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        return [self.slash(target, m, self.command) for m in members]


class Status(Read):
    name, command, answers = "status", "debate status", ("Debate #",)


class Summary(Read):
    name, command, answers = "summary", "debate summary", ("Open floor",)


class List(Read):
    name, command, answers = "list", "debate list", ("Debates in this server",)


class ModLog(Read):
    name, command, answers, moderators = "modlog", "mod log", ("Audit log",), True


class Choices(Burst):
    command, option, typed = "", "", ""

    def answered(self, result: InteractionResult) -> bool:
        return bool(result.choices)

    def payloads(self, target: Target, members: list[int], round_: int) -> list[dict[str, Any]]:
        return [
            self.emu.build_slash_payload(
                target.guild,
                target.channel,
                m,
                self.command,
                {self.option: self.typed},
                focused=self.option,
            )
            for m in members
        ]


class MotionChoices(Choices):
    name, command, option, typed = "motion-choices", "debate start", "motion", "Russia"


class ArgumentChoices(Choices):
    name, command, option, typed = "argument-choices", "persuasive", "argument", "bench"

    async def prepare(self, db: Database) -> None:
        for i in range(2, CHOICE_ARGUMENTS + 1):
            await post(self.scene, self.scene.debater, f"A bench argument to choose, number {i}.")


BURSTS: dict[str, type[Burst]] = {
    kind.name: kind
    for kind in (
        Join,
        Leave,
        JoinButton,
        Vote,
        VoteButton,
        Stance,
        Persuasive,
        PersuasiveButton,
        Propose,
        Rebut,
        RebutModal,
        Delta,
        Status,
        Summary,
        List,
        ModLog,
        MotionChoices,
        ArgumentChoices,
    )
}


async def post(scene: Scene, author: int, text: str) -> InteractionResult:
    bot = scene.bot
    return await scene.emu.slash(bot.guild, bot.channel, author, "propose", {"text": text})


def build_scene(emu: DiscordEmulator, size: int, moderators: bool) -> Scene:
    guild_a = guild_on_shard(emu, 0, "Debate bot")
    guild_b = guild_on_shard(emu, 1, "Bare bot")
    mods = emu.add_role(guild_a, "Mods", permissions=MANAGE_MESSAGES)
    mods_b = emu.add_role(guild_b, "Mods", permissions=MANAGE_MESSAGES)
    roles_a = [mods.id] if moderators else []
    roles_b = [mods_b.id] if moderators else []
    return Scene(
        emu,
        emu.add_member(guild_a, "moderator", roles=[mods.id]).id,
        emu.add_member(guild_a, "debater").id,
        Target(
            "debate bot",
            guild_a,
            emu.add_text_channel(guild_a, "debates").id,
            [emu.add_member(guild_a, f"a{i}", roles=roles_a).id for i in range(size)],
        ),
        Target(
            "bare bot",
            guild_b,
            emu.add_text_channel(guild_b, "debates").id,
            [emu.add_member(guild_b, f"b{i}", roles=roles_b).id for i in range(size)],
        ),
    )


def write_config(
    path: Path, scene: Scene, db_url: str, default_gc: bool = False, event_loop: str = "uvloop"
) -> None:
    settings = bot_settings(scene.emu, [scene.bot.guild], db_url)
    performance: dict[str, object] = {"event_loop": event_loop}
    if default_gc:
        performance.update(gc_young_threshold=700, gc_freeze_after_ready=False)
    settings["performance"] = performance
    write_yaml(path, settings)


def start_bots(scene: Scene, config: Path, folder: Path) -> list[subprocess.Popen[bytes]]:
    env = bot_env()
    run = bot_command(config, shard_count=2, shard=0)
    bare = [str(ROOT / "bench" / "bare_bot.py"), scene.emu.api_base, scene.emu.gateway_url]
    bare += [str(scene.bare.guild), "1", "2"]
    profile = os.environ.get("BENCH_PROFILE")  # a cProfile file of the debate bot, if set
    if profile:
        run = [run[0], "-m", "cProfile", "-o", profile, *run[1:]]
    return [
        start_process(run, env, folder / "debate-bot.log"),
        start_process([sys.executable, *bare], env, folder / "bare-bot.log"),
    ]


async def set_up(scene: Scene, db: Database, work: Burst) -> None:
    """An open-floor debate with argument #1 (For), members joined, both bots' buttons."""
    emu, bot, bare = scene.emu, scene.bot, scene.bare
    started = await emu.slash(
        bot.guild, bot.channel, scene.moderator, "debate start", {"motion": "12", "format": "open"}
    )
    bot.debate = int(started.text().split("#")[1].split()[0])
    await join_all(db, bot.debate, [scene.debater], "for")
    posted = await post(
        scene, scene.debater, "Persuasion is measured by who moves, not by who shouts."
    )
    assert "#1" in posted.text(), posted.text()
    if work.side is not None:
        await join_all(db, bot.debate, bot.members, work.side)
    bot.motion_card = button_message(emu, bot.channel, "debate:join:")
    bot.argument_card = button_message(emu, bot.channel, "arg:persuasive:")
    await emu.slash(bare.guild, bare.channel, bare.members[0], "card")
    bare.motion_card = bare.argument_card = button_message(emu, bare.channel, "debate:join:")
    await work.prepare(db)


def report(n: int, figures: dict[str, list[Round]], exact: bool | None) -> list[str]:
    lines = []
    rates: dict[str, float] = {}
    for name, runs in figures.items():
        p50 = statistics.median(percentile(r.latencies, 0.5) for r in runs)
        p99 = statistics.median(percentile(r.latencies, 0.99) for r in runs)
        worst = max(max(r.latencies) for r in runs)
        rates[name] = statistics.median(r.per_second for r in runs)
        answered = min(r.ok for r in runs)
        deferred = max(r.deferred for r in runs)
        ratio = f"{rates['debate bot'] / rates[name]:.2f}x" if name == "bare bot" else ""
        lines.append(
            f"| {n} | {name} | {p50 * 1000:.0f} ms | {p99 * 1000:.0f} ms "
            f"| {worst * 1000:.0f} ms | {rates[name]:.0f} | {answered}/{n} | {deferred} | {ratio} |"
        )
    if exact is not None:
        lines.append(
            f"|   | stored exactly after the last round: {'yes' if exact else 'NO'} ||||||||"
        )
    return lines


async def bench(
    url: str | None,
    command: str,
    sizes: list[int],
    rounds: int,
    label: str,
    rtt: float = 0.0,
    default_gc: bool = False,
    event_loop: str = "uvloop",
) -> None:
    emu = DiscordEmulator(token=TOKEN)
    emu.response_delay = rtt
    await emu.start()
    kind = BURSTS[command]
    scene = build_scene(emu, max(sizes), kind.moderators)
    # The emulator stands in for Discord's servers, which never pause a bot's machine: its
    # collector scanning a world of thousands of members and every message sent would stop
    # it for 100 ms and more in the middle of a burst, for both bots alike.
    collector.tune(50_000)
    collector.freeze_startup_heap()
    work = kind(scene)
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as name:
        folder = Path(name)
        db_url = url or f"sqlite+aiosqlite:///{folder / 'burst.db'}"
        write_config(folder / "config.yaml", scene, db_url, default_gc, event_loop)
        db = Database(db_url)
        await migrate.upgrade(db)
        bots = start_bots(scene, folder / "config.yaml", folder)
        try:
            await emu.wait_for_ready(timeout=60, count=2)
            await emu.settle(quiet=0.5, timeout=60)
            await set_up(scene, db, work)
            network = f", {rtt * 1000:.0f} ms round trip" if rtt else ""
            network += ", debate bot on CPython's default collector settings" if default_gc else ""
            network += f", debate bot on {event_loop}'s event loop"
            print(
                f"\n## {label}, {command}: each bot in its own process, "
                f"median of {rounds} rounds per N{network}"
            )
            print("| N | bot | ack p50 | ack p99 | ack max | per s | answered | deferred | ratio |")
            print("|---|---|---|---|---|---|---|---|---|", flush=True)
            done = 0  # rounds so far, so each round's joins differ from the last one's
            for n in sizes:
                figures: dict[str, list[Round]] = {"debate bot": [], "bare bot": []}
                for _ in range(rounds):  # alternate the bots, side by side in one run
                    done += 1
                    for target in (scene.bot, scene.bare):
                        members = target.members[:n]
                        await work.before_round(db, target, members)
                        payloads = work.payloads(target, members, done)
                        figures[target.name].append(await fire(emu, payloads, work.answered))
                        await emu.settle(quiet=0.5, timeout=120)
                print(*report(n, figures, await work.exact(db)), sep="\n", flush=True)
            peaks = ", ".join(
                f"{name} {peak_rss_mb(process.pid)}"
                for name, process in zip(("debate bot", "bare bot"), bots, strict=True)
            )
            print(f"\nPeak resident memory: {peaks}")
        finally:
            keep = os.environ.get("BENCH_KEEP_LOGS")  # a folder to copy both bots' logs to
            if keep:
                for log in ("debate-bot.log", "bare-bot.log"):
                    shutil.copy(folder / log, Path(keep) / f"{command}-{label}-{log}")
            stop_processes(bots, [folder / "debate-bot.log", folder / "bare-bot.log"])
            await db.dispose()
            await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--command", choices=[*BURSTS, "all"], default="vote")
    parser.add_argument("--sizes", default="100,500,1000,2000")
    parser.add_argument("--rounds", type=int, default=3)
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
    commands = list(BURSTS) if args.command == "all" else [args.command]
    extra = (args.rtt / 1000, args.default_gc, args.event_loop)
    for command in commands:
        asyncio.run(bench(None, command, sizes, args.rounds, "SQLite", *extra))
    if args.postgres == "auto":
        with postgres_cluster() as cluster:
            for i, command in enumerate(commands):
                url = cluster.create_database(f"bench_burst_{i}")
                asyncio.run(bench(url, command, sizes, args.rounds, "PostgreSQL", *extra))
    elif args.postgres:
        for command in commands:
            asyncio.run(bench(args.postgres, command, sizes, args.rounds, "PostgreSQL", *extra))


if __name__ == "__main__":
    main()
