"""``/debate export`` in Discord: moderators get the file attached, others are refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.adapter.conftest import Harness

#: /debate export defers, then builds the file in silence: wait longer for its answer.
DEFERRED = 2.0


@pytest.mark.parametrize("fmt", ["markdown", "html", "json", "csv", "argdown"])
async def test_moderator_gets_the_file_and_members_are_refused(harness: Harness, fmt: str) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    ada = w.debaters_for[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(ada, "propose", {"text": "Exported <b>text</b> @everyone"}, channel=thread)

    refused = await harness.slash(ada, "debate export", {"format": fmt}, channel=thread)
    assert refused.ephemeral and "Only moderators" in refused.text() and not refused.files

    exported = await harness.slash(
        w.moderator, "debate export", {"format": fmt}, channel=thread, settle=DEFERRED
    )
    assert exported.ephemeral and len(exported.files) == 1
    name, data = exported.files[0]
    assert name.startswith("debate-")
    if fmt == "json":
        document = json.loads(data)
        assert [a["body"] for a in document["arguments"]] == ["Exported <b>text</b> @everyone"]
    elif fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert "arguments.csv" in archive.namelist()
    elif fmt == "html":
        assert b"Exported &lt;b&gt;text&lt;/b&gt;" in data
    elif fmt == "argdown":
        assert name.endswith(".argdown")
        assert b"<Argument 1>: Exported \\<b\\>text\\<\\/b\\> \\@everyone " in data
    else:
        assert b"Exported <b>text</b> @everyone" in data
    assert harness.emu.violations == []


async def test_too_large_for_the_attachment_limit_names_the_command_line(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    harness.emu.attachment_size_limit = 200  # bytes: nothing fits, even compressed
    result = await harness.slash(
        w.moderator, "debate export", {"format": "html"}, channel=thread, settle=DEFERRED
    )
    assert result.ephemeral and not result.files
    assert "debate-bot export --debate" in result.text()


async def test_argdown_map_shows_removed_arguments_on_request_without_their_text(
    harness: Harness,
) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    ada, ben = w.debaters_for[0], w.debaters_against[0]
    await harness.slash(ada, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(ben, "debate join", {"side": "against"}, channel=thread)
    await harness.slash(ada, "propose", {"text": "A fair point."}, channel=thread)
    await harness.slash(ben, "propose", {"text": "A slur nobody should read."}, channel=thread)
    removal = {"argument": 2, "reason": "slur"}
    await harness.slash(w.moderator, "mod remove", removal, channel=thread)

    plain = await harness.slash(
        w.moderator, "debate export", {"format": "argdown"}, channel=thread, settle=DEFERRED
    )
    shown = await harness.slash(
        w.moderator,
        "debate export",
        {"format": "argdown", "include_removed": True},
        channel=thread,
        settle=DEFERRED,
    )
    (_, without), (_, with_removed) = plain.files[0], shown.files[0]
    assert b"<Argument 1>: A fair point. (by " in without and b"<Argument 2>" not in without
    assert b"<Argument 2>: " in with_removed and b"#removed" in with_removed
    assert b"slur nobody" not in with_removed
    assert harness.emu.violations == []
