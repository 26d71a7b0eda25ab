"""REST routes under ``/api/v10``: users, commands, interaction callbacks, webhooks, channels."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import limits
from .errors import EmulatorError
from .faults import Fault, RateLimit, Status, Timeout, reset_transport
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
)
from .messages import (
    EPHEMERAL,
    HAS_THREAD,
    Upload,
    apply_edit,
    build_message,
    dumps,
    parse_body,
)
from .state import (
    ATTACH_FILES,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    PUBLIC_THREAD,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    ChannelState,
)
from .world import RecordedRequest, Violation

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

API = "/api/v10"
LOADING = 128
PAYLOAD = web.RequestKey("emu_payload", object)
UPLOADS = web.RequestKey("emu_uploads", list)
RECORD = web.RequestKey("emu_record", RecordedRequest)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_REASONS = {
    401: "401: Unauthorized",
    403: "Missing Permissions",
    404: "Unknown Message",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (no charset)."""
    resp = web.Response(status=status, body=dumps(data))
    resp.headers["Content-Type"] = "application/json"
    return resp


def error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    """A Discord-style error body."""
    return json_response({"code": code, "message": message, **extra}, status)


def no_content() -> web.Response:
    """204 with no body."""
    return web.Response(status=204)


class Rest:
    """Route handlers bound to one emulator."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

    # ----- plumbing ---------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        """Every route the emulator serves."""
        r, a = web, API
        return [
            r.get(a + "/users/@me", self.get_me),
            r.get(a + "/oauth2/applications/@me", self.get_application),
            r.get(a + "/gateway", self.get_gateway),
            r.get(a + "/gateway/bot", self.get_gateway_bot),
            r.get(a + "/applications/{app}/commands", self.get_commands),
            r.put(a + "/applications/{app}/commands", self.put_commands),
            r.get(a + "/applications/{app}/guilds/{gid}/commands", self.get_commands),
            r.put(a + "/applications/{app}/guilds/{gid}/commands", self.put_commands),
            r.post(a + "/interactions/{iid}/{token}/callback", self.callback),
            r.post(a + "/webhooks/{app}/{token}", self.webhook_post),
            r.get(a + "/webhooks/{app}/{token}/messages/{mid}", self.webhook_get),
            r.patch(a + "/webhooks/{app}/{token}/messages/{mid}", self.webhook_patch),
            r.delete(a + "/webhooks/{app}/{token}/messages/{mid}", self.webhook_delete),
            r.get(a + "/channels/{cid}", self.get_channel),
            r.patch(a + "/channels/{cid}", self.patch_channel),
            r.get(a + "/channels/{cid}/messages", self.list_messages),
            r.post(a + "/channels/{cid}/messages", self.post_message),
            r.get(a + "/channels/{cid}/messages/{mid}", self.get_message),
            r.patch(a + "/channels/{cid}/messages/{mid}", self.patch_message),
            r.delete(a + "/channels/{cid}/messages/{mid}", self.delete_message),
            r.post(a + "/channels/{cid}/messages/{mid}/threads", self.thread_from_message),
            r.post(a + "/channels/{cid}/threads", self.thread_without_message),
            r.put(a + "/channels/{cid}/thread-members/@me", self.join_thread),
            r.delete(a + "/channels/{cid}/thread-members/@me", self.leave_thread),
            r.get(a + "/guilds/{gid}", self.get_guild),
            r.get(a + "/guilds/{gid}/channels", self.get_guild_channels),
            r.get(a + "/guilds/{gid}/roles", self.get_guild_roles),
            r.get(a + "/guilds/{gid}/members", self.list_members),
            r.get(a + "/guilds/{gid}/members/{uid}", self.get_member),
            r.get("/attachments/{cid}/{aid}/{filename}", self.get_attachment),
            r.route("*", "/{tail:.*}", self.not_found),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record every request, parse its body, map emulator errors to 4xx."""
        emu = self.emu
        if request.path.startswith("/gateway"):
            return await handler(request)
        emu.in_flight += 1
        emu.max_in_flight = max(emu.max_in_flight, emu.in_flight)
        if emu.hold_until_in_flight and emu.in_flight >= emu.hold_until_in_flight:
            emu.crowded.set()
        try:
            return await self._serve(request, handler)
        finally:
            emu.in_flight -= 1

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        emu = self.emu
        body = await request.read()
        payload, uploads = parse_body(request.headers.get("Content-Type", ""), body)
        path = request.path[len(API) :] if request.path.startswith(API) else request.path
        rec = RecordedRequest(
            request.method,
            path,
            dict(request.query),
            payload,
            [(u.filename, len(u.data)) for u in uploads],
            time.monotonic(),
        )
        emu.requests.append(rec)
        emu.last_request_at = rec.time
        request[PAYLOAD] = payload
        request[UPLOADS] = uploads
        request[RECORD] = rec
        token = request.match_info.get("token")
        res = emu.interaction_by_token(token) if token else None
        if res is not None:
            res.last_activity = rec.time
        fault = emu.faults.pick(rec)
        resp: web.StreamResponse = error(500, 0, "500: Internal Server Error")
        if fault is None or getattr(fault, "apply", False):
            resp = await self._answer(request, handler, body, path)
        if fault is not None:
            if res is not None and not getattr(fault, "apply", False):
                res.errors.append({"injected": fault.kind})
                res.attempted.set()
            resp = await self._inject(request, fault, rec)
        rec.status = resp.status
        if emu.response_delay:
            await asyncio.sleep(emu.response_delay)
        if emu.hold_until_in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(emu.crowded.wait(), emu.hold_timeout)
        return resp

    async def _answer(
        self, request: web.Request, handler: Handler, body: bytes, path: str
    ) -> web.StreamResponse:
        """What the emulator answers when no fault is injected."""
        if len(body) > limits.REQUEST_SIZE_LIMIT:
            self.violate("request_too_large", request, [("_", f"{len(body)} bytes > 25 MiB")])
            return error(413, 40005, "Request entity too large")
        if not self._authorized(request, path):
            return error(401, 0, "401: Unauthorized")
        try:
            return await handler(request)
        except EmulatorError as exc:
            return error(404, 0, str(exc))

    async def _inject(
        self, request: web.Request, fault: Fault, rec: RecordedRequest
    ) -> web.StreamResponse:
        """The injected failure: an error status, a 429, or no answer at all."""
        if isinstance(fault, Status):
            message = fault.message or _REASONS.get(fault.status, f"{fault.status}: injected")
            return error(fault.status, fault.code, message)
        if isinstance(fault, RateLimit):
            resp = error(
                429,
                20028 if fault.is_global else 0,
                "You are being rate limited.",
                retry_after=fault.retry_after,
                **{"global": fault.is_global},
            )
            resp.headers["Retry-After"] = str(max(1, math.ceil(fault.retry_after)))
            resp.headers["X-RateLimit-Scope"] = "global" if fault.is_global else fault.scope
            if fault.is_global:
                resp.headers["X-RateLimit-Global"] = "true"
            if fault.via:
                resp.headers["Via"] = "1.1 google"
            return resp
        if isinstance(fault, Timeout):
            # Held until the client gives up or the hold ends, whichever comes first.
            deadline = time.monotonic() + fault.hold
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or _client_gone(request):
                    break
                await asyncio.sleep(min(0.05, left))
        reset_transport(request.transport)
        rec.status = 0
        return web.Response(status=504)

    def _authorized(self, request: web.Request, path: str) -> bool:
        if path.startswith(("/interactions/", "/webhooks/", "/attachments/")):
            return True
        return request.headers.get("Authorization") == f"Bot {self.emu.token}"

    def violate(self, kind: str, request: web.Request, problems: list[tuple[str, str]]) -> None:
        """Record a broken rule."""
        rec: RecordedRequest | None = request.get(RECORD)
        body = rec.json if rec else None
        path = rec.path if rec else request.path
        self.emu.violations.append(Violation(kind, request.method, path, problems, body))

    def invalid(
        self, kind: str, request: web.Request, problems: list[tuple[str, str]]
    ) -> web.Response:
        """Record a violation and answer Discord's 400 Invalid Form Body."""
        self.violate(kind, request, problems)
        return json_response(limits.error_body(problems), 400)

    def _payload(self, request: web.Request) -> dict[str, Any]:
        payload = request.get(PAYLOAD)
        return payload if isinstance(payload, dict) else {}

    def _uploads(self, request: web.Request) -> list[Upload]:
        uploads: list[Upload] = request.get(UPLOADS) or []
        return uploads

    def _check_message(self, request: web.Request, payload: dict[str, Any]) -> list[Any]:
        files = [(u.filename, len(u.data)) for u in self._uploads(request)]
        return limits.check_message(payload, files, self.emu.attachment_size_limit)

    async def not_found(self, request: web.Request) -> web.Response:
        """Unknown route: 404, recorded in ``emu.unhandled``."""
        rec: RecordedRequest | None = request.get(RECORD)
        if rec is not None:
            self.emu.unhandled.append(rec)
        return error(404, 0, "404: Not Found")

    # ----- identity ---------------------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        """The bot user."""
        user = self.emu.bot_user.to_dict()
        return json_response({**user, "verified": True, "mfa_enabled": False, "email": None})

    async def get_application(self, request: web.Request) -> web.Response:
        """The bot's application."""
        emu = self.emu
        owner = emu.add_user("app_owner") if emu.app_owner is None else emu.app_owner
        emu.app_owner = owner
        return json_response(
            {
                "id": str(emu.app_id),
                "name": emu.bot_user.username,
                "icon": None,
                "description": "Discord emulator application",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner.to_dict(),
                "flags": 0,
                "verify_key": "0" * 64,
                "team": None,
                "rpc_origins": [],
                "hook": True,
                "tags": [],
                "install_params": None,
                "custom_install_url": None,
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(emu.guilds),
                "bot": emu.bot_user.to_dict(),
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        """The gateway url."""
        return json_response({"url": self.emu.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        """Gateway url, recommended shard count and session start limit."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 16}
        return json_response(
            {
                "url": self.emu.gateway_url.rstrip("/"),
                "shards": self.emu.recommended_shards,
                "session_start_limit": limit,
            }
        )

    # ----- commands -----------------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        gid = request.match_info.get("gid")
        return int(gid) if gid else None

    async def get_commands(self, request: web.Request) -> web.Response:
        """Registered commands of a scope."""
        return json_response(self.emu.commands(self._scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite: validated against Discord's limits, stored with ids."""
        if request.match_info["app"] != str(self.emu.app_id):
            return error(403, 50001, "Missing Access")
        scope = self._scope(request)
        if scope is not None and scope not in self.emu.guilds:
            return error(403, 50001, "Missing Access")
        payload = request.get(PAYLOAD)
        problems = limits.check_commands(payload)
        if problems:
            return self.invalid("commands", request, problems)
        assert isinstance(payload, list)
        return json_response(self.emu.set_commands(scope, payload))

    # ----- interaction callbacks -----------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        """Create the interaction response (Discord's 3-second rule is enforced)."""
        emu = self.emu
        res = emu.interaction_by_id(int(request.match_info["iid"]))
        if res is None or res.token != request.match_info["token"]:
            return error(404, 10062, "Unknown interaction")
        now = time.monotonic()
        body = self._payload(request)
        if res.callback_type is not None:
            self.violate("double_ack", request, [("_", "interaction already acknowledged")])
            return self._fail(res, 400, 40060, "Interaction has already been acknowledged.")
        if now - res.dispatched_at > emu.ack_deadline:
            late = f"callback {now - res.dispatched_at:.2f}s after dispatch"
            self.violate("late_ack", request, [("_", late)])
            res.expired = True
            return self._fail(res, 404, 10062, "Unknown interaction")
        cb = body.get("type")
        data = body.get("data") or {}
        problems = self._check_callback(res, cb, data, request)
        if problems:
            self.violate("callback", request, problems)
            res.errors.append({"status": 400, "code": 50035, "problems": problems})
            res.attempted.set()
            return json_response(limits.error_body(problems), 400)
        assert isinstance(cb, int)
        message = self._apply_callback(res, cb, data, self._uploads(request))
        res.callback_type = cb
        res.callback_data = data
        res.acked_after = now - res.dispatched_at
        if not res.acked.done():
            res.acked.set_result(cb)
        res.attempted.set()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        flags = int((message or data).get("flags") or 0)
        out: dict[str, Any] = {
            "interaction": {
                "id": str(res.id),
                "type": res.type,
                "activity_instance_id": None,
                "response_message_id": str(res.original_id) if res.original_id else None,
                "response_message_loading": cb == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            },
            "resource": {"type": cb},
        }
        if message is not None and cb in (4, 5, 7):
            out["resource"]["message"] = message
        return json_response(out)

    def _fail(self, res: InteractionResult, status: int, code: int, msg: str) -> web.Response:
        res.errors.append({"status": status, "code": code, "message": msg})
        if not res.acked.done():
            res.acked.set_result(None)
        res.attempted.set()
        return error(status, code, msg)

    def _check_callback(
        self, res: InteractionResult, cb: object, data: dict[str, Any], request: web.Request
    ) -> list[tuple[str, str]]:
        allowed = {
            APPLICATION_COMMAND: (4, 5, 9),
            MESSAGE_COMPONENT: (4, 5, 6, 7, 9),
            AUTOCOMPLETE: (8,),
            MODAL_SUBMIT: (4, 5, 6, 7),
        }[res.type]
        if cb not in allowed:
            return [("type", f"callback type {cb} is not valid for interaction type {res.type}")]
        if cb in (7, 6) and res.component_message_id is None:
            return [("type", "no message to update")]
        if cb in (4, 7):
            return self._check_message(request, data)
        if cb == 9:
            return limits.check_modal(data)
        if cb == 8:
            return limits.check_autocomplete_choices(data.get("choices"))
        return []

    def _interaction_meta(self, res: InteractionResult, original: int | None) -> dict[str, Any]:
        user = self.emu.users[res.user_id].to_dict() if res.user_id else None
        meta: dict[str, Any] = {
            "id": str(res.id),
            "type": res.type,
            "user": user,
            "authorizing_integration_owners": {"0": str(res.guild_id)},
        }
        if res.type == APPLICATION_COMMAND:
            meta["name"] = res.payload.get("data", {}).get("name")
        if res.component_message_id:
            meta["interacted_message_id"] = str(res.component_message_id)
        if original:
            meta["original_response_message_id"] = str(original)
        return meta

    def _new_interaction_message(
        self, res: InteractionResult, data: dict[str, Any], uploads: list[Upload], flags: int = 0
    ) -> dict[str, Any]:
        assert res.channel_id is not None
        msg = build_message(
            self.emu,
            res.channel_id,
            data,
            uploads,
            self.emu.base_url,
            msg_type=20 if res.type == APPLICATION_COMMAND else 0,
            flags=flags,
            interaction=self._interaction_meta(res, res.original_id),
        )
        self.emu.store_message(msg)
        res.files += [(u.filename, u.data) for u in uploads]
        return msg

    def _apply_callback(
        self, res: InteractionResult, cb: int, data: dict[str, Any], uploads: list[Upload]
    ) -> dict[str, Any] | None:
        emu = self.emu
        if cb == 4:
            msg = self._new_interaction_message(res, data, uploads)
            res.original_id = int(msg["id"])
            return msg
        if cb == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            msg = self._new_interaction_message(res, {}, [], flags)
            res.original_id = int(msg["id"])
            return msg
        if cb in (6, 7):
            assert res.component_message_id is not None
            res.original_id = res.component_message_id
            target = emu.raw_message(res.component_message_id)
            if cb == 7:
                apply_edit(emu, target, data, uploads, emu.base_url)
                res.files += [(u.filename, u.data) for u in uploads]
            return emu.message(res.component_message_id)
        if cb == 8:
            res.choices = list(data.get("choices") or [])
        elif cb == 9:
            res.modal = data
            assert res.user_id is not None
            emu.open_modals[(res.user_id, str(data.get("custom_id")))] = (data, res)
        return None

    # ----- webhooks (follow-ups and the original response) ----------------------------------

    def _webhook_res(self, request: web.Request) -> InteractionResult | web.Response:
        emu = self.emu
        res = emu.interaction_by_token(request.match_info["token"])
        if res is None or request.match_info["app"] != str(emu.app_id):
            return error(404, 10015, "Unknown Webhook")
        if res.callback_type is None:
            self.violate("webhook_before_ack", request, [("_", "interaction was never acked")])
            return error(404, 10015, "Unknown Webhook")
        if time.monotonic() - res.dispatched_at > emu.token_lifetime:
            self.violate("token_expired", request, [("_", "interaction token expired")])
            return error(401, 50027, "Invalid Webhook Token")
        return res

    def _webhook_message_id(self, res: InteractionResult, mid: str) -> int | None:
        if mid == "@original":
            return res.original_id
        value = int(mid)
        if value == res.original_id or value in res.followup_ids:
            return value
        return None

    async def webhook_post(self, request: web.Request) -> web.Response:
        """Create a follow-up (after a thinking defer the first one edits the original)."""
        res = self._webhook_res(request)
        if isinstance(res, web.Response):
            return res
        data = self._payload(request)
        problems = self._check_message(request, data)
        if problems:
            return self.invalid("message", request, problems)
        uploads = self._uploads(request)
        emu = self.emu
        original = emu._messages.get(res.original_id) if res.original_id else None
        if res.callback_type == 5 and original is not None and original["flags"] & LOADING:
            original["flags"] &= ~LOADING
            edit = {k: v for k, v in data.items() if k != "flags"}
            apply_edit(emu, original, edit, uploads, emu.base_url)
            res.files += [(u.filename, u.data) for u in uploads]
            msg = emu.message(int(original["id"]))
        else:
            msg = self._new_interaction_message(res, data, uploads)
            res.followup_ids.append(int(msg["id"]))
        if request.query.get("wait") in ("true", "1", "True"):
            return json_response(msg)
        return no_content()

    async def webhook_get(self, request: web.Request) -> web.Response:
        """Fetch the original response or a follow-up."""
        res = self._webhook_res(request)
        if isinstance(res, web.Response):
            return res
        mid = self._webhook_message_id(res, request.match_info["mid"])
        msg = self.emu.message(mid) if mid else None
        if msg is None:
            return error(404, 10008, "Unknown Message")
        return json_response(msg)

    async def webhook_patch(self, request: web.Request) -> web.Response:
        """Edit the original response or a follow-up."""
        res = self._webhook_res(request)
        if isinstance(res, web.Response):
            return res
        mid = self._webhook_message_id(res, request.match_info["mid"])
        emu = self.emu
        if mid is None or mid not in emu._messages:
            return error(404, 10008, "Unknown Message")
        data = self._payload(request)
        problems = self._check_message(request, data)
        if problems:
            return self.invalid("message", request, problems)
        msg = emu.raw_message(mid)
        msg["flags"] = int(msg.get("flags") or 0) & ~LOADING
        uploads = self._uploads(request)
        apply_edit(emu, msg, data, uploads, emu.base_url)
        res.files += [(u.filename, u.data) for u in uploads]
        return json_response(emu.message(mid))

    async def webhook_delete(self, request: web.Request) -> web.Response:
        """Delete the original response or a follow-up."""
        res = self._webhook_res(request)
        if isinstance(res, web.Response):
            return res
        mid = self._webhook_message_id(res, request.match_info["mid"])
        if mid is None or mid not in self.emu._messages:
            return error(404, 10008, "Unknown Message")
        self.emu.delete_message(mid)
        return no_content()

    # ----- channels and messages ----------------------------------------------------------

    def _channel(self, request: web.Request) -> ChannelState | web.Response:
        try:
            return self.emu.channel_state(int(request.match_info["cid"]))
        except (EmulatorError, ValueError):
            return error(404, 10003, "Unknown Channel")

    def _message(self, request: web.Request, ch: ChannelState) -> dict[str, Any] | None:
        try:
            msg = self.emu._messages.get(int(request.match_info["mid"]))
        except ValueError:
            return None
        if msg is None or int(msg["channel_id"]) != ch.id:
            return None
        return msg

    def _lacks(self, ch: ChannelState, *bits: int) -> web.Response | None:
        """403 Missing Permissions when the bot's role lacks one of ``bits`` in the guild."""
        guild = self.emu.guild(ch.guild_id)
        perms = guild.permissions_of(self.emu.member(ch.guild_id, self.emu.bot_user.id))
        if all(perms & bit for bit in (VIEW_CHANNEL, *bits)):
            return None
        return error(403, 50013, "Missing Permissions")

    async def get_channel(self, request: web.Request) -> web.Response:
        """A channel or thread."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        return json_response(self.emu.channel(ch.id))

    async def patch_channel(self, request: web.Request) -> web.Response:
        """Rename a channel, or archive/lock/rename a thread."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        data = self._payload(request)
        problems: list[tuple[str, str]] = []
        if "name" in data:
            problems += limits.check_thread_name(data["name"]) if ch.is_thread else []
        problems += limits.check_auto_archive(data.get("auto_archive_duration"))
        if problems:
            return self.invalid("channel", request, problems)
        if "name" in data:
            ch.name = data["name"]
        if "topic" in data and not ch.is_thread:
            ch.topic = data["topic"]
        if ch.is_thread:
            for key in ("archived", "locked", "auto_archive_duration"):
                if key in data and data[key] is not None:
                    setattr(ch, key, data[key])
            if "archived" in data:
                ch.archive_timestamp = self.emu.new_timestamp()
        event = "THREAD_UPDATE" if ch.is_thread else "CHANNEL_UPDATE"
        await self.emu.gateway.dispatch(ch.guild_id, event, self.emu.channel(ch.id))
        return json_response(self.emu.channel(ch.id))

    async def list_messages(self, request: web.Request) -> web.Response:
        """Channel history, newest first (limit/before/after)."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        q = request.query
        limit = max(1, min(100, int(q.get("limit", 50))))
        msgs = self.emu.messages(ch.id, include_ephemeral=False)
        if "before" in q:
            msgs = [m for m in msgs if int(m["id"]) < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if int(m["id"]) > int(q["after"])][:limit]
        msgs = list(reversed(msgs))[:limit] if "after" not in q else list(reversed(msgs))
        return json_response(msgs)

    async def post_message(self, request: web.Request) -> web.Response:
        """The bot posts a message in a channel or thread."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        if ch.is_thread and ch.locked:
            return error(403, 50083, "Thread is archived")
        needed = [SEND_MESSAGES_IN_THREADS if ch.is_thread else SEND_MESSAGES]
        if self._uploads(request):
            needed.append(ATTACH_FILES)
        refused = self._lacks(ch, *needed)
        if refused is not None:
            return refused
        data = self._payload(request)
        problems = self._check_message(request, data)
        keys = ("content", "embeds", "components", "sticker_ids")
        if not any(data.get(k) for k in keys) and not self._uploads(request):
            problems.append(("content", "Cannot send an empty message"))
        if problems:
            return self.invalid("message", request, problems)
        nonce = data.get("nonce")
        if data.get("enforce_nonce") and nonce is not None:
            seen = self.emu.message_for_nonce(str(nonce))
            if seen is not None:
                # Discord answers a repeated create with the first message, or Unknown
                # Message when that one was deleted.
                msg = self.emu.message(seen)
                return json_response(msg) if msg else error(404, 10008, "Unknown Message")
        if ch.is_thread and ch.archived:
            ch.archived = False
        msg = build_message(self.emu, ch.id, data, self._uploads(request), self.emu.base_url)
        self.emu.store_message(msg)
        if data.get("enforce_nonce") and nonce is not None:
            self.emu.remember_nonce(str(nonce), int(msg["id"]))
        return json_response(msg)

    async def get_message(self, request: web.Request) -> web.Response:
        """One message."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        msg = self._message(request, ch)
        if msg is None:
            return error(404, 10008, "Unknown Message")
        return json_response(msg)

    async def patch_message(self, request: web.Request) -> web.Response:
        """Edit a message the bot authored."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        msg = self._message(request, ch)
        if msg is None:
            return error(404, 10008, "Unknown Message")
        if msg["author"]["id"] != str(self.emu.bot_user.id):
            return error(403, 50005, "Cannot edit a message authored by another user")
        data = self._payload(request)
        problems = self._check_message(request, data)
        if problems:
            return self.invalid("message", request, problems)
        apply_edit(self.emu, msg, data, self._uploads(request), self.emu.base_url)
        return json_response(msg)

    async def delete_message(self, request: web.Request) -> web.Response:
        """Delete a message."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        msg = self._message(request, ch)
        if msg is None:
            return error(404, 10008, "Unknown Message")
        self.emu.delete_message(int(msg["id"]))
        return no_content()

    def _check_thread(self, request: web.Request, data: dict[str, Any]) -> list[Any]:
        problems = limits.check_thread_name(data.get("name"))
        return problems + limits.check_auto_archive(data.get("auto_archive_duration"))

    async def _thread_created(self, th: ChannelState, data: dict[str, Any]) -> web.Response:
        if data.get("auto_archive_duration"):
            th.auto_archive_duration = int(data["auto_archive_duration"])
        payload = {**self.emu.channel(th.id), "newly_created": True}
        await self.emu.gateway.dispatch(th.guild_id, "THREAD_CREATE", payload)
        return json_response(self.emu.channel(th.id))

    async def thread_from_message(self, request: web.Request) -> web.Response:
        """Start a public thread from a message (the thread id is the message id)."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        msg = self._message(request, ch)
        if msg is None:
            return error(404, 10008, "Unknown Message")
        if ch.is_thread:
            return error(400, 50024, "Cannot execute action on this channel type")
        if msg.get("thread"):
            return error(400, 160004, "A thread has already been created for this message")
        refused = self._lacks(ch, CREATE_PUBLIC_THREADS)
        if refused is not None:
            return refused
        data = self._payload(request)
        problems = self._check_thread(request, data)
        if problems:
            return self.invalid("thread", request, problems)
        th = self.emu.add_thread(ch.id, data["name"], self.emu.bot_user.id, int(msg["id"]))
        resp = await self._thread_created(th, data)
        msg["thread"] = self.emu.channel(th.id)
        msg["flags"] = int(msg.get("flags") or 0) | HAS_THREAD
        return resp

    async def thread_without_message(self, request: web.Request) -> web.Response:
        """Start a thread that is not attached to a message."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        data = self._payload(request)
        private = int(data.get("type") or PUBLIC_THREAD) != PUBLIC_THREAD
        refused = self._lacks(ch, CREATE_PRIVATE_THREADS if private else CREATE_PUBLIC_THREADS)
        if refused is not None:
            return refused
        problems = self._check_thread(request, data)
        if problems:
            return self.invalid("thread", request, problems)
        th = self.emu.add_thread(ch.id, data["name"], self.emu.bot_user.id)
        th.type = int(data.get("type") or PUBLIC_THREAD)
        return await self._thread_created(th, data)

    async def join_thread(self, request: web.Request) -> web.Response:
        """The bot joins a thread."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        ch.member_ids.add(self.emu.bot_user.id)
        return no_content()

    async def leave_thread(self, request: web.Request) -> web.Response:
        """The bot leaves a thread."""
        ch = self._channel(request)
        if isinstance(ch, web.Response):
            return ch
        ch.member_ids.discard(self.emu.bot_user.id)
        return no_content()

    async def get_attachment(self, request: web.Request) -> web.Response:
        """Download an uploaded file."""
        data = self.emu.attachment_data.get(int(request.match_info["aid"]))
        if data is None:
            return error(404, 0, "404: Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ----- guilds -------------------------------------------------------------------------

    def _guild_id(self, request: web.Request) -> int | None:
        gid = int(request.match_info["gid"])
        return gid if gid in self.emu.guilds else None

    async def get_guild(self, request: web.Request) -> web.Response:
        """A guild (REST shape: no channels or members)."""
        gid = self._guild_id(request)
        if gid is None:
            return error(404, 10004, "Unknown Guild")
        data = self.emu.guild_payload(gid)
        for key in ("channels", "threads", "members", "voice_states", "presences"):
            data.pop(key, None)
        return json_response(data)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        """A guild's channels (not threads)."""
        gid = self._guild_id(request)
        if gid is None:
            return error(404, 10004, "Unknown Guild")
        chans = [c for c in self.emu.guild_payload(gid)["channels"]]
        return json_response(chans)

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        """A guild's roles."""
        gid = self._guild_id(request)
        if gid is None:
            return error(404, 10004, "Unknown Guild")
        return json_response([r.to_dict() for r in self.emu.guilds[gid].roles.values()])

    async def list_members(self, request: web.Request) -> web.Response:
        """A guild's members."""
        gid = self._guild_id(request)
        if gid is None:
            return error(404, 10004, "Unknown Guild")
        limit = int(request.query.get("limit", 1))
        members = list(self.emu.guilds[gid].members.values())[:limit]
        return json_response([m.to_dict() for m in members])

    async def get_member(self, request: web.Request) -> web.Response:
        """One member."""
        gid = self._guild_id(request)
        if gid is None:
            return error(404, 10004, "Unknown Guild")
        member = self.emu.guilds[gid].members.get(int(request.match_info["uid"]))
        if member is None:
            return error(404, 10007, "Unknown Member")
        return json_response(member.to_dict())
