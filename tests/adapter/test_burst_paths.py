"""Bursts of every path through the real client, on SQLite and on PostgreSQL: every
interaction answered, the stored state exact, and late writes deferred before their answer.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapter import patience
from bot.domain.enums import Side
from bot.emulator import InteractionResult
from bot.services.views import Actor
from bot.storage.models import Argument, MindChange, MotionVote, Participant
from tests.adapter.conftest import BURST_WINDOW, Harness, cards_remembered, message_text, until

pytestmark = pytest.mark.both_backends

MEMBERS = 120
SIDES = ["for", "against", "audience"]
STANCES = ["for", "against", "undecided"]


async def burst(harness: Harness, payloads: list[dict[str, Any]]) -> list[InteractionResult]:
    """Dispatch every payload at once; return when each is answered (after a deferral, once
    its follow-up or edit has arrived)."""
    emu = harness.emu
    emu.ack_deadline = BURST_WINDOW
    results = await harness.answered([emu.dispatch_interaction(p) for p in payloads])
    await emu.settle(quiet=0.3, timeout=60)
    return results


def motion_card(harness: Harness) -> dict[str, Any]:
    """The motion card (in the channel the debate's thread was opened from)."""
    for message in harness.public(harness.world.channel):
        if any(
            str(b.get("custom_id", "")).startswith("debate:join:")
            for row in message.get("components") or []
            for b in row.get("components") or []
        ):
            return message
    raise AssertionError("no motion card")


async def sides(harness: Harness, debate_thread: int) -> dict[int, str]:
    debate = await harness.app.services.debates.in_channel(harness.world.guild, debate_thread)
    async with harness.app.db.read() as session:
        rows = await session.execute(
            select(Participant.user_id, Participant.side).where(Participant.debate_id == debate.id)
        )
        return {user: side for user, side in rows}


async def test_a_burst_of_joins_by_command_and_button_stores_each_members_last_side(
    any_harness: Harness,
) -> None:
    """Half join by command, half by the card's buttons; a third of them press a second
    side in the same burst, which is a switch."""
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    card = motion_card(harness)
    debate_id = int(str(card["components"][0]["components"][0]["custom_id"]).split(":")[2])
    members = [emu.add_member(w.guild, f"m{i}").id for i in range(MEMBERS)]
    expected: dict[int, str] = {}
    payloads = []
    for i, member in enumerate(members):
        choices = [SIDES[i % 3]] + ([SIDES[(i + 1) % 3]] if i % 3 == 0 else [])
        for side in choices:
            expected[member] = side
            if i % 2:
                payloads.append(
                    emu.build_slash_payload(w.guild, thread, member, "debate join", {"side": side})
                )
            else:
                payloads.append(
                    emu.build_component_payload(
                        w.guild,
                        w.channel,
                        member,
                        int(card["id"]),
                        f"debate:join:{debate_id}:{side}",
                    )
                )

    results = await burst(harness, payloads)

    assert all(r.ephemeral for r in results)
    texts = [r.text() for r in results]
    assert sum("You joined" in t for t in texts) == MEMBERS
    assert sum("You switched" in t for t in texts) == len(payloads) - MEMBERS
    assert await sides(harness, thread) == expected


async def test_a_burst_of_leaves_removes_everyone_and_refuses_who_was_not_in(
    any_harness: Harness,
) -> None:
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    members = [emu.add_member(w.guild, f"m{i}").id for i in range(MEMBERS)]
    joined = members[: MEMBERS - 10]
    for member in joined:
        await harness.app.services.debates.join(Actor(w.guild, member), thread, Side.AUDIENCE)

    results = await burst(
        harness,
        [emu.build_slash_payload(w.guild, thread, m, "debate leave") for m in members],
    )

    texts = [r.text() for r in results]
    assert sum("You left the debate" in t for t in texts) == len(joined)
    assert sum("Join the debate first" in t for t in texts) == MEMBERS - len(joined), texts[-1]
    assert all(r.ephemeral for r in results)
    assert await sides(harness, thread) == {}


async def test_late_joins_are_deferred_then_answered_after_the_commit(
    any_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    members = [emu.add_member(w.guild, f"m{i}").id for i in range(MEMBERS)]
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late

    results = await burst(
        harness,
        [
            emu.build_slash_payload(w.guild, thread, m, "debate join", {"side": "against"})
            for m in members
        ],
    )

    assert [r.callback_type for r in results] == [5] * MEMBERS
    assert all(r.ephemeral and "You joined" in r.text() for r in results)
    assert await sides(harness, thread) == dict.fromkeys(members, "against")


async def joined_members(harness: Harness, thread: int, side: Side, n: int = MEMBERS) -> list[int]:
    """``n`` new members on ``side`` (set-up, not measured)."""
    emu, w = harness.emu, harness.world
    members = [emu.add_member(w.guild, f"{side.value}{i}").id for i in range(n)]
    for member in members:
        await harness.app.services.debates.join(Actor(w.guild, member), thread, side)
    return members


async def stored_votes(harness: Harness) -> dict[int, str]:
    async with harness.app.db.read() as session:
        rows = await session.execute(select(MotionVote.user_id, MotionVote.stance))
        return {user: stance for user, stance in rows}


async def test_a_burst_of_vote_presses_then_stances_and_votes_stores_each_last_stance(
    any_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone opens the card's Vote prompt at once; then half pick a stance in it and the
    other half use /vote, all at once and all late (deferred: an update for a stance)."""
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    card = motion_card(harness)
    debate_id = int(str(card["components"][0]["components"][0]["custom_id"]).split(":")[2])
    members = await joined_members(harness, thread, Side.AUDIENCE)
    vote = f"debate:vote:{debate_id}"

    prompts = await burst(
        harness,
        [
            emu.build_component_payload(w.guild, w.channel, m, int(card["id"]), vote)
            for m in members
        ],
    )

    assert all(r.ephemeral and "How do you vote" in r.text() for r in prompts)
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late
    expected: dict[int, str] = {}
    payloads = []
    for i, (member, prompt) in enumerate(zip(members, prompts, strict=True)):
        stance = STANCES[i % 3]
        expected[member] = stance
        assert prompt.original_id is not None
        if i % 2:
            payloads.append(
                emu.build_component_payload(
                    w.guild,
                    w.channel,
                    member,
                    prompt.original_id,
                    f"debate:stance:{debate_id}:{stance}",
                )
            )
        else:
            payloads.append(
                emu.build_slash_payload(w.guild, thread, member, "vote", {"stance": stance})
            )

    results = await burst(harness, payloads)

    for i, result in enumerate(results):
        assert result.callback_type == (6 if i % 2 else 5), result.callback_type
    await wait_for_text(results, "vote is recorded")
    assert await stored_votes(harness) == expected


async def wait_for_text(results: list[InteractionResult], text: str) -> None:
    """Each result's answer says ``text`` (a deferred update's edit may come a moment later)."""
    deadline = asyncio.get_running_loop().time() + 60
    while not all(text in r.text() for r in results):
        missing = next(r.text() for r in results if text not in r.text())
        assert asyncio.get_running_loop().time() < deadline, missing
        await asyncio.sleep(0.05)


async def test_a_burst_of_rebuttals_by_command_and_modal_numbers_each_once(
    any_harness: Harness,
) -> None:
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    [author] = await joined_members(harness, thread, Side.FOR, 1)
    posted = await harness.slash(author, "propose", {"text": "The opening claim."}, channel=thread)
    assert "#1" in posted.text(), posted.text()
    card = harness.card_of(thread, 1)
    debate_id = int(str(card["components"][0]["components"][0]["custom_id"]).split(":")[2])
    members = await joined_members(harness, thread, Side.AGAINST)
    payloads = []
    for i, member in enumerate(members):
        text = f"Rebuttal number {i} of the opening claim."
        if i % 2:
            payloads.append(
                emu.build_slash_payload(
                    w.guild, thread, member, "rebut", {"argument": 1, "text": text}
                )
            )
        else:
            payloads.append(
                emu.build_modal_payload(
                    w.guild, thread, member, f"arg:rebut-modal:{debate_id}:1", {"text": text}
                )
            )

    results = await burst(harness, payloads)

    assert all(not r.ephemeral and "Rebuttal number" in r.text() for r in results)
    await until(lambda: cards_remembered(harness), "every card's message stored")
    async with harness.app.db.read() as session:
        rows = (
            await session.execute(
                select(Argument.number, Argument.author_id, Argument.parent_id, Argument.message_id)
            )
        ).all()
    numbers = sorted(number for number, *_ in rows)
    assert numbers == list(range(1, MEMBERS + 2))
    first = next(r for r in rows if r[0] == 1)
    assert sorted(a for n, a, *_ in rows if n > 1) == sorted(members)
    assert all(p is not None for n, _, p, _ in rows if n > 1)
    assert {m for n, *_, m in rows if n > 1} == {r.original_id for r in results}
    assert first[1] == author


async def test_a_burst_of_deltas_credits_each_member_once_and_refuses_repeats(
    any_harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everyone credits #1 at once, late (deferred); a tenth of them send it twice."""
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    [author] = await joined_members(harness, thread, Side.FOR, 1)
    await harness.slash(author, "propose", {"text": "The opening claim."}, channel=thread)
    members = await joined_members(harness, thread, Side.AUDIENCE)
    why = "The numbers in this argument changed my mind."
    repeaters = members[::10]
    monkeypatch.setattr(patience, "DEFER_AT", 0.0)

    results = await burst(
        harness,
        [
            emu.build_slash_payload(
                w.guild, thread, m, "delta", {"argument": 1, "explanation": why}
            )
            for m in members + repeaters
        ],
    )

    assert all(r.ephemeral and r.callback_type == 5 for r in results)
    texts = [r.text() for r in results]
    assert sum("You credited #1" in t for t in texts) == MEMBERS
    assert sum("You already credited #1" in t for t in texts) == len(repeaters)
    async with harness.app.db.read() as session:
        credited = sorted(await session.scalars(select(MindChange.user_id)))
    assert credited == sorted(members)
    # The notice that counts everyone comes last: the outbox keeps a thread's posts in order.
    await harness.posted(thread, f"({MEMBERS} in all)", timeout=60)
    # One notice per argument per group commit, naming (or counting) each member once.
    notices = [m for m in (message_text(m) for m in harness.public(thread)) if m.startswith("Δ")]
    assert 0 < len(notices) < MEMBERS
    named = sum(
        len(re.findall(r"<@\d+>", n.split(" credit")[0]))
        + sum(int(k) for k in re.findall(r"(\d+) others? credit", n))
        for n in notices
    )
    assert named == MEMBERS


async def test_a_burst_of_reads_answers_everyone_with_the_current_state(
    any_harness: Harness,
) -> None:
    """Status, summary, list and the audit log, all at once, each answered with what was
    committed before the burst; and autocomplete of motions and arguments alongside."""
    harness = any_harness
    emu, w = harness.emu, harness.world
    thread, _ = await harness.start_debate(fmt="open")
    [author] = await joined_members(harness, thread, Side.FOR, 1)
    await harness.slash(author, "propose", {"text": "Bench claim about Russia."}, channel=thread)
    members = await joined_members(harness, thread, Side.AUDIENCE)
    role = emu.add_role(w.guild, "Bench mods", permissions=1 << 13)  # manage messages
    mods = [emu.add_member(w.guild, f"mod{i}", roles=[role.id]).id for i in range(20)]
    commands = ["debate status", "debate summary", "debate list"]
    payloads = [
        emu.build_slash_payload(w.guild, thread, m, commands[i % 3]) for i, m in enumerate(members)
    ]
    payloads += [emu.build_slash_payload(w.guild, thread, m, "mod log") for m in mods]
    completions = [
        emu.build_slash_payload(
            w.guild, thread, m, "persuasive", {"argument": "bench"}, focused="argument"
        )
        for m in members[:60]
    ] + [
        emu.build_slash_payload(
            w.guild, thread, m, "debate start", {"motion": "Russia"}, focused="motion"
        )
        for m in members[60:]
    ]

    results = await burst(harness, payloads + completions)

    reads, choices = results[: len(payloads)], results[len(payloads) :]
    assert all(r.ephemeral for r in reads)
    for i, result in enumerate(reads[:MEMBERS]):
        text = result.text()
        if i % 3 == 0:
            assert f"Audience: {MEMBERS}" in text and "For: 1" in text, text
        elif i % 3 == 1:
            assert "Open floor" in text, text
        else:
            assert "Debates in this server" in text and "Open floor" in text, text
    assert all("Audit log · debate #" in r.text() for r in reads[MEMBERS:])
    assert all([c["value"] for c in r.choices or []] == [1] for r in choices[:60])
    assert all(r.choices and "Russia" in r.choices[0]["name"] for r in choices[60:])
