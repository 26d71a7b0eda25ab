"""The central clash and the points never answered, where an answer was possible."""

from __future__ import annotations

from bot.domain.enums import ArgumentKind, Side
from bot.domain.exchanges import (
    Exchange,
    answerable,
    answers_to,
    central_clash,
    never_answered,
)
from bot.domain.formats import get_format

OXFORD, OPEN = get_format("oxford"), get_format("open")
K = ArgumentKind


def ex(number: int, side: Side, kind: K, phase: str, parent: int | None = None) -> Exchange:
    return Exchange(number, side, kind, phase, parent)


DEBATE = [
    ex(1, Side.FOR, K.OPENING, "opening"),
    ex(2, Side.AGAINST, K.OPENING, "opening"),
    ex(3, Side.AGAINST, K.REBUTTAL, "floor", 1),
    ex(4, Side.FOR, K.REBUTTAL, "floor", 3),
    ex(5, Side.AGAINST, K.REBUTTAL, "floor", 1),
    ex(6, Side.FOR, K.CLAIM, "floor"),
    ex(7, Side.FOR, K.CLOSING, "closing"),
    ex(8, Side.AGAINST, K.CLOSING, "closing"),
]


def test_answerable_follows_the_phases_that_allow_rebuttals() -> None:
    assert answerable(OXFORD, "opening", K.OPENING)
    assert answerable(OXFORD, "floor", K.CLAIM) and answerable(OXFORD, "floor", K.REBUTTAL)
    assert not answerable(OXFORD, "closing", K.CLOSING)
    assert not answerable(OXFORD, "post_vote", K.CLAIM), "no rebuttal phase comes after"
    assert not answerable(OXFORD, "no_such_phase", K.CLAIM)
    assert answerable(OPEN, "open", K.CLAIM)
    assert not answerable(OPEN, "open", K.CLOSING)


def test_never_answered_leaves_out_closings_and_answered_points() -> None:
    assert never_answered(OXFORD, DEBATE) == [2, 4, 5, 6]
    # ranked first by the order given, the rest by number
    assert never_answered(OXFORD, DEBATE, {6: 0, 5: 1}) == [6, 5, 2, 4]


def test_a_rebuttal_of_a_removed_argument_answers_nothing_visible() -> None:
    visible = [a for a in DEBATE if a.number != 1]
    assert answers_to(visible)[1] == [3, 5]
    assert central_clash(visible) == 3
    assert 1 not in never_answered(OXFORD, visible)


def test_central_clash_is_the_most_rebutted() -> None:
    assert central_clash(DEBATE) == 1
    assert answers_to(DEBATE) == {1: [3, 5], 3: [4]}
    assert central_clash(DEBATE[:4]) == 1, "tie of one rebuttal each: earlier number"
    assert central_clash(DEBATE[:4], {3: 5}) == 3, "tie: the better bridging score"
    assert central_clash(DEBATE[:2]) is None
