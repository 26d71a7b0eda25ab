"""A debate with 5,000 arguments still gives one embed within Discord's limits."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from bot.app import App
from bot.domain.enums import Side
from bot.services.base import text_hash
from bot.storage.models import Argument, ArgumentVote, Debate
from bot.summaries.llm import build_prompt
from bot.summaries.templates import EMBED_LIMIT, TEXT_LIMIT, TITLE_LIMIT
from tests.conftest import CHANNEL, GUILD, member, moderator
from tests.summaries import summary_service

ARGUMENTS = 5000


async def big_debate(app: App) -> int:
    """A debate on a 300-character motion, with 5,000 long arguments inserted in bulk."""
    s = app.services
    motion = await s.motions.add(moderator(), "Whether " + "very " * 55 + "long motions fit.")
    debate = await s.debates.start(moderator(), channel_id=CHANNEL, motion_ref=str(motion.id))
    await s.debates.join(member(11), CHANNEL, Side.FOR)
    await s.debates.join(member(12), CHANNEL, Side.AGAINST)
    now = app.services.clock.now()
    rows = []
    for number in range(1, ARGUMENTS + 1):
        body = f"Argument {number}: " + "the alliance is transactional and fragile " * 35
        rows.append(
            {
                "debate_id": debate.id,
                "number": number,
                "author_id": 11 if number % 2 else 12,
                "side": "for" if number % 2 else "against",
                "kind": "claim",
                "phase": "floor",
                "parent_id": None,
                "body": body,
                "body_hash": text_hash(body),
                "status": "removed" if number % 97 == 0 else "visible",
                "created_at": now,
            }
        )
    async with app.db.write() as session:
        await session.execute(insert(Argument), rows)
        await session.execute(
            update(Debate).where(Debate.id == debate.id).values(argument_count=ARGUMENTS)
        )
        ids = (await session.scalars(select(Argument.id).where(Argument.number <= 40))).all()
        marks = [
            {"debate_id": debate.id, "argument_id": argument_id, "user_id": 1000 + voter}
            | {"created_at": now}
            for argument_id in ids
            for voter in range(3)
        ]
        await session.execute(insert(ArgumentVote), marks)
    return debate.id


async def test_five_thousand_arguments_fit_one_embed(app: App) -> None:
    debate_id = await big_debate(app)
    service = summary_service(app)
    for kind in ("status", "phase", "final"):
        if kind == "final":
            await app.services.debates.end(moderator(), CHANNEL)
        summary = await service.produce(GUILD, debate_id, kind)
        assert len(summary.title) <= TITLE_LIMIT
        assert len(summary.text) <= TEXT_LIMIT
        assert len(summary.title) + len(summary.text) <= EMBED_LIMIT
        assert "…and 35 more" in summary.text  # 40 marked arguments, 5 shown
        assert "more" in summary.text.split("answered**")[1]
        if kind == "final":
            assert summary.title.endswith("…")
    facts = await service.facts(GUILD, debate_id, kind="final")
    removed = ARGUMENTS // 97
    assert facts.arguments_total == ARGUMENTS - removed
    assert facts.moderation.removed_arguments == removed
    assert facts.unanswered.total == ARGUMENTS - removed and len(facts.unanswered) == 10
    assert len(facts.texts) == 40 and facts.texts.total == ARGUMENTS - removed
    assert max(len(a.excerpt) for a in facts.strongest) <= 160
    prompt = build_prompt(service.library, facts)
    assert len(prompt.user) < 40_000
