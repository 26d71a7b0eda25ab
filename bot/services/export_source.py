"""The database side of exports: one debate's rows, streamed into the export model.

Everything is read in the caller's session (one transaction, so the header counts match the
rows). Rows stream in batches of :data:`BATCH` (``yield_per``); the reply tree is an index of
integers, so memory stays flat as a debate grows.
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.enums import Side, Stance
from bot.domain.formats import Format, get_format
from bot.domain.scoring import ArgumentScore, outcome, persuasive_ranking, unanswered
from bot.exports import model as m
from bot.exports.pseudonyms import plain, pseudonymizer
from bot.exports.tree import ReplyTree
from bot.services.base import load_motion, motion_view
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    Debate,
    DebatePhase,
    MindChange,
    MotionVote,
    Participant,
    Summary,
)

BATCH = 1000
TOP_PERSUASIVE = 10
AnySelect = Select[*tuple[Any, ...]]


class DbExportSource:
    """An :class:`bot.exports.model.ExportSource` reading one debate in one session."""

    def __init__(
        self,
        session: AsyncSession,
        debate: Debate,
        include_removed: bool,
        progress: m.Progress | None,
    ) -> None:
        self.session, self.debate, self.include_removed = session, debate, include_removed
        self.progress = progress
        self.voter: Callable[[int], str] = plain
        self.tree = ReplyTree()
        self.seen: dict[str, int] = {}
        self._header: m.Header | None = None

    @property
    def header(self) -> m.Header:
        assert self._header is not None, "load() first"
        return self._header

    def stats(self, written: int) -> m.ExportStats:
        s = self.seen
        return m.ExportStats(
            participants=s.get("participants", 0),
            arguments=s.get("arguments", 0),
            motion_votes=s.get("motion_votes", 0),
            persuasive_marks=s.get("persuasive_marks", 0),
            mind_changes=s.get("mind_changes", 0),
            audit_events=s.get("audit_events", 0),
            bytes_written=written,
        )

    async def load(self, pseudonymous: bool) -> None:
        """Read the small part (header) and build the reply tree index."""
        d, session = self.debate, self.session
        if pseudonymous:
            self.voter = pseudonymizer(d.guild_id, d.id)
        fmt = get_format(d.format)
        motion = motion_view(await load_motion(session, d.motion_id))
        phases = await session.scalars(
            select(DebatePhase)
            .where(DebatePhase.debate_id == d.id)
            .order_by(DebatePhase.phase_index)
        )
        summaries = await session.scalars(
            select(Summary).where(Summary.debate_id == d.id).order_by(Summary.id)
        )
        self._header = m.Header(
            debate=m.DebateInfo(
                d.id,
                d.guild_id,
                d.channel_id,
                d.parent_channel_id,
                d.format,
                fmt.title,
                d.status,
                d.phase,
                _title(fmt, d.phase),
                d.locked,
                d.results_visibility,
                plain(d.created_by),
                d.created_at,
                d.closed_at,
            ),
            motion=m.MotionInfo(
                motion.id, motion.key, motion.text, motion.paragraphs, motion.context, motion.source
            ),
            phases=tuple(
                m.PhaseRow(
                    p.phase_index,
                    p.phase,
                    _title(fmt, p.phase),
                    p.started_at,
                    p.deadline,
                    p.ended_at,
                    None if p.ended_by is None else plain(p.ended_by),
                )
                for p in phases
            ),
            results=await self._results(fmt),
            summaries=tuple(
                m.SummaryRow(s.kind, s.phase, s.backend, s.template, s.text, s.created_at)
                for s in summaries
            ),
            counts=await self._counts(),
            pseudonymous_voters=pseudonymous,
            include_removed=self.include_removed,
        )

    async def _counts(self) -> m.Counts:
        async def count(model: Any) -> int:
            query = select(func.count()).select_from(model).where(model.debate_id == self.debate.id)
            return int(await self.session.scalar(query) or 0)

        return m.Counts(
            participants=await count(Participant),
            arguments=await count(Argument),
            motion_votes=await count(MotionVote),
            persuasive_marks=await count(ArgumentVote),
            mind_changes=await count(MindChange),
            audit_events=await count(AuditEvent),
        )

    async def _results(self, fmt: Format) -> m.Results:
        """Score with :func:`bot.domain.scoring.outcome`; rank with the domain's rankings."""
        stages = fmt.stages
        by_stage: dict[str, dict[int, Stance]] = {stage: {} for stage in stages}
        votes = select(MotionVote.user_id, MotionVote.stage, MotionVote.stance).where(
            MotionVote.debate_id == self.debate.id
        )
        async for user_id, stage, stance in await self._stream(votes):
            if stage in by_stage:
                by_stage[stage][user_id] = Stance(stance)
        if len(stages) >= 2:
            scored = outcome(by_stage[stages[0]], by_stage[stages[-1]])
            tallies = [(stages[0], scored.pre), (stages[-1], scored.post)]
        else:
            scored = outcome(None, by_stage[stages[0]] if stages else {})
            tallies = [(stages[0] if stages else "votes", scored.post)]
        del by_stage
        visible, against, answered = await self._index()
        sides = (Side.FOR, Side.AGAINST)
        open_points = unanswered(((n, sides[against[n]]) for n in visible), answered)
        return m.Results(
            stages=tuple(
                m.StageResult(
                    stage,
                    t.total,
                    {s.value: n for s, n in t.counts.items()},
                    {s.value: p for s, p in t.percentages.items()},
                )
                for stage, t in tallies
                if t is not None
            ),
            swing={s.value: v for s, v in scored.swing.items()},
            winner=scored.winner.value if scored.winner else None,
            is_tie=scored.is_tie,
            transitions={
                b.value: {a.value: n for a, n in row.items()}
                for b, row in scored.transitions.items()
            },
            voters_in_both=scored.voters_in_both,
            most_persuasive=await self._most_persuasive(),
            unanswered=tuple(open_points),
        )

    async def _index(self) -> tuple[array[int], bytearray, set[int]]:
        """Fill the reply tree; return visible numbers, side flags and answered numbers."""
        parent = aliased(Argument)
        query = (
            select(Argument.number, parent.number, Argument.side, Argument.status, Argument.kind)
            .outerjoin(parent, parent.id == Argument.parent_id)
            .where(Argument.debate_id == self.debate.id)
            .order_by(Argument.number)
        )
        visible, against, answered = array("q"), bytearray(), set[int]()
        async for number, parent_number, side, status, kind in await self._stream(query):
            self.tree.add(number, parent_number)
            if len(against) <= number:
                against.extend(bytes(number + 1 - len(against)))
            against[number] = side == Side.AGAINST.value
            if status == "visible":
                visible.append(number)
                if kind == "rebuttal" and parent_number is not None:
                    answered.add(parent_number)
        return visible, against, answered

    async def _most_persuasive(self) -> tuple[m.RankedArgument, ...]:
        marks = _per_argument(ArgumentVote, self.debate.id)
        deltas = _per_argument(MindChange, self.debate.id)
        query = (
            select(
                Argument.number,
                Argument.side,
                func.coalesce(marks.c.n, 0),
                func.coalesce(deltas.c.n, 0),
            )
            .outerjoin(marks, marks.c.argument_id == Argument.id)
            .outerjoin(deltas, deltas.c.argument_id == Argument.id)
            .where(Argument.debate_id == self.debate.id, Argument.status == "visible")
            .where((marks.c.n.is_not(None)) | (deltas.c.n.is_not(None)))
        )
        scores = [
            ArgumentScore(number, Side(side), int(p), int(d))
            async for number, side, p, d in await self._stream(query)
        ]
        ranked = persuasive_ranking(scores)[:TOP_PERSUASIVE]
        return tuple(
            m.RankedArgument(s.number, s.side.value, s.persuasive, s.mind_changes) for s in ranked
        )

    async def _stream(self, query: AnySelect) -> AsyncIterator[Any]:
        result = await self.session.stream(query.execution_options(yield_per=BATCH))
        return cast(AsyncIterator[Any], result)

    def _tick(self, section: str, done: int, total: int, final: bool = False) -> None:
        if final:
            self.seen[section] = done
        if self.progress is not None and (final or done % BATCH == 0):
            self.progress(section, done, total)

    async def participants(self) -> AsyncIterator[m.ParticipantRow]:
        query = (
            select(Participant.user_id, Participant.side, Participant.joined_at)
            .where(Participant.debate_id == self.debate.id)
            .order_by(Participant.id)
        )
        total, done = self.header.counts.participants, 0
        async for user_id, side, joined_at in await self._stream(query):
            shown = plain(user_id) if Side(side).is_debater else self.voter(user_id)
            yield m.ParticipantRow(shown, side, joined_at)
            done += 1
            self._tick("participants", done, total)
        self._tick("participants", done, total, final=True)

    def _argument_query(self) -> AnySelect:
        parent = aliased(Argument)
        marks = select(func.count()).where(ArgumentVote.argument_id == Argument.id)
        deltas = select(func.count()).where(MindChange.argument_id == Argument.id)
        return (
            select(
                Argument.number,
                parent.number,
                Argument.author_id,
                Argument.side,
                Argument.kind,
                Argument.phase,
                Argument.status,
                Argument.body,
                Argument.removed_reason,
                Argument.removed_by,
                Argument.removed_at,
                Argument.created_at,
                marks.scalar_subquery(),
                deltas.scalar_subquery(),
            )
            .outerjoin(parent, parent.id == Argument.parent_id)
            .where(Argument.debate_id == self.debate.id)
        )

    def _argument_row(self, row: Any) -> m.ArgumentRow:
        number, parent, author, side, kind, phase, status, body, reason, by, at, created = row[:12]
        removed = status == "removed"
        return m.ArgumentRow(
            number=number,
            parent=parent,
            depth=self.tree.depth_of(number),
            author=plain(author),
            side=side,
            kind=kind,
            phase=phase,
            status=status,
            body=None if removed and not self.include_removed else body,
            removed_reason=reason,
            removed_by=None if by is None else plain(by),
            removed_at=at,
            created_at=created,
            persuasive=int(row[12]),
            mind_changes=int(row[13]),
        )

    async def arguments(self, order: m.ArgumentOrder = "number") -> AsyncIterator[m.ArgumentRow]:
        total, done = self.header.counts.arguments, 0
        if order == "number":
            query = self._argument_query().order_by(Argument.number)
            async for row in await self._stream(query):
                yield self._argument_row(row)
                done += 1
                self._tick("arguments", done, total)
        else:
            walk = self.tree.walk()
            while chunk := [number for number, _ in _take(walk, BATCH)]:
                query = self._argument_query().where(Argument.number.in_(chunk))
                rows = {row[0]: row for row in await self.session.execute(query)}
                for number in chunk:
                    yield self._argument_row(rows[number])
                    done += 1
                    self._tick("arguments", done, total)
        self._tick("arguments", done, total, final=True)

    async def motion_votes(self) -> AsyncIterator[m.MotionVoteRow]:
        query = (
            select(
                MotionVote.stage,
                MotionVote.user_id,
                MotionVote.stance,
                MotionVote.cast_at,
                MotionVote.updated_at,
            )
            .where(MotionVote.debate_id == self.debate.id)
            .order_by(MotionVote.id)
        )
        total, done = self.header.counts.motion_votes, 0
        async for stage, user_id, stance, cast_at, updated_at in await self._stream(query):
            yield m.MotionVoteRow(stage, self.voter(user_id), stance, cast_at, updated_at)
            done += 1
            self._tick("motion_votes", done, total)
        self._tick("motion_votes", done, total, final=True)

    async def persuasive_marks(self) -> AsyncIterator[m.MarkRow]:
        query = (
            select(Argument.number, ArgumentVote.user_id, ArgumentVote.created_at)
            .join(Argument, Argument.id == ArgumentVote.argument_id)
            .where(ArgumentVote.debate_id == self.debate.id)
            .order_by(ArgumentVote.id)
        )
        total, done = self.header.counts.persuasive_marks, 0
        async for number, user_id, created_at in await self._stream(query):
            yield m.MarkRow(number, self.voter(user_id), created_at)
            done += 1
            self._tick("persuasive_marks", done, total)
        self._tick("persuasive_marks", done, total, final=True)

    async def mind_changes(self) -> AsyncIterator[m.MindChangeRow]:
        query = (
            select(
                Argument.number, MindChange.user_id, MindChange.explanation, MindChange.created_at
            )
            .join(Argument, Argument.id == MindChange.argument_id)
            .where(MindChange.debate_id == self.debate.id)
            .order_by(MindChange.id)
        )
        total, done = self.header.counts.mind_changes, 0
        async for number, user_id, explanation, created_at in await self._stream(query):
            yield m.MindChangeRow(number, self.voter(user_id), explanation, created_at)
            done += 1
            self._tick("mind_changes", done, total)
        self._tick("mind_changes", done, total, final=True)

    async def audit_events(self) -> AsyncIterator[m.AuditRow]:
        query = (
            select(
                AuditEvent.id,
                AuditEvent.action,
                AuditEvent.actor_id,
                AuditEvent.target_user_id,
                AuditEvent.target_argument,
                AuditEvent.reason,
                AuditEvent.detail,
                AuditEvent.created_at,
            )
            .where(AuditEvent.debate_id == self.debate.id)
            .order_by(AuditEvent.id)
        )
        total, done = self.header.counts.audit_events, 0
        async for id_, action, actor, target, number, reason, detail, at in await self._stream(
            query
        ):
            yield m.AuditRow(id_, action, _maybe(actor), _maybe(target), number, reason, detail, at)
            done += 1
            self._tick("audit_events", done, total)
        self._tick("audit_events", done, total, final=True)


def _maybe(user_id: int | None) -> str | None:
    return None if user_id is None else plain(user_id)


def _per_argument(model: Any, debate_id: int) -> Any:
    return (
        select(model.argument_id, func.count().label("n"))
        .where(model.debate_id == debate_id)
        .group_by(model.argument_id)
        .subquery()
    )


def _title(fmt: Format, phase: str) -> str:
    try:
        return fmt.phase(phase).title
    except KeyError:
        return phase


def _take(iterator: Any, size: int) -> list[Any]:
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) == size:
            break
    return chunk
