"""A debate night, compressed: 12 Oxford debates in 3 guilds, 6,000 members, ten minutes.

    python bench/night.py [--scale 1.0] [--wall 120] [--postgres auto|URL] [--skip-sqlite]
                          [--seed 12]

Each of the essay's 12 motions is debated in its own channel, four per guild, the debates
opening one after another over the first quarter of the night. Ten minutes of the night are
played in ``--wall`` seconds (the crowd's every delay is shortened alike):

- a moderator starts each debate and moves it on with ``/debate next``: pre-debate vote,
  openings, floor, closings, final vote, closed; halfway through the floor they export it
  (``/debate export``, the four formats in turn);
- its members join in a ramp as it opens (``/debate join`` or the card's buttons), about 8%
  of them as debaters split between the sides, the rest as audience;
- the audience votes as soon as it has joined and again in a burst when the final vote
  opens (``/vote``, or the card's ``Vote`` button and a stance in its prompt);
- each debater posts one opening and one closing; on the floor, posts arrive as a Poisson
  process (``/propose``, ``/rebut`` of the other side, the Rebut modal);
- the audience marks the hot arguments persuasive, picked by a Zipf law
  (``/persuasive`` or the card's button), and one in ten credits one with ``/delta``;
- members ask ``/debate status`` all night.

On SQLite the bot runs in one process; with ``--postgres`` it also runs on PostgreSQL as two
shard processes (``auto`` starts a throw-away cluster). Per command it prints the
acknowledgement's p50, p99 and max, deferrals, refusals, errors and interactions never
answered; then each process's CPU time and peak RSS and the database's size, and whether
the database holds exactly what the members were told. ``--scale`` multiplies the number of
members (``--scale 0.01 --wall 5`` is a smoke test). The exit status is 1 when an
interaction went unanswered, failed, or the stored state differs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scene import (
    MANAGE_MESSAGES,
    bot_command,
    bot_env,
    bot_settings,
    button_message,
    cpu_seconds,
    guild_on_shard,
    percentile,
    postgres_cluster,
    proc_status_mb,
    start_process,
    still_thinking,
    stop_processes,
    until,
    write_yaml,
)
from sqlalchemy import select, text

from bot.emulator import DiscordEmulator, InteractionResult, InteractionTimeout
from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import (
    Argument,
    ArgumentVote,
    Debate,
    MindChange,
    MotionVote,
    Participant,
)

NIGHT = 600.0  # virtual seconds: the ten minutes being played
GUILDS, DEBATES, MEMBERS = 3, 12, 6000
SPAN = 0.7 * NIGHT  # one debate, start to close; the last opens at a quarter of the night
#: When the moderator moves each debate on, as shares of its span.
OPENING, FLOOR, EXPORT, CLOSING, POST_VOTE, CLOSE = 0.22, 0.30, 0.47, 0.65, 0.75, 0.90
RAMP = 0.20  # members join over the first 20% of their debate
DEBATERS = 0.08
POSTS_PER_DEBATER = 2.0  # floor posts, on average
MARKS_PER_MEMBER = 1.5
DELTA_SHARE = 0.1
STATUS_PER_MEMBER = 0.25  # status checks per member over the night
ZIPF = 1.1
ANSWER_WAIT = 30.0  # seconds after the acknowledgement
PHASES = ["pre_vote", "opening", "floor", "closing", "post_vote", "closed"]
#: Members look at the debate before they act: nobody votes, argues or marks out of phase.
ALLOWED = {
    "vote:pre": {"pre_vote"},
    "vote:post": {"post_vote"},
    "opening": {"opening"},
    "closing": {"closing"},
    "claim": {"floor"},
    "mark": {"opening", "floor", "closing", "post_vote"},
    "delta": {"floor", "closing", "post_vote"},
}
EXPORT_FORMATS = ["markdown", "html", "json", "csv"]
STANCES = ["for", "against", "undecided"]
APOLOGY = "something went wrong on our side"
CARD_NUMBER = re.compile(r"#(\d+) · ")


def pending(result: InteractionResult) -> bool:
    """Acknowledged with a deferral whose answer has not come: still "thinking", or a
    component's deferred update with neither a follow-up nor an edit of its message yet."""
    if result.callback_type != 6:
        return still_thinking(result)
    before = result.payload.get("message") or {}
    now = result.original or {}
    unchanged = (now.get("content") or "", now.get("embeds") or []) == (
        before.get("content") or "",
        before.get("embeds") or [],
    )
    return not result.followup_ids and unchanged


class Settled:
    """Whether an interaction is answered, looked at again when the bot has sent something
    on it (or half a second passed, as a request is counted before it is applied): each look
    copies its messages, the crowd's largest cost."""

    def __init__(self, result: InteractionResult) -> None:
        self.result = result
        self.seen = -1.0
        self.looked = 0.0
        self.answered = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if self.result.last_activity != self.seen or now - self.looked > 0.5:
            self.seen, self.looked = self.result.last_activity, now
            self.answered = not pending(self.result)
        return self.answered


@dataclass
class Sent:
    """What one interaction's sender saw."""

    command: str
    ack: float  # seconds to the first response (inf: none)
    done: float  # seconds to the answer (a deferral's follow-up or edit)
    deferred: bool
    outcome: str  # ok, refused, error, unanswered


@dataclass
class Room:
    """One debate: its guild, channel, members and what the crowd was told about it."""

    index: int
    guild: int
    channel: int
    moderator: int
    debaters: dict[int, str]  # member -> side
    audience: list[int]
    opens: float  # virtual seconds
    debate: int = 0
    card: int = 0
    phases: dict[str, asyncio.Event] = field(default_factory=dict)
    arguments: list[tuple[int, str, int]] = field(default_factory=list)  # number, side, card
    hot: list[int] = field(default_factory=list)  # argument numbers, hottest first
    joined: dict[int, str] = field(default_factory=dict)
    votes: dict[tuple[int, str], str] = field(default_factory=dict)  # (member, stage) -> stance
    marks: Counter[tuple[int, int]] = field(default_factory=Counter)  # (number, member)
    deltas: set[tuple[int, int]] = field(default_factory=set)

    def at(self, share: float) -> float:
        return self.opens + share * SPAN

    def phase(self, name: str) -> asyncio.Event:
        return self.phases.setdefault(name, asyncio.Event())

    def now(self) -> str:
        """The phase the crowd last saw the moderator open ("" before the start)."""
        return next((p for p in reversed(PHASES) if self.phase(p).is_set()), "")


class Night:
    """The crowd: sends each interaction at its virtual time and keeps what it saw."""

    def __init__(self, emu: DiscordEmulator, rooms: list[Room], wall: float, seed: int) -> None:
        self.emu = emu
        self.ack_wait = emu.ack_deadline + 12  # how long to wait for a late acknowledgement
        self.rooms = rooms
        self.speed = NIGHT / wall
        self.random = random.Random(seed)
        self.sent: list[Sent] = []
        self.refusals: Counter[tuple[str, str]] = Counter()
        self.texts = itertools.count(1)  # every text differs: the bot refuses a repeat
        self.problems: list[str] = []  # what kept the night from going as planned
        self.lag = 0.0  # the longest this process's event loop was late: its CPU, or the machine's
        self.started = 0.0

    async def at(self, virtual: float) -> None:
        """Sleep until ``virtual`` seconds into the night."""
        delay = self.started + virtual / self.speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def send(
        self, command: str, payload: dict[str, Any], ok: tuple[str, ...]
    ) -> InteractionResult | None:
        """Dispatch, wait for the answer, record it; the result when it was ``ok``."""
        result = self.emu.dispatch_interaction(payload)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(result.acked), self.ack_wait)
        answered = result.callback_type is not None and await until(
            Settled(result), self.ack_wait + ANSWER_WAIT, step=0.02
        )
        done = result.last_activity - result.dispatched_at if answered else float("inf")
        ack = result.acked_after if result.acked_after is not None else float("inf")
        said = result.text()
        if not answered:
            outcome = "unanswered"
        elif APOLOGY in said:
            outcome = "error"
        elif any(marker in said for marker in ok):
            outcome = "ok"
        else:
            outcome = "refused"
            # After a deferred update the refusal is the follow-up, under the message.
            shown = str(result.followups[-1].get("content")) if result.followups else said
            self.refusals[(command, shown.splitlines()[0][:80] if shown else "(empty)")] += 1
        self.sent.append(Sent(command, ack, done, result.callback_type in (5, 6), outcome))
        return result if outcome == "ok" else None

    def slash(
        self, room: Room, member: int, command: str, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return self.emu.build_slash_payload(room.guild, room.channel, member, command, options)

    def press(self, room: Room, member: int, message: int, custom_id: str) -> dict[str, Any]:
        return self.emu.build_component_payload(
            room.guild, room.channel, member, message, custom_id
        )

    def delay(self, mean: float) -> float:
        return self.random.expovariate(1 / mean)

    def zipf(self, room: Room) -> int | None:
        """An argument by the Zipf law over the debate's arguments, hottest first."""
        if not room.hot:
            return None
        weights = [1 / (rank + 1) ** ZIPF for rank in range(len(room.hot))]
        return self.random.choices(room.hot, weights)[0]

    # ----- the moderator ---------------------------------------------------------------

    async def moderate(self, room: Room) -> None:
        await self.at(room.opens)
        motion = str(room.index + 1)
        started = await self.send(
            "debate start",
            self.slash(room, room.moderator, "debate start", {"motion": motion}),
            ("started here",),
        )
        if started is None:
            self.problems.append(f"motion {motion} was not started: {self.sent[-1]}")
            for phase in PHASES:  # its members give up: every phase looks over to them
                room.phase(phase).set()
            return
        room.debate = int(started.text().split("#")[1].split()[0])
        room.card = button_message(self.emu, room.channel, f"debate:join:{room.debate}:")
        room.phase("pre_vote").set()
        steps = [
            (OPENING, "opening"),
            (FLOOR, "floor"),
            (EXPORT, "export"),
            (CLOSING, "closing"),
            (POST_VOTE, "post_vote"),
            (CLOSE, "closed"),
        ]
        for share, phase in steps:
            await self.at(room.at(share))
            if phase == "export":
                fmt = EXPORT_FORMATS[room.index % len(EXPORT_FORMATS)]
                await self.send(
                    "debate export",
                    self.slash(room, room.moderator, "debate export", {"format": fmt}),
                    ("Transcript of debate",),
                )
                continue
            moved = await self.send(
                "debate next", self.slash(room, room.moderator, "debate next"), ("Moved to",)
            )
            if moved is None:
                self.problems.append(f"debate #{room.debate} did not move to {phase}")
            room.phase(phase).set()

    # ----- members -----------------------------------------------------------------------

    async def member(self, room: Room, member: int, side: str) -> None:
        await room.phase("pre_vote").wait()
        await self.at(room.opens + self.random.uniform(0.01, RAMP) * SPAN)
        if not room.debate:
            return
        if self.random.random() < 0.5:
            payload = self.slash(room, member, "debate join", {"side": side})
            command = "debate join"
        else:
            payload = self.press(room, member, room.card, f"debate:join:{room.debate}:{side}")
            command = "join button"
        if await self.send(command, payload, ("You joined",)) is None:
            return
        room.joined[member] = side
        if side != "audience":
            await self.debater(room, member, side)
            return
        last = room.at(OPENING) - 0.02 * SPAN
        await self.at(min(last, room.at(RAMP) + self.delay(0.03 * SPAN)))
        await self.vote(room, member, "pre")
        await room.phase("post_vote").wait()
        await self.at(room.at(POST_VOTE) + min(self.delay(0.02 * SPAN), 0.12 * SPAN))
        await self.vote(room, member, "post")

    async def vote(self, room: Room, member: int, stage: str) -> None:
        if room.now() not in ALLOWED[f"vote:{stage}"]:
            return
        stance = self.random.choice(STANCES)
        told = ("vote is recorded", "vote changed")
        if self.random.random() < 0.6:
            payload = self.slash(room, member, "vote", {"stance": stance})
            if await self.send("vote", payload, told) is not None:
                room.votes[(member, stage)] = stance
            return
        prompt = await self.send(
            "vote button",
            self.press(room, member, room.card, f"debate:vote:{room.debate}"),
            ("How do you vote",),
        )
        if prompt is None or prompt.original_id is None:
            return
        await asyncio.sleep(self.delay(2.0) / self.speed)  # reading the prompt
        custom_id = f"debate:stance:{room.debate}:{stance}"
        if await self.send("stance", self.press(room, member, prompt.original_id, custom_id), told):
            room.votes[(member, stage)] = stance

    async def debater(self, room: Room, member: int, side: str) -> None:
        for phase, end in (("opening", FLOOR), ("closing", POST_VOTE)):
            await room.phase(phase).wait()
            start = room.at(OPENING if phase == "opening" else CLOSING)
            await self.at(self.random.uniform(start, room.at(end) - 0.02 * SPAN))
            if room.now() == phase:
                await self.post(room, member, side, f"My {phase} for the {side} side")

    async def post(self, room: Room, member: int, side: str, body: str) -> None:
        """``/propose`` (or a rebuttal of the other side on the floor) and its card."""
        body = f"{body}, number {next(self.texts)}."
        others = [a for a in room.arguments if a[1] != side]
        floor = room.phase("floor").is_set() and not room.phase("closing").is_set()
        choice = self.random.random()
        if floor and others and choice < 0.3:
            number = self.random.choice(others[-10:])[0]
            payload = self.slash(room, member, "rebut", {"argument": number, "text": body})
            command = "rebut"
        elif floor and others and choice < 0.4:
            number = self.random.choice(others[-10:])[0]
            custom_id = f"arg:rebut-modal:{room.debate}:{number}"
            payload = self.emu.build_modal_payload(
                room.guild, room.channel, member, custom_id, {"text": body}
            )
            command = "rebut modal"
        else:
            payload, command = self.slash(room, member, "propose", {"text": body}), "propose"
        posted = await self.send(command, payload, ("· ",))
        if posted is None:
            return
        found = CARD_NUMBER.search(posted.text())
        card = posted.followup_ids[0] if posted.followup_ids else posted.original_id
        if found is None or card is None:
            self.problems.append(f"an argument's card without its number: {posted.text()!r}")
            return
        number = int(found.group(1))
        room.arguments.append((number, side, card))
        room.hot.insert(self.random.randrange(len(room.hot) + 1), number)

    async def floor(self, room: Room) -> None:
        """Posts on the floor: a Poisson process over the debaters."""
        await room.phase("floor").wait()
        debaters = list(room.debaters.items())
        length = (CLOSING - FLOOR) * SPAN
        rate = POSTS_PER_DEBATER * len(debaters) / length
        now = room.at(FLOOR)
        posts = []
        while True:
            now += self.random.expovariate(rate)
            if now > room.at(CLOSING) - 0.02 * SPAN:
                break
            member, side = self.random.choice(debaters)
            posts.append(self.later(now, self.claim(room, member, side)))
        await asyncio.gather(*posts)

    async def claim(self, room: Room, member: int, side: str) -> None:
        if room.now() in ALLOWED["claim"]:
            await self.post(room, member, side, f"A claim for the {side} side")

    async def later(self, virtual: float, action: Awaitable[Any]) -> None:
        await self.at(virtual)
        await action

    async def marks(self, room: Room) -> None:
        """Persuasive marks on the hot arguments, and deltas, from the opening to the vote."""
        await room.phase("opening").wait()
        start, end = room.at(OPENING), room.at(CLOSE) - 0.02 * SPAN
        rate = MARKS_PER_MEMBER * len(room.audience) / (end - start)
        now, actions = start, []
        while True:
            now += self.random.expovariate(rate)
            if now > end:
                break
            actions.append(self.later(now, self.mark(room, self.random.choice(room.audience))))
        for member in self.random.sample(room.audience, int(DELTA_SHARE * len(room.audience))):
            when = self.random.uniform(room.at(FLOOR), end)
            actions.append(self.later(when, self.delta(room, member)))
        await asyncio.gather(*actions)

    async def mark(self, room: Room, member: int) -> None:
        number = self.zipf(room)
        if number is None or member not in room.joined or room.now() not in ALLOWED["mark"]:
            return
        if self.random.random() < 0.7:
            payload = self.slash(room, member, "persuasive", {"argument": number})
            command = "persuasive"
        else:
            card = next(c for n, _, c in room.arguments if n == number)
            payload = self.press(room, member, card, f"arg:persuasive:{room.debate}:{number}")
            command = "persuasive button"
        if await self.send(command, payload, ("persuasive",)) is not None:
            room.marks[(number, member)] += 1

    async def delta(self, room: Room, member: int) -> None:
        number = self.zipf(room)
        if number is None or member not in room.joined or room.now() not in ALLOWED["delta"]:
            return
        why = "This argument's evidence changed how I see the motion."
        payload = self.slash(room, member, "delta", {"argument": number, "explanation": why})
        if await self.send("delta", payload, ("You credited",)) is not None:
            room.deltas.add((number, member))

    async def status(self, room: Room) -> None:
        members = [*room.debaters, *room.audience]
        rate = STATUS_PER_MEMBER * len(members) / SPAN
        now, asks = room.opens + 1.0, []
        while True:
            now += self.random.expovariate(rate)
            if now > room.at(CLOSE) - 0.02 * SPAN:
                break
            member = self.random.choice(members)
            payload = self.slash(room, member, "debate status")
            asks.append(self.later(now, self.send("debate status", payload, ("Debate #",))))
        await room.phase("pre_vote").wait()
        await asyncio.gather(*asks)

    async def play(self) -> float:
        """The whole night; its wall time."""
        self.started = time.monotonic()
        tasks = []
        for room in self.rooms:
            tasks += [self.moderate(room), self.floor(room), self.marks(room), self.status(room)]
            tasks += [self.member(room, m, side) for m, side in room.debaters.items()]
            tasks += [self.member(room, m, "audience") for m in room.audience]
        progress = asyncio.get_running_loop().create_task(self.progress())
        try:
            await asyncio.gather(*tasks)
        finally:
            progress.cancel()
        return time.monotonic() - self.started

    async def progress(self) -> None:
        """Watch this process's event loop lag; a line on standard error every ten seconds."""
        tick, ticks = 0.05, 0
        while True:
            began = time.monotonic()
            await asyncio.sleep(tick)
            self.lag = max(self.lag, time.monotonic() - began - tick)
            ticks += 1
            if ticks % 200:
                continue
            count = Counter(s.outcome for s in self.sent)
            late = sum(s.ack > 3 for s in self.sent)
            print(
                f"{time.monotonic() - self.started:4.0f} s: {len(self.sent)} answered or given "
                f"up, {late} later than 3 s, {dict(count)}, crowd's loop lag {self.lag:.1f} s",
                file=sys.stderr,
                flush=True,
            )


def build_rooms(emu: DiscordEmulator, scale: float, shards: int) -> tuple[list[Room], list[int]]:
    guilds = [guild_on_shard(emu, g % shards, f"Night {g}", shards) for g in range(GUILDS)]
    per_debate = max(3, round(MEMBERS * scale / DEBATES))
    debaters = max(2, round(per_debate * DEBATERS) // 2 * 2)
    rooms = []
    for index in range(DEBATES):
        guild = guilds[index % GUILDS]
        mods = emu.add_role(guild, f"Mods {index}", permissions=MANAGE_MESSAGES)
        members = [emu.add_member(guild, f"m{index}-{i}").id for i in range(per_debate)]
        rooms.append(
            Room(
                index,
                guild,
                emu.add_text_channel(guild, f"motion-{index + 1}").id,
                emu.add_member(guild, f"moderator {index}", roles=[mods.id]).id,
                {m: ("for", "against")[i % 2] for i, m in enumerate(members[:debaters])},
                members[debaters:],
                opens=index / (DEBATES - 1) * (NIGHT - SPAN - 0.05 * NIGHT) + 1.0,
            )
        )
    return rooms, guilds


async def stored_exactly(db: Database, rooms: list[Room]) -> list[str]:
    """What differs between the database and what members were told (nothing: [])."""
    wrong = []
    async with db.read() as session:
        for room in rooms:
            d = room.debate
            where = f"debate #{d}"
            status = await session.scalar(select(Debate.status).where(Debate.id == d))
            if status != "closed":
                wrong.append(f"{where} is {status}, not closed")
            rows = await session.execute(
                select(Participant.user_id, Participant.side).where(Participant.debate_id == d)
            )
            if dict(rows.all()) != room.joined:
                wrong.append(f"{where}: participants differ")
            rows = await session.execute(
                select(MotionVote.user_id, MotionVote.stage, MotionVote.stance).where(
                    MotionVote.debate_id == d
                )
            )
            if {(u, s): v for u, s, v in rows} != room.votes:
                wrong.append(f"{where}: motion votes differ")
            numbers = sorted(
                await session.scalars(select(Argument.number).where(Argument.debate_id == d))
            )
            if numbers != sorted(n for n, _, _ in room.arguments):
                wrong.append(f"{where}: arguments differ ({len(numbers)} stored)")
            marked = await session.execute(
                select(Argument.number, ArgumentVote.user_id)
                .join(Argument, Argument.id == ArgumentVote.argument_id)
                .where(ArgumentVote.debate_id == d)
            )
            if {(n, u) for n, u in marked} != {k for k, n in room.marks.items() if n % 2}:
                wrong.append(f"{where}: persuasive marks differ")
            credited = await session.execute(
                select(Argument.number, MindChange.user_id)
                .join(Argument, Argument.id == MindChange.argument_id)
                .where(MindChange.debate_id == d)
            )
            if {(n, u) for n, u in credited} != room.deltas:
                wrong.append(f"{where}: deltas differ")
    return wrong


def file_mb(file: Path) -> float:
    """A SQLite database's size, its write-ahead log included."""
    wal = file.with_name(file.name + "-wal")
    return (file.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


async def database_mb(db: Database, file: Path | None) -> float:
    if file is not None:
        return file_mb(file)
    async with db.read() as session:
        size = await session.scalar(text("SELECT pg_database_size(current_database())"))
    return int(size or 0) / 2**20


def report(night: Night, label: str, played: float) -> bool:
    """Print the figures; whether nothing went unanswered or failed."""
    by_command: dict[str, list[Sent]] = defaultdict(list)
    for sent in night.sent:
        by_command[sent.command].append(sent)
    print(f"\n## {label}")
    print(
        "| command | sent | ack p50 | ack p99 | ack max | answer max | deferred "
        "| refused | errors | unanswered | over 3 s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = sorted(by_command.items(), key=lambda item: -len(item[1]))
    for command, sent in [*rows, ("all", night.sent)]:
        acks = [s.ack for s in sent]
        count = Counter(s.outcome for s in sent)
        answered = [s.done for s in sent if s.done != float("inf")]
        print(
            f"| {command} | {len(sent)} | {percentile(acks, 0.5) * 1000:.0f} ms "
            f"| {percentile(acks, 0.99) * 1000:.0f} ms | {max(acks) * 1000:.0f} ms "
            f"| {max(answered, default=0) * 1000:.0f} ms | {sum(s.deferred for s in sent)} "
            f"| {count['refused']} | {count['error']} | {count['unanswered']} "
            f"| {sum(a > 3 for a in acks)} |"
        )
    print(
        f"\nPlayed in {played:.0f} s of wall time (the emulator and crowd's event loop "
        f"lagged at most {night.lag * 1000:.0f} ms)."
    )
    for (command, said), n in night.refusals.most_common(5):
        print(f"Refused {n}x {command}: {said}")
    for problem in night.problems:
        print(f"Problem: {problem}")
    bad = Counter(s.outcome for s in night.sent)
    return bad["error"] == 0 and bad["unanswered"] == 0 and not night.problems


async def run_night(
    url: str | None, shards: int, scale: float, wall: float, seed: int, deadline: float
) -> bool:
    random.seed(seed)
    emu = DiscordEmulator(token="bench-token")
    emu.ack_deadline = deadline
    await emu.start()
    rooms, guilds = build_rooms(emu, scale, shards)
    members = sum(len(r.debaters) + len(r.audience) for r in rooms)
    label = "SQLite, one process" if url is None else f"PostgreSQL, {shards} shard processes"
    with tempfile.TemporaryDirectory(prefix="bench-night-") as name:
        folder = Path(name)
        file = folder / "night.db" if url is None else None
        db_url = url or f"sqlite+aiosqlite:///{file}"
        config = write_yaml(folder / "config.yaml", bot_settings(emu, guilds, db_url))
        db = Database(db_url)
        await migrate.upgrade(db)
        logs = [folder / f"bot-{shard}.log" for shard in range(shards)]
        if shards == 1:
            commands = [bot_command(config)]
        else:
            commands = [bot_command(config, shards, shard) for shard in range(shards)]
        bots = [start_process(c, bot_env(), log) for c, log in zip(commands, logs, strict=True)]
        processes: list[subprocess.Popen[bytes]] = bots
        try:
            await emu.wait_for_ready(timeout=60, count=shards)
            await emu.settle(quiet=0.5, timeout=60)
            night = Night(emu, rooms, wall, seed)
            cpu_before = [cpu_seconds(p.pid) or 0.0 for p in bots]
            crowd_before = time.process_time()
            played = await night.play()
            with contextlib.suppress(InteractionTimeout):
                await emu.settle(quiet=1.0, timeout=120)
            cpu = [(cpu_seconds(p.pid) or 0.0) - b for p, b in zip(bots, cpu_before, strict=True)]
            crowd = time.process_time() - crowd_before
            peaks = [proc_status_mb(p.pid, "VmHWM") or 0.0 for p in bots]
            answered = report(
                night,
                f"{label}: {DEBATES} debates in {GUILDS} guilds, {members} members, "
                f"{NIGHT / 60:.0f} minutes in {wall:.0f} s",
                played,
            )
            sent = len(night.sent)
            wrong = await stored_exactly(db, rooms)
            size = await database_mb(db, file)
        finally:
            stop_processes(processes, logs)
            await db.dispose()
            await emu.stop()
    for i, (used, peak) in enumerate(zip(cpu, peaks, strict=True)):
        print(f"Bot process {i}: {used:.1f} s of CPU, peak RSS {peak:.0f} MB")
    print(f"Bot CPU per interaction: {sum(cpu) / max(1, sent) * 1000:.1f} ms")
    print(f"Emulator and crowd (this process): {crowd:.1f} s of CPU")
    print(f"Database: {size:.1f} MB")
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"Machine: {cores} cores, load average {load:.1f} over the last minute")
    arguments = sum(len(r.arguments) for r in rooms)
    print(f"Stored exactly ({arguments} arguments): {'yes' if not wrong else 'NO'}")
    if wrong and not answered:
        print("  (interactions went unanswered: a write may be committed with nobody told)")
    for line in wrong:
        print(f"  {line}")
    return answered and not wrong


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 6,000 members")
    parser.add_argument("--wall", type=float, default=120.0, help="seconds to play the night in")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--postgres", help="also run on PostgreSQL: 'auto' starts a throw-away cluster, or a URL"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--ack-deadline",
        type=float,
        default=3.0,
        help="seconds the emulator accepts a first response in (Discord: 3); the smoke test "
        "raises it so that a busy machine is slow rather than failing",
    )
    args = parser.parse_args()
    night = (args.scale, args.wall, args.seed, args.ack_deadline)
    ok = True
    if not args.skip_sqlite:
        ok &= asyncio.run(run_night(None, 1, *night))
    if args.postgres == "auto":
        with postgres_cluster() as cluster:
            ok &= asyncio.run(run_night(cluster.create_database("bench_night"), 2, *night))
    elif args.postgres:
        ok &= asyncio.run(run_night(args.postgres, 2, *night))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
