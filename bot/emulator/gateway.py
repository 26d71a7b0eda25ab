"""The gateway websocket: HELLO, heartbeats, IDENTIFY/READY/GUILD_CREATE, RESUME, dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from .faults import reset_transport
from .messages import dumps

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 0, 1, 2, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
HEARTBEAT_INTERVAL_MS = 41250


#: Dispatches a session keeps for replay on RESUME; older ones make a resume invalid.
REPLAY_BACKLOG = 20_000


class GatewayConnection:
    """One bot websocket (one shard of one process)."""

    def __init__(self, ws: web.WebSocketResponse, number: int, path: str = "/gateway/") -> None:
        self.ws = ws
        self.number = number
        self.path = path
        self.session: Session | None = None
        self.shard: tuple[int, int] | None = None
        self.intents = 0
        self.ready = False
        self.closed = False
        #: Closed by the emulator (a fault), so its session waits for the bot's RESUME.
        self.dropped = False
        self.events: list[str] = []
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<GatewayConnection #{self.number} shard={self.shard} ready={self.ready}>"

    @property
    def seq(self) -> int:
        """The last sequence number sent on this connection's session."""
        return self.session.seq if self.session else 0

    def covers(self, guild_id: int) -> bool:
        """Whether this connection's shard owns ``guild_id``."""
        return _covers(self.shard, guild_id)

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        """Send one frame; a dispatch goes through the session (numbered, kept for replay)."""
        if op == DISPATCH:
            if self.session is None:
                raise RuntimeError("dispatch before IDENTIFY")
            await self.session.dispatch(str(t), d)
            return
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway connection is closed")
            await self.ws.send_str(dumps({"op": op, "d": d, "s": None, "t": t}).decode())

    async def send_text(self, event: str, text: str) -> None:
        """Write an already-numbered dispatch frame (raises when the socket is gone)."""
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway connection is closed")
            self.events.append(event)
            await self.ws.send_str(text)


def _covers(shard: tuple[int, int] | None, guild_id: int) -> bool:
    if shard is None:
        return True
    shard_id, count = shard
    return (guild_id >> 22) % max(1, count) == shard_id


class Session:
    """A gateway session: its sequence numbers and the dispatches kept for RESUME.

    Dispatches sent while the session has no open connection are numbered and kept, and a
    RESUME replays every one after the sequence number the bot last saw, as Discord does.
    """

    def __init__(self, session_id: str, shard: tuple[int, int] | None) -> None:
        self.id = session_id
        self.shard = shard
        self.seq = 0
        self.frames: deque[tuple[int, str, str]] = deque(maxlen=REPLAY_BACKLOG)
        self.conn: GatewayConnection | None = None
        #: The emulator dropped the connection; events for its guilds wait for the RESUME.
        self.awaiting_resume = False
        self._lock = asyncio.Lock()

    def covers(self, guild_id: int) -> bool:
        """Whether this session's shard owns ``guild_id``."""
        return _covers(self.shard, guild_id)

    @property
    def live(self) -> bool:
        """An open, READY connection carries this session."""
        c = self.conn
        return c is not None and c.ready and not c.closed and not c.ws.closed

    async def dispatch(self, event: str, d: Any) -> None:
        """Number the event, keep it, and send it when a connection carries the session."""
        async with self._lock:
            self.seq += 1
            frame = {"op": DISPATCH, "d": d, "s": self.seq, "t": event}
            text = dumps(frame).decode()
            self.frames.append((self.seq, event, text))
            conn = self.conn
            if conn is None or conn.closed:
                return
            # A frame lost on a dying socket is replayed on RESUME.
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await conn.send_text(event, text)

    async def resume(self, conn: GatewayConnection, seq: int) -> int | None:
        """Attach ``conn`` and replay what the bot missed; None when that is no longer kept."""
        async with self._lock:
            missed = [f for f in self.frames if f[0] > seq]
            oldest = self.frames[0][0] if self.frames else self.seq + 1
            if seq > self.seq or (seq + 1 < oldest and seq < self.seq):
                return None
            self.conn = conn
            self.awaiting_resume = False
            for _, event, text in missed:
                await conn.send_text(event, text)
            return len(missed)


@dataclass
class ResumeRecord:
    """One RESUME the emulator accepted: on which path, from which sequence, how many replayed."""

    session_id: str
    path: str
    seq: int
    replayed: int


class Gateway:
    """All bot connections and the routing of events to the right shard."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, Session] = {}
        self.resumes: list[ResumeRecord] = []
        self.ready_count = 0
        self._counter = 0
        #: Guilds routed to a chosen connection (as Discord moves a guild when shards change).
        self.pinned: dict[int, GatewayConnection] = {}

    def live(self) -> list[GatewayConnection]:
        """Open, READY connections, newest first."""
        return [c for c in reversed(self.connections) if c.ready and not c.closed]

    def connection_for(self, guild_id: int) -> GatewayConnection | None:
        """The connection the guild is pinned to while it lives, else the newest live
        connection whose shard owns the guild."""
        pinned = self.pinned.get(guild_id)
        if pinned is not None and pinned.ready and not pinned.closed:
            return pinned
        return next((c for c in self.live() if c.covers(guild_id)), None)

    def session_for(self, guild_id: int) -> Session | None:
        """The session that gets the guild's events: a live one, else one awaiting RESUME."""
        conn = self.connection_for(guild_id)
        if conn is not None and conn.session is not None:
            return conn.session
        waiting = [s for s in self.sessions.values() if s.awaiting_resume and s.covers(guild_id)]
        return waiting[-1] if waiting else None

    async def dispatch(self, guild_id: int, event: str, data: Any) -> bool:
        """Send an event to the guild's session; False when no bot is connected."""
        session = self.session_for(guild_id)
        if session is None:
            return False
        await session.dispatch(event, data)
        return True

    async def drop(self, *, mode: str = "close", code: int = 4000) -> int:
        """Drop every bot connection, keeping the sessions for RESUME; returns how many.

        ``close`` sends a close frame with ``code`` (discord.py resumes at once for codes it can
        handle); ``reset`` aborts the TCP connection without one, as a network fault would.
        """
        conns = [c for c in self.connections if not c.closed]
        for conn in conns:
            conn.dropped = True
            if conn.session is not None:
                conn.session.awaiting_resume = True
            if mode == "reset":
                req = getattr(conn.ws, "_req", None)
                reset_transport(req.transport if req is not None else None)
            else:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=code, message=b"emulator dropped the connection")
        return len(conns)

    async def close_all(self) -> None:
        """Close every connection (1001, going away)."""
        for conn in list(self.connections):
            conn.closed = True
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"emulator stopping")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The ``/gateway/`` (and ``/gateway-resume/``) websocket endpoint."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self._counter += 1
        conn = GatewayConnection(ws, self._counter, request.path)
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
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
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
        session = Session(secrets.token_hex(16), conn.shard)
        # A new session for the same shard supersedes one that was waiting for a RESUME.
        for old in self.sessions.values():
            if old.shard == conn.shard:
                old.awaiting_resume = False
        self.sessions[session.id] = session
        session.conn = conn
        conn.session = session
        guilds = [g for g in self.emu.guilds.values() if conn.covers(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.emu.bot_user.to_dict(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.resume_gateway_url,
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
        session = self.sessions.get(str(d.get("session_id")))
        seq = int(d.get("seq") or 0)
        replayed = None
        if self._token_ok(d.get("token")) and session is not None:
            conn.session = session
            conn.shard = session.shard
            replayed = await session.resume(conn, seq)
        if session is None or replayed is None:
            conn.session = None
            await conn.send(INVALID_SESSION, False)
            return
        self.resumes.append(ResumeRecord(session.id, conn.path, seq, replayed))
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
