"""Making member text inert in Markdown, and a few labels the writers share."""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")
#: Characters that can open an inline construct (code, emphasis, link, image, HTML, entity,
#: table cell, strikethrough) or a block when they come first on a line.
_INLINE = frozenset("\\`*_[]<>|~&!#{}")
_LEADING = re.compile(r"^(\d+)([.)])|^([-+=>:])")

KIND_TITLES = {
    "opening": "Opening",
    "claim": "Claim",
    "rebuttal": "Rebuttal",
    "closing": "Closing",
}
STANCES = ("for", "against", "undecided")


def fence(text: str, info: str = "text") -> str:
    """``text`` in a fenced code block whose fence is longer than any backtick run in it.

    Nothing inside a fenced block is Markdown, and only a run of at least as many backticks
    closes it, so headings, lists, fences or HTML in the text stay inside.
    """
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    bar = "`" * max(3, longest + 1)
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    return f"{bar}{info}\n{body}\n{bar}\n"


def inline(text: str | None) -> str:
    """One line of literal text: whitespace collapsed, markup characters backslash-escaped.

    CommonMark treats a backslash-escaped ASCII punctuation character as a literal, so no
    code span, emphasis, link, HTML, heading, list or table cell can start in the result,
    even at the start of a line.
    """
    if text is None:
        return ""
    flat = "".join("\\" + ch if ch in _INLINE else ch for ch in " ".join(text.split()))
    return _LEADING.sub(lambda found: _escape_leading(found), flat, count=1)


def _escape_leading(found: re.Match[str]) -> str:
    if found.group(1) is not None:
        return found.group(1) + "\\" + found.group(2)
    return "\\" + found.group(3)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def points(value: float) -> str:
    return f"{value:+.1f} pts"
