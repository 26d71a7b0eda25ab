"""Arguments by group commit: proposals and rebuttals posted at the same moment.

The posts waiting at one moment are checked one after another, each seeing the ones before
it (a second identical text is a duplicate, a per-debater limit counts the earlier posts of
the batch), and written together: six reads, one numbering update per debate and one
insert, whatever the batch size. Numbers come from ``UPDATE ... RETURNING`` on the debate
row, so processes sharing a PostgreSQL database never hand out the same ``#n``.
See :mod:`bot.services.group_commit`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import DebatesConfig
from bot.domain import errors, rules
from bot.domain.enums import Action, ArgumentKind, ArgumentStatus, Side
from bot.domain.formats import get_format
from bot.services import outbox
from bot.services.base import argument_ref, text_hash
from bot.services.group_commit import (
    Addressed,
    GroupCommit,
    Outcomes,
    arguments_by_number,
    scope_of,
)
from bot.services.views import Actor, ArgumentView
from bot.storage.database import Database
from bot.storage.models import Argument, Debate, Mute, Participant

_ARGUMENTS = Argument.__table__
assert isinstance(_ARGUMENTS, Table)
#: Core, not ORM, and built once: the ORM's bulk insert turned each row's keys into
#: attributes and back, a fifth of a post batch's time in a 1,000-post burst. No RETURNING:
#: on SQLite an ordered RETURNING runs one INSERT per row (201 statements and 60 ms for 200
#: posts, against 1 and 4 ms); the ids are read back by (debate, number) instead.
_INSERT_ARGUMENTS = insert(_ARGUMENTS)
_SET_MESSAGE_IDS = (
    update(_ARGUMENTS)
    .where(_ARGUMENTS.c.id == bindparam("argument"))
    .values(message_id=bindparam("message"))
)


@dataclass(frozen=True, slots=True)
class _Post(Addressed):
    text: str
    rebut: int | None  # the number of the argument it rebuts; None for a proposal


@dataclass
class _Authors:
    """What the batch knows of each (debate, author), updated as it accepts posts."""

    sides: dict[tuple[int, int], Side] = field(default_factory=dict)
    posted: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    last: dict[tuple[int, int], datetime] = field(default_factory=dict)
    #: (debate, author, text hash) -> the argument's number (None until numbered)
    texts: dict[tuple[int, int, str], int | None] = field(default_factory=dict)


class _SameAsEarlier(Exception):
    """The text repeats a post accepted earlier in this batch, whose number comes later."""

    def __init__(self, key: tuple[int, int, str]) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class _Accepted:
    """A post that passed its checks, waiting for its number."""

    index: int
    debate_id: int
    guild_id: int
    channel_id: int
    author_id: int
    side: Side
    kind: ArgumentKind
    phase: str
    parent: Argument | None
    body: str
    digest: str
    created_at: datetime

    def row(self, number: int) -> dict[str, object]:
        return {
            "debate_id": self.debate_id,
            "number": number,
            "author_id": self.author_id,
            "side": self.side.value,
            "kind": self.kind.value,
            "phase": self.phase,
            "parent_id": self.parent.id if self.parent else None,
            "body": self.body,
            "body_hash": self.digest,
            "status": ArgumentStatus.VISIBLE.value,
            "created_at": self.created_at,
        }

    def card(self, number: int, now: datetime) -> dict[str, object]:
        """The outbox row of its card, due once its interaction had time to carry it."""
        return outbox.row(
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            kind=outbox.ARGUMENT_CARD,
            debate_id=self.debate_id,
            ref=number,
            now=now,
            delay=outbox.FAST_PATH_GRACE,
        )

    def view(self, argument_id: int, number: int) -> ArgumentView:
        return ArgumentView(
            id=argument_id,
            debate_id=self.debate_id,
            number=number,
            author_id=self.author_id,
            side=self.side,
            kind=self.kind,
            phase=self.phase,
            parent_number=self.parent.number if self.parent else None,
            body=self.body,
            status=ArgumentStatus.VISIBLE,
            removed_reason=None,
            message_id=None,
            created_at=self.created_at,
        )


@dataclass(frozen=True, slots=True)
class _Card:
    guild_id: int
    debate_id: int
    number: int
    message_id: int


class PostBatcher:
    """Posts arguments; each caller returns once its argument is committed, with its ``#n``.
    The message ids of their cards, written right after, are batched the same way."""

    def __init__(self, db: Database, clock: Clock, limits: Callable[[int], DebatesConfig]) -> None:
        self.clock = clock
        self.limits = limits
        self._queue: GroupCommit[_Post, ArgumentView] = GroupCommit(db, self._apply, "posts")
        self._cards: GroupCommit[_Card, None] = GroupCommit(db, _apply_cards, "argument-cards")

    async def post(
        self,
        actor: Actor,
        text: str,
        *,
        channel_id: int | None = None,
        debate_id: int | None = None,
        rebut: int | None,
    ) -> ArgumentView:
        """Queue a proposal (``rebut`` None) or a rebuttal of ``#rebut``, in the debate of a
        channel (commands) or one named by id (the Rebut modal)."""
        return await self._queue.submit(_Post(actor, channel_id, debate_id, text, rebut))

    async def set_message(
        self,
        guild_id: int,
        debate_id: int,
        number: int,
        message_id: int,
    ) -> None:
        """Remember the message that shows argument ``#number`` (scoped by guild), and mark
        its card's outbox row delivered."""
        await self._cards.submit(_Card(guild_id, debate_id, number, message_id))

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.close()
        await self._cards.close()

    async def _apply(self, session: AsyncSession, batch: Sequence[_Post]) -> Outcomes[ArgumentView]:
        now = self.clock.now()
        scope = await scope_of(session, batch, now)
        ids = scope.debate_ids
        users = {post.actor.user_id for post in batch}
        hashes = {text_hash(post.text.strip()) for post in batch}
        known = await _authors(session, ids, users, hashes)
        rebutted = {post.rebut for post in batch if post.rebut is not None}
        parents = await arguments_by_number(session, ids, rebutted)
        outcomes: list[ArgumentView | BaseException | None] = [None] * len(batch)
        accepted: list[_Accepted] = []
        repeats: list[tuple[int, tuple[int, int, str]]] = []
        for index, post in enumerate(batch):
            try:
                debate = scope.debates[post.debate_key]
                if isinstance(debate, BaseException):
                    raise debate
                accepted.append(self._check(index, post, debate, scope.mutes, known, parents, now))
            except _SameAsEarlier as repeat:
                repeats.append((index, repeat.key))
            except errors.Refusal as refusal:
                outcomes[index] = refusal
        if accepted:
            for item, view in zip(accepted, await _write(session, accepted), strict=True):
                outcomes[item.index] = view
                known.texts[(item.debate_id, item.author_id, item.digest)] = view.number
        for index, key in repeats:
            number = known.texts[key]
            assert number is not None
            outcomes[index] = errors.DuplicateArgument(number)
        assert all(outcome is not None for outcome in outcomes)
        return [outcome for outcome in outcomes if outcome is not None]

    def _check(
        self,
        index: int,
        post: _Post,
        debate: Debate,
        mutes: dict[tuple[int, int], Mute],
        known: _Authors,
        parents: dict[tuple[int, int], Argument],
        now: datetime,
    ) -> _Accepted:
        """One post's checks, in the order members are told about them (as when it is
        posted alone), counting the posts accepted before it in the batch."""
        fmt = get_format(debate.format)
        phase = fmt.phase(debate.phase)
        author = (debate.id, post.actor.user_id)
        if phase.is_closed:
            raise errors.DebateClosed()
        mute = mutes.get((post.actor.guild_id, post.actor.user_id))
        rules.check_mute(mute.until if mute else None, mute.reason if mute else None, now)
        if debate.locked:
            raise errors.Locked()
        action = Action.PROPOSE if post.rebut is None else Action.REBUT
        what = "post arguments" if post.rebut is None else "rebut"
        rules.require_action(fmt, phase, action, what)
        side = known.sides.get(author)
        limits = self.limits(post.actor.guild_id)  # the server's own, from memory
        body = rules.check_text(post.text, limits.max_argument_length)
        parent: Argument | None = None
        if post.rebut is None:
            kind = rules.proposal_kind(phase, side, known.posted[(*author, phase.name)])
        else:
            parent = parents.get((debate.id, post.rebut))
            if parent is None:
                raise errors.UnknownArgument(post.rebut)
            rules.check_rebuttal_target(side, argument_ref(parent))
            kind = ArgumentKind.REBUTTAL
        assert side is not None
        rules.check_member_age(post.actor.joined_guild_at, limits.min_member_age_minutes, now)
        digest = text_hash(body)
        text_key = (*author, digest)
        if text_key in known.texts:
            number = known.texts[text_key]
            if number is None:
                raise _SameAsEarlier(text_key)
            raise errors.DuplicateArgument(number)
        rules.check_cooldown(known.last.get(author), limits.argument_cooldown_seconds, now)
        known.posted[(*author, phase.name)] += 1
        known.last[author] = now
        known.texts[text_key] = None
        return _Accepted(
            index,
            debate.id,
            debate.guild_id,
            debate.channel_id,
            post.actor.user_id,
            side,
            kind,
            phase.name,
            parent,
            body,
            digest,
            now,
        )


async def _authors(
    session: AsyncSession, debate_ids: set[int], users: set[int], hashes: set[str]
) -> _Authors:
    """The authors' sides, their posts per phase, their last post, and their earlier posts
    of the same texts."""
    known = _Authors()
    if not debate_ids:
        return known
    sides = await session.execute(
        select(Participant.debate_id, Participant.user_id, Participant.side).where(
            Participant.debate_id.in_(debate_ids), Participant.user_id.in_(users)
        )
    )
    known.sides = {(d, u): Side(side) for d, u, side in sides}
    posts = await session.execute(
        select(
            Argument.debate_id,
            Argument.author_id,
            Argument.phase,
            func.count(),
            func.max(Argument.created_at),
        )
        .where(Argument.debate_id.in_(debate_ids), Argument.author_id.in_(users))
        .group_by(Argument.debate_id, Argument.author_id, Argument.phase)
    )
    for debate_id, author_id, phase, count, last in posts:
        known.posted[(debate_id, author_id, phase)] = count
        before = known.last.get((debate_id, author_id))
        known.last[(debate_id, author_id)] = last if before is None else max(before, last)
    same = await session.execute(
        select(Argument.debate_id, Argument.author_id, Argument.body_hash, Argument.number).where(
            Argument.debate_id.in_(debate_ids),
            Argument.author_id.in_(users),
            Argument.body_hash.in_(hashes),
        )
    )
    for debate_id, author_id, digest, number in same:
        known.texts.setdefault((debate_id, author_id, digest), number)
    return known


async def _write(session: AsyncSession, accepted: list[_Accepted]) -> list[ArgumentView]:
    """Number the accepted posts in order (per debate) and insert them, with the outbox
    rows of their cards (one more statement for the whole batch)."""
    per_debate = Counter(item.debate_id for item in accepted)
    next_number: dict[int, int] = {}
    for debate_id, count in sorted(per_debate.items()):  # one lock order for every process
        top = await session.scalar(
            update(Debate)
            .where(Debate.id == debate_id)
            .values(argument_count=Debate.argument_count + count)
            .returning(Debate.argument_count)
        )
        assert top is not None
        next_number[debate_id] = top - count + 1
    numbers = []
    for item in accepted:
        numbers.append(next_number[item.debate_id])
        next_number[item.debate_id] += 1
    await session.execute(
        _INSERT_ARGUMENTS,
        [item.row(number) for item, number in zip(accepted, numbers, strict=True)],
    )
    # Each debate's new numbers are one range: read their ids back in one query.
    ranges = [
        and_(
            _ARGUMENTS.c.debate_id == debate_id,
            _ARGUMENTS.c.number.between(top - count + 1, top),
        )
        for debate_id, count in per_debate.items()
        for top in [next_number[debate_id] - 1]
    ]
    found = await session.execute(
        select(_ARGUMENTS.c.debate_id, _ARGUMENTS.c.number, _ARGUMENTS.c.id).where(or_(*ranges))
    )
    ids = {(debate_id, number): row_id for debate_id, number, row_id in found}
    argument_ids = [
        ids[(item.debate_id, number)] for item, number in zip(accepted, numbers, strict=True)
    ]
    now = outbox.wall_now()
    await outbox.add(
        session, [item.card(number, now) for item, number in zip(accepted, numbers, strict=True)]
    )
    return [
        item.view(argument_id, number)
        for item, argument_id, number in zip(accepted, argument_ids, numbers, strict=True)
    ]


async def _apply_cards(session: AsyncSession, batch: Sequence[_Card]) -> Outcomes[None]:
    """Store each card's message id; a debate of another guild or an unknown ``#n`` is
    refused, as when asked alone."""
    now = outbox.wall_now()
    rows_by_id = await session.execute(
        select(Debate.id, Debate.guild_id).where(Debate.id.in_({card.debate_id for card in batch}))
    )
    guilds = {debate_id: guild_id for debate_id, guild_id in rows_by_id}
    found = await arguments_by_number(session, set(guilds), {card.number for card in batch})
    outcomes: Outcomes[None] = []
    rows = []
    marks = []
    for card in batch:
        if guilds.get(card.debate_id) != card.guild_id:
            outcomes.append(errors.UnknownDebate(card.debate_id))
        elif (card.debate_id, card.number) not in found:
            outcomes.append(errors.UnknownArgument(card.number))
        else:
            outcomes.append(None)
            argument = found[(card.debate_id, card.number)]
            rows.append({"argument": argument.id, "message": card.message_id})
            marks.append(
                {
                    "debate": card.debate_id,
                    "number": card.number,
                    "message": card.message_id,
                    "at": now,
                }
            )
    if rows:
        await session.execute(_SET_MESSAGE_IDS, rows)
    if marks:
        await session.execute(outbox.MARK_CARD_DELIVERED, marks)
    return outcomes
