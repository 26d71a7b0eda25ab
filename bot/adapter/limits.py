"""Discord's hard limits, and truncation that never fails on length."""

from __future__ import annotations

MESSAGE = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
CHOICE_NAME = 100
CHOICES = 25
BUTTON_LABEL = 80
MODAL_TITLE = 45
THREAD_NAME = 100
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """Whitespace folded to single spaces, then clipped: for names and excerpts."""
    return clip(" ".join(text.split()), limit)
