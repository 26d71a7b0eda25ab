"""The JSON export against its JSON Schema; removed arguments; pseudonymous voters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import bot.exports
from bot.app import App
from bot.clock import ManualClock
from bot.domain.enums import Side, Stance
from bot.exports.pseudonyms import pseudonymizer
from tests.conftest import CHANNEL, GUILD, member, moderator
from tests.exports.conftest import (
    AUDIENCE,
    REMOVAL_REASON,
    REMOVED_NUMBER,
    Scripted,
    export_bytes,
)
from tests.exports.readers import csv_zip

SCHEMA = Path(bot.exports.__file__).parent / "schema" / "debate-export.schema.json"


def validate(document: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.Draft202012Validator(schema, format_checker=checker).validate(document)


@pytest.mark.parametrize(
    "options", [{}, {"include_removed": True}, {"pseudonymous": True}], ids=str
)
async def test_exports_validate_against_the_schema(
    app: App, clock: ManualClock, scripted: Scripted, options: dict[str, bool]
) -> None:
    validate(json.loads(await export_bytes(app, clock, scripted.debate_id, "json", **options)))


async def test_open_format_and_empty_debate_validate(app: App, clock: ManualClock) -> None:
    debate = await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="essay-2", format_name="open"
    )
    document = json.loads(await export_bytes(app, clock, debate.id, "json"))
    validate(document)
    assert document["arguments"] == [] and document["results"]["winner"] is None
    await app.services.debates.join(member(7), CHANNEL, Side.FOR)
    await app.services.votes.vote(member(7), CHANNEL, Stance.FOR)
    document = json.loads(await export_bytes(app, clock, debate.id, "json"))
    validate(document)
    assert [s["stage"] for s in document["results"]["stages"]] == ["open"]
    assert document["results"]["winner"] == "for"


async def test_removed_argument_in_json(app: App, clock: ManualClock, scripted: Scripted) -> None:
    document = json.loads(await export_bytes(app, clock, scripted.debate_id, "json"))
    removed = next(a for a in document["arguments"] if a["number"] == REMOVED_NUMBER)
    assert removed["status"] == "removed"
    assert removed["removed_reason"] == REMOVAL_REASON
    assert removed["body"] is None
    assert removed["removed_by"] == str(moderator().user_id)
    full = json.loads(
        await export_bytes(app, clock, scripted.debate_id, "json", include_removed=True)
    )
    assert next(a for a in full["arguments"] if a["number"] == REMOVED_NUMBER)["body"]
    assert full["options"]["include_removed"] is True


def _voters(document: dict[str, Any]) -> list[str]:
    sections = ("motion_votes", "persuasive_marks", "mind_changes")
    return [row["voter"] for name in sections for row in document[name]]


async def test_pseudonymous_voters(app: App, clock: ManualClock, scripted: Scripted) -> None:
    first = await export_bytes(app, clock, scripted.debate_id, "json", pseudonymous=True)
    assert first == await export_bytes(app, clock, scripted.debate_id, "json", pseudonymous=True)
    document = json.loads(first)
    voters = _voters(document)
    assert voters and all(v.startswith("voter-") and len(v) == 18 for v in voters)
    raw = {str(uid) for uid in scripted.voters}
    assert raw.isdisjoint(voters), "no vote record names a member"
    plain = json.loads(await export_bytes(app, clock, scripted.debate_id, "json"))
    mapping = dict(zip(_voters(plain), voters, strict=True))
    assert len(set(mapping.values())) == len(mapping), "one pseudonym per member"
    for fmt in ("markdown", "html", "json", "csv"):
        data = await export_bytes(app, clock, scripted.debate_id, fmt, pseudonymous=True)
        if fmt == "csv":
            data = json.dumps(csv_zip(data)).encode()
        for uid in AUDIENCE:
            assert str(uid).encode() not in data, f"audience member {uid} named in {fmt}"
        for pseudonym in set(voters):
            assert pseudonym.encode() in data


def test_pseudonyms_differ_between_debates() -> None:
    same = pseudonymizer(1, 1)
    assert same(42) == pseudonymizer(1, 1)(42)
    assert same(42) != pseudonymizer(1, 2)(42) != pseudonymizer(2, 1)(42)
    assert same(42) != same(43)


async def test_unanswered_points_are_the_summaries_and_never_a_closing(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    """The export and the summaries agree on what was never answered: a closing statement
    cannot be rebutted, so it is never listed, however many went unanswered."""
    document = json.loads(await export_bytes(app, clock, scripted.debate_id, "json"))
    closings = {a["number"] for a in document["arguments"] if a["kind"] == "closing"}
    assert closings, "the scripted debate has closing statements"
    listed = document["results"]["unanswered"]
    assert listed and not closings & set(listed)
    facts = await app.services.summaries.facts(GUILD, scripted.debate_id, kind="final")
    assert facts.unanswered.total == len(listed)
    assert sorted(listed) == sorted(a.number for a in facts.unanswered)
