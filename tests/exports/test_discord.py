"""What ``/debate export`` gets: an in-memory file, zipped when large, refused when too large."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.domain import errors
from bot.services.exports import ExportTooLarge, export_for_discord
from tests.conftest import CHANNEL, OTHER_GUILD, member, moderator
from tests.exports.conftest import REMOVED_NUMBER, Scripted, export_bytes, exporter


async def test_small_export_is_the_file_itself(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    service = exporter(app, clock)
    exported = await service.for_discord(moderator(), scripted.debate_id, None, "markdown", 10**7)
    assert exported.filename == f"debate-{scripted.debate_id}.md"
    assert exported.debate_id == scripted.debate_id
    assert exported.content_type.startswith("text/markdown")
    assert exported.data == await export_bytes(app, clock, scripted.debate_id, "markdown")
    assert b"You are all idiots." not in exported.data, "never removed text from Discord"


async def test_the_debate_comes_from_the_channel(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    exported = await export_for_discord(
        exporter(app, clock), moderator(), None, "csv", 10**7, channel_id=CHANNEL
    )
    assert exported.filename == f"debate-{scripted.debate_id}.zip"
    assert exported.debate_id == scripted.debate_id
    assert exported.content_type == "application/zip"
    with pytest.raises(errors.NoDebateHere):
        await exporter(app, clock).for_discord(moderator(), None, CHANNEL + 1, "json", 10**7)


async def test_too_large_is_zipped(app: App, clock: ManualClock, scripted: Scripted) -> None:
    raw = await export_bytes(app, clock, scripted.debate_id, "html")
    service, limit = exporter(app, clock), len(raw) - 1
    exported = await service.for_discord(moderator(), scripted.debate_id, None, "html", limit)
    assert exported.filename == f"debate-{scripted.debate_id}.html.zip"
    assert len(exported.data) < len(raw)
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert archive.read(f"debate-{scripted.debate_id}.html") == raw
    again = await service.for_discord(moderator(), scripted.debate_id, None, "html", limit)
    assert again.data == exported.data


@pytest.mark.parametrize("fmt", ["html", "csv"])
async def test_still_too_large_names_the_command_line(
    app: App, clock: ManualClock, scripted: Scripted, fmt: str
) -> None:
    with pytest.raises(ExportTooLarge) as refused:
        await exporter(app, clock).for_discord(moderator(), scripted.debate_id, None, fmt, 500)
    assert isinstance(refused.value, errors.Refusal)
    command = f"debate-bot export --debate {scripted.debate_id} --format {fmt} --out "
    assert command in refused.value.message


async def test_moderators_only_and_guild_scoped(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    service = exporter(app, clock)
    with pytest.raises(errors.NotModerator):
        await service.for_discord(member(5), scripted.debate_id, None, "json", 10**7)
    with pytest.raises(errors.NotModerator):
        await service.write(member(5), scripted.debate_id, "json", io.BytesIO())
    with pytest.raises(errors.UnknownDebate):
        await service.for_discord(
            moderator(guild_id=OTHER_GUILD), scripted.debate_id, None, "json", 10**7
        )


async def test_removed_number_is_still_listed(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    exported = await exporter(app, clock).for_discord(
        moderator(), scripted.debate_id, None, "markdown", 10**7
    )
    assert f"### #{REMOVED_NUMBER} · Claim · for · removed".encode() in exported.data
