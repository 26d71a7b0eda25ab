"""``debate-bot demo`` runs offline and ends with the results of the scripted debate."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from bot.cli.main import main


def test_demo_prints_the_thread_and_the_results(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "the debate's thread" in out
    assert "#6 · For · Rebuttal · rebuts #4" in out
    tail = out[out.rindex("Results of debate") :]
    assert "For 33% (2) · Against 50% (3) · Undecided 17% (1)" in tail
    assert "For 67% (4) · Against 33% (2) · Undecided 0% (0)" in tail
    assert "**For** wins" in tail


def test_demo_keeps_its_database_and_prints_the_export_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = tmp_path / "demo.db"
    assert main(["demo", "--keep", str(kept)]) == 0
    out = capsys.readouterr().out
    command = out.strip().splitlines()[-1].strip()
    assert command.startswith("debate-bot export --database ") and kept.is_file()
    assert main(shlex.split(command)[1:]) == 0
    assert (tmp_path / "debate-1.html").read_text(encoding="utf-8").lower().count("<html") == 1
    data = tmp_path / "debate.json"
    args = ["export", "--database", str(kept), "--debate", "1", "--format", "json"]
    assert main([*args, "--out", str(data)]) == 0
    document = json.loads(data.read_text(encoding="utf-8"))
    assert document["debate"]["guild_name"] == "Essay Club"
    assert {"Moana", "Ada", "Cleo"} <= {p["display_name"] for p in document["people"]}


def test_demo_will_not_overwrite_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "taken.db"
    kept.write_text("mine")
    assert main(["demo", "--keep", str(kept)]) == 2
    assert "the file exists" in capsys.readouterr().err
    assert kept.read_text() == "mine"
