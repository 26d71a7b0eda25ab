"""Argdown: the debate as an argument map (https://argdown.org).

The motion is the statement ``[Motion]``; each argument is ``<Argument n>``. An argument that
rebuts another attacks it (``-> <Argument m>``); any other supports the motion when it is for
it (``+> [Motion]``) and attacks it when it is against (``-> [Motion]``). Tags carry the side,
the kind and ``#removed``, so Argdown colours nodes by side.

Removed arguments are left out unless the header says to show them
(:attr:`bot.exports.model.Header.show_removed`); then they appear tagged ``#removed``, with
their text only when it was asked for. A rebuttal of a left-out argument stands against the
motion by its side, so that it is still on the map.

Member text never becomes Argdown: it is put on one line and every character that can open
a construct anywhere on a line (tags, mentions, references, bold and italic, comments, data,
front matter, links, shortcodes) is backslash-escaped; constructs that only open at the start
of a line (relations, headings, lists, numbered statements) cannot, since each line starts
with text the writer chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO

from bot.exports.model import ArgumentRow, ExportSource
from bot.exports.readable import mentions, people
from bot.exports.text import marks_and_changes
from bot.exports.writers import text_out

MOTION = "Motion"

#: Characters escaped wherever they are: ``\\`` (escapes), ``@`` (mentions), ``#`` (tags,
#: headings), ``*`` and ``_`` (bold, italic), ``[ ]`` and ``< >`` (statements, arguments,
#: links, HTML comments), ``{ }`` (data), ``/`` (comments), ``=`` (front matter).
_ALWAYS = str.maketrans({ch: "\\" + ch for ch in "\\@#*_[]<>{}/="})
#: ``.`` and ``:`` open a shortcode (``:happy:``, ``.A.``) only when a non-space follows.
_SHORTCODE = re.compile(r"[.:](?=\S)")


def escape(text: str) -> str:
    """``text`` on one line, read by Argdown as the same characters and nothing else."""
    return _SHORTCODE.sub(r"\\\g<0>", " ".join(text.split()).translate(_ALWAYS))


def argument_title(number: int) -> str:
    return f"Argument {number}"


async def write_argdown(source: ExportSource, out: BinaryIO) -> None:
    """Write the argument map to ``out`` (UTF-8)."""
    header = source.header
    d, show_removed = header.debate, header.show_removed
    left_out: set[int] = set()
    label = people(header)
    async with text_out(out) as w:
        w.write(
            f"// Argument map of debate {d.id}, written by debate-bot. View it in the Argdown\n"
            "// sandbox (https://argdown.org/sandbox/) or the Argdown extension of VS Code.\n\n"
            f"# {escape(f'Debate {d.id}: {d.format_title}')}\n\n"
            f"[{MOTION}]: {escape(header.motion.text)} #motion\n\n"
        )
        async for argument in source.arguments("tree"):
            if argument.removed and not show_removed:
                left_out.add(argument.number)
                continue
            w.write(_argument(argument, left_out, label))


def _argument(a: ArgumentRow, left_out: set[int], label: Callable[[str | None], str]) -> str:
    """One argument node: its text and tags, then its one relation, indented.

    Authors are named, and Discord's mentions and timestamps in the text written out, as in
    the transcripts (:mod:`bot.exports.readable`).
    """
    text = mentions(a.body, label) if a.body else ("text withheld" if a.removed else "no text")
    if a.removed:
        text = f"[removed by a moderator; reason: {a.removed_reason or 'none given'}] {text}"
    text += f" (by {label(a.author)}; {marks_and_changes(a.persuasive, a.mind_changes, ', ')})"
    if a.parent is not None and a.parent not in left_out:
        relation = f"-> <{argument_title(a.parent)}>"
    else:
        if a.parent is not None:
            text += f" (rebuts #{a.parent}, a removed argument)"
        relation = {"for": f"+> [{MOTION}]", "against": f"-> [{MOTION}]"}.get(a.side, "")
    tags = f"#{a.side} #{a.kind}" + (" #removed" if a.removed else "")
    node = f"<{argument_title(a.number)}>: {escape(text)} {tags}\n"
    if relation:
        node += f"  {relation}\n"
    return node + "\n"
