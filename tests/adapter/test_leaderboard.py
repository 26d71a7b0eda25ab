"""/debate leaderboard through the real client: ephemeral for members, posted publicly only by
moderators, ties shown as ties, the audience counted."""

from __future__ import annotations

import pytest

from tests.adapter.conftest import Harness


async def played(harness: Harness) -> int:
    """An Oxford debate where Ada and Cleo earn the same points and Ben earns none."""
    w = harness.world
    thread, _ = await harness.start_debate()
    ada, ben = w.debaters_for
    cleo, _ = w.debaters_against
    for member, side in ((ada, "for"), (ben, "for"), (cleo, "against")):
        await harness.slash(member, "debate join", {"side": side}, channel=thread)
    voters = w.audience[:2]
    for voter in voters:
        await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
        await harness.slash(voter, "vote", {"stance": "undecided"}, channel=thread)
    await harness.slash(w.moderator, "debate next", channel=thread)  # openings
    await harness.slash(ada, "propose", {"text": "Moscow is stretched thin."}, channel=thread)
    await harness.slash(cleo, "propose", {"text": "Pyongyang gains leverage."}, channel=thread)
    await harness.slash(ben, "propose", {"text": "Exile is no refuge."}, channel=thread)
    for number in (1, 2):  # undecided voters: across the divide for both sides, 2 points each
        await harness.slash(voters[0], "persuasive", {"argument": number}, channel=thread)
    await harness.slash(w.moderator, "debate end", channel=thread)
    return thread


async def test_members_see_it_privately_with_their_place(harness: Harness) -> None:
    w = harness.world
    await played(harness)
    ada, ben = w.debaters_for
    result = await harness.slash(ada, "debate leaderboard")
    text = result.text()
    assert result.ephemeral, text
    assert "Leaderboard · this server" in text and "across 1 debate" in text
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "**2 points**" in line)
    # Ada and Cleo tie for first place; Ben follows in third.
    assert lines[first].startswith("` =1.` ") and lines[first + 1].startswith("` =1.` ")
    assert {f"<@{ada}>", f"<@{w.debaters_against[0]}>"} == {
        lines[first].split()[2],
        lines[first + 1].split()[2],
    }
    assert lines[first + 2].startswith("`  3.` ") and f"<@{ben}> **0 points**" in lines[first + 2]
    assert "**Audience**: 2 members took part: 2 votes, 2 persuasive marks, 0 mind changes" in text
    assert "Your place: =1 of 3, with 2 points." in text
    assert harness.public_text(w.channel).count("Leaderboard") == 0


async def test_only_moderators_post_it_publicly(harness: Harness) -> None:
    w = harness.world
    await played(harness)
    refused = await harness.slash(w.debaters_for[0], "debate leaderboard", {"public": True})
    assert refused.ephemeral and "Only moderators can post the leaderboard" in refused.text()
    assert "Leaderboard" not in harness.public_text(w.channel)
    posted = await harness.slash(w.moderator, "debate leaderboard", {"public": True})
    assert not posted.ephemeral
    channel_text = harness.public_text(w.channel)
    assert "Leaderboard · this server" in channel_text and "**2 points**" in channel_text
    assert "Your place" not in channel_text


async def test_series_scope_without_a_series_is_refused_politely(harness: Harness) -> None:
    result = await harness.slash(
        harness.world.audience[0], "debate leaderboard", {"scope": "series"}
    )
    assert result.ephemeral and "no series yet" in result.text()
    assert "Traceback" not in result.text()


def test_a_crowded_board_fits_one_embed() -> None:
    from bot.adapter.leaderboard_render import leaderboard_embed
    from bot.domain.leaderboard import AudienceTally, DebaterTally, audience_standings, standings
    from bot.services.leaderboard import AudienceTotals, Leaderboard, Scope

    big = 10**18
    debaters = standings(
        DebaterTally(big + i, 10**9 - i // 3, 10**6, 10**6, 10**6, 10**5, 10**4) for i in range(500)
    )
    audience = audience_standings(
        AudienceTally(big + i, 10**6, 10**6, 10**6, 10**4) for i in range(900)
    )
    board = Leaderboard(
        Scope.SERIES,
        12,
        "A title " * 60,
        10**4,
        10,
        tuple(debaters),
        tuple(audience),
        AudienceTotals(900, 10**9, 10**9, 10**9),
    )
    embed = leaderboard_embed(board, viewer=big + 499)
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed) <= 6000
    text = embed.description or ""
    assert "…and 490 more debaters" in text and "…and 895 more members" in text
    assert "` =1.`" in text, "the first three share a place"
    assert not text.endswith("…"), "nothing was cut"
    assert embed.footer.text == "Your place: =499 of 500, with 999999834 points."


async def test_series_scope_counts_the_series_debates_only(harness: Harness) -> None:
    w = harness.world
    ada, ben = w.debaters_for
    started = await harness.slash(
        w.moderator, "series start", {"propositions": "4", "schedule": "parallel", "format": "open"}
    )
    assert "Series #1 started" in started.text()
    (in_series,) = [int(t["id"]) for t in harness.emu.threads(w.channel)]
    elsewhere, _ = await harness.start_debate(motion="2")
    for thread, debater in ((in_series, ada), (elsewhere, ben)):
        await harness.slash(debater, "debate join", {"side": "for"}, channel=thread)
        if thread == elsewhere:
            await harness.slash(w.moderator, "debate next", channel=thread)  # openings
        await harness.slash(debater, "propose", {"text": "Moscow is stretched."}, channel=thread)
    choices = await harness.emu.autocomplete(
        w.guild, w.channel, ada, "debate leaderboard", {"series": ""}, focused="series"
    )
    assert [c["value"] for c in choices] == [1] and choices[0]["name"].startswith("#1 · open")

    series = (
        await harness.slash(ada, "debate leaderboard", {"scope": "series"}, channel=in_series)
    ).text()
    assert "Leaderboard · series #1" in series and "across 1 debate (1 still open)" in series
    assert f"<@{ada}>" in series and f"<@{ben}>" not in series
    named = (await harness.slash(ben, "debate leaderboard", {"series": 1})).text()
    assert (
        "Leaderboard · series #1" in named and "You have not argued in these debates yet." in named
    )
    server = (await harness.slash(ben, "debate leaderboard", {"scope": "server"})).text()
    assert "Leaderboard · this server" in server and "across 2 debates" in server
    assert f"<@{ada}>" in server and f"<@{ben}>" in server


async def test_a_slow_board_is_deferred_then_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    w = harness.world
    await played(harness)
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every board counts as late
    mine = await harness.slash(w.debaters_for[1], "debate leaderboard")
    assert mine.callback_type == 5 and mine.ephemeral
    assert "Your place: 3 of 3, with 0 points." in mine.text()
    posted = await harness.slash(w.moderator, "debate leaderboard", {"public": True})
    assert posted.callback_type == 5 and not posted.ephemeral
    assert "Leaderboard · this server" in harness.public_text(w.channel)
    # A refusal after a public deferral is told privately; nothing stays in the channel.
    before = harness.public_text(w.channel)
    refused = await harness.slash(
        w.moderator, "debate leaderboard", {"scope": "series", "public": True}, settle=0.5
    )
    assert "no series yet" in refused.text()
    assert harness.public_text(w.channel) == before
