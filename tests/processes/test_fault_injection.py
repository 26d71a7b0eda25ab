"""A whole Oxford debate while everything goes wrong, and the public record is still whole.

The bot runs as a real process (``python -m bot run``) on PostgreSQL against the emulator,
which meanwhile answers random posts and edits with 5xx, 429 and timeouts, drops the gateway
once in the middle of a vote burst, and has the bot SIGKILLed when it is about to announce a
phase change it already committed; PostgreSQL is stopped and started again once. Afterwards
the thread shows every argument's card exactly once, every phase announcement, the results
and the summaries, and the export holds every write a member was told succeeded.

``FAULTS_SEED`` seeds the random draws (they follow the order of the requests, so a seed
replays a run closely, not exactly); the figures are printed for the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.emulator import DiscordEmulator, InteractionResult, RateLimit, Status, Timeout
from bot.emulator.errors import InteractionTimeout
from bot.emulator.faults import FOLLOWUP, INTERACTION_CALLBACK, MESSAGE_EDIT, MESSAGE_POST
from bot.emulator.world import RecordedRequest
from bot.storage.database import Database
from bot.storage.models import Argument, Debate
from tests.postgres.cluster import PostgresCluster
from tests.processes.helpers import (
    ROOT,
    TOKEN,
    BotProcess,
    Guild,
    bot_processes,
    eventually,
    seed_guild,
    wait_disconnected,
    wait_ready,
    write_config,
)

SEED = int(os.environ.get("FAULTS_SEED", "13"))
STANCES = ("for", "against", "undecided")
PHASES = ["Opening statements", "Floor debate", "Closing statements", "Final vote"]
#: How long PostgreSQL stays down while members keep posting.
POSTGRES_DOWN_SECONDS = 3.0
EPHEMERAL = 64


def public_response(req: RecordedRequest) -> bool:
    """An interaction response or follow-up the whole channel sees (a card, not a reply)."""
    body = req.json if isinstance(req.json, dict) else {}
    data = body.get("data", body) or {}
    return not (int(data.get("flags") or 0) & EPHEMERAL)


@dataclass
class Sent:
    """What a member asked for and what they were told."""

    member: int
    command: str
    value: str
    result: InteractionResult
    stage: str = ""

    @property
    def number(self) -> int | None:
        """The ``#n`` of the card the member was answered with (None: not told it posted)."""
        if self.result.callback_type not in (4, 5):
            return None
        for embed in self.result.embeds:
            title = str(embed.get("title") or "")
            if title.startswith("#") and self.value in str(embed.get("description") or ""):
                return int(title[1:].split()[0])
        return None

    @property
    def vote_acknowledged(self) -> bool:
        text = self.result.text()
        return self.result.callback_type == 4 and (
            "vote is recorded" in text or "vote changed" in text
        )


class Script:
    """The scripted debate: members act, waiting for their answers (or a failure)."""

    def __init__(self, emu: DiscordEmulator, guild: Guild, thread: int) -> None:
        self.emu, self.guild, self.thread = emu, guild, thread
        self.sent: list[Sent] = []

    async def act(
        self, member: int, command: str, options: dict[str, Any], value: str, stage: str = ""
    ) -> Sent:
        payload = self.emu.build_slash_payload(self.guild.id, self.thread, member, command, options)
        result = self.emu.dispatch_interaction(payload)
        sent = Sent(member, command, value, result, stage)
        self.sent.append(sent)
        try:
            await asyncio.wait_for(result.acked, timeout=15)
            await self.emu.wait_settled(result, settle=0.1, timeout=15)
        except (TimeoutError, InteractionTimeout):
            pass  # the member saw "This interaction failed"
        return sent

    async def propose(self, member: int, text: str) -> Sent:
        return await self.act(member, "propose", {"text": text}, text)

    async def vote(self, member: int, stance: str, stage: str) -> Sent:
        return await self.act(member, "vote", {"stance": stance}, stance, stage)

    def numbers_seen(self) -> int:
        """How many distinct cards members were answered with."""
        return len({s.number for s in self.sent if s.number is not None})

    async def next_phase(self) -> InteractionResult:
        return await self.emu.slash(
            self.guild.id, self.thread, self.guild.moderator, "debate next", timeout=20
        )


def cards_in(emu: DiscordEmulator, thread: int) -> Counter[int]:
    """How many public messages of the thread show each argument's card."""
    seen: Counter[int] = Counter()
    for embed in public_embeds(emu, thread):
        title = str(embed.get("title") or "")
        if title.startswith("#") and title[1:].split()[0].isdigit():
            seen[int(title[1:].split()[0])] += 1
    return seen


def public_embeds(emu: DiscordEmulator, thread: int) -> list[dict[str, Any]]:
    return [e for m in emu.messages(thread, include_ephemeral=False) for e in m.get("embeds") or []]


def titled(emu: DiscordEmulator, thread: int, start: str) -> list[str]:
    """The titles of the thread's embeds that start with ``start``."""
    titles = (str(e.get("title") or "") for e in public_embeds(emu, thread))
    return [t for t in titles if t.startswith(start)]


def summaries_in(emu: DiscordEmulator, thread: int) -> list[str]:
    """The summaries posted in the thread (their footer says so), by title and text."""
    return [
        f"{e.get('title')}: {e.get('description')}"
        for e in public_embeds(emu, thread)
        if str((e.get("footer") or {}).get("text", "")).startswith("Summary")
    ]


async def export_json(config: Path, debate_id: int, out: Path) -> dict[str, Any]:
    """The operator's export (``debate-bot export``), read back."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "export",
        "--config",
        str(config),
        "--debate",
        str(debate_id),
        "--format",
        "json",
        "--out",
        str(out),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    data: dict[str, Any] = json.loads(await asyncio.to_thread(out.read_text, encoding="utf-8"))
    return data


def inject_faults(emu: DiscordEmulator) -> None:
    """Posts and edits fail with 5xx, 429 or a timeout whose outcome the bot cannot know
    (the post took effect); public interaction responses get 5xx, 429 and timeouts after
    the card landed. One of each kind comes first, whatever the draws; then at random."""
    emu.faults.fail_next(MESSAGE_POST, timeout=True, hold=0.5)
    emu.faults.fail_next(MESSAGE_EDIT, 503)
    emu.faults.fail_next(INTERACTION_CALLBACK, 503, when=public_response)
    emu.faults.fail_next(FOLLOWUP, 429, when=public_response)
    emu.faults.fail_next(INTERACTION_CALLBACK, timeout=True, hold=0.5, when=public_response)
    emu.faults.randomly(
        [MESSAGE_POST, MESSAGE_EDIT],
        0.3,
        [Status(503), Status(502), RateLimit(0.05), Timeout(hold=0.5, apply=True)],
    )
    emu.faults.randomly(
        [INTERACTION_CALLBACK, FOLLOWUP],
        0.25,
        [Status(503), RateLimit(0.05), Timeout(hold=0.5, apply=True)],
        when=public_response,
    )


def kill_when_announcing(emu: DiscordEmulator, process: BotProcess, title: str) -> None:
    """SIGKILL the bot when it posts the announcement ``title``: the phase change is
    committed, and the post never arrives."""

    def kill(req: RecordedRequest) -> bool:
        if req.method != "POST" or title not in json.dumps(req.json):
            return False
        asyncio.get_running_loop().create_task(process.kill())
        return True

    emu.faults.add(MESSAGE_POST, Timeout(hold=2.0, apply=False), when=kill)
    emu.faults.rules.insert(0, emu.faults.rules.pop())  # checked before the random faults


async def postgres_restart(cluster: PostgresCluster, script: Script, members: list[int]) -> None:
    """PostgreSQL stops while members post (each is refused), then starts again."""
    await asyncio.to_thread(cluster.stop_server)
    try:
        refused = await asyncio.gather(
            *(script.propose(m, f"Claim during the outage by {m}.") for m in members)
        )
        await asyncio.sleep(POSTGRES_DOWN_SECONDS)
    finally:
        await asyncio.to_thread(cluster.start_server)
    assert all(s.number is None for s in refused), [s.result.text() for s in refused]
    assert any("database is unavailable" in s.result.text() for s in refused)


async def run_debate(
    emu: DiscordEmulator, guild: Guild, process: BotProcess, cluster: PostgresCluster
) -> Script:
    """The scripted Oxford debate, with every fault on its way."""
    start = await emu.slash(
        guild.id,
        guild.channel,
        guild.moderator,
        "debate start",
        {"motion": "1", "format": "oxford"},
        timeout=20,
    )
    assert start.ephemeral, start.text()
    script = Script(emu, guild, int(emu.threads(guild.channel)[-1]["id"]))
    debaters = [*guild.debaters_for, *guild.debaters_against]
    sides = [(m, "for") for m in guild.debaters_for]
    sides += [(m, "against") for m in guild.debaters_against]
    sides += [(m, "audience") for m in guild.audience]
    await asyncio.gather(*(script.act(m, "debate join", {"side": s}, s) for m, s in sides))
    inject_faults(emu)

    # Pre-debate vote: a burst, and the gateway drops in the middle of it.
    burst = [
        asyncio.ensure_future(script.vote(m, STANCES[i % 3], "pre"))
        for i, m in enumerate(guild.audience)
    ]
    await asyncio.sleep(0.05)
    assert await emu.faults.drop_gateway() == 1
    await asyncio.gather(*burst)

    await script.next_phase()  # Opening statements
    await asyncio.gather(*(script.propose(m, f"Opening by member {m}.") for m in debaters))
    await script.next_phase()  # Floor debate
    await asyncio.gather(*(script.propose(m, f"First claim by member {m}.") for m in debaters))
    await postgres_restart(cluster, script, debaters)
    await asyncio.gather(*(script.propose(m, f"Claim after the outage by {m}.") for m in debaters))

    kill_when_announcing(emu, process, "Now: Closing statements")
    with contextlib.suppress(Exception):  # the moderator's answer may die with the bot
        await script.next_phase()
    await eventually(lambda: not process.running, "the SIGKILL", timeout=20)
    await wait_disconnected(emu)
    await process.start()
    await wait_ready(emu, [process], count=1)

    await asyncio.gather(*(script.propose(m, f"Closing by member {m}.") for m in debaters))
    await script.next_phase()  # Final vote
    await asyncio.gather(
        *(script.vote(m, STANCES[(i + 1) % 3], "post") for i, m in enumerate(guild.audience))
    )
    await script.next_phase()  # Closed: the results and the final summary
    return script


@dataclass
class Record:
    """What the thread and the export show once the debate is over."""

    arguments: dict[int, tuple[int, str]]
    cards: Counter[int]
    announcements: Counter[str]
    summaries: list[str]
    lost: list[str]
    acknowledged: int

    @property
    def missing(self) -> list[int]:
        return sorted(set(self.arguments) - set(self.cards))

    @property
    def duplicates(self) -> int:
        twice = sum(n - 1 for n in self.cards.values() if n > 1)
        return twice + sum(n - 1 for n in self.announcements.values() if n > 1)


async def read_record(
    emu: DiscordEmulator, db: Database, script: Script, config: Path, out: Path
) -> tuple[int, Record]:
    thread = script.thread
    async with db.read() as session:
        row = (await session.scalars(select(Debate).where(Debate.channel_id == thread))).one()
        assert row.status == "closed"
        arguments = {
            a.number: (a.author_id, a.body)
            for a in await session.scalars(select(Argument).where(Argument.debate_id == row.id))
        }
    announcements: Counter[str] = Counter(titled(emu, thread, "Now: "))
    announcements.update(titled(emu, thread, f"Debate #{row.id} is closed"))
    announcements.update(titled(emu, thread, f"Results of debate #{row.id}"))

    exported = await export_json(config, row.id, out)
    in_export = {(int(a["author"]), a["body"]) for a in exported["arguments"]}
    assert in_export == set(arguments.values()), "the export and the database disagree"
    votes = {(v["voter"], v["stage"]): v["stance"] for v in exported["motion_votes"]}
    lost: list[str] = []
    acknowledged = 0
    for sent in script.sent:
        if sent.number is not None:
            acknowledged += 1
            if (sent.member, sent.value) not in in_export:
                lost.append(f"argument {sent.value!r}")
        elif sent.vote_acknowledged:
            acknowledged += 1
            if votes.get((str(sent.member), sent.stage)) != sent.value:
                lost.append(f"{sent.stage} vote {sent.value} of {sent.member}")
    record = Record(
        arguments, cards_in(emu, thread), announcements, summaries_in(emu, thread), lost,
        acknowledged,
    )  # fmt: skip
    return row.id, record


async def test_a_debate_through_faults_keeps_the_public_record_whole(
    tmp_path: Path, pg_cluster: PostgresCluster, pg_database: str
) -> None:
    emu = DiscordEmulator(token=TOKEN)
    await emu.start()
    emu.faults.seed(SEED)
    db = Database(pg_database)
    config = write_config(tmp_path / "config.yaml", emu, pg_database)
    guild = seed_guild(emu, "Stormy", debaters=2, audience=8)
    process = BotProcess(config, tmp_path / "bot.log")
    try:
        async with bot_processes(process):
            await wait_ready(emu, [process], count=1)
            script = await run_debate(emu, guild, process, pg_cluster)
            thread = script.thread

            def whole() -> bool:
                """Every card, announcement, the results and a summary per phase change."""
                cards = cards_in(emu, thread)
                return (
                    len(cards) >= script.numbers_seen()
                    and len(titled(emu, thread, "Now: ")) >= len(PHASES)
                    and bool(titled(emu, thread, "Results of debate"))
                    and len(summaries_in(emu, thread)) >= len(PHASES) + 1
                )

            with contextlib.suppress(AssertionError):  # the checks below say what is missing
                await eventually(whole, "the thread to be whole", timeout=30)
            emu.faults.clear()
            await emu.settle(quiet=0.5, timeout=15)
            debate_id, record = await read_record(emu, db, script, config, tmp_path / "export.json")
            kinds = Counter(fault.kind for fault in emu.faults.injected)
            answers = sum(
                1 for f in emu.faults.injected if f.kind == "timeout" and "/callback" in f.path
            )
            kinds.update({"gateway drop": 1, "SIGKILL": 1, "PostgreSQL restart": 1})
            figures = {
                "faults injected": sum(kinds.values()),
                "by kind": dict(kinds),
                "timed-out answers that landed": answers,
                "arguments": len(record.arguments),
                "cards missing": len(record.missing),
                "duplicates": record.duplicates,
                "acknowledged writes": record.acknowledged,
                "acknowledged writes lost": len(record.lost),
            }
            print(f"FAULTS_SEED={SEED} {json.dumps(figures)}")

            assert record.missing == [], f"cards missing: {record.missing}"
            assert all(n == 1 for n in record.cards.values()), record.cards
            expected = [f"Now: {p}" for p in PHASES]
            expected += [f"Debate #{debate_id} is closed", f"Results of debate #{debate_id}"]
            assert record.announcements == Counter(expected), record.announcements
            assert len(record.summaries) == len(PHASES) + 1, record.summaries
            assert len(set(record.summaries)) == len(record.summaries), record.summaries
            assert record.lost == [], record.lost
            assert kinds["503"] + kinds["502"] > 0 and kinds["429"] > 0 and kinds["timeout"] > 0
            assert await process.terminate(timeout=10) == 0, process.output()
    except BaseException:
        print(f"FAULTS_SEED={SEED}\n{process.output()}")
        raise
    finally:
        await db.dispose()
        await emu.stop()
