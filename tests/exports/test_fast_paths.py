"""The shortcuts that keep exports fast give what the plain ways give."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import ManualClock
from bot.exports import csv_writer
from bot.exports.model import iso
from bot.services import export_source
from bot.services.export_source import iso_from_db
from bot.storage.models import Argument, Debate, MotionVote, Participant
from tests.exports.conftest import Scripted, export_bytes


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 12, 40, 0, 60000, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 6, 1, 0, 0, 0, 1, tzinfo=UTC),
    ],
)
def test_stored_text_reads_as_iso_does(moment: datetime) -> None:
    stored = moment.replace(tzinfo=None).isoformat(" ", "microseconds")  # what SQLite holds
    assert iso_from_db(stored) == iso(moment)
    seconds_only = moment.replace(microsecond=0)
    assert iso_from_db(seconds_only.replace(tzinfo=None).isoformat(" ")) == iso(seconds_only)
    assert iso_from_db(moment) == iso(moment)  # a driver's datetime (not SQLite)
    assert iso_from_db(moment.replace(tzinfo=None)) == iso(moment)  # naive means UTC
    paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert iso_from_db(paris) == iso(moment)
    assert iso_from_db(None) is None


async def test_exported_times_are_the_stored_times(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    doc = json.loads(await export_bytes(app, clock, scripted.debate_id, "json"))
    async with app.db.read() as session:
        arguments = (
            await session.scalars(
                select(Argument)
                .where(Argument.debate_id == scripted.debate_id)
                .order_by(Argument.number)
            )
        ).all()
        votes = (
            await session.scalars(
                select(MotionVote)
                .where(MotionVote.debate_id == scripted.debate_id)
                .order_by(MotionVote.id)
            )
        ).all()
        people = (
            await session.scalars(
                select(Participant)
                .where(Participant.debate_id == scripted.debate_id)
                .order_by(Participant.id)
            )
        ).all()
    assert [a["created_at"] for a in doc["arguments"]] == [iso(a.created_at) for a in arguments]
    assert [a["removed_at"] for a in doc["arguments"]] == [iso(a.removed_at) for a in arguments]
    assert any(a.removed_at for a in arguments)
    assert [v["cast_at"] for v in doc["motion_votes"]] == [iso(v.cast_at) for v in votes]
    assert [v["updated_at"] for v in doc["motion_votes"]] == [iso(v.updated_at) for v in votes]
    assert [p["joined_at"] for p in doc["participants"]] == [iso(p.joined_at) for p in people]


async def tree_order(app: App, debate_id: int) -> list[tuple[int, int]]:
    """``(number, depth)`` as the source streams arguments in tree order."""
    async with app.db.read() as session:
        debate = await session.get(Debate, debate_id)
        assert debate is not None
        source = export_source.DbExportSource(session, debate, True, None)
        await source.load(False)
        return [(a.number, a.depth) async for a in source.arguments("tree")]


@pytest.mark.parametrize("json_each", [True, False])
async def test_tree_order_with_and_without_json_each(
    app: App, scripted: Scripted, monkeypatch: pytest.MonkeyPatch, json_each: bool
) -> None:
    monkeypatch.setattr(export_source, "JSON_EACH", json_each)  # False: other backends' IN
    monkeypatch.setattr(export_source, "BATCH", 2)
    order = await tree_order(app, scripted.debate_id)
    assert order == [(1, 0), (7, 1), (2, 0), (3, 0), (4, 1), (5, 2), (6, 0), (8, 0), (9, 0)]


async def test_transcript_and_tree_in_small_batches(
    app: App, clock: ManualClock, scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows merged by time across batch boundaries give the same transcript."""
    whole = await export_bytes(app, clock, scripted.debate_id, "markdown")
    monkeypatch.setattr(export_source, "BATCH", 2)
    assert await export_bytes(app, clock, scripted.debate_id, "markdown") == whole


async def test_csv_chunks_handed_to_the_compressor_do_not_change_the_zip(
    app: App, clock: ManualClock, scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = await export_bytes(app, clock, scripted.debate_id, "csv")
    monkeypatch.setattr(csv_writer, "CHUNK", 7)
    assert await export_bytes(app, clock, scripted.debate_id, "csv") == whole
