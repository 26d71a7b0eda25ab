"""Request bodies (JSON or multipart) and message objects as Discord returns them."""

from __future__ import annotations

import copy
import email.parser
import email.policy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .state import iso

if TYPE_CHECKING:
    from .world import World

EPHEMERAL = 64
SUPPRESS_EMBEDS = 4
SUPPRESS_NOTIFICATIONS = 4096
HAS_THREAD = 32
_USER_RE = re.compile(r"<@!?(\d+)>")
_ROLE_RE = re.compile(r"<@&(\d+)>")


@dataclass
class Upload:
    """One uploaded file from a multipart body."""

    field: str
    filename: str
    data: bytes
    content_type: str


def dumps(data: Any) -> bytes:
    """JSON bytes as Discord sends them (orjson: the emulator shares the machine with the bot)."""
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


def parse_body(content_type: str, body: bytes) -> tuple[Any, list[Upload]]:
    """The JSON payload (``payload_json`` for multipart) and uploaded files."""
    if not body:
        return None, []
    if content_type.startswith("multipart/"):
        return _parse_multipart(content_type, body)
    try:
        return orjson.loads(body), []
    except ValueError:
        return None, []


def _parse_multipart(content_type: str, body: bytes) -> tuple[Any, list[Upload]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    payload: Any = None
    files: list[Upload] = []
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw = part.get_payload(decode=True)
        data = raw if isinstance(raw, bytes) else b""
        if name == "payload_json":
            payload = orjson.loads(data or b"null")
        else:
            filename = part.get_filename() or str(name)
            ctype = part.get_content_type() or "application/octet-stream"
            files.append(Upload(str(name), filename, data, ctype))
    return payload, files


def _attachments(
    world: World, channel_id: int, payload: dict[str, Any], uploads: list[Upload], base: str
) -> list[dict[str, Any]]:
    meta = {str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)}
    out: list[dict[str, Any]] = []
    for index, up in enumerate(uploads):
        aid = world.ids.next()
        world.attachment_data[aid] = up.data
        info = meta.get(str(index), {})
        url = f"{base}/attachments/{channel_id}/{aid}/{up.filename}"
        out.append(
            {
                "id": str(aid),
                "filename": info.get("filename") or up.filename,
                "description": info.get("description"),
                "size": len(up.data),
                "url": url,
                "proxy_url": url,
                "content_type": up.content_type,
                "ephemeral": False,
            }
        )
    return out


def _mentions(world: World, msg: dict[str, Any]) -> None:
    content = str(msg.get("content") or "")
    allowed = msg.get("allowed_mentions")
    parse = None if allowed is None else set(allowed.get("parse") or [])
    users = {int(u) for u in (allowed or {}).get("users") or []}
    roles = {int(r) for r in (allowed or {}).get("roles") or []}
    mentioned = []
    for uid in dict.fromkeys(int(x) for x in _USER_RE.findall(content)):
        if (parse is None or "users" in parse or uid in users) and uid in world.users:
            mentioned.append(world.users[uid].to_dict())
    msg["mentions"] = mentioned
    # As Discord: a role pings only if allowed_mentions lets it and the role is mentionable.
    mentionable = {
        role.id
        for guild in world.guilds.values()
        for role in guild.roles.values()
        if role.mentionable
    }
    msg["mention_roles"] = [
        r
        for r in dict.fromkeys(_ROLE_RE.findall(content))
        if (parse is None or "roles" in parse or int(r) in roles) and int(r) in mentionable
    ]
    everyone = "@everyone" in content or "@here" in content
    msg["mention_everyone"] = everyone and (parse is None or "everyone" in parse)


def build_message(
    world: World,
    channel_id: int,
    payload: dict[str, Any],
    uploads: list[Upload],
    base: str,
    *,
    msg_type: int = 0,
    flags: int = 0,
    interaction: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new message authored by the bot (via its webhook when ``interaction`` is given)."""
    channel = world.channel_state(channel_id)
    mid = world.ids.next()
    sent_flags = int(payload.get("flags") or 0)
    msg: dict[str, Any] = {
        "id": str(mid),
        "channel_id": str(channel_id),
        "guild_id": str(channel.guild_id),
        "author": world.bot_user.to_dict(),
        "content": payload.get("content") or "",
        "embeds": [{"type": "rich", **e} for e in payload.get("embeds") or []],
        "components": copy.deepcopy(payload.get("components") or []),
        "attachments": _attachments(world, channel_id, payload, uploads, base),
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(payload.get("tts", False)),
        "type": msg_type,
        "timestamp": iso(),
        "edited_timestamp": None,
        "flags": flags | (sent_flags & (EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS)),
        "allowed_mentions": copy.deepcopy(payload.get("allowed_mentions")),
        "message_reference": copy.deepcopy(payload.get("message_reference")),
        "reactions": [],
        "sticker_items": [],
        "nonce": payload.get("nonce"),
    }
    if msg["message_reference"] and msg_type == 0:
        msg["type"] = 19
    if msg["message_reference"] is None:
        del msg["message_reference"]
    if interaction is not None:
        msg["webhook_id"] = str(world.app_id)
        msg["application_id"] = str(world.app_id)
        msg["interaction_metadata"] = interaction
    _mentions(world, msg)
    return msg


def apply_edit(
    world: World, msg: dict[str, Any], payload: dict[str, Any], uploads: list[Upload], base: str
) -> None:
    """Edit a stored message in place like PATCH does."""
    for key in ("content", "components"):
        if key in payload:
            msg[key] = copy.deepcopy(payload[key]) if payload[key] is not None else None
    if msg.get("content") is None:
        msg["content"] = ""
    if msg.get("components") is None:
        msg["components"] = []
    if "embeds" in payload:
        msg["embeds"] = [{"type": "rich", **e} for e in payload["embeds"] or []]
    if "allowed_mentions" in payload:
        msg["allowed_mentions"] = copy.deepcopy(payload["allowed_mentions"])
    if "flags" in payload and payload["flags"] is not None:
        keep = int(msg.get("flags") or 0) & ~SUPPRESS_EMBEDS
        msg["flags"] = keep | (int(payload["flags"]) & SUPPRESS_EMBEDS)
    if "attachments" in payload or uploads:
        wanted = {str(a.get("id")) for a in payload.get("attachments") or []}
        kept = [a for a in msg.get("attachments") or [] if a["id"] in wanted]
        if "attachments" not in payload:
            kept = list(msg.get("attachments") or [])
        new = _attachments(world, int(msg["channel_id"]), payload, uploads, base)
        msg["attachments"] = kept + new
    msg["edited_timestamp"] = iso()
    _mentions(world, msg)
