"""Fault injection: the emulator answers chosen REST requests with errors, or drops the gateway.

Tests describe a fault as data (:class:`Status`, :class:`RateLimit`, :class:`Timeout`,
:class:`Reset`) and attach it to a route pattern, for the next N matching requests or at a
random rate drawn from a seeded generator, so a faulty run can be replayed exactly. Every fault
actually injected is recorded in :attr:`Faults.injected`.

A route pattern is ``"METHOD /path"`` (or just ``"/path"`` for any method), relative to
``/api/v10``; ``{name}`` or ``*`` matches one path segment, ``**`` the rest of the path.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import EmulatorError
from .world import RecordedRequest

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

#: A message posted in a channel or thread (arguments' cards, announcements, summaries).
MESSAGE_POST = "POST /channels/{channel}/messages"
#: An edit of a message the bot posted (the motion card, a removed argument's card).
MESSAGE_EDIT = "PATCH /channels/{channel}/messages/{message}"
#: The interaction response (the fast path a card may ride on).
INTERACTION_CALLBACK = "POST /interactions/{interaction}/{token}/callback"
#: A follow-up through the interaction webhook.
FOLLOWUP = "POST /webhooks/{application}/{token}"
#: An edit of the original response or a follow-up.
FOLLOWUP_EDIT = "PATCH /webhooks/{application}/{token}/messages/{message}"
#: Starting a thread from a message (the debate's thread).
THREAD_CREATE = "POST /channels/{channel}/messages/{message}/threads"
#: Login: the bot user (an invalid token gets 401 here).
USER_ME = "GET /users/@me"
#: Every REST route.
ANY = "/**"


@dataclass(frozen=True)
class Status:
    """Answer with an HTTP error status and Discord's JSON error body.

    discord.py retries 500, 502, 504 and 524 by itself; 503, 401, 403 and 404 reach the bot.
    With ``apply`` the request takes effect before the error is sent.
    """

    status: int = 503
    code: int = 0
    message: str = ""
    apply: bool = False

    @property
    def kind(self) -> str:
        """A short label for the record of injected faults."""
        return str(self.status)


@dataclass(frozen=True)
class RateLimit:
    """A 429 with ``retry_after`` and a ``Via`` header, so discord.py sleeps and retries.

    Without ``via`` discord.py takes the 429 for a Cloudflare ban and raises instead.
    """

    retry_after: float = 0.05
    is_global: bool = False
    scope: str = "user"
    via: bool = True

    @property
    def kind(self) -> str:
        """A short label for the record of injected faults."""
        return "429"


@dataclass(frozen=True)
class Timeout:
    """No answer: the response is held ``hold`` seconds, then the connection is reset.

    The client sees a timeout or a dropped connection and cannot know the outcome. With
    ``apply`` (the default) the request did take effect, which is the case that makes retries
    post twice unless they are idempotent.
    """

    hold: float = 1.0
    apply: bool = True

    @property
    def kind(self) -> str:
        """A short label for the record of injected faults."""
        return "timeout"


@dataclass(frozen=True)
class Reset:
    """The TCP connection is reset at once, without a response (``apply``: after the effect)."""

    apply: bool = False

    @property
    def kind(self) -> str:
        """A short label for the record of injected faults."""
        return "reset"


Fault = Status | RateLimit | Timeout | Reset
Predicate = Callable[[RecordedRequest], bool]


@dataclass
class Injected:
    """One fault the emulator injected: on which request, which kind, whether it took effect."""

    method: str
    path: str
    kind: str
    applied: bool
    rule: Rule
    time: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class Rule:
    """Faults for the requests matching one or more route patterns.

    ``remaining`` counts the injections left (None: unlimited); ``rate`` is the probability
    that a matching request gets a fault (1.0: every one); ``when`` narrows the match further.
    """

    patterns: tuple[re.Pattern[str], ...]
    faults: tuple[Fault, ...]
    remaining: int | None = 1
    rate: float = 1.0
    when: Predicate | None = None
    hits: int = 0
    active: bool = True

    def matches(self, req: RecordedRequest) -> bool:
        """Whether the request is one this rule is about (before the rate is drawn)."""
        target = f"{req.method.upper()} {req.path}"
        if not any(p.fullmatch(target) for p in self.patterns):
            return False
        return self.when is None or self.when(req)

    def cancel(self) -> None:
        """Stop injecting this rule's faults."""
        self.active = False


def compile_route(route: str) -> re.Pattern[str]:
    """``"POST /channels/{channel}/messages"`` -> a regex over ``"METHOD /path"``."""
    method, _, path = route.strip().rpartition(" ")
    method = method.strip().upper() or "*"
    if not path.startswith("/"):
        raise EmulatorError(f"route {route!r} must look like 'POST /channels/{{id}}/messages'")
    parts = []
    for seg in path.strip("/").split("/") if path.strip("/") else []:
        if seg == "**":
            parts.append(r"(?:/.*)?")
        elif seg == "*" or re.fullmatch(r"\{\w+\}", seg):
            parts.append(r"/[^/]+")
        else:
            parts.append("/" + re.escape(seg))
    body = "".join(parts) or "/"
    if path.rstrip("/") == "" or path == "/**":
        body = r"/.*"
    verb = r"[A-Z]+" if method == "*" else re.escape(method)
    return re.compile(f"{verb} {body}")


class Faults:
    """The fault plan of one emulator: ``emu.faults``."""

    def __init__(self, emu: DiscordEmulator, seed: int = 0) -> None:
        self.emu = emu
        self.rules: list[Rule] = []
        self.injected: list[Injected] = []
        self.rng = random.Random(seed)

    def seed(self, seed: int) -> None:
        """Restart the random draws, so a run with the same seed injects the same faults."""
        self.rng = random.Random(seed)

    def add(
        self,
        routes: str | Sequence[str],
        faults: Fault | Sequence[Fault],
        *,
        count: int | None = 1,
        rate: float = 1.0,
        when: Predicate | None = None,
    ) -> Rule:
        """Inject ``faults`` (one drawn at random when several) on matching requests."""
        pats = (routes,) if isinstance(routes, str) else tuple(routes)
        plan = (faults,) if not isinstance(faults, Sequence) else tuple(faults)
        if not pats or not plan:
            raise EmulatorError("a fault rule needs at least one route and one fault")
        if not 0.0 <= rate <= 1.0:
            raise EmulatorError(f"rate must be between 0 and 1, got {rate}")
        if count is not None and count < 1:
            raise EmulatorError(f"count must be at least 1, got {count}")
        rule = Rule(tuple(compile_route(p) for p in pats), plan, count, rate, when)
        self.rules.append(rule)
        return rule

    def fail_next(
        self,
        route: str | Sequence[str],
        status: int = 503,
        count: int = 1,
        *,
        retry_after: float | None = None,
        timeout: bool = False,
        reset: bool = False,
        hold: float = 1.0,
        apply: bool | None = None,
        code: int = 0,
        message: str = "",
        when: Predicate | None = None,
    ) -> Rule:
        """The next ``count`` matching requests fail.

        By default with ``status``; a 429 carries ``retry_after`` (default 0.05 s) and a
        ``Via`` header; ``timeout`` holds the response ``hold`` seconds and then resets the
        connection; ``reset`` resets it at once. ``apply`` says whether the request takes
        effect first (default: yes for a timeout, no otherwise).
        """
        fault: Fault
        if timeout:
            fault = Timeout(hold=hold, apply=True if apply is None else apply)
        elif reset:
            fault = Reset(apply=bool(apply))
        elif status == 429:
            fault = RateLimit(retry_after=0.05 if retry_after is None else retry_after)
        else:
            fault = Status(status, code, message, apply=bool(apply))
        return self.add(route, fault, count=count, when=when)

    def randomly(
        self,
        routes: str | Sequence[str],
        rate: float,
        faults: Fault | Sequence[Fault],
        *,
        limit: int | None = None,
        when: Predicate | None = None,
    ) -> Rule:
        """Each matching request fails with probability ``rate`` (at most ``limit`` times)."""
        return self.add(routes, faults, count=limit, rate=rate, when=when)

    def clear(self) -> None:
        """Remove every rule (the record of injected faults stays)."""
        self.rules.clear()

    def count(self, kind: str | None = None) -> int:
        """Faults injected so far (of one ``kind``: ``"503"``, ``"429"``, ``"timeout"``...)."""
        return sum(1 for i in self.injected if kind is None or i.kind == kind)

    def pick(self, req: RecordedRequest) -> Fault | None:
        """The fault for this request, if a rule fires (recorded in :attr:`injected`)."""
        for rule in list(self.rules):
            if not rule.active:
                self.rules.remove(rule)
                continue
            if not rule.matches(req):
                continue
            if rule.rate < 1.0 and self.rng.random() >= rule.rate:
                continue
            fault = rule.faults[0] if len(rule.faults) == 1 else self.rng.choice(rule.faults)
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    rule.active = False
                    self.rules.remove(rule)
            applied = isinstance(fault, Status | Timeout | Reset) and fault.apply
            self.injected.append(Injected(req.method, req.path, fault.kind, applied, rule))
            return fault
        return None

    async def drop_gateway(self, *, reset: bool = False, code: int = 4000) -> int:
        """Drop every bot's gateway connection; returns how many were dropped.

        The sessions are kept: discord.py resumes on READY's ``resume_gateway_url`` and the
        emulator replays the events it missed, including those dispatched in the gap. By
        default a close frame with ``code`` is sent (4000: discord.py resumes at once);
        ``reset`` aborts the TCP connection instead.
        """
        return await self.emu.gateway.drop(mode="reset" if reset else "close", code=code)


def reset_transport(transport: asyncio.Transport | None) -> None:
    """Reset a TCP connection (RST, nothing more sent), as a network fault would."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
