"""The settings a server may change with ``/settings``: their names (as in the YAML file), how a
typed value is read, and validation by the same pydantic models as the configuration file, so
the rules live in one place (:mod:`bot.config`).

A server's values are stored as a flat mapping of dotted keys to JSON values and laid over the
operator's configuration; :func:`apply` returns the merged, validated :class:`Settings`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from bot.config import PhaseTiming, Settings
from bot.domain import errors
from bot.domain.formats import builtin_formats

log = logging.getLogger("bot.config_keys")


class Kind(StrEnum):
    """How a value is typed in Discord and shown back."""

    PLAIN = "plain"
    ROLE = "role"
    ROLES = "roles"
    CHANNEL = "channel"
    CHANNELS = "channels"


@dataclass(frozen=True, slots=True)
class Key:
    """One setting a server may change."""

    name: str
    description: str
    kind: Kind = Kind.PLAIN


_STATIC: tuple[Key, ...] = (
    Key("moderation.moderator_roles", "Roles whose members moderate debates", Kind.ROLES),
    Key("moderation.log_channel", "Channel where every moderation event is posted", Kind.CHANNEL),
    Key("debates.channels", "Channels where /debate start works (none: anywhere)", Kind.CHANNELS),
    Key("debates.default_format", "Format when /debate start names none"),
    Key("debates.results", "When vote tallies show: after_close or live"),
    Key("debates.max_argument_length", "Longest argument, in characters"),
    Key("debates.argument_cooldown_seconds", "Seconds between two arguments of a member"),
    Key("debates.rate_limit.actions", "Commands and presses a member may make per window"),
    Key("debates.rate_limit.per_seconds", "The rate limit's window, in seconds"),
    Key("debates.min_member_age_minutes", "Minutes in the server before a member may argue"),
    Key("debates.use_threads", "Run each debate in its own thread"),
    Key("debates.thread_auto_archive_minutes", "Auto-archive of debate threads, in minutes"),
    Key("debates.announce_role", "Role mentioned once when a debate opens", Kind.ROLE),
    Key("summaries.enabled", "Post summaries at the end of phases"),
    Key("exports.pseudonymous_voters", "Show voters in exports as pseudonyms"),
    Key("exports.pseudonymous", "all: every member in exports as a pseudonym; none: off"),
    Key("exports.show_moderators", "Name moderators when exports.pseudonymous is all"),
)

#: Words that clear a value (``none`` for a role or channel, an empty list).
_NONE_WORDS = frozenset({"", "none", "null", "-", "off"})
_MENTION = re.compile(r"<(?:@&|#)(\d+)>")


@cache
def guild_keys() -> dict[str, Key]:
    """Every key a server may set, by name: the fixed ones and one per timed phase."""
    keys = {key.name: key for key in _STATIC}
    for fmt in builtin_formats().values():
        for phase in fmt.phases:
            if phase.minutes is not None:
                name = f"formats.{fmt.name}.{phase.name}.minutes"
                keys[name] = Key(name, f"{fmt.title}: {phase.title}, in minutes")
    return keys


def _operator_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        found.add(dotted)
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            found |= _operator_keys(info.annotation, f"{dotted}.")
    return found


def guild_key(name: str) -> Key:
    """The key ``name``, or a refusal: unknown, or only for the operator's file."""
    name = name.strip()
    key = guild_keys().get(name)
    if key is not None:
        return key
    if name in _operator_keys(Settings) or name.split(".")[0] in {"database", "discord"}:
        raise errors.OperatorOnlySetting(name)
    raise errors.UnknownSetting(name)


def parse_value(key: Key, text: str) -> Any:
    """What a member typed, as the value the YAML file would hold (mentions become ids)."""
    raw = text.strip()
    if key.kind in (Kind.ROLES, Kind.CHANNELS):
        if raw.casefold() in _NONE_WORDS:
            return []
        items: list[Any] = [int(found) for found in _MENTION.findall(raw)]
        rest = _MENTION.sub(",", raw)
        for part in rest.split(","):
            part = part.strip()
            if part:
                items.append(int(part) if part.isdigit() else part)
        return items
    if raw.casefold() in _NONE_WORDS and key.kind is not Kind.PLAIN:
        return None
    if key.kind in (Kind.ROLE, Kind.CHANNEL):
        found = _MENTION.fullmatch(raw)
        if found:
            return int(found.group(1))
        return int(raw) if raw.isdigit() else raw
    try:
        return yaml.safe_load(raw) if raw else None
    except yaml.YAMLError:
        return raw


def _field(name: str) -> FieldInfo:
    if name.startswith("formats."):
        return PhaseTiming.model_fields["minutes"]
    model: type[BaseModel] = Settings
    info: FieldInfo | None = None
    for part in name.split("."):
        info = model.model_fields[part]
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            model = info.annotation
    assert info is not None
    return info


def rule(name: str) -> str:
    """The rule a value of ``name`` must follow, in words (from the pydantic field)."""
    key = guild_keys()[name]
    if key.kind is Kind.ROLE:
        return "must be a role of this server (mention it or give its id), or none"
    if key.kind is Kind.CHANNEL:
        return "must be a text channel of this server (mention it as #name or give its id), or none"
    if key.kind is Kind.ROLES:
        return "must be roles (mentions, ids or names, separated by commas), or none"
    if key.kind is Kind.CHANNELS:
        return "must be text channels (mentions or ids, separated by commas), or none"
    if name == "debates.default_format":
        return f"must be one of the formats: {', '.join(sorted(builtin_formats()))}"
    info = _field(name)
    annotation = info.annotation
    if annotation is bool:
        return "must be true or false"
    if get_origin(annotation) is Literal:
        return "must be one of " + ", ".join(str(choice) for choice in get_args(annotation))
    bounds = {
        kind: getattr(item, kind)
        for item in info.metadata
        for kind in ("ge", "gt", "le", "lt")
        if hasattr(item, kind)
    }
    noun = "a whole number" if annotation is int else "a number"
    if "ge" in bounds and "le" in bounds:
        return f"must be between {bounds['ge']} and {bounds['le']}"
    if "gt" in bounds and "le" in bounds:
        return f"must be more than {bounds['gt']} and at most {bounds['le']}"
    if "ge" in bounds:
        return f"must be {noun} of at least {bounds['ge']}"
    if "gt" in bounds:
        return f"must be {noun} greater than {bounds['gt']}"
    return f"must be {noun}" if annotation in (int, float) else "has an unusable value"


def _nested(overrides: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in overrides.items():
        node = tree
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _key_of(location: tuple[int | str, ...], overrides: Mapping[str, Any]) -> str | None:
    dotted = ".".join(str(part) for part in location)
    for name in overrides:
        if dotted == name or dotted.startswith(name + ".") or name.startswith(dotted + "."):
            return name
    return None


def apply(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """``base`` with a server's values laid over it, validated by the configuration's models.

    A value that breaks a rule raises :class:`errors.InvalidSetting` naming the key and its
    rule (the first one, when several are wrong).
    """
    if not overrides:
        return base
    data = _merge(base.model_dump(mode="json"), _nested(overrides))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        for item in exc.errors():
            name = _key_of(tuple(item["loc"]), overrides)
            if name is not None:
                raise errors.InvalidSetting(name, rule(name)) from None
        raise errors.InvalidSetting(next(iter(overrides)), str(exc.errors()[0]["msg"])) from None


def apply_leniently(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """Like :func:`apply`, skipping (and logging) stored values the current rules refuse, so
    a stricter configuration never stops a server's other values from applying."""
    try:
        return apply(base, overrides)
    except errors.InvalidSetting:
        kept: dict[str, Any] = {}
        for name, value in overrides.items():
            try:
                apply(base, {**kept, name: value})
            except errors.InvalidSetting as refusal:
                log.warning("ignoring a stored server setting: %s", refusal.message)
                continue
            kept[name] = value
        return apply(base, kept)


def value_of(settings: Settings, name: str) -> Any:
    """The value of ``name`` in ``settings`` (for a phase, the format's own when not set)."""
    if name.startswith("formats."):
        _, fmt, phase, _ = name.split(".")
        default = builtin_formats()[fmt].phase(phase).minutes
        return settings.phase_minutes(fmt, phase, default)
    node: Any = settings
    for part in name.split("."):
        node = getattr(node, part)
    if isinstance(node, BaseModel):
        return node.model_dump(mode="json")
    return node


def canonical(settings: Settings, name: str) -> Any:
    """The JSON-ready value of ``name`` in validated ``settings`` (what is stored)."""
    value = value_of(settings, name)
    return list(value) if isinstance(value, list | tuple) else value


def display(name: str, value: Any) -> str:
    """A value as a member reads it: roles and channels as mentions, ``none`` when unset."""
    kind = guild_keys()[name].kind if name in guild_keys() else Kind.PLAIN
    if value is None or value == []:
        return "anywhere" if kind is Kind.CHANNELS else "none"
    if kind in (Kind.ROLE, Kind.ROLES):
        items = value if isinstance(value, list) else [value]
        return ", ".join(f"<@&{v}>" if isinstance(v, int) else str(v) for v in items)
    if kind in (Kind.CHANNEL, Kind.CHANNELS):
        items = value if isinstance(value, list) else [value]
        return ", ".join(f"<#{v}>" for v in items)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
