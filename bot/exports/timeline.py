"""Everything that happened in a debate, in the order it happened: the chronological transcript.

Phase changes and summaries come from the header; arguments (in number order), mind changes
and moderator actions stream from the source, and are merged by time a row at a time, so the
transcript holds one row of each kind whatever the size of the debate. Rows at the same
instant keep a fixed order: a phase change, then arguments, mind changes, moderator actions
and summaries. Audit events that record phase changes are left out (the phase entries say
the same, with who moved the debate on); the audit log section still lists them.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.exports.model import (
    ArgumentRow,
    AuditRow,
    ExportSource,
    MindChangeRow,
    PhaseRow,
    SummaryRow,
    iso,
)
from bot.exports.readable import order_key

#: Audit actions that only record a phase change.
PHASE_ACTIONS = frozenset({"debate_started", "phase_advanced", "debate_ended"})


@dataclass(frozen=True, slots=True)
class PhaseStart:
    """A phase began; ``by`` moved the debate on (``None``: its deadline, or the start)."""

    phase: PhaseRow
    by: str | None
    first: bool


Entry = PhaseStart | ArgumentRow | MindChangeRow | AuditRow | SummaryRow


def phase_starts(phases: tuple[PhaseRow, ...], created_by: str) -> list[PhaseStart]:
    """Each phase's start, with who ended the one before it."""
    starts: list[PhaseStart] = []
    by: str | None = created_by
    for i, p in enumerate(phases):
        starts.append(PhaseStart(p, by, i == 0))
        by = p.ended_by
    return starts


async def timeline(source: ExportSource) -> AsyncIterator[tuple[str, Entry]]:
    """``(ISO time, entry)`` for everything that happened, earliest first.

    Arguments, by far the most rows, pass straight through while they are earlier than the
    next of everything else (a heap of the other kinds' next rows).
    """
    h = source.header
    starts = phase_starts(h.phases, h.debate.created_by)
    others: list[AsyncIterator[Any]] = [  # ranks: the order of kinds at the same instant
        _listed((iso(s.phase.started_at) or "", s) for s in starts),
        _timed(source.mind_changes()),
        _moderation(source.audit_events()),
        _listed((iso(s.created_at) or "", s) for s in h.summaries),
    ]
    ranks = (PHASE, MIND_CHANGE, ACTION, SUMMARY)
    heap: Heap = []
    for i, stream in enumerate(others):
        await _push(heap, i, ranks[i], stream)
    async for argument in source.arguments("number"):
        stamp = argument.created_at
        key = stamp if len(stamp) > 20 else order_key(stamp)
        while heap and (heap[0][0], heap[0][1]) < (key, ARGUMENT):
            _, _, i, at, entry = heapq.heappop(heap)
            yield at, entry
            await _push(heap, i, ranks[i], others[i])
        yield stamp, argument
    while heap:
        _, _, i, at, entry = heapq.heappop(heap)
        yield at, entry
        await _push(heap, i, ranks[i], others[i])


PHASE, ARGUMENT, MIND_CHANGE, ACTION, SUMMARY = range(5)
Heap = list[tuple[str, int, int, str, Any]]


async def _push(heap: Heap, index: int, rank: int, stream: AsyncIterator[Any]) -> None:
    """The next row of ``stream`` onto the heap, keyed by time then by kind."""
    try:
        stamp, entry = await anext(stream)
    except StopAsyncIteration:
        return
    heapq.heappush(heap, (order_key(stamp), rank, index, stamp, entry))


async def _listed(items: Any) -> AsyncIterator[tuple[str, Any]]:
    for item in items:
        yield item


async def _timed(rows: AsyncIterator[Any]) -> AsyncIterator[tuple[str, Any]]:
    """``(created_at, row)`` for arguments or mind changes."""
    async for row in rows:
        yield row.created_at, row


async def _moderation(rows: AsyncIterator[AuditRow]) -> AsyncIterator[tuple[str, AuditRow]]:
    async for row in rows:
        if row.action not in PHASE_ACTIONS:
            yield row.created_at, row
