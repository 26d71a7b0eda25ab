"""Per-interaction figures (``bot.metrics``): what was received, how fast it was first
answered, what was deferred. Set up in ``dispatch`` before any handler runs, at the cost of
one small object per interaction, which replaces the response object discord.py would
have made anyway."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

import discord

from bot.metrics.registry import InteractionFigures, Metrics

#: Discord's epoch in Unix milliseconds: a snowflake's top 42 bits count from it.
DISCORD_EPOCH_MS = 1_420_070_400_000
#: The label of anything the bot does not know by name (bounds the labels' cardinality).
OTHER = "other"

#: A custom id's words before its first number: ``debate:join:12:for`` is ``debate:join``.
_CUSTOM_ID_PREFIX = re.compile(r"[^:\d][^:]*(?::[^:\d][^:]*)*")

TYPES = {
    discord.InteractionType.application_command: "slash",
    discord.InteractionType.autocomplete: "autocomplete",
    discord.InteractionType.component: "component",
    discord.InteractionType.modal_submit: "modal",
}

DEFERRALS = (
    discord.InteractionResponseType.deferred_channel_message,
    discord.InteractionResponseType.deferred_message_update,
)


def created_at(snowflake: int) -> float:
    """When Discord created the object with this id, in Unix seconds."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def _literal_prefix(pattern: str) -> str:
    return pattern.split("(?P", 1)[0].rstrip(":")


def known_labels(
    tree: discord.app_commands.CommandTree[Any], custom_ids: Iterable[re.Pattern[str]]
) -> frozenset[str]:
    """Every label an interaction may get: the tree's qualified command names (``debate
    join``) and the literal prefixes of the bot's custom ids (``debate:join``)."""
    names: set[str] = {_literal_prefix(pattern.pattern) for pattern in custom_ids}
    pending: list[Any] = list(tree.get_commands())
    while pending:
        command = pending.pop()
        names.add(command.qualified_name)
        pending.extend(getattr(command, "commands", ()))
    return frozenset(names)


def label_of(interaction: discord.Interaction, known: frozenset[str]) -> str:
    """The command (``debate join``), or the button or modal (``debate:join``), by name."""
    data: Any = interaction.data or {}
    if interaction.type in (
        discord.InteractionType.application_command,
        discord.InteractionType.autocomplete,
    ):
        parts = [str(data.get("name", ""))]
        options = data.get("options") or ()
        while options and options[0].get("type") in (1, 2):  # subcommand (group)
            parts.append(str(options[0].get("name", "")))
            options = options[0].get("options") or ()
        name = " ".join(parts)
        return name if name in known else OTHER
    label = _CUSTOM_ID_PREFIX.match(str(data.get("custom_id", "")))
    return label[0] if label is not None and label[0] in known else OTHER


class MeasuredResponse(discord.InteractionResponse):
    """discord.py's response object, timing the first response from the interaction's
    creation to Discord accepting it (a deferral counts: it is what the member sees)."""

    __slots__ = ("figures",)

    def __init__(self, parent: discord.Interaction, figures: InteractionFigures) -> None:
        super().__init__(parent)
        self.figures = figures

    def _answered(self) -> None:
        figures = self.figures
        figures.response_seconds.observe(time.time() - created_at(self._parent.id))
        if self._response_type in DEFERRALS:
            figures.deferrals.inc()

    def _failed(self) -> None:
        self.figures.response_failures.inc()

    async def defer(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super().defer(*args, **kwargs)
        except discord.HTTPException:
            self._failed()
            raise
        self._answered()
        return result

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super().send_message(*args, **kwargs)
        except discord.HTTPException:
            self._failed()
            raise
        self._answered()
        return result

    async def edit_message(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super().edit_message(*args, **kwargs)
        except discord.HTTPException:
            self._failed()
            raise
        self._answered()
        return result

    async def send_modal(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await super().send_modal(*args, **kwargs)
        except discord.HTTPException:
            self._failed()
            raise
        self._answered()
        return result

    async def autocomplete(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().autocomplete(*args, **kwargs)
        except discord.HTTPException:
            self._failed()
            raise
        self._answered()


def command_of(interaction: discord.Interaction) -> str:
    """The label :func:`measure` gave ``interaction`` (``other`` if it was not measured)."""
    response = interaction.response
    return response.figures.command if isinstance(response, MeasuredResponse) else OTHER


def measure(interaction: discord.Interaction, metrics: Metrics, known: frozenset[str]) -> None:
    """Count ``interaction`` and time its first response. Must run before any handler does
    (from ``dispatch``): discord.py makes the response object on first use and keeps it in
    the ``_cs_response`` slot, which this fills first."""
    figures = metrics.interaction(label_of(interaction, known), TYPES.get(interaction.type, OTHER))
    figures.received.inc()
    interaction._cs_response = MeasuredResponse(interaction, figures)  # type: ignore[attr-defined]
