"""CSV: one zip of UTF-8 CSV files (RFC 4180, CRLF line ends), streamed row by row.

- ``debate.csv``: ``field,value`` pairs about the debate, its motion and its result.
- ``people.csv``: ``id,display_name,username`` of the members named by id (see the JSON
  schema's ``people``).
- ``participants.csv``: ``user,name,side,joined_at``.
- ``arguments.csv``: one row per argument in number order (``parent`` is the number it
  rebuts; ``body`` is empty for a removed argument unless removed text was asked for).
- ``votes.csv``: every vote in one file, told apart by ``type``: ``motion_vote`` (``stage``,
  ``stance``), then ``persuasive`` (``argument``), then ``mind_change`` (``argument``,
  ``explanation``).
- ``audit_events.csv``: the debate's audit log in order.

Every column holding a member id (or pseudonym) has the member's display name in the column
after it (``author,author_name``), empty when unknown.

Text cells that start with ``= + - @``, a tab or a carriage return get a leading ``'`` so
spreadsheets show them instead of evaluating them. Entries carry a fixed date (1980-01-01)
and fixed attributes, so the same debate gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, BinaryIO, cast

from bot.exports.json_writer import header_fields
from bot.exports.model import ExportSource

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
#: Deflate level: 4 compresses about 2.4x faster than zlib's default 6 for ~11% more bytes,
#: which keeps the CSV export within 3x the time of reading its rows (bench/export.py).
LEVEL = 4

#: Bytes of CSV handed to the compressing thread at a time.
CHUNK = 256 * 1024
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ARGUMENT_COLUMNS = (
    "number",
    "parent",
    "author",
    "author_name",
    "side",
    "kind",
    "phase",
    "status",
    "body",
    "removed_reason",
    "removed_by",
    "removed_by_name",
    "removed_at",
    "created_at",
    "persuasive",
    "mind_changes",
)
VOTE_COLUMNS = (
    "type",
    "stage",
    "voter",
    "voter_name",
    "stance",
    "argument",
    "explanation",
    "created_at",
    "updated_at",
)
AUDIT_COLUMNS = (
    "id",
    "created_at",
    "action",
    "actor",
    "actor_name",
    "target_user",
    "target_user_name",
    "target_argument",
    "reason",
    "detail",
)


def cell(text: str | None) -> str:
    """A text cell that a spreadsheet will not evaluate as a formula."""
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Deflating(io.BufferedIOBase):
    """Passes what is written to a zip ``entry`` in chunks of :data:`CHUNK` bytes, each
    written (CRC and deflate) on ``pool``'s thread while the next rows are built.

    zlib lets go of the GIL while it compresses, so compression overlaps with the rest of
    the export. One chunk at a time, in order: the entry sees the same bytes in the same
    order as with direct writes (the output does not change), and at most two chunks are
    held.
    """

    def __init__(self, entry: Any, pool: ThreadPoolExecutor) -> None:
        self.entry, self.pool = entry, pool
        self.chunk = bytearray()
        self.pending: Future[int] | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunk += data
        if len(self.chunk) >= CHUNK:
            self._hand_off()
        return memoryview(data).nbytes

    def _hand_off(self) -> None:
        self.wait()
        chunk, self.chunk = self.chunk, bytearray()
        self.pending = self.pool.submit(self.entry.write, chunk)

    def wait(self) -> None:
        """Until the chunk handed off last is written (re-raising what it raised)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def finish(self) -> None:
        """Write what is left; the entry is complete when this returns."""
        if self.chunk:
            self._hand_off()
        self.wait()


@contextmanager
def _entry(archive: zipfile.ZipFile, name: str, pool: ThreadPoolExecutor) -> Iterator[Any]:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    with archive.open(info, "w") as raw:
        sink = _Deflating(raw, pool)
        text = io.TextIOWrapper(cast(BinaryIO, sink), encoding="utf-8", newline="")
        try:
            yield csv.writer(text)
            text.flush()
            sink.finish()
        finally:
            try:
                text.detach()
            finally:
                sink.wait()  # nothing may touch the archive while a chunk is being written


async def write_csv(source: ExportSource, out: BinaryIO) -> None:
    """Write the zip of CSV files to ``out``."""
    h = source.header
    # Each named member's display name as a cell, once: one dict look-up per id.
    names = {user: cell(p.display_name) for user, p in h.people.items()}

    def name(user: str | None) -> str:
        return names.get(user, "") if user is not None else ""

    with (
        ThreadPoolExecutor(1, thread_name_prefix="export-deflate") as pool,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as archive,
    ):
        entry = partial(_entry, archive, pool=pool)
        with entry("debate.csv") as w:
            w.writerow(["field", "value"])
            fields = header_fields(h)
            for section in ("debate", "motion", "counts", "options"):
                for key, value in fields[section].items():
                    w.writerow([f"{section}.{key}", cell(_plain(value))])
            results = fields["results"]
            for key in ("winner", "is_tie", "voters_in_both"):
                w.writerow([f"results.{key}", _plain(results[key])])
        with entry("people.csv") as w:
            w.writerow(["id", "display_name", "username"])
            for user, person in h.people.items():
                w.writerow((user, cell(person.display_name), cell(person.username)))
        with entry("participants.csv") as w:
            w.writerow(["user", "name", "side", "joined_at"])
            async for p in source.participants():
                w.writerow((p.user, name(p.user), p.side, p.joined_at))
        with entry("arguments.csv") as w:
            w.writerow(ARGUMENT_COLUMNS)
            async for a in source.arguments("number"):
                w.writerow(
                    (
                        a.number,
                        "" if a.parent is None else a.parent,
                        a.author,
                        name(a.author),
                        a.side,
                        a.kind,
                        a.phase,
                        a.status,
                        cell(a.body),
                        cell(a.removed_reason),
                        a.removed_by or "",
                        name(a.removed_by),
                        a.removed_at or "",
                        a.created_at,
                        a.persuasive,
                        a.mind_changes,
                    )
                )
        with entry("votes.csv") as w:
            w.writerow(VOTE_COLUMNS)
            async for v in source.motion_votes():
                cast, updated, voter = v.cast_at, v.updated_at, v.voter
                w.writerow(
                    ("motion_vote", v.stage, voter, name(voter), v.stance, "", "", cast, updated)
                )
            async for m in source.persuasive_marks():
                voter, at = m.voter, m.created_at
                w.writerow(("persuasive", "", voter, name(voter), "", m.number, "", at, ""))
            async for d in source.mind_changes():
                text, at, voter = cell(d.explanation), d.created_at, d.voter
                w.writerow(("mind_change", "", voter, name(voter), "", d.number, text, at, ""))
        with entry("audit_events.csv") as w:
            w.writerow(AUDIT_COLUMNS)
            async for e in source.audit_events():
                target = "" if e.target_argument is None else e.target_argument
                w.writerow(
                    (
                        e.id,
                        e.created_at,
                        e.action,
                        e.actor or "",
                        name(e.actor),
                        e.target_user or "",
                        name(e.target_user),
                        target,
                        cell(e.reason),
                        cell(e.detail),
                    )
                )


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
