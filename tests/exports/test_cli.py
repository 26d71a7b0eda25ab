"""``debate-bot export`` through :func:`bot.cli.main.main`."""

from __future__ import annotations

import asyncio
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
import yaml

from bot.app import App
from bot.cli.main import main
from bot.clock import ManualClock
from bot.exports.cli import ProgressLine
from tests.conftest import sqlite_url
from tests.exports.conftest import REMOVED_NUMBER, Scripted, db_counts, export_bytes, exporter


@pytest.fixture
def config(tmp_path: Path, db_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": {"url": sqlite_url(db_path)}}))
    return path


async def run(*argv: str) -> int:
    """``main`` runs its own event loop, so it runs in a thread beside the test's."""
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.parametrize("fmt", ["markdown", "html", "json", "csv", "argdown"])
async def test_export_writes_the_file(
    app: App, clock: ManualClock, scripted: Scripted, config: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"debate.{fmt}"
    args = ["--config", str(config), "--debate", str(scripted.debate_id), "--format", fmt]
    assert await run("export", *args, "--out", str(out)) == 0
    assert out.read_bytes() == await export_bytes(app, clock, scripted.debate_id, fmt)
    assert [name for name in os.listdir(tmp_path) if name.startswith(".debate")] == []
    if fmt == "csv":
        assert zipfile.ZipFile(out).testzip() is None


async def test_include_removed_from_the_command_line(
    scripted: Scripted, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "full.json"
    args = ["--config", str(config), "--debate", str(scripted.debate_id), "--format", "json"]
    assert await run("export", *args, "--out", str(out), "--include-removed") == 0
    removed = next(
        a for a in json.loads(out.read_text())["arguments"] if a["number"] == REMOVED_NUMBER
    )
    assert removed["body"] == "You are all idiots."


async def test_argdown_map_lists_removed_arguments_only_on_request(
    scripted: Scripted, config: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config), "--debate", str(scripted.debate_id), "--format", "argdown"]
    assert await run("export", *args) == 0
    plain = capfd.readouterr().out
    assert await run("export", *args, "--include-removed") == 0
    full = capfd.readouterr().out
    assert "<Argument 5>: " in plain and f"<Argument {REMOVED_NUMBER}>" not in plain
    removed = f"<Argument {REMOVED_NUMBER}>"
    node = next(line for line in full.splitlines() if line.startswith(removed))
    assert "You are all idiots." in node and node.endswith("#for #claim #removed")


async def test_export_to_standard_output(
    scripted: Scripted, config: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config), "--debate", str(scripted.debate_id), "--format", "markdown"]
    assert await run("export", *args) == 0
    assert capfd.readouterr().out.startswith(f"# Debate {scripted.debate_id}: ")


async def test_unknown_debate_is_exit_2_with_a_message(
    scripted: Scripted, config: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing.json"
    args = ["--config", str(config), "--debate", "999", "--format", "json", "--out", str(out)]
    assert await run("export", *args) == 2
    assert "no debate 999" in capfd.readouterr().err
    assert not out.exists()
    assert [name for name in os.listdir(tmp_path) if name.startswith(".missing")] == []


async def test_progress_reaches_every_total(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    seen: dict[str, tuple[int, int]] = {}

    def record(section: str, done: int, total: int) -> None:
        seen[section] = (done, total)

    stats = await exporter(app, clock).write(
        None, scripted.debate_id, "html", io.BytesIO(), progress=record
    )
    expected = await db_counts(app, scripted.debate_id)
    assert seen == {name: (n, n) for name, n in expected.items()}
    assert stats.arguments == expected["arguments"]
    terminal = io.StringIO()
    line = ProgressLine(terminal, every=0)
    line("motion_votes", 5, 10)
    line.finish()
    assert "exporting motion votes 5/10" in terminal.getvalue()
