"""Live figures for operators: one Prometheus registry per bot, served over HTTP on request.

Services and the adapter both record into :class:`Metrics`; neither needs discord here, and
nothing is registered at import time, so two bots (or two tests) never share a count.
"""

from bot.metrics.loop_lag import LoopLagMonitor
from bot.metrics.registry import Metrics
from bot.metrics.server import MetricsServer, parse_listen

__all__ = ["LoopLagMonitor", "Metrics", "MetricsServer", "parse_listen"]
