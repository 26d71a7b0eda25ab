"""The gateway websocket: HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE, RESUME, dispatch."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from .messages import dumps

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 0, 1, 2, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
HEARTBEAT_INTERVAL_MS = 41250


class GatewayConnection:
    """One bot websocket (one shard of one process)."""

    def __init__(self, ws: web.WebSocketResponse, number: int) -> None:
        self.ws = ws
        self.number = number
        self.seq = 0
        self.session_id: str | None = None
        self.shard: tuple[int, int] | None = None
        self.intents = 0
        self.ready = False
        self.closed = False
        self.events: list[str] = []
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<GatewayConnection #{self.number} shard={self.shard} ready={self.ready}>"

    def covers(self, guild_id: int) -> bool:
        """Whether this connection's shard owns ``guild_id``."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (guild_id >> 22) % max(1, count) == shard_id

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        """Send one TEXT frame (dispatches get the next sequence number)."""
        async with self._lock:
            frame: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
            if op == DISPATCH:
                self.seq += 1
                frame["s"] = self.seq
                self.events.append(str(t))
            if self.ws.closed:
                raise ConnectionResetError("gateway connection is closed")
            await self.ws.send_str(dumps(frame).decode())


class Gateway:
    """All bot connections and the routing of events to the right shard."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, tuple[int, int] | None] = {}
        self.ready_count = 0
        self._counter = 0

    def live(self) -> list[GatewayConnection]:
        """Open, READY connections, newest first."""
        return [c for c in reversed(self.connections) if c.ready and not c.closed]

    def connection_for(self, guild_id: int) -> GatewayConnection | None:
        """The newest live connection whose shard owns the guild."""
        return next((c for c in self.live() if c.covers(guild_id)), None)

    async def dispatch(self, guild_id: int, event: str, data: Any) -> bool:
        """Send an event to the guild's connection; False when no bot is connected."""
        conn = self.connection_for(guild_id)
        if conn is None:
            return False
        try:
            await conn.send(DISPATCH, data, event)
        except (ConnectionResetError, RuntimeError):
            return False
        return True

    async def close_all(self) -> None:
        """Close every connection (1001, going away)."""
        for conn in list(self.connections):
            conn.closed = True
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"emulator stopping")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The ``/gateway/`` websocket endpoint."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._counter += 1
        conn = GatewayConnection(ws, self._counter)
        self.connections.append(conn)
        try:
            await conn.send(HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    frame = orjson.loads(msg.data)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                await self._on_frame(conn, frame)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            conn.closed = True
            if conn in self.connections:
                self.connections.remove(conn)
        return ws

    async def _on_frame(self, conn: GatewayConnection, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            await conn.send(HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            await self._identify(conn, d or {})
        elif op == RESUME:
            await self._resume(conn, d or {})
        elif op == REQUEST_MEMBERS:
            await self._members_chunk(conn, d or {})

    def _token_ok(self, token: object) -> bool:
        return token in (self.emu.token, f"Bot {self.emu.token}")

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if not self._token_ok(d.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = d.get("shard")
        conn.shard = (int(shard[0]), int(shard[1])) if shard else None
        conn.intents = int(d.get("intents") or 0)
        conn.session_id = secrets.token_hex(16)
        self.sessions[conn.session_id] = conn.shard
        guilds = [g for g in self.emu.guilds.values() if conn.covers(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.emu.bot_user.to_dict(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": conn.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.gateway_url,
            "application": {"id": str(self.emu.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["discord-emulator"],
        }
        if conn.shard is not None:
            ready["shard"] = list(conn.shard)
        await conn.send(DISPATCH, ready, "READY")
        for guild in guilds:
            await conn.send(DISPATCH, self.emu.guild_payload(guild.id), "GUILD_CREATE")
        conn.ready = True
        self.ready_count += 1

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        session = d.get("session_id")
        if not self._token_ok(d.get("token")) or session not in self.sessions:
            await conn.send(INVALID_SESSION, False)
            return
        conn.session_id = str(session)
        conn.shard = self.sessions[str(session)]
        conn.seq = int(d.get("seq") or 0)
        await conn.send(DISPATCH, {}, "RESUMED")
        conn.ready = True
        self.ready_count += 1

    async def _members_chunk(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        ids = d.get("guild_id")
        guild_ids = ids if isinstance(ids, list) else [ids]
        wanted = {int(u) for u in d.get("user_ids") or []}
        query = str(d.get("query") or "").lower()
        limit = int(d.get("limit") or 0)
        for gid in guild_ids:
            guild = self.emu.guilds.get(int(gid or 0))
            if guild is None:
                continue
            members = [
                m
                for m in guild.members.values()
                if (not wanted or m.id in wanted) and m.user.username.lower().startswith(query)
            ]
            if limit:
                members = members[:limit]
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [m.to_dict() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "presences": [],
            }
            if wanted:
                chunk["not_found"] = [str(u) for u in wanted - {m.id for m in members}]
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            await conn.send(DISPATCH, chunk, "GUILD_MEMBERS_CHUNK")
