"""Plausible facts for test renders: start-up and ``check-prompts`` render every template with
these, in every kind and with results both shown and hidden, so a broken branch shows early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.summaries.facts import (
    ArgumentFact,
    ArgumentText,
    ClashFacts,
    KindCount,
    ModerationFacts,
    MotionFacts,
    OutcomeFacts,
    PhaseFacts,
    SideFacts,
    SidePoints,
    StageFacts,
    StanceShare,
    SummaryFacts,
    SwingFact,
    TransitionFact,
    cut,
    whole,
)

_START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_BODIES = (
    "Moscow could not spare the forces to save Assad, and it cannot spare them for Pyongyang.",
    "Russia still needs North Korean shells, so it has every reason to keep Kim in power.",
    "A treaty on paper is not a division on the ground; Syria showed how that ends.",
)


def _shares(counts: tuple[int, int, int]) -> tuple[StanceShare, ...]:
    total = sum(counts)
    stances = (("for", "For"), ("against", "Against"), ("undecided", "Undecided"))
    return tuple(
        StanceShare(stance, label, count, whole(100 * count / total) if total else 0)
        for (stance, label), count in zip(stances, counts, strict=True)
    )


def _kinds(**counts: int) -> tuple[KindCount, ...]:
    kinds = ("opening", "claim", "rebuttal", "closing")
    return tuple(KindCount(k, k.title(), counts.get(k, 0)) for k in kinds)


def sample_facts(kind: str = "final", *, results_visible: bool = True) -> SummaryFacts:
    """A small Oxford debate with every list, count and result filled in."""
    closed = kind == "final"
    args = [
        ArgumentFact(1, 111, "for", "opening", 3, 1, _BODIES[0], across=2),
        ArgumentFact(2, 222, "against", "opening", 2, 0, _BODIES[1], across=1, rebuttals=1),
        ArgumentFact(3, 111, "for", "rebuttal", 1, 0, _BODIES[2], across=0),
    ]
    texts = [
        ArgumentText(a.number, a.author_id, a.side, a.kind, 2 if a.number == 3 else None, body)
        for a, body in zip(args, _BODIES, strict=True)
    ]
    votes = (
        StageFacts("pre", "Pre-debate vote", 6, _shares((2, 3, 1)) if results_visible else ()),
        StageFacts("post", "Final vote", 6, _shares((4, 2, 0)) if results_visible else ()),
    )
    outcome = OutcomeFacts(
        two_stage=True,
        swing=(
            SwingFact("for", "For", 33, 67, 33),
            SwingFact("against", "Against", 50, 33, -17),
            SwingFact("undecided", "Undecided", 17, 0, -17),
        ),
        winner="for",
        winner_label="For",
        is_tie=False,
        transitions=(
            TransitionFact("for", "for", "For", "For", 2),
            TransitionFact("against", "for", "Against", "For", 2),
            TransitionFact("against", "against", "Against", "Against", 1),
            TransitionFact("undecided", "against", "Undecided", "Against", 1),
        ),
        voters_in_both=6,
    )
    return SummaryFacts(
        kind=kind,
        debate_id=1,
        format_name="oxford",
        format_title="Oxford-style debate",
        is_open=not closed,
        generated_at=_START + timedelta(hours=2),
        motion=MotionFacts(
            "Nuclear weapons cannot guarantee the survival of the North Korean regime.",
            "Essay, paragraph 8, 12",
            "8, 12",
            "The bomb deters invasion but not collapse from within.",
        ),
        phase=PhaseFacts(
            name="closed" if closed else "floor",
            title="Closed" if closed else "Floor debate",
            started_at=_START + timedelta(hours=1),
            deadline=None if closed else _START + timedelta(hours=1, minutes=45),
            next_title=None if closed else "Closing statements",
            about_name="opening",
            about_title="Opening statements",
            about_arguments=2,
        ),
        sides=(
            SideFacts("for", "For", 2, 2, _kinds(opening=1, rebuttal=1)),
            SideFacts("against", "Against", 2, 1, _kinds(opening=1)),
        ),
        audience=4,
        arguments_total=3,
        strongest=cut(args, 2),
        unanswered=cut([args[0]], 1),
        main_points=(
            SidePoints("for", "For", cut([args[0], args[2]], 3)),
            SidePoints("against", "Against", cut([args[1]], 3)),
        ),
        clash=ClashFacts(args[1], cut([args[2]], 3)),
        results_visible=results_visible,
        votes=votes,
        outcome=outcome if results_visible else None,
        moderation=ModerationFacts(removed_arguments=1, warnings=1, mutes=0),
        texts=cut(texts, 3),
        visible_numbers=frozenset({1, 2, 3}),
    )
