"""Plain results of the essay and series services (no ORM rows past a service call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.views import DebateView, MotionView, ResultsView


@dataclass(frozen=True, slots=True)
class EssayView:
    id: int
    key: str
    guild_id: int | None
    title: str
    author: str | None
    source_url: str | None
    reproducible: bool
    propositions: int

    @property
    def builtin(self) -> bool:
        return self.key == "builtin" and self.guild_id is None


@dataclass(frozen=True, slots=True)
class Proposition:
    """A proposition of an essay: its number there and the motion that debates it."""

    number: int
    motion: MotionView


@dataclass(frozen=True, slots=True)
class SeriesItemView:
    """One proposition of a series, with its debate once opened and results once closed."""

    position: int
    number: int
    motion: MotionView
    debate: DebateView | None
    results: ResultsView | None

    @property
    def state(self) -> str:
        """``pending``, ``open`` or ``closed`` (``pending`` also when the series ended first)."""
        if self.debate is None:
            return "pending"
        return "open" if self.debate.is_open else "closed"


@dataclass(frozen=True, slots=True)
class SeriesView:
    id: int
    guild_id: int
    channel_id: int
    essay: EssayView
    schedule: str
    format: str
    status: str
    card_message_id: int | None
    created_by: int
    created_at: datetime
    closed_at: datetime | None
    items: tuple[SeriesItemView, ...]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def fingerprint(self) -> Fingerprint:
        """What the card shows, in short: it needs an edit when this changes."""
        return tuple(
            (
                item.position,
                item.debate.id if item.debate else None,
                item.debate.status if item.debate else None,
                item.debate.phase_index if item.debate else None,
            )
            for item in self.items
        )

    def counts(self) -> dict[str, int]:
        found = {"pending": 0, "open": 0, "closed": 0}
        for item in self.items:
            found[item.state] += 1
        return found


#: Per item: position, debate id, debate status, phase index (see :meth:`SeriesView.fingerprint`).
Fingerprint = tuple[tuple[int, int | None, str | None, int | None], ...]


@dataclass(frozen=True, slots=True)
class SeriesWork:
    """Where one series of a guild this process runs stands, and what the driver must do."""

    series_id: int
    guild_id: int
    #: Positions of the items to open now (all pending ones of a parallel series, the next
    #: one of a sequence with nothing open).
    open_positions: tuple[int, ...]
    #: Open debates left over in a series that ended (closed as soon as seen).
    stray_debates: tuple[tuple[int, int], ...]
    #: Every debate is closed and nothing is pending: the series is complete.
    complete: bool
    #: The state its card should show (empty for a series that ended).
    fingerprint: Fingerprint = ()
