"""Tests of the summaries: facts, templates, the language-model backend, large debates.

The scripted Oxford debate below is shared by several test modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import App
from bot.config import Settings, parse_settings
from bot.domain.enums import Side, Stance
from bot.services.summaries import SummaryService
from tests.conftest import CHANNEL, member, moderator

FOR_1, FOR_2, AGAINST_1, AGAINST_2 = 101, 102, 201, 202
AUDIENCE = (301, 302, 303, 304, 305, 306)
REMOVED_TEXT = "Zebra crossing marker: this abusive text was removed by a moderator."
OPENING_FOR = (
    "Moscow could not spare the forces to save Assad, and it cannot spare them for Pyongyang."
)
OPENING_AGAINST = "Russia still needs North Korean shells, so it keeps Kim in power for now."


def with_summaries(settings: Settings, **summaries: Any) -> Settings:
    """The test settings with a different ``summaries`` section."""
    data = settings.model_dump(mode="json", exclude_none=True)
    data["summaries"] = summaries
    return parse_settings(data)


def summary_service(app: App, settings: Settings | None = None) -> SummaryService:
    return SummaryService(app.db, app.services.clock, settings or app.settings)


async def vote_all(app: App, stances: dict[int, Stance]) -> None:
    for user_id, stance in stances.items():
        await app.services.votes.vote(member(user_id), CHANNEL, stance)


async def script_debate(
    app: App,
    *,
    end: bool = True,
    stop_after_pre: bool = False,
    against_closing: str = "Kim's bargain with Moscow buys time, and time is what he needs.",
) -> int:
    """An Oxford debate: votes 2/3/1 before and 4/2/0 after, arguments, marks, a mind change,
    and one removed argument (#6). Returns the debate id."""
    s = app.services
    debate = await s.debates.start(moderator(), channel_id=CHANNEL, motion_ref="essay-8")
    for user_id, side in (
        (FOR_1, Side.FOR),
        (FOR_2, Side.FOR),
        (AGAINST_1, Side.AGAINST),
        (AGAINST_2, Side.AGAINST),
        *((u, Side.AUDIENCE) for u in AUDIENCE),
    ):
        await s.debates.join(member(user_id), CHANNEL, side)
    pre = [Stance.FOR] * 2 + [Stance.AGAINST] * 3 + [Stance.UNDECIDED]
    await vote_all(app, dict(zip(AUDIENCE, pre, strict=True)))
    if stop_after_pre:
        return debate.id
    await s.debates.next_phase(moderator(), CHANNEL)  # opening
    await s.arguments.propose(member(FOR_1), CHANNEL, OPENING_FOR)  # 1
    await s.arguments.propose(member(AGAINST_1), CHANNEL, OPENING_AGAINST)  # 2
    await s.votes.toggle_persuasive(member(301), CHANNEL, 1)
    await s.votes.toggle_persuasive(member(302), CHANNEL, 1)
    await s.votes.toggle_persuasive(member(303), CHANNEL, 2)
    await s.debates.next_phase(moderator(), CHANNEL)  # floor
    await s.arguments.propose(member(FOR_2), CHANNEL, "Exile offers no lasting refuge.")  # 3
    await s.arguments.rebut(member(AGAINST_2), CHANNEL, 1, "Russia did save Assad's life.")  # 4
    await s.arguments.rebut(member(FOR_1), CHANNEL, 4, "A life in exile is not a regime.")  # 5
    await s.arguments.propose(member(AGAINST_2), CHANNEL, REMOVED_TEXT)  # 6
    for voter in (301, 302, 303, 304, 305):
        await s.votes.toggle_persuasive(member(voter), CHANNEL, 6)
    await s.votes.credit_mind_change(
        member(304), CHANNEL, 1, "The Syrian precedent convinced me that Moscow walks away."
    )
    await s.moderation.remove_argument(moderator(), CHANNEL, 6, "abusive")
    await s.moderation.warn(moderator(), AGAINST_2, "abusive language", channel_id=CHANNEL)
    await s.debates.next_phase(moderator(), CHANNEL)  # closing
    await s.arguments.propose(member(FOR_1), CHANNEL, "Alignment with Moscow is a trap.")  # 7
    await s.arguments.propose(member(AGAINST_1), CHANNEL, against_closing)  # 8
    await s.debates.next_phase(moderator(), CHANNEL)  # post_vote
    post = [Stance.FOR] * 4 + [Stance.AGAINST] * 2
    await vote_all(app, dict(zip(AUDIENCE, post, strict=True)))
    if end:
        await s.debates.end(moderator(), CHANNEL)
    return debate.id


def write_prompt(folder: Path, name: str, body: str, *, title: str = "{{ motion.text }}") -> Path:
    """A prompt file with front matter, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(
        f'---\ndescription: test\nfacts: [motion]\ntitle: "{title}"\n---\n{body}',
        encoding="utf-8",
    )
    return path
