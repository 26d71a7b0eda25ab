"""Plain result objects the services return: no ORM rows leak past a service call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.enums import ArgumentKind, ArgumentStatus, Side, Stance
from bot.domain.scoring import Outcome


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, and where: every service call is scoped by this guild."""

    guild_id: int
    user_id: int
    is_moderator: bool = False
    joined_guild_at: datetime | None = None
    #: May change the server's settings (Manage Server, or a configured admin role).
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class MotionView:
    id: int
    key: str | None
    text: str
    paragraphs: str | None
    context: str | None
    guild_id: int | None
    #: The essay the motion is a proposition of (the built-in one or an imported one).
    essay_id: int | None = None

    @property
    def builtin(self) -> bool:
        return self.guild_id is None

    @property
    def source(self) -> str:
        """Where the motion comes from, for cards and exports."""
        if (self.builtin or self.essay_id is not None) and self.paragraphs:
            return f"Essay, paragraph {self.paragraphs}"
        return "Added by this server's moderators"


@dataclass(frozen=True, slots=True)
class DebateView:
    id: int
    guild_id: int
    channel_id: int
    parent_channel_id: int | None
    card_message_id: int | None
    motion: MotionView
    format: str
    format_title: str
    status: str
    phase: str
    phase_title: str
    phase_index: int
    phase_started_at: datetime
    phase_deadline: datetime | None
    locked: bool
    results_visibility: str
    argument_count: int
    created_by: int
    created_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class JoinResult:
    debate: DebateView
    side: Side
    previous: Side | None


@dataclass(frozen=True, slots=True)
class ArgumentView:
    id: int
    debate_id: int
    number: int
    author_id: int
    side: Side
    kind: ArgumentKind
    phase: str
    parent_number: int | None
    body: str
    status: ArgumentStatus
    removed_reason: str | None
    message_id: int | None
    created_at: datetime
    persuasive: int = 0
    mind_changes: int = 0


@dataclass(frozen=True, slots=True)
class VoteResult:
    debate_id: int
    stage: str
    stance: Stance
    previous: Stance | None


@dataclass(frozen=True, slots=True)
class MarkResult:
    debate_id: int
    number: int
    marked: bool
    count: int
    message_id: int | None


@dataclass(frozen=True, slots=True)
class MindChangeResult:
    debate_id: int
    number: int
    author_id: int
    count: int


@dataclass(frozen=True, slots=True)
class StageVotes:
    """One vote stage: how many voted, and the tallies when they may be shown."""

    stage: str
    voters: int
    counts: dict[Stance, int] | None


@dataclass(frozen=True, slots=True)
class StatusView:
    debate: DebateView
    sides: dict[Side, int]
    arguments: dict[Side, dict[ArgumentKind, int]]
    votes: list[StageVotes]
    results_visible: bool
    now: datetime

    @property
    def seconds_left(self) -> float | None:
        deadline = self.debate.phase_deadline
        return None if deadline is None else max(0.0, (deadline - self.now).total_seconds())


@dataclass(frozen=True, slots=True)
class ResultsView:
    debate: DebateView
    outcome: Outcome
    stages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """A committed phase change, to announce."""

    debate: DebateView
    previous_phase: str
    previous_title: str
    ended: bool
    results: ResultsView | None = None


@dataclass(frozen=True, slots=True)
class DueDeadline:
    debate_id: int
    guild_id: int
    phase_index: int
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int
    debate_id: int | None
    actor_id: int | None
    action: str
    target_user_id: int | None
    target_argument: int | None
    reason: str | None
    detail: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int
    #: The debate the page is of (None: the whole server's).
    debate_id: int | None = None


@dataclass(frozen=True, slots=True)
class MuteView:
    guild_id: int
    user_id: int
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ModerationResult:
    """What a moderator action changed, for the announcement and the card edit."""

    action: str
    debate: DebateView | None = None
    argument: ArgumentView | None = None
    mute: MuteView | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SettingEntry:
    """One setting of a server as ``/settings show`` lists it."""

    key: str
    description: str
    value: object
    shown: str
    source: str  # "server" or "default"


@dataclass(frozen=True, slots=True)
class SettingChange:
    """A committed change of one setting of a server."""

    guild_id: int
    key: str
    before: str
    after: str
    source: str  # where the value now comes from: "server" or "default"
    value: object = None
