"""The Prometheus endpoint, scraped over HTTP after a small burst through the emulator: the
counts are those of what was sent, refused and deferred."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.domain.enums import Side
from bot.emulator import InteractionResult
from bot.services.views import Actor
from tests.adapter.conftest import BURST_WINDOW, Harness, running_harness

JOINED, STRANGERS, LATE = 24, 6, 5


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the endpoint, by name and sorted labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def burst(harness: Harness, thread: int, users: list[int]) -> list[InteractionResult]:
    """``/vote`` from every user at once; returns once each has its final answer."""
    emu, w = harness.emu, harness.world
    results = [
        emu.dispatch_interaction(
            emu.build_slash_payload(w.guild, thread, user, "vote", {"stance": "for"})
        )
        for user in users
    ]
    await asyncio.wait_for(asyncio.gather(*(r.acked for r in results)), timeout=30)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not all(r.text() for r in results):  # after a deferral, wait for the follow-up
        assert loop.time() < deadline, [r.text() for r in results]
        await asyncio.sleep(0.02)
    return results


async def test_a_scrape_counts_what_a_burst_sent(
    tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.adapter.patience as patience

    async with running_harness(
        tmp_path, migrated_template, metrics={"listen": "127.0.0.1:0"}
    ) as harness:
        emu, w = harness.emu, harness.world
        bot = harness.local.bot
        assert bot is not None and bot.metrics_server is not None
        port = bot.metrics_server.port
        assert port > 0
        thread, _ = await harness.start_debate()
        emu.ack_deadline = BURST_WINDOW
        voters = [emu.add_member(w.guild, f"voter{i}").id for i in range(JOINED)]
        strangers = [emu.add_member(w.guild, f"stranger{i}").id for i in range(STRANGERS)]
        for user in voters:  # set-up, not counted: straight through the service
            await harness.app.services.debates.join(Actor(w.guild, user), thread, Side.AUDIENCE)

        first = await burst(harness, thread, voters + strangers)
        monkeypatch.setattr(patience, "DEFER_AT", 0.0)  # every write counts as late
        late = await burst(harness, thread, voters[:LATE])

        assert sum("vote is recorded" in r.text() for r in first) == JOINED
        assert sum("Join the debate first" in r.text() for r in first) == STRANGERS
        assert [r.callback_type for r in late] == [5] * LATE
        samples = await asyncio.to_thread(scrape, port)

    vote = (("command", "vote"), ("type", "slash"))
    start = (("command", "debate start"), ("type", "slash"))
    sent = JOINED + STRANGERS + LATE
    assert samples[("debate_bot_interactions_received_total", vote)] == sent
    assert samples[("debate_bot_interaction_response_seconds_count", vote)] == sent
    assert samples[("debate_bot_interactions_received_total", start)] == 1
    assert samples[("debate_bot_interaction_response_seconds_count", start)] == 1
    # The late ones, and any of the first burst that a busy machine made late too.
    deferred = sum(r.callback_type == 5 for r in first + late)
    assert samples[("debate_bot_interaction_deferrals_total", vote)] == deferred >= LATE
    refused = (("command", "vote"), ("reason", "not_joined"))
    assert samples[("debate_bot_refusals_total", refused)] == STRANGERS
    assert not [key for key in samples if key[0] == "debate_bot_unexpected_errors_total"]
    failures = [v for k, v in samples.items() if k[0].endswith("response_failures_total")]
    assert failures and not any(failures)
    # Every vote, refused or not, went through the vote group commit.
    queue = (("queue", "vote-batcher"),)
    assert samples[("debate_bot_group_commit_batch_size_sum", queue)] == sent
    batches = samples[("debate_bot_group_commit_batch_size_count", queue)]
    assert 1 <= batches <= sent
    assert samples[("debate_bot_group_commit_seconds_count", queue)] == batches
    assert samples[("process_resident_memory_bytes", ())] > 0
    families = {name for name, _ in samples}
    assert "debate_bot_event_loop_lag_seconds_count" in families


async def test_no_endpoint_unless_configured(harness: Harness) -> None:
    assert harness.local.bot is not None
    assert harness.local.bot.metrics_server is None
