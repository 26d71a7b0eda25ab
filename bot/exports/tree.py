"""The reply tree of a debate's arguments and their counts, as small indexes of integers.

Built from ``(number, parent)`` pairs streamed in number order; it holds a few machine
integers per argument (``array``), never the arguments themselves, and yields the numbers in
depth-first order (replies right after what they rebut, by number) with their depth.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class ReplyTree:
    """Parent, first child, next sibling and depth per argument number."""

    def __init__(self, size: int = 0) -> None:
        self.parent = array("q")
        self.first_child = array("q")
        self.last_child = array("q")
        self.next_sibling = array("q")
        self.depth = array("l")
        self.roots = array("q")
        self._grow(size)

    def _grow(self, number: int) -> None:
        missing = number + 1 - len(self.parent)
        if missing > 0:
            zeros = [0] * missing
            for column in (self.parent, self.first_child, self.last_child, self.next_sibling):
                column.extend(zeros)
            self.depth.extend([-1] * missing)

    def add(self, number: int, parent: int | None) -> None:
        """Record argument ``number``; arguments must come in increasing number order."""
        if number >= len(self.depth):
            self._grow(max(number, 2 * len(self.depth)))  # doubling: amortised, not per row
        if parent is None or parent >= number or self.depth[parent] < 0:
            self.depth[number] = 0
            self.roots.append(number)
            return
        self.parent[number] = parent
        self.depth[number] = self.depth[parent] + 1
        if self.last_child[parent]:
            self.next_sibling[self.last_child[parent]] = number
        else:
            self.first_child[parent] = number
        self.last_child[parent] = number

    def depth_of(self, number: int) -> int:
        return max(0, self.depth[number]) if number < len(self.depth) else 0

    def walk(self) -> Iterator[tuple[int, int]]:
        """``(number, depth)`` in depth-first order; iterative, so deep chains are fine."""
        for root in self.roots:
            node = root
            while node:
                yield node, self.depth[node]
                if self.first_child[node]:
                    node = self.first_child[node]
                    continue
                while node and not self.next_sibling[node] and node != root:
                    node = self.parent[node]
                node = 0 if node == root else self.next_sibling[node]


class MarkCounts:
    """Persuasive marks and mind changes per argument number."""

    def __init__(self, size: int = 0) -> None:
        self.marks = array("l", [0]) * (size + 1)
        self.deltas = array("l", [0]) * (size + 1)

    def set(self, number: int, marks: int, deltas: int) -> None:
        missing = number + 1 - len(self.marks)
        if missing > 0:
            self.marks.extend([0] * missing)
            self.deltas.extend([0] * missing)
        self.marks[number], self.deltas[number] = marks, deltas
