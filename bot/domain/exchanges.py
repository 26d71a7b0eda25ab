"""Who answered whom: the central clash of a debate and the points left unanswered.

A point is *answerable* when a rebuttal could still reach it under the format: it was posted
in a phase at or before the last phase that allows rebuttals, and it is not a closing
statement (nothing may answer a closing). Only answerable points count as "never answered";
a closing without a reply says nothing about the other side.

The *central clash* is the argument with the most visible rebuttals answering it directly;
ties go to the one that persuaded more across the divide, then to the earlier number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.enums import Action, ArgumentKind, Side
from bot.domain.formats import Format


@dataclass(frozen=True, slots=True)
class Exchange:
    """What this module needs of a visible argument."""

    number: int
    side: Side
    kind: ArgumentKind
    phase: str
    parent_number: int | None


def answerable(fmt: Format, phase: str, kind: ArgumentKind) -> bool:
    """Whether an argument of ``kind`` posted in ``phase`` could be rebutted in ``fmt``."""
    if kind is ArgumentKind.CLOSING:
        return False
    names = [p.name for p in fmt.phases]
    if phase not in names:
        return False
    start = names.index(phase)
    return any(p.allows(Action.REBUT) for p in fmt.phases[start:])


def answers_to(arguments: Iterable[Exchange]) -> dict[int, list[int]]:
    """The visible rebuttals of each argument, by number, in number order."""
    found: dict[int, list[int]] = {}
    for argument in sorted(arguments, key=lambda a: a.number):
        if argument.kind is ArgumentKind.REBUTTAL and argument.parent_number is not None:
            found.setdefault(argument.parent_number, []).append(argument.number)
    return found


def never_answered(
    fmt: Format, arguments: Iterable[Exchange], order: Mapping[int, int] | None = None
) -> list[int]:
    """Debaters' answerable points that no visible rebuttal answers.

    ``order`` gives each number's position in the bridging rank (lower first); points it does
    not name follow in number order. Without it the result is in number order.
    """
    listed = list(arguments)
    visible = {a.number for a in listed}
    answered = {p for p in answers_to(listed) if p in visible}
    open_points = [
        a.number
        for a in listed
        if a.side.is_debater and a.number not in answered and answerable(fmt, a.phase, a.kind)
    ]
    rank = order or {}
    last = len(rank)
    return sorted(open_points, key=lambda n: (rank.get(n, last), n))


def central_clash(
    arguments: Iterable[Exchange], bridging: Mapping[int, int] | None = None
) -> int | None:
    """The most-rebutted visible argument (``bridging`` scores break ties), or ``None``."""
    listed = list(arguments)
    visible = {a.number for a in listed}
    counts = Counter(
        {
            parent: len(answers)
            for parent, answers in answers_to(listed).items()
            if parent in visible
        }
    )
    if not counts:
        return None
    scores = bridging or {}
    return min(counts, key=lambda n: (-counts[n], -scores.get(n, 0), n))
