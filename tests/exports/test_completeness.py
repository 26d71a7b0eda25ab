"""Every format holds every row of the database, the same bytes every time, removals as such."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest

from bot.app import App
from bot.clock import ManualClock
from tests.exports.conftest import (
    REMOVAL_REASON,
    REMOVED_NUMBER,
    Scripted,
    db_counts,
    export_bytes,
    exporter,
)
from tests.exports.readers import csv_zip, html_tree, parse_markdown, table_rows

FORMATS = ("markdown", "html", "json", "csv")
REMOVED_TEXT = "You are all idiots."


def markdown_counts(text: str) -> dict[str, int]:
    doc = parse_markdown(text)
    sections = doc.sections()
    numbers = [h for level in (3, 4, 5, 6) for h in doc.headings(level) if h.startswith("#")]
    return {
        "participants": len(table_rows(sections["Participants"])),
        "arguments": len(numbers),
        "motion_votes": len(table_rows(sections["Motion votes"])),
        "persuasive_marks": len(table_rows(sections["Persuasive marks"])),
        "mind_changes": sum(line.startswith("**Mind change:**") for line in doc.lines),
        "audit_events": len(table_rows(sections["Audit log"])),
    }


def html_counts(text: str) -> dict[str, int]:
    def count(pattern: str) -> int:
        return len(re.findall(pattern, text))

    return {
        "participants": count(r'<tr class="participant">'),
        "arguments": count(r'<details class="arg '),
        "motion_votes": count(r'<tr class="vote">'),
        "persuasive_marks": count(r'<tr class="mark">'),
        "mind_changes": count(r'<div class="delta">'),
        "audit_events": count(r'<tr class="audit">'),
    }


def json_counts(data: bytes) -> dict[str, int]:
    doc = json.loads(data)
    names = ("participants", "arguments", "motion_votes", "persuasive_marks", "mind_changes")
    counts = {name: len(doc[name]) for name in (*names, "audit_events")}
    assert doc["counts"] == counts
    return counts


def csv_counts(data: bytes) -> dict[str, int]:
    files = csv_zip(data)
    types = Counter(row["type"] for row in files["votes.csv"])
    return {
        "participants": len(files["participants.csv"]),
        "arguments": len(files["arguments.csv"]),
        "motion_votes": types["motion_vote"],
        "persuasive_marks": types["persuasive"],
        "mind_changes": types["mind_change"],
        "audit_events": len(files["audit_events.csv"]),
    }


READERS = {
    "markdown": lambda data: markdown_counts(data.decode()),
    "html": lambda data: html_counts(data.decode()),
    "json": json_counts,
    "csv": csv_counts,
}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_row_of_the_database_is_exported(
    app: App, clock: ManualClock, scripted: Scripted, fmt: str
) -> None:
    expected = await db_counts(app, scripted.debate_id)
    assert all(expected.values()), "the script leaves a record of every kind"
    data = await export_bytes(app, clock, scripted.debate_id, fmt)
    assert READERS[fmt](data) == expected


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_same_debate_gives_the_same_bytes(
    app: App, clock: ManualClock, scripted: Scripted, fmt: str
) -> None:
    first = await export_bytes(app, clock, scripted.debate_id, fmt)
    clock.advance(days=3)
    assert await export_bytes(app, clock, scripted.debate_id, fmt) == first


async def test_stats_count_what_was_written(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    out = io.BytesIO()
    stats = await exporter(app, clock).write(None, scripted.debate_id, "html", out)
    expected = await db_counts(app, scripted.debate_id)
    assert stats.arguments == expected["arguments"]
    assert stats.motion_votes == expected["motion_votes"]
    assert stats.audit_events == expected["audit_events"]
    assert stats.bytes_written == len(out.getvalue())


@pytest.mark.parametrize("fmt", FORMATS)
async def test_removed_argument_shows_as_removed_without_text(
    app: App, clock: ManualClock, scripted: Scripted, fmt: str
) -> None:
    hidden = await export_bytes(app, clock, scripted.debate_id, fmt)
    shown = await export_bytes(app, clock, scripted.debate_id, fmt, include_removed=True)
    if fmt == "csv":
        rows = {r["number"]: r for r in csv_zip(hidden)["arguments.csv"]}
        assert rows[str(REMOVED_NUMBER)]["status"] == "removed"
        assert rows[str(REMOVED_NUMBER)]["removed_reason"] == REMOVAL_REASON
        assert rows[str(REMOVED_NUMBER)]["body"] == ""
        shown_rows = {r["number"]: r for r in csv_zip(shown)["arguments.csv"]}
        assert shown_rows[str(REMOVED_NUMBER)]["body"] == REMOVED_TEXT
        return
    assert REMOVED_TEXT.encode() not in hidden
    assert REMOVED_TEXT.encode() in shown
    assert b"Personal attack on another member" in hidden


async def test_markdown_and_html_keep_the_reply_tree(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    html = (await export_bytes(app, clock, scripted.debate_id, "html")).decode()
    tree = html_tree(html)
    assert tree.parent_of["arg-4"] == "arg-3"
    assert tree.parent_of["arg-5"] == "arg-4"
    assert tree.parent_of["arg-7"] == "arg-1"
    assert tree.parent_of["arg-3"] is None
    assert not tree.stack, "every <details> is closed"
    text = await export_bytes(app, clock, scripted.debate_id, "markdown")
    markdown = parse_markdown(text.decode())
    order = [line.split()[1] for line in markdown.lines if re.match(r"#{3,6} #\d", line)]
    assert order == ["#1", "#7", "#2", "#3", "#4", "#5", "#6", "#8", "#9"]
    assert any(line.startswith("##### #5") and "↳ rebuts #4" in line for line in markdown.lines)
