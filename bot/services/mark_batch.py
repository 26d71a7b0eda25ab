"""Persuasive marks by group commit: an audience marking the argument everyone talks about.

Each press toggles the member's mark. The presses waiting at one moment are applied in
order, as if one after another, and written together in one transaction: six reads (the
debates, active mutes, who joined, the arguments, the pressers' marks and the mark counts)
and at most one delete and one insert, whatever the batch size.
See :mod:`bot.services.group_commit`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import errors, rules
from bot.domain.enums import Action
from bot.services.base import argument_ref
from bot.services.group_commit import (
    Addressed,
    GroupCommit,
    Outcomes,
    arguments_by_number,
    joined_pairs,
    open_for,
    scope_of,
)
from bot.services.views import Actor, MarkResult
from bot.storage.database import Database
from bot.storage.models import ArgumentVote

_ARGUMENT_VOTES = ArgumentVote.__table__
assert isinstance(_ARGUMENT_VOTES, Table)
#: Core, built once: the ORM's bulk insert would map every row's keys to attributes and back.
_INSERT_MARKS = insert(_ARGUMENT_VOTES)


@dataclass(frozen=True, slots=True)
class _Press(Addressed):
    number: int


class MarkBatcher:
    """Toggles persuasive marks; each caller returns once its toggle is committed."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.clock = clock
        self._queue: GroupCommit[_Press, MarkResult] = GroupCommit(db, self._apply, "mark-batcher")

    async def toggle(
        self, actor: Actor, number: int, *, channel_id: int | None, debate_id: int | None
    ) -> MarkResult:
        """Queue a press on argument ``#number``; returns the committed result or raises."""
        return await self._queue.submit(_Press(actor, channel_id, debate_id, number))

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.close()

    async def _apply(self, session: AsyncSession, batch: Sequence[_Press]) -> Outcomes[MarkResult]:
        now = self.clock.now()
        scope = await scope_of(session, batch, now)
        ids = scope.debate_ids
        users = {press.actor.user_id for press in batch}
        joined = await joined_pairs(session, ids, users)
        arguments = await arguments_by_number(session, ids, {press.number for press in batch})
        marked, counts = await _marks(session, {a.id for a in arguments.values()}, users)
        before = set(marked)
        outcomes: Outcomes[MarkResult] = []
        for press in batch:
            try:
                debate, _ = open_for(
                    scope.debates[press.debate_key],
                    press,
                    Action.PERSUASIVE,
                    "mark arguments persuasive",
                    joined=joined,
                    mutes=scope.mutes,
                    now=now,
                )
                target = arguments.get((debate.id, press.number))
                if target is None:
                    raise errors.UnknownArgument(press.number)
                rules.check_mark_target(press.actor.user_id, argument_ref(target), "mark")
            except errors.Refusal as refusal:
                outcomes.append(refusal)
                continue
            pair = (target.id, press.actor.user_id)
            now_marked = pair not in marked
            if now_marked:
                marked.add(pair)
                counts[target.id] += 1
            else:
                marked.discard(pair)
                counts[target.id] -= 1
            count = counts[target.id]
            outcomes.append(
                MarkResult(debate.id, press.number, now_marked, count, target.message_id)
            )
        if taken_back := before - marked:
            await session.execute(
                delete(ArgumentVote).where(
                    tuple_(ArgumentVote.argument_id, ArgumentVote.user_id).in_(sorted(taken_back))
                )
            )
        if added := marked - before:
            debate_of = {a.id: a.debate_id for a in arguments.values()}
            await session.execute(
                _INSERT_MARKS,
                [
                    {"debate_id": debate_of[a], "argument_id": a, "user_id": u, "created_at": now}
                    for a, u in sorted(added)
                ],
            )
        return outcomes


async def _marks(
    session: AsyncSession, argument_ids: set[int], users: set[int]
) -> tuple[set[tuple[int, int]], Counter[int]]:
    """The (argument, member) marks of these members, and every mark count of the arguments."""
    if not argument_ids:
        return set(), Counter()
    mine = await session.execute(
        select(ArgumentVote.argument_id, ArgumentVote.user_id).where(
            ArgumentVote.argument_id.in_(argument_ids), ArgumentVote.user_id.in_(users)
        )
    )
    totals = await session.execute(
        select(ArgumentVote.argument_id, func.count())
        .where(ArgumentVote.argument_id.in_(argument_ids))
        .group_by(ArgumentVote.argument_id)
    )
    return {(a, u) for a, u in mine}, Counter({a: n for a, n in totals})
