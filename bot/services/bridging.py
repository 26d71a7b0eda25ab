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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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
    """Every visible argument of a debate with its bridging score, in number order."""
    found = await bridged_debates(session, [debate_id], {debate_id: format_name})
    return found.get(debate_id, [])


async def bridged_debates(
    session: AsyncSession, debates: Select[Any] | list[int], formats: Mapping[int, str]
) -> dict[int, list[BridgedArgument]]:
    """:func:`bridged_arguments` of many debates in four queries, not four per debate.

    ``debates`` is a list of debate ids or a query selecting them; ``formats`` gives each
    debate's format. Core statements on the session's connection (no ORM rows), and arguments
    nobody endorsed skip the scoring: the leaderboard reads a whole server's debates.
    """
    connection = await session.connection()
    rows = (
        await connection.execute(
            select(
                Argument.debate_id,
                Argument.id,
                Argument.number,
                Argument.author_id,
                Argument.side,
                Argument.kind,
                Argument.phase,
                Argument.parent_id,
            )
            .where(Argument.debate_id.in_(debates), Argument.status == "visible")
            .order_by(Argument.debate_id, Argument.number)
        )
    ).all()
    number_of = {r.id: r.number for r in rows}
    readers = await _stance_readers(connection, debates, formats)
    endorsements: dict[int, list[Endorsement]] = defaultdict(list)
    counts: dict[tuple[int, EndorsementKind], int] = defaultdict(int)
    for kind, model in (
        (EndorsementKind.MARK, ArgumentVote),
        (EndorsementKind.MIND_CHANGE, MindChange),
    ):
        query = select(model.debate_id, model.argument_id, model.user_id, model.created_at).where(
            model.debate_id.in_(debates)
        )
        for debate_id, argument_id, user_id, created_at in await connection.execute(query):
            if argument_id not in number_of:
                continue
            stance = readers[debate_id](user_id, created_at) if debate_id in readers else None
            endorsements[argument_id].append(Endorsement(user_id, kind, stance))
            counts[(argument_id, kind)] += 1
    found: dict[int, list[BridgedArgument]] = defaultdict(list)
    for r in rows:
        side, endorsed = _SIDES[r.side], endorsements.get(r.id)
        found[r.debate_id].append(
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
    return dict(found)


_SIDES = {side.value: side for side in Side}
_KINDS = {kind.value: kind for kind in ArgumentKind}
_STANCES = {stance.value: stance for stance in Stance}


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


async def _stance_readers(
    connection: AsyncConnection, debates: Select[Any] | list[int], formats: Mapping[int, str]
) -> dict[int, _StanceReader]:
    """A stance reader per debate, from the votes of each debate's first stage."""
    first = {d: get_format(f).stages for d, f in formats.items()}
    readers = {d: _StanceReader({}, {}) for d, stages in first.items() if not stages}
    wanted = {stages[0] for stages in first.values() if stages}
    if not wanted:
        return readers
    query = select(
        MotionVote.debate_id,
        MotionVote.user_id,
        MotionVote.stage,
        MotionVote.stance,
        MotionVote.cast_at,
        MotionVote.updated_at,
    ).where(MotionVote.debate_id.in_(debates), MotionVote.stage.in_(sorted(wanted)))
    votes: dict[int, dict[int, tuple[Stance, datetime, datetime]]] = defaultdict(dict)
    for debate_id, user_id, stage, stance, cast, updated in await connection.execute(query):
        stages = first.get(debate_id)
        if stages and stage == stages[0]:
            votes[debate_id][user_id] = (_STANCES[stance], cast, updated)
    for debate_id, stages in first.items():
        if not stages:
            continue
        found = votes.get(debate_id, {})
        if len(stages) >= 2:
            readers[debate_id] = _StanceReader({u: v[0] for u, v in found.items()}, {})
        else:
            readers[debate_id] = _StanceReader(None, found)
    return readers
