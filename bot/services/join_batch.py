"""Joins and leaves by group commit: everyone pressing the motion card's buttons at once.

The joins and leaves waiting at one moment are checked in order, each seeing the ones before
it (a member who joins and then switches in one batch is switched), and written together:
five reads (the debates, active mutes, the members' sides, who of them argued, the motions
for the answers) and at most one delete and one upsert, whatever the batch size.
See :mod:`bot.services.group_commit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import errors, rules
from bot.domain.enums import Action, Side
from bot.services.base import debate_view, format_and_phase
from bot.services.group_commit import Addressed, GroupCommit, Outcomes, scope_of
from bot.services.views import Actor, DebateView, JoinResult
from bot.storage.database import Database
from bot.storage.models import Argument, Debate, Motion, Participant

_PARTICIPANTS = Participant.__table__
assert isinstance(_PARTICIPANTS, Table)


def _build_upsert(dialect: str, table: Table) -> Any:
    """Join or switch in one statement, built once: a switch keeps the join time."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=["debate_id", "user_id"], set_={"side": statement.excluded.side}
    )


_UPSERTS = {dialect: _build_upsert(dialect, _PARTICIPANTS) for dialect in ("sqlite", "postgresql")}


@dataclass(frozen=True, slots=True)
class _Move(Addressed):
    side: Side | None  # None: leave


class JoinBatcher:
    """Joins, switches and leaves; each caller returns once its move is committed."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._queue: GroupCommit[_Move, JoinResult | DebateView] = GroupCommit(
            db, self._apply, "join-batcher"
        )

    async def join(
        self, actor: Actor, side: Side, *, channel_id: int | None, debate_id: int | None
    ) -> JoinResult:
        """Queue a join (or a switch) of ``side``; returns once committed, or raises."""
        result = await self._queue.submit(_Move(actor, channel_id, debate_id, side))
        assert isinstance(result, JoinResult)
        return result

    async def leave(self, actor: Actor, channel_id: int) -> DebateView:
        """Queue a leave of the channel's debate; returns once committed, or raises."""
        result = await self._queue.submit(_Move(actor, channel_id, None, None))
        assert isinstance(result, DebateView)
        return result

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.close()

    async def _apply(
        self, session: AsyncSession, batch: Sequence[_Move]
    ) -> Outcomes[JoinResult | DebateView]:
        now = self.clock.now()
        scope = await scope_of(session, batch, now)
        ids = scope.debate_ids
        users = {move.actor.user_id for move in batch}
        sides, argued = await _members(session, ids, users)
        motions = await motions_of(session, scope.debates.values())
        before = dict(sides)
        left: set[tuple[int, int]] = set()
        outcomes: Outcomes[JoinResult | DebateView] = []
        for move in batch:
            try:
                debate = scope.debates[move.debate_key]
                if isinstance(debate, BaseException):
                    raise debate
                pair = (debate.id, move.actor.user_id)
                current = sides.get(pair)
                view = debate_view(debate, motions[debate.motion_id])
                if move.side is None:
                    if current is None:
                        raise errors.NotJoined()
                    del sides[pair]
                    left.add(pair)
                    outcomes.append(view)
                    continue
                fmt, phase = format_and_phase(debate)
                rules.require_action(fmt, phase, Action.JOIN, "join")
                mute = scope.mutes.get((move.actor.guild_id, move.actor.user_id))
                rules.check_mute(mute.until if mute else None, mute.reason if mute else None, now)
                rules.check_side_change(fmt, current, move.side, pair in argued)
            except errors.Refusal as refusal:
                outcomes.append(refusal)
                continue
            sides[pair] = move.side
            outcomes.append(JoinResult(view, move.side, current))
        # Who left at some point goes first (a rejoin in the same batch is a new join).
        gone = sorted(pair for pair in left if pair in before)
        if gone:
            await session.execute(
                delete(Participant).where(
                    tuple_(Participant.debate_id, Participant.user_id).in_(gone)
                )
            )
        rows = [
            {"debate_id": d, "user_id": u, "side": side.value, "joined_at": now}
            for (d, u), side in sorted(sides.items())
            if before.get((d, u)) != side or (d, u) in left
        ]
        if rows:  # sorted, so concurrent writers lock the rows in one order (PostgreSQL)
            await session.execute(_UPSERTS[self.db.dialect], rows)
        return outcomes


async def _members(
    session: AsyncSession, debate_ids: set[int], users: set[int]
) -> tuple[dict[tuple[int, int], Side], set[tuple[int, int]]]:
    """The sides of these members in these debates, and which of them argued there."""
    if not debate_ids:
        return {}, set()
    rows = await session.execute(
        select(Participant.debate_id, Participant.user_id, Participant.side).where(
            Participant.debate_id.in_(debate_ids), Participant.user_id.in_(users)
        )
    )
    sides = {(d, u): Side(side) for d, u, side in rows}
    posted = await session.execute(
        select(Argument.debate_id, Argument.author_id)
        .where(Argument.debate_id.in_(debate_ids), Argument.author_id.in_(users))
        .distinct()
    )
    return sides, {(d, u) for d, u in posted}


async def motions_of(
    session: AsyncSession, debates: Iterable[Debate | BaseException]
) -> dict[int, Motion]:
    """The motions of the batch's debates, for the answers' views."""
    wanted = {d.motion_id for d in debates if isinstance(d, Debate)}
    if not wanted:
        return {}
    return {m.id: m for m in await session.scalars(select(Motion).where(Motion.id.in_(wanted)))}
