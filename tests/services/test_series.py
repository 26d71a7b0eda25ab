"""The series service on both backends: what is due, the guarded opening of an item, ending,
and completion."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.domain import errors
from bot.domain.series import Schedule
from tests.conftest import CHANNEL, GUILD, OTHER_GUILD, member, moderator

THREAD = 9_000_000_000_000_000_000


async def open_next(app: App, series_id: int, position: int, n: int) -> int:
    debate = await app.services.series.open_item(
        series_id, position, thread_id=THREAD + n, parent_channel_id=CHANNEL, card_message_id=None
    )
    return debate.id


async def test_sequence_opens_one_at_a_time(app: App) -> None:
    series = await app.services.series.start(
        moderator(), channel_id=CHANNEL, schedule=Schedule.SEQUENCE, propositions="3, 1"
    )
    assert [(i.position, i.number, i.state) for i in series.items] == [
        (1, 3, "pending"),
        (2, 1, "pending"),
    ]
    (due,) = await app.services.series.work()
    assert due.open_positions == (1,) and not due.complete
    assert await app.services.series.work(lambda guild: guild != GUILD) == []

    first = await open_next(app, series.id, 1, 1)
    (due,) = await app.services.series.work()
    assert due.open_positions == () and not due.complete
    assert [f[:3] for f in due.fingerprint] == [(1, first, "open"), (2, None, None)]
    with pytest.raises(errors.Refusal, match="has a debate open already"):
        await open_next(app, series.id, 2, 2)
    with pytest.raises(errors.Refusal, match="not due"):
        await open_next(app, series.id, 1, 3)
    assert await app.services.series.of_debate(first) == series.id

    await app.services.debates.end(moderator(), THREAD + 1)
    (due,) = await app.services.series.work()
    assert due.open_positions == (2,)
    await open_next(app, series.id, 2, 4)
    await app.services.debates.end(moderator(), THREAD + 4)
    (due,) = await app.services.series.work()
    assert due.complete and due.open_positions == ()
    done = await app.services.series.complete(series.id)
    assert done is not None and done.status == "closed"
    assert [i.results is not None for i in done.items] == [True, True]
    assert await app.services.series.complete(series.id) is None
    assert await app.services.series.work() == []  # nothing left to drive or show


async def test_parallel_and_end(app: App) -> None:
    series = await app.services.series.start(
        moderator(), channel_id=CHANNEL, schedule=Schedule.PARALLEL, propositions="all"
    )
    assert len(series.items) == 12
    (due,) = await app.services.series.work()
    assert due.open_positions == tuple(range(1, 13))
    await open_next(app, series.id, 1, 1)
    await open_next(app, series.id, 2, 2)
    with pytest.raises(errors.NotModerator):
        await app.services.series.end(member(5), CHANNEL)
    # The series is found from one of its threads too.
    ended, still_open = await app.services.series.end(moderator(), THREAD + 2)
    assert ended.id == series.id and ended.status == "closed" and len(still_open) == 2
    with pytest.raises(errors.SeriesClosed):
        await app.services.series.end(moderator(), CHANNEL)
    with pytest.raises(errors.Refusal, match="not due"):
        await open_next(app, series.id, 3, 3)
    # Debates left open by an ended series are the driver's to close.
    (due,) = await app.services.series.work()
    assert len(due.stray_debates) == 2 and due.open_positions == ()


async def test_series_are_scoped_by_guild_and_checked(app: App) -> None:
    with pytest.raises(errors.BadPropositions, match="valid numbers are 1, 2"):
        await app.services.series.plan(moderator(), None, "0", None)
    with pytest.raises(errors.UnknownEssay):
        await app.services.series.plan(moderator(), "elsewhere", "all", None)
    series = await app.services.series.start(
        moderator(), channel_id=CHANNEL, schedule=Schedule.SEQUENCE, propositions="1"
    )
    with pytest.raises(errors.UnknownSeries):
        await app.services.series.get(OTHER_GUILD, series.id)
    with pytest.raises(errors.NoSeriesHere):
        await app.services.series.for_channel(OTHER_GUILD, CHANNEL)
