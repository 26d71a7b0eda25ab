"""``debate-bot demo`` runs offline and ends with the results of the scripted debate."""

from __future__ import annotations

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
