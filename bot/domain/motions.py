"""The built-in motions shipped with the bot, read from ``bot/motions/essay.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True, slots=True)
class BuiltinMotion:
    """A proposition of the essay, in our own words, with where it comes from."""

    key: str
    text: str
    paragraphs: str
    context: str


@cache
def builtin_motions() -> tuple[BuiltinMotion, ...]:
    """The essay's motions in their published order."""
    raw = yaml.safe_load(
        (resources.files("bot.motions") / "essay.yaml").read_text(encoding="utf-8")
    )
    return tuple(
        BuiltinMotion(
            key=str(m["key"]),
            text=str(m["text"]).strip(),
            paragraphs=str(m["paragraphs"]),
            context=str(m["context"]).strip(),
        )
        for m in raw["motions"]
    )
