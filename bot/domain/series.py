"""A series: which propositions it debates, and what the room concluded on each.

The conclusion of a proposition is read from the final vote (the only vote in the open
format): the room is *persuaded* when the motion's share of the final vote leads the
opposition's by at least :data:`SPLIT_MARGIN` percentage points, *rejected* when it trails
by as much, and *split* otherwise (or when nobody voted).
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.enums import Stance
from bot.domain.errors import BadPropositions
from bot.domain.scoring import Outcome

#: Lead (in percentage points of the final vote) under which the room is left split.
SPLIT_MARGIN = 10.0


class Schedule(StrEnum):
    """How a series opens its debates."""

    PARALLEL = "parallel"
    SEQUENCE = "sequence"


class Conclusion(StrEnum):
    """What the room concluded on one proposition."""

    PERSUADED = "persuaded"
    REJECTED = "rejected"
    SPLIT = "split"


def choose_propositions(spec: str | None, valid: list[int]) -> list[int]:
    """The numbers ``spec`` names (``all``, empty, or ``1,4,7``), in the order given, without
    repeats; anything else is refused naming the valid numbers."""
    text = (spec or "all").strip().lower()
    if text in ("", "all"):
        return list(valid)
    chosen: list[int] = []
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) not in valid:
            raise BadPropositions(spec or "", valid)
        if int(part) not in chosen:
            chosen.append(int(part))
    if not chosen:
        raise BadPropositions(spec or "", valid)
    return chosen


def conclusion(result: Outcome) -> Conclusion:
    """Persuaded, rejected or split, from the final vote (see the module's docstring)."""
    final = result.post
    if final.total == 0:
        return Conclusion.SPLIT
    lead = final.percent(Stance.FOR) - final.percent(Stance.AGAINST)
    if lead >= SPLIT_MARGIN:
        return Conclusion.PERSUADED
    if lead <= -SPLIT_MARGIN:
        return Conclusion.REJECTED
    return Conclusion.SPLIT


def points(value: float) -> str:
    """A swing in percentage points, signed: ``+12.5 pts``."""
    return f"{value:+.1f} pts"


def verdict(result: Outcome) -> str:
    """Who won the debate, with the swing when there were two votes: ``For won (+12.5 pts)``."""
    if result.winner is None:
        return "a tie"
    name = "For" if result.winner is Stance.FOR else "Against"
    if result.pre is None:
        return f"{name} won the vote"
    return f"{name} won ({points(result.swing[result.winner])})"
