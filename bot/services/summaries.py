"""Summaries: gather the facts from the database, render them (template, or a checked
language-model answer with the template as fallback), and keep a record of what was posted.

The adapter calls :meth:`SummaryService.produce` after a phase change is committed, in a
background task: the debate never waits on the model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.domain import errors
from bot.domain.enums import AuditAction, Side
from bot.domain.exchanges import Exchange, answers_to, central_clash, never_answered
from bot.domain.formats import get_format
from bot.services.base import Service, debate_by_id, debate_in_channel, view_of
from bot.services.bridging import bridged_arguments, bridging_rank
from bot.services.debates import DebateService, results_in
from bot.services.guild_configs import GuildConfigs
from bot.services.shared_read import SharedRead
from bot.services.views import DebateView, ResultsView
from bot.storage.database import Database
from bot.storage.models import Argument, AuditEvent, Participant, Summary
from bot.summaries.build import (
    model_selection,
    outcome_facts,
    phase_facts,
    side_facts,
    stage_facts,
)
from bot.summaries.facts import (
    KINDS,
    LABELS,
    ArgumentFact,
    ArgumentText,
    ClashFacts,
    Listing,
    ModerationFacts,
    MotionFacts,
    SidePoints,
    SummaryFacts,
    excerpt,
    inert_excerpt,
)
from bot.summaries.llm import ChatClient, LlmError, llm_summary
from bot.summaries.render import render_summary
from bot.summaries.rendered import PostedSummary, RenderedSummary
from bot.summaries.templates import LLM_USER, PromptError, PromptLibrary, fit_embed

log = logging.getLogger("bot.summaries")

STRONGEST_SHOWN = 5
UNANSWERED_SHOWN = 10
MAIN_POINTS_SHOWN = 3
CLASH_ANSWERS_SHOWN = 3
MODEL_ARGUMENTS = 40
MODEL_ARGUMENT_CHARS = 600


class SummaryService(Service):
    """Facts, rendering and the record of posted summaries."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        configs: GuildConfigs | None = None,
    ) -> None:
        super().__init__(db, clock, settings, configs)
        self.library = PromptLibrary(settings.summaries.prompts_dir)
        self.client = ChatClient(settings.summaries.llm)
        self._for_channels: SharedRead[tuple[int, int], RenderedSummary] = SharedRead(
            self._load_for_channels, "summary-reads"
        )

    async def facts(
        self, guild_id: int, debate_id: int, *, kind: str, phase: str | None = None
    ) -> SummaryFacts:
        """Everything a ``kind`` summary may say, read in one transaction.

        ``phase`` names the phase a phase summary is about (the one that just closed);
        by default the current one.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown summary kind {kind!r}; known: {', '.join(KINDS)}")
        async with self.db.read() as session:
            view = await view_of(session, await debate_by_id(session, guild_id, debate_id))
            # The debate service's scoring query; same transaction, so the counts agree.
            results = await results_in(session, view)
            return await _gather(session, view, results, kind, phase, self.now())

    async def produce(
        self, guild_id: int, debate_id: int, kind: str, *, phase: str | None = None
    ) -> RenderedSummary:
        """The summary to post: the configured backend, or the template one on any failure."""
        facts = await self.facts(guild_id, debate_id, kind=kind, phase=phase)
        rendered = render_summary(self.library, facts)
        phase_name = facts.phase.about_name if kind == "phase" else facts.phase.name
        if self.settings.summaries.backend == "llm":
            try:
                answer, _ = await llm_summary(self.client, self.library, facts)
            except (LlmError, PromptError) as exc:
                log.warning(
                    "language-model %s summary of debate %s not used, posting the template "
                    "summary: %s",
                    kind,
                    debate_id,
                    exc,
                )
            except Exception:
                log.exception(
                    "language-model %s summary of debate %s failed unexpectedly, posting the "
                    "template summary",
                    kind,
                    debate_id,
                )
            else:
                title, text = fit_embed(rendered.title, answer)
                return RenderedSummary(kind, phase_name, "llm", LLM_USER, title, text)
        return RenderedSummary(
            kind, phase_name, "template", rendered.template, rendered.title, rendered.text
        )

    async def record(
        self,
        guild_id: int,
        debate_id: int,
        summary: RenderedSummary,
        *,
        channel_id: int | None,
        message_id: int | None,
    ) -> int:
        """Store a posted summary (exports include it); returns the row id."""
        async with self.db.write() as session:
            debate = await debate_by_id(session, guild_id, debate_id)
            row = Summary(
                debate_id=debate.id,
                kind=summary.kind,
                phase=summary.phase,
                backend=summary.backend,
                template=summary.template,
                text=summary.text,
                channel_id=channel_id,
                message_id=message_id,
                created_at=self.now(),
            )
            session.add(row)
            await session.flush()
            return row.id

    async def for_channel(self, guild_id: int, channel_id: int) -> RenderedSummary:
        """``/debate summary``: the status of an open debate, or the final results; the
        requests waiting at one moment share one (see :mod:`shared_read`)."""
        return await self._for_channels.get((guild_id, channel_id))

    async def _load_for_channels(
        self, keys: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], RenderedSummary | BaseException]:
        async def one(guild_id: int, channel_id: int) -> RenderedSummary | BaseException:
            try:
                async with self.db.read() as session:
                    debate = await debate_in_channel(session, guild_id, channel_id, open_only=False)
                    debate_id, is_open = debate.id, debate.status == "open"
                return await self.produce(guild_id, debate_id, "status" if is_open else "final")
            except errors.Refusal as refusal:
                return refusal

        # Side by side: one debate's language-model summary must not hold up another's.
        found = await asyncio.gather(*(one(*key) for key in keys))
        return dict(zip(keys, found, strict=True))

    async def posted(self, guild_id: int, debate_id: int) -> list[PostedSummary]:
        """The stored summaries of a debate, oldest first."""
        async with self.db.read() as session:
            await debate_by_id(session, guild_id, debate_id)
            rows = await session.scalars(
                select(Summary).where(Summary.debate_id == debate_id).order_by(Summary.id)
            )
            return [
                PostedSummary(
                    r.id,
                    r.debate_id,
                    r.kind,
                    r.phase,
                    r.backend,
                    r.template,
                    r.text,
                    r.channel_id,
                    r.message_id,
                    r.created_at,
                )
                for r in rows
            ]


async def _gather(
    session: AsyncSession,
    view: DebateView,
    results: ResultsView,
    kind: str,
    about: str | None,
    now: datetime,
) -> SummaryFacts:
    fmt = get_format(view.format)
    visible = await bridged_arguments(session, view.id, view.format)
    by_number = {a.number: a for a in visible}
    ranking = [r.argument.number for r in bridging_rank(visible)]
    order = {number: index for index, number in enumerate(ranking)}
    exchanges = [Exchange(a.number, a.side, a.kind, a.phase, a.parent_number) for a in visible]
    replies = answers_to(exchanges)
    open_numbers = never_answered(fmt, exchanges, order)
    side_numbers = {
        side: [
            r.argument.number for r in bridging_rank(visible, side=side, include_unendorsed=True)
        ]
        for side in (Side.FOR, Side.AGAINST)
    }
    clash_number = central_clash(exchanges, {a.number: a.score.score for a in visible})
    clash_answers = (
        sorted(replies[clash_number], key=lambda n: (order.get(n, len(order)), n))
        if clash_number is not None
        else []
    )
    cited = [
        *ranking[:STRONGEST_SHOWN],
        *open_numbers[:UNANSWERED_SHOWN],
        *(n for numbers in side_numbers.values() for n in numbers[:MAIN_POINTS_SHOWN]),
        *([clash_number] if clash_number is not None else []),
        *clash_answers[:CLASH_ANSWERS_SHOWN],
    ]
    model_numbers = model_selection(
        cited, open_numbers, [a.number for a in visible], MODEL_ARGUMENTS
    )
    bodies = await _bodies(session, view.id, set(cited) | set(model_numbers))

    def fact(number: int) -> ArgumentFact:
        a = by_number[number]
        return ArgumentFact(
            number,
            a.author_id,
            a.side.value,
            a.kind.value,
            a.persuasive,
            a.mind_changes,
            inert_excerpt(bodies[number]),
            across=a.across,
            rebuttals=len(replies.get(number, ())),
        )

    def text(number: int) -> ArgumentText:
        a = by_number[number]
        body = excerpt(bodies[number], MODEL_ARGUMENT_CHARS)
        return ArgumentText(number, a.author_id, a.side.value, a.kind.value, a.parent_number, body)

    def listing(numbers: list[int], shown: int) -> Listing[ArgumentFact]:
        return Listing(tuple(fact(n) for n in numbers[:shown]), len(numbers))

    members = await _members(session, view.id)
    visible_results = DebateService.results_visible(view)
    removed = await _removed(session, view.id)
    return SummaryFacts(
        kind=kind,
        debate_id=view.id,
        format_name=view.format,
        format_title=view.format_title,
        is_open=view.is_open,
        generated_at=now,
        motion=MotionFacts(
            view.motion.text, view.motion.source, view.motion.paragraphs, view.motion.context
        ),
        phase=phase_facts(
            fmt,
            view.phase,
            about,
            view.phase_started_at,
            view.phase_deadline,
            (a.phase for a in visible),
        ),
        sides=tuple(
            side_facts(
                side, members.get(side, 0), [a.kind.value for a in visible if a.side is side]
            )
            for side in (Side.FOR, Side.AGAINST)
        ),
        audience=members.get(Side.AUDIENCE, 0),
        arguments_total=len(visible),
        strongest=listing(ranking, STRONGEST_SHOWN),
        unanswered=listing(open_numbers, UNANSWERED_SHOWN),
        main_points=tuple(
            SidePoints(side.value, LABELS[side.value], listing(numbers, MAIN_POINTS_SHOWN))
            for side, numbers in side_numbers.items()
        ),
        clash=(
            ClashFacts(fact(clash_number), listing(clash_answers, CLASH_ANSWERS_SHOWN))
            if clash_number is not None
            else None
        ),
        results_visible=visible_results,
        votes=stage_facts(fmt, results.stages, results.outcome, visible_results),
        outcome=outcome_facts(results.outcome) if visible_results else None,
        moderation=await _moderation(session, view.id, removed),
        texts=Listing(tuple(text(n) for n in model_numbers), len(visible)),
        visible_numbers=frozenset(by_number),
    )


async def _removed(session: AsyncSession, debate_id: int) -> int:
    """Arguments a moderator removed: only their count is ever shown."""
    query = select(func.count()).where(
        Argument.debate_id == debate_id, Argument.status != "visible"
    )
    return int((await session.scalar(query)) or 0)


async def _bodies(session: AsyncSession, debate_id: int, numbers: set[int]) -> dict[int, str]:
    """The texts of the few arguments a summary cites, not of every argument."""
    found: dict[int, str] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(Argument.number, Argument.body).where(
            Argument.debate_id == debate_id, Argument.number.in_(chunk)
        )
        found.update({number: body for number, body in await session.execute(query)})
    return found


async def _members(session: AsyncSession, debate_id: int) -> dict[Side, int]:
    query = (
        select(Participant.side, func.count())
        .where(Participant.debate_id == debate_id)
        .group_by(Participant.side)
    )
    return {Side(side): int(count) for side, count in await session.execute(query)}


async def _moderation(session: AsyncSession, debate_id: int, removed: int) -> ModerationFacts:
    query = (
        select(AuditEvent.action, func.count())
        .where(
            AuditEvent.debate_id == debate_id,
            AuditEvent.action.in_(
                [AuditAction.MEMBER_WARNED.value, AuditAction.MEMBER_MUTED.value]
            ),
        )
        .group_by(AuditEvent.action)
    )
    counts = {action: int(count) for action, count in await session.execute(query)}
    return ModerationFacts(
        removed_arguments=removed,
        warnings=counts.get(AuditAction.MEMBER_WARNED.value, 0),
        mutes=counts.get(AuditAction.MEMBER_MUTED.value, 0),
    )
