"""Series through Discord: the real bot against the emulator runs a parallel and a sequence
series of two propositions each, the sequence across a restart, with the series card edited
as debates open and close, and the results posted at the end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.domain.essays import parse_essay_file
from bot.emulator.state import CREATE_PUBLIC_THREADS
from bot.storage.models import Series, SeriesItem
from tests.adapter.conftest import Harness, message_text
from tests.domain.test_essays import GOOD


async def until(check: Callable[[], bool], what: str, timeout: float = 10) -> None:  # noqa: ASYNC109
    """Wait for something the bot does in the background (after a restart, a deadline)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


async def settled(harness: Harness) -> None:
    """Wait for the series driver's pass (a closing pokes it) and what it sent."""
    bot = harness.local.bot
    assert bot is not None
    await bot.series.settle()
    await harness.emu.settle(quiet=0.1)


def series_card(harness: Harness) -> dict[str, Any]:
    for message in harness.public(harness.world.channel):
        for embed in message.get("embeds") or []:
            if str(embed.get("title", "")).startswith("Series #"):
                return message
    raise AssertionError("no series card")


def card_text(harness: Harness) -> str:
    return message_text(series_card(harness))


def threads(harness: Harness) -> list[int]:
    return [int(t["id"]) for t in harness.emu.threads(harness.world.channel)]


async def vote_in(harness: Harness, thread: int, stances: list[str]) -> None:
    """The audience joins and votes in an open-floor debate."""
    for voter, stance in zip(harness.world.audience, stances, strict=False):
        await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
        cast = await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
        assert "recorded" in cast.text(), cast.text()


async def items(harness: Harness) -> list[tuple[int, int, int | None]]:
    async with harness.app.db.read() as session:
        rows = await session.execute(
            select(SeriesItem.series_id, SeriesItem.position, SeriesItem.debate_id).order_by(
                SeriesItem.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_parallel_series_opens_every_debate_and_concludes(harness: Harness) -> None:
    w = harness.world
    started = await harness.slash(
        w.moderator,
        "series start",
        {"propositions": "4,1", "schedule": "parallel", "format": "open"},
    )
    assert started.ephemeral and "Series #1 started: 2 propositions, 2 debate(s) open" in (
        started.text()
    )
    first, second = threads(harness)
    card = card_text(harness)
    assert card.count("debating in") == 2 and "**4.** (¶ 4, 9)" in card and "**1.**" in card
    assert "2 open" in card
    # Each debate is an ordinary debate in its own thread, created on the series' behalf.
    assert "proposition 4 of series #1" in harness.public_text(first)
    assert "proposition 1 of series #1" in harness.public_text(second)

    await vote_in(harness, first, ["for", "for", "for", "against"])
    await harness.slash(w.moderator, "debate end", channel=first)
    await settled(harness)
    card = card_text(harness)
    assert "closed: For won the vote · 4 voted · room: persuaded" in card
    assert card.count("debating in") == 1

    await vote_in(harness, second, ["against", "against", "for"])
    await harness.slash(w.moderator, "debate end", channel=second)
    await until(lambda: "results" in harness.public_text(w.channel), "the series results")
    results = harness.public_text(w.channel)
    assert "Series #1 results: what the room concluded" in results
    assert "Persuaded of" in results and "Rejected" in results
    assert "The series is over" in series_card(harness)["embeds"][0]["footer"]["text"]
    async with harness.app.db.read() as session:
        assert await session.scalar(select(Series.status)) == "closed"
    assert [(s, p) for s, p, _ in await items(harness)] == [(1, 1), (1, 2)]

    status = await harness.slash(w.audience[0], "series status", channel=first)
    assert status.ephemeral and "room: rejected" in status.text()

    # The annotated essay, from Discord: moderators only, numbers as the debates counted.
    refused = await harness.slash(w.audience[0], "series export", {"format": "json"})
    assert "Only moderators" in refused.text() and not refused.files
    exported = await harness.slash(w.moderator, "series export", {"format": "json"}, settle=2.0)
    assert exported.ephemeral and len(exported.files) == 1
    name, data = exported.files[0]
    assert name == "series-1-annotated-essay.json"
    document = json.loads(data)
    assert [p["number"] for p in document["propositions"]] == [1, 4]  # paragraph order
    assert [p["post"]["counts"]["for"] for p in document["propositions"]] == [1, 3]
    assert document["concluded"] == {"persuaded": [4], "rejected": [1], "split": []}
    # Each proposition's numbers are its debate's own, as /debate export gives them.
    for thread in (first, second):
        transcript = await harness.slash(
            w.moderator, "debate export", {"format": "json"}, channel=thread, settle=2.0
        )
        debate = json.loads(transcript.files[0][1])
        (entry,) = (p for p in document["propositions"] if p["debate_id"] == debate["debate"]["id"])
        results, last = debate["results"], debate["results"]["stages"][-1]
        assert entry["post"]["stage"] == last["stage"] and entry["post"]["total"] == last["total"]
        assert entry["post"]["counts"] == last["counts"]
        rounded = {stance: round(v, 1) for stance, v in last["percentages"].items()}
        assert entry["post"]["percentages"] == rounded
        assert entry["winner"] == results["winner"]
        assert entry["participants"] == debate["counts"]["participants"]
    html = await harness.slash(w.moderator, "series export", {"format": "html"}, settle=2.0)
    assert html.files[0][1].count(b"<svg") == 2
    harness.emu.attachment_size_limit = 200  # bytes: the essay does not fit
    too_big = await harness.slash(w.moderator, "series export", {"format": "html"}, settle=2.0)
    assert not too_big.files and "debate-bot series export --series 1" in too_big.text()
    assert harness.emu.violations == []


async def test_sequence_series_moves_on_through_a_deadline_and_a_restart(
    harness: Harness,
) -> None:
    w = harness.world
    started = await harness.slash(
        w.moderator,
        "series start",
        {"propositions": "2,3", "schedule": "sequence", "format": "open"},
    )
    assert "1 debate(s) open" in started.text()
    assert len(threads(harness)) == 1
    assert "waiting for the previous debate" in card_text(harness)
    (first,) = threads(harness)
    await vote_in(harness, first, ["against", "undecided"])

    # The bot stops; the open floor's day runs out while it is down.
    await harness.local.stop_bot()
    harness.clock.advance(minutes=1441)
    await harness.local.start_bot(upgrade=False)
    await until(lambda: len(threads(harness)) == 2, "the next debate opened after the restart")
    second = threads(harness)[1]
    await harness.posted(second, "proposition 3 of series #1")
    await harness.delivered()  # the closing of the first debate comes through the outbox
    await harness.emu.settle(quiet=0.3)
    card = card_text(harness)
    assert "closed: Against won the vote · 2 voted · room: rejected" in card
    assert card.count("debating in") == 1
    assert harness.public_text(first).count("Debate #1 is closed") == 1

    # A moderator ends the series: the open debate closes and the results are posted.
    ended = await harness.slash(w.moderator, "series end", channel=second)
    assert ended.ephemeral and "1 open debate(s) closed" in ended.text()
    assert "Debate #2 is closed" in harness.public_text(second)
    assert "what the room concluded" in harness.public_text(w.channel)
    assert "Left split" in harness.public_text(w.channel)  # nobody voted on the second
    again = await harness.slash(w.moderator, "series end", channel=w.channel)
    assert "This series is over" in again.text()
    assert [d is not None for _, _, d in await items(harness)] == [True, True]


async def test_sequence_resumes_when_the_bot_stopped_between_a_close_and_the_next_open(
    harness: Harness,
) -> None:
    """The closing was committed but the bot died before opening the next debate: start-up
    opens it (the state is in the database, not in memory)."""
    w = harness.world
    await harness.slash(
        w.moderator,
        "series start",
        {"propositions": "5,6", "schedule": "sequence", "format": "open"},
    )
    (first,) = threads(harness)
    bot = harness.local.bot
    assert bot is not None
    bot.announcer.closed_hook = None  # the process "dies" right after the closing commits
    await harness.slash(w.moderator, "debate end", channel=first)
    await bot.series.settle()
    assert len(threads(harness)) == 1
    await harness.local.stop_bot()
    await harness.local.start_bot(upgrade=False)
    await until(lambda: len(threads(harness)) == 2, "the next debate opened at start-up")


async def test_series_refusals(harness: Harness) -> None:
    w = harness.world
    bad = await harness.slash(w.moderator, "series start", {"propositions": "1,13"})
    assert bad.ephemeral and "the valid numbers are 1, 2, 3" in bad.text()
    member = await harness.slash(w.audience[0], "series start", {"propositions": "1"})
    assert member.ephemeral and "Only moderators" in member.text()
    unknown = await harness.slash(w.moderator, "series start", {"essay": "nonesuch"})
    assert "There is no essay 'nonesuch'" in unknown.text()
    nothing = await harness.slash(w.moderator, "series status")
    assert "There is no series in this channel" in nothing.text()
    assert threads(harness) == [] and harness.public(w.channel) == []
    thread, _ = await harness.start_debate(fmt="open")
    inside = await harness.slash(w.moderator, "series start", channel=thread)
    assert "not in a thread" in inside.text()
    harness.emu.deny_bot_permissions(w.guild, CREATE_PUBLIC_THREADS)
    before = await harness.snapshot()
    posted = len(harness.public(w.channel))
    lacking = await harness.slash(w.moderator, "series start", {"schedule": "parallel"})
    assert lacking.ephemeral and "Create Public Threads" in lacking.text()
    assert await harness.snapshot() == before and len(harness.public(w.channel)) == posted


async def test_all_twelve_at_once_fit_discords_limits(harness: Harness) -> None:
    w = harness.world
    started = await harness.slash(
        w.moderator, "series start", {"schedule": "parallel", "format": "open"}, settle=1.0
    )
    assert "12 propositions, 12 debate(s) open" in started.text()
    assert len(threads(harness)) == 12
    assert card_text(harness).count("debating in") == 12
    names = [t["name"] for t in harness.emu.threads(w.channel)]
    assert names[0].startswith("1. ") and all(len(n) <= 100 for n in names)
    assert harness.emu.violations == []


async def test_the_card_follows_phase_changes_on_the_next_pass(harness: Harness) -> None:
    w = harness.world
    await harness.slash(
        w.moderator, "series start", {"propositions": "9", "schedule": "sequence"}, settle=0.5
    )
    (thread,) = threads(harness)
    assert "Pre-debate vote" in card_text(harness)
    await harness.slash(w.moderator, "debate next", channel=thread)
    bot = harness.local.bot
    assert bot is not None
    await bot.deadlines.tick()  # the loop's next pass, every few seconds
    await harness.emu.settle(quiet=0.1)
    assert "Opening statements" in card_text(harness)
    sent = len(harness.emu.requests)
    assert any(r.method == "PATCH" for r in harness.emu.requests)  # the card edits are seen
    await bot.deadlines.tick()  # nothing moved: no edit
    assert [r.method for r in harness.emu.requests[sent:]] == []


async def test_a_refused_opening_is_retried_later_not_every_pass(harness: Harness) -> None:
    """Discord refuses the next thread (the bot lost a permission): the starting card is
    taken back, the driver waits before trying again, and then opens it."""
    w = harness.world
    await harness.slash(
        w.moderator, "series start", {"propositions": "10,11", "format": "open"}, settle=0.5
    )
    (first,) = threads(harness)
    bot = harness.local.bot
    assert bot is not None
    harness.emu.deny_bot_permissions(w.guild, CREATE_PUBLIC_THREADS)
    await harness.slash(w.moderator, "debate end", channel=first)
    await settled(harness)
    assert len(threads(harness)) == 1
    assert "Starting a debate" not in harness.public_text(w.channel)  # taken back
    tries = len([r for r in harness.emu.requests if r.path.endswith("/threads")])
    await bot.deadlines.tick()
    assert len([r for r in harness.emu.requests if r.path.endswith("/threads")]) == tries

    harness.emu.member(w.guild, harness.emu.bot_user.id).denied_permissions = 0
    bot.series._retry_at.clear()  # the wait is over
    await bot.deadlines.tick()
    await harness.emu.settle(quiet=0.1)
    assert len(threads(harness)) == 2


async def test_a_series_on_an_imported_essay_picked_by_autocomplete(harness: Harness) -> None:
    """``essay:`` offers the server's essays as the moderator types; the series then debates
    that essay's propositions, by their own numbers, and exports its annotated essay."""
    w = harness.world
    spec = parse_essay_file(GOOD, "bridges.yaml")
    await harness.app.services.essays.import_spec(spec, w.guild)

    choices = await harness.emu.autocomplete(
        w.guild, w.channel, w.moderator, "series start", {"essay": "bridg"}, focused="essay"
    )
    assert [c["name"] for c in choices] == ["A short essay on bridges (2 propositions)"]
    everything = await harness.emu.autocomplete(
        w.guild, w.channel, w.moderator, "series start", {"essay": ""}, focused="essay"
    )
    assert len(everything) == 2, "the built-in essay and the imported one"

    wrong = await harness.slash(
        w.moderator, "series start", {"essay": choices[0]["value"], "propositions": "1,2"}
    )
    assert "1, 5" in wrong.text() and not threads(harness), wrong.text()
    started = await harness.slash(
        w.moderator,
        "series start",
        {"essay": choices[0]["value"], "propositions": "5,1", "schedule": "parallel"},
    )
    assert "Series #1 started: 2 propositions, 2 debate(s) open" in started.text()
    card = card_text(harness)
    assert card.startswith("Series #1: A short essay on bridges")
    assert "**5.** (¶ 2) Toll bridges pay for themselves within a decade." in card
    assert "**1.** (¶ 1-2) Every river town should build a second bridge." in card
    motions = harness.public_text(w.channel)
    assert "Debate #1: motion\nToll bridges pay for themselves within a decade." in motions
    assert "Essay, paragraph 1-2: The author's case for redundancy." in motions

    exported = await harness.slash(w.moderator, "series export", {"format": "json"}, settle=2.0)
    document = json.loads(exported.files[0][1])
    assert [p["number"] for p in document["propositions"]] == [1, 5]
    assert harness.emu.violations == []
