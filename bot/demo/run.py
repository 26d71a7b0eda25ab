"""``debate-bot demo``: the real bot, in-process, against the Discord emulator on loopback.

Scripted members debate one of the essay's motions in the Oxford format from start to
result; the thread is then printed as a reader would see it. No token, no network. With
``--keep PATH`` the database stays at PATH and the demo prints the command that exports it.
"""

from __future__ import annotations

import re
import shlex
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapter.local import LocalDiscord, World, seed_world
from bot.clock import ManualClock
from bot.config import Settings
from bot.demo import script
from bot.emulator import DiscordEmulator, InteractionResult
from bot.failures import UsageError
from bot.summaries.check import require_prompts


class Demo:
    """Drives the scripted members through the emulator."""

    def __init__(self, local: LocalDiscord, world: World) -> None:
        self.local, self.world = local, world
        self.by_name = {name: uid for uid, name in world.names.items()}
        self.thread = 0

    @property
    def emu(self) -> DiscordEmulator:
        return self.local.emu

    async def slash(
        self, who: str, command: str, options: dict[str, Any] | None = None
    ) -> InteractionResult:
        channel = self.thread or self.world.channel
        result = await self.emu.slash(
            self.world.guild, channel, self.by_name[who], command, options or {}
        )
        return result

    async def click(
        self, who: str, channel: int, message: dict[str, Any], label: str
    ) -> InteractionResult:
        for row in message.get("components") or []:
            for button in row.get("components") or []:
                if button.get("label") == label:
                    return await self.emu.click(
                        self.world.guild,
                        channel,
                        self.by_name[who],
                        int(message["id"]),
                        button["custom_id"],
                    )
        raise RuntimeError(f"no button {label!r}")

    def card_of(self, number: int) -> dict[str, Any]:
        for message in self.emu.messages(self.thread, include_ephemeral=False):
            for embed in message.get("embeds") or []:
                if str(embed.get("title", "")).startswith(f"#{number} "):
                    return message
        raise RuntimeError(f"no card for #{number}")

    async def run(self) -> None:
        w = self.world
        moderator = w.names[w.moderator]
        choices = await self.emu.autocomplete(
            w.guild,
            w.channel,
            w.moderator,
            "debate start",
            {"motion": script.MOTION_SEARCH},
            focused="motion",
        )
        await self.slash(
            moderator, "debate start", {"motion": choices[0]["value"], "format": "oxford"}
        )
        self.thread = int(self.emu.threads(w.channel)[-1]["id"])
        card = self.emu.messages(w.channel, include_ephemeral=False)[-1]
        for uid in w.debaters_for:
            await self.click(w.names[uid], w.channel, card, "For")
        for uid in w.debaters_against:
            await self.click(w.names[uid], w.channel, card, "Against")
        listeners = [w.names[uid] for uid in w.audience]
        for name in listeners:
            await self.click(name, w.channel, card, "Audience")
        for name, stance in zip(listeners, script.PRE_VOTES, strict=True):
            await self.slash(name, "vote", {"stance": stance})

        await self.slash(moderator, "debate next")
        numbers: dict[str, int] = {}
        for name, text in script.OPENINGS.items():
            await self.slash(name, "propose", {"text": text})
        await self.slash(moderator, "debate next")
        for name, text in script.CLAIMS:
            result = await self.slash(name, "propose", {"text": text})
            numbers[name] = int(re.search(r"#(\d+)", result.text()).group(1))  # type: ignore[union-attr]
        for name, target, text, by_modal in script.REBUTTALS:
            if by_modal:
                modal = await self.click(name, self.thread, self.card_of(numbers[target]), "Rebut")
                assert modal.modal is not None
                field = modal.modal["components"][0]["components"][0]["custom_id"]
                await self.emu.submit_modal(
                    w.guild,
                    self.thread,
                    self.by_name[name],
                    modal.modal["custom_id"],
                    {field: text},
                )
            else:
                await self.slash(name, "rebut", {"argument": numbers[target], "text": text})
        for name in listeners[:3]:
            await self.click(name, self.thread, self.card_of(numbers["Ben"]), "Persuasive")
        who, target, why = script.DELTA
        await self.slash(who, "delta", {"argument": numbers[target], "explanation": why})
        await self.slash(moderator, "debate next")
        for name, text in script.CLOSINGS.items():
            await self.slash(name, "propose", {"text": text})
        await self.slash(moderator, "debate next")
        for name, stance in zip(listeners, script.POST_VOTES, strict=True):
            await self.slash(name, "vote", {"stance": stance})
        await self.slash(moderator, "debate end")
        await self.emu.settle(quiet=0.5)


def readable(text: str, names: dict[int, str]) -> str:
    """Mentions and timestamps as a Discord client would show them."""
    text = re.sub(r"<@!?(\d+)>", lambda m: "@" + names.get(int(m.group(1)), "someone"), text)
    text = re.sub(
        r"<t:(\d+):f> \(<t:\d+:R>\)",
        lambda m: datetime.fromtimestamp(int(m.group(1)), UTC).strftime("%H:%M UTC"),
        text,
    )
    return re.sub(
        r"<t:(\d+):[a-zA-Z]>",
        lambda m: datetime.fromtimestamp(int(m.group(1)), UTC).strftime("%H:%M UTC"),
        text,
    )


def print_channel(emu: DiscordEmulator, channel: int, names: dict[int, str], title: str) -> None:
    print(f"\n══ {title} ══")
    for message in emu.messages(channel, include_ephemeral=False):
        metadata = message.get("interaction_metadata") or {}
        user = (metadata.get("user") or {}).get("id")
        header = "DebateBot"
        if user:
            header += f" (for @{names.get(int(user), 'someone')})"
        print(f"\n── {header}")
        if message.get("content"):
            print(readable(str(message["content"]), names))
        for embed in message.get("embeds") or []:
            if embed.get("title"):
                print(f"**{readable(str(embed['title']), names)}**")
            if embed.get("description"):
                print(readable(str(embed["description"]), names))
            for f in embed.get("fields") or []:
                print(f"  {f['name']}: {readable(str(f['value']), names)}")
        labels = [
            b.get("label")
            for row in message.get("components") or []
            for b in row.get("components") or []
        ]
        if labels:
            print("  " + " ".join(f"[{label}]" for label in labels))


async def run_demo(settings: Settings, keep: str | None = None) -> int:
    """Run the scripted debate on a throw-away database and print the thread; with ``keep``
    the database is left at that path and the command that exports the debate is printed."""
    require_prompts(settings)
    kept = _new_file(keep) if keep else None
    with tempfile.TemporaryDirectory(prefix="debate-demo-") as folder:
        path = kept or Path(folder) / "demo.db"
        url = f"sqlite+aiosqlite:///{path}"
        database = settings.database.model_copy(update={"url": url})
        debates = settings.debates.model_copy(
            update={
                "argument_cooldown_seconds": 0,
                "rate_limit": settings.debates.rate_limit.model_copy(update={"actions": 1000}),
            }
        )
        demo_settings = settings.model_copy(update={"database": database, "debates": debates})
        local = LocalDiscord(demo_settings, clock=ManualClock(datetime.now(UTC)))
        await local.start_emulator()
        world = seed_world(local.emu)
        await local.start_bot()
        try:
            demo = Demo(local, world)
            await demo.run()
            assert local.app is not None
            status = await local.app.services.debates.status(world.guild, demo.thread)
            print_channel(local.emu, world.channel, world.names, "#debates")
            print_channel(local.emu, demo.thread, world.names, "the debate's thread")
            problems = local.emu.violations + local.emu.unhandled
            if problems:
                print(f"\nThe emulator recorded {len(problems)} problem(s): {problems}")
                return 1
        finally:
            await local.stop()
        if kept is not None:
            print(f"\nThe demo's database is kept at {kept}. To write its transcript:")
            print(f"  {export_command(kept, status.debate.id)}")
    return 0


def _new_file(keep: str) -> Path:
    """Where ``--keep`` puts the database: a new file in a folder that exists."""
    path = Path(keep).resolve()
    if path.exists():
        raise UsageError(f"--keep {keep}: the file exists; name a new file")
    if not path.parent.is_dir():
        raise UsageError(f"--keep {keep}: the folder {path.parent} does not exist")
    return path


def export_command(database: Path, debate_id: int) -> str:
    """The command line that writes the demo debate's transcript as HTML."""
    out = database.with_name(f"debate-{debate_id}.html")
    return (
        f"debate-bot export --database {shlex.quote(str(database))} --debate {debate_id} "
        f"--format html --out {shlex.quote(str(out))}"
    )
