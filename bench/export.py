"""Benchmark: export time and memory per format against the time to read the same rows.

    .venv/bin/python bench/export.py [--sizes 1000,10000,50000] [--repeat 5]

For each size a debate is bulk-inserted into a migrated SQLite database in a temporary
folder: N arguments (about 40 % rebuttals of earlier ones, 5 % removed), N/5 voters voting in
both stages, N/2 persuasive marks, N/20 mind changes and N/100 audit events; every member has
a name kept as the debate closed, so the export names them all.

- ``read``: median time to stream every row an export contains (participants, arguments,
  motion votes, marks, mind changes, audit events) from the database, doing nothing with them.
- per format: median wall time of ``ExportService.write`` into a byte-counting sink, and its
  ratio to ``read``; ``CPU x read`` the same ratio in CPU time of the process (all threads),
  which a busy machine disturbs less than wall time; ``peak MB`` is the peak of Python
  allocations traced by ``tracemalloc`` during one extra export (not timed, as tracing slows
  it), above what was allocated before.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.clock import ManualClock
from bot.config import parse_settings
from bot.exports.model import FORMATS
from bot.services.exports import ExportService
from bot.storage import migrate
from bot.storage.database import Database
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    Debate,
    DebateName,
    DebatePhase,
    MindChange,
    Motion,
    MotionVote,
    Participant,
)

GUILD, CHANNEL, MOD = 1_000_000_000_000_000_001, 2_000_000_000_000_000_001, 3_000_000_000_000_001
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
WORDS = ("motion", "russia", "leverage", "pattern", "evidence", "claim", "#", "*", "`", "<", "&")
CHUNK = 5000


class Sink(io.RawIOBase):
    """Discards what is written, counting bytes."""

    size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = memoryview(data).nbytes
        self.size += n
        return n


async def _bulk(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.write() as session:
            await session.execute(insert(model), rows[start : start + CHUNK])


async def build(db: Database, size: int) -> int:
    """One closed Oxford debate of ``size`` arguments; returns its id."""
    rng = random.Random(size)
    at = lambda minutes: START + timedelta(minutes=minutes)  # noqa: E731
    await _bulk(db, Motion, [{"id": 1, "text": "Bench motion", "created_at": START}])
    await _bulk(
        db,
        Debate,
        [
            dict(id=1, guild_id=GUILD, channel_id=CHANNEL, motion_id=1, format="oxford")
            | dict(status="closed", phase="closed", phase_index=5, phase_started_at=at(100))
            | dict(results_visibility="after_close", argument_count=size, created_by=MOD)
            | dict(created_at=START, closed_at=at(100), locked=False)
        ],
    )
    names = ("pre_vote", "opening", "floor", "closing", "post_vote", "closed")
    phases = [
        dict(
            debate_id=1, phase=name, phase_index=i, started_at=at(i * 20), ended_at=at(i * 20 + 20)
        )
        for i, name in enumerate(names)
    ]
    await _bulk(db, DebatePhase, phases)
    debaters, voters = 200, max(50, size // 5)
    people = [
        dict(debate_id=1, user_id=10_000 + i, side=("for", "against")[i % 2], joined_at=START)
        for i in range(debaters)
    ] + [
        dict(debate_id=1, user_id=100_000 + i, side="audience", joined_at=START)
        for i in range(voters)
    ]
    await _bulk(db, Participant, people)
    arguments = []
    for n in range(1, size + 1):
        parent = rng.randrange(1, n) if n > 1 and rng.random() < 0.4 else None
        removed = rng.random() < 0.05
        words = rng.choices(WORDS, k=rng.randrange(10, 80))
        arguments.append(
            dict(id=n, debate_id=1, number=n, author_id=10_000 + n % debaters)
            | dict(
                side=("for", "against")[n % 2],
                phase="floor",
                parent_id=parent,
                body=" ".join(words),
            )
            | dict(kind="rebuttal" if parent else "claim", body_hash=f"{n:064x}")
            | dict(status="removed" if removed else "visible", created_at=at(40 + n / 1000))
            | dict(removed_reason="bench" if removed else None, removed_by=MOD if removed else None)
        )
    await _bulk(db, Argument, arguments)
    del arguments
    stances = ("for", "against", "undecided")
    votes = [
        dict(debate_id=1, user_id=100_000 + i, stage=stage, stance=rng.choice(stances))
        | dict(cast_at=START, updated_at=START)
        for stage in ("pre", "post")
        for i in range(voters)
    ]
    await _bulk(db, MotionVote, votes)
    pairs = {
        (rng.randrange(1, size + 1), 100_000 + rng.randrange(voters)) for _ in range(size // 2)
    }
    marks = [
        dict(debate_id=1, argument_id=a, user_id=u, created_at=at(50)) for a, u in sorted(pairs)
    ]
    await _bulk(db, ArgumentVote, marks)
    deltas = [
        dict(
            debate_id=1,
            argument_id=a,
            user_id=u,
            explanation="it changed my mind",
            created_at=at(60),
        )
        for a, u in sorted(pairs)[: size // 20]
    ]
    await _bulk(db, MindChange, deltas)
    events = [
        dict(guild_id=GUILD, debate_id=1, actor_id=MOD, action="member_warned", created_at=at(70))
        | dict(target_user_id=10_000 + i % debaters, reason="bench")
        for i in range(max(5, size // 100))
    ]
    await _bulk(db, AuditEvent, events)
    users = [MOD] + [10_000 + i for i in range(debaters)] + [100_000 + i for i in range(voters)]
    names = [
        dict(debate_id=1, user_id=u, display_name=f"Member {u}", username=f"member_{u}")
        for u in users
    ]
    await _bulk(db, DebateName, names)  # every member named, as the debate closed
    return 1


async def read_all(db: Database, debate_id: int) -> int:
    """Stream every row an export contains, doing nothing with it."""
    rows = 0
    tables = (Participant, Argument, MotionVote, ArgumentVote, MindChange, AuditEvent)
    async with db.read() as session:
        connection = await session.connection()
        for model in tables:
            query = select(*model.__table__.columns).where(model.debate_id == debate_id)
            result = await connection.stream(query.execution_options(yield_per=1000))
            async for batch in result.partitions(1000):
                rows += len(batch)
    return rows


async def timed(run: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall time and CPU time of the process (every thread: SQLite runs on its own)."""
    started, cpu = time.perf_counter(), time.process_time()
    await run()
    return time.perf_counter() - started, time.process_time() - cpu


async def bench_size(size: int, repeat: int, formats: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        db = Database(url)
        await migrate.upgrade(db)
        started = time.perf_counter()
        debate_id = await build(db, size)
        print(f"\n{size} arguments (built in {time.perf_counter() - started:.1f} s)")
        settings = parse_settings({"database": {"url": url}})
        service = ExportService(db, ManualClock(), settings)
        sink = Sink()

        async def export(fmt: str) -> None:
            sink.size = 0
            await service.write(None, debate_id, fmt, sink)  # type: ignore[arg-type]

        rows = await read_all(db, debate_id)
        times: dict[str, list[float]] = {name: [] for name in ("read", *formats)}
        cpus: dict[str, list[float]] = {name: [] for name in ("read", *formats)}
        for _ in range(repeat):  # interleaved, so a busy moment hits every series alike
            wall, cpu = await timed(lambda: read_all(db, debate_id))
            times["read"].append(wall)
            cpus["read"].append(cpu)
            for fmt in formats:
                wall, cpu = await timed(functools.partial(export, fmt))
                times[fmt].append(wall)
                cpus[fmt].append(cpu)
        read, read_cpu = statistics.median(times["read"]), statistics.median(cpus["read"])
        print(f"  read {rows} rows: {read * 1000:.0f} ms, CPU {read_cpu * 1000:.0f} ms")
        print(
            f"  {'format':8} {'median ms':>10} {'x read':>7} {'CPU x read':>11} "
            f"{'peak MB':>8} {'output MB':>10}"
        )
        for fmt in formats:
            elapsed, cpu = statistics.median(times[fmt]), statistics.median(cpus[fmt])
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            await export(fmt)
            peak = tracemalloc.get_traced_memory()[1] - before
            tracemalloc.stop()
            print(
                f"  {fmt:8} {elapsed * 1000:10.0f} {elapsed / read:7.2f} {cpu / read_cpu:11.2f} "
                f"{peak / 1e6:8.1f} {sink.size / 1e6:10.1f}"
            )
        await db.dispose()


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}; time: median of {args.repeat}; memory: tracemalloc")
    for size in (int(s) for s in args.sizes.split(",")):
        await bench_size(size, args.repeat, args.formats.split(","))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
