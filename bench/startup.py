"""Start-up and memory: how soon a started bot answers, and what a large night costs it.

    python bench/startup.py [--runs 5] [--debates 1000] [--participants 50000]
                            [--skip-start] [--skip-memory]

Start-up: the database exists and is migrated, and a first run has synced the commands, as
on any restart. Each run starts ``python -m bot run`` and sends ``/debate status`` the moment
the bot's gateway connection is ready (as Discord would deliver an interaction that was
waiting); it prints the time from the process's start to the connection and to the answer, and the
CPU time the process had used by then (steadier than wall time on a shared machine). The
import of the bot's modules alone is timed too (``python -X importtime`` says by which).

Memory: a database with ``--debates`` open Oxford debates (started through the services, in
channels of four guilds) and ``--participants`` members joined across them. The bot starts,
and ``/debate status`` is asked in every debate's channel so each one has been read; the
bot's resident set is printed once ready and after those reads, with its peak.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scene import (
    MANAGE_MESSAGES,
    bot_command,
    bot_env,
    bot_settings,
    cpu_seconds,
    proc_status_mb,
    start_process,
    still_thinking,
    stop_processes,
    until,
    write_yaml,
)
from sqlalchemy import insert

from bot.app import App
from bot.config import load_settings
from bot.emulator import DiscordEmulator, InteractionResult
from bot.services.views import Actor
from bot.storage.models import Participant

TIMEOUT = 60.0
#: Discord allows 500 channels in a guild; the debates are spread over this many guilds.
GUILDS = 4


async def answer(emu: DiscordEmulator, result: InteractionResult) -> None:
    """Wait for ``result``'s callback and, when it was deferred, for its answer."""
    await asyncio.wait_for(result.acked, TIMEOUT)
    await until(lambda: not still_thinking(result), TIMEOUT)


async def start_bot(
    emu: DiscordEmulator, config: Path, log: Path, guild: int
) -> tuple[subprocess.Popen[bytes], float]:
    """Start the bot; return it once its connection for ``guild`` is ready, and how long
    that took."""
    started = time.monotonic()
    process = start_process(bot_command(config), bot_env(), log)
    while emu.gateway.connection_for(guild) is None:
        if process.poll() is not None:
            raise SystemExit(f"the bot exited with {process.returncode}; see {log}")
        if time.monotonic() - started > TIMEOUT:
            stop_processes([process], [log])
            raise SystemExit(f"the bot did not connect within {TIMEOUT:.0f} s; see {log}")
        await asyncio.sleep(0.002)
    return process, started


async def stop_bot(emu: DiscordEmulator, process: subprocess.Popen[bytes]) -> None:
    stop_processes([process])
    await until(lambda: not emu.gateway.live(), TIMEOUT)


def import_seconds() -> float:
    """How long a new Python takes to import what ``debate-bot run`` imports."""
    code = (
        "import time; began = time.perf_counter(); "
        "import bot.cli.main, bot.cli.commands, bot.adapter.runner; "
        "print(time.perf_counter() - began)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return float(done.stdout)


async def bench_start(runs: int) -> None:
    emu = DiscordEmulator(token="bench-token")
    await emu.start()
    guild = emu.add_guild("Start-up").id
    channel = emu.add_text_channel(guild, "debates").id
    mods = emu.add_role(guild, "Mods", permissions=MANAGE_MESSAGES)
    moderator = emu.add_member(guild, "moderator", roles=[mods.id]).id
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as name:
        folder = Path(name)
        url = f"sqlite+aiosqlite:///{folder / 'startup.db'}"
        config = write_yaml(folder / "config.yaml", bot_settings(emu, [guild], url))
        log = folder / "bot.log"
        # The first run migrates the new database, syncs the commands and opens a debate.
        process, _ = await start_bot(emu, config, log, guild)
        try:
            await emu.wait_for_ready(timeout=TIMEOUT)
            await emu.slash(guild, channel, moderator, "debate start", {"motion": "12"})
        finally:
            await stop_bot(emu, process)
        connected: list[float] = []
        answered: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            process, started = await start_bot(emu, config, log, guild)
            try:
                connected.append(time.monotonic() - started)
                payload = emu.build_slash_payload(guild, channel, moderator, "debate status")
                result = emu.dispatch_interaction(payload)
                await answer(emu, result)
                answered.append(time.monotonic() - started)
                cpu.append(cpu_seconds(process.pid) or 0.0)
                assert "Debate #" in result.text(), result.text()
            finally:
                await stop_bot(emu, process)
    await emu.stop()
    imports = statistics.median(import_seconds() for _ in range(runs))
    print(f"\n## Start-up, median of {runs} runs (existing database, migrations done)")
    print(
        "| imports only | process start to gateway ready | to first answer (min, max) "
        "| CPU to first answer |"
    )
    print("|---|---|---|---|")
    print(
        f"| {imports:.2f} s | {statistics.median(connected):.2f} s "
        f"| {statistics.median(answered):.2f} s ({min(answered):.2f}, {max(answered):.2f}) "
        f"| {statistics.median(cpu):.2f} s |"
    )


async def populate(config: Path, channels: list[tuple[int, int, int]], participants: int) -> None:
    """Open one Oxford debate in each channel (guild, channel, moderator) through the
    services, and join ``participants`` members spread evenly across them."""
    app = await App.create(load_settings(str(config)))
    try:
        debates = []
        for motion, (guild, channel, moderator) in enumerate(channels):
            actor = Actor(guild, moderator, is_moderator=True)
            view = await app.services.debates.start(
                actor, channel_id=channel, motion_ref=str(motion % 12 + 1), format_name="oxford"
            )
            debates.append(view.id)
        joined = datetime.now(UTC)
        rows = [
            {
                "debate_id": debates[i % len(debates)],
                "user_id": 10**17 + i,
                "side": ("for", "against", "audience")[i % 3],
                "joined_at": joined,
            }
            for i in range(participants)
        ]
        async with app.db.write() as session:
            for first in range(0, len(rows), 5000):
                await session.execute(insert(Participant), rows[first : first + 5000])
    finally:
        await app.close()


async def bench_memory(debates: int, participants: int) -> None:
    emu = DiscordEmulator(token="bench-token")
    await emu.start()
    channels: list[tuple[int, int, int]] = []
    guilds = [emu.add_guild(f"Night {g}").id for g in range(GUILDS)]
    for g, guild in enumerate(guilds):
        mods = emu.add_role(guild, "Mods", permissions=MANAGE_MESSAGES)
        moderator = emu.add_member(guild, "moderator", roles=[mods.id]).id
        for c in range(g, debates, GUILDS):
            channels.append((guild, emu.add_text_channel(guild, f"debate-{c}").id, moderator))
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        folder = Path(name)
        db_file = folder / "memory.db"
        url = f"sqlite+aiosqlite:///{db_file}"
        config = write_yaml(folder / "config.yaml", bot_settings(emu, guilds, url))
        began = time.monotonic()
        await populate(config, channels, participants)
        filled = time.monotonic() - began
        log = folder / "bot.log"
        process, _ = await start_bot(emu, config, log, guilds[0])
        try:
            await emu.wait_for_ready(timeout=TIMEOUT)
            await emu.settle(quiet=1.0, timeout=TIMEOUT)
            ready = proc_status_mb(process.pid, "VmRSS")
            for first in range(0, len(channels), 100):
                results = [
                    emu.dispatch_interaction(
                        emu.build_slash_payload(guild, channel, moderator, "debate status")
                    )
                    for guild, channel, moderator in channels[first : first + 100]
                ]
                await asyncio.gather(*(answer(emu, r) for r in results))
                unanswered = [r for r in results if "Debate #" not in r.text()]
                assert not unanswered, unanswered[0].text()
            read = proc_status_mb(process.pid, "VmRSS")
            peak = proc_status_mb(process.pid, "VmHWM")
        finally:
            await stop_bot(emu, process)
        size = db_file.stat().st_size / 2**20
    await emu.stop()
    print(
        f"\n## Memory: {debates} open debates, {participants} participants "
        f"(database {size:.0f} MB on SQLite, filled in {filled:.0f} s)"
    )
    print("| RSS once ready | RSS after a status in every debate | peak RSS |")
    print("|---|---|---|")
    print(f"| {ready:.0f} MB | {read:.0f} MB | {peak:.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="start-ups to time (median)")
    parser.add_argument("--debates", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--skip-start", action="store_true", help="only measure memory")
    parser.add_argument("--skip-memory", action="store_true", help="only time start-up")
    args = parser.parse_args()
    if not args.skip_start:
        asyncio.run(bench_start(args.runs))
    if not args.skip_memory:
        asyncio.run(bench_memory(args.debates, args.participants))


if __name__ == "__main__":
    main()
