"""Benchmark: what a series costs: the driver's pass on every deadline-loop tick, the
annotated essay, and the leaderboard.

    .venv/bin/python bench/series.py [--series 1,50,200] [--voters 200] [--arguments 100]

A migrated SQLite database in a temporary folder gets S series of twelve propositions each
(the built-in essay); in every series the first six debates are closed Oxford debates with
``--voters`` voters voting in both stages, ``--arguments`` arguments, a persuasive mark per
voter and a mind change per tenth voter; the seventh is open and the rest pending.

- ``pass``: median time of ``SeriesService.work`` (the one query the driver makes on every
  tick of the deadline loop, every few seconds), for all S series.
- ``essay``: median time to build one series' annotated essay (``AnnotatedEssayService``)
  and to render it in each format, with the file's size.
- ``leaderboard``: median time of ``LeaderboardService.board`` for the whole server (every
  debate of every series) and for series 1 (what ``/debate leaderboard`` waits for).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.app import App
from bot.clock import ManualClock
from bot.config import parse_settings
from bot.exports.annotated.model import FORMATS
from bot.services.leaderboard import Scope
from bot.storage.models import (
    Argument,
    ArgumentVote,
    Debate,
    MindChange,
    Motion,
    MotionVote,
    Participant,
    Series,
    SeriesItem,
)

GUILD, CHANNEL, MOD = 1_000_000_000_000_000_001, 2_000_000_000_000_000_001, 3_000_000_000_000_001
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CLOSED, OPEN = 6, 1


async def build(app: App, count: int, voters: int, arguments: int) -> None:
    rng = random.Random(count)
    async with app.db.read() as session:
        motions = list(
            await session.scalars(
                select(Motion.id).where(Motion.key.is_not(None)).order_by(Motion.number)
            )
        )
        essay_id = await session.scalar(select(Motion.essay_id).where(Motion.id == motions[0]))
    rows: dict[Any, list[dict[str, Any]]] = {
        m: [] for m in (Series, Debate, SeriesItem, Participant, MotionVote, Argument)
    }
    rows[ArgumentVote], rows[MindChange] = [], []
    debate_id = argument_id = 0
    for s in range(1, count + 1):
        rows[Series].append(
            dict(id=s, guild_id=GUILD, channel_id=CHANNEL, essay_id=essay_id)
            | dict(schedule="sequence", format="oxford", status="open", card_message_id=None)
            | dict(created_by=MOD, created_at=START)
        )
        for position, motion in enumerate(motions, start=1):
            item: dict[str, Any] = dict(series_id=s, position=position, motion_id=motion)
            if position > CLOSED + OPEN:
                rows[SeriesItem].append(item | {"debate_id": None})
                continue
            debate_id += 1
            closed = position <= CLOSED
            rows[SeriesItem].append(item | {"debate_id": debate_id})
            rows[Debate].append(
                dict(id=debate_id, guild_id=GUILD, channel_id=CHANNEL + debate_id)
                | dict(motion_id=motion, format="oxford", locked=False, created_by=MOD)
                | dict(status="closed" if closed else "open", created_at=START)
                | dict(phase="closed" if closed else "floor", phase_index=5 if closed else 2)
                | dict(phase_started_at=START, results_visibility="after_close")
                | dict(argument_count=arguments, closed_at=START if closed else None)
            )
            people = [10_000 + i for i in range(voters)]
            rows[Participant] += [
                dict(debate_id=debate_id, user_id=u, side="audience", joined_at=START)
                for u in people
            ]
            rows[MotionVote] += [
                dict(debate_id=debate_id, user_id=u, stage=stage)
                | dict(stance=rng.choice(("for", "against", "undecided")))
                | dict(cast_at=START, updated_at=START)
                for stage in ("pre", "post")
                for u in people
            ]
            first = argument_id + 1
            for n in range(1, arguments + 1):
                argument_id += 1
                rows[Argument].append(
                    dict(id=argument_id, debate_id=debate_id, number=n, author_id=n)
                    | dict(side=("for", "against")[n % 2], kind="claim", phase="floor")
                    | dict(body=f"Argument {n} of debate {debate_id}. " * 5)
                    | dict(body_hash=f"{argument_id:064x}", status="visible")
                    | dict(created_at=START + timedelta(seconds=n))
                )
            for i, u in enumerate(people):
                target = first + rng.randrange(arguments)
                rows[ArgumentVote].append(
                    dict(debate_id=debate_id, argument_id=target, user_id=u, created_at=START)
                )
                if i % 10 == 0:
                    rows[MindChange].append(
                        dict(debate_id=debate_id, argument_id=target, user_id=u)
                        | dict(explanation="It changed my mind.", created_at=START)
                    )
    for model, values in rows.items():
        for start in range(0, len(values), 5000):
            async with app.db.write() as session:
                await session.execute(insert(model), values[start : start + 5000])


async def median(run: Callable[[], Awaitable[Any]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def bench(count: int, voters: int, arguments: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        app = await App.create(parse_settings({"database": {"url": url}}), clock=ManualClock())
        try:
            started = time.perf_counter()
            await build(app, count, voters, arguments)
            built = time.perf_counter() - started
            works = await app.services.series.work()
            assert len(works) == count
            tick = await median(app.services.series.work, repeat)
            print(
                f"\n{count} series x 12 propositions ({count * (CLOSED + OPEN)} debates, "
                f"built in {built:.1f} s)"
            )
            print(f"  pass (SeriesService.work): {tick * 1000:8.1f} ms")
            essay = await median(lambda: app.services.annotated.build(GUILD, 1), repeat)
            print(f"  essay (build, series 1):   {essay * 1000:8.1f} ms")
            server = await median(lambda: app.services.leaderboard.board(GUILD, CHANNEL), repeat)
            board = await app.services.leaderboard.board(GUILD, CHANNEL)
            print(
                f"  leaderboard, server:       {server * 1000:8.1f} ms  "
                f"({board.debates} debates, {len(board.debaters)} debaters)"
            )
            one = await median(
                lambda: app.services.leaderboard.board(GUILD, CHANNEL, Scope.SERIES, 1), repeat
            )
            print(f"  leaderboard, series 1:     {one * 1000:8.1f} ms")
            for fmt in FORMATS:
                size = len((await app.services.annotated.render(GUILD, 1, fmt)).data)
                took = await median(
                    lambda f=fmt: app.services.annotated.render(GUILD, 1, f), repeat
                )  # type: ignore[misc]
                print(f"  {fmt:<8} build + render:   {took * 1000:8.1f} ms  {size:>9,} bytes")
        finally:
            await app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="1,50,200", help="numbers of open series")
    parser.add_argument("--voters", type=int, default=200, help="voters per debate")
    parser.add_argument("--arguments", type=int, default=100, help="arguments per debate")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.voters} voters and {args.arguments} arguments per debate")
    for count in (int(x) for x in args.series.split(",")):
        asyncio.run(bench(count, args.voters, args.arguments, args.repeat))


if __name__ == "__main__":
    main()
