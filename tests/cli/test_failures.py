"""Operators get one clear line and a distinct exit status, never a traceback.

Each row runs the real command line (``python -m bot ...``) in a subprocess; the Discord
rows point it at the emulator in this process, which answers 401, 429 or 5xx on request.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.emulator import DiscordEmulator, Status
from bot.emulator.faults import ANY, USER_ME
from bot.failures import (
    EXIT_DATABASE_NOT_MIGRATED,
    EXIT_DATABASE_UNREACHABLE,
    EXIT_DISCORD_AUTH,
    EXIT_DISCORD_FORBIDDEN,
    EXIT_DISCORD_UNREACHABLE,
    EXIT_USAGE,
)

ROOT = Path(__file__).resolve().parents[2]
#: Registering a server's commands, and Discord's words when the bot is not in that server.
GUILD_COMMANDS = "PUT /applications/*/guilds/*/commands"
MISSING = "Missing Access"
TOKEN = "cli-test-token"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Case:
    """One failure: how to provoke it, the exit status, and what the line must say."""

    name: str
    argv: list[str]
    status: int
    says: list[str]
    database: str = "migrated"  # migrated | empty | missing | postgres-down
    discord: dict[str, Any] = field(default_factory=dict)
    token: str = TOKEN
    faults: Callable[[DiscordEmulator], object] | None = None
    logged: list[str] = field(default_factory=list)


CASES = [
    Case(
        "export on a never-migrated database",
        ["export", "--debate", "1", "--format", "json"],
        EXIT_DATABASE_NOT_MIGRATED,
        ["has no tables", "debate-bot db upgrade"],
        database="empty",
    ),
    Case(
        "export with no database file",
        ["export", "--debate", "1", "--format", "json"],
        EXIT_DATABASE_NOT_MIGRATED,
        ["there is no database file", "db upgrade"],
        database="missing",
    ),
    Case(
        "export --out into a folder that does not exist",
        ["export", "--debate", "1", "--format", "markdown", "--out", "nowhere/t.md"],
        EXIT_USAGE,
        ["the folder nowhere does not exist"],
    ),
    Case(
        "db upgrade against a PostgreSQL that is down",
        ["db", "upgrade"],
        EXIT_DATABASE_UNREACHABLE,
        ["cannot be reached", "127.0.0.1", "ConnectionRefusedError"],
        database="postgres-down",
    ),
    Case(
        "run against a PostgreSQL that is down",
        ["run"],
        EXIT_DATABASE_UNREACHABLE,
        ["cannot be reached", "ConnectionRefusedError"],
        database="postgres-down",
    ),
    Case(
        "check-config with an unsupported driver",
        ["check-config"],
        EXIT_USAGE,
        ["database.url", "sqlite+aiosqlite", "postgresql+asyncpg", "'postgresql+psycopg'"],
        database="psycopg",
    ),
    Case(
        "run with a token Discord rejects (401)",
        ["run"],
        EXIT_DISCORD_AUTH,
        ["Discord rejected the token", "DISCORD_TOKEN"],
        token="not-the-token",
    ),
    Case(
        "sync with a token Discord rejects after a 429",
        ["sync"],
        EXIT_DISCORD_AUTH,
        ["Discord rejected the token"],
        token="not-the-token",
        faults=lambda emu: emu.faults.fail_next(USER_ME, status=429, retry_after=0.05),
        logged=["rate limited"],
    ),
    Case(
        "run while Discord answers 503 to everything",
        ["run"],
        EXIT_DISCORD_UNREACHABLE,
        ["could not reach Discord", "after 3 tries", "HTTP 503"],
        faults=lambda emu: emu.faults.add(ANY, Status(503), count=None),
        logged=["try 1 of 3", "try 2 of 3"],
    ),
    Case(
        "run while nothing listens where Discord should be",
        ["run"],
        EXIT_DISCORD_UNREACHABLE,
        ["could not reach Discord", "after 3 tries"],
        discord={"api_base_url": "closed"},
        logged=["try 1 of 3", "try 2 of 3"],
    ),
    Case(
        "sync where Discord refuses the bot access (403)",
        ["sync"],
        EXIT_DISCORD_FORBIDDEN,
        ["refused to register the commands (guild 1234)", MISSING, "applications.commands"],
        discord={"guilds": [1234]},
        faults=lambda emu: emu.faults.fail_next(GUILD_COMMANDS, 403, code=50001, message=MISSING),
    ),
    Case(
        "run where Discord refuses to register the commands (403)",
        ["run"],
        EXIT_DISCORD_FORBIDDEN,
        ["refused to register the commands (guild 1234)", "discord.guilds"],
        discord={"guilds": [1234]},
        faults=lambda emu: emu.faults.fail_next(GUILD_COMMANDS, 403, code=50001, message=MISSING),
    ),
    Case(
        "bad usage",
        ["export", "--format", "json"],
        EXIT_USAGE,
        ["arguments are required: --debate"],
    ),
]


async def _run(argv: list[str], cwd: Path, token: str) -> tuple[int, str]:
    env = {**os.environ, "DISCORD_TOKEN": token, "PYTHONPATH": str(ROOT)}
    env.pop("DEBATE_BOT_TRACEBACK", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 120)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _database_url(kind: str, tmp_path: Path) -> str:
    path = tmp_path / "debates.db"
    if kind == "empty":
        sqlite3.connect(path).close()
    if kind == "postgres-down":
        return f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/debates"
    if kind == "psycopg":
        return "postgresql+psycopg://postgres@127.0.0.1:5432/debates"
    return f"sqlite+aiosqlite:///{path}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_operator_failure_is_one_line_and_a_status(tmp_path: Path, case: Case) -> None:
    emu = DiscordEmulator(token=TOKEN)
    await emu.start()
    try:
        if case.faults is not None:
            case.faults(emu)
        discord: dict[str, Any] = {
            "api_base_url": emu.api_base,
            "gateway_url": emu.gateway_url,
            "startup_attempts": 3,
            "startup_backoff_seconds": 0.05,
        }
        if "guilds" in case.discord:
            discord["guilds"] = case.discord["guilds"]
        if case.discord.get("api_base_url") == "closed":
            discord["api_base_url"] = f"http://127.0.0.1:{closed_port()}/api/v10"
        config = {
            "discord": discord,
            "database": {"url": _database_url(case.database, tmp_path)},
            "performance": {"event_loop": "asyncio"},
        }
        (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
        if case.database == "migrated":
            status, err = await _run(["db", "upgrade", "--config", "c.yaml"], tmp_path, TOKEN)
            assert status == 0, err
        status, err = await _run([*case.argv, "--config", "c.yaml"], tmp_path, case.token)
    finally:
        await emu.stop()
    assert status == case.status, err
    assert "Traceback" not in err, err
    # one error line (a configuration error lists each bad key beneath it)
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    message = err[err.index("error:") :]
    for phrase in case.says:
        assert phrase in message, err
    for phrase in case.logged:
        assert phrase in err, err


def test_every_exit_status_is_distinct_and_documented() -> None:
    statuses = [
        EXIT_USAGE,
        EXIT_DATABASE_UNREACHABLE,
        EXIT_DATABASE_NOT_MIGRATED,
        EXIT_DISCORD_AUTH,
        EXIT_DISCORD_UNREACHABLE,
        EXIT_DISCORD_FORBIDDEN,
    ]
    assert len(set(statuses)) == len(statuses)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## When things fail", 1)[1]
    for status in statuses:
        assert f"| {status} |" in section
