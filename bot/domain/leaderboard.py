"""The leaderboard: debaters ranked by the persuasion they earned across debates, and the
audience ranked by how much it took part.

**Persuasion points.** Each endorsement of a visible argument earns its author points, weighted
as the bridging rank weighs it (:mod:`bot.domain.bridging`): a persuasive mark is worth 1 and a
credited mind change 2, times the endorser's camp weight (1 from the author's own camp, 2 from
across the divide: the other side or undecided before the debate). So

    points(argument) = sum over camps of CAMP_WEIGHT[camp] * strength[camp]

- a mark from the own camp 1, from across the divide 2; a mind change 2, or 4 from across.
Points add up over a debater's arguments and debates. The sum is linear on purpose: the
bridging *score* multiplies the camps to rank one argument against another, which would let
a single argument outweigh a debater's whole record. The author's own endorsements never
count; removed arguments earn nothing.

**Audience participation.** In each debate where a member joined the audience, every act
counts one: a motion vote in a stage, a persuasive mark given, a mind change credited.

**Places.** Equal totals share a place and the next place skips (1, 1, 3): ties are shown as
ties. Within a tie the order is by member id, which means nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.domain.bridging import CAMP_WEIGHT, BridgingScore, Camp

T = TypeVar("T")


def argument_points(score: BridgingScore) -> int:
    """The persuasion points one argument earned its author (module docstring)."""
    return sum(CAMP_WEIGHT[camp] * units for camp, units in score.strength.items())


@dataclass(frozen=True, slots=True)
class Earned:
    """What one visible argument earned: the input of :func:`debater_tallies`."""

    debate_id: int
    author_id: int
    persuasive: int
    mind_changes: int
    score: BridgingScore


@dataclass(frozen=True, slots=True)
class DebaterTally:
    """A debater's record over the debates in scope."""

    member_id: int
    points: int
    marks: int
    mind_changes: int
    across: int
    arguments: int
    debates: int


@dataclass(frozen=True, slots=True)
class AudienceTally:
    """An audience member's participation over the debates in scope."""

    member_id: int
    votes: int
    marks: int
    mind_changes: int
    debates: int

    @property
    def acts(self) -> int:
        return self.votes + self.marks + self.mind_changes


@dataclass(frozen=True, slots=True)
class Placed(Generic[T]):
    """An entry and its place; ``tied`` when another entry shares the place."""

    place: int
    tied: bool
    entry: T


@dataclass
class _Sum:
    points: int = 0
    marks: int = 0
    mind_changes: int = 0
    across: int = 0
    arguments: int = 0
    debates: set[int] = field(default_factory=set)


def debater_tallies(earned: Iterable[Earned]) -> list[DebaterTally]:
    """Each author's points and counts, summed over their arguments, in member-id order."""
    sums: dict[int, _Sum] = {}
    for item in earned:
        total = sums.setdefault(item.author_id, _Sum())
        total.points += argument_points(item.score)
        total.marks += item.persuasive
        total.mind_changes += item.mind_changes
        total.across += item.score.endorsers[Camp.OTHER] + item.score.endorsers[Camp.UNDECIDED]
        total.arguments += 1
        total.debates.add(item.debate_id)
    return [
        DebaterTally(
            member, s.points, s.marks, s.mind_changes, s.across, s.arguments, len(s.debates)
        )
        for member, s in sorted(sums.items())
    ]


def places(
    entries: Iterable[T], total: Callable[[T], int], member: Callable[[T], int]
) -> list[Placed[T]]:
    """Entries best first by ``total``, equal totals sharing a place (1, 1, 3)."""
    ordered = sorted(entries, key=lambda e: (-total(e), member(e)))
    placed: list[Placed[T]] = []
    for index, entry in enumerate(ordered):
        same = bool(placed) and total(placed[-1].entry) == total(entry)
        place = placed[-1].place if same else index + 1
        if same:
            placed[-1] = Placed(placed[-1].place, True, placed[-1].entry)
        placed.append(Placed(place, same, entry))
    return placed


def standings(tallies: Iterable[DebaterTally]) -> list[Placed[DebaterTally]]:
    """Debaters by persuasion points; everyone who argued is listed, points or not."""
    return places(tallies, lambda t: t.points, lambda t: t.member_id)


def audience_standings(tallies: Iterable[AudienceTally]) -> list[Placed[AudienceTally]]:
    """Audience members by acts of participation; those who did nothing are left out."""
    return places((t for t in tallies if t.acts), lambda t: t.acts, lambda t: t.member_id)
