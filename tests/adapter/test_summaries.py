"""Summaries in Discord: posted at each phase change and at the end, on /debate summary, and
reworded by an operator's template without touching code."""

from __future__ import annotations

from pathlib import Path

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
