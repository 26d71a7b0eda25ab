"""Pick the annotated essay's writer by format name."""

from __future__ import annotations

from bot.exports.annotated.model import AnnotatedEssay


def render(essay: AnnotatedEssay, fmt: str) -> bytes:
    """The annotated essay as ``fmt`` (``markdown``, ``html`` or ``json``), UTF-8."""
    from bot.exports.annotated import html, json_writer, markdown

    writers = {
        "markdown": markdown.write_markdown,
        "html": html.write_html,
        "json": json_writer.write_json,
    }
    if fmt not in writers:
        raise ValueError(f"unknown annotated essay format {fmt!r}")
    return writers[fmt](essay).encode("utf-8")
