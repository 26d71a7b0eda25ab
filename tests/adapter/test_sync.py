"""Command sync happens at start-up only when the payload changed; `debate-bot sync` forces
it. A missing token is a clear message and exit status 2."""

from __future__ import annotations

import pytest

from bot.adapter.sync import sync_commands
from bot.cli.main import main
from tests.adapter.conftest import Harness


def syncs(harness: Harness) -> int:
    return len(harness.emu.command_syncs)


async def test_sync_only_when_the_payload_changed(harness: Harness) -> None:
    assert syncs(harness) == 1
    assert {c["name"] for c in harness.emu.commands()} >= {"debate", "propose", "mod"}
    await harness.local.stop_bot()
    await harness.local.start_bot(upgrade=False)
    assert syncs(harness) == 1, "an unchanged payload is not synced again"
    bot = harness.local.bot
    assert bot is not None
    assert await sync_commands(bot) == []
    assert await sync_commands(bot, force=True) == ["global"]
    assert syncs(harness) == 2


def test_run_without_a_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err
    assert main(["sync"]) == 2
