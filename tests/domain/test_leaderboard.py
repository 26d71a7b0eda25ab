"""Leaderboard points and places: bridging-weighted, additive, ties shown as ties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bridging import BridgingScore, Endorsement, EndorsementKind, score_argument
from bot.domain.enums import Side, Stance
from bot.domain.leaderboard import (
    AudienceTally,
    DebaterTally,
    Earned,
    argument_points,
    audience_standings,
    debater_tallies,
    places,
    standings,
)

MARK, MIND = EndorsementKind.MARK, EndorsementKind.MIND_CHANGE


def scored(
    *endorsements: tuple[int, EndorsementKind, Stance | None], author: int = 1
) -> BridgingScore:
    return score_argument(
        1, Side.FOR, author, [Endorsement(m, kind, stance) for m, kind, stance in endorsements]
    )


def test_points_weigh_marks_and_mind_changes_across_the_divide() -> None:
    assert argument_points(scored((2, MARK, Stance.FOR))) == 1
    assert argument_points(scored((2, MARK, Stance.AGAINST))) == 2
    assert argument_points(scored((2, MARK, None))) == 2
    assert argument_points(scored((2, MIND, Stance.FOR))) == 2
    assert argument_points(scored((2, MIND, Stance.UNDECIDED))) == 4
    assert argument_points(scored((1, MARK, Stance.AGAINST))) == 0, "the author's own"
    assert argument_points(scored((2, MARK, Stance.AGAINST), (2, MARK, Stance.AGAINST))) == 2


def test_tallies_add_up_over_arguments_and_debates() -> None:
    earned = [
        Earned(1, 10, 1, 0, scored((2, MARK, Stance.AGAINST), author=10)),
        Earned(2, 10, 1, 1, scored((3, MARK, Stance.FOR), (3, MIND, Stance.FOR), author=10)),
        Earned(2, 20, 0, 0, scored(author=20)),
    ]
    assert debater_tallies(earned) == [
        DebaterTally(10, points=5, marks=2, mind_changes=1, across=1, arguments=2, debates=2),
        DebaterTally(20, points=0, marks=0, mind_changes=0, across=0, arguments=1, debates=1),
    ]


def test_ties_share_a_place_and_the_next_place_skips() -> None:
    tallies = [DebaterTally(m, p, 0, 0, 0, 1, 1) for m, p in ((5, 3), (4, 7), (3, 3), (2, 1))]
    assert [(p.place, p.tied, p.entry.member_id) for p in standings(tallies)] == [
        (1, False, 4),
        (2, True, 3),
        (2, True, 5),
        (4, False, 2),
    ]


def test_audience_members_who_did_nothing_are_left_out() -> None:
    tallies = [
        AudienceTally(1, 2, 1, 0, 1),
        AudienceTally(2, 0, 0, 0, 0),
        AudienceTally(3, 3, 0, 0, 1),
    ]
    assert [(p.place, p.tied, p.entry.member_id) for p in audience_standings(tallies)] == [
        (1, True, 1),
        (1, True, 3),
    ]


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 20)), unique_by=lambda t: t[0]))
def test_a_place_is_one_more_than_the_entries_strictly_ahead(
    entries: list[tuple[int, int]],
) -> None:
    placed = places(entries, lambda e: e[1], lambda e: e[0])
    assert sorted(p.entry for p in placed) == sorted(entries)
    for p in placed:
        ahead = sum(1 for e in entries if e[1] > p.entry[1])
        same = sum(1 for e in entries if e[1] == p.entry[1])
        assert p.place == ahead + 1 and p.tied == (same > 1)
    assert [p.place for p in placed] == sorted(p.place for p in placed)
