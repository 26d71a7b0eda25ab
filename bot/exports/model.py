"""The export model: plain rows the writers render, and the source that streams them.

Row classes are not frozen (frozen dataclasses are slower to build, and there is one per row);
treat them as read-only.

Writers never see the database: they get an :class:`ExportSource` whose ``header`` is small
(debate, motion, phases, results, summaries, counts) and whose row methods are async
iterators, so a writer holds one row at a time whatever the size of the debate.
Member ids are strings (JavaScript loses precision on 64-bit numbers); voters may be
pseudonyms (see :mod:`bot.exports.pseudonyms`). Rows carry ids only; the names the bot
recorded for them are in ``Header.people`` (:class:`People`), which human formats read
through :meth:`People.label`. Times in the header are ``datetime``; times
in the streamed rows are already ISO-8601 text as :func:`iso` spells it (``...Z``), since
every writer prints them that way and there are several per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

SCHEMA_VERSION = 2
FORMATS: tuple[str, ...] = ("markdown", "html", "json", "csv", "argdown")
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json", "csv": "zip", "argdown": "argdown"}
CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "application/zip",
    "argdown": "text/plain; charset=utf-8",
}

ArgumentOrder = Literal["number", "tree"]
#: ``progress(section, done, total)``: called by sources as rows stream out.
Progress = Callable[[str, int, int], None]


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` suffix, or ``None``."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat()[:-6] + "Z"


@dataclass(frozen=True, slots=True)
class MotionInfo:
    id: int
    key: str | None
    text: str
    paragraphs: str | None
    context: str | None
    source: str


@dataclass(frozen=True, slots=True)
class DebateInfo:
    id: int
    guild_id: int
    channel_id: int
    parent_channel_id: int | None
    format: str
    format_title: str
    status: str
    phase: str
    phase_title: str
    locked: bool
    results_visibility: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    #: Names as Discord last sent them to the bot; ``None`` when never seen (or pseudonymous).
    guild_name: str | None = None
    #: The text channel (the thread's parent when the debate runs in a thread).
    channel_name: str | None = None
    thread_name: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A member's names as Discord sent them: display name (server nickname, else global
    name, else username) and username."""

    display_name: str
    username: str | None = None


class People:
    """The names of the members an export mentions, keyed by the id the rows carry.

    A member the bot never saw is absent and keeps their id. :meth:`label` is what human
    formats print: the display name, with ``@username`` added where two members share it.
    """

    __slots__ = ("_people", "_shared")

    def __init__(self, people: Mapping[str, Person] | None = None) -> None:
        self._people: dict[str, Person] = dict(people or {})
        names = Counter(p.display_name.casefold() for p in self._people.values())
        self._shared = {name for name, n in names.items() if n > 1}

    def get(self, user: str) -> Person | None:
        return self._people.get(user)

    def name(self, user: str | None) -> str | None:
        """The display name of ``user``; ``None`` when unknown (what machine formats print)."""
        person = self._people.get(user) if user is not None else None
        return None if person is None else person.display_name

    def label(self, user: str | None) -> str:
        """How to name ``user`` to a reader: display name, ``name (@username)`` when the
        display name is shared, the id itself when unknown; ``""`` for no one."""
        if user is None:
            return ""
        person = self._people.get(user)
        if person is None:
            return user
        if person.username and person.display_name.casefold() in self._shared:
            return f"{person.display_name} (@{person.username})"
        return person.display_name

    def items(self) -> Iterator[tuple[str, Person]]:
        """``(id, person)`` in id order (exports are byte-for-byte reproducible)."""
        return iter(sorted(self._people.items()))

    def __len__(self) -> int:
        return len(self._people)

    def __contains__(self, user: object) -> bool:
        return user in self._people


@dataclass(frozen=True, slots=True)
class PhaseRow:
    index: int
    name: str
    title: str
    started_at: datetime
    deadline: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    #: Arguments posted in this phase.
    arguments: int = 0


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: str
    total: int
    counts: dict[str, int]
    percentages: dict[str, float]


@dataclass(frozen=True, slots=True)
class RankedArgument:
    number: int
    side: str
    persuasive: int
    mind_changes: int


@dataclass(frozen=True, slots=True)
class Results:
    """The scored outcome (from :func:`bot.domain.scoring.outcome`) and the rankings."""

    stages: tuple[StageResult, ...]
    swing: dict[str, float]
    winner: str | None
    is_tie: bool
    transitions: dict[str, dict[str, int]]
    voters_in_both: int
    most_persuasive: tuple[RankedArgument, ...]
    unanswered: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    kind: str
    phase: str
    backend: str
    template: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Counts:
    participants: int
    arguments: int
    motion_votes: int
    persuasive_marks: int
    mind_changes: int
    audit_events: int


@dataclass(frozen=True, slots=True)
class Header:
    """Everything small about a debate; rows stream separately."""

    debate: DebateInfo
    motion: MotionInfo
    phases: tuple[PhaseRow, ...]
    results: Results
    summaries: tuple[SummaryRow, ...]
    counts: Counts
    pseudonymous_voters: bool
    include_removed: bool
    #: Removed arguments appear (marked removed) in the formats that otherwise leave them
    #: out, the Argdown map; their text only with ``include_removed``.
    show_removed: bool = False
    schema_version: int = SCHEMA_VERSION
    #: Names of the members the rows mention (see :class:`People`).
    people: People = field(default_factory=People)
    #: ``exports.pseudonymous: all``: every member is a pseudonym, names are left out.
    pseudonymous_all: bool = False


@dataclass(slots=True)
class ParticipantRow:
    user: str
    side: str
    joined_at: str


@dataclass(slots=True)
class ArgumentRow:
    """One argument; ``body`` is ``None`` for a removed one unless removed text was asked for."""

    number: int
    parent: int | None
    depth: int
    author: str
    side: str
    kind: str
    phase: str
    status: str
    body: str | None
    removed_reason: str | None
    removed_by: str | None
    removed_at: str | None
    created_at: str
    persuasive: int
    mind_changes: int

    @property
    def removed(self) -> bool:
        return self.status == "removed"


@dataclass(slots=True)
class MotionVoteRow:
    stage: str
    voter: str
    stance: str
    cast_at: str
    updated_at: str


@dataclass(slots=True)
class MarkRow:
    """A "persuasive" mark on argument ``number``."""

    number: int
    voter: str
    created_at: str


@dataclass(slots=True)
class MindChangeRow:
    number: int
    voter: str
    explanation: str
    created_at: str


@dataclass(slots=True)
class AuditRow:
    id: int
    action: str
    actor: str | None
    target_user: str | None
    target_argument: int | None
    reason: str | None
    detail: str | None
    created_at: str


class ExportSource(Protocol):
    """What writers read: a small header and row streams (each may be iterated once)."""

    @property
    def header(self) -> Header: ...

    def participants(self) -> AsyncIterator[ParticipantRow]: ...

    def arguments(self, order: ArgumentOrder = "number") -> AsyncIterator[ArgumentRow]: ...

    def motion_votes(self) -> AsyncIterator[MotionVoteRow]: ...

    def persuasive_marks(self) -> AsyncIterator[MarkRow]: ...

    def mind_changes(self) -> AsyncIterator[MindChangeRow]: ...

    def audit_events(self) -> AsyncIterator[AuditRow]: ...


@dataclass(frozen=True, slots=True)
class ExportStats:
    """How many rows of each kind a writer consumed."""

    participants: int = 0
    arguments: int = 0
    motion_votes: int = 0
    persuasive_marks: int = 0
    mind_changes: int = 0
    audit_events: int = 0
    bytes_written: int = 0


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A finished export, ready to upload."""

    filename: str
    data: bytes
    content_type: str
    debate_id: int
