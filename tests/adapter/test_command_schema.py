"""The synced command payload: DESIGN section 5's names, Discord's published schema, and the
limits of ../shared/discord-notes.md checked directly."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapter.client import make_bot
from bot.adapter.cogs import add_cogs
from bot.adapter.sync import command_payload, payload_hash
from bot.app import App

OPENAPI = Path(__file__).resolve().parents[3] / "shared" / "discord-api" / "openapi.json"
NAME = re.compile(r"^[-_'\w]{1,32}$")

CONTRACT = {
    "debate": {
        "start": ["motion", "format"],
        "join": ["side"],
        "leave": [],
        "status": [],
        "next": [],
        "extend": ["minutes"],
        "end": [],
        "summary": [],
        "export": ["format", "include_removed"],
        "list": [],
        "leaderboard": ["scope", "series", "public"],
    },
    "propose": ["text"],
    "rebut": ["argument", "text"],
    "vote": ["stance"],
    "persuasive": ["argument"],
    "delta": ["argument", "explanation"],
    "motions": {"list": [], "add": ["text"], "remove": ["motion"]},
    "mod": {
        "remove": ["argument", "reason"],
        "restore": ["argument"],
        "warn": ["user", "reason"],
        "mute": ["user", "minutes", "reason"],
        "unmute": ["user"],
        "lock": [],
        "unlock": [],
        "log": [],
    },
    "series": {
        "start": ["propositions", "schedule", "format", "essay"],
        "status": ["series"],
        "end": ["series"],
        "export": ["format", "series"],
    },
    "settings": {"show": [], "set": ["key", "value"], "reset": ["key"]},
}


@pytest.fixture
async def payload(app: App) -> AsyncIterator[list[dict[str, Any]]]:
    bot = make_bot(app)
    await add_cogs(bot)
    yield command_payload(bot.tree)
    await bot.close()


def walk(options: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for option in options:
        yield option
        yield from walk(option.get("options") or [])


def test_names_follow_the_contract(payload: list[dict[str, Any]]) -> None:
    found: dict[str, Any] = {}
    for command in payload:
        subs = [o for o in command.get("options", []) if o["type"] == 1]
        if subs:
            found[command["name"]] = {
                s["name"]: [o["name"] for o in s.get("options", [])] for s in subs
            }
        else:
            found[command["name"]] = [o["name"] for o in command.get("options", [])]
    assert found == CONTRACT


def test_option_types_and_choices(payload: list[dict[str, Any]]) -> None:
    options = {
        (c["name"], s.get("name"), o["name"]): o
        for c in payload
        for s in ([x for x in c.get("options", []) if x["type"] == 1] or [c])
        for o in s.get("options", [])
        if o["type"] != 1
    }
    assert options[("debate", "start", "motion")]["type"] == 3
    assert options[("debate", "start", "motion")]["autocomplete"] is True
    assert [c["value"] for c in options[("debate", "start", "format")]["choices"]] == [
        "oxford",
        "open",
    ]
    assert [c["value"] for c in options[("debate", "join", "side")]["choices"]] == [
        "for",
        "against",
        "audience",
    ]
    assert [c["value"] for c in options[("vote", "vote", "stance")]["choices"]] == [
        "for",
        "against",
        "undecided",
    ]
    for key in (("rebut", "rebut", "argument"), ("persuasive", "persuasive", "argument")):
        assert options[key]["type"] == 4 and options[key]["autocomplete"] is True
    assert [c["value"] for c in options[("debate", "leaderboard", "scope")]["choices"]] == [
        "server",
        "series",
    ]
    assert options[("debate", "leaderboard", "series")]["autocomplete"] is True
    assert options[("debate", "leaderboard", "public")]["type"] == 5  # boolean
    assert options[("debate", "extend", "minutes")]["min_value"] == 1
    assert options[("mod", "mute", "minutes")]["min_value"] == 1
    assert options[("mod", "warn", "user")]["type"] == 6
    for key in (
        ("propose", "propose", "text"),
        ("mod", "remove", "reason"),
        ("delta", "delta", "explanation"),
    ):
        assert options[key]["type"] == 3 and options[key]["max_length"] >= 1


def test_limits_from_the_notes(payload: list[dict[str, Any]]) -> None:
    names = [c["name"] for c in payload]
    assert len(names) == len(set(names))
    for command in payload:
        assert NAME.match(command["name"]) and command["name"] == command["name"].lower()
        assert 1 <= len(command["description"]) <= 100
        size = 0
        for option in walk(command.get("options") or []):
            assert NAME.match(option["name"]) and option["name"] == option["name"].lower()
            assert 1 <= len(option["description"]) <= 100, option
            assert len(option.get("options") or []) <= 25
            assert len(option.get("choices") or []) <= 25
            size += len(option["name"]) + len(option["description"])
            size += sum(len(c["name"]) + len(str(c["value"])) for c in option.get("choices") or [])
            flags = [o.get("required", False) for o in option.get("options") or [] if o["type"] > 2]
            assert flags == sorted(flags, reverse=True), "required options come first"
        assert size + len(command["name"]) + len(command["description"]) <= 8000
        assert command.get("contexts") == [0], "guild-only"
    mod = next(c for c in payload if c["name"] == "mod")
    assert int(mod["default_member_permissions"]) == 1 << 13  # Manage Messages
    settings = next(c for c in payload if c["name"] == "settings")
    assert int(settings["default_member_permissions"]) == 1 << 5  # Manage Server


def test_payload_passes_discords_published_schema(payload: list[dict[str, Any]]) -> None:
    if not OPENAPI.exists():
        pytest.skip(f"{OPENAPI} is absent")
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = json.loads(OPENAPI.read_text())
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:discord", resource)
    schema = {"$ref": "urn:discord#/components/schemas/ApplicationCommandUpdateRequest"}
    validator = Draft202012Validator(schema, registry=registry)
    for command in payload:
        body = dict(command)
        # The schema types this bit field as an integer; Discord also accepts a string.
        if isinstance(body.get("default_member_permissions"), str):
            body["default_member_permissions"] = int(body["default_member_permissions"])
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"/{command['name']}: {errors[0].message}"
    broken = dict(payload[0], description="x" * 101)
    assert list(validator.iter_errors(broken)), "the schema check must be able to fail"


def test_hash_changes_with_the_payload(payload: list[dict[str, Any]]) -> None:
    assert payload_hash(payload) == payload_hash(json.loads(json.dumps(payload)))
    changed = json.loads(json.dumps(payload))
    changed[0]["description"] += "!"
    assert payload_hash(changed) != payload_hash(payload)
