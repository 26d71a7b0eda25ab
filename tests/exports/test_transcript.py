"""The human formats read as a record: a chronological transcript, readable times, phases with
their lengths and counts, and a header that says where the debate was."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side
from bot.exports.readable import duration, mentions, order_key, readable_times, span, when
from bot.services import export_source
from tests.conftest import CHANNEL, GUILD, member, moderator
from tests.exports.conftest import FOR_A, FOR_C, Scripted, export_bytes
from tests.exports.readers import parse_markdown

#: What the scripted debate did, in the order it did it (see ``run_script``).
EVENTS = [
    "Debate started by",
    "Opening statements begins",
    "#1",
    "#2",
    "Floor debate begins",
    "#3",
    "#4",
    "#5",
    "credited #5",
    "#6",
    "removed",
    "warned",
    "#7",
    "muted",
    "Closing statements begins",
    "#8",
    "#9",
    "Final vote begins",
    "Summary",
    "The debate closed",
]
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
ENTRY = re.compile(r"^\*\*(\d\d:\d\d) · (.*)$")


def transcript(text: str) -> list[tuple[str, str]]:
    """``(HH:MM, rest of the line)`` of each entry of the Markdown transcript."""
    lines = parse_markdown(text).sections()["Transcript"]
    return [found.groups() for line in lines if (found := ENTRY.match(line))]  # type: ignore[misc]


def kind_of(rest: str) -> str:
    """Which of :data:`EVENTS` a transcript line is."""
    for event in EVENTS:
        if event.startswith("#"):
            if re.search(rf"\) · {event} ", rest):
                return event
        elif event in rest:
            return event
    raise AssertionError(f"not an expected entry: {rest}")


@pytest.mark.both_backends  # three row streams are open at once on one connection
async def test_markdown_transcript_is_everything_in_order_of_time(
    app: App, clock: ManualClock, scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_source, "BATCH", 2)  # streams interleave fetches mid-stream
    text = (await export_bytes(app, clock, scripted.debate_id, "markdown")).decode()
    doc = parse_markdown(text)
    assert doc.headings(2)[:3] == ["Phases", "Transcript", "Results"], "read first"
    entries = transcript(text)
    assert [kind_of(rest) for _, rest in entries] == EVENTS
    times = [at for at, _ in entries]
    assert times == sorted(times)
    assert times[0] == "12:00" and times[-1] == "12:07"
    assert "1 Jan 2026" in doc.headings(3), "a heading for the day"
    removal = next(rest for _, rest in entries if "removed" in rest and "argument" in rest)
    assert f"removed {FOR_C}'s argument \\#6" in removal
    assert "reason: Personal attack on another member" in removal
    muted = next(rest for _, rest in entries if "muted" in rest)
    assert "30 min" in muted and "Insults after a warning" in muted


async def test_markdown_times_are_readable_and_phases_have_lengths_and_counts(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "markdown")).decode()
    doc = parse_markdown(text)
    outside = "\n".join(doc.lines)
    assert not ISO.search(outside), "no ISO-8601 time outside member text"
    assert any(line.startswith("- **Started:** 1 Jan 2026, 12:00 UTC by ") for line in doc.lines)
    assert "- **Closed:** 1 Jan 2026, 12:07 UTC (after 7 min)" in doc.lines
    phases = doc.sections()["Phases"]
    assert "1\\. **Pre-debate vote** · 1 min · 0 arguments  " in phases
    assert "3\\. **Floor debate** · 2 min · 5 arguments  " in phases
    assert "4\\. **Closing statements** · 1 min · 2 arguments  " in phases
    assert any(line.startswith("1 Jan 2026, 12:02–12:04 UTC; moved on by ") for line in phases)
    audit = doc.sections()["Audit log"]
    muted = next(line for line in audit if "member_muted" in line)
    assert "30 min, until 1 Jan 2026, 12:33 UTC" in muted


async def test_markdown_header_names_where_and_what(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "markdown")).decode()
    doc = parse_markdown(text)
    title = doc.headings(1)[0]
    assert title.startswith(f"Debate {scripted.debate_id}: Russia")
    where = next(line for line in doc.lines if line.startswith("- **Where:** "))
    assert " › " in where, "server › channel"


@pytest.mark.both_backends
async def test_html_transcript_is_in_order_of_time(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "html")).decode()
    start, end = text.index('<section id="transcript">'), text.index('<section id="results">')
    section = text[start:end]
    said = re.findall(r'<div class="msg [^"]*" id="t-(\d+)"', section)
    assert said == [str(n) for n in range(1, 10)]
    stamps = re.findall(r'<time datetime="([^"]+)">', section)
    assert len(stamps) == len(EVENTS)
    assert stamps == sorted(stamps, key=order_key)
    assert section.index('id="t-5"') < section.index("Δ") < section.index('id="t-6"')
    assert section.index("warned") < section.index('id="t-7"') < section.index("muted")
    shown = re.sub(r"<[^>]+>", "", text)
    assert not ISO.search(shown), "no ISO-8601 time in the text a reader sees"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "under a minute"),
        (59.9, "under a minute"),
        (60, "1 min"),
        (45 * 60 + 30, "45 min"),
        (60 * 60, "1 h"),
        (125 * 60, "2 h 5 min"),
        (24 * 3600, "1 day"),
        (28 * 3600 + 59, "1 day 4 h"),
        (3 * 86400, "3 days"),
    ],
)
def test_durations(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


def test_times() -> None:
    moment = datetime(2026, 12, 1, 6, 32, 35, 921183, tzinfo=UTC)
    assert when(moment) == "1 Dec 2026, 06:32 UTC"
    assert when("2026-12-01T06:32:35.921183Z") == "1 Dec 2026, 06:32 UTC"
    assert when(None, "not yet") == "not yet"
    later = datetime(2026, 12, 1, 7, 17, tzinfo=UTC)
    assert span(moment, later) == "1 Dec 2026, 06:32–07:17 UTC"
    assert span(moment, datetime(2026, 12, 2, 1, 0, tzinfo=UTC)) == (
        "1 Dec 2026, 06:32 UTC to 2 Dec 2026, 01:00 UTC"
    )
    assert order_key("2026-12-01T06:32:35Z") < order_key("2026-12-01T06:32:35.000001Z")
    assert readable_times("30 min, until 2026-12-01T06:32:00+00:00") == (
        "30 min, until 1 Dec 2026, 06:32 UTC"
    )
    assert readable_times("no time here") == "no time here"


def test_discord_markup_reads_as_names_and_times() -> None:
    label = {"42": "Ada"}.get
    name = lambda user: label(user or "") or (user or "")  # noqa: E731
    text = "<@42> and <@!42>, <@7> until <t:1764570720:f> (<t:1764570720:R>) <t:99999999999999>"
    assert mentions(text, name) == (
        "@Ada and @Ada, @7 until 1 Dec 2025, 06:32 UTC (1 Dec 2025, 06:32 UTC) <t:99999999999999>"
    )
    assert mentions("plain <b>", name) == "plain <b>"


async def test_an_open_debate_moved_on_by_its_deadline(app: App, clock: ManualClock) -> None:
    """A phase its deadline ended says so; the running phase has no end yet."""
    s, mod = app.services, moderator()
    debate = await s.debates.start(mod, channel_id=CHANNEL, motion_ref="essay-1")
    await s.debates.join(member(FOR_A), CHANNEL, Side.FOR)
    clock.advance(hours=2, minutes=5)
    due = await s.debates.due_deadlines()
    assert [d.debate_id for d in due] == [debate.id]
    await s.debates.advance(
        None, guild_id=GUILD, debate_id=debate.id, expected_index=due[0].phase_index
    )
    clock.advance(minutes=3)
    await s.arguments.propose(member(FOR_A), CHANNEL, "Opening words.")
    text = (await export_bytes(app, clock, debate.id, "markdown")).decode()
    doc = parse_markdown(text)
    phases = doc.sections()["Phases"]
    assert "1\\. **Pre-debate vote** · 2 h 5 min · 0 arguments  " in phases
    assert "1 Jan 2026, 12:00–14:05 UTC; ended at its deadline" in phases
    assert "2\\. **Opening statements** · running · 1 argument  " in phases
    assert "1 Jan 2026, 14:05 UTC to now" in phases
    assert any(line.startswith("- **Closed:** not yet") for line in doc.lines)
    entries = [rest for _, rest in transcript(text)]
    assert entries[1] == "Opening statements begins** (the deadline passed)."
    assert entries[2].startswith(f"{FOR_A}** (for) · #1 Opening")
