"""The annotated essay of a series: its numbers are the debates' results, its arguments are
ranked across the divide, it follows the essay's paragraph order, and it reproduces an essay's
paragraphs only when the operator imported them as reproducible."""

from __future__ import annotations

import json

from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side, Stance
from bot.domain.essays import parse_essay_file
from bot.domain.scoring import STANCES
from bot.domain.series import Schedule, verdict
from tests.conftest import CHANNEL, GUILD, member, moderator
from tests.domain.test_essays import GOOD
from tests.services.helpers import (
    AGAINST_1,
    AGAINST_2,
    FOR_1,
    FOR_2,
    POST,
    PRE,
    VOTERS,
    advance_to,
    cast,
)


async def debate_in_series(app: App, clock: ManualClock) -> tuple[int, int]:
    """A series of propositions 8 and 1 (in that order); the first is debated in Oxford
    format and closed, then the series ends. Returns (series id, debate id)."""
    services = app.services
    series = await services.series.start(
        moderator(), channel_id=CHANNEL + 1, schedule=Schedule.SEQUENCE, propositions="8,1"
    )
    debate = await services.series.open_item(
        series.id, 1, thread_id=CHANNEL, parent_channel_id=CHANNEL + 1, card_message_id=None
    )
    for user, side in (
        (FOR_1, Side.FOR),
        (FOR_2, Side.FOR),
        (AGAINST_1, Side.AGAINST),
        (AGAINST_2, Side.AGAINST),
        *((v, Side.AUDIENCE) for v in VOTERS),
    ):
        await services.debates.join(member(user), CHANNEL, side)
    await cast(app, PRE)  # for, for, against, against, against, undecided
    await advance_to(app, "opening")
    await services.arguments.propose(member(FOR_1), CHANNEL, "Moscow is stretched thin.")
    await services.arguments.propose(member(AGAINST_1), CHANNEL, "Pyongyang gains leverage.")
    await advance_to(app, "floor")
    await services.arguments.propose(member(FOR_2), CHANNEL, "<b>Ukraine</b> drains Russia. " * 20)
    await services.arguments.rebut(member(AGAINST_2), CHANNEL, 3, "Drained, still the patron.")
    votes = services.votes
    await votes.toggle_persuasive(member(VOTERS[0]), CHANNEL, 3)  # own camp
    await votes.toggle_persuasive(member(VOTERS[2]), CHANNEL, 3)  # across the divide
    await votes.credit_mind_change(member(VOTERS[2]), CHANNEL, 3, "The drain convinced me.")
    await votes.toggle_persuasive(member(VOTERS[5]), CHANNEL, 1)  # undecided
    await votes.toggle_persuasive(member(VOTERS[3]), CHANNEL, 2)  # own camp
    await votes.toggle_persuasive(member(VOTERS[3]), CHANNEL, 4)
    await votes.toggle_persuasive(member(VOTERS[3]), CHANNEL, 4)  # toggled off again
    await advance_to(app, "post_vote")
    await cast(app, POST)  # for x4, against x2
    clock.advance(minutes=1)
    await services.debates.end(moderator(), CHANNEL)
    await services.series.end(moderator(), CHANNEL + 1)
    return series.id, debate.id


async def test_numbers_equal_the_debates_results(app: App, clock: ManualClock) -> None:
    series_id, debate_id = await debate_in_series(app, clock)
    essay = await app.services.annotated.build(GUILD, series_id)
    # The essay's paragraph order, not the series' order.
    assert [(p.number, p.paragraphs) for p in essay.propositions] == [(1, "1-2"), (8, "8, 12")]
    untouched, debated = essay.propositions
    assert untouched.state == "not debated" and untouched.post is None

    result = (await app.services.debates.results(GUILD, debate_id)).outcome
    assert result.pre is not None and debated.pre is not None and debated.post is not None
    assert debated.debate_id == debate_id
    assert debated.pre.counts == {s.value: result.pre.counts[s] for s in STANCES}
    assert debated.post.counts == {s.value: result.post.counts[s] for s in STANCES}
    assert debated.pre.percentages == {s.value: result.pre.percent(s) for s in STANCES}
    assert debated.post.percentages == {s.value: result.post.percent(s) for s in STANCES}
    assert debated.swing == {s.value: result.swing[s] for s in STANCES}
    assert debated.winner == (result.winner.value if result.winner else None)
    assert debated.verdict == verdict(result)
    assert debated.participants == 10 and debated.conclusion == "persuaded"

    strong_for, strong_against = debated.strongest["for"], debated.strongest["against"]
    assert strong_for is not None and strong_against is not None
    assert (strong_for.number, strong_for.persuasive, strong_for.mind_changes) == (3, 2, 1)
    assert strong_for.across == 1 and len(strong_for.excerpt) <= 200
    assert strong_for.excerpt.endswith("…")
    assert (strong_against.number, strong_against.persuasive) == (2, 1)
    change = debated.mind_change
    assert change is not None and (change.number, change.count) == (3, 1)
    assert change.explanation == "The drain convinced me."
    assert [p.number for p in essay.concluded("persuaded")] == [8]

    # Every format carries the same numbers.
    document = json.loads((await app.services.annotated.render(GUILD, series_id, "json")).data)
    entry = document["propositions"][1]
    assert entry["pre"]["counts"] == {"for": 2, "against": 3, "undecided": 1}
    assert entry["post"]["counts"] == {"for": 4, "against": 2, "undecided": 0}
    assert entry["swing"]["for"] == round(result.swing[Stance.FOR], 1)
    assert document["concluded"] == {"persuaded": [8], "rejected": [], "split": []}
    markdown = (await app.services.annotated.render(GUILD, series_id, "markdown")).data.decode()
    assert "## What the room concluded" in markdown
    assert "- Before: For 33.3% (2) · Against 50.0% (3) · Undecided 16.7% (1)" in markdown
    assert "- Swing: For +33.3 pts · Against -16.7 pts" in markdown
    assert "persuaded across the divide: 1 member" in markdown
    html = (await app.services.annotated.render(GUILD, series_id, "html")).data.decode()
    assert html.count("<svg") == 1 and "What the room concluded" in html
    assert "Before: For 33.3%, Against 50.0%, Undecided 16.7%" in html
    # Member text is inert in both human formats.
    assert "&lt;b&gt;Ukraine&lt;/b&gt;" in html and "<b>Ukraine" not in html
    assert "\\<b\\>Ukraine" in markdown


async def test_paragraphs_only_when_the_operator_may_reproduce_them(app: App) -> None:
    spec = parse_essay_file(GOOD)
    essay, _ = await app.services.essays.import_spec(spec, GUILD)
    first = (await app.services.essays.propositions(GUILD, essay.key))[0].motion
    assert first.source == "Essay, paragraph 1-2" and first.guild_id == GUILD
    series = await app.services.series.start(
        moderator(), channel_id=CHANNEL, schedule=Schedule.PARALLEL, essay_ref=essay.key
    )
    markdown = (await app.services.annotated.render(GUILD, series.id, "markdown")).data.decode()
    assert "Bridges join towns." in markdown and "Towns with bridges trade more." in markdown
    assert "Not debated yet." in markdown

    private = parse_essay_file(GOOD.replace("reproducible: true", "reproducible: false"))
    await app.services.essays.import_spec(private, GUILD)
    markdown = (await app.services.annotated.render(GUILD, series.id, "markdown")).data.decode()
    assert "Bridges join towns." not in markdown
    assert "Every river town should build a second bridge." in markdown
