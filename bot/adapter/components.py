"""Persistent buttons and the rebut modal: all state is in the custom id and the database,
so they keep working after a restart. Custom ids are checked against the guild they are
clicked in by the services (a debate of another guild is refused as unknown)."""

from __future__ import annotations

import asyncio
import functools
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.adapter import limits, render
from bot.adapter.context import actor_from
from bot.adapter.errors import reply_error
from bot.adapter.patience import committed, edit, reply
from bot.domain.enums import Side, Stance

if TYPE_CHECKING:
    from bot.adapter.client import DebateBotMixin

REBUT_MODAL = re.compile(r"arg:rebut-modal:(?P<debate>\d+):(?P<number>\d+)")
REBUT_FIELD = "text"


def runtime(interaction: discord.Interaction) -> DebateBotMixin:
    """The bot that received ``interaction``, with its services."""
    return cast("DebateBotMixin", interaction.client)


Button = discord.ui.DynamicItem[discord.ui.Button[Any]]


class _Persistent:
    """Mixin for the persistent buttons: rate limit first; refusals and errors answered
    like the command tree does."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        try:
            bot = runtime(interaction)
            bot.check_rate(interaction)
            bot.handling(asyncio.current_task())  # the press's task: closing waits for it
        except Exception as error:
            await reply_error(interaction, error)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(interaction)
        except Exception as error:
            await reply_error(interaction, error)

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


JOIN_STYLES = {
    Side.FOR: discord.ButtonStyle.success,
    Side.AGAINST: discord.ButtonStyle.danger,
    Side.AUDIENCE: discord.ButtonStyle.secondary,
}


class JoinButton(
    _Persistent, Button, template=r"debate:join:(?P<debate>\d+):(?P<side>for|against|audience)"
):
    """``For`` / ``Against`` / ``Audience`` on the motion card: join (or switch to) a side."""

    def __init__(self, debate_id: int, side: Side) -> None:
        super().__init__(
            discord.ui.Button(
                label=render.SIDE_NAMES[side],
                style=JOIN_STYLES[side],
                custom_id=f"debate:join:{debate_id}:{side.value}",
            )
        )
        self.debate_id, self.side = debate_id, side

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["debate"]), Side(match["side"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = runtime(interaction)
        actor = actor_from(interaction, bot.app.settings_for(interaction.guild_id))
        joined = await committed(
            interaction,
            bot.app.services.debates.join(actor, None, self.side, debate_id=self.debate_id),
        )
        await reply(interaction, joined_text(joined.side, joined.previous))


def joined_text(side: Side, previous: Side | None) -> str:
    name = render.SIDE_NAMES[side]
    if previous is None:
        return f"You joined the debate on the **{name}** side."
    return f"You switched from {render.SIDE_NAMES[previous]} to **{name}**."


class VoteButton(_Persistent, Button, template=r"debate:vote:(?P<debate>\d+)"):
    """``Vote`` on the motion card: an ephemeral choice of stance."""

    def __init__(self, debate_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Vote",
                style=discord.ButtonStyle.primary,
                custom_id=f"debate:vote:{debate_id}",
            )
        )
        self.debate_id = debate_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["debate"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "How do you vote on the motion? Your vote is secret and you can change it "
            "until this vote closes.",
            view=stance_view(self.debate_id),
            ephemeral=True,
        )


@functools.lru_cache(maxsize=256)
def stance_view(debate_id: int) -> discord.ui.View:
    """The Vote prompt's buttons, built once per debate and stopped, so discord.py keeps no
    state (nor a 15-minute timer) per prompt: a burst of 2,000 presses would keep 2,000.
    The stance buttons are dynamic items, handled by custom id like every other button."""
    view = discord.ui.View(timeout=None)
    for stance in Stance:
        view.add_item(StanceButton(debate_id, stance))
    view.stop()
    return view


STANCE_STYLES = {
    Stance.FOR: discord.ButtonStyle.success,
    Stance.AGAINST: discord.ButtonStyle.danger,
    Stance.UNDECIDED: discord.ButtonStyle.secondary,
}


class StanceButton(
    _Persistent, Button, template=r"debate:stance:(?P<debate>\d+):(?P<stance>for|against|undecided)"
):
    """``For`` / ``Against`` / ``Undecided`` in the ephemeral vote prompt."""

    def __init__(self, debate_id: int, stance: Stance) -> None:
        super().__init__(
            discord.ui.Button(
                label=render.STANCE_NAMES[stance],
                style=STANCE_STYLES[stance],
                custom_id=f"debate:stance:{debate_id}:{stance.value}",
            )
        )
        self.debate_id, self.stance = debate_id, stance

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StanceButton:
        return cls(int(match["debate"]), Stance(match["stance"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = runtime(interaction)
        actor = actor_from(interaction, bot.app.settings_for(interaction.guild_id))
        result = await committed(
            interaction,
            bot.app.services.votes.vote_in_debate(actor, self.debate_id, self.stance),
            update=True,
        )
        await edit(interaction, vote_text(result.stance, result.previous, result.stage))


def vote_text(stance: Stance, previous: Stance | None, stage: str) -> str:
    name = render.STANCE_NAMES[stance]
    if previous is None or previous == stance:
        return f"Your {stage} vote is recorded: **{name}**."
    return f"Your {stage} vote changed from {render.STANCE_NAMES[previous]} to **{name}**."


class PersuasiveButton(
    _Persistent, Button, template=r"arg:persuasive:(?P<debate>\d+):(?P<number>\d+)"
):
    """``Persuasive`` on an argument card: toggle your mark."""

    def __init__(self, debate_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Persuasive",
                emoji="👍",
                style=discord.ButtonStyle.secondary,
                custom_id=f"arg:persuasive:{debate_id}:{number}",
            )
        )
        self.debate_id, self.number = debate_id, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PersuasiveButton:
        return cls(int(match["debate"]), int(match["number"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = runtime(interaction)
        actor = actor_from(interaction, bot.app.settings_for(interaction.guild_id))
        result = await committed(
            interaction,
            bot.app.services.votes.toggle_persuasive(
                actor, None, self.number, debate_id=self.debate_id
            ),
        )
        await reply(interaction, mark_text(result.number, result.marked, result.count))


def mark_text(number: int, marked: bool, count: int) -> str:
    if marked:
        return f"You marked #{number} persuasive ({count} in all). Press again to take it back."
    return f"You took back your persuasive mark on #{number} ({count} in all)."


class RebutButton(_Persistent, Button, template=r"arg:rebut:(?P<debate>\d+):(?P<number>\d+)"):
    """``Rebut`` on an argument card: opens a modal with one text field."""

    def __init__(self, debate_id: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Rebut",
                emoji="↩️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"arg:rebut:{debate_id}:{number}",
            )
        )
        self.debate_id, self.number = debate_id, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RebutButton:
        return cls(int(match["debate"]), int(match["number"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        limit = (
            runtime(interaction).app.settings_for(interaction.guild_id).debates.max_argument_length
        )
        await interaction.response.send_modal(rebut_modal(self.debate_id, self.number, limit))


def rebut_modal(debate_id: int, number: int, max_length: int) -> discord.ui.Modal:
    """The rebut modal. It is stopped before sending so discord.py keeps no state for it:
    submits are handled by custom id in :func:`handle_modal_submit`, even after a restart."""
    modal = discord.ui.Modal(
        title=limits.clip(f"Rebut argument #{number}", limits.MODAL_TITLE),
        custom_id=f"arg:rebut-modal:{debate_id}:{number}",
        timeout=None,
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Your rebuttal",
            custom_id=REBUT_FIELD,
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=min(4000, max_length),
        )
    )
    modal.stop()
    return modal


async def handle_modal_submit(interaction: discord.Interaction) -> bool:
    """Handle a rebut modal submit; ``False`` when the interaction is not one."""
    data: dict[str, Any] = dict(interaction.data or {})
    match = REBUT_MODAL.fullmatch(str(data.get("custom_id", "")))
    if interaction.type is not discord.InteractionType.modal_submit or match is None:
        return False
    bot = runtime(interaction)
    try:
        bot.check_rate(interaction)
        text = ""
        for row in data.get("components", []):
            for component in row.get("components", []):
                if component.get("custom_id") == REBUT_FIELD:
                    text = str(component.get("value", ""))
        actor = actor_from(interaction, bot.app.settings_for(interaction.guild_id))
        argument = await committed(
            interaction,
            bot.app.services.arguments.rebut_in_debate(
                actor, int(match["debate"]), int(match["number"]), text
            ),
            public=True,
        )
        await bot.announcer.post_argument(interaction, argument)
    except Exception as error:
        await reply_error(interaction, error)
    return True


def card_view(debate_id: int) -> discord.ui.View:
    """The motion card's buttons."""
    view = discord.ui.View(timeout=None)
    for side in Side:
        view.add_item(JoinButton(debate_id, side))
    view.add_item(VoteButton(debate_id))
    return view


def argument_view(debate_id: int, number: int, *, removed: bool = False) -> discord.ui.View:
    """An argument card's buttons (none once a moderator removed it)."""
    view = discord.ui.View(timeout=None)
    if not removed:
        view.add_item(PersuasiveButton(debate_id, number))
        view.add_item(RebutButton(debate_id, number))
    return view


class AuditPageButton(
    _Persistent, Button, template=r"audit:(?P<debate>\d+):(?P<page>\d+):(?P<label>prev|next)"
):
    """Page through ``/mod log``; moderators only, checked again on every press."""

    def __init__(self, debate_id: int, page: int, label: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Newer" if label == "prev" else "Older",
                style=discord.ButtonStyle.secondary,
                custom_id=f"audit:{debate_id}:{page}:{label}",
                disabled=disabled,
            )
        )
        self.debate_id, self.page = debate_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AuditPageButton:
        return cls(int(match["debate"]), int(match["page"]), match["label"])

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = runtime(interaction)
        actor = actor_from(interaction, bot.app.settings_for(interaction.guild_id))
        page = await bot.app.services.moderation.audit_log(
            actor, debate_id=self.debate_id or None, page=self.page
        )
        scope = f"debate #{self.debate_id}" if self.debate_id else "this server"
        await interaction.response.edit_message(
            embed=render.audit_embed(page, scope),
            view=audit_view(self.debate_id, page.page, page.pages),
        )


def audit_view(debate_id: int, page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AuditPageButton(debate_id, max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(AuditPageButton(debate_id, page + 1, "next", disabled=page + 1 >= pages))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    JoinButton,
    VoteButton,
    StanceButton,
    PersuasiveButton,
    RebutButton,
    AuditPageButton,
)
