"""``debate-bot export``: write a debate's transcript from the command line.

The command line is trusted local use: it reads any guild's debate and may include the text
of removed arguments (``--include-removed``). With ``--out`` the file appears only once it
is complete; without it the export goes to standard output (CSV, a zip, needs ``--out`` on
a terminal). Progress shows on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain import errors
from bot.exports.model import ExportStats

if TYPE_CHECKING:
    from bot.services.exports import ExportService

EXIT_OK, EXIT_USAGE = 0, 2


class ProgressLine:
    """``exporting arguments 12000/50000`` on one rewritten terminal line."""

    def __init__(self, stream: TextIO, every: float = 0.2) -> None:
        self.stream, self.every, self._last = stream, every, 0.0

    def __call__(self, section: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < self.every:
            return
        self._last = now
        self.stream.write(f"\rexporting {section.replace('_', ' ')} {done}/{total}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


async def export_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``debate-bot export``; 0 when written, 2 for an unknown debate or bad usage."""
    from bot.services.exports import ExportService
    from bot.storage import migrate
    from bot.storage.database import Database

    fmt: str = args.fmt
    if args.out is None and fmt == "csv" and sys.stdout.isatty():
        print("error: the CSV export is a zip file; name it with --out FILE.zip", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None:
        folder = Path(args.out).parent
        if not folder.is_dir():
            print(
                f"error: the folder {folder} does not exist; create it or choose another --out",
                file=sys.stderr,
            )
            return EXIT_USAGE
    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    db = Database(settings.database.url)
    service = ExportService(db, SystemClock(), settings)
    try:
        await migrate.require_current(db)
        if args.out is None:
            stats = await service.write(
                None,
                args.debate,
                fmt,
                sys.stdout.buffer,
                include_removed=args.include_removed,
                progress=progress,
            )
            sys.stdout.buffer.flush()
        else:
            stats = await _to_file(service, args, Path(args.out), progress)
    except errors.UnknownDebate:
        print(
            f"error: there is no debate {args.debate} in the database "
            f"({_where(settings)}); check the id with the bot's /debate list",
            file=sys.stderr,
        )
        return EXIT_USAGE
    finally:
        if progress is not None:
            progress.finish()
        await db.dispose()
    if args.out is not None:
        print(f"wrote {args.out}: {_summary(stats)}", file=sys.stderr)
    return EXIT_OK


async def _to_file(
    service: ExportService, args: argparse.Namespace, out: Path, progress: ProgressLine | None
) -> ExportStats:
    """Write next to ``out`` and rename into place, so no partial file is ever left."""
    folder = out.parent if str(out.parent) else Path(".")
    handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            stream: BinaryIO = file
            stats = await service.write(
                None,
                args.debate,
                args.fmt,
                stream,
                include_removed=args.include_removed,
                progress=progress,
            )
        os.chmod(temp, 0o644)
        os.replace(temp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return stats


def _summary(stats: ExportStats) -> str:
    votes = stats.motion_votes + stats.persuasive_marks + stats.mind_changes
    return (
        f"{stats.arguments} arguments, {votes} votes, {stats.audit_events} audit events, "
        f"{stats.bytes_written} bytes"
    )


def _where(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database.url).render_as_string(hide_password=True)
