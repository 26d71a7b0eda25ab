"""INTERACTION_CREATE payloads built from the registered commands, and their results."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import EmulatorError

if TYPE_CHECKING:
    from .world import World

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
EPHEMERAL = 64
LOADING = 128


class InteractionResult:
    """Everything the bot did in answer to one interaction."""

    def __init__(self, payload: dict[str, Any], world: World) -> None:
        self.payload = payload
        self._world = world
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
        self.channel_id = int(payload["channel_id"]) if payload.get("channel_id") else None
        self.user_id = int(payload["member"]["user"]["id"]) if payload.get("member") else None
        self.component_message_id: int | None = (
            int(payload["message"]["id"]) if payload.get("message") else None
        )
        self.dispatched_at = time.monotonic()
        self.last_activity = self.dispatched_at
        self.callback_type: int | None = None
        self.callback_data: dict[str, Any] | None = None
        self.acked_after: float | None = None
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.original_id: int | None = None
        self.followup_ids: list[int] = []
        self.files: list[tuple[str, bytes]] = []
        self.errors: list[dict[str, Any]] = []
        self.expired = False
        loop = asyncio.get_running_loop()
        self.acked: asyncio.Future[int | None] = loop.create_future()
        self.attempted = asyncio.Event()

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} type={self.type} callback={self.callback_type}>"

    @property
    def ephemeral(self) -> bool:
        """Whether the response (callback data or original message) is ephemeral."""
        original = self.original
        if original is not None and self.callback_type in (4, 5):
            return bool(original.get("flags", 0) & EPHEMERAL)
        return bool(((self.callback_data or {}).get("flags") or 0) & EPHEMERAL)

    @property
    def original(self) -> dict[str, Any] | None:
        """Current state of the original response message (None if none or deleted)."""
        return self._world.message(self.original_id) if self.original_id else None

    @property
    def followups(self) -> list[dict[str, Any]]:
        """Follow-up messages (current state; deleted ones are left out)."""
        msgs = (self._world.message(mid) for mid in self.followup_ids)
        return [m for m in msgs if m is not None]

    def _source(self) -> Mapping[str, Any]:
        return self.original or self.callback_data or {}

    @property
    def content(self) -> str:
        """Content of the original response."""
        return str(self._source().get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds of the original response."""
        return list(self._source().get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """Components of the original response."""
        return list(self._source().get("components") or [])

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response (if any) followed by the follow-ups."""
        original = self.original
        return ([original] if original else []) + self.followups

    def text(self) -> str:
        """Content and embed text of the original and follow-ups, joined by newlines."""
        parts: list[str] = []
        for msg in self.messages or [dict(self._source())]:
            parts.append(str(msg.get("content") or ""))
            for embed in msg.get("embeds") or []:
                parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
                for f in embed.get("fields") or []:
                    parts += [str(f.get("name") or ""), str(f.get("value") or "")]
                parts.append(str((embed.get("footer") or {}).get("text") or ""))
                parts.append(str((embed.get("author") or {}).get("name") or ""))
        return "\n".join(p for p in parts if p)

    def custom_ids(self) -> list[str]:
        """Every component custom_id across the original and follow-ups."""
        out: list[str] = []

        def walk(comps: list[dict[str, Any]]) -> None:
            for c in comps:
                if c.get("custom_id"):
                    out.append(c["custom_id"])
                walk(c.get("components") or [])

        for msg in self.messages:
            walk(msg.get("components") or [])
        return out


# ----- payload builders ---------------------------------------------------------------------


def _channel_payload(world: World, channel_id: int, permissions: int) -> dict[str, Any]:
    data = world.channel(channel_id)
    data["permissions"] = str(permissions)
    return data


def base_payload(
    world: World,
    itype: int,
    guild_id: int,
    channel_id: int,
    user_id: int,
    data: dict[str, Any] | None,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The common INTERACTION_CREATE fields for a guild interaction."""
    guild = world.guild(guild_id)
    channel = world.channel_state(channel_id)
    if channel.guild_id != guild_id:
        raise EmulatorError(f"channel {channel_id} is not in guild {guild_id}")
    member = world.member(guild_id, user_id)
    perms = guild.permissions_of(member)
    app_perms = guild.permissions_of(world.member(guild_id, world.bot_user.id))
    payload: dict[str, Any] = {
        "id": str(world.ids.next()),
        "application_id": str(world.app_id),
        "type": itype,
        "guild_id": str(guild_id),
        "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
        "channel_id": str(channel_id),
        "channel": _channel_payload(world, channel_id, perms),
        "member": member.to_dict(permissions=perms),
        "token": "emu." + secrets.token_urlsafe(24),
        "version": 1,
        "app_permissions": str(app_perms),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": world.attachment_size_limit,
    }
    if data is not None:
        payload["data"] = data
    if message is not None:
        payload["message"] = message
    return payload


def _convert(
    world: World,
    guild_id: int,
    opt: Mapping[str, Any],
    value: Any,
    resolved: dict[str, dict[str, Any]],
    focused: bool,
) -> Any:
    """An option value as Discord sends it, checked against the registered constraints."""
    name, otype = opt["name"], opt["type"]
    if focused:
        return str(value)
    if otype == STRING:
        if not isinstance(value, str):
            raise EmulatorError(f"option {name!r} expects a string, got {value!r}")
        lo, hi = opt.get("min_length"), opt.get("max_length")
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            raise EmulatorError(f"option {name!r}: length {len(value)} outside [{lo}, {hi}]")
    elif otype in (INTEGER, NUMBER):
        if isinstance(value, bool):
            raise EmulatorError(f"option {name!r} expects a number, got {value!r}")
        try:
            value = int(value) if otype == INTEGER else float(value)
        except (TypeError, ValueError):
            raise EmulatorError(f"option {name!r} expects a number, got {value!r}") from None
        lo, hi = opt.get("min_value"), opt.get("max_value")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise EmulatorError(f"option {name!r}: {value} outside [{lo}, {hi}]")
    elif otype == BOOLEAN:
        if isinstance(value, str):
            value = value.lower() in ("true", "1", "yes")
        value = bool(value)
    elif otype in (USER, CHANNEL, ROLE, MENTIONABLE):
        value = _resolve(world, guild_id, name, otype, value, resolved)
    else:
        raise EmulatorError(f"option {name!r}: type {otype} is not supported by the emulator")
    choices = opt.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        allowed = [c["value"] for c in choices]
        raise EmulatorError(f"option {name!r}: {value!r} is not one of the choices {allowed}")
    return value


def _resolve(
    world: World,
    guild_id: int,
    name: str,
    otype: int,
    value: Any,
    resolved: dict[str, dict[str, Any]],
) -> str:
    snowflake = int(getattr(value, "id", value))
    guild = world.guild(guild_id)
    key = str(snowflake)
    if otype in (USER, MENTIONABLE) and snowflake in world.users:
        resolved.setdefault("users", {})[key] = world.users[snowflake].to_dict()
        member = guild.members.get(snowflake)
        if member is not None:
            perms = guild.permissions_of(member)
            member_data = member.to_dict(permissions=perms, with_user=False)
            resolved.setdefault("members", {})[key] = member_data
        return key
    if otype in (ROLE, MENTIONABLE) and snowflake in guild.roles:
        resolved.setdefault("roles", {})[key] = guild.roles[snowflake].to_dict()
        return key
    if otype == CHANNEL:
        ch = world.channel_state(snowflake)
        data = ch.to_dict(me=world.bot_user.id)
        data["permissions"] = str(2**53 - 1)
        resolved.setdefault("channels", {})[key] = data
        return key
    raise EmulatorError(f"option {name!r}: {value!r} is not a known user/role/channel")


def _build_options(
    world: World,
    guild_id: int,
    registered: list[dict[str, Any]],
    given: Mapping[str, Any],
    resolved: dict[str, dict[str, Any]],
    focused: str | None,
    where: str,
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in registered}
    for key in given:
        if key not in by_name:
            raise EmulatorError(f"{where}: no option {key!r}; registered: {sorted(by_name)}")
    if focused is not None and focused not in given:
        raise EmulatorError(f"{where}: focused option {focused!r} has no value")
    out: list[dict[str, Any]] = []
    for opt in registered:
        name = opt["name"]
        if name not in given:
            if opt.get("required") and focused is None:
                raise EmulatorError(f"{where}: required option {name!r} is missing")
            continue
        is_focused = name == focused
        if is_focused and not opt.get("autocomplete"):
            raise EmulatorError(f"{where}: option {name!r} has no autocomplete")
        value = _convert(world, guild_id, opt, given[name], resolved, is_focused)
        item: dict[str, Any] = {"name": name, "type": opt["type"], "value": value}
        if is_focused:
            item["focused"] = True
        out.append(item)
    return out


def command_data(
    world: World,
    guild_id: int,
    command: str,
    options: Mapping[str, Any] | None = None,
    focused: str | None = None,
) -> dict[str, Any]:
    """``data`` of an APPLICATION_COMMAND / AUTOCOMPLETE for ``"cmd [group] [sub]"``."""
    parts = command.split()
    if not parts:
        raise EmulatorError("empty command name")
    cmd = world.find_command(guild_id, parts[0])
    if cmd is None:
        known = sorted(c["name"] for c in world.commands(guild_id) + world.commands(None))
        raise EmulatorError(f"command {parts[0]!r} is not registered; registered: {known}")
    resolved: dict[str, dict[str, Any]] = {}
    registered: list[dict[str, Any]] = cmd.get("options") or []
    chain: list[dict[str, Any]] = []
    for part in parts[1:]:
        node = next(
            (o for o in registered if o["name"] == part and o["type"] in (1, 2)),
            None,
        )
        if node is None:
            raise EmulatorError(f"/{command}: no subcommand or group {part!r}")
        chain.append(node)
        registered = node.get("options") or []
    if any(o["type"] in (1, 2) for o in registered):
        subs = [o["name"] for o in registered]
        raise EmulatorError(f"/{command} needs a subcommand; one of {subs}")
    leaf = _build_options(world, guild_id, registered, options or {}, resolved, focused, command)
    nested: list[dict[str, Any]] = leaf
    for node in reversed(chain):
        nested = [{"name": node["name"], "type": node["type"], "options": nested}]
    data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
    if cmd.get("guild_id"):
        data["guild_id"] = cmd["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    """The component with ``custom_id`` anywhere in a component tree."""
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        for key in ("components",):
            found = find_component(comp.get(key) or [], custom_id)
            if found is not None:
                return found
        for key in ("component", "accessory"):
            if isinstance(comp.get(key), dict):
                found = find_component([comp[key]], custom_id)
                if found is not None:
                    return found
    return None


def modal_submit_components(
    modal: dict[str, Any] | None, values: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Submitted components mirroring the modal's layout (action rows or labels)."""
    if modal is None:
        return [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
    known: set[str] = set()
    out: list[dict[str, Any]] = []
    for comp in modal.get("components") or []:
        if comp.get("type") == 1:
            inner = [
                {
                    "type": c.get("type", 4),
                    "custom_id": c["custom_id"],
                    "value": values[c["custom_id"]],
                }
                for c in comp.get("components") or []
                if c.get("custom_id") in values
            ]
            known |= {c["custom_id"] for c in comp.get("components") or [] if "custom_id" in c}
            if inner:
                out.append({"type": 1, "components": inner})
        elif comp.get("type") == 18 and isinstance(comp.get("component"), dict):
            child = comp["component"]
            known.add(child.get("custom_id", ""))
            if child.get("custom_id") in values:
                cid = child["custom_id"]
                out.append(
                    {"type": 18, "component": {"type": 4, "custom_id": cid, "value": values[cid]}}
                )
    unknown = set(values) - known
    if unknown:
        raise EmulatorError(f"modal {modal.get('custom_id')!r} has no inputs {sorted(unknown)}")
    return out
