"""Making member text inert in Markdown, and a few labels the writers share."""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")
#: Characters that can open an inline construct (code, emphasis, link, image, HTML, entity,
#: table cell, strikethrough) or a block when they come first on a line.
_INLINE = frozenset("\\`*_[]<>|~&!#{}")
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in _INLINE})
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
    bar = "```"
    if "```" in text:  # else no run is long enough to matter
        bar = "`" * (max(map(len, _BACKTICKS.findall(text))) + 1)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return f"{bar}{info}\n{text}\n{bar}\n"


def inline(text: str | None) -> str:
    """One line of literal text: whitespace collapsed, markup characters backslash-escaped.

    CommonMark treats a backslash-escaped ASCII punctuation character as a literal, so no
    code span, emphasis, link, HTML, heading, list or table cell can start in the result,
    even at the start of a line.
    """
    if text is None:
        return ""
    flat = " ".join(text.split()).translate(_ESCAPES)
    if _LEADING.match(flat) is None:
        return flat
    return _LEADING.sub(_escape_leading, flat, count=1)


def _escape_leading(found: re.Match[str]) -> str:
    if found.group(1) is not None:
        return found.group(1) + "\\" + found.group(2)
    return "\\" + found.group(3)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def marks_and_changes(persuasive: int, mind_changes: int, separator: str) -> str:
    """``"2 persuasive marks<separator>1 mind change"``."""
    marks = "1 persuasive mark" if persuasive == 1 else f"{persuasive} persuasive marks"
    changes = "1 mind change" if mind_changes == 1 else f"{mind_changes} mind changes"
    return marks + separator + changes


def percent(value: float) -> str:
    return f"{value:.1f}%"


def points(value: float) -> str:
    return f"{value:+.1f} pts"
