"""Shape domain values (formats, scoring results, counts) into summary facts.

Pure functions: the summary service reads the rows and hands them here, so scoring stays in
:mod:`bot.domain.scoring` and the database stays in the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.enums import ArgumentKind, Side, Stance
from bot.domain.formats import Format
from bot.domain.scoring import STANCES, Outcome, Tally
from bot.summaries.facts import (
    LABELS,
    KindCount,
    OutcomeFacts,
    PhaseFacts,
    SideFacts,
    StageFacts,
    StanceShare,
    SwingFact,
    TransitionFact,
    whole,
)


def model_selection(
    cited: Sequence[int], open_numbers: Sequence[int], every: Sequence[int], limit: int
) -> list[int]:
    """The arguments the model sees: those the facts cite (strongest, main points, the clash),
    the unanswered, then the earliest; so every argument the facts name can be quoted."""
    chosen: dict[int, None] = {}
    for number in (*cited, *open_numbers, *every):
        if len(chosen) >= limit:
            break
        chosen.setdefault(number)
    return sorted(chosen)


def phase_facts(
    fmt: Format,
    current: str,
    about: str | None,
    started_at: datetime,
    deadline: datetime | None,
    argument_phases: Iterable[str],
) -> PhaseFacts:
    """The current phase with its timing, and the phase a summary is about (default: current).

    ``argument_phases`` holds the phase of every visible argument, to count the ones posted
    in the phase the summary is about.
    """
    phase = fmt.phase(current)
    following = fmt.next_after(phase)
    about_phase = fmt.phase(about) if about in {p.name for p in fmt.phases} else phase
    return PhaseFacts(
        name=phase.name,
        title=phase.title,
        started_at=started_at,
        deadline=deadline,
        next_title=following.title if following is not None else None,
        about_name=about_phase.name,
        about_title=about_phase.title,
        about_arguments=sum(1 for name in argument_phases if name == about_phase.name),
    )


def side_facts(side: Side, members: int, kinds: Sequence[str]) -> SideFacts:
    """One side from its member count and the kinds of its visible arguments."""
    by_kind = tuple(
        KindCount(kind.value, kind.value.title(), sum(1 for k in kinds if k == kind.value))
        for kind in ArgumentKind
    )
    return SideFacts(side.value, LABELS[side.value], members, len(kinds), by_kind)


def shares(result: Tally) -> tuple[StanceShare, ...]:
    """Count and whole percentage per stance."""
    return tuple(
        StanceShare(
            stance.value,
            LABELS[stance.value],
            result.counts[stance],
            whole(result.percent(stance)),
        )
        for stance in STANCES
    )


def stage_facts(
    fmt: Format, stages: Sequence[str], scored: Outcome, visible: bool
) -> tuple[StageFacts, ...]:
    """Voters per stage always; the shares only when results may be shown."""
    titles = {p.vote_stage: p.title for p in fmt.phases if p.vote_stage}
    tallies: dict[str, Tally] = {}
    if stages:
        if scored.pre is not None:
            tallies[stages[0]] = scored.pre
        tallies[stages[-1]] = scored.post
    return tuple(
        StageFacts(stage, titles.get(stage, stage), result.total, shares(result) if visible else ())
        for stage, result in ((s, tallies[s]) for s in stages if s in tallies)
    )


def outcome_facts(scored: Outcome) -> OutcomeFacts:
    """Swing per stance (with its before and after), winner, and how voters moved."""
    swing: tuple[SwingFact, ...] = ()
    if scored.pre is not None:
        pre, post = scored.pre, scored.post
        swing = tuple(
            SwingFact(
                stance.value,
                LABELS[stance.value],
                whole(pre.percent(stance)),
                whole(post.percent(stance)),
                whole(scored.swing[stance]),
            )
            for stance in STANCES
        )
    transitions = tuple(
        TransitionFact(before.value, after.value, LABELS[before.value], LABELS[after.value], n)
        for before, row in scored.transitions.items()
        for after, n in row.items()
        if n
    )
    winner: Stance | None = scored.winner
    return OutcomeFacts(
        two_stage=scored.pre is not None,
        swing=swing,
        winner=winner.value if winner is not None else None,
        winner_label=LABELS[winner.value] if winner is not None else None,
        is_tie=scored.is_tie,
        transitions=transitions,
        voters_in_both=scored.voters_in_both,
    )
