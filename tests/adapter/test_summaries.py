"""Summaries in Discord: posted at each phase change and at the end, on /debate summary, and
reworded by an operator's template without touching code."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import Summary
from tests.adapter.conftest import Harness, running_harness

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


async def test_phase_change_and_end_post_summaries(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate()
    voters = w.audience
    for voter in voters:
        await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    for voter, stance in zip(
        voters, ["for", "for", "against", "against", "against", "undecided"], strict=True
    ):
        await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
    await harness.slash(w.moderator, "debate next", channel=thread)
    await harness.local.bot.announcer.drain()  # type: ignore[union-attr]
    text = harness.public_text(thread)
    assert "Pre-debate vote closed" in text and "6 votes cast" in text
    assert "%" not in text.split("Pre-debate vote closed")[1], "tallies stay hidden until close"

    for _ in range(3):
        await harness.slash(w.moderator, "debate next", channel=thread)
    for voter, stance in zip(
        voters, ["for", "for", "for", "for", "against", "against"], strict=True
    ):
        await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
    await harness.slash(w.moderator, "debate end", channel=thread)
    await harness.local.bot.announcer.drain()  # type: ignore[union-attr]
    final = harness.public_text(thread).split("Results of debate")[-1]
    assert "33%" in final and "67%" in final and "+33" in final and "For wins" in final
    async with harness.app.db.read() as session:
        kinds = (await session.scalars(select(Summary.kind).order_by(Summary.id))).all()
        message_ids = (await session.scalars(select(Summary.message_id))).all()
    assert kinds == ["phase"] * 4 + ["final"]
    assert all(message_ids)


async def test_summary_command_is_ephemeral_for_members_only(harness: Harness) -> None:
    w = harness.world
    thread, _ = await harness.start_debate()
    member = await harness.slash(w.audience[0], "debate summary", channel=thread)
    assert member.ephemeral and "Pre-debate vote" in member.text()
    moderator = await harness.slash(w.moderator, "debate summary", channel=thread)
    assert not moderator.ephemeral and moderator.text() == member.text()


async def test_operator_template_changes_the_posted_summary(
    tmp_path: Path, migrated_template: Path
) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    original = (SHIPPED / "phase_summary.md").read_text()
    head, body = original.split("---\n", 2)[1:]
    (prompts / "phase_summary.md").write_text(
        f"---\n{head}---\nOur own wording, club style.\n{body}"
    )
    async with running_harness(
        tmp_path, migrated_template, summaries={"prompts_dir": str(prompts)}
    ) as harness:
        thread, _ = await harness.start_debate()
        await harness.slash(harness.world.moderator, "debate next", channel=thread)
        await harness.local.bot.announcer.drain()  # type: ignore[union-attr]
        assert "Our own wording, club style." in harness.public_text(thread)


async def test_the_final_summary_names_each_sides_points(harness: Harness) -> None:
    """Through the real client: the posted results say what each side argued, the central
    clash and the points never answered, and member text stays inert."""
    w = harness.world
    thread, _ = await harness.start_debate()
    ada, ben = w.debaters_for
    cleo, dev = w.debaters_against
    for member, side in ((ada, "for"), (ben, "for"), (cleo, "against"), (dev, "against")):
        await harness.slash(member, "debate join", {"side": side}, channel=thread)
    voters = w.audience[:3]
    for voter in voters:
        await harness.slash(voter, "debate join", {"side": "audience"}, channel=thread)
    for voter, stance in zip(voters, ["against", "against", "undecided"], strict=True):
        await harness.slash(voter, "vote", {"stance": stance}, channel=thread)
    await harness.slash(w.moderator, "debate next", channel=thread)  # openings
    said = {
        ada: "Moscow is stretched thin by its own war.",
        cleo: "Pyongyang gains **leverage** from every shell @everyone",
    }
    for member, text in said.items():
        await harness.slash(member, "propose", {"text": text}, channel=thread)
    await harness.slash(w.moderator, "debate next", channel=thread)  # floor
    await harness.slash(
        ben, "propose", {"text": "Exile is no refuge for a regime."}, channel=thread
    )
    await harness.slash(
        dev, "rebut", {"argument": 1, "text": "Stretched, yet it still delivers."}, channel=thread
    )
    await harness.slash(
        ben, "rebut", {"argument": 4, "text": "Deliveries are not divisions."}, channel=thread
    )
    await harness.slash(
        cleo, "rebut", {"argument": 1, "text": "Wars end; treaties stay."}, channel=thread
    )
    for voter in voters:  # an Against voter and an undecided one: across the divide for #1
        await harness.slash(voter, "persuasive", {"argument": 1}, channel=thread)
    await harness.slash(w.moderator, "debate end", channel=thread)
    await harness.local.bot.announcer.drain()  # type: ignore[union-attr]
    final = harness.public_text(thread).split("Results of debate")[-1]
    argued = final.split("What each side argued")[1]
    for_part, against_part = argued.split("__Against__")[:2]
    assert "**#1**" in for_part and "Moscow is stretched thin by its own war." in for_part
    assert "**#3**" in for_part and "Exile is no refuge for a regime." in for_part
    assert "**#2**" in against_part and "Pyongyang gains" in against_part
    assert "\\*\\*leverage\\*\\*" in against_part and "@\u200beveryone" in against_part
    assert "Persuaded across the divide**: #1 (For, 3 members from across the divide)" in final
    assert "The central clash**: #1 (For" in final and "drew 2 rebuttals" in final
    clash = final.split("The central clash")[1]
    assert "Stretched, yet it still delivers." in clash and "Wars end; treaties stay." in clash
    never = final.split("Never answered")[1]
    assert "#2 (Against)" in never and "#3 (For)" in never and "#1 (" not in never


async def test_a_slow_summary_is_deferred_then_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    w = harness.world
    thread, _ = await harness.start_debate()
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every summary counts as late
    member = await harness.slash(w.audience[0], "debate summary", channel=thread)
    assert member.callback_type == 5 and member.ephemeral and "Pre-debate vote" in member.text()
    moderator = await harness.slash(w.moderator, "debate summary", channel=thread)
    assert moderator.callback_type == 5 and not moderator.ephemeral
    assert moderator.text() == member.text()
