"""The command line: check-config, db, motions list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import ConfigError, load_settings
from bot.storage import migrate

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid_and_documents_every_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-config", "--config", str(ROOT / "config.example.yaml")]) == 0
    assert "OK" in capsys.readouterr().out
    text = (ROOT / "config.example.yaml").read_text()
    settings = load_settings(ROOT / "config.example.yaml")
    for section, model in settings:
        assert f"{section}:" in text
        if isinstance(model, dict):  # formats: per format and phase, shown by example
            assert "minutes:" in text
            continue
        for key in type(model).model_fields:
            assert f"{key}:" in text, f"config.example.yaml does not document {section}.{key}"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("debates:\n  max_argument_length: lots\n", "debates.max_argument_length"),
        ("debates:\n  colour: red\n", "debates.colour"),
        ("debates:\n  results: sometimes\n", "debates.results"),
        ("discord:\n  token: abc\n", "token"),
        ("debates: [\n", "line"),
        ("metrics:\n  listen: 9108\n", "metrics.listen"),
        ("metrics:\n  listen: 127.0.0.1:70000\n", "metrics.listen"),
    ],
)
def test_broken_config_names_the_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, named: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(body)
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert named in err and str(path) in err


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "absent.yaml")


def test_db_upgrade_and_motions_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'x.db'}\n")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert migrate.head_revision() in capsys.readouterr().out
    assert main(["motions", "list", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 12 and "Alignment with Russia" in lines[-1]
    assert main(["db", "current", "--config", str(config)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["db", "downgrade", "--config", str(config)]) == 0


def test_settings_of_a_server_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path / 'bot.db'}\n")
    base = ["--config", str(config)]
    assert main(["settings", "set", *base, "--guild", "7", "debates.results", "live"]) == 0
    assert "debates.results = live (server)" in capsys.readouterr().out
    assert main(["settings", "set", *base, "--guild", "7", "debates.max_argument_length", "9"]) == 2
    assert "must be between 20 and 3900" in capsys.readouterr().err
    assert main(["settings", "set", *base, "--guild", "7", "database.url", "sqlite://"]) == 2
    assert "set only by the bot's operator" in capsys.readouterr().err
    assert main(["settings", "show", *base, "--guild", "7"]) == 0
    shown = capsys.readouterr().out
    assert "debates.results" in shown and "live  [server]" in shown
    assert "debates.max_argument_length          1500  [default]" in shown
    assert main(["settings", "show", *base, "--guild", "8"]) == 0
    assert "after_close  [default]" in capsys.readouterr().out
    assert main(["settings", "reset", *base, "--guild", "7", "debates.results"]) == 0
    assert "debates.results = after_close (default)" in capsys.readouterr().out
