"""Fixtures: a running emulator with one guild, and a small real discord.py bot pointed at it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import discord
import pytest
import yarl
from discord import app_commands

from bot.emulator import DiscordEmulator

MANAGE_MESSAGES = 1 << 13
TOKEN = "test-token"


@dataclass
class World:
    """Ids of the seeded guild."""

    emu: DiscordEmulator
    guild: int
    channel: int
    mod_role: int
    alice: int
    bob: int
    other_guild: int
    other_channel: int


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    """A started emulator with discord.py's REST base and gateway pointed at it."""
    emulator = DiscordEmulator(token=TOKEN)
    await emulator.start()
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = emulator.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    try:
        yield emulator
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
        await emulator.stop()


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    """Guild A with #debates, a moderator role, alice (moderator) and bob; and guild B."""
    g = emu.add_guild("Guild A")
    ch = emu.add_text_channel(g.id, "debates")
    mods = emu.add_role(g.id, "Debate Mods", permissions=MANAGE_MESSAGES)
    alice = emu.add_member(g.id, "alice", roles=[mods.id])
    bob = emu.add_member(g.id, "bob")
    g2 = emu.add_guild("Guild B")
    ch2 = emu.add_text_channel(g2.id, "general")
    emu.add_member(g2.id, "carol")
    return World(emu, g.id, ch.id, mods.id, alice.id, bob.id, g2.id, ch2.id)


# ----- the test bot --------------------------------------------------------------------------


class PersuasiveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pers:(?P<id>\d+)"
):
    """A persistent button whose state lives in its custom_id."""

    def __init__(self, argument_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Persuasive", custom_id=f"pers:{argument_id}"),
        )
        self.argument_id = argument_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PersuasiveButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"persuasive #{self.argument_id}", ephemeral=True)


class RebutModal(discord.ui.Modal, title="Rebut argument"):
    """A modal with one text input."""

    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your rebuttal", custom_id="rebut_text", max_length=1000
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"rebuttal: {self.text.value}")


class CardView(discord.ui.View):
    """A non-persistent view: a modal-opening button and a string select."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Rebut", custom_id="card:rebut")
    async def rebut(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(RebutModal())

    @discord.ui.button(label="Done", custom_id="card:done")
    async def done(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="closed", view=None)

    @discord.ui.select(
        custom_id="card:stance",
        options=[discord.SelectOption(label=s, value=s) for s in ("for", "against")],
    )
    async def stance(
        self, interaction: discord.Interaction, select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.edit_message(content=f"stance {select.values[0]}")


debate = app_commands.Group(name="debate", description="Debates")


@debate.command(name="start", description="Start a debate")
@app_commands.describe(motion="The motion")
async def debate_start(
    interaction: discord.Interaction,
    motion: str,
    format: Literal["oxford", "open"],
    rounds: app_commands.Range[int, 1, 10] = 3,
    moderator: discord.Member | None = None,
) -> None:
    mod = moderator.name if moderator is not None else "none"
    perms = interaction.permissions.manage_messages
    await interaction.response.send_message(
        f"started motion={motion} format={format} rounds={rounds} mod={mod} perms={perms}",
        view=CardView(),
    )


@debate_start.autocomplete("motion")
async def motion_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=f"Motion {i}", value=str(i))
        for i in range(1, 40)
        if current in str(i)
    ][:25]


@app_commands.command(name="think", description="Defer then follow up")
async def think(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await asyncio.sleep(0.05)
    await interaction.followup.send("thought about it")
    await interaction.followup.send("and a second message")


@app_commands.command(name="secret", description="Ephemeral answer")
async def secret(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("only you", ephemeral=True)


@app_commands.command(name="card", description="A persistent button")
async def card(interaction: discord.Interaction) -> None:
    view = discord.ui.View(timeout=None)
    view.add_item(PersuasiveButton(7))
    await interaction.response.send_message("argument #7", view=view)


@app_commands.command(name="thread", description="Post, thread, post")
async def thread_cmd(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="Motion card", description="This house would test")
    embed.add_field(name="Format", value="oxford").set_footer(text="phase: opening")
    msg = await channel.send(embed=embed)
    thread = await msg.create_thread(name="Debate: testing", auto_archive_duration=1440)
    await thread.send(
        f"<@{interaction.user.id}> @everyone welcome",
        allowed_mentions=discord.AllowedMentions.none(),
    )
    await interaction.followup.send(f"thread {thread.id}", ephemeral=True)


@app_commands.command(name="export", description="A file")
async def export(interaction: discord.Interaction) -> None:
    await interaction.response.defer()
    await interaction.followup.send(
        "here", file=discord.File(io.BytesIO(b"# transcript\n"), "t.md")
    )


@app_commands.command(name="long", description="Too long")
async def long_cmd(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("x" * 2001)


@app_commands.command(name="slow", description="Too slow")
async def slow(interaction: discord.Interaction) -> None:
    await asyncio.sleep(3.2)
    await interaction.response.send_message("too late")


@app_commands.command(name="where", description="Which shard")
async def where(interaction: discord.Interaction) -> None:
    label = getattr(interaction.client, "label", "")
    await interaction.response.send_message(f"shard {interaction.client.shard_id} {label}")


GLOBAL_COMMANDS: list[Any] = [debate, think, secret, card, thread_cmd, export, long_cmd, slow]


def make_guild_command() -> app_commands.Command[Any, ..., Any]:
    """A guild-only command (registered with PUT .../guilds/{gid}/commands)."""

    @app_commands.command(name="local", description="Guild command")
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"local in {interaction.guild_id}")

    return local


class TestBot(discord.Client):
    """A plain client with a command tree that syncs in setup_hook."""

    __test__ = False

    def __init__(
        self,
        guild_id: int | None,
        label: str = "",
        intents: discord.Intents | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(intents=intents or discord.Intents.default(), **kwargs)
        self.label = label
        self.tree = app_commands.CommandTree(self)
        self.sync_guild = guild_id
        self.errors: list[BaseException] = []
        for cmd in GLOBAL_COMMANDS:
            self.tree.add_command(cmd)
        self.tree.add_command(where)
        if guild_id is not None:
            self.tree.add_command(make_guild_command(), guild=discord.Object(guild_id))
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.errors.append(error)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5-second pause before re-identifying (discord.py's default)."""

    async def setup_hook(self) -> None:
        self.add_dynamic_items(PersuasiveButton)
        await self.tree.sync()
        if self.sync_guild is not None:
            await self.tree.sync(guild=discord.Object(self.sync_guild))


BotFactory = Callable[..., Awaitable[TestBot]]


@pytest.fixture
async def start_bot(emu: DiscordEmulator) -> AsyncIterator[BotFactory]:
    """Start TestBots against the emulator; all are closed at teardown."""
    bots: list[tuple[TestBot, asyncio.Task[None]]] = []

    async def factory(
        guild_id: int | None = None, ready: int = 1, reconnect: bool = False, **kwargs: Any
    ) -> TestBot:
        bot = TestBot(guild_id, **kwargs)
        await bot.login(TOKEN)
        task = asyncio.create_task(bot.connect(reconnect=reconnect))
        bots.append((bot, task))
        await emu.wait_for_ready(timeout=10, count=ready)
        return bot

    yield factory
    for bot, task in bots:
        if not bot.is_closed():
            await bot.close()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def bot(world: World, start_bot: BotFactory) -> TestBot:
    """One connected TestBot with a guild command for guild A."""
    return await start_bot(world.guild)
