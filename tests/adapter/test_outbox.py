"""The outbox end to end: what a change owes the thread arrives once and in order, whatever
Discord answers (5xx, timeouts of unknown outcome, 429s, 403, 404) and across a restart."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bot.emulator import RateLimit, Status
from bot.emulator.faults import INTERACTION_CALLBACK, MESSAGE_POST
from bot.emulator.state import SEND_MESSAGES_IN_THREADS
from bot.emulator.world import RecordedRequest
from bot.services import outbox as rows
from bot.storage.models import Argument, OutboxRow
from tests.adapter.conftest import Harness, message_text, running_harness

MANAGE_GUILD = 1 << 5
NEXT_PHASE = "Now: Opening statements"


def posts_in(thread: int) -> Any:
    """A fault predicate: message posts in ``thread`` only."""
    path = f"/channels/{thread}/messages"
    return lambda req: req.path == path


def posts(harness: Harness, thread: int) -> list[RecordedRequest]:
    path = f"/channels/{thread}/messages"
    return [r for r in harness.emu.requests if r.method == "POST" and r.path == path]


async def outbox_rows(harness: Harness, kind: str | None = None) -> list[OutboxRow]:
    found = await harness.app.services.outbox.rows()
    return [r for r in found if kind is None or r.kind == kind]


def count_in(harness: Harness, thread: int, text: str) -> int:
    return sum(text in message_text(m) for m in harness.public(thread))


async def oxford(harness: Harness) -> int:
    """An Oxford debate with a debater on each side and a voter; returns its thread."""
    w = harness.world
    thread, _ = await harness.start_debate(fmt="oxford")
    await harness.slash(w.debaters_for[0], "debate join", {"side": "for"}, channel=thread)
    await harness.slash(w.debaters_against[0], "debate join", {"side": "against"}, channel=thread)
    await harness.slash(w.audience[0], "debate join", {"side": "audience"}, channel=thread)
    return thread


async def open_floor(harness: Harness) -> int:
    w = harness.world
    thread, _ = await harness.start_debate(fmt="open")
    await harness.slash(w.debaters_for[0], "debate join", {"side": "for"}, channel=thread)
    return thread


async def test_the_answer_carries_the_card_and_marks_its_row(harness: Harness) -> None:
    """The fast path: the card is the interaction's answer, and its row is delivered with
    the message id; the dispatcher posts nothing."""
    thread = await open_floor(harness)
    ada = harness.world.debaters_for[0]
    result = await harness.slash(ada, "propose", {"text": "The fast path."}, channel=thread)
    assert result.callback_type == 4 and not result.ephemeral
    registry = harness.app.metrics.registry
    assert (
        registry.get_sample_value(
            "debate_bot_outbox_deliveries_total",
            {"kind": "argument_card", "outcome": "interaction"},
        )
        == 1
    )
    [card] = await outbox_rows(harness, rows.ARGUMENT_CARD)
    assert card.status == rows.DELIVERED and card.ref == 1
    assert card.message_id == int(harness.card_of(thread, 1)["id"])
    argument = await harness.app.services.arguments.get(harness.world.guild, card.debate_id, 1)
    assert argument.message_id == card.message_id
    assert posts(harness, thread) == [] or all(
        "The fast path." not in json.dumps(r.json) for r in posts(harness, thread)
    )


async def test_a_failed_answer_leaves_the_card_to_the_outbox(harness: Harness) -> None:
    thread = await open_floor(harness)
    ada = harness.world.debaters_for[0]
    harness.emu.faults.fail_next(INTERACTION_CALLBACK, 503)
    await harness.slash(ada, "propose", {"text": "Delivered anyway."}, channel=thread)
    await harness.posted(thread, "Delivered anyway.")
    await harness.delivered()
    assert count_in(harness, thread, "Delivered anyway.") == 1
    [card] = await outbox_rows(harness, rows.ARGUMENT_CARD)
    assert card.status == rows.DELIVERED
    assert card.message_id == int(harness.card_of(thread, 1)["id"])
    # the card has its buttons, as the answer would have had
    assert harness.card_of(thread, 1).get("components")


async def test_an_answer_that_timed_out_but_landed_is_not_posted_again(harness: Harness) -> None:
    thread = await open_floor(harness)
    ada = harness.world.debaters_for[0]
    harness.emu.faults.fail_next(INTERACTION_CALLBACK, timeout=True, hold=0.2)
    await harness.slash(ada, "propose", {"text": "Landed once."}, channel=thread, settle=0.5)
    await harness.delivered()
    assert count_in(harness, thread, "Landed once.") == 1
    [card] = await outbox_rows(harness, rows.ARGUMENT_CARD)
    assert card.status == rows.DELIVERED
    assert card.message_id == int(harness.card_of(thread, 1)["id"])


async def test_a_5xx_is_retried_and_the_announcement_posted_once(harness: Harness) -> None:
    thread = await oxford(harness)
    emu = harness.emu
    emu.faults.fail_next(MESSAGE_POST, 503, count=2, when=posts_in(thread))
    before = len(posts(harness, thread))
    await harness.slash(harness.world.moderator, "debate next", channel=thread)
    assert count_in(harness, thread, NEXT_PHASE) == 1
    [phase] = await outbox_rows(harness, rows.PHASE)
    assert phase.status == rows.DELIVERED and phase.attempts == 3
    announced = [m for m in harness.public(thread) if NEXT_PHASE in message_text(m)]
    assert phase.message_id == int(announced[0]["id"])
    statuses = [r.status for r in posts(harness, thread)[before:]]
    assert statuses[:3] == [503, 503, 200]
    assert emu.faults.count("503") == 2
    registry = harness.app.metrics.registry
    counted = "debate_bot_outbox_deliveries_total"
    assert registry.get_sample_value(counted, {"kind": "phase", "outcome": "retried"}) == 2
    assert registry.get_sample_value(counted, {"kind": "phase", "outcome": "delivered"}) == 1
    assert registry.get_sample_value("debate_bot_outbox_pending") == 0


async def test_a_timeout_of_unknown_outcome_never_posts_twice(harness: Harness) -> None:
    """The post took effect but no answer came: the retry carries the same nonce, and
    Discord answers with the first message."""
    thread = await oxford(harness)
    emu = harness.emu
    emu.faults.fail_next(MESSAGE_POST, timeout=True, hold=0.2, when=posts_in(thread))
    await harness.slash(harness.world.moderator, "debate next", channel=thread)
    assert emu.faults.injected[-1].applied
    assert count_in(harness, thread, NEXT_PHASE) == 1
    [phase] = await outbox_rows(harness, rows.PHASE)
    assert phase.status == rows.DELIVERED and phase.attempts == 2
    nonce = f"outbox-{phase.id}"
    tries = [r for r in posts(harness, thread) if (r.json or {}).get("nonce") == nonce]
    assert len(tries) == 2 and all(r.json.get("enforce_nonce") for r in tries)


@pytest.mark.parametrize("via", [True, False])
async def test_a_429_is_waited_out(harness: Harness, via: bool) -> None:
    """With ``Via`` discord.py sleeps ``retry_after`` itself; without it the 429 reaches the
    dispatcher, which waits the ``Retry-After`` header. Either way the post goes once, and
    not before the wait."""
    thread = await oxford(harness)
    emu = harness.emu
    emu.faults.add(MESSAGE_POST, RateLimit(retry_after=0.3, via=via), when=posts_in(thread))
    before = len(posts(harness, thread))
    await harness.slash(harness.world.moderator, "debate next", channel=thread)
    assert count_in(harness, thread, NEXT_PHASE) == 1
    limited, accepted = posts(harness, thread)[before : before + 2]
    assert (limited.status, accepted.status) == (429, 200)
    waited = 0.3 if via else 1.0  # the header is in whole seconds
    assert accepted.time - limited.time >= waited * 0.95


async def test_posts_of_a_channel_keep_their_order(harness: Harness) -> None:
    """A post waiting for its retry holds back the later ones of its thread."""
    thread = await oxford(harness)
    emu = harness.emu
    mod = harness.world.moderator
    emu.faults.fail_next(MESSAGE_POST, 503, count=3, when=posts_in(thread))
    await harness.emu.slash(harness.world.guild, thread, mod, "debate next")
    await harness.emu.slash(harness.world.guild, thread, mod, "mod lock")
    await harness.emu.slash(harness.world.guild, thread, mod, "mod unlock")
    await harness.delivered()
    texts = [message_text(m) for m in harness.public(thread)]
    order = [
        next(i for i, t in enumerate(texts) if needle in t)
        for needle in (NEXT_PHASE, "paused submissions", "resumed submissions")
    ]
    assert order == sorted(order), texts
    statuses = {r.status for r in await outbox_rows(harness)}
    assert statuses == {rows.DELIVERED}


@pytest.fixture
async def with_log_channel(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Harness]:
    """The harness, with a moderation log channel set by a server admin."""
    extra: dict[str, int] = {}

    def seed(emu: Any, world: Any) -> None:
        extra["log"] = emu.add_text_channel(world.guild, "mod-log").id
        extra["admin"] = emu.add_member(world.guild, "Admin", permissions=MANAGE_GUILD).id

    async with running_harness(tmp_path, migrated_template, seed=seed) as h:
        result = await h.slash(
            extra["admin"],
            "settings set",
            {"key": "moderation.log_channel", "value": f"<#{extra['log']}>"},
        )
        assert result.ephemeral, result.text()
        h.extras = extra  # type: ignore[attr-defined]
        yield h


@pytest.mark.parametrize(
    ("fault", "reason", "told"),
    [
        (None, "403 Missing Permissions", "Send Messages in Threads"),
        (Status(404, code=10003, message="Unknown Channel"), "404 Unknown Channel", "is gone"),
    ],
)
async def test_a_permanent_failure_is_marked_and_moderators_are_told(
    with_log_channel: Harness, fault: Status | None, reason: str, told: str
) -> None:
    """The bot lost Send Messages in Threads (Discord answers 403), or the thread was
    deleted (404): the notice is marked failed with the reason, never retried, and the
    moderation log channel says why."""
    harness = with_log_channel
    log_channel = harness.extras["log"]  # type: ignore[attr-defined]
    thread = await oxford(harness)
    if fault is None:
        harness.emu.deny_bot_permissions(harness.world.guild, SEND_MESSAGES_IN_THREADS)
    else:
        harness.emu.faults.add(MESSAGE_POST, fault, count=None, when=posts_in(thread))
    await harness.slash(harness.world.moderator, "mod lock", channel=thread)
    [notice] = await outbox_rows(harness, rows.NOTICE)
    assert notice.status == rows.FAILED and notice.error is not None
    assert notice.error.startswith(reason)
    assert notice.attempts == 1  # never retried
    seen = await harness.posted(log_channel, f"I could not post in <#{thread}>")
    assert told in seen
    # the motion card (in the parent channel) was still edited
    [card] = await outbox_rows(harness, rows.MOTION_CARD)
    assert card.status == rows.DELIVERED


async def test_a_new_process_delivers_what_the_last_one_left(harness: Harness) -> None:
    """Discord fails every post in the thread until the bot stops; a new bot on the same
    database delivers the announcement, its summary and the notice, once each."""
    thread = await oxford(harness)
    emu = harness.emu
    mod = harness.world.moderator
    rule = emu.faults.add(MESSAGE_POST, Status(503), count=None, when=posts_in(thread))
    await emu.slash(harness.world.guild, thread, mod, "debate next")
    await emu.slash(harness.world.guild, thread, mod, "mod lock")
    pending = [r for r in await outbox_rows(harness) if r.status == rows.PENDING]
    assert {r.kind for r in pending} >= {rows.PHASE, rows.NOTICE}
    await harness.local.stop_bot()
    rule.cancel()
    await harness.local.start_bot(upgrade=False)
    await harness.delivered()
    assert count_in(harness, thread, NEXT_PHASE) == 1
    assert count_in(harness, thread, "paused submissions") == 1
    assert {r.status for r in await outbox_rows(harness)} == {rows.DELIVERED}


async def test_a_card_answered_before_a_crash_is_found_not_posted_again(
    harness: Harness,
) -> None:
    """The answer carried the card, then the process died before it marked the row: the
    row is pending and the argument has no message id. The dispatcher finds the card in the
    thread instead of posting a second one."""
    thread = await open_floor(harness)
    ada = harness.world.debaters_for[0]
    await harness.slash(ada, "propose", {"text": "Answered, then the crash."}, channel=thread)
    shown = int(harness.card_of(thread, 1)["id"])
    async with harness.app.db.write() as session:  # undo what the crash kept from happening
        await session.execute(
            update(OutboxRow).values(
                status=rows.PENDING, message_id=None, delivered_at=None, due_at=rows.wall_now()
            )
        )
        await session.execute(update(Argument).values(message_id=None))
    harness.local.bot.outbox.wake()  # type: ignore[union-attr]
    await harness.delivered()
    assert count_in(harness, thread, "Answered, then the crash.") == 1
    [card] = await outbox_rows(harness, rows.ARGUMENT_CARD)
    assert (card.status, card.message_id) == (rows.DELIVERED, shown)
    argument = await harness.app.services.arguments.get(harness.world.guild, card.debate_id, 1)
    assert argument.message_id == shown
