"""The facts a summary receives: plain, typed values read from the database by one service call.

Templates and the language-model prompt see only these. Removed arguments never appear here;
when results are hidden (``results_visible`` false) the vote stages carry voter counts only and
``outcome`` is ``None``. No discord, no SQLAlchemy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.exports.text import inline

T = TypeVar("T")

KINDS: tuple[str, ...] = ("phase", "final", "status")
LABELS = {"for": "For", "against": "Against", "undecided": "Undecided", "audience": "Audience"}
EXCERPT_CHARS = 160


def whole(value: float) -> int:
    """Round half away from zero, as people read percentages (33.5 -> 34, -16.5 -> -17)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


_PINGS = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


def inert_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """:func:`excerpt` made inert for Discord: Markdown characters backslash-escaped (so no
    emphasis, link, code or heading starts in member text) and ``@everyone``/``@here`` broken
    by a zero-width space, on top of the adapter's disabled mentions."""
    return _PINGS.sub("@\u200b\\1", inline(excerpt(text, limit)))


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """A list cut to what a summary shows, remembering how many were left out."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """How many items exist beyond the ones shown ("and N more")."""
        return self.total - len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def cut(items: Sequence[T], limit: int) -> Listing[T]:
    """The first ``limit`` items, with the full count."""
    return Listing(tuple(items[:limit]), len(items))


@dataclass(frozen=True, slots=True)
class MotionFacts:
    text: str
    source: str
    paragraphs: str | None
    context: str | None


@dataclass(frozen=True, slots=True)
class PhaseFacts:
    """The current phase and its timing, and the phase a phase summary is about."""

    name: str
    title: str
    started_at: datetime
    deadline: datetime | None
    next_title: str | None
    about_name: str
    about_title: str
    about_arguments: int


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class SideFacts:
    """One debating side: its members and its visible arguments per kind."""

    side: str
    label: str
    members: int
    arguments: int
    by_kind: tuple[KindCount, ...]


@dataclass(frozen=True, slots=True)
class ArgumentFact:
    """A visible argument as summaries cite it: ``#n``, author, marks, a short excerpt.

    ``excerpt`` is inert member text (see :func:`inert_excerpt`); ``across`` counts the
    members from across the divide (the other side, or undecided, before the debate) who
    marked it or credited it with a mind change; ``rebuttals`` its visible direct answers.
    """

    number: int
    author_id: int
    side: str
    kind: str
    persuasive: int
    mind_changes: int
    excerpt: str
    across: int = 0
    rebuttals: int = 0

    @property
    def ref(self) -> str:
        return f"#{self.number}"

    @property
    def mention(self) -> str:
        return f"<@{self.author_id}>"

    @property
    def side_label(self) -> str:
        return LABELS.get(self.side, self.side)


@dataclass(frozen=True, slots=True)
class SidePoints:
    """One side's main points: its arguments best first by the bridging rank (arguments
    nobody endorsed follow in number order, so a side that argued always has points)."""

    side: str
    label: str
    points: Listing[ArgumentFact]


@dataclass(frozen=True, slots=True)
class ClashFacts:
    """The central clash: the most-rebutted argument and the rebuttals answering it, best
    first by the bridging rank."""

    target: ArgumentFact
    answers: Listing[ArgumentFact]


@dataclass(frozen=True, slots=True)
class ArgumentText:
    """A visible argument with its (clipped) text, for the language-model prompt only."""

    number: int
    author_id: int
    side: str
    kind: str
    parent_number: int | None
    body: str

    @property
    def label(self) -> str:
        """What the fence around this argument says it is (no member text)."""
        parent = f", rebutting #{self.parent_number}" if self.parent_number else ""
        return f"argument #{self.number} ({self.side}, {self.kind}{parent}, by <@{self.author_id}>)"


@dataclass(frozen=True, slots=True)
class StanceShare:
    stance: str
    label: str
    count: int
    percent: int


@dataclass(frozen=True, slots=True)
class StageFacts:
    """One motion-vote stage: voters always; the shares only when results are visible."""

    stage: str
    title: str
    voters: int
    shares: tuple[StanceShare, ...]

    @property
    def visible(self) -> bool:
        return bool(self.shares)


@dataclass(frozen=True, slots=True)
class SwingFact:
    """One stance from the first vote to the last: percentages and the change in points."""

    stance: str
    label: str
    before: int
    after: int
    points: int

    @property
    def signed(self) -> str:
        return f"{self.points:+d}" if self.points else "0"


@dataclass(frozen=True, slots=True)
class TransitionFact:
    before: str
    after: str
    before_label: str
    after_label: str
    count: int


@dataclass(frozen=True, slots=True)
class OutcomeFacts:
    """Swing, winner and movement; only present when results may be shown."""

    two_stage: bool
    swing: tuple[SwingFact, ...]
    winner: str | None
    winner_label: str | None
    is_tie: bool
    transitions: tuple[TransitionFact, ...]
    voters_in_both: int


@dataclass(frozen=True, slots=True)
class ModerationFacts:
    removed_arguments: int
    warnings: int
    mutes: int


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """Everything a summary may say; template variables are these field names."""

    kind: str
    debate_id: int
    format_name: str
    format_title: str
    is_open: bool
    generated_at: datetime
    motion: MotionFacts
    phase: PhaseFacts
    sides: tuple[SideFacts, ...]
    audience: int
    arguments_total: int
    strongest: Listing[ArgumentFact]
    unanswered: Listing[ArgumentFact]
    main_points: tuple[SidePoints, ...]
    clash: ClashFacts | None
    results_visible: bool
    votes: tuple[StageFacts, ...]
    outcome: OutcomeFacts | None
    moderation: ModerationFacts
    texts: Listing[ArgumentText]
    visible_numbers: frozenset[int]

    def context(self) -> dict[str, Any]:
        """The template variables: every field by name, and ``facts`` for the whole."""
        values: dict[str, Any] = {name: getattr(self, name) for name in FACT_NAMES}
        values["facts"] = self
        return values

    def cited(self) -> tuple[ArgumentFact, ...]:
        """Every argument the facts cite: strongest, unanswered, main points, the clash."""
        found = [*self.strongest, *self.unanswered]
        for side in self.main_points:
            found.extend(side.points)
        if self.clash is not None:
            found.extend((self.clash.target, *self.clash.answers))
        return tuple(found)

    def percentages(self) -> set[int]:
        """Every percentage a summary may state: shares per stage and swings (absolute)."""
        found = {share.percent for stage in self.votes for share in stage.shares}
        if self.outcome is not None:
            found |= {abs(s.points) for s in self.outcome.swing}
        return found

    def counts(self) -> set[int]:
        """Every count a summary may state about votes, arguments and members."""
        found = {self.audience, self.arguments_total, len(self.visible_numbers)}
        for side in self.sides:
            found |= {side.members, side.arguments, *(k.count for k in side.by_kind)}
        for stage in self.votes:
            found |= {stage.voters, *(share.count for share in stage.shares)}
        for item in self.cited():
            found |= {item.persuasive, item.mind_changes, item.across, item.rebuttals}
        found |= {self.strongest.total, self.unanswered.total, self.phase.about_arguments}
        found |= {side.points.total for side in self.main_points}
        if self.clash is not None:
            found.add(self.clash.answers.total)
        if self.outcome is not None:
            found |= {self.outcome.voters_in_both, *(t.count for t in self.outcome.transitions)}
        mod = self.moderation
        found |= {mod.removed_arguments, mod.warnings, mod.mutes}
        return found


FACT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SummaryFacts))
