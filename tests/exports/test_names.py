"""The human formats name people and places from the header's names, and keep them inert.

The names are put into the header the export service loads (how the bot records them is
tested with the storage); this checks what Markdown and HTML make of them.
"""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.exports.model import People, Person
from bot.services import export_source
from tests.conftest import MOD
from tests.exports.conftest import AGAINST_B, AUDIENCE, FOR_A, FOR_C, Scripted, export_bytes
from tests.exports.readers import parse_markdown

HOSTILE_NAME = "<img src=x onerror=alert(1)> **Bold** | [x](http://evil)"
NAMES = {
    str(FOR_A): Person("Sam", "sam_for"),
    str(AGAINST_B): Person("sam", "sam_against"),  # the same display name, another case
    str(FOR_C): Person(HOSTILE_NAME, "troll"),
    str(MOD): Person("Mod Mia", "mia"),
    str(AUDIENCE[2]): Person("Carol", "carol"),
}


@pytest.fixture
def named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every export loads a header that carries names for most members, and the place."""
    load = export_source.DbExportSource.load

    async def load_named(
        self: export_source.DbExportSource, *args: object, **options: object
    ) -> None:
        await load(self, *args, **options)  # type: ignore[arg-type]
        header = self.header
        debate = dataclasses.replace(
            header.debate, guild_name="Debate Club", channel_name="motions", thread_name=None
        )
        self._header = dataclasses.replace(header, debate=debate, people=People(NAMES))

    monkeypatch.setattr(export_source.DbExportSource, "load", load_named)


@pytest.mark.usefixtures("named")
async def test_markdown_names_people_and_the_place(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "markdown")).decode()
    doc = parse_markdown(text)
    assert "- **Where:** Debate Club › \\#motions" in doc.lines
    transcript = "\n".join(doc.sections()["Transcript"])
    assert "**12:00 · Debate started by Mod Mia**" in transcript
    assert "Sam (@sam\\_for)** (for) · #1 Opening" in transcript
    assert "sam (@sam\\_against)** (against) · #2 Opening" in transcript
    assert "Δ Carol** credited #5" in transcript
    unknown = str(AUDIENCE[0])
    marks = doc.sections()["Persuasive marks"]
    assert any(f"| {unknown} |" in line for line in marks), "never seen: the id"
    assert str(FOR_A) not in text, "a named member's id is not printed, mentions included"
    assert "(For, @Sam (@sam\\_for))" in text or "(For, @Sam (@sam_for))" in text
    assert HOSTILE_NAME not in text
    assert "\\<img src=x onerror=alert(1)\\> \\*\\*Bold\\*\\* \\| \\[x\\](http://evil)" in text
    assert not any(re.search(r"(?<!\\)\*\*Bold", line) for line in doc.lines)


@pytest.mark.usefixtures("named")
async def test_html_names_people_and_keeps_names_inert(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "html")).decode()
    assert '<p class="where">Debate Club › #motions</p>' in text
    assert '<span class="who">Sam (@sam_for)</span>' in text
    assert '<span class="who">sam (@sam_against)</span>' in text
    assert html.escape(HOSTILE_NAME, quote=True) in text
    assert "<img" not in text
    assert str(FOR_A) not in text, "a named member's id is not printed, mentions included"
    assert "(For, @Sam (@sam_for))" in text, "a mention in a summary reads as a name"
