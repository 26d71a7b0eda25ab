"""Exports: a debate as Markdown, HTML, JSON, CSV or an Argdown map, for moderators and
the command line.

The rows come from :class:`bot.services.export_source.DbExportSource`; the writers are the
pure ones of :mod:`bot.exports`.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from typing import Any, BinaryIO, cast

from bot.domain import errors
from bot.exports import model as m
from bot.exports.csv_writer import FIXED_DATE
from bot.exports.writers import writer_for
from bot.services.base import Service, debate_by_id, debate_in_channel, require_moderator
from bot.services.export_source import DbExportSource
from bot.services.views import Actor
from bot.storage.models import Debate


class ExportTooLarge(errors.Refusal):
    """Even compressed, the export does not fit the upload limit: use the command line."""

    code = "export_too_large"

    def __init__(self, debate_id: int, fmt: str, size: int, limit: int) -> None:
        ext = m.EXTENSIONS[fmt]
        super().__init__(
            f"The {fmt} export of debate {debate_id} is {_mb(size)} even compressed, over the "
            f"{_mb(limit)} upload limit here. Export it from the command line instead: "
            f"debate-bot export --debate {debate_id} --format {fmt} --out debate-{debate_id}.{ext}"
        )
        self.size, self.limit = size, limit


class UnknownExportFormat(errors.Refusal):
    code = "unknown_export_format"

    def __init__(self, fmt: str) -> None:
        super().__init__(
            f"There is no export format {fmt!r}. Choose one of: {', '.join(m.FORMATS)}."
        )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class ExportService(Service):
    """Debate exports for moderators (Discord) and for the trusted command line."""

    async def write(
        self,
        actor: Actor | None,
        debate_id: int,
        fmt: str,
        out: BinaryIO,
        *,
        include_removed: bool = False,
        show_removed: bool | None = None,
        progress: m.Progress | None = None,
    ) -> m.ExportStats:
        """Stream debate ``debate_id`` as ``fmt`` into ``out``; returns what was written.

        With an ``actor`` the caller must be a moderator and the debate must belong to the
        actor's guild. ``actor=None`` is the trusted local path (the command line): any guild.
        ``include_removed`` adds the text of removed arguments; ``show_removed`` (by default
        the same) lists them in the Argdown map, which otherwise leaves them out.
        """
        writer = writer_for(fmt) if fmt in m.FORMATS else None
        if actor is not None:
            require_moderator(actor)
        if writer is None:
            raise UnknownExportFormat(fmt)
        counted = _Counter(out)
        async with self.db.read() as session:
            if actor is None:
                debate = await session.get(Debate, debate_id)
                if debate is None:
                    raise errors.UnknownDebate(debate_id)
            else:
                debate = await debate_by_id(session, actor.guild_id, debate_id)
            source = DbExportSource(session, debate, include_removed, progress, show_removed)
            exports = self.settings_for(debate.guild_id).exports
            await source.load(
                exports.pseudonymous_voters,
                everyone=exports.pseudonymous == "all",
                show_moderators=exports.show_moderators,
            )
            await writer(source, cast(BinaryIO, counted))
        return source.stats(counted.count)

    async def for_discord(
        self,
        actor: Actor,
        debate_id: int | None,
        channel_id: int | None,
        fmt: str,
        size_limit: int,
        *,
        show_removed: bool = False,
    ) -> m.ExportFile:
        """An export to upload (moderators only; never with removed text).

        Without ``debate_id`` the debate is the channel's (open or latest). A file over
        ``size_limit`` is zipped (CSV already is); still too large is :class:`ExportTooLarge`.
        ``show_removed`` lists removed arguments, text withheld, in the Argdown map.
        """
        require_moderator(actor)
        if fmt not in m.FORMATS:
            raise UnknownExportFormat(fmt)
        if debate_id is None:
            if channel_id is None:
                raise errors.NoDebateHere()
            async with self.db.read() as session:
                found = await debate_in_channel(
                    session, actor.guild_id, channel_id, open_only=False
                )
                debate_id = found.id
        name = f"debate-{debate_id}.{m.EXTENSIONS[fmt]}"
        with tempfile.SpooledTemporaryFile(max_size=size_limit + 1) as buffer:
            stats = await self.write(
                actor, debate_id, fmt, cast(BinaryIO, buffer), show_removed=show_removed
            )
            if stats.bytes_written <= size_limit:
                buffer.seek(0)
                return m.ExportFile(name, buffer.read(), m.CONTENT_TYPES[fmt], debate_id)
            if fmt != "csv":
                buffer.seek(0)
                packed = await asyncio.to_thread(_zip_limited, buffer, name, size_limit)
                if packed is not None:
                    return m.ExportFile(name + ".zip", packed, "application/zip", debate_id)
            raise ExportTooLarge(debate_id, fmt, stats.bytes_written, size_limit)


async def export_for_discord(
    service: ExportService,
    actor: Actor,
    debate_id: int | None,
    fmt: str,
    size_limit: int,
    *,
    channel_id: int | None = None,
    show_removed: bool = False,
) -> m.ExportFile:
    """What ``/debate export`` calls: :meth:`ExportService.for_discord`."""
    return await service.for_discord(
        actor, debate_id, channel_id, fmt, size_limit, show_removed=show_removed
    )


class _TooBig(Exception):
    pass


class _Counter(io.RawIOBase):
    """Counts the bytes passed to ``target``; optionally refuses more than ``limit``."""

    def __init__(self, target: Any, limit: int | None = None) -> None:
        self.target, self.limit, self.count = target, limit, 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = memoryview(data).nbytes
        self.count += size
        if self.limit is not None and self.count > self.limit:
            raise _TooBig()
        self.target.write(data)
        return size


def _zip_limited(source: Any, name: str, limit: int) -> bytes | None:
    """``source`` deflated into a one-entry zip, or ``None`` once it passes ``limit``."""
    packed = io.BytesIO()
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type, info.create_system, info.external_attr = (
        zipfile.ZIP_DEFLATED,
        3,
        0o644 << 16,
    )
    try:
        target = cast(BinaryIO, _Counter(packed, limit))
        with zipfile.ZipFile(target, "w") as archive, archive.open(info, "w") as entry:
            while chunk := source.read(1 << 20):
                entry.write(chunk)
    except _TooBig:
        return None
    return packed.getvalue()
