"""Scoring of motion votes and arguments: tallies, percentages, swing, winner, rankings.

All functions take plain values and return plain values, so they are easy to test by
property; the services feed them rows from the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.enums import Side, Stance

STANCES: tuple[Stance, ...] = (Stance.FOR, Stance.AGAINST, Stance.UNDECIDED)
DEBATING_SIDES: tuple[Stance, ...] = (Stance.FOR, Stance.AGAINST)


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of one vote stage, with percentages that add up to 100 (or are all 0)."""

    counts: dict[Stance, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, stance: Stance) -> float:
        """Share of ``stance`` in percent; 0 when nobody voted."""
        return 100.0 * self.counts[stance] / self.total if self.total else 0.0

    @property
    def percentages(self) -> dict[Stance, float]:
        return {stance: self.percent(stance) for stance in STANCES}


def tally(stances: Iterable[Stance]) -> Tally:
    """Count votes per stance, every stance present (zero when nobody chose it)."""
    counted = Counter(stances)
    return Tally({stance: counted.get(stance, 0) for stance in STANCES})


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a debate's motion votes."""

    pre: Tally | None
    post: Tally
    swing: dict[Stance, float]
    winner: Stance | None
    is_tie: bool
    transitions: dict[Stance, dict[Stance, int]]

    @property
    def voters_in_both(self) -> int:
        return sum(sum(row.values()) for row in self.transitions.values())


def swing(pre: Tally, post: Tally) -> dict[Stance, float]:
    """Change in percentage points per stance from ``pre`` to ``post``."""
    return {stance: post.percent(stance) - pre.percent(stance) for stance in STANCES}


def swing_winner(swings: Mapping[Stance, float], epsilon: float = 1e-9) -> Stance | None:
    """The debating side with the largest gain in points; ``None`` on a tie."""
    gain_for, gain_against = swings[Stance.FOR], swings[Stance.AGAINST]
    if abs(gain_for - gain_against) <= epsilon:
        return None
    return Stance.FOR if gain_for > gain_against else Stance.AGAINST


def plurality_winner(result: Tally) -> Stance | None:
    """For a single-stage vote: the debating side with more votes; ``None`` on a tie."""
    votes_for, votes_against = result.counts[Stance.FOR], result.counts[Stance.AGAINST]
    if votes_for == votes_against:
        return None
    return Stance.FOR if votes_for > votes_against else Stance.AGAINST


def transition_matrix(
    pre: Mapping[int, Stance], post: Mapping[int, Stance]
) -> dict[Stance, dict[Stance, int]]:
    """How voters who voted in both stages moved: ``matrix[before][after]`` counts members."""
    matrix = {before: dict.fromkeys(STANCES, 0) for before in STANCES}
    for member, before in pre.items():
        after = post.get(member)
        if after is not None:
            matrix[before][after] += 1
    return matrix


def outcome(pre: Mapping[int, Stance] | None, post: Mapping[int, Stance]) -> Outcome:
    """Score a debate from each member's last vote per stage.

    With two stages the winner is the side with the largest swing (Oxford rules); with one
    stage (``pre`` is ``None``) it is the side with more votes.
    """
    post_tally = tally(post.values())
    if pre is None:
        winner = plurality_winner(post_tally)
        empty = {before: dict.fromkeys(STANCES, 0) for before in STANCES}
        return Outcome(None, post_tally, dict.fromkeys(STANCES, 0.0), winner, winner is None, empty)
    pre_tally = tally(pre.values())
    swings = swing(pre_tally, post_tally)
    winner = swing_winner(swings)
    return Outcome(
        pre_tally, post_tally, swings, winner, winner is None, transition_matrix(pre, post)
    )


@dataclass(frozen=True, slots=True)
class ArgumentScore:
    """What the persuasive ranking knows of one visible argument."""

    number: int
    side: Side
    persuasive: int
    mind_changes: int


def persuasive_ranking(scores: Iterable[ArgumentScore]) -> list[ArgumentScore]:
    """Arguments that moved people, best first.

    Mind changes weigh more than persuasive marks (a changed mind is the stronger signal):
    sort by mind changes, then marks, then earlier number. Arguments with neither are left out.
    """
    moved = [s for s in scores if s.persuasive or s.mind_changes]
    return sorted(moved, key=lambda s: (-s.mind_changes, -s.persuasive, s.number))


def unanswered(arguments: Iterable[tuple[int, Side]], rebuttal_parents: Iterable[int]) -> list[int]:
    """Numbers of debaters' arguments that no visible rebuttal answers, in order."""
    answered = set(rebuttal_parents)
    return sorted(n for n, side in arguments if side.is_debater and n not in answered)
