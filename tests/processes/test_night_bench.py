"""bench/night.py at a hundredth of its crowd: every interaction of the night is answered,
none fails, and the database holds exactly what the members were told, on SQLite in one
process and on PostgreSQL with two shard processes. Its timings are figures, not checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres.fixtures import pg_cluster, pg_database, pg_template

__all__ = ["pg_cluster", "pg_database", "pg_template"]

ROOT = Path(__file__).resolve().parents[2]
#: The emulator takes a first response up to a minute late: on a busy machine a path that
#: does not defer may miss Discord's three seconds, which is the bench's figure to report,
#: not this test's to fail on; what it checks is that every interaction is answered.
LENIENT = ["--ack-deadline", "60"]
#: What the night sends at any scale, each by one of its ways (command or button, drawn at
#: random: among so few members one way may not come up). Marks and rebuttals are left out:
#: on a busy machine the few planned may all fall after their phase, and are then not sent.
COMMANDS = [
    ("debate start",),
    ("debate next",),
    ("debate export",),
    ("debate status",),
    ("debate join", "join button"),
    ("propose",),
    ("vote", "stance"),
]


def night(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "bench/night.py", "--scale", "0.01", "--wall", "10", *LENIENT, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def check(report: str) -> None:
    rows = {
        cells[0]: cells[1:]
        for line in report.splitlines()
        if line.startswith("| ") and not line.startswith("| command")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for ways in COMMANDS:
        assert any(int(rows.get(way, ["0"])[0]) for way in ways), f"no {ways}:\n{report}"
    errors, unanswered = rows["all"][7], rows["all"][8]
    assert (errors, unanswered) == ("0", "0"), report
    assert int(rows["debate start"][0]) == 12
    assert int(rows["debate next"][0]) == 12 * 5
    stored = re.search(r"Stored exactly \((\d+) arguments\): yes", report)
    assert stored is not None and int(stored.group(1)) > 0, report


def test_the_night_on_sqlite_in_one_process() -> None:
    check(night())


@pytest.mark.usefixtures("pg_cluster")
def test_the_night_on_postgresql_with_two_shards(pg_database: str) -> None:
    report = night("--skip-sqlite", "--postgres", pg_database)
    assert "PostgreSQL, 2 shard processes" in report
    check(report)
