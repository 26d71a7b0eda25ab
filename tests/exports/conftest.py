"""A debate scripted through the real services, and helpers to export and count it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import ManualClock
from bot.config import ExportsConfig
from bot.domain.enums import Side, Stance
from bot.services.exports import ExportService
from bot.storage.models import (
    Argument,
    ArgumentVote,
    AuditEvent,
    MindChange,
    MotionVote,
    Participant,
)
from tests.conftest import CHANNEL, member, moderator

HOSTILE = (
    "<script>alert(1)</script> <script>document.title='PWNED'</script>\n"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">\n"
    "</details></section>\n"
    "# Heading\n"
    "- a list item\n"
    "```\n"
    "code fence ```` and ~~~\n"
    "@everyone & <b>bold</b>"
)
# Snowflake-sized ids, so that finding one in an export is never a coincidence.
FOR_A, AGAINST_B, FOR_C = (
    4_100_000_000_000_000_101,
    4_100_000_000_000_000_102,
    4_100_000_000_000_000_103,
)
AUDIENCE = (4_200_000_000_000_000_201, 4_200_000_000_000_000_202, 4_200_000_000_000_000_203)
REMOVED_NUMBER = 6
REMOVAL_REASON = "Personal attack on another member"
#: Unbreakable text that must wrap rather than widen the page.
LONG_URL = "https://example.org/" + "a-very-long-path-segment" * 12 + "?q=" + "x" * 120
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4


@dataclass(frozen=True)
class Scripted:
    debate_id: int
    voters: tuple[int, ...]
    audience: tuple[int, ...]


async def run_script(app: App, clock: ManualClock) -> Scripted:
    """An Oxford debate with every kind of record, through the services only."""
    s, mod = app.services, moderator()
    tick = lambda: clock.advance(minutes=1)  # noqa: E731
    debate = await s.debates.start(mod, channel_id=CHANNEL, motion_ref="essay-1")
    for uid, side in ((FOR_A, Side.FOR), (AGAINST_B, Side.AGAINST), (FOR_C, Side.FOR)):
        await s.debates.join(member(uid), CHANNEL, side)
    for uid in AUDIENCE:
        await s.debates.join(member(uid), CHANNEL, Side.AUDIENCE)
    pre = (Stance.FOR, Stance.AGAINST, Stance.UNDECIDED)
    for uid, stance in zip(AUDIENCE, pre, strict=True):
        await s.votes.vote(member(uid), CHANNEL, stance)
    await s.votes.vote(member(FOR_A), CHANNEL, Stance.FOR)
    await s.votes.vote(member(AUDIENCE[1]), CHANNEL, Stance.UNDECIDED)  # changed before close
    tick()
    await s.debates.next_phase(mod, CHANNEL)  # opening
    await s.arguments.propose(member(FOR_A), CHANNEL, "The motion holds: Moscow is stretched.")
    await s.arguments.propose(member(AGAINST_B), CHANNEL, "Russia still has leverage to offer.")
    await s.votes.toggle_persuasive(member(AUDIENCE[0]), CHANNEL, 1)
    tick()
    await s.debates.next_phase(mod, CHANNEL)  # floor
    # Ten seconds between steps, in an order where kinds interleave (a mind change before a
    # later argument, a warning between two arguments), so the transcript must follow time.
    step = lambda: clock.advance(seconds=10)  # noqa: E731
    await s.arguments.propose(member(FOR_A), CHANNEL, HOSTILE)  # 3
    step()
    await s.arguments.rebut(member(AGAINST_B), CHANNEL, 3, "That proves nothing.\n# Not a heading")
    step()
    await s.arguments.rebut(member(FOR_A), CHANNEL, 4, "It proves the pattern.")  # 5
    step()
    await s.votes.credit_mind_change(
        member(AUDIENCE[2]), CHANNEL, 5, "The pattern argument convinced me.\n```\n# really"
    )
    step()
    await s.arguments.propose(member(FOR_C), CHANNEL, "You are all idiots.")  # 6
    step()
    await s.moderation.remove_argument(mod, CHANNEL, REMOVED_NUMBER, REMOVAL_REASON)
    step()
    await s.moderation.warn(mod, FOR_C, f"Keep it civil {LONG_URL}", channel_id=CHANNEL)
    step()
    await s.arguments.rebut(
        member(AGAINST_B), CHANNEL, 1, f"Stretched is not broken. {LONG_WORD} {LONG_URL}"
    )  # 7
    step()
    await s.votes.toggle_persuasive(member(AUDIENCE[1]), CHANNEL, 4)
    await s.votes.toggle_persuasive(member(AUDIENCE[0]), CHANNEL, 5)
    await s.moderation.mute(mod, FOR_C, 30, "Insults after a warning", channel_id=CHANNEL)
    tick()
    await s.debates.next_phase(mod, CHANNEL)  # closing
    await s.arguments.propose(member(FOR_A), CHANNEL, "In closing: the record speaks.")
    await s.arguments.propose(member(AGAINST_B), CHANNEL, "In closing: leverage remains.")
    tick()
    await s.debates.next_phase(mod, CHANNEL)  # post_vote
    post = (Stance.AGAINST, Stance.FOR, Stance.FOR)
    for uid, stance in zip(AUDIENCE, post, strict=True):
        await s.votes.vote(member(uid), CHANNEL, stance)
    await s.votes.vote(member(AGAINST_B), CHANNEL, Stance.AGAINST)
    tick()
    summary = await s.summaries.produce(mod.guild_id, debate.id, "phase", phase="closing")
    await s.summaries.record(mod.guild_id, debate.id, summary, channel_id=CHANNEL, message_id=1)
    tick()
    await s.debates.end(mod, CHANNEL)
    return Scripted(debate.id, (*AUDIENCE, FOR_A, AGAINST_B), AUDIENCE)


@pytest.fixture
async def scripted(app: App, clock: ManualClock) -> Scripted:
    return await run_script(app, clock)


def exporter(
    app: App,
    clock: ManualClock,
    *,
    pseudonymous: bool = False,
    exports: ExportsConfig | None = None,
) -> ExportService:
    settings = app.settings
    if pseudonymous:
        exports = ExportsConfig(pseudonymous_voters=True)
    if exports is not None:
        settings = settings.model_copy(update={"exports": exports})
    return ExportService(app.db, clock, settings)


async def export_bytes(
    app: App,
    clock: ManualClock,
    debate_id: int,
    fmt: str,
    *,
    include_removed: bool = False,
    pseudonymous: bool = False,
    exports: ExportsConfig | None = None,
) -> bytes:
    out = io.BytesIO()
    service = exporter(app, clock, pseudonymous=pseudonymous, exports=exports)
    await service.write(None, debate_id, fmt, out, include_removed=include_removed)
    return out.getvalue()


async def db_counts(app: App, debate_id: int) -> dict[str, int]:
    """Rows of each kind the database holds for the debate."""
    tables: dict[str, Any] = {
        "participants": Participant,
        "arguments": Argument,
        "motion_votes": MotionVote,
        "persuasive_marks": ArgumentVote,
        "mind_changes": MindChange,
        "audit_events": AuditEvent,
    }
    counts = {}
    async with app.db.read() as session:
        for name, model in tables.items():
            query = select(func.count()).select_from(model).where(model.debate_id == debate_id)
            counts[name] = int(await session.scalar(query) or 0)
    return counts
