"""Times, durations and names as a reader wants them in the human formats (Markdown, HTML).

Times are UTC, spelled ``1 Dec 2026, 06:32 UTC``; the streamed rows carry ISO-8601 text
(``2026-12-01T06:32:35.921183Z``), which is sliced rather than parsed, and the few distinct
minutes a debate has are cached, so a 50,000-argument transcript does not build a
``datetime`` per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from bot.exports.model import AuditRow, Header, PhaseRow, iso

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(stamp: str) -> str:
    """``1 Dec 2026`` from ISO-8601 text."""
    return _day(stamp[:10])


@lru_cache(maxsize=1024)
def _day(date: str) -> str:
    return f"{int(date[8:10])} {MONTHS[int(date[5:7]) - 1]} {date[:4]}"


def clock(stamp: str) -> str:
    """``06:32`` (hours and minutes, UTC) from ISO-8601 text."""
    return stamp[11:16]


def when(moment: datetime | str | None, missing: str = "") -> str:
    """``1 Dec 2026, 06:32 UTC``, from a ``datetime`` or ISO-8601 text; ``missing`` for none."""
    if moment is None:
        return missing
    stamp = moment if isinstance(moment, str) else iso(moment)
    assert stamp is not None
    return f"{_day(stamp[:10])}, {stamp[11:16]} UTC"


#: An ISO-8601 time in UTC as the bot writes it into audit details (``until.isoformat()``).
_ISO_IN_TEXT = re.compile(r"\b(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(?:\+00:00|Z)")


def readable_times(text: str | None) -> str | None:
    """``text`` with each UTC ISO-8601 time in it spelled as :func:`when` does."""
    if text is None or "T" not in text:
        return text
    return _ISO_IN_TEXT.sub(lambda m: f"{_day(m.group(1))}, {m.group(2)} UTC", text)


_MARKUP = re.compile(r"<@!?(\d{1,20})>|<t:(-?\d{1,12})(?::[tTdDfFR])?>")


def mentions(text: str, label: Callable[[str | None], str]) -> str:
    """``text`` with Discord's markup written for a reader: member mentions (``<@id>``) as
    ``@name``, timestamps (``<t:seconds:style>``) as :func:`when` spells them."""
    if "<@" not in text and "<t:" not in text:
        return text
    return _MARKUP.sub(lambda found: _unmark(found, label), text)


def _unmark(found: re.Match[str], label: Callable[[str | None], str]) -> str:
    user, seconds = found.groups()
    if user is not None:
        return "@" + label(user)
    try:
        return when(datetime.fromtimestamp(int(seconds), UTC))
    except (OverflowError, OSError, ValueError):
        return found.group(0)


def order_key(stamp: str) -> str:
    """ISO-8601 text that sorts as time does (``isoformat`` drops zero microseconds)."""
    return stamp if len(stamp) > 20 else stamp[:19] + ".000000Z"


def duration(seconds: float) -> str:
    """``under a minute``, ``45 min``, ``2 h 5 min``, ``3 days 4 h``."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"


def phase_length(phase: PhaseRow, closed_at: datetime | None) -> str | None:
    """How long a phase ran (``None`` for the closing mark, which has no length)."""
    if phase.name == "closed":
        return None
    if phase.ended_at is None:
        return "running" if closed_at is None else duration(_seconds(phase, closed_at))
    return duration(_seconds(phase, phase.ended_at))


def _seconds(phase: PhaseRow, end: datetime) -> float:
    return (end.astimezone(UTC) - phase.started_at.astimezone(UTC)).total_seconds()


def people(header: Header) -> Callable[[str | None], str]:
    """How to name a member id to a reader: display name, ``@username`` where two collide,
    the id when the bot never saw them; ``""`` for no one (see :class:`People`)."""
    return header.people.label


def where(header: Header) -> list[str]:
    """``[server, #channel, thread]`` by name, or by id where the bot recorded no name."""
    d = header.debate
    parts = [d.guild_name or f"server {d.guild_id}"]
    parts.append(f"#{d.channel_name}" if d.channel_name else f"channel {d.channel_id}")
    if d.thread_name:
        parts.append(d.thread_name)
    return parts


def span(start: datetime, end: datetime | None) -> str:
    """``1 Dec 2026, 06:32-07:17 UTC`` (the end's date too when it differs); ``... to now``."""
    first = when(start)
    if end is None:
        return f"{first} to now"
    a, b = iso(start) or "", iso(end) or ""
    if a[:10] == b[:10]:
        return f"{first[:-4]}\u2013{b[11:16]} UTC"
    return f"{first} to {when(end)}"


#: What a moderator did, as a phrase; ``{member}`` and ``{argument}`` are filled in.
ACTIONS = {
    "argument_removed": "removed {member}'s argument {argument}",
    "argument_restored": "restored {member}'s argument {argument}",
    "member_warned": "warned {member}",
    "member_muted": "muted {member}",
    "member_unmuted": "unmuted {member}",
    "debate_locked": "locked the debate",
    "debate_unlocked": "unlocked the debate",
    "phase_extended": "extended the phase",
}


def action(event: AuditRow, label: Callable[[str | None], str]) -> tuple[str, str, str]:
    """``(who, did what, notes)`` of a moderator action, as plain text to escape."""
    who = label(event.actor) if event.actor else "The bot"
    number = event.target_argument
    argument = f"#{number}" if number is not None else "an argument"
    member = label(event.target_user) or "a member"
    did = ACTIONS.get(event.action, event.action.replace("_", " "))
    notes = []
    if event.detail and event.action in ("member_muted", "phase_extended"):
        notes.append(event.detail.split(",")[0])  # "30 min, until ...": the length is enough
    if event.reason:
        notes.append("reason: " + event.reason)
    return who, did.format(member=member, argument=argument), "; ".join(notes)
