"""Bridging rank: a hand-computed example and properties over random endorsements."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bridging import (
    Camp,
    Endorsement,
    EndorsementKind,
    camp_of,
    rank,
    score_argument,
)
from bot.domain.enums import Side, Stance

F, A, U = Stance.FOR, Stance.AGAINST, Stance.UNDECIDED
MARK, DELTA = EndorsementKind.MARK, EndorsementKind.MIND_CHANGE

#: The pre-vote that puts a member in each camp, for an argument of the ``for`` side.
STANCE_OF_CAMP = {Camp.OWN: F, Camp.OTHER: A, Camp.UNDECIDED: U}


def marks(camps: list[Camp], first_member: int = 1) -> list[Endorsement]:
    """One mark per entry, from distinct members standing in the given camps."""
    return [
        Endorsement(first_member + i, MARK, STANCE_OF_CAMP[camp]) for i, camp in enumerate(camps)
    ]


def score_of(endorsements: list[Endorsement], number: int = 1) -> int:
    return score_argument(number, Side.FOR, None, endorsements).score


def test_hand_computed_example() -> None:
    # Two own-camp marks, one mark and one mind change from an against voter, one non-voter:
    # (1 + 1*2) * (1 + 2*(1+2)) * (1 + 2*1) - 1 = 3 * 7 * 3 - 1 = 62.
    endorsements = [
        *marks([Camp.OWN, Camp.OWN]),
        Endorsement(10, MARK, A),
        Endorsement(10, DELTA, A),
        Endorsement(11, MARK, None),
    ]
    scored = score_argument(7, Side.FOR, 99, endorsements)
    assert scored.score == 62
    assert scored.endorsers == {Camp.OWN: 2, Camp.OTHER: 1, Camp.UNDECIDED: 1}
    assert scored.across == 2


def test_camps_are_seen_from_the_arguments_side() -> None:
    assert camp_of(Side.AGAINST, A) is Camp.OWN
    assert camp_of(Side.AGAINST, F) is Camp.OTHER
    assert camp_of(Side.FOR, None) is Camp.UNDECIDED
    assert camp_of(Side.FOR, U) is Camp.UNDECIDED


def test_the_authors_own_endorsement_never_counts() -> None:
    own = [Endorsement(5, MARK, F), Endorsement(5, DELTA, F)]
    assert score_argument(1, Side.FOR, 5, own).score == 0


def test_equal_scores_share_a_place() -> None:
    scores = [
        score_argument(1, Side.FOR, None, marks([Camp.OWN])),
        score_argument(2, Side.AGAINST, None, [Endorsement(3, MARK, A)]),
        score_argument(3, Side.FOR, None, marks([Camp.OTHER, Camp.OWN])),
        score_argument(4, Side.FOR, None, []),
    ]
    ranked = rank(scores)
    assert [(r.place, r.score.number) for r in ranked] == [(1, 3), (2, 1), (2, 2)]
    assert len(rank(scores, include_unendorsed=True)) == 4


camp_lists = st.lists(st.sampled_from(list(Camp)), min_size=2, max_size=40)


@given(camp_lists, st.sampled_from(list(Camp)))
def test_one_camp_alone_never_outranks_the_same_marks_spread(
    spread: list[Camp], lone_camp: Camp
) -> None:
    if len(set(spread)) < 2:
        spread = [*spread[:-1], next(c for c in Camp if c != spread[0])]
    piled = [lone_camp] * len(spread)
    spread_score = score_of(marks(spread))
    assert score_of(marks(piled)) < spread_score
    ranked = rank(
        [
            score_argument(1, Side.FOR, None, marks(piled)),
            score_argument(2, Side.FOR, None, marks(spread)),
        ]
    )
    assert ranked[0].score.number == 2 and ranked[0].place == 1 and ranked[1].place == 2


toggles = st.lists(
    st.tuples(st.integers(min_value=1, max_value=12), st.sampled_from([F, A, U])),
    max_size=80,
)


@given(toggles, st.randoms(use_true_random=False))
def test_re_toggling_cannot_game_the_rank(presses: list[tuple[int, Stance]], rng: object) -> None:
    """A member's presses toggle one mark: whatever the order and however often they press,
    the score is that of the marks left standing, and pressing twice more changes nothing."""
    stance_of = {member: stance for member, stance in presses}

    def standing(sequence: list[tuple[int, Stance]]) -> list[Endorsement]:
        on: set[int] = set()
        for member, _ in sequence:
            on ^= {member}
        return [Endorsement(m, MARK, stance_of[m]) for m in sorted(on)]

    final = standing(presses)
    shuffled = list(presses)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert score_of(standing(shuffled)) == score_of(final)
    if presses:
        again = [*presses, presses[0], presses[0]]
        assert score_of(standing(again)) == score_of(final)
    # Repeating the same standing marks in the input is no way to count twice either.
    assert score_of(final + final) == score_of(final)


@given(st.lists(st.sampled_from(list(Camp)), max_size=30), st.sampled_from(list(Camp)))
def test_an_endorsement_never_lowers_the_score(camps: list[Camp], added: Camp) -> None:
    before = marks(camps)
    after = [*before, *marks([added], first_member=1000)]
    assert score_of(after) > score_of(before)


def test_unendorsed_is_the_score_of_no_endorsements() -> None:
    from bot.domain.bridging import unendorsed

    for side in (Side.FOR, Side.AGAINST, Side.AUDIENCE):
        assert unendorsed(7, side) == score_argument(7, side, 1, [])
