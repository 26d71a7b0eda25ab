"""What the benches share: bot processes on the emulator, their configuration, figures.

``bench/burst.py``, ``bench/night.py`` and ``bench/startup.py`` start the project's Discord
emulator in their own process and the bot in others, as Discord and a deployed bot would be;
the helpers here start and stop those processes, write their configuration, bring up a
throw-away PostgreSQL cluster and turn latencies into percentiles.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, insert

from bot.emulator import DiscordEmulator, InteractionResult
from bot.storage.database import Database
from bot.storage.models import Participant

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
MANAGE_MESSAGES = 1 << 13


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def until(done: Callable[[], bool], seconds: float, step: float = 0.005) -> bool:
    """Poll ``done`` until it holds or ``seconds`` passed; whether it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return True
        await asyncio.sleep(step)
    return done()


def proc_status_mb(pid: int, field: str) -> float | None:
    """A memory figure of ``/proc/<pid>/status`` (Linux) in MB: VmHWM peak, VmRSS now."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def peak_rss_mb(pid: int) -> str:
    """A process's peak resident set (Linux), for the memory the bursts cost."""
    peak = proc_status_mb(pid, "VmHWM")
    return "unknown" if peak is None else f"{peak:.0f} MB"


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a live process has used (Linux ``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def guild_on_shard(emu: DiscordEmulator, shard: int, name: str, shards: int = 2) -> int:
    """A guild id that belongs to ``shard`` of ``shards``."""
    while True:
        candidate = random.getrandbits(40) << 22 | random.getrandbits(22)
        if emu.shard_of(candidate, shards) == shard:
            return emu.add_guild(name, guild_id=candidate).id


def still_thinking(result: InteractionResult) -> bool:
    """Deferred and not yet followed up or edited."""
    if result.callback_type == 6:
        return "thinking" in result.text() or not result.text()
    return result.callback_type == 5 and not result.followup_ids and not result.text()


async def join_all(db: Database, debate_id: int, members: list[int], side: str) -> None:
    """Join ``members`` to ``side`` in bulk (set-up, not measured)."""
    async with db.write() as session:
        await session.execute(
            delete(Participant).where(
                Participant.debate_id == debate_id, Participant.user_id.in_(members)
            )
        )
        joined = datetime.now(UTC)
        await session.execute(
            insert(Participant),
            [
                {"debate_id": debate_id, "user_id": m, "side": side, "joined_at": joined}
                for m in members
            ],
        )


def bot_settings(
    emu: DiscordEmulator, guilds: list[int], db_url: str, **debates: object
) -> dict[str, Any]:
    """A debate bot's configuration on ``emu``: no threads, WARNING logs, and no rate limit
    or cooldown in the way of a crowd (``debates`` overrides or adds ``debates.*`` keys)."""
    return {
        "discord": {
            "guilds": guilds,
            "api_base_url": emu.api_base,
            "gateway_url": emu.gateway_url,
        },
        "database": {"url": db_url},
        "debates": {
            "use_threads": False,
            "rate_limit": {"actions": 1000, "per_seconds": 1},
            "argument_cooldown_seconds": 0,
            **debates,
        },
        "logging": {"level": "WARNING"},
    }


def write_yaml(path: Path, settings: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(settings))
    return path


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)


def bot_command(
    config: Path, shard_count: int | None = None, shard: int | None = None
) -> list[str]:
    """``python -m bot run`` with ``config`` (as shard ``shard`` of ``shard_count``)."""
    run = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    if shard_count is not None:
        run += ["--shard-count", str(shard_count), "--shard-ids", str(shard)]
    return run


def bot_env() -> dict[str, str]:
    return dict(os.environ, DISCORD_TOKEN=TOKEN)


def stop_processes(processes: list[subprocess.Popen[bytes]], logs: Sequence[Path] = ()) -> None:
    """SIGTERM each process and wait for it (killed after 15 s); with ``BENCH_SHOW_LOGS`` set,
    print the end of each log first."""
    if os.environ.get("BENCH_SHOW_LOGS"):
        for log in logs:
            lines = log.read_text(errors="replace").splitlines()
            print(f"--- last lines of {log.name} ({len(lines)} lines)", *lines[-15:], sep="\n")
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def button_message(emu: DiscordEmulator, channel: int, prefix: str) -> int:
    """The last message in ``channel`` with a button whose custom id starts with ``prefix``."""
    for message in reversed(emu.messages(channel, include_ephemeral=False)):
        for row in message.get("components") or []:
            for button in row.get("components") or []:
                if str(button.get("custom_id", "")).startswith(prefix):
                    return int(message["id"])
    raise AssertionError(f"no message with a {prefix!r} button")


@contextmanager
def postgres_cluster() -> Iterator[Any]:
    """The throw-away PostgreSQL cluster the tests use, on 127.0.0.1, stopped on exit."""
    sys.path.insert(0, str(ROOT))
    from tests.postgres.cluster import PostgresCluster

    cluster = PostgresCluster.create()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
