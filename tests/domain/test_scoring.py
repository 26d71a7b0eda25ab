"""Scoring: the hand-computed Oxford example and properties over random votes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.enums import Side, Stance
from bot.domain.scoring import (
    STANCES,
    ArgumentScore,
    outcome,
    persuasive_ranking,
    tally,
    unanswered,
)

F, A, U = Stance.FOR, Stance.AGAINST, Stance.UNDECIDED


def test_hand_computed_oxford_example() -> None:
    pre = {1: F, 2: F, 3: A, 4: A, 5: A, 6: U}
    post = {1: F, 2: F, 3: F, 4: F, 5: A, 6: A}
    result = outcome(pre, post)
    assert result.pre is not None
    assert round(result.pre.percent(F)) == 33
    assert round(result.post.percent(F)) == 67
    assert round(result.swing[F]) == 33
    assert round(result.swing[A]) == -17
    assert result.winner is F and not result.is_tie
    assert result.transitions[F][F] == 2
    assert result.transitions[A][F] == 2
    assert result.transitions[A][A] == 1
    assert result.transitions[U][A] == 1
    assert result.voters_in_both == 6


def test_equal_swings_are_a_tie() -> None:
    result = outcome({1: U, 2: U}, {1: F, 2: A})
    assert result.winner is None and result.is_tie


def test_single_stage_uses_plurality() -> None:
    assert outcome(None, {1: F, 2: A, 3: A}).winner is A
    assert outcome(None, {}).is_tie


def test_empty_tally_has_zero_percentages() -> None:
    assert tally([]).percentages == {F: 0.0, A: 0.0, U: 0.0}


votes = st.dictionaries(st.integers(1, 60), st.sampled_from(STANCES), max_size=60)


@given(votes)
def test_percentages_add_up(stage: dict[int, Stance]) -> None:
    result = tally(stage.values())
    total = sum(result.percentages.values())
    assert total == pytest.approx(100.0) if stage else total == 0


@given(votes, votes)
def test_swing_and_winner_agree_with_tallies(
    pre: dict[int, Stance], post: dict[int, Stance]
) -> None:
    result = outcome(pre, post)
    assert result.pre is not None
    for stance in STANCES:
        expected = result.post.percent(stance) - result.pre.percent(stance)
        assert result.swing[stance] == pytest.approx(expected)
    if result.winner is None:
        assert result.swing[F] == pytest.approx(result.swing[A])
    else:
        loser = A if result.winner is F else F
        assert result.swing[result.winner] > result.swing[loser]


@given(votes, votes)
def test_transition_matrix_counts_members_who_voted_twice(
    pre: dict[int, Stance], post: dict[int, Stance]
) -> None:
    result = outcome(pre, post)
    assert result.voters_in_both == len(pre.keys() & post.keys())
    for before in STANCES:
        moved_from = sum(1 for m, s in pre.items() if s is before and m in post)
        assert sum(result.transitions[before].values()) == moved_from


def test_persuasive_ranking_prefers_mind_changes() -> None:
    ranked = persuasive_ranking(
        [
            ArgumentScore(1, Side.FOR, persuasive=5, mind_changes=0),
            ArgumentScore(2, Side.AGAINST, persuasive=1, mind_changes=1),
            ArgumentScore(3, Side.FOR, persuasive=0, mind_changes=0),
            ArgumentScore(4, Side.AGAINST, persuasive=5, mind_changes=0),
        ]
    )
    assert [s.number for s in ranked] == [2, 1, 4]


def test_unanswered_ignores_rebutted_arguments() -> None:
    assert unanswered([(1, Side.FOR), (2, Side.AGAINST), (3, Side.FOR)], [1]) == [2, 3]
