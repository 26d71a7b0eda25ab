"""A whole Oxford debate through Discord: the real discord.py client and the emulator.

Members join by button and command, vote before (button and command), post openings,
claims and rebuttals (command and Rebut modal), mark persuasive, credit a mind change, vote
after; the results message carries the numbers of the hand-computed example.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.storage.models import Argument, ArgumentVote, MindChange, MotionVote, Participant
from tests.adapter.conftest import Harness, running_harness


async def test_whole_debate_through_discord(harness: Harness) -> None:
    w, emu = harness.world, harness.emu
    mod = w.moderator
    ada, ben = w.debaters_for
    cleo, dev = w.debaters_against
    voters = w.audience

    choices = await emu.autocomplete(
        w.guild, w.channel, mod, "debate start", {"motion": "assad russia"}, focused="motion"
    )
    assert choices and all(len(c["name"]) <= 100 for c in choices)
    motion = choices[0]["value"]
    started = await harness.slash(mod, "debate start", {"motion": motion, "format": "oxford"})
    assert started.ephemeral and "started" in started.text()
    thread = int(emu.threads(w.channel)[-1]["id"])
    card = harness.public(w.channel)[-1]
    assert "Pre-debate vote" in harness.public_text(w.channel)

    # Join: buttons on the card for some, /debate join in the thread for others.
    joined = await harness.click(ada, w.channel, card, "For")
    assert joined.ephemeral and "For" in joined.text()
    await harness.click(cleo, w.channel, card, "Against")
    await harness.slash(ben, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(dev, "debate join", {"side": "against"}, channel=thread)
    for voter in voters:
        await harness.click(voter, w.channel, card, "Audience")

    # Pre-debate vote 2 / 3 / 1: the Vote button for half, /vote for the rest.
    pre = ["for", "for", "against", "against", "against", "undecided"]
    for voter, stance in zip(voters[:3], pre[:3], strict=True):
        prompt = await harness.click(voter, w.channel, card, "Vote")
        assert prompt.ephemeral and prompt.original is not None
        choice = await harness.click(voter, w.channel, prompt.original, stance.capitalize())
        assert "vote is recorded" in choice.text()
    for voter, stance in zip(voters[3:], pre[3:], strict=True):
        cast = await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
        assert cast.ephemeral and "recorded" in cast.text()

    nxt = await harness.slash(mod, "debate next", channel=thread)
    assert nxt.ephemeral
    assert "Now: Opening statements" in harness.public_text(thread)

    opening = await harness.slash(
        ada, "propose", {"text": "Moscow is stretched thin."}, channel=thread
    )
    assert not opening.ephemeral and "#1 · For · Opening" in opening.text()
    await harness.slash(cleo, "propose", {"text": "Pyongyang gains leverage."}, channel=thread)

    await harness.slash(mod, "debate next", channel=thread)
    claim = await harness.slash(ben, "propose", {"text": "Ukraine drains Russia."}, channel=thread)
    assert "#3 · For · Claim" in claim.text()
    rebuttals = await emu.autocomplete(
        w.guild, thread, dev, "rebut", {"argument": ""}, focused="argument"
    )
    assert {c["value"] for c in rebuttals} == {1, 3}  # only the other side's arguments
    by_command = await harness.slash(
        dev, "rebut", {"argument": 3, "text": "Drained, but still the patron."}, channel=thread
    )
    assert "#4 · Against · Rebuttal · rebuts #3" in by_command.text()

    card_1 = harness.card_of(thread, 1)
    modal = await harness.click(cleo, thread, card_1, "Rebut")
    assert modal.modal is not None
    field = modal.modal["components"][0]["components"][0]["custom_id"]
    by_modal = await emu.submit_modal(
        w.guild,
        thread,
        cleo,
        modal.modal["custom_id"],
        {field: "Stretched, yet it still sends oil."},
    )
    assert "#5 · Against · Rebuttal · rebuts #1" in by_modal.text()

    marked = await harness.click(voters[0], thread, harness.card_of(thread, 3), "Persuasive")
    assert marked.ephemeral and "marked #3 persuasive" in marked.text()
    await harness.slash(voters[1], "persuasive", {"argument": 3}, channel=thread)
    delta = await harness.slash(
        voters[2],
        "delta",
        {"argument": 3, "explanation": "The drain on Russia convinced me of it."},
        channel=thread,
    )
    assert delta.ephemeral and "credited #3" in delta.text()

    await harness.slash(mod, "debate next", channel=thread)
    closing = await harness.slash(
        ada, "propose", {"text": "So Russia cannot help."}, channel=thread
    )
    assert "Closing" in closing.text()
    await harness.slash(mod, "debate next", channel=thread)
    assert "Now: Final vote" in harness.public_text(thread)

    post = ["for", "for", "for", "for", "against", "against"]
    for voter, stance in zip(voters, post, strict=True):
        await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
    status = await harness.slash(voters[0], "debate status", channel=thread)
    assert status.ephemeral and "6 voted" in status.text()

    ended = await harness.slash(mod, "debate end", channel=thread)
    assert ended.ephemeral
    text = harness.public_text(thread)
    assert "Results of debate" in text
    assert "For 33% (2) · Against 50% (3) · Undecided 17% (1)" in text
    assert "For 67% (4) · Against 33% (2) · Undecided 0% (0)" in text
    assert "For +33 points · Against -17 points" in text
    assert "**For** wins with a swing of +33 points." in text

    async with harness.app.db.read() as session:
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert await count(Participant) == 10
        assert await count(Argument) == 6
        assert await count(MotionVote) == 12
        assert await count(ArgumentVote) == 2
        assert await count(MindChange) == 1
    assert emu.violations == [] and emu.unhandled == []


async def test_user_text_is_echoed_without_mentions(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    await harness.slash(w.debaters_for[0], "debate join", {"side": "for"}, channel=thread)
    role = w.guild  # @everyone's id is the guild id
    text = f"@everyone look <@&{role}> and <@{w.moderator}>"
    posted = await harness.slash(w.debaters_for[0], "propose", {"text": text}, channel=thread)
    message = posted.original
    assert message is not None and text in posted.text()
    assert message["allowed_mentions"] == {"parse": []}
    assert message["mention_everyone"] is False and message["mentions"] == []


async def test_without_threads_the_debate_lives_in_the_channel(
    tmp_path: Path, migrated_template: Path
) -> None:
    async with running_harness(tmp_path, migrated_template, debates={"use_threads": False}) as h:
        w = h.world
        started = await h.slash(w.moderator, "debate start", {"motion": "5", "format": "open"})
        assert started.ephemeral and h.emu.threads(w.channel) == []
        await h.slash(w.debaters_for[0], "debate join", {"side": "for"})
        posted = await h.slash(w.debaters_for[0], "propose", {"text": "In the channel itself."})
        assert "#1 · For · Claim" in posted.text()
        again = await h.slash(w.moderator, "debate start", {"motion": "6"})
        assert again.ephemeral and "already running" in again.text()
