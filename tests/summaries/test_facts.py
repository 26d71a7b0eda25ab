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
    # #7 and #8 are closings: nothing may answer them, so they are not "never answered"
    assert [a.number for a in facts.unanswered] == [2, 3, 5]
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


async def test_main_points_clash_and_unanswered_follow_the_bridging_rank(app: App) -> None:
    debate_id = await script_debate(app)
    facts = await summary_service(app).facts(GUILD, debate_id, kind="final")
    points = {side.side: side.points for side in facts.main_points}
    # #1 persuaded across the divide (a mind change from a member who voted Against before);
    # unendorsed arguments follow in number order, so each side's points name what it argued
    assert [a.number for a in points["for"]] == [1, 3, 5] and points["for"].total == 4
    assert [a.number for a in points["against"]] == [2, 4, 8] and points["against"].total == 3
    top = points["for"].items[0]
    assert (top.across, top.rebuttals) == (1, 1)
    assert top.excerpt.startswith("Moscow could not spare the forces")
    # #1 and #4 both drew one rebuttal; #1 persuaded more across the divide
    assert facts.clash is not None
    assert facts.clash.target.number == 1
    assert [a.number for a in facts.clash.answers] == [4]
    assert facts.clash.answers.items[0].excerpt == "Russia did save Assad's life."
    cited = {a.number for a in facts.cited()}
    assert cited <= {t.number for t in facts.texts}, "the model can quote every cited argument"
    assert {1, 2, 3, 4, 5, 8} <= cited and 6 not in cited


async def test_final_summary_names_each_sides_points(app: App) -> None:
    debate_id = await script_debate(app)
    text = (await summary_service(app).produce(GUILD, debate_id, "final")).text
    argued = text.split("**What each side argued**")[1]
    for_part, against_part = argued.split("__Against__")
    assert "__For__" in for_part and "**#1** (<@101>): “Moscow could not spare" in for_part
    assert "**#3** (<@102>): “Exile offers no lasting refuge.”" in for_part
    assert "**#2** (<@201>): “Russia still needs North Korean shells" in against_part
    assert "**#4** (<@202>): “Russia did save Assad's life.”" in against_part
    assert "**Persuaded across the divide**: #1 (For, 1 member from across the divide)" in text
    assert "**The central clash**: #1 (For, <@101>) drew 1 rebuttal." in text
    assert "- #4 (Against, <@202>): “Russia did save Assad's life.”" in text
    unanswered = text.split("**Never answered**")[1].split("Moderation")[0]
    assert "#2 (Against)" in unanswered and "#7" not in unanswered and "#8" not in unanswered


async def test_excerpts_are_inert_in_discord(app: App) -> None:
    hostile = "**Bold** [link](https://x.test) `code` @everyone <@&42> ~~gone~~ # heading"
    debate_id = await script_debate(app, against_closing=hostile)
    facts = await summary_service(app).facts(GUILD, debate_id, kind="final")
    points = {side.side: side.points for side in facts.main_points}
    closing = next(a for a in points["against"] if a.number == 8)
    assert closing.excerpt == (
        "\\*\\*Bold\\*\\* \\[link\\](https://x.test) \\`code\\` @\u200beveryone \\<@\\&42\\> "
        "\\~\\~gone\\~\\~ \\# heading"
    )
    text = (await summary_service(app).produce(GUILD, debate_id, "final")).text
    assert "@everyone" not in text and "<@&42>" not in text and "**Bold**" not in text
