"""What the annotated essay shows, as plain values the writers render.

Numbers are the debates' own results (``bot.domain.scoring.outcome`` through the debate
service); arguments are ranked by the bridging rank (``bot.domain.bridging``). Member text
appears as excerpts; the essay's own text only as the paragraphs of an imported essay whose
operator may reproduce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FORMATS: tuple[str, ...] = ("markdown", "html", "json")
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}
CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
SCHEMA_VERSION = 1
#: Characters of a member's argument or explanation shown (about a sentence).
EXCERPT_CHARS = 200


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """About a sentence of ``text``: whitespace folded, cut at ``limit`` with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class VoteStage:
    """One vote of a debate: counts and percentages per stance (``for``/``against``/
    ``undecided``)."""

    stage: str
    total: int
    counts: dict[str, int]
    percentages: dict[str, float]


@dataclass(frozen=True, slots=True)
class StrongArgument:
    """The strongest argument of one side by the bridging rank."""

    number: int
    side: str
    kind: str
    excerpt: str
    persuasive: int
    mind_changes: int
    #: Endorsers who voted for the other side, or undecided, before the debate.
    across: int
    score: int


@dataclass(frozen=True, slots=True)
class MindChangeCredit:
    """The argument most often credited with changing a mind, with one explanation."""

    number: int
    side: str
    excerpt: str
    count: int
    explanation: str


@dataclass(frozen=True, slots=True)
class PropositionEntry:
    """One proposition of the series, in the essay's paragraph order."""

    number: int
    paragraphs: str | None
    text: str
    context: str | None
    #: Paragraph texts, only for an imported essay its operator may reproduce.
    paragraph_texts: dict[int, str]
    debate_id: int | None
    #: ``not debated``, ``open`` (results hidden until it closes) or ``closed``.
    state: str
    format: str | None
    pre: VoteStage | None
    post: VoteStage | None
    swing: dict[str, float] | None
    winner: str | None
    verdict: str | None
    participants: int
    #: ``persuaded``, ``rejected`` or ``split``; ``None`` while not concluded.
    conclusion: str | None
    strongest: dict[str, StrongArgument | None]
    mind_change: MindChangeCredit | None


@dataclass(frozen=True, slots=True)
class AnnotatedEssay:
    series_id: int
    guild_id: int
    essay_title: str
    essay_author: str | None
    essay_url: str | None
    schedule: str
    format: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    propositions: tuple[PropositionEntry, ...]

    def concluded(self, conclusion: str) -> list[PropositionEntry]:
        """The propositions the room concluded ``conclusion`` on, in paragraph order."""
        return [p for p in self.propositions if p.conclusion == conclusion]


@dataclass(frozen=True, slots=True)
class AnnotatedFile:
    """A rendered annotated essay, ready to upload or write."""

    filename: str
    data: bytes
    content_type: str
    series_id: int
