"""Facts and template summaries of a scripted Oxford debate through the real services."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.domain.errors import NoDebateHere, UnknownDebate
from bot.summaries.llm import build_prompt
from tests.conftest import CHANNEL, GUILD, OTHER_GUILD, make_settings, moderator
from tests.summaries import REMOVED_TEXT, script_debate, summary_service


async def test_final_summary_states_swing_and_winner(app: App) -> None:
    debate_id = await script_debate(app)
    summary = await summary_service(app).produce(GUILD, debate_id, "final")
    assert summary.backend == "template"
    assert summary.template == "final_results"
    assert summary.kind == "final" and summary.phase == "closed"
    assert "**For**: 33% → 67% (+33 points)" in summary.text
    assert "**Against**: 50% → 33% (-17 points)" in summary.text
    assert "For wins" in summary.text
    assert summary.title.startswith("Results: Nuclear weapons")


async def test_final_facts(app: App) -> None:
    debate_id = await script_debate(app)
    facts = await summary_service(app).facts(GUILD, debate_id, kind="final")
    assert facts.results_visible and facts.outcome is not None
    assert facts.outcome.winner == "for" and not facts.outcome.is_tie
    pre, post = facts.votes
    assert [(s.stance, s.count, s.percent) for s in pre.shares] == [
        ("for", 2, 33),
        ("against", 3, 50),
        ("undecided", 1, 17),
    ]
    assert [s.count for s in post.shares] == [4, 2, 0]
    assert {(t.before, t.after): t.count for t in facts.outcome.transitions} == {
        ("for", "for"): 2,
        ("against", "for"): 2,
        ("against", "against"): 1,
        ("undecided", "against"): 1,
    }
    assert [a.number for a in facts.strongest] == [1, 2]
    top = facts.strongest.items[0]
    assert (top.persuasive, top.mind_changes, top.mention) == (2, 1, "<@101>")
    assert [a.number for a in facts.unanswered] == [2, 3, 5, 7, 8]
    assert [(s.label, s.members, s.arguments) for s in facts.sides] == [
        ("For", 2, 4),
        ("Against", 2, 3),
    ]
    assert facts.audience == 6 and facts.arguments_total == 7
    assert facts.moderation.removed_arguments == 1 and facts.moderation.warnings == 1
    assert facts.motion.paragraphs == "8, 12"


async def test_removed_argument_never_appears(app: App) -> None:
    debate_id = await script_debate(app, end=False)
    service = summary_service(app)
    facts = await service.facts(GUILD, debate_id, kind="status")
    assert 6 not in facts.visible_numbers
    assert all(a.number != 6 for a in (*facts.strongest, *facts.unanswered, *facts.texts))
    assert "Zebra" not in repr(facts)
    assert facts.strongest.total == 2  # #6 had the most marks, but it is removed
    prompt = build_prompt(service.library, facts)
    assert "Zebra" not in prompt.user and "#6" not in prompt.user
    await app.services.debates.end(moderator(), CHANNEL)
    for kind in ("phase", "status", "final"):
        summary = await service.produce(GUILD, debate_id, kind)
        assert REMOVED_TEXT not in summary.text and "#6" not in summary.text


async def test_phase_summary_hides_tallies_until_close(app: App) -> None:
    debate_id = await script_debate(app, stop_after_pre=True)
    change = await app.services.debates.next_phase(moderator(), CHANNEL)
    service = summary_service(app)
    summary = await service.produce(GUILD, debate_id, "phase", phase=change.previous_phase)
    assert summary.phase == "pre_vote"
    assert "Pre-debate vote" in summary.title
    assert "6 votes cast" in summary.text
    assert "%" not in summary.text and "wins" not in summary.text
    facts = await service.facts(GUILD, debate_id, kind="phase", phase="pre_vote")
    assert not facts.results_visible and facts.outcome is None
    assert all(not stage.shares for stage in facts.votes)
    assert facts.percentages() == set()
    status = await service.for_channel(GUILD, CHANNEL)
    assert status.kind == "status" and "%" not in status.text
    assert "Opening statements" in status.title


async def test_live_results_show_tallies_while_open(db_path: Path, clock: ManualClock) -> None:
    live_app = await App.create(make_settings(db_path, results="live"), clock=clock, upgrade=False)
    try:
        debate_id = await script_debate(live_app, stop_after_pre=True)
        summary = await summary_service(live_app).produce(GUILD, debate_id, "status")
        assert "For 33% (2)" in summary.text
    finally:
        await live_app.close()


async def test_record_posted_and_for_channel(app: App) -> None:
    debate_id = await script_debate(app)
    service = summary_service(app)
    summary = await service.for_channel(GUILD, CHANNEL)
    assert summary.kind == "final"
    row_id = await service.record(GUILD, debate_id, summary, channel_id=CHANNEL, message_id=77)
    second = await service.record(GUILD, debate_id, summary, channel_id=None, message_id=None)
    posted = await service.posted(GUILD, debate_id)
    assert [p.id for p in posted] == [row_id, second]
    first = posted[0]
    assert (first.kind, first.phase, first.backend, first.template) == (
        "final",
        "closed",
        "template",
        "final_results",
    )
    assert (first.text, first.channel_id, first.message_id) == (summary.text, CHANNEL, 77)
    with pytest.raises(UnknownDebate):
        await service.posted(OTHER_GUILD, debate_id)
    with pytest.raises(NoDebateHere):
        await service.for_channel(GUILD, CHANNEL + 1)


async def test_unknown_kind_is_refused(app: App) -> None:
    debate_id = await script_debate(app, stop_after_pre=True)
    with pytest.raises(ValueError, match="unknown summary kind"):
        await summary_service(app).facts(GUILD, debate_id, kind="weekly")
