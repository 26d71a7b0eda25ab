"""Bridging rank: arguments that persuaded across the divide rank first.

Every endorsement of an argument (a persuasive mark, a credited mind change) comes from a member
whose vote before the debate puts them in one of three camps, seen from the argument's side:

- ``own``: they already voted for the side the argument argues;
- ``other``: they voted for the opposite side;
- ``undecided``: they voted undecided, or did not vote before the debate.

A member's strength in a camp is 1 for a mark plus 2 for a mind change (a changed mind is the
stronger signal). With ``U_c`` the summed strength from camp ``c`` and weights ``w_own = 1``,
``w_other = w_undecided = 2`` (an endorsement from across the divide counts double), the score is

    score = (1 + w_own * U_own) * (1 + w_other * U_other) * (1 + w_undecided * U_undecided) - 1

The product rewards spread: one endorsement in each of two camps scores more than the same
endorsements piled in any single camp (for marks alone, ``k`` from one camp and ``n - k`` from
another always beat ``n`` from the best-weighted camp), so an argument both camps endorse ranks
above one endorsed heavily by one camp only. Endorsements are a set: one mark and one mind
change per member and argument, so toggling a mark off and on again changes nothing, and an
author's endorsement of their own argument never counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.enums import Side, Stance

#: Strength of one endorsement by kind.
MARK_STRENGTH = 1
MIND_CHANGE_STRENGTH = 2


class Camp(StrEnum):
    """Where an endorser stood before the debate, seen from the argument's side."""

    OWN = "own"
    OTHER = "other"
    UNDECIDED = "undecided"


#: The camps in order, as a tuple: iterating an enum class is slow on the scoring path.
_CAMPS: tuple[Camp, ...] = tuple(Camp)

#: Weight of one unit of strength per camp: across the divide counts double.
CAMP_WEIGHT: dict[Camp, int] = {Camp.OWN: 1, Camp.OTHER: 2, Camp.UNDECIDED: 2}


class EndorsementKind(StrEnum):
    """How a member endorsed an argument."""

    MARK = "mark"
    MIND_CHANGE = "mind_change"


@dataclass(frozen=True, slots=True)
class Endorsement:
    """One member's mark or mind change, with the stance they voted before the debate."""

    member_id: int
    kind: EndorsementKind
    pre_stance: Stance | None


@dataclass(frozen=True, slots=True)
class BridgingScore:
    """An argument's bridging score with the strength that came from each camp."""

    number: int
    side: Side
    score: int
    strength: dict[Camp, int]
    endorsers: dict[Camp, int]

    @property
    def across(self) -> int:
        """Members from across the divide (the other side or undecided) who endorsed it."""
        return self.endorsers[Camp.OTHER] + self.endorsers[Camp.UNDECIDED]

    @property
    def total_endorsers(self) -> int:
        return sum(self.endorsers.values())


@dataclass(frozen=True, slots=True)
class Ranked:
    """A scored argument and its place; equal scores share a place (1, 1, 3)."""

    place: int
    score: BridgingScore


def camp_of(side: Side, pre_stance: Stance | None) -> Camp:
    """The camp of a member who voted ``pre_stance`` before the debate, for an argument of
    ``side``. Arguments of the audience (there are none in the shipped formats) have no own
    camp."""
    if pre_stance is None or pre_stance is Stance.UNDECIDED or not side.is_debater:
        return Camp.UNDECIDED
    return Camp.OWN if pre_stance.value == side.value else Camp.OTHER


def score_argument(
    number: int, side: Side, author_id: int | None, endorsements: Iterable[Endorsement]
) -> BridgingScore:
    """Score one argument from its endorsements (duplicates and the author's own ignored)."""
    seen: set[tuple[int, EndorsementKind]] = set()
    camp_of_member: dict[int, Camp] = {}
    strength = dict.fromkeys(_CAMPS, 0)
    for endorsement in endorsements:
        key = (endorsement.member_id, endorsement.kind)
        if endorsement.member_id == author_id or key in seen:
            continue
        seen.add(key)
        camp = camp_of_member.setdefault(
            endorsement.member_id, camp_of(side, endorsement.pre_stance)
        )
        strength[camp] += (
            MARK_STRENGTH if endorsement.kind is EndorsementKind.MARK else MIND_CHANGE_STRENGTH
        )
    endorsers = dict.fromkeys(_CAMPS, 0)
    for camp in camp_of_member.values():
        endorsers[camp] += 1
    product = 1
    for camp, units in strength.items():
        product *= 1 + CAMP_WEIGHT[camp] * units
    return BridgingScore(number, side, product - 1, strength, endorsers)


def unendorsed(number: int, side: Side) -> BridgingScore:
    """The score of an argument nobody endorsed: what :func:`score_argument` gives for no
    endorsements, without the work."""
    return BridgingScore(number, side, 0, dict.fromkeys(_CAMPS, 0), dict.fromkeys(_CAMPS, 0))


def rank(scores: Iterable[BridgingScore], *, include_unendorsed: bool = False) -> list[Ranked]:
    """Arguments best first: by score, then by endorsers from across the divide, then by
    earlier number. Places are shared by equal scores; unendorsed arguments are left out
    unless asked for."""
    ordered = sorted(
        (s for s in scores if include_unendorsed or s.score > 0),
        key=lambda s: (-s.score, -s.across, s.number),
    )
    ranked: list[Ranked] = []
    for index, score in enumerate(ordered):
        tied = ranked and ranked[-1].score.score == score.score
        ranked.append(Ranked(ranked[-1].place if tied else index + 1, score))
    return ranked
