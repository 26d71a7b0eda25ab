"""The annotated essay of a series: each proposition's debate, its numbers, its strongest
arguments by bridging rank and its most credited mind change, in the essay's paragraph
order, read in one transaction."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import errors
from bot.domain.enums import Side
from bot.domain.essays import paragraph_numbers, paragraph_order
from bot.domain.scoring import STANCES, Tally
from bot.domain.series import conclusion, verdict
from bot.exports.annotated import model as m
from bot.exports.annotated.writers import render
from bot.services.base import Service, require_moderator
from bot.services.bridging import BridgedArgument, bridged_arguments, bridging_rank
from bot.services.series import SeriesService, series_by_id, series_view
from bot.services.series_views import SeriesItemView
from bot.services.views import Actor
from bot.storage.models import Argument, EssayParagraph, MindChange, Participant, Series


class AnnotatedEssayTooLarge(errors.Refusal):
    code = "export_too_large"

    def __init__(self, series_id: int, fmt: str, size: int, limit: int) -> None:
        super().__init__(
            f"The annotated essay of series {series_id} is {size:,} bytes, over this "
            f"channel's upload limit of {limit:,}. Write it from the command line: "
            f"debate-bot series export --series {series_id} --format {fmt} --out FILE"
        )


class UnknownEssayFormat(errors.Refusal):
    code = "unknown_export_format"

    def __init__(self, fmt: str) -> None:
        super().__init__(
            f"There is no annotated essay format {fmt!r}. Use one of: {', '.join(m.FORMATS)}."
        )


class AnnotatedEssayService(Service):
    """Build and render the annotated essay of a series."""

    async def build(self, guild_id: int | None, series_id: int) -> m.AnnotatedEssay:
        """The annotated essay (``guild_id`` ``None``: any guild, for the command line)."""
        async with self.db.read() as session:
            if guild_id is None:
                row = await session.get(Series, series_id)
                if row is None:
                    raise errors.UnknownSeries(series_id)
            else:
                row = await series_by_id(session, guild_id, series_id)
            view = await series_view(session, row)
            paragraphs: dict[int, str] = {}
            if view.essay.reproducible:
                paragraphs = {
                    number: text
                    for number, text in await session.execute(
                        select(EssayParagraph.number, EssayParagraph.text).where(
                            EssayParagraph.essay_id == view.essay.id
                        )
                    )
                }
            entries = [
                await _entry(session, item, paragraphs, series_open=view.is_open)
                for item in view.items
            ]
        entries.sort(key=lambda e: paragraph_order(e.paragraphs, e.number))
        return m.AnnotatedEssay(
            series_id=view.id,
            guild_id=view.guild_id,
            essay_title=view.essay.title,
            essay_author=view.essay.author,
            essay_url=view.essay.source_url,
            schedule=view.schedule,
            format=view.format,
            status=view.status,
            created_at=view.created_at,
            closed_at=view.closed_at,
            propositions=tuple(entries),
        )

    async def render(self, guild_id: int | None, series_id: int, fmt: str) -> m.AnnotatedFile:
        if fmt not in m.FORMATS:
            raise UnknownEssayFormat(fmt)
        essay = await self.build(guild_id, series_id)
        data = render(essay, fmt)
        name = f"series-{series_id}-annotated-essay.{m.EXTENSIONS[fmt]}"
        return m.AnnotatedFile(name, data, m.CONTENT_TYPES[fmt], series_id)

    async def for_discord(
        self, actor: Actor, channel_id: int, series_id: int | None, fmt: str, size_limit: int
    ) -> m.AnnotatedFile:
        """``/series export`` (moderators): the channel's series unless one is named."""
        require_moderator(actor)
        found = await SeriesService(self.db, self.clock, self.settings).for_channel(
            actor.guild_id, channel_id, series_id
        )
        exported = await self.render(actor.guild_id, found.id, fmt)
        if len(exported.data) > size_limit:
            raise AnnotatedEssayTooLarge(found.id, fmt, len(exported.data), size_limit)
        return exported


def _stage(name: str, tally: Tally) -> m.VoteStage:
    return m.VoteStage(
        name,
        tally.total,
        {s.value: tally.counts[s] for s in STANCES},
        {s.value: tally.percent(s) for s in STANCES},
    )


async def _entry(
    session: AsyncSession, item: SeriesItemView, paragraphs: dict[int, str], *, series_open: bool
) -> m.PropositionEntry:
    motion, debate = item.motion, item.debate
    texts = {n: paragraphs[n] for n in paragraph_numbers(motion.paragraphs) if n in paragraphs}
    blank = m.PropositionEntry(
        number=item.number,
        paragraphs=motion.paragraphs,
        text=motion.text,
        context=motion.context,
        paragraph_texts=texts,
        debate_id=None,
        state="to come" if series_open else "not debated",
        format=None,
        pre=None,
        post=None,
        swing=None,
        winner=None,
        verdict=None,
        participants=0,
        conclusion=None,
        strongest={Side.FOR.value: None, Side.AGAINST.value: None},
        mind_change=None,
    )
    if debate is None:
        return blank
    participants = int(
        await session.scalar(
            select(func.count()).select_from(Participant).where(Participant.debate_id == debate.id)
        )
        or 0
    )
    if item.results is None:
        return replace(
            blank,
            debate_id=debate.id,
            state="open",
            format=debate.format,
            participants=participants,
        )
    result = item.results.outcome
    bridged = await bridged_arguments(session, debate.id, debate.format)
    bodies = await _bodies(session, debate.id, bridged)
    strongest: dict[str, m.StrongArgument | None] = {}
    for side in (Side.FOR, Side.AGAINST):
        ranked = bridging_rank(bridged, side=side)
        top = ranked[0].argument if ranked else None
        strongest[side.value] = (
            None
            if top is None
            else m.StrongArgument(
                number=top.number,
                side=top.side.value,
                kind=top.kind.value,
                excerpt=m.excerpt(bodies[top.number]),
                persuasive=top.persuasive,
                mind_changes=top.mind_changes,
                across=top.across,
                score=top.score.score,
            )
        )
    return replace(
        blank,
        debate_id=debate.id,
        state="closed",
        format=debate.format,
        pre=_stage(item.results.stages[0], result.pre) if result.pre is not None else None,
        post=_stage(item.results.stages[-1], result.post),
        swing={s.value: v for s, v in result.swing.items()} if result.pre is not None else None,
        winner=result.winner.value if result.winner is not None else None,
        verdict=verdict(result),
        participants=participants,
        conclusion=conclusion(result).value,
        strongest=strongest,
        mind_change=await _most_credited(session, bridged, bodies),
    )


async def _bodies(
    session: AsyncSession, debate_id: int, bridged: list[BridgedArgument]
) -> dict[int, str]:
    wanted = [a.number for a in bridged if a.persuasive or a.mind_changes]
    if not wanted:
        return {}
    rows = await session.execute(
        select(Argument.number, Argument.body).where(
            Argument.debate_id == debate_id, Argument.number.in_(wanted)
        )
    )
    return {number: body for number, body in rows}


async def _most_credited(
    session: AsyncSession, bridged: list[BridgedArgument], bodies: dict[int, str]
) -> m.MindChangeCredit | None:
    """The argument with the most mind changes (then the better bridging score, then the
    earlier number), with its first credited explanation."""
    credited = [a for a in bridged if a.mind_changes]
    if not credited:
        return None
    best = min(credited, key=lambda a: (-a.mind_changes, -a.score.score, a.number))
    explanation = await session.scalar(
        select(MindChange.explanation)
        .where(MindChange.argument_id == best.id)
        .order_by(MindChange.created_at, MindChange.id)
        .limit(1)
    )
    return m.MindChangeCredit(
        number=best.number,
        side=best.side.value,
        excerpt=m.excerpt(bodies[best.number]),
        count=best.mind_changes,
        explanation=m.excerpt(explanation or ""),
    )
