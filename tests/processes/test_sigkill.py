"""Durability: the bot process is killed with SIGKILL in the middle of a stream of votes and
arguments, five times over. After each kill every acknowledged write is in the database and no
row is half-written; after each restart the debate goes on (old buttons, deadlines, /debate
next). A write committed but not acknowledged before the kill is allowed; a gap is not. At
the end the bot is killed once more after a closing committed and before Discord took its
announcement: after the restart the outbox posts it, and every argument has exactly one
card in the thread, those committed but never answered before a kill included."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import select, update

from bot.emulator import DiscordEmulator, EmulatorError, InteractionResult, Status
from bot.emulator.faults import MESSAGE_POST
from bot.storage.database import Database
from bot.storage.models import Argument, ArgumentVote, Debate, MotionVote, Participant
from tests.processes.helpers import (
    ACK_WINDOW,
    TOKEN,
    BotProcess,
    Guild,
    bot_processes,
    eventually,
    public_text,
    seed_guild,
    wait_disconnected,
    wait_ready,
    write_config,
)

CYCLES = 5
OPEN_DEBATE = {"motion": "1", "format": "open"}
STANCES = ("for", "against", "undecided")


@dataclass
class Sent:
    """One interaction fired at the bot, and what the member saw of it."""

    member: int
    kind: Literal["vote", "propose"]
    value: str
    result: InteractionResult

    @property
    def acknowledged(self) -> bool:
        """The member was told the write succeeded: in the response, or (on a loaded
        machine) in the follow-up to a deferral, which also comes only after the commit."""
        res = self.result
        if not res.acked.done() or res.callback_type not in (4, 5):
            return False
        if self.kind == "vote":
            return "vote is recorded" in res.text() or "vote changed" in res.text()
        return self.number is not None

    @property
    def number(self) -> int | None:
        """The ``#n`` of a posted argument, from its public card."""
        for embed in self.result.embeds:
            title = str(embed.get("title") or "")
            if title.startswith("#") and self.value in str(embed.get("description") or ""):
                return int(title[1:].split()[0])
        return None


class Traffic:
    """Members firing commands, each waiting for the answer before the next one."""

    def __init__(self, emu: DiscordEmulator, guild: Guild, thread: int) -> None:
        self.emu, self.guild, self.thread = emu, guild, thread
        self.sent: list[Sent] = []
        self._serial = 0

    async def _member(
        self, member: int, kind: Literal["vote", "propose"], died: asyncio.Future[int]
    ) -> None:
        rng = random.Random(member)
        while True:
            self._serial += 1
            if kind == "vote":
                value = rng.choice(STANCES)
                options: dict[str, Any] = {"stance": value}
                command = "vote"
            else:
                value = f"Point {self._serial} by member {member}: it matters."
                options = {"text": value}
                command = "propose"
            payload = self.emu.build_slash_payload(
                self.guild.id, self.thread, member, command, options
            )
            try:
                res = self.emu.dispatch_interaction(payload)
            except EmulatorError:  # the emulator already saw the bot go
                return
            self.sent.append(Sent(member, kind, value, res))
            waiters: list[asyncio.Future[Any]] = [res.acked, died]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if not res.acked.done():
                return
            # After a deferral the answer is the follow-up, as a member would wait for it.
            while res.callback_type == 5 and not res.text():
                if died.done():
                    return
                await asyncio.sleep(0.02)

    def acknowledged(self, kind: str | None = None) -> int:
        """How many writes (of ``kind``) members were told succeeded so far."""
        return sum(s.acknowledged for s in self.sent if kind in (None, s.kind))

    async def run_until_killed(self, process: BotProcess, delay: float) -> None:
        """Stream from every member; SIGKILL the bot ``delay`` seconds after it first
        acknowledged a vote and an argument of the stream. Counting from then rather than
        from the start keeps the kill in the middle of a stream that is being answered, how
        long a just-restarted bot takes to answer on a loaded machine notwithstanding."""
        assert process.process is not None
        died = asyncio.ensure_future(process.process.wait())
        before = {kind: self.acknowledged(kind) for kind in ("vote", "propose")}
        workers = [
            asyncio.ensure_future(self._member(m, "propose", died))
            for m in (*self.guild.debaters_for, *self.guild.debaters_against)
        ] + [asyncio.ensure_future(self._member(m, "vote", died)) for m in self.guild.audience]
        try:
            # Both kinds: the next cycle presses a button on a card acknowledged before.
            await eventually(
                lambda: (
                    all(self.acknowledged(k) > n for k, n in before.items()) or not process.running
                ),
                "the bot to acknowledge a vote and an argument of the stream",
                timeout=60,
            )
            await asyncio.sleep(delay)  # a random moment in the middle of the stream
        finally:
            await process.kill()
            await asyncio.wait_for(asyncio.gather(*workers), timeout=10)
            await died


async def answered(emu: DiscordEmulator, payload: dict[str, Any]) -> InteractionResult:
    """Dispatch without waiting for the bot to go quiet; just for the answer: the response,
    or after a deferral (a loaded machine, a just-started process) its follow-up."""
    res = emu.dispatch_interaction(payload)
    await asyncio.wait_for(res.acked, timeout=30)
    if res.callback_type == 5:
        await emu.wait_settled(res, timeout=30)
    return res


async def slash_acked(
    emu: DiscordEmulator,
    guild: Guild,
    channel: int,
    user: int,
    command: str,
    options: dict[str, Any] | None = None,
) -> InteractionResult:
    """The answer of a command; after a deferral (a loaded machine), its follow-up."""
    return await answered(emu, emu.build_slash_payload(guild.id, channel, user, command, options))


async def check_database(db: Database, debate_id: int, traffic: Traffic) -> None:
    """Every acknowledged write is there; nothing is half-written; numbering has no gap."""
    async with db.read() as session:
        debate = await session.get(Debate, debate_id)
        rows = (
            await session.execute(
                select(Argument.number, Argument.author_id, Argument.body, Argument.kind).where(
                    Argument.debate_id == debate_id
                )
            )
        ).all()
        votes = dict(
            (
                await session.execute(
                    select(MotionVote.user_id, MotionVote.stance).where(
                        MotionVote.debate_id == debate_id
                    )
                )
            ).all()
        )
    assert debate is not None
    numbers = sorted(r.number for r in rows)
    assert numbers == list(range(1, len(rows) + 1)), "argument numbers have a gap"
    assert debate.argument_count == len(rows), "the counter and the rows disagree"
    stored = {r.number: (r.author_id, r.body) for r in rows}
    sent_bodies = {(s.member, s.value) for s in traffic.sent if s.kind == "propose"}
    assert all(row in sent_bodies for row in stored.values()), "an argument nobody sent"
    assert all(r.kind == "claim" for r in rows)
    for s in traffic.sent:
        if s.kind == "propose" and s.acknowledged:
            assert stored.get(s.number or 0) == (s.member, s.value), f"lost argument {s.value!r}"

    by_member: dict[int, list[Sent]] = defaultdict(list)
    for s in traffic.sent:
        if s.kind == "vote":
            by_member[s.member].append(s)
    for member, history in by_member.items():
        last_ack = max((i for i, s in enumerate(history) if s.acknowledged), default=None)
        if last_ack is None:
            continue  # never told anything: a committed vote or none are both fine
        allowed = {s.value for s in history[last_ack:]}
        assert votes.get(member) in allowed, f"member {member}: acknowledged vote lost"


def card_count(emu: DiscordEmulator, thread: int, number: int) -> int:
    """How many public messages in ``thread`` show argument ``#number``'s card."""
    return sum(
        1
        for message in emu.messages(thread, include_ephemeral=False)
        for embed in message.get("embeds") or []
        if str(embed.get("title") or "").startswith(f"#{number} ")
    )


def persuasive_button(message: dict[str, Any]) -> str:
    for row in message.get("components") or []:
        for button in row.get("components") or []:
            if button.get("label") == "Persuasive":
                return str(button["custom_id"])
    raise AssertionError("no Persuasive button on the card")


async def press_persuasive_on_old_card(emu: DiscordEmulator, traffic: Traffic, voter: int) -> None:
    """A button on the first card acknowledged before a kill works after the restart."""
    card = next(s for s in traffic.sent if s.acknowledged and s.kind == "propose")
    assert card.result.original_id is not None
    message = emu.message(card.result.original_id)
    assert message is not None
    payload = emu.build_component_payload(
        traffic.guild.id, traffic.thread, voter, int(message["id"]), persuasive_button(message)
    )
    res = await answered(emu, payload)
    assert f"marked #{card.number} persuasive" in res.text(), res.text()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_sigkill_mid_stream_loses_nothing_acknowledged(
    tmp_path: Path, database_url: str
) -> None:
    seed = int(os.environ.get("SIGKILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    emu = DiscordEmulator(token=TOKEN)
    emu.ack_deadline = ACK_WINDOW
    await emu.start()
    db = Database(database_url)
    config = write_config(tmp_path / "config.yaml", emu, database_url)
    guild = seed_guild(emu, "Durable", debaters=4, audience=16)
    side_room = emu.add_text_channel(guild.id, "side-room").id
    process = BotProcess(config, tmp_path / "bot.log")
    marks = 0
    try:
        async with bot_processes(process):
            await wait_ready(emu, [process], count=1)
            start = await emu.slash(
                guild.id, guild.channel, guild.moderator, "debate start", OPEN_DEBATE, timeout=15
            )
            assert start.ephemeral, start.text()
            thread = int(emu.threads(guild.channel)[-1]["id"])
            # A second debate, whose deadline passes while the bot is down.
            await emu.slash(guild.id, side_room, guild.moderator, "debate start", {"motion": "2"})
            side_thread = int(emu.threads(side_room)[-1]["id"])
            sides = [(m, "for") for m in guild.debaters_for]
            sides += [(m, "against") for m in guild.debaters_against]
            sides += [(m, "audience") for m in guild.audience]
            joins = await asyncio.gather(
                *(
                    slash_acked(emu, guild, thread, m, "debate join", {"side": side})
                    for m, side in sides
                )
            )
            assert all("You joined" in j.text() for j in joins)
            async with db.read() as session:
                debate_id = await session.scalar(
                    select(Debate.id).where(Debate.channel_id == thread)
                )
            assert debate_id is not None

            traffic = Traffic(emu, guild, thread)
            for cycle in range(CYCLES):
                if cycle:
                    await process.start()
                    await wait_ready(emu, [process], count=1)
                    # A button on a card posted before the kill still works.
                    await press_persuasive_on_old_card(emu, traffic, guild.audience[cycle])
                    marks += 1
                before = traffic.acknowledged()
                await traffic.run_until_killed(process, rng.uniform(0.0, 0.8))
                await wait_disconnected(emu)
                told = traffic.acknowledged() - before
                print(f"cycle {cycle}: {told} acknowledged of {len(traffic.sent)} sent so far")
                assert told > 0, f"nothing acknowledged in cycle {cycle}\n{process.output()}"
                await check_database(db, debate_id, traffic)

            # Last restart: the side room's deadline passed while down; /debate next works.
            async with db.write() as session:
                await session.execute(
                    update(Debate)
                    .where(Debate.channel_id == side_thread)
                    .values(phase_deadline=datetime.now(UTC) - timedelta(seconds=1))
                )
            await process.start()
            await wait_ready(emu, [process], count=1)
            await eventually(
                lambda: "Now: Opening statements" in public_text(emu, side_thread),
                "the deadline that passed while down",
            )
            # The closing commits, Discord refuses every post in the thread, and the
            # process is killed before the announcement ever went out.
            refusing = emu.faults.add(
                MESSAGE_POST,
                Status(503),
                count=None,
                when=lambda req: req.path == f"/channels/{thread}/messages",
            )
            nxt = await emu.slash(guild.id, thread, guild.moderator, "debate next")
            assert "Moved to Closed" in nxt.text(), nxt.text()
            await eventually(lambda: emu.faults.count("503") > 0, "a refused announcement")
            await process.kill()
            await wait_disconnected(emu)
            refusing.cancel()
            async with db.read() as session:
                closed = await session.get(Debate, debate_id)
                assert closed is not None and closed.status == "closed"
                assert len((await session.execute(select(ArgumentVote.id))).all()) == marks
                joined = len((await session.execute(select(Participant.id))).all())
                numbers = list(
                    await session.scalars(
                        select(Argument.number).where(Argument.debate_id == debate_id)
                    )
                )
            assert joined == len(sides)
            assert "is closed" not in public_text(emu, thread)
            # After the restart the outbox delivers what the kills left: the closing with
            # its results, and the card of every argument committed but never answered.
            await process.start()
            await wait_ready(emu, [process], count=1)
            await eventually(
                lambda: f"Debate #{debate_id} is closed" in public_text(emu, thread),
                "the closing announced after the restart",
                timeout=30,
            )
            await eventually(
                lambda: all(card_count(emu, thread, n) >= 1 for n in numbers),
                "a card for every argument",
                timeout=30,
            )
            text = public_text(emu, thread)
            assert text.count(f"Debate #{debate_id} is closed") == 1
            assert text.count(f"Results of debate #{debate_id}") == 1
            doubled = [n for n in numbers if card_count(emu, thread, n) != 1]
            assert doubled == [], f"arguments without exactly one card: {doubled}"
            assert public_text(emu, side_thread).count("Now: Opening statements") == 1
            assert await process.terminate(timeout=10) == 0, process.output()
    except BaseException:
        print(f"SIGKILL_SEED={seed}\n{process.output()}")
        raise
    finally:
        await db.dispose()
        await emu.stop()
