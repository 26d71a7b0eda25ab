"""The bot: cogs, persistent components, command sync, the deadline loop, clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
from discord.ext import commands

from bot.adapter import render
from bot.adapter.announce import Announcer
from bot.adapter.components import DYNAMIC_ITEMS, REBUT_MODAL, handle_modal_submit
from bot.adapter.context import note_names
from bot.adapter.deadlines import DeadlineDispatcher
from bot.adapter.errors import RateLimited
from bot.adapter.measure import known_labels, measure
from bot.adapter.outbox import OutboxDispatcher
from bot.adapter.series import SeriesDriver
from bot.adapter.settings_follower import SettingsFollower
from bot.adapter.sync import sync_commands
from bot.adapter.tree import DebateTree
from bot.app import App
from bot.domain.ratelimit import RateLimiter
from bot.metrics import LoopLagMonitor, Metrics, MetricsServer
from bot.services.outbox import Shards

log = logging.getLogger("bot.adapter")


def intents() -> discord.Intents:
    """Guild events only: no privileged intents (no members, presences or message content)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


#: How long closing waits for interactions still being handled.
CLOSE_GRACE_SECONDS = 5.0


class DebateBotMixin:
    """What the debate bot adds to discord.py's Bot, sharded or not."""

    app: App
    announcer: Announcer
    outbox: OutboxDispatcher
    deadlines: DeadlineDispatcher
    series: SeriesDriver
    limiter: RateLimiter
    settings_follower: SettingsFollower
    sync_on_start: bool
    metrics: Metrics

    def __init__(self, app: App, *, sync_on_start: bool = True, **options: Any) -> None:
        # Cooperative: the next class in the MRO is discord.py's Bot or AutoShardedBot.
        super().__init__(  # type: ignore[call-arg]
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=DebateTree,
            help_command=None,
            # Nothing the bot sends pings anyone unless a message asks for it explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            # discord.py's unbounded connection pool, on purpose: replies to a burst each
            # hold a connection for a network round trip, and a pool of 64 left a quarter of
            # 2,000 votes unanswered at 80 ms (bench/burst.py --rtt 80).
            **options,
        )
        self.app = app
        self.sync_on_start = sync_on_start
        client: Any = self
        self.announcer = Announcer(client, app.services)
        self.outbox = OutboxDispatcher(
            client, app.services, self.outbox_shards, metrics=app.metrics
        )
        self.announcer.outbox = self.outbox
        self.series = SeriesDriver(client, app.services, self.announcer, self.owns_guild)
        self.announcer.closed_hook = self.series.debate_closed
        self.metrics = app.metrics
        self.deadlines = DeadlineDispatcher(
            app.services,
            self.announcer,
            self.owns_guild,
            series=self.series,
            metrics=app.metrics,
        )
        #: The command, button and modal names interactions are counted under.
        self.labels: frozenset[str] = frozenset()
        self.loop_lag = LoopLagMonitor(app.metrics)
        self.metrics_server: MetricsServer | None = None
        app.metrics.gateway_latency_from(self.gateway_latencies)
        rate = app.settings.debates.rate_limit
        self.limiter = RateLimiter(rate.actions, rate.per_seconds)
        #: Limiters of servers with a rate of their own, by (actions, per_seconds).
        self._limiters: dict[tuple[int, float], RateLimiter] = {}
        self.settings_follower = SettingsFollower(client, app, self.announcer)
        self._handling: set[asyncio.Task[Any]] = set()
        #: When the last interaction arrived (``time.monotonic()``), for the idle collector.
        self.last_interaction_at = time.monotonic()

    def outbox_shards(self) -> Shards | None:
        """The shards this process runs (None: all of them, unsharded)."""
        client: Any = self
        count = client.shard_count
        if not count:
            return None
        ids = getattr(client, "shard_ids", None) or [client.shard_id or 0]
        return Shards(count, tuple(ids))

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process runs the shard of ``guild_id`` (always, unsharded)."""
        client: Any = self
        count = client.shard_count
        if not count:
            return True
        ids = getattr(client, "shard_ids", None) or [client.shard_id or 0]
        return (guild_id >> 22) % count in ids

    def check_rate(self, interaction: discord.Interaction) -> None:
        """Raise :class:`RateLimited` when the member is over the per-member rate."""
        limiter = self.limiter
        rate = self.app.settings_for(interaction.guild_id).debates.rate_limit
        default = self.app.settings.debates.rate_limit
        if rate is not default and rate != default:
            key = (rate.actions, rate.per_seconds)
            limiter = self._limiters.get(key) or self._limiters.setdefault(key, RateLimiter(*key))
        wait = limiter.hit((interaction.guild_id, interaction.user.id), time.monotonic())
        if wait > 0:
            raise RateLimited(wait)

    async def setup_hook(self) -> None:
        from bot.adapter.cogs import add_cogs

        client: Any = self
        await add_cogs(client)
        client.add_dynamic_items(*DYNAMIC_ITEMS)
        item_ids = [item.__discord_ui_compiled_template__ for item in DYNAMIC_ITEMS]
        self.labels = known_labels(client.tree, [*item_ids, REBUT_MODAL])
        listen = self.app.settings.metrics.listen
        if listen and self.metrics_server is None:
            self.metrics_server = MetricsServer(self.metrics, listen)
            self.metrics_server.start()
        self.loop_lag.start()
        if self.sync_on_start:
            await sync_commands(self)
        self.deadlines.start()
        self.outbox.start()
        self.settings_follower.start()

    def gateway_latencies(self) -> dict[int, float]:
        """The last heartbeat round trip of each shard this process runs, in seconds."""
        client: Any = self
        if isinstance(client, commands.AutoShardedBot):
            return dict(client.latencies)
        return {client.shard_id or 0: client.latency}

    async def summary_embed(self, guild_id: int, channel_id: int) -> discord.Embed:
        """What ``/debate summary`` shows: the status summary, or the final one once closed."""
        summary = await self.app.services.summaries.for_channel(guild_id, channel_id)
        return render.summary_embed(summary)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's dispatch, plus the stateless rebut modal's submits and the time of the
        last interaction (for the idle collector, ``bot.collector``).

        Not an ``on_interaction`` listener: discord.py would start a task for every
        interaction, each vote of a burst included, only for all but modal submits to return.
        """
        if event_name == "interaction":
            self.last_interaction_at = time.monotonic()
            measure(args[0], self.metrics, self.labels)
            note_names(self.app.services.members, args[0])
            if args[0].type is discord.InteractionType.modal_submit:
                self.handling(
                    asyncio.get_running_loop().create_task(
                        handle_modal_submit(args[0]), name="debate-bot: modal submit"
                    )
                )
        super().dispatch(event_name, *args, **kwargs)  # type: ignore[misc]

    def handling(self, task: asyncio.Task[Any] | None) -> None:
        """Count ``task`` as an interaction being handled until it ends (see :meth:`close`)."""
        if task is not None and task not in self._handling:
            self._handling.add(task)
            task.add_done_callback(self._handling.discard)

    async def close(self) -> None:
        """Stop the deadline loop, let interactions being handled finish (their writes may be
        committed and their answers, or an argument's card id, not yet sent), then close."""
        await self.deadlines.stop()
        await self.series.stop()
        await self.outbox.stop()
        await self.settings_follower.stop()
        current = asyncio.current_task()
        busy = [task for task in self._handling if task is not current and not task.done()]
        if busy:
            await asyncio.wait(busy, timeout=CLOSE_GRACE_SECONDS)
        await self.announcer.drain(outbox=False)  # what is pending goes with the next start
        await self.loop_lag.stop()
        await super().close()  # type: ignore[misc]
        if self.metrics_server is not None:
            self.metrics_server.stop()
            self.metrics_server = None


class DebateBot(DebateBotMixin, commands.Bot):
    """One process, one gateway connection."""


class ShardedDebateBot(DebateBotMixin, commands.AutoShardedBot):
    """Several shards in one process; several such processes can share PostgreSQL."""


def make_bot(
    app: App,
    *,
    shard_count: int | None = None,
    shard_ids: list[int] | None = None,
    sync_on_start: bool = True,
) -> DebateBot | ShardedDebateBot:
    """The bot for this process: sharded when a shard count is given."""
    if shard_count:
        return ShardedDebateBot(
            app, sync_on_start=sync_on_start, shard_count=shard_count, shard_ids=shard_ids
        )
    return DebateBot(app, sync_on_start=sync_on_start)
