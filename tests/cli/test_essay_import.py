"""``debate-bot essay import``: a checked file loads into one guild or every guild, a second
import updates it, and a bad file is refused with its line numbers and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.cli.main import main
from bot.config import load_settings
from tests.domain.test_essays import GOOD

GUILD = 1_000_000_000_000_000_001


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'x.db'}\n")
    return config


async def _essays(config: Path, guild: int | None) -> list[tuple[str, int | None, int]]:
    app = await App.create(load_settings(config))
    try:
        return [
            (e.key, e.guild_id, e.propositions) for e in await app.services.essays.available(guild)
        ]
    finally:
        await app.close()


def test_import_into_a_guild_then_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    config, essay = _config(tmp_path), tmp_path / "bridges.yaml"
    essay.write_text(GOOD)
    args = ["essay", "import", str(essay), "--config", str(config), "--guild", str(GUILD)]
    assert main(args) == 0
    assert "imported essay" in capsys.readouterr().out
    assert asyncio.run(_essays(config, GUILD)) == [
        ("builtin", None, 12),
        ("a-short-essay-on-bridges", GUILD, 2),
    ]
    assert asyncio.run(_essays(config, 999)) == [("builtin", None, 12)]

    essay.write_text(GOOD.split("  - number: 5")[0])  # the second proposition is dropped
    assert main(args) == 0
    assert "updated essay" in capsys.readouterr().out
    assert asyncio.run(_essays(config, GUILD))[1] == ("a-short-essay-on-bridges", GUILD, 1)

    assert main(["essay", "list", "--config", str(config), "--guild", str(GUILD)]) == 0
    listed = capsys.readouterr().out
    assert "Every river town should build a second bridge." in listed and "Toll" not in listed


def test_global_import_and_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    config, essay = _config(tmp_path), tmp_path / "bridges.yaml"
    essay.write_text(GOOD.replace("author: A. Writer", "autor: A. Writer"))
    assert main(["essay", "import", str(essay), "--config", str(config)]) == 2
    assert f"{essay}:2: autor" in capsys.readouterr().err
    assert main(["essay", "import", str(tmp_path / "absent.yaml"), "--config", str(config)]) == 2
    essay.write_text(GOOD)
    assert main(["essay", "import", str(essay), "--config", str(config)]) == 0
    assert asyncio.run(_essays(config, 999))[1] == ("a-short-essay-on-bridges", None, 2)


def test_series_export_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.domain.series import Schedule
    from bot.services.views import Actor

    config = _config(tmp_path)

    async def start() -> int:
        app = await App.create(load_settings(config))
        try:
            series = await app.services.series.start(
                Actor(GUILD, 7, is_moderator=True),
                channel_id=5,
                schedule=Schedule.PARALLEL,
                propositions="12,2",
            )
            return series.id
        finally:
            await app.close()

    series_id = asyncio.run(start())
    out = tmp_path / "essay.md"
    args = ["series", "export", "--config", str(config), "--series", str(series_id)]
    assert main([*args, "--format", "markdown", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.index("proposition 2") < text.index("proposition 12")
    assert "What the room concluded" in text
    assert main([*args, "--format", "json"]) == 0
    assert '"kind": "annotated_essay"' in capsys.readouterr().out
    assert (
        main(["series", "export", "--config", str(config), "--series", "99", "--format", "json"])
        == 2
    )
    assert "Series 99 does not exist" in capsys.readouterr().err
