"""DiscordEmulator: the loopback server plus the API tests use to drive the bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .errors import EmulatorError, InteractionTimeout
from .faults import Faults
from .gateway import Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
    base_payload,
    command_data,
    find_component,
    modal_submit_components,
)
from .limits import check_text_input_value
from .rest import Rest
from .world import World

CLIENT_MAX_SIZE = 64 * 1024 * 1024


class DiscordEmulator(World):
    """A fake Discord (gateway + REST) on loopback for the real discord.py client."""

    def __init__(
        self,
        app_id: int | None = None,
        bot_user_id: int | None = None,
        token: str = "test-token",
    ) -> None:
        super().__init__(app_id, bot_user_id, token)
        self.host = "127.0.0.1"
        self.port = 0
        self.base_url = ""
        self.api_base = ""
        self.gateway_url = ""
        #: Where READY tells the bot to resume (a path of its own, so tests can see it used).
        self.resume_gateway_url = ""
        self.ack_deadline = 3.0
        self.token_lifetime = 15 * 60.0
        self.recommended_shards = 1
        self.default_settle = 0.2
        #: Seconds each REST response is held back, as the network's round trip would: a
        #: client's connection stays busy that long (0 on loopback, tens of ms to Discord).
        self.response_delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0  # the most REST requests the bot had open at once
        #: See :meth:`hold_responses`: 0 when responses are not held.
        self.hold_until_in_flight = 0
        self.hold_timeout = 30.0
        self.crowded = asyncio.Event()
        self.last_request_at = time.monotonic()
        self.app_owner: Any = None
        self.gateway = Gateway(self)
        self.rest = Rest(self)
        #: Fault injection: errors, 429s, timeouts on chosen routes; gateway drops.
        self.faults = Faults(self)
        self.open_modals: dict[tuple[int, str], tuple[dict[str, Any], InteractionResult]] = {}
        self.interactions: list[InteractionResult] = []
        self._by_id: dict[int, InteractionResult] = {}
        self._by_token: dict[str, InteractionResult] = {}
        self._send_tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None

    # ----- server lifecycle -----------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and serve; fills ``port``, ``api_base`` and ``gateway_url``."""
        app = web.Application(client_max_size=CLIENT_MAX_SIZE, middlewares=[self.rest.middleware])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_get("/gateway-resume/", self.gateway.handle)
        app.add_routes(self.rest.routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Discord takes thousands of connections at once; the default backlog (128) would drop
        # SYNs in a burst and add a one-second retransmit to the measured latency.
        site = web.TCPSite(self._runner, host, port, backlog=4096)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.host = host
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        self.base_url = f"http://{host}:{self.port}"
        self.api_base = f"{self.base_url}/api/v10"
        self.gateway_url = f"ws://{host}:{self.port}/gateway/"
        self.resume_gateway_url = f"ws://{host}:{self.port}/gateway-resume/"

    async def stop(self) -> None:
        """Close bot connections and the server."""
        await self.gateway.close_all()
        for task in list(self._send_tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def hold_responses(self, until_in_flight: int, timeout: float = 30.0) -> None:
        """Hold every REST response (after its request took effect) until ``until_in_flight``
        requests are open at once, or ``timeout`` seconds passed. A client that cannot keep
        that many open side by side (a capped connection pool) is then seen in
        ``max_in_flight`` however slowly a loaded machine lets it send them."""
        self.hold_until_in_flight = until_in_flight
        self.hold_timeout = timeout
        self.crowded = asyncio.Event()

    # ----- gateway-facing helpers ----------------------------------------------------------

    def guild_payload(self, guild_id: int) -> dict[str, Any]:
        """The full GUILD_CREATE object for a guild."""
        guild = self.guild(guild_id)
        chans = [self._channels[c] for c in guild.channel_ids]
        me = self.bot_user.id
        bot_member = guild.members.get(me)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": "en-US",
            "max_members": 500000,
            "max_video_channel_users": 25,
            "roles": [r.to_dict() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [c.to_dict() for c in chans if not c.is_thread],
            "threads": [c.to_dict(me=me) for c in chans if c.is_thread and not c.archived],
            "members": [m.to_dict() for m in guild.members.values()],
            "member_count": len(guild.members),
            "large": False,
            "unavailable": False,
            "joined_at": bot_member.joined_at if bot_member else guild.created_at,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "application_id": None,
            "lazy": True,
        }

    async def wait_for_ready(self, timeout: float = 10, count: int = 1) -> None:  # noqa: ASYNC109
        """Wait until ``count`` bot connections got READY and all their GUILD_CREATEs."""
        deadline = time.monotonic() + timeout
        while len(self.gateway.live()) < count:
            if time.monotonic() > deadline:
                raise InteractionTimeout(
                    f"only {len(self.gateway.live())} of {count} bot connection(s) ready "
                    f"after {timeout}s"
                )
            await asyncio.sleep(0.01)

    def shard_of(self, guild_id: int, shard_count: int) -> int:
        """The shard id that owns a guild."""
        return (guild_id >> 22) % max(1, shard_count)

    # ----- interactions ---------------------------------------------------------------------

    def interaction_by_id(self, interaction_id: int) -> InteractionResult | None:
        """A dispatched interaction by id."""
        return self._by_id.get(interaction_id)

    def interaction_by_token(self, token: str) -> InteractionResult | None:
        """A dispatched interaction by token."""
        return self._by_token.get(token)

    def build_slash_payload(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str | None = None,
    ) -> dict[str, Any]:
        """APPLICATION_COMMAND (or AUTOCOMPLETE with ``focused``) from the registered tree."""
        data = command_data(self, guild_id, command, options, focused)
        itype = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return base_payload(self, itype, guild_id, channel_id, user_id, data)

    def build_component_payload(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        message_id: int,
        custom_id: str,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        """MESSAGE_COMPONENT for a component that exists on a stored message."""
        msg = self.message(message_id)
        if msg is None:
            raise EmulatorError(f"unknown message {message_id}")
        if int(msg["channel_id"]) != channel_id:
            raise EmulatorError(f"message {message_id} is not in channel {channel_id}")
        comp = find_component(msg.get("components") or [], custom_id)
        if comp is None:
            raise EmulatorError(f"message {message_id} has no component {custom_id!r}")
        ctype = int(comp.get("type", 2))
        if comp.get("disabled"):
            raise EmulatorError(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if values is not None or ctype != 2:
            if ctype == 2:
                raise EmulatorError(f"component {custom_id!r} is a button, not a select")
            vals = list(values or [])
            lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
            if not lo <= len(vals) <= hi:
                raise EmulatorError(f"select {custom_id!r} takes {lo}-{hi} values, got {vals}")
            options = [o.get("value") for o in comp.get("options") or []]
            if ctype == 3 and any(v not in options for v in vals):
                raise EmulatorError(f"select {custom_id!r}: {vals} not among options {options}")
            data["values"] = vals
        return base_payload(
            self, MESSAGE_COMPONENT, guild_id, channel_id, user_id, data, message=msg
        )

    def build_modal_payload(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        custom_id: str,
        values: Mapping[str, str],
    ) -> dict[str, Any]:
        """MODAL_SUBMIT mirroring the layout of the modal the bot opened for this user."""
        opened = self.open_modals.get((user_id, custom_id))
        modal = opened[0] if opened else None
        for key, value in values.items():
            if check_text_input_value(value):
                raise EmulatorError(f"modal input {key!r} is longer than 4000 characters")
        data = {"custom_id": custom_id, "components": modal_submit_components(modal, values)}
        message = None
        if opened is not None and opened[1].component_message_id:
            message = self.message(opened[1].component_message_id)
        return base_payload(
            self, MODAL_SUBMIT, guild_id, channel_id, user_id, data, message=message
        )

    def dispatch_interaction(self, payload: dict[str, Any]) -> InteractionResult:
        """Send INTERACTION_CREATE without waiting; ``await res.acked`` for the callback."""
        gid = int(payload["guild_id"])
        session = self.gateway.session_for(gid)
        if session is None:
            raise EmulatorError(f"no bot connection is ready for guild {gid}")
        res = InteractionResult(payload, self)
        self.interactions.append(res)
        self._by_id[res.id] = res
        self._by_token[res.token] = res
        # While a dropped session waits for its RESUME, the event is kept and replayed.
        task = asyncio.get_running_loop().create_task(
            session.dispatch("INTERACTION_CREATE", payload)
        )
        self._send_tasks.add(task)
        task.add_done_callback(self._send_tasks.discard)
        return res

    async def run_interaction(
        self,
        payload: dict[str, Any],
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Dispatch, then wait for the callback and for the bot to go quiet."""
        res = self.dispatch_interaction(payload)
        await self.wait_settled(res, settle=settle, timeout=timeout)
        return res

    async def wait_settled(
        self,
        res: InteractionResult,
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> None:
        """Callback seen, then no request on the token (and none at all) for ``settle`` s."""
        quiet = self.default_settle if settle is None else settle
        deadline = time.monotonic() + timeout
        try:
            await asyncio.wait_for(res.attempted.wait(), timeout)
        except TimeoutError:
            name = (res.payload.get("data") or {}).get("name") or (
                (res.payload.get("data") or {}).get("custom_id")
            )
            raise InteractionTimeout(
                f"the bot never answered interaction {res.id} (type {res.type}, {name!r}) "
                f"within {timeout}s; a component with no matching view is silently dropped"
            ) from None
        while True:
            now = time.monotonic()
            idle = now - max(res.last_activity, self.last_request_at)
            # A deferred "thinking" response is not settled until the bot follows it up.
            if (idle >= quiet and not _still_thinking(res)) or now > deadline:
                return
            await asyncio.sleep(min(max(quiet - idle, 0), 0.05) + 0.001)

    async def settle(self, quiet: float = 0.3, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until no REST request at all has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle = now - self.last_request_at
            if idle >= quiet:
                return
            if now > deadline:
                raise InteractionTimeout(f"the bot did not go quiet within {timeout}s")
            await asyncio.sleep(min(quiet - idle, 0.05) + 0.001)

    async def slash(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Run a slash command (``"group sub"``) as a member and wait until it settles."""
        payload = self.build_slash_payload(guild_id, channel_id, user_id, command, options)
        return await self.run_interaction(payload, settle=settle, timeout=timeout)

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Ask for autocomplete choices of the ``focused`` option; returns the choices."""
        payload = self.build_slash_payload(
            guild_id, channel_id, user_id, command, options, focused=focused
        )
        res = await self.run_interaction(payload, settle=0.0, timeout=timeout)
        if res.choices is None:
            raise EmulatorError(f"autocomplete for {command!r} was not answered: {res.errors}")
        return res.choices

    async def click(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        message_id: int,
        custom_id: str,
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Click a button on a message."""
        payload = self.build_component_payload(guild_id, channel_id, user_id, message_id, custom_id)
        return await self.run_interaction(payload, settle=settle, timeout=timeout)

    async def select(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        message_id: int,
        custom_id: str,
        values: list[str],
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Pick values in a select menu on a message."""
        payload = self.build_component_payload(
            guild_id, channel_id, user_id, message_id, custom_id, values
        )
        return await self.run_interaction(payload, settle=settle, timeout=timeout)

    async def submit_modal(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        custom_id: str,
        values: Mapping[str, str],
        *,
        settle: float | None = None,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> InteractionResult:
        """Submit a modal the bot opened (text inputs by custom_id)."""
        payload = self.build_modal_payload(guild_id, channel_id, user_id, custom_id, values)
        return await self.run_interaction(payload, settle=settle, timeout=timeout)

    async def disconnect_all(self, code: int = 4000) -> None:
        """Drop every bot connection (the client will reconnect/resume)."""
        await self.gateway.drop(mode="close", code=code)


def _still_thinking(res: InteractionResult) -> bool:
    """A type-5 deferral whose "thinking…" message was neither edited nor followed up."""
    if res.callback_type != 5 or res.followup_ids:
        return False
    original = res.original or {}
    return not (
        original.get("content")
        or original.get("embeds")
        or original.get("attachments")
        or original.get("components")
    )
