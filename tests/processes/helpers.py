"""Real bot processes (``python -m bot run``) against the emulator in the test process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.emulator import DiscordEmulator

TOKEN = "process-test-token"
#: Discord's interaction window as the emulator enforces it in these tests, which are about
#: processes (kills, shards, settings), not about the window (tests/adapter/test_patience.py
#: is): a bot process just started on a loaded machine can miss three seconds.
ACK_WINDOW = 60.0
MANAGE_MESSAGES = 1 << 13
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Guild:
    """A seeded guild: a #debates channel, a moderator, debaters and an audience."""

    id: int
    channel: int
    moderator: int
    debaters_for: list[int]
    debaters_against: list[int]
    audience: list[int]


def guild_id_on_shard(shard: int, shard_count: int, salt: int = 0) -> int:
    """A snowflake-sized guild id that Discord routes to ``shard``."""
    base = 300_000_000_000 + salt * shard_count
    timestamp = base + (shard - base) % shard_count
    return (timestamp << 22) | 1


def seed_guild(
    emu: DiscordEmulator,
    name: str,
    *,
    guild_id: int | None = None,
    debaters: int = 2,
    audience: int = 4,
) -> Guild:
    """A guild with #debates, a moderator role, ``debaters`` a side and an audience."""
    guild = emu.add_guild(name, guild_id=guild_id)
    channel = emu.add_text_channel(guild.id, "debates")
    mods = emu.add_role(guild.id, "Debate Mods", permissions=MANAGE_MESSAGES)

    def add(username: str, roles: list[int] | None = None) -> int:
        return emu.add_member(guild.id, username, roles=roles).id

    return Guild(
        id=guild.id,
        channel=channel.id,
        moderator=add(f"{name}-mod", [mods.id]),
        debaters_for=[add(f"{name}-for{i}") for i in range(debaters)],
        debaters_against=[add(f"{name}-against{i}") for i in range(debaters)],
        audience=[add(f"{name}-listener{i}") for i in range(audience)],
    )


def write_config(path: Path, emu: DiscordEmulator, database_url: str, **debates: Any) -> Path:
    """A config file pointing the bot at the emulator and ``database_url``."""
    section: dict[str, Any] = {
        "argument_cooldown_seconds": 0,
        "deadline_check_seconds": 0.3,
        "rate_limit": {"actions": 100_000, "per_seconds": 1},
    }
    section.update(debates)
    config = {
        "discord": {"api_base_url": emu.api_base, "gateway_url": emu.gateway_url},
        "database": {"url": database_url},
        "debates": section,
        "logging": {"level": "INFO"},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class BotProcess:
    """One ``python -m bot run`` subprocess; its output goes to ``log``."""

    config: Path
    log: Path
    args: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                *self.args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                cwd=ROOT,
                env=env,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def output(self, tail: int = 4000) -> str:
        """The end of the process's log, for assertion messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.log.name} ---\n{text[-tail:]}"

    async def wait(self, timeout: float) -> int:  # noqa: ASYNC109
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def terminate(self, timeout: float = 10) -> int:  # noqa: ASYNC109
        """SIGTERM, then wait for the exit status (a clean shutdown exits 0)."""
        assert self.process is not None
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        assert self.process is not None
        if self.running:
            self.process.send_signal(signal.SIGKILL)
        await self.wait(10)

    async def ensure_stopped(self) -> None:
        """Whatever happened in the test, leave no process behind."""
        if self.process is None or not self.running:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await self.wait(10)


@contextlib.asynccontextmanager
async def bot_processes(*processes: BotProcess) -> AsyncIterator[tuple[BotProcess, ...]]:
    """Start the processes; kill any still running on the way out."""
    try:
        for process in processes:
            await process.start()
        yield processes
    finally:
        for process in processes:
            await process.ensure_stopped()


async def wait_ready(
    emu: DiscordEmulator,
    processes: tuple[BotProcess, ...] | list[BotProcess],
    count: int,
    timeout: float = 30,  # noqa: ASYNC109
) -> None:
    """Until ``count`` gateway connections are READY; fails early if a process died."""
    deadline = time.monotonic() + timeout
    while len(emu.gateway.live()) < count:
        dead = [p for p in processes if not p.running]
        if dead:
            raise AssertionError("a bot process exited early:\n" + dead[0].output())
        if time.monotonic() > deadline:
            logs = "\n".join(p.output() for p in processes)
            raise AssertionError(f"bots not ready after {timeout}s\n{logs}")
        await asyncio.sleep(0.05)


async def wait_disconnected(emu: DiscordEmulator, timeout: float = 10) -> None:  # noqa: ASYNC109
    """Until the emulator has noticed every bot connection is gone."""
    deadline = time.monotonic() + timeout
    while emu.gateway.live():
        if time.monotonic() > deadline:
            raise AssertionError("the emulator still sees a live bot connection")
        await asyncio.sleep(0.02)


async def eventually(
    predicate: Callable[[], bool | Awaitable[bool]],
    what: str,
    timeout: float = 15,  # noqa: ASYNC109
) -> None:
    """Poll ``predicate()`` (sync or async) until true: the bot runs in another process."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def message_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for item in embed.get("fields") or []:
            parts += [str(item.get("name") or ""), str(item.get("value") or "")]
    return "\n".join(part for part in parts if part)


def public_text(emu: DiscordEmulator, channel: int) -> str:
    return "\n".join(message_text(m) for m in emu.messages(channel, include_ephemeral=False))
