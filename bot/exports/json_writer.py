"""JSON: everything, in a fixed key order, described by ``schema/debate-export.schema.json``.

Rows stream out one compact object per line inside their arrays, so the file is valid JSON
that diffs well and is written with one row in memory. Snowflakes are strings; times are
ISO-8601 UTC with a ``Z``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from json.encoder import encode_basestring
from typing import Any, BinaryIO, TextIO, TypeVar

from bot.exports.model import (
    ArgumentRow,
    AuditRow,
    ExportSource,
    Header,
    MarkRow,
    MindChangeRow,
    MotionVoteRow,
    ParticipantRow,
    People,
    iso,
)
from bot.exports.writers import text_out

Row = TypeVar("Row")


_ROW = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_string: Callable[[str], str] = encode_basestring
_NESTED = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=2)


def _dumps(value: Any, indent: bool = False) -> str:
    """One encoder per shape, made once: ``json.dumps`` with options builds one per call."""
    return (_NESTED if indent else _ROW).encode(value)


def header_fields(h: Header) -> dict[str, Any]:
    """The small top-level members, in schema order."""
    d, m, r, name = h.debate, h.motion, h.results, h.people.name
    return {
        "schema_version": h.schema_version,
        "generator": "debate-bot",
        "options": {
            "pseudonymous_voters": h.pseudonymous_voters,
            "include_removed": h.include_removed,
            "pseudonymous": "all" if h.pseudonymous_all else "none",
        },
        "debate": {
            "id": d.id,
            "guild_id": str(d.guild_id),
            "channel_id": str(d.channel_id),
            "parent_channel_id": None if d.parent_channel_id is None else str(d.parent_channel_id),
            "format": d.format,
            "format_title": d.format_title,
            "status": d.status,
            "phase": d.phase,
            "phase_title": d.phase_title,
            "locked": d.locked,
            "results_visibility": d.results_visibility,
            "created_by": d.created_by,
            "created_by_name": name(d.created_by),
            "created_at": iso(d.created_at),
            "closed_at": iso(d.closed_at),
            "guild_name": d.guild_name,
            "channel_name": d.channel_name,
            "thread_name": d.thread_name,
        },
        "motion": {
            "id": m.id,
            "key": m.key,
            "text": m.text,
            "paragraphs": m.paragraphs,
            "context": m.context,
            "source": m.source,
        },
        "phases": [
            {
                "index": p.index,
                "name": p.name,
                "title": p.title,
                "started_at": iso(p.started_at),
                "deadline": iso(p.deadline),
                "ended_at": iso(p.ended_at),
                "ended_by": p.ended_by,
                "ended_by_name": name(p.ended_by),
            }
            for p in h.phases
        ],
        "results": {
            "stages": [asdict(s) for s in r.stages],
            "swing": r.swing,
            "winner": r.winner,
            "is_tie": r.is_tie,
            "transitions": r.transitions,
            "voters_in_both": r.voters_in_both,
            "most_persuasive": [asdict(a) for a in r.most_persuasive],
            "unanswered": list(r.unanswered),
        },
        "summaries": [
            {
                "kind": s.kind,
                "phase": s.phase,
                "backend": s.backend,
                "template": s.template,
                "text": s.text,
                "created_at": iso(s.created_at),
            }
            for s in h.summaries
        ],
        "counts": asdict(h.counts),
        "people": [
            {"id": user, "display_name": p.display_name, "username": p.username}
            for user, p in h.people.items()
        ],
    }


# Rows are written as ``json.dumps(row, ensure_ascii=False)`` would write their dicts (same
# keys, order, separators and string escaping), but spelled out: no dict per row, and only
# the strings go through the encoder's own ``encode_basestring``.


def _str(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _int(value: int | None) -> str:
    return "null" if value is None else str(value)


class Rows:
    """Each row as one JSON object, with the name of each member id beside it."""

    def __init__(self, people: People) -> None:
        #: Each named member's display name, already JSON: one dict look-up per id.
        self.names = {user: _string(p.display_name) for user, p in people.items()}

    def _name(self, user: str | None) -> str:
        return self.names.get(user, "null") if user is not None else "null"

    def participant(self, p: ParticipantRow) -> str:
        return (
            f'{{"user": {_string(p.user)}, "name": {self._name(p.user)}, '
            f'"side": {_string(p.side)}, "joined_at": {_string(p.joined_at)}}}'
        )

    def argument(self, a: ArgumentRow) -> str:
        return (
            f'{{"number": {a.number}, "parent": {_int(a.parent)}, '
            f'"author": {_string(a.author)}, "author_name": {self._name(a.author)}, '
            f'"side": {_string(a.side)}, "kind": {_string(a.kind)}, "phase": {_string(a.phase)}, '
            f'"status": {_string(a.status)}, "body": {_str(a.body)}, '
            f'"removed_reason": {_str(a.removed_reason)}, "removed_by": {_str(a.removed_by)}, '
            f'"removed_by_name": {self._name(a.removed_by)}, '
            f'"removed_at": {_str(a.removed_at)}, "created_at": {_string(a.created_at)}, '
            f'"persuasive": {a.persuasive}, "mind_changes": {a.mind_changes}}}'
        )

    def motion_vote(self, v: MotionVoteRow) -> str:
        return (
            f'{{"stage": {_string(v.stage)}, "voter": {_string(v.voter)}, '
            f'"voter_name": {self._name(v.voter)}, '
            f'"stance": {_string(v.stance)}, "cast_at": {_string(v.cast_at)}, '
            f'"updated_at": {_string(v.updated_at)}}}'
        )

    def mark(self, m: MarkRow) -> str:
        return (
            f'{{"argument": {m.number}, "voter": {_string(m.voter)}, '
            f'"voter_name": {self._name(m.voter)}, "created_at": {_string(m.created_at)}}}'
        )

    def mind_change(self, d: MindChangeRow) -> str:
        return (
            f'{{"argument": {d.number}, "voter": {_string(d.voter)}, '
            f'"voter_name": {self._name(d.voter)}, '
            f'"explanation": {_string(d.explanation)}, "created_at": {_string(d.created_at)}}}'
        )

    def audit_event(self, a: AuditRow) -> str:
        return (
            f'{{"id": {a.id}, "action": {_string(a.action)}, "actor": {_str(a.actor)}, '
            f'"actor_name": {self._name(a.actor)}, '
            f'"target_user": {_str(a.target_user)}, '
            f'"target_user_name": {self._name(a.target_user)}, '
            f'"target_argument": {_int(a.target_argument)}, '
            f'"reason": {_str(a.reason)}, "detail": {_str(a.detail)}, '
            f'"created_at": {_string(a.created_at)}}}'
        )


async def _array(
    w: TextIO, name: str, rows: AsyncIterator[Row], shape: Callable[[Row], str]
) -> None:
    w.write(f',\n  "{name}": [')
    separator = "\n    "
    async for row in rows:
        w.write(separator + shape(row))
        separator = ",\n    "
    w.write("\n  ]" if separator != "\n    " else "]")


async def write_json(source: ExportSource, out: BinaryIO) -> None:
    """Write the export as one JSON document to ``out`` (UTF-8)."""
    async with text_out(out) as w:
        w.write("{")
        separator = "\n  "
        for key, value in header_fields(source.header).items():
            nested = _dumps(value, indent=True).replace("\n", "\n  ")
            w.write(f"{separator}{_dumps(key)}: {nested}")
            separator = ",\n  "
        rows = Rows(source.header.people)
        await _array(w, "participants", source.participants(), rows.participant)
        await _array(w, "arguments", source.arguments("number"), rows.argument)
        await _array(w, "motion_votes", source.motion_votes(), rows.motion_vote)
        await _array(w, "persuasive_marks", source.persuasive_marks(), rows.mark)
        await _array(w, "mind_changes", source.mind_changes(), rows.mind_change)
        await _array(w, "audit_events", source.audit_events(), rows.audit_event)
        w.write("\n}\n")
