"""A per-member sliding-window rate limit for commands and button presses (pure, clock-fed)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    """At most ``actions`` per ``per_seconds`` per key; ``hit`` says how long to wait."""

    actions: int
    per_seconds: float
    max_keys: int = 50_000
    _hits: dict[object, deque[float]] = field(default_factory=dict)

    def hit(self, key: object, now: float) -> float:
        """Record an action at ``now`` (seconds); 0 if allowed, else the seconds to wait."""
        window = self._hits.get(key)
        if window is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            window = self._hits[key] = deque()
        while window and now - window[0] >= self.per_seconds:
            window.popleft()
        if len(window) >= self.actions:
            return self.per_seconds - (now - window[0])
        window.append(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, w in self._hits.items() if not w or now - w[-1] >= self.per_seconds]
        for key in idle:
            del self._hits[key]
