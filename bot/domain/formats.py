"""Debate formats as data: ordered phases, their durations and the actions each allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from bot.domain.enums import Action, ArgumentKind
from bot.domain.errors import UnknownFormat

CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a format."""

    name: str
    title: str
    index: int
    minutes: int | None
    actions: frozenset[Action]
    vote_stage: str | None = None
    argument_kind: ArgumentKind | None = None
    per_debater_limit: int | None = None

    @property
    def is_closed(self) -> bool:
        """The terminal phase: nothing is allowed any more."""
        return self.name == CLOSED

    def allows(self, action: Action) -> bool:
        """Whether members may do ``action`` during this phase."""
        return action in self.actions

    def deadline_from(self, start: datetime) -> datetime | None:
        """When this phase ends by default if it starts at ``start``."""
        return None if self.minutes is None else start + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Format:
    """An ordered list of phases, ending with ``closed``."""

    name: str
    title: str
    description: str
    phases: tuple[Phase, ...]
    allow_side_switch: bool = False
    stages: tuple[str, ...] = field(default=())

    def phase(self, name: str) -> Phase:
        """The phase called ``name``."""
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise KeyError(f"format {self.name} has no phase {name!r}")

    @property
    def first(self) -> Phase:
        return self.phases[0]

    def next_after(self, phase: Phase) -> Phase | None:
        """The phase after ``phase``, or ``None`` after the last."""
        following = phase.index + 1
        return self.phases[following] if following < len(self.phases) else None

    def phases_allowing(self, action: Action) -> list[str]:
        """Titles of the phases where ``action`` is allowed, for refusal messages."""
        return [p.title for p in self.phases if p.allows(action)]


def parse_format(data: dict[str, Any]) -> Format:
    """Build a :class:`Format` from its YAML mapping, checking its shape."""
    raw_phases = data.get("phases") or []
    phases: list[Phase] = []
    for index, raw in enumerate(raw_phases):
        kind = raw.get("argument_kind")
        phases.append(
            Phase(
                name=str(raw["name"]),
                title=str(raw.get("title", raw["name"])),
                index=index,
                minutes=raw.get("minutes"),
                actions=frozenset(Action(a) for a in raw.get("actions", [])),
                vote_stage=raw.get("vote_stage"),
                argument_kind=ArgumentKind(kind) if kind else None,
                per_debater_limit=raw.get("per_debater_limit"),
            )
        )
    if not phases or phases[-1].name != CLOSED:
        raise ValueError(f"format {data.get('name')!r} must end with a 'closed' phase")
    if len({p.name for p in phases}) != len(phases):
        raise ValueError(f"format {data.get('name')!r} repeats a phase name")
    stages = tuple(p.vote_stage for p in phases if p.vote_stage)
    return Format(
        name=str(data["name"]),
        title=str(data.get("title", data["name"])),
        description=str(data.get("description", "")),
        phases=tuple(phases),
        allow_side_switch=bool(data.get("allow_side_switch", False)),
        stages=stages,
    )


@cache
def builtin_formats() -> dict[str, Format]:
    """The formats shipped in ``bot/domain/formats/*.yaml``, by name."""
    found: dict[str, Format] = {}
    folder = resources.files("bot.domain") / "formats"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            fmt = parse_format(yaml.safe_load(entry.read_text(encoding="utf-8")))
            found[fmt.name] = fmt
    return found


def get_format(name: str) -> Format:
    """The shipped format ``name``, or a refusal listing the known ones."""
    formats = builtin_formats()
    if name not in formats:
        raise UnknownFormat(name, sorted(formats))
    return formats[name]
