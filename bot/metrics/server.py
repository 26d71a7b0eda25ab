"""The scrape endpoint: prometheus-client's HTTP server on its own thread, one registry."""

from __future__ import annotations

import logging
import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from bot.metrics.registry import Metrics

log = logging.getLogger("bot.metrics")


def parse_listen(text: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9108`` for IPv6) as a pair; raises ``ValueError`` if malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected host:port (for example 127.0.0.1:9108), got {text!r}")
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(f"port {number} is out of range (0-65535)")
    return host.strip("[]"), number


class MetricsServer:
    """Serves ``/metrics`` (any path, in fact) from a thread, so a scrape never waits on the
    event loop and a busy loop never delays a scrape for long."""

    def __init__(self, metrics: Metrics, listen: str) -> None:
        self.metrics = metrics
        self.host, self.port = parse_listen(listen)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen; the port is the one bound (useful with port 0)."""
        self._server, self._thread = start_http_server(
            self.port, addr=self.host, registry=self.metrics.registry
        )
        self.port = self._server.server_port
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None
