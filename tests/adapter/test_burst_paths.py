"""Bursts of every path through the real client, on SQLite and on PostgreSQL: every
interaction answered, the stored state exact, and late writes deferred before their answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapter import patience
from bot.domain.enums import Side
from bot.emulator import InteractionResult
from bot.services.views import Actor
from bot.storage.models import Participant
from tests.adapter.conftest import Harness

pytestmark = pytest.mark.both_backends

MEMBERS = 120
SIDES = ["for", "against", "audience"]


async def burst(harness: Harness, payloads: list[dict[str, Any]]) -> list[InteractionResult]:
    """Dispatch every payload at once; return when each is answered (after a deferral, once
    its follow-up or edit has arrived)."""
    emu = harness.emu
    results = [emu.dispatch_interaction(p) for p in payloads]
    await asyncio.wait_for(asyncio.gather(*(r.acked for r in results)), timeout=60)
    # A deferral says nothing yet, and no quiet period promises its answer has arrived.
    deadline = asyncio.get_running_loop().time() + 60
    while any(thinking(r) for r in results):
        assert asyncio.get_running_loop().time() < deadline, "a deferred answer never came"
        await asyncio.sleep(0.05)
    await emu.settle(quiet=0.3, timeout=60)
    assert not any(r.expired for r in results)
    return results


def thinking(result: InteractionResult) -> bool:
    """Deferred, and neither followed up nor edited since."""
    if result.callback_type == 5:
        return not result.followup_ids and not result.text()
    if result.callback_type == 6:
        return False  # checked by the test, which knows what the edit says
    return False


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
