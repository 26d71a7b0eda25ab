"""Discord's hard limits, as validators returning a list of problems (empty when valid).

Each problem is ``(path, message)`` where ``path`` is a dotted form-field path such as
``embeds.0.title``; :func:`error_body` turns problems into Discord's 50035 error body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Problem = tuple[str, str]

MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
ATTACHMENTS_PER_MESSAGE = 10
DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
REQUEST_SIZE_LIMIT = 25 * 1024 * 1024
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
TEXT_INPUT_VALUE = 4000
TEXT_INPUT_LABEL = 45
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION = 100
OPTIONS_PER_COMMAND = 25
CHOICES_PER_OPTION = 25
COMMAND_TOTAL = 8000
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
THREAD_NAME = 100
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)

_SUBCOMMAND = 1
_GROUP = 2


def _too_long(path: str, value: object, limit: int, what: str = "") -> list[Problem]:
    if isinstance(value, str) and len(value) > limit:
        label = what or path
        return [(path, f"{label} must be {limit} or fewer in length (got {len(value)}).")]
    return []


def check_content(content: object) -> list[Problem]:
    """Message content: a string of at most 2000 characters."""
    if content is None:
        return []
    if not isinstance(content, str):
        return [("content", "content must be a string.")]
    return _too_long("content", content, MESSAGE_CONTENT)


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters that count toward the 6000 total (title, description, fields, footer, author)."""
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    for field in embed.get("fields") or []:
        total += len(str(field.get("name") or "")) + len(str(field.get("value") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    return total


def check_embeds(embeds: object) -> list[Problem]:
    """Embed count, per-field lengths and the 6000-character total."""
    if embeds is None:
        return []
    if not isinstance(embeds, list):
        return [("embeds", "embeds must be a list.")]
    problems: list[Problem] = []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        problems.append(("embeds", f"at most {EMBEDS_PER_MESSAGE} embeds (got {len(embeds)})."))
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        problems += _too_long(f"{p}.title", embed.get("title"), EMBED_TITLE)
        problems += _too_long(f"{p}.description", embed.get("description"), EMBED_DESCRIPTION)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            problems.append((f"{p}.fields", f"at most {EMBED_FIELDS} fields (got {len(fields)})."))
        for j, field in enumerate(fields):
            name, value = field.get("name"), field.get("value")
            if not name or not value:
                problems.append((f"{p}.fields.{j}", "field name and value must be non-empty."))
            problems += _too_long(f"{p}.fields.{j}.name", name, EMBED_FIELD_NAME)
            problems += _too_long(f"{p}.fields.{j}.value", value, EMBED_FIELD_VALUE)
        problems += _too_long(
            f"{p}.footer.text", (embed.get("footer") or {}).get("text"), EMBED_FOOTER
        )
        problems += _too_long(
            f"{p}.author.name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR
        )
        total += embed_length(embed)
    if total > EMBED_TOTAL:
        problems.append(("embeds", f"embeds total must be {EMBED_TOTAL} or fewer (got {total})."))
    return problems


def _walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for comp in components:
        yield comp
        yield from _walk_components(comp.get("components") or [])
        if isinstance(comp.get("component"), Mapping):
            yield from _walk_components([comp["component"]])
        if isinstance(comp.get("accessory"), Mapping):
            yield from _walk_components([comp["accessory"]])


def check_components(components: object) -> list[Problem]:
    """Action rows (at most 5, at most 5 buttons or 1 select each), custom ids, labels."""
    if components is None:
        return []
    if not isinstance(components, list):
        return [("components", "components must be a list.")]
    problems: list[Problem] = []
    rows = [c for c in components if c.get("type") == 1]
    if len(rows) > ACTION_ROWS:
        problems.append(("components", f"at most {ACTION_ROWS} action rows (got {len(rows)})."))
    for i, row in enumerate(components):
        if row.get("type") != 1:
            continue
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(buttons) > BUTTONS_PER_ROW:
            problems.append((f"components.{i}", f"at most {BUTTONS_PER_ROW} buttons per row."))
        if selects and len(children) > 1:
            problems.append((f"components.{i}", "a select menu must be alone in its row."))
        if not children:
            problems.append((f"components.{i}", "an action row needs at least one component."))
    seen: set[str] = set()
    for comp in _walk_components(components):
        cid = comp.get("custom_id")
        if cid is not None:
            if not isinstance(cid, str) or not 1 <= len(cid) <= CUSTOM_ID:
                problems.append(("components", f"custom_id must be 1-{CUSTOM_ID} chars: {cid!r}."))
            elif cid in seen:
                problems.append(("components", f"custom_id {cid!r} is not unique."))
            seen.add(str(cid))
        if comp.get("type") == 2:
            problems += _too_long("components.label", comp.get("label"), BUTTON_LABEL, "label")
            if comp.get("style") != 5 and comp.get("style") != 6 and cid is None:
                problems.append(("components", "a non-link button needs a custom_id."))
    return problems


def check_attachments(
    files: Sequence[tuple[str, int]], attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT
) -> list[Problem]:
    """At most 10 files, each within ``attachment_size_limit`` bytes; ``files`` is (name, size)."""
    problems: list[Problem] = []
    if len(files) > ATTACHMENTS_PER_MESSAGE:
        problems.append(("attachments", f"at most {ATTACHMENTS_PER_MESSAGE} attachments."))
    for i, (name, size) in enumerate(files):
        if size > attachment_size_limit:
            problems.append(
                (f"files.{i}", f"{name} is {size} bytes, over the {attachment_size_limit} limit.")
            )
    return problems


def check_allowed_mentions(allowed: object) -> list[Problem]:
    """``parse`` must not be combined with explicit ``users``/``roles`` lists of the same type."""
    if not isinstance(allowed, Mapping):
        return []
    problems: list[Problem] = []
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            problems.append(("allowed_mentions", f"parse {kind!r} conflicts with a {kind} list."))
    return problems


def check_message(
    payload: Mapping[str, Any],
    files: Sequence[tuple[str, int]] = (),
    attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT,
) -> list[Problem]:
    """Everything about a message create/edit body."""
    problems = check_content(payload.get("content"))
    problems += check_embeds(payload.get("embeds"))
    problems += check_components(payload.get("components"))
    problems += check_attachments(files, attachment_size_limit)
    problems += check_allowed_mentions(payload.get("allowed_mentions"))
    return problems


def check_modal(modal: Mapping[str, Any]) -> list[Problem]:
    """Modal title, custom id and 1-5 components."""
    problems = _too_long("title", modal.get("title"), MODAL_TITLE)
    if not modal.get("title"):
        problems.append(("title", "a modal needs a title."))
    cid = modal.get("custom_id")
    if not isinstance(cid, str) or not 1 <= len(cid) <= CUSTOM_ID:
        problems.append(("custom_id", f"custom_id must be 1-{CUSTOM_ID} chars."))
    comps = modal.get("components") or []
    if not 1 <= len(comps) <= MODAL_COMPONENTS:
        problems.append(("components", f"a modal needs 1-{MODAL_COMPONENTS} components."))
    for comp in _walk_components(comps):
        if comp.get("type") == 4:
            problems += _too_long("components.value", comp.get("value"), TEXT_INPUT_VALUE, "value")
            problems += _too_long("components.label", comp.get("label"), TEXT_INPUT_LABEL, "label")
            max_len = comp.get("max_length")
            if isinstance(max_len, int) and max_len > TEXT_INPUT_VALUE:
                problems.append(("components.max_length", f"max_length over {TEXT_INPUT_VALUE}."))
    return problems


def check_text_input_value(value: str) -> list[Problem]:
    """A submitted text input value is at most 4000 characters."""
    return _too_long("value", value, TEXT_INPUT_VALUE)


def check_thread_name(name: object) -> list[Problem]:
    """Thread names are 1-100 characters."""
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME:
        return [("name", f"thread name must be 1-{THREAD_NAME} characters.")]
    return []


def check_auto_archive(duration: object) -> list[Problem]:
    """Thread auto-archive duration is one of 60, 1440, 4320, 10080 minutes."""
    if duration is None or duration in THREAD_ARCHIVE_DURATIONS:
        return []
    return [("auto_archive_duration", f"must be one of {THREAD_ARCHIVE_DURATIONS}.")]


def check_autocomplete_choices(choices: object) -> list[Problem]:
    """At most 25 autocomplete results, names 1-100 characters."""
    if not isinstance(choices, list):
        return [("choices", "choices must be a list.")]
    problems: list[Problem] = []
    if len(choices) > AUTOCOMPLETE_CHOICES:
        problems.append(
            ("choices", f"at most {AUTOCOMPLETE_CHOICES} choices (got {len(choices)}).")
        )
    for i, ch in enumerate(choices):
        name = ch.get("name") if isinstance(ch, Mapping) else None
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME:
            problems.append((f"choices.{i}.name", f"choice name must be 1-{CHOICE_NAME} chars."))
    return problems


def _command_size(cmd: Mapping[str, Any]) -> int:
    size = len(str(cmd.get("name") or "")) + len(str(cmd.get("description") or ""))
    for choice in cmd.get("choices") or []:
        size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    for opt in cmd.get("options") or []:
        size += _command_size(opt)
    return size


def _check_name_desc(path: str, item: Mapping[str, Any], slash: bool) -> list[Problem]:
    problems: list[Problem] = []
    name = item.get("name")
    if slash:
        if not isinstance(name, str) or not COMMAND_NAME_RE.match(name) or name != name.lower():
            problems.append((f"{path}.name", f"invalid name {name!r}: lowercase, 1-32 chars."))
        desc = item.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= COMMAND_DESCRIPTION:
            problems.append((f"{path}.description", "description must be 1-100 characters."))
    elif not isinstance(name, str) or not 1 <= len(name) <= 32:
        problems.append((f"{path}.name", "context menu name must be 1-32 characters."))
    return problems


def _check_options(path: str, options: Sequence[Mapping[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    if len(options) > OPTIONS_PER_COMMAND:
        problems.append((path, f"at most {OPTIONS_PER_COMMAND} options (got {len(options)})."))
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        problems.append((path, "option names must be unique."))
    seen_optional = False
    for i, opt in enumerate(options):
        p = f"{path}.{i}"
        problems += _check_name_desc(p, opt, slash=True)
        otype = opt.get("type")
        if otype in (_SUBCOMMAND, _GROUP):
            problems += _check_options(f"{p}.options", opt.get("options") or [])
            continue
        if opt.get("required"):
            if seen_optional:
                problems.append((p, "required options must come before optional ones."))
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > CHOICES_PER_OPTION:
            problems.append((f"{p}.choices", f"at most {CHOICES_PER_OPTION} choices."))
        if choices and opt.get("autocomplete"):
            problems.append((p, "autocomplete cannot be combined with choices."))
        for j, ch in enumerate(choices):
            cname = ch.get("name")
            if not isinstance(cname, str) or not 1 <= len(cname) <= CHOICE_NAME:
                problems.append((f"{p}.choices.{j}.name", "choice name must be 1-100 chars."))
            if isinstance(ch.get("value"), str) and len(ch["value"]) > CHOICE_NAME:
                problems.append((f"{p}.choices.{j}.value", "choice value must be <= 100 chars."))
    return problems


def check_command(cmd: Mapping[str, Any], path: str = "0") -> list[Problem]:
    """One application command: names, descriptions, options, choices, total size."""
    ctype = cmd.get("type", 1)
    slash = ctype == 1
    problems = _check_name_desc(path, cmd, slash=slash)
    if slash:
        problems += _check_options(f"{path}.options", cmd.get("options") or [])
        size = _command_size(cmd)
        if size > COMMAND_TOTAL:
            problems.append((path, f"command is {size} characters, over {COMMAND_TOTAL}."))
    return problems


def check_commands(cmds: object) -> list[Problem]:
    """A bulk overwrite body: a list of commands with unique (name, type)."""
    if not isinstance(cmds, list):
        return [("_", "body must be a list of commands.")]
    problems: list[Problem] = []
    keys = [(c.get("name"), c.get("type", 1)) for c in cmds]
    if len(set(keys)) != len(keys):
        problems.append(("_", "command names must be unique per type."))
    for i, cmd in enumerate(cmds):
        problems += check_command(cmd, str(i))
    return problems


def error_body(problems: Sequence[Problem]) -> dict[str, Any]:
    """Discord's ``Invalid Form Body`` error (code 50035) with nested ``errors``."""
    errors: dict[str, Any] = {}
    for path, message in problems:
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_BAD", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
