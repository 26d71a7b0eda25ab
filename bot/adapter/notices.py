"""The wording of the public notices the services owe a thread (outbox rows of kind notice).

A row carries the notice's name and its facts; the words live here, next to the other
things members read, and are filled in when the notice is delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapter.render import when


def _at(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def notice_text(facts: dict[str, Any]) -> tuple[str, int | None]:
    """The notice's text, and the member it may ping (None: nobody)."""
    name = facts.get("notice")
    if name == "removed":
        return f"A moderator removed #{facts['number']}. Reason: {facts['reason']}", None
    if name == "restored":
        return f"A moderator restored #{facts['number']}.", None
    if name == "warned":
        user = int(facts["user"])
        return f"<@{user}>, a moderator warned you: {facts['reason']}", user
    if name == "muted":
        user = int(facts["user"])
        until = when(_at(facts["until"]))
        return f"<@{user}>, you are muted in this server's debates until {until}.", user
    if name in ("locked", "unlocked"):
        word = "paused" if name == "locked" else "resumed"
        return f"A moderator {word} submissions.", None
    if name == "extended":
        return (
            f"A moderator extended {facts['phase']} by {facts['minutes']} min: it now ends "
            f"{when(_at(facts['deadline']))}.",
            None,
        )
    if name == "delta":
        users = facts.get("users") or [facts["user"]]
        who, verb = _names(users), "credits" if len(users) == 1 else "credit"
        return (
            f"Δ {who} {verb} #{facts['number']} by <@{facts['author']}> with changing their "
            f"mind ({facts['count']} in all).",
            None,
        )
    raise ValueError(f"unknown notice {name!r}")


#: Members named in one notice; the rest are counted ("and 12 others").
NAMED = 5


def _names(users: list[Any]) -> str:
    """``<@a>``, ``<@a> and <@b>``, ``<@a>, <@b> and 3 others``: never pinged (see caller)."""
    shown = [f"<@{int(u)}>" for u in users[:NAMED]]
    rest = len(users) - len(shown)
    if rest:
        shown.append(f"{rest} other" + ("s" if rest > 1 else ""))
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
