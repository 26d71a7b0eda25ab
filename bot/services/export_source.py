"""The database side of exports: one debate's rows, streamed into the export model.

Everything is read in the caller's session (one transaction, so the header counts match the
rows). Rows stream in batches of :data:`BATCH` (``yield_per``); the reply tree is an index of
integers, so memory stays flat as a debate grows.
"""

from __future__ import annotations

from array import array
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.enums import Side, Stance
from bot.domain.formats import Format, get_format
from bot.domain.scoring import ArgumentScore, outcome, persuasive_ranking, unanswered
from bot.exports import model as m
from bot.exports.pseudonyms import plain, pseudonymizer
from bot.exports.tree import MarkCounts, ReplyTree
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
Row = TypeVar("Row")


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
        self.tree = ReplyTree(debate.argument_count)
        self.counts = MarkCounts(debate.argument_count)
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
        """Rows of each kind, in one query."""
        models = (Participant, Argument, MotionVote, ArgumentVote, MindChange, AuditEvent)
        counts = [
            select(func.count())
            .select_from(model)
            .where(model.debate_id == self.debate.id)
            .scalar_subquery()
            for model in models
        ]
        row = (await self.session.execute(select(*counts))).one()
        return m.Counts(*(int(n) for n in row))

    async def _results(self, fmt: Format) -> m.Results:
        """Score with :func:`bot.domain.scoring.outcome`; rank with the domain's rankings."""
        stages = fmt.stages
        by_stage: dict[str, dict[int, Stance]] = {stage: {} for stage in stages}
        votes = select(MotionVote.user_id, MotionVote.stage, MotionVote.stance).where(
            MotionVote.debate_id == self.debate.id
        )
        async for user_id, stage, stance in self._stream(votes):
            if stage in by_stage:
                by_stage[stage][user_id] = Stance(stance)
        if len(stages) >= 2:
            scored = outcome(by_stage[stages[0]], by_stage[stages[-1]])
            tallies = [(stages[0], scored.pre), (stages[-1], scored.post)]
        else:
            scored = outcome(None, by_stage[stages[0]] if stages else {})
            tallies = [(stages[0] if stages else "votes", scored.post)]
        del by_stage
        open_points, ranked = await self._index()
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
            most_persuasive=tuple(
                m.RankedArgument(s.number, s.side.value, s.persuasive, s.mind_changes)
                for s in ranked[:TOP_PERSUASIVE]
            ),
            unanswered=tuple(open_points),
        )

    async def _index(self) -> tuple[list[int], list[ArgumentScore]]:
        """One pass over the arguments' numbers, parents and counts (integers only).

        Fills the reply tree and the per-number counts of marks and mind changes; returns the
        unanswered arguments and the persuasive ranking, both from :mod:`bot.domain.scoring`.
        """
        parent = aliased(Argument)
        marks = _per_argument(ArgumentVote, self.debate.id)
        deltas = _per_argument(MindChange, self.debate.id)
        query = (
            select(
                Argument.number,
                parent.number,
                Argument.side,
                Argument.status,
                Argument.kind,
                func.coalesce(marks.c.n, 0),
                func.coalesce(deltas.c.n, 0),
            )
            .outerjoin(parent, parent.id == Argument.parent_id)
            .outerjoin(marks, marks.c.argument_id == Argument.id)
            .outerjoin(deltas, deltas.c.argument_id == Argument.id)
            .where(Argument.debate_id == self.debate.id)
            .order_by(Argument.number)
        )
        visible: array[int] = array("q")
        against = bytearray()  # side per visible argument: 1 against, 0 for
        answered: set[int] = set()
        scores: list[ArgumentScore] = []
        add = self.tree.add
        async for batch in self._batches(query):
            for number, parent_number, side, status, kind, p, d in batch:
                add(number, parent_number)
                if p or d:
                    self.counts.set(number, p, d)
                if status != "visible":
                    continue
                visible.append(number)
                against.append(side == "against")
                if kind == "rebuttal" and parent_number is not None:
                    answered.add(parent_number)
                if p or d:
                    scores.append(ArgumentScore(number, Side(side), p, d))
        sides = (Side.FOR, Side.AGAINST)
        debating = ((n, sides[flag]) for n, flag in zip(visible, against, strict=True))
        return unanswered(debating, answered), persuasive_ranking(scores)

    async def _batches(self, query: AnySelect) -> AsyncIterator[Sequence[Any]]:
        """Rows of ``query`` in lists of :data:`BATCH`: Core rows, one await per batch."""
        connection = await self.session.connection()
        result = await connection.stream(query.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield batch

    async def _stream(self, query: AnySelect) -> AsyncIterator[Any]:
        async for batch in self._batches(query):
            for row in batch:
                yield row

    async def _rows(
        self, section: str, query: AnySelect, shape: Callable[[Any], Row]
    ) -> AsyncIterator[Row]:
        """``shape(row)`` for each row, fetched a batch at a time; counts and reports them."""
        total, done = getattr(self.header.counts, section), 0
        async for batch in self._batches(query):
            for row in batch:
                yield shape(row)
            done += len(batch)
            self._report(section, done, total)
        self._finish(section, done, total)

    def _report(self, section: str, done: int, total: int) -> None:
        if self.progress is not None and done < total:
            self.progress(section, done, total)

    def _finish(self, section: str, done: int, total: int) -> None:
        self.seen[section] = done
        if self.progress is not None:
            self.progress(section, done, total)

    def participants(self) -> AsyncIterator[m.ParticipantRow]:
        query = (
            select(Participant.user_id, Participant.side, Participant.joined_at)
            .where(Participant.debate_id == self.debate.id)
            .order_by(Participant.id)
        )

        def shape(row: Any) -> m.ParticipantRow:
            user_id, side, joined_at = row
            shown = self.voter(user_id) if side == Side.AUDIENCE.value else plain(user_id)
            return m.ParticipantRow(shown, side, joined_at)

        return self._rows("participants", query, shape)

    def _argument_query(self) -> AnySelect:
        parent = aliased(Argument)
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
            )
            .outerjoin(parent, parent.id == Argument.parent_id)
            .where(Argument.debate_id == self.debate.id)
        )

    def _argument_row(self, row: Any) -> m.ArgumentRow:
        number, parent, author, side, kind, phase, status, body, reason, by, at, created = row
        withheld = status == "removed" and not self.include_removed
        return m.ArgumentRow(
            number,
            parent,
            self.tree.depth_of(number),
            str(author),
            side,
            kind,
            phase,
            status,
            None if withheld else body,
            reason,
            None if by is None else str(by),
            at,
            created,
            self.counts.marks[number],
            self.counts.deltas[number],
        )

    def arguments(self, order: m.ArgumentOrder = "number") -> AsyncIterator[m.ArgumentRow]:
        if order == "number":
            query = self._argument_query().order_by(Argument.number)
            return self._rows("arguments", query, self._argument_row)
        return self._tree_order()

    async def _tree_order(self) -> AsyncIterator[m.ArgumentRow]:
        """Depth-first order: the tree index names each batch, one query fetches it."""
        total, done = self.header.counts.arguments, 0
        walk = self.tree.walk()
        while chunk := [number for number, _ in _take(walk, BATCH)]:
            numbers = bindparam("numbers", chunk, Integer, expanding=True, literal_execute=True)
            query = self._argument_query().where(Argument.number.in_(numbers))
            connection = await self.session.connection()
            rows = {row[0]: row for row in await connection.execute(query)}
            for number in chunk:
                yield self._argument_row(rows[number])
            done += len(chunk)
            self._report("arguments", done, total)
        self._finish("arguments", done, total)

    def motion_votes(self) -> AsyncIterator[m.MotionVoteRow]:
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
        voter = self.voter
        return self._rows(
            "motion_votes", query, lambda r: m.MotionVoteRow(r[0], voter(r[1]), r[2], r[3], r[4])
        )

    def persuasive_marks(self) -> AsyncIterator[m.MarkRow]:
        query = (
            select(Argument.number, ArgumentVote.user_id, ArgumentVote.created_at)
            .join(Argument, Argument.id == ArgumentVote.argument_id)
            .where(ArgumentVote.debate_id == self.debate.id)
            .order_by(ArgumentVote.id)
        )
        voter = self.voter
        return self._rows("persuasive_marks", query, lambda r: m.MarkRow(r[0], voter(r[1]), r[2]))

    def mind_changes(self) -> AsyncIterator[m.MindChangeRow]:
        query = (
            select(
                Argument.number, MindChange.user_id, MindChange.explanation, MindChange.created_at
            )
            .join(Argument, Argument.id == MindChange.argument_id)
            .where(MindChange.debate_id == self.debate.id)
            .order_by(MindChange.id)
        )
        voter = self.voter
        return self._rows(
            "mind_changes", query, lambda r: m.MindChangeRow(r[0], voter(r[1]), r[2], r[3])
        )

    def audit_events(self) -> AsyncIterator[m.AuditRow]:
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
        return self._rows(
            "audit_events",
            query,
            lambda r: m.AuditRow(r[0], r[1], _maybe(r[2]), _maybe(r[3]), r[4], r[5], r[6], r[7]),
        )


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
