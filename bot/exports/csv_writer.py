"""CSV: one zip of UTF-8 CSV files (RFC 4180, CRLF line ends), streamed row by row.

- ``debate.csv``: ``field,value`` pairs about the debate, its motion and its result.
- ``participants.csv``: ``user,side,joined_at``.
- ``arguments.csv``: one row per argument in number order (``parent`` is the number it
  rebuts; ``body`` is empty for a removed argument unless removed text was asked for).
- ``votes.csv``: every vote in one file, told apart by ``type``: ``motion_vote`` (``stage``,
  ``stance``), then ``persuasive`` (``argument``), then ``mind_change`` (``argument``,
  ``explanation``).
- ``audit_events.csv``: the debate's audit log in order.

Text cells that start with ``= + - @``, a tab or a carriage return get a leading ``'`` so
spreadsheets show them instead of evaluating them. Entries carry a fixed date (1980-01-01)
and fixed attributes, so the same debate gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from bot.exports.json_writer import header_fields
from bot.exports.model import ExportSource, iso

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ARGUMENT_COLUMNS = (
    "number",
    "parent",
    "author",
    "side",
    "kind",
    "phase",
    "status",
    "body",
    "removed_reason",
    "removed_by",
    "removed_at",
    "created_at",
    "persuasive",
    "mind_changes",
)
VOTE_COLUMNS = (
    "type",
    "stage",
    "voter",
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
    "target_user",
    "target_argument",
    "reason",
    "detail",
)


def cell(text: str | None) -> str:
    """A text cell that a spreadsheet will not evaluate as a formula."""
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


@contextmanager
def _entry(archive: zipfile.ZipFile, name: str) -> Iterator[Any]:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    with archive.open(info, "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield csv.writer(text)
        text.flush()
        text.detach()


async def write_csv(source: ExportSource, out: BinaryIO) -> None:
    """Write the zip of CSV files to ``out``."""
    h = source.header
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with _entry(archive, "debate.csv") as w:
            w.writerow(["field", "value"])
            fields = header_fields(h)
            for section in ("debate", "motion", "counts", "options"):
                for key, value in fields[section].items():
                    w.writerow([f"{section}.{key}", cell(_plain(value))])
            results = fields["results"]
            for key in ("winner", "is_tie", "voters_in_both"):
                w.writerow([f"results.{key}", _plain(results[key])])
        with _entry(archive, "participants.csv") as w:
            w.writerow(["user", "side", "joined_at"])
            async for p in source.participants():
                w.writerow([p.user, p.side, iso(p.joined_at)])
        with _entry(archive, "arguments.csv") as w:
            w.writerow(ARGUMENT_COLUMNS)
            async for a in source.arguments("number"):
                w.writerow(
                    (
                        a.number,
                        "" if a.parent is None else a.parent,
                        a.author,
                        a.side,
                        a.kind,
                        a.phase,
                        a.status,
                        cell(a.body),
                        cell(a.removed_reason),
                        a.removed_by or "",
                        iso(a.removed_at) or "",
                        iso(a.created_at),
                        a.persuasive,
                        a.mind_changes,
                    )
                )
        with _entry(archive, "votes.csv") as w:
            w.writerow(VOTE_COLUMNS)
            async for v in source.motion_votes():
                cast, updated = iso(v.cast_at), iso(v.updated_at)
                w.writerow(("motion_vote", v.stage, v.voter, v.stance, "", "", cast, updated))
            async for m in source.persuasive_marks():
                w.writerow(("persuasive", "", m.voter, "", m.number, "", iso(m.created_at), ""))
            async for d in source.mind_changes():
                text, at = cell(d.explanation), iso(d.created_at)
                w.writerow(("mind_change", "", d.voter, "", d.number, text, at, ""))
        with _entry(archive, "audit_events.csv") as w:
            w.writerow(AUDIT_COLUMNS)
            async for e in source.audit_events():
                target = "" if e.target_argument is None else e.target_argument
                w.writerow(
                    (
                        e.id,
                        iso(e.created_at),
                        e.action,
                        e.actor or "",
                        e.target_user or "",
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
