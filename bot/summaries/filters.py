"""Jinja filters the prompt templates use, so the templates stay short and hard to get wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.summaries.facts import Listing, excerpt


def mention(user_id: int) -> str:
    """A member mention (``<@id>``); the adapter posts with mentions disabled."""
    return f"<@{int(user_id)}>"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 argument``, ``2 arguments``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def more(listing: Listing[Any], prefix: str = "…and ", suffix: str = " more") -> str:
    """``…and N more`` when the listing was cut, else nothing."""
    return f"{prefix}{listing.more}{suffix}" if listing.more > 0 else ""


def discord_time(moment: datetime | None, style: str = "f") -> str:
    """A Discord timestamp (``<t:unix:style>``) that each reader sees in their own zone."""
    if moment is None:
        return "none"
    return f"<t:{int(moment.timestamp())}:{style}>"


def iso(moment: datetime | None) -> str:
    """A plain UTC time for the language-model prompt."""
    return "none" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def signed(points: int) -> str:
    """``+33``, ``-17``, ``0``."""
    return f"{points:+d}" if points else "0"


def fenced(text: str, boundary: str, label: str = "data") -> str:
    """Member text between markers that carry a per-request random boundary.

    The boundary is removed from the text itself, so a member cannot close the fence early.
    """
    safe = text.replace(boundary, "[marker removed]") if boundary else text
    return f"<<<{boundary} BEGIN {label}>>>\n{safe}\n<<<{boundary} END {label}>>>"


FILTERS: dict[str, Callable[..., str]] = {
    "mention": mention,
    "plural": plural,
    "more": more,
    "discord_time": discord_time,
    "iso": iso,
    "signed": signed,
    "fenced": fenced,
    "excerpt": excerpt,
}
