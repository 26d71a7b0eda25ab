"""The reply-tree spool gives back each argument's text in tree order, whatever its size."""

from __future__ import annotations

from bot.exports.spool import TreeSpool


def test_texts_come_back_in_tree_order_with_depths() -> None:
    with TreeSpool() as spool:
        for number, parent in ((1, None), (2, None), (3, 1), (4, 3), (5, 1), (6, 99)):
            spool.add(number, parent, f"<{number} é 🙂>")
        walked = [(depth, data.decode()) for depth, data in spool.walk()]
    assert walked == [
        (0, "<1 é 🙂>"),
        (1, "<3 é 🙂>"),
        (2, "<4 é 🙂>"),
        (1, "<5 é 🙂>"),
        (0, "<2 é 🙂>"),
        (0, "<6 é 🙂>"),  # a parent it has not seen: a root
    ]


def test_a_long_chain_and_gaps_in_numbers() -> None:
    with TreeSpool() as spool:
        spool.add(1, None, "root")
        for number in range(2, 5001):
            spool.add(number, number - 1, "x" * (number % 7))
        spool.add(9000, None, "after a gap")
        walked = [(depth, data.decode()) for depth, data in spool.walk()]
    assert len(walked) == 5001
    assert walked[0] == (0, "root") and walked[-1] == (0, "after a gap")
    assert walked[4999] == (4999, "x" * (5000 % 7))


def test_nothing_added() -> None:
    with TreeSpool() as spool:
        assert list(spool.walk()) == []
