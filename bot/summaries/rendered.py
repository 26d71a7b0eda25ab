"""What the summary service returns: a summary ready to post, and one that was posted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RenderedSummary:
    """One embed: ``title`` ≤ 256 characters, ``text`` (the description) ≤ 4096.

    ``backend`` is the one that produced the text ("template" after a language-model fallback);
    ``template`` is the prompt file's name without ``.md``.
    """

    kind: str
    phase: str
    backend: str
    template: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class PostedSummary:
    """A stored summary, as exports list it."""

    id: int
    debate_id: int
    kind: str
    phase: str
    backend: str
    template: str
    text: str
    channel_id: int | None
    message_id: int | None
    created_at: datetime
