"""Mind changes (``/delta``) by group commit: an audience crediting the argument of the night.

The credits waiting at one moment are checked in order, each seeing the ones before it (a
member's second credit of one argument in the same batch is refused as a repeat), and
written together with their public notices (outbox rows): six reads (the debates, active
mutes, who joined, the arguments, the credits already given and their counts) and two
inserts, whatever the batch size. See :mod:`bot.services.group_commit`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain import errors, rules
from bot.domain.enums import Action
from bot.services import outbox
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
from bot.services.views import Actor, MindChangeResult
from bot.storage.database import Database
from bot.storage.models import MindChange

_MIND_CHANGES = MindChange.__table__
assert isinstance(_MIND_CHANGES, Table)
#: Core, built once: the ORM's bulk insert would map every row's keys to attributes and back.
_INSERT_CREDITS = insert(_MIND_CHANGES)


@dataclass(frozen=True, slots=True)
class _Credit(Addressed):
    number: int
    explanation: str
    limit: int  # the server's longest argument, which bounds an explanation too


class DeltaBatcher:
    """Credits mind changes; each caller returns once its credit is committed."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.clock = clock
        self._queue: GroupCommit[_Credit, MindChangeResult] = GroupCommit(
            db, self._apply, "delta-batcher"
        )

    async def credit(
        self,
        actor: Actor,
        number: int,
        explanation: str,
        limit: int,
        *,
        channel_id: int | None,
        debate_id: int | None = None,
    ) -> MindChangeResult:
        """Queue a credit of argument ``#number``; returns the committed result or raises."""
        return await self._queue.submit(
            _Credit(actor, channel_id, debate_id, number, explanation, limit)
        )

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.close()

    async def _apply(
        self, session: AsyncSession, batch: Sequence[_Credit]
    ) -> Outcomes[MindChangeResult]:
        now = self.clock.now()
        scope = await scope_of(session, batch, now)
        ids = scope.debate_ids
        users = {credit.actor.user_id for credit in batch}
        joined = await joined_pairs(session, ids, users)
        arguments = await arguments_by_number(session, ids, {c.number for c in batch})
        given, counts = await _credits(session, {a.id for a in arguments.values()}, users)
        outcomes: Outcomes[MindChangeResult] = []
        rows = []
        # One public notice per argument per batch, naming everyone who credited it: a burst
        # of credits must not queue a post per member behind Discord's per-channel limit.
        notice_of: dict[int, dict[str, Any]] = {}
        places: list[tuple[int, int, int, int]] = []
        for credit in batch:
            try:
                debate, _ = open_for(
                    scope.debates[credit.debate_key],
                    credit,
                    Action.DELTA,
                    "credit a mind change",
                    joined=joined,
                    mutes=scope.mutes,
                    now=now,
                )
                target = arguments.get((debate.id, credit.number))
                if target is None:
                    raise errors.UnknownArgument(credit.number)
                rules.check_mark_target(credit.actor.user_id, argument_ref(target), "credit")
                body = rules.check_explanation(credit.explanation, credit.limit)
                if (target.id, credit.actor.user_id) in given:
                    raise errors.AlreadyCredited(credit.number)
            except errors.Refusal as refusal:
                outcomes.append(refusal)
                continue
            given.add((target.id, credit.actor.user_id))
            counts[target.id] += 1
            rows.append(
                {
                    "debate_id": debate.id,
                    "argument_id": target.id,
                    "user_id": credit.actor.user_id,
                    "explanation": body,
                    "created_at": now,
                }
            )
            count = counts[target.id]
            credited = notice_of.get(target.id)
            if credited is None:
                notice_of[target.id] = credited = {
                    "notice": "delta",
                    "users": [],
                    "number": credit.number,
                    "author": target.author_id,
                }
                places.append((debate.guild_id, debate.channel_id, debate.id, target.id))
            credited["users"].append(credit.actor.user_id)
            credited["count"] = count
            outcomes.append(MindChangeResult(debate.id, credit.number, target.author_id, count))
        if rows:
            await session.execute(_INSERT_CREDITS, rows)
            wall = outbox.wall_now()
            notices = [
                outbox.row(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    kind=outbox.NOTICE,
                    debate_id=debate_id,
                    payload=notice_of[argument_id],
                    now=wall,
                )
                for guild_id, channel_id, debate_id, argument_id in places
            ]
            await outbox.add(session, notices)  # the public notices, with the credits
        return outcomes


async def _credits(
    session: AsyncSession, argument_ids: set[int], users: set[int]
) -> tuple[set[tuple[int, int]], Counter[int]]:
    """The (argument, member) credits these members gave, and every credit count of the
    arguments."""
    if not argument_ids:
        return set(), Counter()
    mine = await session.execute(
        select(MindChange.argument_id, MindChange.user_id).where(
            MindChange.argument_id.in_(argument_ids), MindChange.user_id.in_(users)
        )
    )
    totals = await session.execute(
        select(MindChange.argument_id, func.count())
        .where(MindChange.argument_id.in_(argument_ids))
        .group_by(MindChange.argument_id)
    )
    return {(a, u) for a, u in mine}, Counter({a: n for a, n in totals})
