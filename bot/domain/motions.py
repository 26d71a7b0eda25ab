"""The built-in motions shipped with the bot, read from ``bot/motions/essay.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class BuiltinMotion:
    """A proposition of the essay, in our own words, with where it comes from."""

    key: str
    text: str
    paragraphs: str
    context: str


@dataclass(frozen=True, slots=True)
class BuiltinEssay:
    """How the annotated essay names the built-in essay (never its text)."""

    title: str
    author: str | None


def _essay_file() -> dict[str, Any]:
    text = (resources.files("bot.motions") / "essay.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@cache
def builtin_essay() -> BuiltinEssay:
    raw = _essay_file()
    return BuiltinEssay(str(raw["title"]), str(raw["author"]) if raw.get("author") else None)


def builtin_number(key: str) -> int:
    """The proposition number of a built-in key: ``essay-7`` is 7."""
    return int(key.rsplit("-", 1)[1])


@cache
def builtin_motions() -> tuple[BuiltinMotion, ...]:
    """The essay's motions in their published order."""
    raw = _essay_file()
    return tuple(
        BuiltinMotion(
            key=str(m["key"]),
            text=str(m["text"]).strip(),
            paragraphs=str(m["paragraphs"]),
            context=str(m["context"]).strip(),
        )
        for m in raw["motions"]
    )
