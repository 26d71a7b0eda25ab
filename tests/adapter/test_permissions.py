"""A channel where the bot lacks a permission: the moderator is told which one, ephemerally."""

from __future__ import annotations

import pytest

from bot.emulator.state import CREATE_PUBLIC_THREADS, SEND_MESSAGES
from tests.adapter.conftest import Harness


async def _start_refused(harness: Harness, *words: str) -> None:
    w = harness.world
    before = await harness.snapshot()
    result = await harness.slash(w.moderator, "debate start", {"motion": "1"})
    assert result.ephemeral, result.text()
    for word in words:
        assert word in result.text(), result.text()
    assert await harness.snapshot() == before
    assert harness.public(w.channel) == []
    assert harness.emu.threads(w.channel) == []


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        (CREATE_PUBLIC_THREADS, ["the Create Public Threads permission"]),
        (CREATE_PUBLIC_THREADS | SEND_MESSAGES, ["Send Messages and Create Public Threads"]),
    ],
)
async def test_start_names_the_missing_permission(
    harness: Harness, denied: int, named: list[str]
) -> None:
    harness.emu.deny_bot_permissions(harness.world.guild, denied)
    await _start_refused(harness, *named, "Ask a server admin")


async def test_a_refusal_discord_makes_names_the_permissions_needed(harness: Harness) -> None:
    """The interaction said the bot may open threads, but Discord refuses (403) anyway."""
    w = harness.world
    emu = harness.emu
    payload = emu.build_slash_payload(
        w.guild, w.channel, w.moderator, "debate start", {"motion": "1"}
    )
    emu.deny_bot_permissions(w.guild, CREATE_PUBLIC_THREADS)
    before = await harness.snapshot()
    result = await emu.run_interaction(payload)
    assert result.ephemeral
    assert "Create Public Threads" in result.text() and "permission" in result.text()
    assert await harness.snapshot() == before
    assert harness.public(w.channel) == []  # the half-made card was taken back
