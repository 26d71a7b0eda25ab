"""Pick a writer by format name; every writer streams rows from an :class:`ExportSource`."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import BinaryIO

from bot.exports.model import FORMATS, ExportSource

Writer = Callable[[ExportSource, BinaryIO], Awaitable[None]]


@asynccontextmanager
async def text_out(out: BinaryIO) -> AsyncIterator[io.TextIOWrapper]:
    """A UTF-8 text view of ``out`` with ``\\n`` newlines; flushed, and ``out`` left open."""
    wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


def writer_for(fmt: str) -> Writer:
    """The writer of ``fmt`` (one of :data:`FORMATS`)."""
    from bot.exports import argdown, csv_writer, html, json_writer, markdown

    writers: dict[str, Writer] = {
        "markdown": markdown.write_markdown,
        "html": html.write_html,
        "json": json_writer.write_json,
        "csv": csv_writer.write_csv,
        "argdown": argdown.write_argdown,
    }
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    return writers[fmt]
