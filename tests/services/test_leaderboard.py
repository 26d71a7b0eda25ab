"""The leaderboard from the database: persuasion points weighted across the divide, summed
over debates, ties sharing a place; the audience's part; server and series scopes."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.domain import errors
from bot.domain.enums import Side, Stance
from bot.services.leaderboard import Leaderboard, Scope
from tests.conftest import CHANNEL, GUILD, OTHER_GUILD, member, moderator
from tests.services.helpers import AGAINST_1, AGAINST_2, FOR_1, FOR_2, VOTERS
from tests.services.test_annotated_essay import debate_in_series

ELSEWHERE = CHANNEL + 2


def debaters(board: Leaderboard) -> list[tuple[int, bool, int, int]]:
    return [(p.place, p.tied, p.entry.member_id, p.entry.points) for p in board.debaters]


async def second_debate(app: App) -> None:
    """An open-floor debate outside the series: one own-camp mark for AGAINST_1."""
    s = app.services
    await s.debates.start(moderator(), channel_id=ELSEWHERE, motion_ref="2", format_name="open")
    await s.debates.join(member(AGAINST_1), ELSEWHERE, Side.AGAINST)
    await s.debates.join(member(VOTERS[0]), ELSEWHERE, Side.AUDIENCE)
    await s.arguments.propose(member(AGAINST_1), ELSEWHERE, "Kim needs Moscow more than ever.")
    await s.votes.vote(member(VOTERS[0]), ELSEWHERE, Stance.AGAINST)
    await s.votes.toggle_persuasive(member(VOTERS[0]), ELSEWHERE, 1)


async def test_server_scope_sums_debates_and_ties_share_a_place(
    app: App, clock: ManualClock
) -> None:
    await debate_in_series(app, clock)
    await second_debate(app)
    board = await app.services.leaderboard.board(GUILD, ELSEWHERE, Scope.SERVER)
    assert board.scope is Scope.SERVER and board.series_id is None
    assert (board.debates, board.open_debates) == (2, 1)
    # FOR_2: an own-camp mark 1, a mark 2 and a mind change 4 from across the divide = 7.
    # FOR_1: an undecided member's mark = 2. AGAINST_1: own-camp marks in both debates = 2.
    # AGAINST_2: a mark toggled off again = 0.
    assert debaters(board) == [
        (1, False, FOR_2, 7),
        (2, True, FOR_1, 2),
        (2, True, AGAINST_1, 2),
        (4, False, AGAINST_2, 0),
    ]
    top = board.debaters[0].entry
    assert (top.marks, top.mind_changes, top.across, top.arguments, top.debates) == (2, 1, 1, 1, 1)
    second = board.place_of(AGAINST_1)
    assert second is not None and second.entry.debates == 2 and second.entry.arguments == 2
    assert board.place_of(VOTERS[0]) is None
    totals = board.audience_totals
    assert (totals.members, totals.votes, totals.marks, totals.mind_changes) == (6, 13, 5, 1)
    audience = [(p.place, p.tied, p.entry.member_id, p.entry.acts) for p in board.audience]
    assert audience[:2] == [(1, False, VOTERS[0], 5), (2, False, VOTERS[2], 4)]
    assert {(place, tied) for place, tied, _, _ in audience[2:]} == {(3, True), (5, True)}
    assert board.audience[0].entry.debates == 2


async def test_series_scope_counts_only_the_series_debates(app: App, clock: ManualClock) -> None:
    series_id, _ = await debate_in_series(app, clock)
    await second_debate(app)
    named = await app.services.leaderboard.board(GUILD, ELSEWHERE, Scope.SERVER, series_id)
    assert named.scope is Scope.SERIES and named.series_id == series_id
    assert named.series_title and named.debates == 1
    assert debaters(named) == [
        (1, False, FOR_2, 7),
        (2, False, FOR_1, 2),
        (3, False, AGAINST_1, 1),
        (4, False, AGAINST_2, 0),
    ]
    assert named.audience_totals.votes == 12
    # Not named: this channel's series (the debate thread), else the guild's latest.
    for channel in (CHANNEL, ELSEWHERE):
        found = await app.services.leaderboard.board(GUILD, channel, Scope.SERIES)
        assert found.series_id == series_id and debaters(found) == debaters(named)


async def test_removed_arguments_earn_nothing(app: App, clock: ManualClock) -> None:
    await debate_in_series(app, clock)
    await app.services.moderation.remove_argument(moderator(), CHANNEL, 3, "off topic")
    board = await app.services.leaderboard.board(GUILD, CHANNEL)
    assert debaters(board)[0] == (1, False, FOR_1, 2)
    assert board.place_of(FOR_2) is None, "FOR_2's only argument was removed"


async def test_refusals_and_an_empty_board(app: App, clock: ManualClock) -> None:
    service = app.services.leaderboard
    with pytest.raises(errors.NoSeriesYet):
        await service.board(GUILD, CHANNEL, Scope.SERIES)
    empty = await service.board(GUILD, CHANNEL)
    assert (empty.debates, empty.debaters, empty.audience) == (0, (), ())
    series_id, _ = await debate_in_series(app, clock)
    with pytest.raises(errors.UnknownSeries):
        await service.board(OTHER_GUILD, CHANNEL, Scope.SERIES, series_id)
    other = await service.board(OTHER_GUILD, CHANNEL)
    assert other.debates == 0, "another server's debates never count"
