"""The bridging rank of a debate's arguments, read from the database.

:mod:`bot.domain.bridging` scores an argument from its endorsements (persuasive marks and
mind changes), each tagged with where the endorser stood before the debate. This module reads
those endorsements and stances inside the caller's transaction, so summaries, results,
the leaderboard and the annotated essay all rank the same way.

Where a member stood before the debate:

- **formats with a vote before and after** (Oxford): their vote in the first stage (the
  pre-debate vote); no vote there counts as undecided;
- **formats with one running vote** (open floor): their running vote as it stood when they
  endorsed the argument. The bot keeps only the latest vote with its first and last times,
  so that stance is known when the vote was last changed at or before the endorsement; a
  member who had not voted yet, or who changed their vote after endorsing (the earlier
  stance is not kept), counts as undecided. Someone who moves after endorsing was not
  settled on the argument's side, so they are not counted as its own camp.

Removed arguments are left out, and so are the endorsements they had.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.bridging import (
    BridgingScore,
    Endorsement,
    EndorsementKind,
    Ranked,
    rank,
    score_argument,
    unendorsed,
)
from bot.domain.enums import ArgumentKind, Side, Stance
from bot.domain.formats import get_format
from bot.storage.models import Argument, ArgumentVote, MindChange, MotionVote


@dataclass(frozen=True, slots=True)
class BridgedArgument:
    """A visible argument with its raw counts and its bridging score."""

    id: int
    number: int
    author_id: int
    side: Side
    kind: ArgumentKind
    phase: str
    parent_number: int | None
    persuasive: int
    mind_changes: int
    score: BridgingScore

    @property
    def across(self) -> int:
        """Endorsers from across the divide (the other side or undecided before the debate)."""
        return self.score.across


@dataclass(frozen=True, slots=True)
class RankedArgument:
    """An argument and its place in the bridging rank (equal scores share a place)."""

    place: int
    argument: BridgedArgument


async def bridged_arguments(
    session: AsyncSession, debate_id: int, format_name: str
) -> list[BridgedArgument]:
    """Every visible argument of a debate with its bridging score, in number order.

    Core statements on the session's connection (no ORM rows), and arguments nobody endorsed
    skip the scoring: summaries and the leaderboard read debates of thousands of arguments.
    """
    connection = await session.connection()
    rows = (
        await connection.execute(
            select(
                Argument.id,
                Argument.number,
                Argument.author_id,
                Argument.side,
                Argument.kind,
                Argument.phase,
                Argument.parent_id,
            )
            .where(Argument.debate_id == debate_id, Argument.status == "visible")
            .order_by(Argument.number)
        )
    ).all()
    number_of = {r.id: r.number for r in rows}
    stance_at = await _stance_reader(session, debate_id, format_name)
    endorsements: dict[int, list[Endorsement]] = defaultdict(list)
    counts: dict[tuple[int, EndorsementKind], int] = defaultdict(int)
    for kind, model in (
        (EndorsementKind.MARK, ArgumentVote),
        (EndorsementKind.MIND_CHANGE, MindChange),
    ):
        query = select(model.argument_id, model.user_id, model.created_at).where(
            model.debate_id == debate_id
        )
        for argument_id, user_id, created_at in await connection.execute(query):
            if argument_id not in number_of:
                continue
            endorsements[argument_id].append(
                Endorsement(user_id, kind, stance_at(user_id, created_at))
            )
            counts[(argument_id, kind)] += 1
    found: list[BridgedArgument] = []
    for r in rows:
        side, endorsed = _SIDES[r.side], endorsements.get(r.id)
        found.append(
            BridgedArgument(
                id=r.id,
                number=r.number,
                author_id=r.author_id,
                side=side,
                kind=_KINDS[r.kind],
                phase=r.phase,
                parent_number=number_of.get(r.parent_id) if r.parent_id is not None else None,
                persuasive=counts.get((r.id, EndorsementKind.MARK), 0),
                mind_changes=counts.get((r.id, EndorsementKind.MIND_CHANGE), 0),
                score=(
                    score_argument(r.number, side, r.author_id, endorsed)
                    if endorsed
                    else unendorsed(r.number, side)
                ),
            )
        )
    return found


_SIDES = {side.value: side for side in Side}
_KINDS = {kind.value: kind for kind in ArgumentKind}


def bridging_rank(
    arguments: Iterable[BridgedArgument],
    *,
    side: Side | None = None,
    include_unendorsed: bool = False,
) -> list[RankedArgument]:
    """Arguments best first by :func:`bot.domain.bridging.rank`, optionally of one side.

    Unendorsed arguments are left out unless asked for; then they follow in number order.
    """
    chosen = {a.number: a for a in arguments if side is None or a.side is side}
    ranked: Sequence[Ranked] = rank(
        (a.score for a in chosen.values()), include_unendorsed=include_unendorsed
    )
    return [RankedArgument(r.place, chosen[r.score.number]) for r in ranked]


class _StanceReader:
    """Where a member stood before the debate, as the module docstring defines it."""

    def __init__(
        self,
        first_stage: dict[int, Stance] | None,
        running: dict[int, tuple[Stance, datetime, datetime]],
    ) -> None:
        self.first_stage, self.running = first_stage, running

    def __call__(self, user_id: int, endorsed_at: datetime) -> Stance | None:
        if self.first_stage is not None:
            return self.first_stage.get(user_id)
        vote = self.running.get(user_id)
        if vote is None:
            return None
        stance, _, updated_at = vote
        return stance if updated_at <= endorsed_at else None


async def _stance_reader(session: AsyncSession, debate_id: int, format_name: str) -> _StanceReader:
    stages = get_format(format_name).stages
    if not stages:
        return _StanceReader({}, {})
    query = select(
        MotionVote.user_id, MotionVote.stance, MotionVote.cast_at, MotionVote.updated_at
    ).where(MotionVote.debate_id == debate_id, MotionVote.stage == stages[0])
    connection = await session.connection()
    stances = {stance.value: stance for stance in Stance}
    votes = {
        u: (stances[s], cast, updated) for u, s, cast, updated in await connection.execute(query)
    }
    if len(stages) >= 2:
        return _StanceReader({u: v[0] for u, v in votes.items()}, {})
    return _StanceReader(None, votes)
