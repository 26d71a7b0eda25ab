"""One place that turns failures into what the member sees.

Typed refusals become their message, ephemeral; checks and cooldowns become plain
sentences; anything unexpected is logged once with a short reference the member sees.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from bot.adapter import permissions
from bot.adapter.measure import command_of
from bot.adapter.patience import PUBLIC_DEFERRAL
from bot.domain.errors import BotLacksPermissions, Refusal
from bot.metrics.registry import Metrics

log = logging.getLogger("bot.adapter")

#: What a public deferral briefly says before it is removed, when the post was refused.
NOT_POSTED = "Not posted."


class RateLimited(app_commands.CheckFailure):
    """The member pressed or typed faster than the configured rate."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.1f}s")
        self.retry_after = retry_after


class RefusedCheck(app_commands.CheckFailure):
    """A service refusal raised from a check, where discord.py expects a CheckFailure."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _unwrap(error: BaseException) -> BaseException:
    if isinstance(error, RefusedCheck):
        return error.refusal
    while isinstance(error, (app_commands.CommandInvokeError, app_commands.TransformerError)):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is None:
            break
        error = inner
    return error


#: Failures answered with a plain sentence that are not refusals, by their metric label.
#: Order matters: the subclasses of ``CheckFailure`` come before it.
EXPECTED: tuple[tuple[type[BaseException], str], ...] = (
    (RateLimited, "rate_limited"),
    (discord.Forbidden, "missing_bot_permission"),
    (app_commands.NoPrivateMessage, "no_private_message"),
    (app_commands.MissingPermissions, "not_moderator"),
    (app_commands.MissingAnyRole, "not_moderator"),
    (app_commands.CommandOnCooldown, "cooldown"),
    (app_commands.CheckFailure, "check_failure"),
)


def reason_of(error: BaseException) -> str | None:
    """The refusal's stable code (``not_joined``), or ``None`` for an unexpected error."""
    error = _unwrap(error)
    if isinstance(error, Refusal):
        return error.code
    for kind, reason in EXPECTED:
        if isinstance(error, kind):
            return reason
    return None


def count(interaction: discord.Interaction, error: BaseException) -> None:
    """Count ``error`` in the bot's metrics: a refusal by its code, or an unexpected error."""
    metrics: Metrics | None = getattr(interaction.client, "metrics", None)
    if metrics is None:
        return
    reason = reason_of(error)
    if reason is None:
        metrics.unexpected.labels(command_of(interaction)).inc()
    else:
        metrics.refusals.labels(command_of(interaction), reason).inc()


def message_for(error: BaseException, interaction: discord.Interaction) -> str:
    """The sentence shown to the member for ``error`` (logging the unexpected ones)."""
    error = _unwrap(error)
    if isinstance(error, Refusal):
        return error.message
    if isinstance(error, RateLimited):
        return (
            f"You're going a bit fast. Please wait {max(1, round(error.retry_after))} s "
            "and try again."
        )
    if isinstance(error, discord.Forbidden):
        lacking = permissions.missing(interaction.app_permissions)
        if lacking:
            permissions.note_missing(interaction, lacking)
            return BotLacksPermissions(lacking).message
        log.warning(
            "Discord refused an action in guild %s, channel %s: %s",
            interaction.guild_id,
            interaction.channel_id,
            error.text or error.status,
        )
        return (
            "I'm missing a permission here (I need View Channel, Send Messages, Send Messages "
            "in Threads, Create Public Threads and Embed Links). Ask a server admin to check "
            "my role."
        )
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Debates run in servers: use this command in a server channel."
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingAnyRole):
        return "Only moderators can do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"That command is cooling down; try again in {round(error.retry_after)} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    reference = secrets.token_hex(4)
    command = interaction.command.qualified_name if interaction.command else "component"
    log.error(
        "unexpected error [ref %s] in %s (guild %s, channel %s, user %s)",
        reference,
        command,
        interaction.guild_id,
        interaction.channel_id,
        interaction.user.id,
        exc_info=error,
    )
    return f"Sorry, something went wrong on our side. Reference: `{reference}`."


#: Discord's code for an interaction past its answering window (or already answered).
UNKNOWN_INTERACTION = 10062


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member ``error`` ephemerally, whether or not the interaction was answered.

    An interaction that expired before its answer cannot be told anything: one line, no
    traceback and no second request, which under a burst would only add to the backlog
    that made it late."""
    inner = _unwrap(error)
    if isinstance(inner, discord.NotFound) and inner.code == UNKNOWN_INTERACTION:
        count(interaction, error)
        log.warning(
            "interaction %s (%s) expired before it was answered",
            interaction.id,
            command_of(interaction),
        )
        return
    text = message_for(error, interaction)
    count(interaction, error)
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
        elif interaction.extras.get(PUBLIC_DEFERRAL):
            # The first follow-up would take the public "thinking" message's place: close
            # that message, tell the member privately, then remove it.
            await interaction.edit_original_response(content=NOT_POSTED)
            await interaction.followup.send(text, ephemeral=True)
            await interaction.delete_original_response()
        else:
            await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)
