"""The bot's metrics, named after Prometheus conventions (``_seconds``, ``_total``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

#: Seconds from an interaction's creation to its first response: Discord's window is 3 s,
#: and a write is deferred at 2 s (``bot.adapter.patience``).
RESPONSE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)
#: Requests per group commit (at most 200, ``bot.services.group_commit.MAX_BATCH``).
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 150, 200)
#: Seconds for one group commit, or how late the event loop or a deadline ran.
SHORT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

PREFIX = "debate_bot"


class _GatewayLatency(Collector):
    """The gateway heartbeat round trip per shard, read when scraped."""

    def __init__(self) -> None:
        self.source: Callable[[], Mapping[int, float]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            f"{PREFIX}_gateway_latency_seconds",
            "Round trip of the last gateway heartbeat, per shard.",
            labels=["shard"],
        )
        for shard, seconds in sorted((self.source() if self.source else {}).items()):
            if seconds == seconds and seconds != float("inf"):  # not yet measured: NaN or inf
                family.add_metric([str(shard)], seconds)
        yield family


@dataclass(frozen=True, slots=True)
class InteractionFigures:
    """The figures of one (command, type), looked up once: a labelled lookup costs more
    than the count itself, and this runs for every interaction of a burst."""

    command: str
    type: str
    received: Any
    response_seconds: Any
    response_failures: Any
    deferrals: Any


class Metrics:
    """Every figure of one bot, in a registry of its own (see :class:`MetricsServer`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        ProcessCollector(registry=registry)  # CPU seconds, resident memory, open files
        self.received = Counter(
            f"{PREFIX}_interactions_received",
            "Interactions received, by command (or button, modal) and type.",
            ["command", "type"],
            registry=registry,
        )
        self.response_seconds = Histogram(
            f"{PREFIX}_interaction_response_seconds",
            "Seconds from the interaction's creation (its snowflake) to its first response "
            "accepted by Discord, deferrals included.",
            ["command", "type"],
            buckets=RESPONSE_BUCKETS,
            registry=registry,
        )
        self.response_failures = Counter(
            f"{PREFIX}_interaction_response_failures",
            "First responses Discord rejected (most often: sent after the 3 s window).",
            ["command", "type"],
            registry=registry,
        )
        self.deferrals = Counter(
            f"{PREFIX}_interaction_deferrals",
            "Interactions deferred before they were answered.",
            ["command", "type"],
            registry=registry,
        )
        self.refusals = Counter(
            f"{PREFIX}_refusals",
            "Requests refused with a message the member can act on, by refusal.",
            ["command", "reason"],
            registry=registry,
        )
        self.unexpected = Counter(
            f"{PREFIX}_unexpected_errors",
            "Unexpected errors (each logged once with the reference the member saw).",
            ["command"],
            registry=registry,
        )
        self.batch_size = Histogram(
            f"{PREFIX}_group_commit_batch_size",
            "Requests written by one group commit.",
            ["queue"],
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.batch_seconds = Histogram(
            f"{PREFIX}_group_commit_seconds",
            "Seconds one group commit took, reads, writes and COMMIT.",
            ["queue"],
            buckets=SHORT_BUCKETS,
            registry=registry,
        )
        self.batch_failures = Counter(
            f"{PREFIX}_group_commit_failures",
            "Group commits that failed (each of their callers was told).",
            ["queue"],
            registry=registry,
        )
        self.loop_lag = Histogram(
            f"{PREFIX}_event_loop_lag_seconds",
            "How much later than asked a periodic timer fired on the event loop.",
            buckets=SHORT_BUCKETS,
            registry=registry,
        )
        self.deadline_lag = Histogram(
            f"{PREFIX}_deadline_lag_seconds",
            "Seconds between a phase's deadline and the deadline loop advancing it.",
            buckets=(*SHORT_BUCKETS, 10.0, 30.0, 60.0),
            registry=registry,
        )
        self.outbox_pending = Gauge(
            f"{PREFIX}_outbox_pending",
            "Posts and edits the threads are owed that this process has not delivered yet.",
            registry=registry,
        )
        self.outbox_deliveries = Counter(
            f"{PREFIX}_outbox_deliveries",
            "Outbox rows by kind and outcome: delivered (by the dispatcher), interaction "
            "(the command's answer carried it), retried, failed (for good).",
            ["kind", "outcome"],
            registry=registry,
        )
        self._gateway = _GatewayLatency()
        registry.register(self._gateway)
        self._interactions: dict[tuple[str, str], InteractionFigures] = {}

    def interaction(self, command: str, kind: str) -> InteractionFigures:
        """The figures of interactions of ``command`` and ``kind`` (``slash``, ...)."""
        figures = self._interactions.get((command, kind))
        if figures is None:
            figures = self._interactions[(command, kind)] = InteractionFigures(
                command,
                kind,
                self.received.labels(command, kind),
                self.response_seconds.labels(command, kind),
                self.response_failures.labels(command, kind),
                self.deferrals.labels(command, kind),
            )
        return figures

    def gateway_latency_from(self, source: Callable[[], Mapping[int, float]]) -> None:
        """Read the gateway latency per shard from ``source`` at each scrape."""
        self._gateway.source = source

    def group_commit(self, queue: str, size: int, seconds: float) -> None:
        """One batch of ``size`` requests committed in ``seconds``."""
        self.batch_size.labels(queue).observe(size)
        self.batch_seconds.labels(queue).observe(seconds)

    def group_commit_failed(self, queue: str) -> None:
        self.batch_failures.labels(queue).inc()

    def outbox_delivered(self, kind: str, outcome: str) -> None:
        """One outbox row of ``kind`` settled (or retried) with ``outcome``."""
        self.outbox_deliveries.labels(kind, outcome).inc()
