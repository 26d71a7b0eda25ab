"""Two bot processes, one shard each, on one PostgreSQL database: a phase deadline that passes
is applied once and announced once, and both processes shut down cleanly on SIGTERM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot.emulator import DiscordEmulator
from bot.storage.database import Database
from bot.storage.models import AuditEvent, Debate
from tests.processes.helpers import (
    ACK_WINDOW,
    TOKEN,
    BotProcess,
    Guild,
    bot_processes,
    eventually,
    guild_id_on_shard,
    public_text,
    seed_guild,
    wait_ready,
    write_config,
)

SHARDS = 2


async def start_debate(emu: DiscordEmulator, guild: Guild) -> int:
    result = await emu.slash(
        guild.id, guild.channel, guild.moderator, "debate start", {"motion": "1"}, timeout=15
    )
    assert result.ephemeral and "started" in result.text().lower(), result.text()
    return int(emu.threads(guild.channel)[-1]["id"])


async def advances(db: Database, debate_id: int) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.debate_id == debate_id, AuditEvent.action == "phase_advanced")
        )
    return int(count or 0)


async def test_two_shard_processes_advance_a_deadline_once(
    tmp_path: Path, pg_empty_database: str
) -> None:
    emu = DiscordEmulator(token=TOKEN)
    emu.ack_deadline = ACK_WINDOW
    await emu.start()
    db = Database(pg_empty_database)
    try:
        guilds = [
            seed_guild(emu, f"Shard{shard}", guild_id=guild_id_on_shard(shard, SHARDS))
            for shard in range(SHARDS)
        ]
        assert [emu.shard_of(g.id, SHARDS) for g in guilds] == [0, 1]
        config = write_config(tmp_path / "config.yaml", emu, pg_empty_database)
        processes = [
            BotProcess(
                config,
                tmp_path / f"shard{shard}.log",
                ["--shard-count", str(SHARDS), "--shard-ids", str(shard)],
            )
            for shard in range(SHARDS)
        ]
        # Both start together on an empty database: migrations and start-up must not collide.
        async with bot_processes(*processes):
            await wait_ready(emu, processes, count=SHARDS)
            for process in processes:  # the performance settings reach the real process
                assert "event loop: uvloop" in process.log.read_text(), process.output()
                await eventually(
                    lambda process=process: "start-up objects" in process.log.read_text(),
                    f"{process.log.name} froze its start-up heap",
                )
            threads = [await start_debate(emu, guild) for guild in guilds]
            async with db.read() as session:
                rows = (await session.execute(select(Debate.id, Debate.channel_id))).all()
            debate_of = {channel: debate for debate, channel in rows}
            debates = [debate_of[thread] for thread in threads]

            # Both processes see both debates due; each owns one guild; the update is guarded.
            for round_number, title in enumerate(("Opening statements", "Floor debate"), 1):
                async with db.write() as session:
                    await session.execute(
                        update(Debate)
                        .where(Debate.id.in_(debates))
                        .values(phase_deadline=datetime.now(UTC) - timedelta(seconds=1))
                    )

                async def all_announced(title: str = title) -> bool:
                    return all(f"Now: {title}" in public_text(emu, t) for t in threads)

                await eventually(all_announced, f"'{title}' in every thread")
                # Several more dispatcher passes of both processes: none may act again.
                await emu.settle(quiet=1.0, timeout=15)
                for debate, thread in zip(debates, threads, strict=True):
                    assert await advances(db, debate) == round_number
                    assert public_text(emu, thread).count(f"Now: {title}") == 1

            statuses = [await p.terminate(timeout=10) for p in processes]
            logs = "\n".join(p.output() for p in processes)
            assert statuses == [0] * SHARDS, logs
            assert "Traceback" not in logs, logs
    finally:
        await db.dispose()
        await emu.stop()
