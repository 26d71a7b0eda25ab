"""The Argdown map parses in the reference parser, ``@argdown/core``, with the right nodes.

The parser runs in node (``tests/argdown/argdown_check.mjs``, installed with ``npm ci`` in
``tests/argdown``). Without node or the package these tests skip, saying so; with
``DEBATE_BOT_REQUIRE_ARGDOWN=1`` (as ``.ci/run`` sets) they fail instead.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side
from bot.exports.argdown import escape
from tests.conftest import CHANNEL, member, moderator
from tests.exports.conftest import (
    AGAINST_B,
    FOR_A,
    FOR_C,
    HOSTILE,
    REMOVAL_REASON,
    REMOVED_NUMBER,
    Scripted,
    export_bytes,
    exporter,
)

CHECKER = Path(__file__).resolve().parent.parent / "argdown" / "argdown_check.mjs"
PACKAGE = CHECKER.parent / "node_modules" / "@argdown" / "core" / "package.json"

#: Text that opens every Argdown construct there is, at the start of a line or anywhere.
ARGDOWN_HOSTILE = [
    "[Motion]: a new statement\n  +> [Motion]\n<Argument 1>: redefined\n  - <Argument 2>",
    "#tag #(tag with spaces) @[Motion] @<Argument 1> [link](https://example.com/x)",
    "**unclosed bold *unclosed italic __bold _italic and a ** stray",
    "=== \ntitle: front matter\n===\n{data: [1, 2]} {unclosed",
    "// a comment\n/* a block comment */ <!-- html comment --> trailing //",
    "(1) first premise\n----\n(2) conclusion\n1. list\n* item\n# Heading\n## Another",
    ":happy: .A. :->: .~. e.g. 3.5 a:b http://x.y/z?q=1&r=2 \\ \\\\ \\n \\[",
    "->\n+>\n<-\n<+\n><\n_>\n<_\n- \n+ \n--\n-->",
    "\r\nCRLF\rCR\u2028line separator\ttab\x0bvertical tab \u00a0nbsp",
    "<script>alert(1)</script> <Argument 99> <> [] {} ()",
    "<@4100000000000000101> said so at <t:1767225600:f>, <#123> <:emoji:42>",
]
#: How the map writes the last one: mentions and times for a reader, as transcripts do.
READABLE = "@4100000000000000101 said so at 1 Jan 2026, 00:00 UTC, <#123> <:emoji:42>"


def checked(path: Path) -> dict[str, Any]:
    """What the reference parser makes of the Argdown file at ``path``."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed (apt-get install nodejs npm)"
    elif not PACKAGE.is_file():
        missing = "@argdown/core is not installed (cd tests/argdown && npm ci)"
    if missing is not None:
        if os.environ.get("DEBATE_BOT_REQUIRE_ARGDOWN") == "1":
            pytest.fail(f"DEBATE_BOT_REQUIRE_ARGDOWN=1 but {missing}")
        pytest.skip(missing)
    assert node is not None
    done = subprocess.run(
        [node, str(CHECKER), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def parse(tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / "map.argdown"
    path.write_bytes(data)
    return checked(path)


def flat(text: str) -> str:
    return " ".join(text.split())


def text_of(parsed: dict[str, Any], number: int) -> str:
    return str(parsed["arguments"][f"Argument {number}"]["text"])


async def test_the_scripted_debate_maps_each_argument_to_its_relation(
    app: App, clock: ManualClock, scripted: Scripted, tmp_path: Path
) -> None:
    data = await export_bytes(app, clock, scripted.debate_id, "argdown")
    parsed = parse(tmp_path, data)
    assert parsed["errors"] == []
    assert parsed["counts"] == {"statements": 1, "arguments": 8, "relations": 8}
    assert sorted(parsed["relations"]) == sorted(
        [
            ["Argument 1", "support", "Motion"],
            ["Argument 2", "attack", "Motion"],
            ["Argument 3", "support", "Motion"],
            ["Argument 4", "attack", "Argument 3"],
            ["Argument 5", "attack", "Argument 4"],
            ["Argument 7", "attack", "Argument 1"],
            ["Argument 8", "support", "Motion"],
            ["Argument 9", "attack", "Motion"],
        ]
    )
    assert parsed["statements"]["Motion"].startswith("Russia's failure to save Assad")
    assert text_of(parsed, 3).startswith(flat(HOSTILE) + " (by ")
    assert text_of(parsed, 4).startswith("That proves nothing. # Not a heading (by ")
    assert parsed["arguments"]["Argument 5"]["tags"] == ["for", "rebuttal"]
    assert "1 persuasive mark, 1 mind change" in text_of(parsed, 5)
    assert f"Argument {REMOVED_NUMBER}" not in parsed["arguments"]
    assert b"idiots" not in data and REMOVAL_REASON.encode() not in data


async def test_include_removed_shows_removed_arguments_with_their_text(
    app: App, clock: ManualClock, scripted: Scripted, tmp_path: Path
) -> None:
    data = await export_bytes(app, clock, scripted.debate_id, "argdown", include_removed=True)
    parsed = parse(tmp_path, data)
    assert parsed["errors"] == []
    assert parsed["counts"] == {"statements": 1, "arguments": 9, "relations": 9}
    removed = parsed["arguments"][f"Argument {REMOVED_NUMBER}"]
    assert removed["tags"] == ["for", "claim", "removed"]
    assert removed["text"].startswith(
        f"[removed by a moderator; reason: {REMOVAL_REASON}] You are all idiots. (by "
    )
    assert [f"Argument {REMOVED_NUMBER}", "support", "Motion"] in parsed["relations"]


async def test_discord_can_show_removed_arguments_but_never_their_text(
    app: App, clock: ManualClock, scripted: Scripted, tmp_path: Path
) -> None:
    service = exporter(app, clock)
    hidden = await service.for_discord(moderator(), scripted.debate_id, None, "argdown", 10**7)
    shown = await service.for_discord(
        moderator(), scripted.debate_id, None, "argdown", 10**7, show_removed=True
    )
    assert hidden.filename == f"debate-{scripted.debate_id}.argdown"
    assert parse(tmp_path, hidden.data)["counts"]["arguments"] == 8
    parsed = parse(tmp_path, shown.data)
    assert parsed["errors"] == [] and parsed["counts"]["arguments"] == 9
    assert "text withheld" in text_of(parsed, REMOVED_NUMBER)
    assert b"idiots" not in shown.data


async def test_hostile_text_and_a_removed_argument_with_replies(
    app: App, clock: ManualClock, tmp_path: Path
) -> None:
    """Every member string is Argdown-hostile; #2 is removed, so its rebuttal #3 stands alone."""
    s, mod = app.services, moderator()
    debate = await s.debates.start(
        mod, channel_id=CHANNEL, motion_ref="essay-1", format_name="open"
    )
    for uid, side in ((FOR_A, Side.FOR), (AGAINST_B, Side.AGAINST), (FOR_C, Side.FOR)):
        await s.debates.join(member(uid), CHANNEL, side)
    await s.arguments.propose(member(FOR_A), CHANNEL, ARGDOWN_HOSTILE[0])  # 1
    await s.arguments.propose(member(AGAINST_B), CHANNEL, ARGDOWN_HOSTILE[1])  # 2
    await s.arguments.rebut(member(FOR_C), CHANNEL, 2, ARGDOWN_HOSTILE[2])  # 3
    await s.arguments.rebut(member(AGAINST_B), CHANNEL, 3, ARGDOWN_HOSTILE[3])  # 4
    for text in ARGDOWN_HOSTILE[4:]:  # 5..11: #6 against, the others for
        who = AGAINST_B if text is ARGDOWN_HOSTILE[5] else FOR_A
        await s.arguments.propose(member(who), CHANNEL, text)
        clock.advance(minutes=5)
    await s.moderation.remove_argument(mod, CHANNEL, 2, "[Motion]: #x {y} <z> //")

    parsed = parse(tmp_path, await export_bytes(app, clock, debate.id, "argdown"))
    assert parsed["errors"] == []
    assert parsed["counts"] == {"statements": 1, "arguments": 10, "relations": 10}
    for number, text in enumerate(ARGDOWN_HOSTILE[:-1], start=1):
        if number != 2:
            assert text_of(parsed, number).startswith(flat(text) + " (by "), number
    assert text_of(parsed, len(ARGDOWN_HOSTILE)).startswith(READABLE + " (by ")
    assert ["Argument 3", "support", "Motion"] in parsed["relations"]
    assert "(rebuts #2, a removed argument)" in text_of(parsed, 3)
    assert ["Argument 4", "attack", "Argument 3"] in parsed["relations"]

    full = await export_bytes(app, clock, debate.id, "argdown", include_removed=True)
    parsed = parse(tmp_path, full)
    assert parsed["errors"] == []
    assert parsed["counts"] == {"statements": 1, "arguments": 11, "relations": 11}
    assert text_of(parsed, 2).startswith(
        "[removed by a moderator; reason: [Motion]: #x {y} <z> //] " + flat(ARGDOWN_HOSTILE[1])
    )
    assert ["Argument 3", "attack", "Argument 2"] in parsed["relations"]


def test_random_hostile_strings_parse_back_to_themselves(tmp_path: Path) -> None:
    """Hundreds of strings of Argdown's special characters, in one document, read back verbatim."""
    rng = random.Random(16)
    alphabet = [
        *"\\@#*_[]<>{}/=.:,;()-+ \n\t\r!&'\"`~|^$%?0123456789aAzZéß✓",
        *("==", "===", "//", "/*", "*/", "<!--", "-->", "**", "__", "+>", "->", ":happy:"),
        *(".A.", "[x](y)", "#(t t)", "@[S]", "@<A>"),
    ]
    texts = [flat("".join(rng.choices(alphabet, k=rng.randint(1, 40)))) for _ in range(400)]
    texts = [t for t in texts if t]
    lines = ["[Motion]: " + escape("The motion: [a] <b> #c") + "\n\n"]
    for number, text in enumerate(texts, start=1):
        lines.append(f"<Argument {number}>: {escape(text)} #for\n  +> [Motion]\n\n")
    path = tmp_path / "random.argdown"
    path.write_text("".join(lines), encoding="utf-8")
    parsed = checked(path)
    assert parsed["errors"] == []
    assert parsed["counts"] == {"statements": 1, "arguments": len(texts), "relations": len(texts)}
    assert parsed["statements"]["Motion"] == "The motion: [a] <b> #c"
    for number, text in enumerate(texts, start=1):
        assert text_of(parsed, number) == text + " #for", text


@given(st.text(max_size=80))
def test_escaped_text_opens_no_construct(text: str) -> None:
    escaped = escape(text)
    assert "\n" not in escaped and "\r" not in escaped
    bare = re.sub(r"\\.", "", escaped)
    assert not set(bare) & set("\\@#*_[]<>{}/=")
    assert not re.search(r"[.:]\S", bare)
