"""Motion votes by group commit: the busiest write, when a vote phase opens.

Every vote waiting at one moment is checked on its own and written with the others in one
transaction: three reads (the debates, who joined with their earlier votes, active mutes)
and one upsert, whatever the batch size. See :mod:`bot.services.group_commit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import errors
from bot.domain.enums import Action, Stance
from bot.services.group_commit import (
    Addressed,
    GroupCommit,
    Outcomes,
    open_for,
    scope_of,
)
from bot.services.views import Actor, VoteResult
from bot.storage.database import Database
from bot.storage.models import MotionVote, Participant

_MOTION_VOTES = MotionVote.__table__
assert isinstance(_MOTION_VOTES, Table)


def _build_upsert(dialect: str, table: Table) -> Any:
    """The vote upsert for ``dialect``: on the table, not the mapped class (the ORM's bulk
    path turns every row's keys into attributes and back), and built once (``excluded``
    copies the table's columns: building it per batch took half a batch's time)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["debate_id", "user_id", "stage"],
        set_={"stance": excluded.stance, "updated_at": excluded.updated_at},
    )


_UPSERTS = {dialect: _build_upsert(dialect, _MOTION_VOTES) for dialect in ("sqlite", "postgresql")}


@dataclass(frozen=True, slots=True)
class _Vote(Addressed):
    stance: Stance


class VoteBatcher:
    """Casts motion votes; each caller returns once its vote is committed."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._queue: GroupCommit[_Vote, VoteResult] = GroupCommit(db, self._apply, "vote-batcher")

    async def submit(
        self,
        actor: Actor,
        stance: Stance,
        *,
        channel_id: int | None = None,
        debate_id: int | None = None,
    ) -> VoteResult:
        """Queue a vote; returns once it is committed, or raises its refusal."""
        return await self._queue.submit(_Vote(actor, channel_id, debate_id, stance))

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.close()

    async def _apply(self, session: AsyncSession, batch: Sequence[_Vote]) -> Outcomes[VoteResult]:
        now = self.clock.now()
        scope = await scope_of(session, batch, now)
        users = {vote.actor.user_id for vote in batch}
        joined, previous = await _participants(session, scope.debate_ids, users)
        outcomes: Outcomes[VoteResult] = []
        rows: dict[tuple[int, int, str], dict[str, object]] = {}
        for vote in batch:
            try:
                debate, phase = open_for(
                    scope.debates[vote.debate_key],
                    vote,
                    Action.VOTE,
                    "vote",
                    joined=joined,
                    mutes=scope.mutes,
                    now=now,
                )
            except errors.Refusal as refusal:
                outcomes.append(refusal)
                continue
            stage = phase.vote_stage
            assert stage is not None
            key = (debate.id, vote.actor.user_id, stage)
            before = previous.get(key)
            previous[key] = vote.stance
            rows[key] = {
                "debate_id": debate.id,
                "user_id": vote.actor.user_id,
                "stage": stage,
                "stance": vote.stance.value,
                "cast_at": now,
                "updated_at": now,
            }
            outcomes.append(VoteResult(debate.id, stage, vote.stance, before))
        if rows:
            # Sorted, so concurrent writers lock the rows in one order (PostgreSQL).
            await session.execute(self._upsert(), [rows[key] for key in sorted(rows)])
        return outcomes

    def _upsert(self) -> Any:
        """The upsert for this database's dialect."""
        return _UPSERTS[self.db.dialect]


async def _participants(
    session: AsyncSession, debate_ids: set[int], users: set[int]
) -> tuple[set[tuple[int, int]], dict[tuple[int, int, str], Stance]]:
    """Who of ``users`` joined which debate, and the votes they already cast, in one read.
    A vote only counts from a participant, so their earlier votes are all that matter."""
    joined: set[tuple[int, int]] = set()
    previous: dict[tuple[int, int, str], Stance] = {}
    if not debate_ids:
        return joined, previous
    rows = await session.execute(
        select(Participant.debate_id, Participant.user_id, MotionVote.stage, MotionVote.stance)
        .outerjoin(
            MotionVote,
            (MotionVote.debate_id == Participant.debate_id)
            & (MotionVote.user_id == Participant.user_id),
        )
        .where(Participant.debate_id.in_(debate_ids), Participant.user_id.in_(users))
    )
    for debate_id, user_id, stage, stance in rows:
        joined.add((debate_id, user_id))
        if stage is not None:
            previous[(debate_id, user_id, stage)] = Stance(stance)
    return joined, previous
