"""Formats load as data; the rules refuse what the design forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import errors, rules
from bot.domain.enums import Action, ArgumentKind, ArgumentStatus, Side
from bot.domain.formats import builtin_formats, get_format, parse_format
from bot.domain.motions import builtin_motions

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_shipped_formats() -> None:
    oxford = get_format("oxford")
    assert [p.name for p in oxford.phases] == [
        "pre_vote",
        "opening",
        "floor",
        "closing",
        "post_vote",
        "closed",
    ]
    assert oxford.stages == ("pre", "post")
    assert oxford.phase("opening").per_debater_limit == 1
    assert oxford.phase("closing").per_debater_limit == 1
    assert oxford.phase("floor").allows(Action.REBUT)
    assert not oxford.phase("pre_vote").allows(Action.PROPOSE)
    assert [p.name for p in get_format("open").phases] == ["open", "closed"]
    assert set(builtin_formats()) == {"oxford", "open"}


def test_unknown_format_lists_known_ones() -> None:
    with pytest.raises(errors.UnknownFormat, match="oxford"):
        get_format("lincoln-douglas")


def test_format_must_end_closed() -> None:
    with pytest.raises(ValueError, match="closed"):
        parse_format({"name": "x", "phases": [{"name": "a", "actions": []}]})


def test_twelve_builtin_motions_with_paragraphs() -> None:
    motions = builtin_motions()
    assert len(motions) == 12
    assert all(m.paragraphs and m.text and m.context for m in motions)
    assert motions[-1].text.startswith("Alignment with Russia")


def test_require_action_names_the_phases_that_allow_it() -> None:
    oxford = get_format("oxford")
    with pytest.raises(errors.WrongPhase, match="Floor debate"):
        rules.require_action(oxford, oxford.phase("pre_vote"), Action.REBUT, "rebut")
    with pytest.raises(errors.VoteClosed):
        rules.require_action(oxford, oxford.phase("floor"), Action.VOTE, "vote")
    with pytest.raises(errors.DebateClosed):
        rules.require_action(oxford, oxford.phase("closed"), Action.VOTE, "vote")


def test_proposal_kind_and_limits() -> None:
    opening = get_format("oxford").phase("opening")
    assert rules.proposal_kind(opening, Side.FOR, 0) is ArgumentKind.OPENING
    with pytest.raises(errors.LimitReached):
        rules.proposal_kind(opening, Side.FOR, 1)
    with pytest.raises(errors.NotDebater):
        rules.proposal_kind(opening, Side.AUDIENCE, 0)
    with pytest.raises(errors.NotJoined):
        rules.proposal_kind(opening, None, 0)


def test_rebuttal_and_mark_targets() -> None:
    theirs = rules.ArgumentRef(1, 10, Side.AGAINST, ArgumentStatus.VISIBLE)
    rules.check_rebuttal_target(Side.FOR, theirs)
    with pytest.raises(errors.OwnSide):
        rules.check_rebuttal_target(Side.AGAINST, theirs)
    with pytest.raises(errors.OwnArgument):
        rules.check_mark_target(10, theirs, "mark")
    removed = rules.ArgumentRef(2, 10, Side.AGAINST, ArgumentStatus.REMOVED)
    with pytest.raises(errors.ArgumentRemoved):
        rules.check_mark_target(11, removed, "mark")


def test_text_mute_age_and_cooldown() -> None:
    assert rules.check_text("  hi there  ", 20) == "hi there"
    with pytest.raises(errors.TooLong, match="21 characters; the limit is 20"):
        rules.check_text("x" * 21, 20)
    with pytest.raises(errors.EmptyText):
        rules.check_text("   ", 20)
    with pytest.raises(errors.Muted, match="until 2026-01-01 01:00 UTC"):
        rules.check_mute(NOW + timedelta(hours=1), "spam", NOW)
    rules.check_mute(NOW - timedelta(seconds=1), "spam", NOW)
    with pytest.raises(errors.NewMember):
        rules.check_member_age(NOW - timedelta(minutes=5), 10, NOW)
    rules.check_member_age(NOW - timedelta(minutes=5), 0, NOW)
    with pytest.raises(errors.OnCooldown):
        rules.check_cooldown(NOW - timedelta(seconds=5), 30, NOW)
    rules.check_cooldown(NOW - timedelta(seconds=31), 30, NOW)


def test_side_switch_rules() -> None:
    oxford, open_format = get_format("oxford"), get_format("open")
    rules.check_side_change(oxford, None, Side.FOR, has_posted=False)
    rules.check_side_change(oxford, Side.AUDIENCE, Side.FOR, has_posted=False)
    with pytest.raises(errors.SideSwitchRefused):
        rules.check_side_change(oxford, Side.FOR, Side.AGAINST, has_posted=True)
    rules.check_side_change(open_format, Side.FOR, Side.AGAINST, has_posted=True)
    with pytest.raises(errors.AlreadyOnSide):
        rules.check_side_change(oxford, Side.FOR, Side.FOR, has_posted=False)


def test_rate_limiter_window() -> None:
    from bot.domain.ratelimit import RateLimiter

    limiter = RateLimiter(actions=3, per_seconds=10)
    assert [limiter.hit("a", t) for t in (0, 1, 2)] == [0, 0, 0]
    assert limiter.hit("a", 3) == pytest.approx(7)
    assert limiter.hit("b", 3) == 0
    assert limiter.hit("a", 10.5) == 0
