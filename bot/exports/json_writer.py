"""JSON: everything, in a fixed key order, described by ``schema/debate-export.schema.json``.

Rows stream out one compact object per line inside their arrays, so the file is valid JSON
that diffs well and is written with one row in memory. Snowflakes are strings; times are
ISO-8601 UTC with a ``Z``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
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
    iso,
)
from bot.exports.writers import text_out

Row = TypeVar("Row")


_ROW = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_NESTED = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=2)


def _dumps(value: Any, indent: bool = False) -> str:
    """One encoder per shape, made once: ``json.dumps`` with options builds one per call."""
    return (_NESTED if indent else _ROW).encode(value)


def header_fields(h: Header) -> dict[str, Any]:
    """The small top-level members, in schema order."""
    d, m, r = h.debate, h.motion, h.results
    return {
        "schema_version": h.schema_version,
        "generator": "debate-bot",
        "options": {
            "pseudonymous_voters": h.pseudonymous_voters,
            "include_removed": h.include_removed,
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
            "created_at": iso(d.created_at),
            "closed_at": iso(d.closed_at),
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
    }


def participant(p: ParticipantRow) -> dict[str, Any]:
    return {"user": p.user, "side": p.side, "joined_at": iso(p.joined_at)}


def argument(a: ArgumentRow) -> dict[str, Any]:
    return {
        "number": a.number,
        "parent": a.parent,
        "author": a.author,
        "side": a.side,
        "kind": a.kind,
        "phase": a.phase,
        "status": a.status,
        "body": a.body,
        "removed_reason": a.removed_reason,
        "removed_by": a.removed_by,
        "removed_at": iso(a.removed_at),
        "created_at": iso(a.created_at),
        "persuasive": a.persuasive,
        "mind_changes": a.mind_changes,
    }


def motion_vote(v: MotionVoteRow) -> dict[str, Any]:
    return {
        "stage": v.stage,
        "voter": v.voter,
        "stance": v.stance,
        "cast_at": iso(v.cast_at),
        "updated_at": iso(v.updated_at),
    }


def mark(m: MarkRow) -> dict[str, Any]:
    return {"argument": m.number, "voter": m.voter, "created_at": iso(m.created_at)}


def mind_change(d: MindChangeRow) -> dict[str, Any]:
    return {
        "argument": d.number,
        "voter": d.voter,
        "explanation": d.explanation,
        "created_at": iso(d.created_at),
    }


def audit_event(a: AuditRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "action": a.action,
        "actor": a.actor,
        "target_user": a.target_user,
        "target_argument": a.target_argument,
        "reason": a.reason,
        "detail": a.detail,
        "created_at": iso(a.created_at),
    }


async def _array(
    w: TextIO, name: str, rows: AsyncIterator[Row], shape: Callable[[Row], dict[str, Any]]
) -> None:
    w.write(f',\n  "{name}": [')
    separator = "\n    "
    async for row in rows:
        w.write(separator + _dumps(shape(row)))
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
        await _array(w, "participants", source.participants(), participant)
        await _array(w, "arguments", source.arguments("number"), argument)
        await _array(w, "motion_votes", source.motion_votes(), motion_vote)
        await _array(w, "persuasive_marks", source.persuasive_marks(), mark)
        await _array(w, "mind_changes", source.mind_changes(), mind_change)
        await _array(w, "audit_events", source.audit_events(), audit_event)
        w.write("\n}\n")
