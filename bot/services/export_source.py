"""The database side of exports: one debate's rows, streamed into the export model.

Everything is read in the caller's session (one transaction, so the header counts match the
rows). Rows stream in batches of :data:`BATCH` (``yield_per``); the reply tree is an index of
integers, so memory stays flat as a debate grows.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Dialect, Integer, Select, String, bindparam, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import UserDefinedType

from bot.domain.enums import ArgumentKind, Side, Stance
from bot.domain.exchanges import answerable
from bot.domain.formats import Format, get_format
from bot.domain.scoring import ArgumentScore, outcome, persuasive_ranking, unanswered
from bot.exports import model as m
from bot.exports.pseudonyms import MEMBER_PREFIX, plain, pseudonymizer
from bot.exports.tree import MarkCounts, ReplyTree
from bot.services.base import load_motion, motion_view
from bot.services.members import moderators_of, people_of, place_names
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    Debate,
    DebateName,
    DebatePhase,
    Member,
    MindChange,
    MotionVote,
    Participant,
    Place,
    Summary,
)

BATCH = 1000
TOP_PERSUASIVE = 10
AnySelect = Select[*tuple[Any, ...]]
Row = TypeVar("Row")
_SIDES = {side.value: side for side in Side}
_KINDS = {kind.value: kind for kind in ArgumentKind}
_STANCES = {stance.value: stance for stance in Stance}
#: SQLite has ``json_each`` built in from 3.38.
JSON_EACH = sqlite3.sqlite_version_info >= (3, 38, 0)


def iso_from_db(value: Any) -> str | None:
    """A stored time as :func:`bot.exports.model.iso` spells it, without building a datetime.

    SQLite keeps UTC times as text, ``YYYY-MM-DD HH:MM:SS.ffffff`` (what SQLAlchemy writes):
    that is sliced into ISO-8601 (``isoformat`` leaves out zero microseconds). Anything else
    (other text, or a driver's ``datetime``) goes through ``datetime`` and ``iso`` as before.
    """
    if value is None:
        return None
    if type(value) is str and len(value) == 26 and value[10] == " " and value[19] == ".":
        if value.endswith(".000000"):
            return value[:10] + "T" + value[11:19] + "Z"
        return value[:10] + "T" + value[11:] + "Z"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return m.iso(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


class IsoTime(UserDefinedType[str]):
    """Reads a ``UTCDateTime`` column as ISO-8601 text (see :func:`iso_from_db`).

    Used with :func:`sqlalchemy.type_coerce`, which changes how results are read, not the SQL.
    """

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "TIMESTAMP"

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], str | None]:
        return iso_from_db


_ISO = IsoTime()


def _time(column: Any) -> Any:
    return type_coerce(column, _ISO)


class DbExportSource:
    """An :class:`bot.exports.model.ExportSource` reading one debate in one session."""

    def __init__(
        self,
        session: AsyncSession,
        debate: Debate,
        include_removed: bool,
        progress: m.Progress | None,
        show_removed: bool | None = None,
    ) -> None:
        self.session, self.debate, self.include_removed = session, debate, include_removed
        self.show_removed = include_removed if show_removed is None else show_removed
        self.progress = progress
        #: How rows spell a voter's id, and any other member's (a pseudonym, or the id).
        self.voter: Callable[[int], str] = plain
        self.member: Callable[[int], str] = plain
        #: Free text as exported: with everyone pseudonymous, mentions name pseudonyms.
        self.text: Callable[[str | None], str | None] = _same
        self.tree = ReplyTree(debate.argument_count)
        self.counts = MarkCounts(debate.argument_count)
        #: The number each argument rebuts (0: none), filled by the index pass, so the row
        #: queries need no self-join.
        self.parents = array("q", [0]) * (debate.argument_count + 1)
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

    async def load(
        self, pseudonymous: bool, *, everyone: bool = False, show_moderators: bool = False
    ) -> None:
        """Read the small part (header) and build the reply tree index.

        ``pseudonymous``: voters as pseudonyms (``exports.pseudonymous_voters``).
        ``everyone``: every member as a pseudonym and no names (``exports.pseudonymous:
        all``), but moderators of this debate keep theirs with ``show_moderators``.
        """
        d, session = self.debate, self.session
        shown: set[int] | None = None  # whose names the export may show (None: everyone's)
        if everyone:
            shown = await self._moderators() if show_moderators else set()
            pseudonym = pseudonymizer(d.guild_id, d.id, MEMBER_PREFIX)
            self.member = self.voter = lambda user: str(user) if user in shown else pseudonym(user)
            self.text = _mentions_as(self.member)
        elif pseudonymous:
            self.voter = pseudonymizer(d.guild_id, d.id)
        people = await self._people(shown, voters=not (pseudonymous or everyone))
        guild_name, channel_name, thread_name = await self._places()
        member = self.member
        fmt = get_format(d.format)
        motion = motion_view(await load_motion(session, d.motion_id))
        phases = await session.scalars(
            select(DebatePhase)
            .where(DebatePhase.debate_id == d.id)
            .order_by(DebatePhase.phase_index)
        )
        per_phase: dict[str, int] = {
            phase: count
            for phase, count in await session.execute(
                select(Argument.phase, func.count())
                .where(Argument.debate_id == d.id)
                .group_by(Argument.phase)
            )
        }
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
                member(d.created_by),
                d.created_at,
                d.closed_at,
                guild_name,
                channel_name,
                thread_name,
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
                    None if p.ended_by is None else member(p.ended_by),
                    per_phase.get(p.phase, 0),
                )
                for p in phases
            ),
            results=await self._results(fmt),
            summaries=tuple(
                m.SummaryRow(
                    s.kind, s.phase, s.backend, s.template, self.text(s.text) or "", s.created_at
                )
                for s in summaries
            ),
            counts=await self._counts(),
            pseudonymous_voters=pseudonymous or everyone,
            include_removed=self.include_removed,
            show_removed=self.show_removed,
            people=people,
            pseudonymous_all=everyone,
        )

    async def _moderators(self) -> set[int]:
        """Who acted as a moderator in this debate."""
        return set((await self.session.scalars(moderators_of(self.debate.id))).all())

    async def _people(self, shown: set[int] | None, *, voters: bool) -> m.People:
        """The names of the members the rows name by id: as the debate closed (its
        snapshot), else as last seen. ``voters=False`` leaves out who appears only as a
        voter (they are pseudonyms); ``shown`` limits the names to those members."""
        d = self.debate
        if shown is not None and not shown:
            return m.People()
        everyone = people_of(d.id, voters=voters).subquery()
        user = everyone.c[0]
        query = (
            select(
                user,
                DebateName.user_id,
                DebateName.display_name,
                DebateName.username,
                Member.display_name,
                Member.username,
            )
            .select_from(everyone)
            .outerjoin(DebateName, (DebateName.debate_id == d.id) & (DebateName.user_id == user))
            .outerjoin(Member, (Member.guild_id == d.guild_id) & (Member.user_id == user))
        )
        found: dict[str, m.Person] = {}
        for user_id, kept, kept_name, kept_username, name, username in await self.session.execute(
            query
        ):
            if shown is not None and user_id not in shown:
                continue
            if kept is not None:
                found[str(user_id)] = m.Person(kept_name, kept_username)
            elif name is not None:
                found[str(user_id)] = m.Person(name, username)
        return m.People(found)

    async def _places(self) -> tuple[str | None, str | None, str | None]:
        """The server's, channel's and thread's names: as the debate closed, else as last seen."""
        d = self.debate
        if d.guild_name is not None or d.channel_name is not None:
            return d.guild_name, d.channel_name, d.thread_name
        ids = [d.guild_id, d.channel_id] + ([d.parent_channel_id] if d.parent_channel_id else [])
        rows = await self.session.execute(
            select(Place.id, Place.name).where(Place.id.in_(ids), Place.guild_id == d.guild_id)
        )
        return place_names(d, {place_id: name for place_id, name in rows})

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
        stance_of = _STANCES.__getitem__
        async for batch in self._batches(votes):
            for user_id, stage, stance in batch:
                if stage in by_stage:
                    by_stage[stage][user_id] = stance_of(stance)
        if len(stages) >= 2:
            scored = outcome(by_stage[stages[0]], by_stage[stages[-1]])
            tallies = [(stages[0], scored.pre), (stages[-1], scored.post)]
        else:
            scored = outcome(None, by_stage[stages[0]] if stages else {})
            tallies = [(stages[0] if stages else "votes", scored.post)]
        del by_stage
        open_points, ranked = await self._index(fmt)
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

    async def _index(self, fmt: Format) -> tuple[list[int], list[ArgumentScore]]:
        """One pass over the arguments' numbers, parents and counts (integers only).

        Fills the reply tree and the per-number counts of marks and mind changes; returns the
        points never answered (only those a rebuttal could still reach, as the summaries
        count them: :func:`bot.domain.exchanges.answerable`) and the persuasive ranking.
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
                Argument.phase,
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
        open_to_answer: dict[tuple[str, str], bool] = {}
        kind_of = _KINDS.__getitem__
        add, count, side_of = self.tree.add, self.counts.set, _SIDES.__getitem__
        parents = self.parents
        async for batch in self._batches(query):
            for number, parent_number, side, status, kind, phase, p, d in batch:
                add(number, parent_number)
                if parent_number is not None:
                    if number >= len(parents):
                        parents.extend([0] * (number + 1 - len(parents)))
                    parents[number] = parent_number
                if p or d:
                    count(number, p, d)
                if status != "visible":
                    continue
                if kind == "rebuttal" and parent_number is not None:
                    answered.add(parent_number)
                if p or d:
                    scores.append(ArgumentScore(number, side_of(side), p, d))
                if (kind, phase) not in open_to_answer:
                    open_to_answer[kind, phase] = answerable(fmt, phase, kind_of(kind))
                if not open_to_answer[kind, phase]:
                    continue
                visible.append(number)
                against.append(side == "against")
        sides = (Side.FOR, Side.AGAINST)
        debating = ((n, sides[flag]) for n, flag in zip(visible, against, strict=True))
        return unanswered(debating, answered), persuasive_ranking(scores)

    async def _batches(self, query: AnySelect) -> AsyncIterator[Sequence[Any]]:
        """Rows of ``query`` in lists of :data:`BATCH`: Core rows, one await per batch."""
        connection = await self.session.connection()
        result = await connection.stream(query.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield batch

    async def _rows(
        self, section: str, query: AnySelect, shape: Callable[[Any], Row]
    ) -> AsyncIterator[Row]:
        """``shape(row)`` for each row, fetched a batch at a time; counts and reports them."""
        total, done = getattr(self.header.counts, section), 0
        async for batch in self._batches(query):
            for row in map(shape, batch):
                yield row
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
            select(Participant.user_id, Participant.side, _time(Participant.joined_at))
            .where(Participant.debate_id == self.debate.id)
            .order_by(Participant.id)
        )
        voter, member, audience = self.voter, self.member, Side.AUDIENCE.value
        row_of = m.ParticipantRow

        def shape(row: Any) -> m.ParticipantRow:
            user_id, side, joined_at = row
            return row_of(voter(user_id) if side == audience else member(user_id), side, joined_at)

        return self._rows("participants", query, shape)

    def _argument_query(self) -> AnySelect:
        return select(
            Argument.number,
            Argument.author_id,
            Argument.side,
            Argument.kind,
            Argument.phase,
            Argument.status,
            Argument.body,
            Argument.removed_reason,
            Argument.removed_by,
            _time(Argument.removed_at),
            _time(Argument.created_at),
        ).where(Argument.debate_id == self.debate.id)

    def _argument_shape(self) -> Callable[[Any], m.ArgumentRow]:
        """``row -> ArgumentRow`` for rows of :meth:`_argument_query`, with depth and counts."""
        depths, marks, deltas = self.tree.depth, self.counts.marks, self.counts.deltas
        parents, include_removed, row_of = self.parents, self.include_removed, m.ArgumentRow
        known = min(len(depths), len(marks), len(parents))
        member, text, plain_text = self.member, self.text, self.text is _same

        def shape(row: Any) -> m.ArgumentRow:
            number, author, side, kind, phase, status, body, reason, by, at, created = row
            if status == "removed" and not include_removed:
                body = None
            if not plain_text:
                body, reason = text(body), text(reason)
            if number < known:
                parent, depth, p, d = parents[number], depths[number], marks[number], deltas[number]
            else:  # not in the index (cannot happen within one transaction): a bare root
                parent = depth = p = d = 0
            return row_of(
                number,
                parent or None,
                depth if depth > 0 else 0,
                member(author),
                side,
                kind,
                phase,
                status,
                body,
                reason,
                None if by is None else member(by),
                at,
                created,
                p,
                d,
            )

        return shape

    def arguments(self, order: m.ArgumentOrder = "number") -> AsyncIterator[m.ArgumentRow]:
        if order == "number":
            query = self._argument_query().order_by(Argument.number)
            return self._rows("arguments", query, self._argument_shape())
        return self._tree_order()

    async def _tree_order(self) -> AsyncIterator[m.ArgumentRow]:
        """Depth-first order: the tree index names each batch, one query fetches it."""
        total, done = self.header.counts.arguments, 0
        shape = self._argument_shape()
        connection = await self.session.connection()
        query, bind = _numbers_in(connection.dialect.name)
        query = self._argument_query().where(Argument.number.in_(query))
        walk = (number for number, _ in self.tree.walk())
        while chunk := list(islice(walk, BATCH)):
            result = await connection.execute(query, {"numbers": bind(chunk)})
            rows = {row[0]: row for row in result.all()}
            for row in map(shape, map(rows.__getitem__, chunk)):
                yield row
            done += len(chunk)
            self._report("arguments", done, total)
        self._finish("arguments", done, total)

    def motion_votes(self) -> AsyncIterator[m.MotionVoteRow]:
        query = (
            select(
                MotionVote.stage,
                MotionVote.user_id,
                MotionVote.stance,
                _time(MotionVote.cast_at),
                _time(MotionVote.updated_at),
            )
            .where(MotionVote.debate_id == self.debate.id)
            .order_by(MotionVote.id)
        )
        voter, row_of = self.voter, m.MotionVoteRow
        return self._rows(
            "motion_votes", query, lambda r: row_of(r[0], voter(r[1]), r[2], r[3], r[4])
        )

    def persuasive_marks(self) -> AsyncIterator[m.MarkRow]:
        query = (
            select(Argument.number, ArgumentVote.user_id, _time(ArgumentVote.created_at))
            .join(Argument, Argument.id == ArgumentVote.argument_id)
            .where(ArgumentVote.debate_id == self.debate.id)
            .order_by(ArgumentVote.id)
        )
        voter, row_of = self.voter, m.MarkRow
        return self._rows("persuasive_marks", query, lambda r: row_of(r[0], voter(r[1]), r[2]))

    def mind_changes(self) -> AsyncIterator[m.MindChangeRow]:
        query = (
            select(
                Argument.number,
                MindChange.user_id,
                MindChange.explanation,
                _time(MindChange.created_at),
            )
            .join(Argument, Argument.id == MindChange.argument_id)
            .where(MindChange.debate_id == self.debate.id)
            .order_by(MindChange.id)
        )
        voter, text, row_of = self.voter, self.text, m.MindChangeRow
        return self._rows(
            "mind_changes", query, lambda r: row_of(r[0], voter(r[1]), text(r[2]) or "", r[3])
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
                _time(AuditEvent.created_at),
            )
            .where(AuditEvent.debate_id == self.debate.id)
            .order_by(AuditEvent.id)
        )
        member, text, row_of = self.member, self.text, m.AuditRow

        def shape(r: Any) -> m.AuditRow:
            actor = None if r[2] is None else member(r[2])
            target = None if r[3] is None else member(r[3])
            return row_of(r[0], r[1], actor, target, r[4], text(r[5]), text(r[6]), r[7])

        return self._rows("audit_events", query, shape)


_MENTION = re.compile(r"<@!?(\d{1,20})>")


def _same(text: str | None) -> str | None:
    return text


def _mentions_as(member: Callable[[int], str]) -> Callable[[str | None], str | None]:
    """Free text with each member mention (``<@id>``) written ``@`` + how rows name them."""

    def text(value: str | None) -> str | None:
        if value is None or "<@" not in value:
            return value
        return _MENTION.sub(lambda found: "@" + member(int(found.group(1))), value)

    return text


def _numbers_in(dialect: str) -> tuple[Any, Callable[[list[int]], Any]]:
    """The right side of ``number IN (...)`` for a batch of numbers bound as ``numbers``.

    One statement for every batch, compiled once. On SQLite the batch is one JSON text read
    by ``json_each`` (still an index lookup per number), as binding a thousand parameters
    costs SQLAlchemy more than the query; elsewhere an expanding parameter.
    """
    if dialect == "sqlite" and JSON_EACH:
        values = func.json_each(bindparam("numbers", type_=String)).table_valued("value")
        return select(values.c.value).scalar_subquery(), _json_list
    return bindparam("numbers", type_=Integer, expanding=True), list


def _json_list(numbers: list[int]) -> str:
    return "[" + ",".join(map(str, numbers)) + "]"


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
