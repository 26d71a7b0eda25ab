"""The integer index behind the reply tree."""

from __future__ import annotations

from bot.exports.tree import ReplyTree


def test_depth_first_by_number() -> None:
    tree = ReplyTree()
    for number, parent in [(1, None), (2, None), (3, 1), (4, 3), (5, 1), (6, 2), (7, 4)]:
        tree.add(number, parent)
    assert list(tree.walk()) == [(1, 0), (3, 1), (4, 2), (7, 3), (5, 1), (2, 0), (6, 1)]
    assert tree.depth_of(7) == 3 and tree.depth_of(99) == 0


def test_unknown_parent_makes_a_root() -> None:
    tree = ReplyTree()
    tree.add(2, 1)
    tree.add(3, 2)
    assert list(tree.walk()) == [(2, 0), (3, 1)]


def test_a_long_chain_needs_no_recursion() -> None:
    tree = ReplyTree()
    size = 100_000
    tree.add(1, None)
    for number in range(2, size + 1):
        tree.add(number, number - 1)
    walked = list(tree.walk())
    assert len(walked) == size and walked[-1] == (size, size - 1)
