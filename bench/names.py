"""Benchmark: what recording members' names adds to a burst of group commits.

    .venv/bin/python bench/names.py [--sizes 500,1000] [--rounds 5]

In-process, on a migrated SQLite database in a temporary folder: an open-floor debate that N
members joined; each round submits N motion votes at once through the vote group commit
(``VoteService.vote``), each member switching stance so every vote is a write. Rounds
alternate between three cases (in turn first), and the table prints the median wall time of a burst:

- ``no names``: nothing waits to be written (the bot before names were recorded, or after
  the members were looked at in the last few minutes);
- ``new names``: every member of the burst was just seen for the first time
  (``MemberNames.seen``), so their names ride along with the votes' group commits;
- ``seen again``: every member seen again with the same name: a dictionary lookup each.

It also prints the median time one group commit's ride takes (the upsert of
:data:`bot.services.members.RIDE_ROWS` new names inside a write transaction, beyond an empty
one). The ratio is each case's median against ``no names``. ``bench/burst.py`` measures the whole
bot on the emulator; its figures vary with the machine's load far more than this difference.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.config import parse_settings
from bot.domain.enums import Side, Stance
from bot.services import members as members_module
from bot.services.views import Actor

GUILD, CHANNEL, MOD = 1_000_000_000_000_000_001, 2_000_000_000_000_000_001, 3_000_000_000_000_001
CASES = ("no names", "new names", "seen again")


async def burst(app: App, users: list[int], stance: Stance) -> float:
    started = time.perf_counter()
    await asyncio.gather(
        *(app.services.votes.vote(Actor(GUILD, user), CHANNEL, stance) for user in users)
    )
    return time.perf_counter() - started


async def ride_cost(folder: Path, repeat: int = 30) -> tuple[float, float]:
    """Median seconds of a write transaction with one full ride, and of an empty one."""
    url = f"sqlite+aiosqlite:///{folder / 'ride.db'}"
    app = await App.create(parse_settings({"database": {"url": url}}), clock=ManualClock())
    try:
        names, full, empty = app.services.members, [], []
        for round_ in range(repeat):
            names._members = members_module._Book()
            for user in range(members_module.RIDE_ROWS):
                names.seen(GUILD, 5 * 10**18 + user, f"Name {user} r{round_}", f"user{user}")
            started = time.perf_counter()
            async with app.db.write() as session:
                await names.ride(session)
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with app.db.write() as session:
                pass
            empty.append(time.perf_counter() - started)
        return statistics.median(full), statistics.median(empty)
    finally:
        await app.close()


async def measure(size: int, rounds: int, folder: Path) -> dict[str, float]:
    url = f"sqlite+aiosqlite:///{folder / f'names-{size}.db'}"
    app = await App.create(parse_settings({"database": {"url": url}}), clock=ManualClock())
    try:
        await app.services.debates.start(
            Actor(GUILD, MOD, is_moderator=True),
            channel_id=CHANNEL,
            motion_ref="essay-1",
            format_name="open",
        )
        users = [4_000_000_000_000_000_000 + i for i in range(size)]
        await asyncio.gather(
            *(app.services.debates.join(Actor(GUILD, u), CHANNEL, Side.AUDIENCE) for u in users)
        )
        names = app.services.members
        times: dict[str, list[float]] = {case: [] for case in CASES}
        stances = (Stance.FOR, Stance.AGAINST)
        turn = 0
        for round_ in range(rounds):
            for case in CASES[round_ % 3 :] + CASES[: round_ % 3]:  # no case always first
                if case == "new names":
                    names._members = members_module._Book()  # everyone new again
                    for user in users:
                        names.seen(GUILD, user, f"Member {user} r{round_}", f"user{user}")
                elif case == "seen again":
                    for user in users:
                        names.seen(GUILD, user, f"Member {user} r{round_}", f"user{user}")
                gc.collect()  # no case pays for another's garbage
                times[case].append(await burst(app, users, stances[turn % 2]))
                turn += 1
                await names.flush()  # nothing may wait into the next case
        return {case: statistics.median(values) for case, values in times.items()}
    finally:
        await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        full, empty = await ride_cost(Path(folder))
        rows = members_module.RIDE_ROWS
        print(f"One ride of {rows} new names: {(full - empty) * 1000:.2f} ms", end=" ")
        print(f"(a write transaction: {empty * 1000:.2f} ms empty, {full * 1000:.2f} ms with it)\n")
        print("| N | case | burst (median) | per vote | ratio |")
        print("|---|---|---|---|---|")
        for size in (int(s) for s in args.sizes.split(",")):
            result = await measure(size, args.rounds, Path(folder))
            base = result["no names"]
            for case in CASES:
                seconds = result[case]
                print(
                    f"| {size} | {case} | {seconds * 1000:.0f} ms | "
                    f"{seconds / size * 1e6:.0f} µs | {seconds / base:.2f}x |"
                )


if __name__ == "__main__":
    asyncio.run(main())
