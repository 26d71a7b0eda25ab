"""End-to-end fixtures: the real bot (discord.py client, cogs, services, SQLite built by the
migrations) connected to the project's Discord emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.adapter.errors import NOT_POSTED
from bot.adapter.local import LocalDiscord, World, seed_world
from bot.clock import ManualClock
from bot.config import parse_settings
from bot.emulator import DiscordEmulator, InteractionResult
from bot.emulator.interactions import EPHEMERAL
from bot.storage.models import Argument
from tests.conftest import make_settings

#: Discord's interaction window as the emulator enforces it in tests of what a burst stores
#: and answers rather than of the window itself. The emulator, the scripted members and the
#: bot share one event loop here, so on a busy 2-core machine the emulator's own work for a
#: burst can hold a deferral past three seconds, which says nothing about the bot. The window
#: and the bot's deferral at ``patience.DEFER_AT`` are proven in tests/adapter/test_patience.py.
BURST_WINDOW = 60.0


@dataclass
class Harness:
    """The running emulator and bot, with shortcuts for scripted members."""

    local: LocalDiscord
    world: World
    clock: ManualClock

    @property
    def emu(self) -> DiscordEmulator:
        return self.local.emu

    @property
    def app(self):  # type: ignore[no-untyped-def]
        assert self.local.app is not None
        return self.local.app

    async def slash(
        self,
        user: int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel: int | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Run a slash command; ``settle`` is how long the bot must stay quiet afterwards
        (longer for commands that defer and then work before answering)."""
        result = await self.emu.slash(
            self.world.guild,
            channel or self.world.channel,
            user,
            command,
            options or {},
            settle=settle,
        )
        await self.delivered()
        return result

    async def delivered(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until the outbox delivered what the commands so far owe the threads: those
        posts follow the answer (the command's commit wakes the dispatcher)."""
        bot = self.local.bot
        if bot is not None:
            await bot.outbox.settle(timeout)

    async def start_debate(self, motion: str = "1", fmt: str = "oxford") -> tuple[int, int]:
        """A moderator starts a debate; returns (thread id, card message id)."""
        result = await self.slash(
            self.world.moderator, "debate start", {"motion": motion, "format": fmt}
        )
        assert result.ephemeral, result.text()
        thread = self.emu.threads(self.world.channel)[-1]
        return int(thread["id"]), int(thread["id"])

    def public(self, channel: int) -> list[dict[str, Any]]:
        return self.emu.messages(channel, include_ephemeral=False)

    def public_text(self, channel: int) -> str:
        """Everything a reader of ``channel`` sees, as text."""
        return "\n".join(message_text(m) for m in self.public(channel))

    def card_of(self, thread: int, number: int) -> dict[str, Any]:
        """The public message that shows argument ``#number``."""
        for message in self.public(thread):
            for embed in message.get("embeds") or []:
                if str(embed.get("title", "")).startswith(f"#{number} "):
                    return message
        raise AssertionError(f"no card for #{number}")

    async def click(
        self, user: int, channel: int, message: dict[str, Any], label: str
    ) -> InteractionResult:
        """Press the button labelled ``label`` on ``message``."""
        for row in message.get("components") or []:
            for button in row.get("components") or []:
                if button.get("label") == label:
                    result = await self.emu.click(
                        self.world.guild, channel, user, int(message["id"]), button["custom_id"]
                    )
                    await self.delivered()
                    return result
        raise AssertionError(f"no button {label!r} on message {message['id']}")

    async def edited(self, result: InteractionResult, text: str, timeout: float = 10) -> str:  # noqa: ASYNC109
        """The result's text once it contains ``text``. After a deferred update (type 6)
        the edit follows the commit, and nothing tells the emulator one is coming, so no
        quiet period can promise it has arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in result.text():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} never appeared in: {result.text()!r}")
            await asyncio.sleep(0.02)
        return result.text()

    async def posted(self, channel: int, text: str, timeout: float = 10) -> str:  # noqa: ASYNC109
        """Everything public in ``channel`` once it contains ``text``: what the deadline loop
        or a background task posts has no interaction to wait on, and under load no quiet
        period promises it has arrived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in (seen := self.public_text(channel)):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} never appeared in: {seen!r}")
            await asyncio.sleep(0.02)
        return seen

    async def answered(
        self,
        results: list[InteractionResult],
        timeout: float = 60,  # noqa: ASYNC109
    ) -> list[InteractionResult]:
        """``results`` once each has its final answer: the response, or after a deferral
        (type 5) its follow-up. A deferral says nothing yet, and while a burst is being
        committed no quiet period promises that its follow-up has arrived. A deferred update
        (type 6) is left to the test, which knows what the edit says."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        _, silent = await asyncio.wait([r.acked for r in results], timeout=timeout)
        assert not silent, f"{len(silent)} of {len(results)} interactions never answered"
        while thinking := [r for r in results if awaiting_follow_up(r)]:
            if loop.time() > deadline:
                raise AssertionError(f"{len(thinking)} deferred answers never came")
            await asyncio.sleep(0.02)
        expired = [r for r in results if r.expired]
        assert not expired, f"{len(expired)} answered after the window: {expired[0].errors}"
        return results

    async def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        from tests.services.helpers import snapshot

        return await snapshot(self.app)


async def until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    timeout: float = 30,  # noqa: ASYNC109
) -> None:
    """Poll ``check`` until true: what the bot writes or posts after it answered has nothing
    to wait on, and on a loaded machine no quiet period promises it has happened."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


async def cards_remembered(harness: Harness) -> bool:
    """Whether every argument has its card's message stored: the bot writes it after the card
    answered the member."""
    async with harness.app.db.read() as session:
        missing = await session.scalar(
            select(func.count()).select_from(Argument).where(Argument.message_id.is_(None))
        )
    return missing == 0


def awaiting_follow_up(result: InteractionResult) -> bool:
    """Deferred (type 5) and not answered yet: the "thinking" message is neither followed up
    nor edited, or it says only that a refused post was not posted (the member's private
    follow-up comes next)."""
    if result.callback_type != 5 or result.followup_ids:
        return False
    return result.text() in ("", NOT_POSTED)


def publicly_answered(result: InteractionResult) -> bool:
    """Whether the answer stayed public: a public deferral refused after all is removed,
    its member told privately."""
    return any(not int(m.get("flags") or 0) & EPHEMERAL for m in result.messages)


def message_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for f in embed.get("fields") or []:
            parts += [str(f.get("name") or ""), str(f.get("value") or "")]
    return "\n".join(p for p in parts if p)


@contextlib.asynccontextmanager
async def running_harness(
    tmp_path: Path,
    migrated_template: Path,
    database_url: str | None = None,
    *,
    seed: Callable[[DiscordEmulator, World], None] | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """The emulator and the bot on a copy of the migrated database (or on ``database_url``,
    built by the migrations already), stopped afterwards; ``seed`` adds guilds, channels and
    roles before the bot connects (and sees them)."""
    database: Path | str
    if database_url is None:
        database = tmp_path / "bot.db"
        shutil.copy(migrated_template, database)
    else:
        database = database_url
    clock = ManualClock(discord.utils.utcnow())
    # Scripted members act faster than people; the rate limit has its own test.
    settings = make_settings(database, rate_limit={"actions": 10_000, "per_seconds": 1})
    if overrides:
        settings = parse_settings(deep_merge(settings.model_dump(mode="json"), overrides))
    local = LocalDiscord(settings, clock=clock)
    await local.start_emulator()
    world = seed_world(local.emu)
    if seed is not None:
        seed(local.emu, world)
    await local.start_bot(upgrade=False)
    try:
        yield Harness(local, world, clock)
    finally:
        await local.stop()


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.fixture
async def harness(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Harness]:
    async with running_harness(tmp_path, migrated_template) as running:
        yield running


@pytest.fixture
async def any_harness(
    tmp_path: Path, migrated_template: Path, database_url: str
) -> AsyncIterator[Harness]:
    """The harness on the ``backend`` of the test: SQLite, or PostgreSQL for tests marked
    ``both_backends``."""
    async with running_harness(tmp_path, migrated_template, database_url) as running:
        yield running
