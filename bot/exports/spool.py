"""The reply tree rendered in one pass over the arguments.

The human formats stream the arguments once, in number order, for the chronological
transcript. Each argument's reply-tree rendering is written to a temporary file at the same
time, with its offset and length kept in arrays of integers, and read back in tree order
(:class:`bot.exports.tree.ReplyTree`) for the tree section. So the database is read once,
memory stays flat (the text is on disk, not in Python objects), and a second, slower query
in tree order is not needed.
"""

from __future__ import annotations

import mmap
import tempfile
from array import array
from collections.abc import Iterator
from types import TracebackType

from bot.exports.tree import ReplyTree

#: Renderings gathered before one write to the file.
PENDING = 256


class TreeSpool:
    """Renderings by argument number, written in number order, read back in tree order."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.tree = ReplyTree()
        self.offset = array("q")
        self.length = array("q")
        self.size = 0
        self.pending: list[bytes] = []

    def add(self, number: int, parent: int | None, text: str) -> None:
        """Keep ``text`` for argument ``number``; arguments come in increasing number order."""
        self.tree.add(number, parent)
        missing = number + 1 - len(self.offset)
        if missing > 0:
            zeros = [0] * max(missing, len(self.offset))  # doubling: amortised, not per row
            self.offset.extend(zeros)
            self.length.extend(zeros)
        data = text.encode()
        self.offset[number], self.length[number] = self.size, len(data)
        self.pending.append(data)
        self.size += len(data)
        if len(self.pending) >= PENDING:
            self._write()

    def _write(self) -> None:
        self.file.write(b"".join(self.pending))
        self.pending.clear()

    def walk(self) -> Iterator[tuple[int, bytes]]:
        """``(depth, UTF-8 text)`` in depth-first order: replies right after what they rebut.

        Bytes, so a writer can copy them to its output without decoding and encoding again.
        """
        if not self.size:
            return
        self._write()
        self.file.flush()
        with mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ) as view:
            offset, length = self.offset, self.length
            for number, depth in self.tree.walk():
                start = offset[number]
                yield depth, view[start : start + length[number]]

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> TreeSpool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
