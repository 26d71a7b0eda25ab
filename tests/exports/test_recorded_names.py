"""Names in exports: recorded as members use the bot, written with the group commits, kept
as the debate closed; machine formats carry them beside the ids; ``exports.pseudonymous:
all`` leaves none of them, nor any member id, in any format."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import ManualClock
from bot.config import ExportsConfig
from bot.domain.enums import Side
from bot.exports.model import FORMATS
from bot.services import members as members_module
from bot.storage.models import Member
from tests.conftest import CHANNEL, GUILD, MOD, member, moderator
from tests.exports.conftest import AGAINST_B, AUDIENCE, FOR_A, FOR_C, export_bytes, run_script
from tests.exports.readers import csv_zip
from tests.exports.test_json import validate

#: Display name and username of each member of the scripted debate (names no text contains).
NAMES = {
    MOD: ("Moana Quillfeather", "moana_qf"),
    FOR_A: ("Ada Thistlewood", "ada_tw"),
    AGAINST_B: ("Bram Oakenshaw", "bram_os"),
    FOR_C: ("Cleo Marchbanks", "cleo_mb"),
    AUDIENCE[0]: ("Dara Fennimore", "dara_fm"),
    AUDIENCE[1]: ("Eli Brackenridge", "eli_br"),
    AUDIENCE[2]: ("Eli Brackenridge", "eli_two"),  # the same display name as another member
}
GUILD_NAME, CHANNEL_NAME = "Essay Club Wexford", "great-debates-room"


def meet_everyone(app: App) -> None:
    for user_id, (display, username) in NAMES.items():
        app.services.members.seen(
            GUILD, user_id, display, username, [(GUILD, GUILD_NAME), (CHANNEL, CHANNEL_NAME)]
        )


async def exported(
    app: App, clock: ManualClock, debate_id: int, *, pseudonymous: bool = False
) -> dict[str, Any]:
    data = await export_bytes(app, clock, debate_id, "json", pseudonymous=pseudonymous)
    document: dict[str, Any] = json.loads(data)
    return document


async def stored_names(app: App) -> dict[int, str]:
    async with app.db.read() as session:
        rows = await session.execute(select(Member.user_id, Member.display_name))
        return {user: name for user, name in rows}


async def test_names_ride_along_with_the_next_group_commit(app: App, clock: ManualClock) -> None:
    await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="essay-1", format_name="open"
    )
    app.services.members.seen(GUILD, FOR_A, "Ada Thistlewood", "ada_tw")
    assert app.services.members.waiting == 1
    await app.services.debates.join(member(FOR_A), CHANNEL, Side.FOR)  # a group commit
    assert app.services.members.waiting == 0
    assert await stored_names(app) == {FOR_A: "Ada Thistlewood"}


async def test_a_member_is_looked_at_again_only_after_a_few_minutes(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = app.services.members
    names.seen(GUILD, FOR_A, "Ada", "ada")
    await names.flush()
    names.seen(GUILD, FOR_A, "Ada renamed", "ada")  # within the refresh interval: not looked at
    names.seen(GUILD, FOR_A, "Ada", "ada")
    assert names.waiting == 0
    monkeypatch.setattr(members_module, "REFRESH_SECONDS", 0.0)
    names.seen(GUILD, FOR_A, "Ada", "ada")  # looked at, unchanged: nothing to write
    assert names.waiting == 0
    names.seen(GUILD, FOR_A, "Ada renamed", "ada")
    assert names.waiting == 1
    await names.flush()
    assert await stored_names(app) == {FOR_A: "Ada renamed"}


async def test_export_names_everyone_as_the_debate_closed(
    app: App, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    meet_everyone(app)
    scripted = await run_script(app, clock)
    monkeypatch.setattr(members_module, "REFRESH_SECONDS", 0.0)
    app.services.members.seen(GUILD, FOR_A, "Ada After Close", "ada_tw", [(GUILD, "Renamed")])
    await app.services.members.flush()
    assert (await stored_names(app))[FOR_A] == "Ada After Close"

    document = await exported(app, clock, scripted.debate_id)
    validate(document)
    assert document["schema_version"] == 2
    people = {p["id"]: (p["display_name"], p["username"]) for p in document["people"]}
    assert people == {str(user): names for user, names in NAMES.items()}
    debate = document["debate"]
    assert (debate["guild_name"], debate["channel_name"], debate["thread_name"]) == (
        GUILD_NAME,
        CHANNEL_NAME,
        None,
    )
    assert debate["created_by"] == str(MOD) and debate["created_by_name"] == NAMES[MOD][0]
    authors = {(a["author"], a["author_name"]) for a in document["arguments"]}
    assert (str(FOR_A), "Ada Thistlewood") in authors
    removed = next(a for a in document["arguments"] if a["removed_by"])
    assert removed["removed_by_name"] == NAMES[MOD][0]
    voters = {(v["voter"], v["voter_name"]) for v in document["motion_votes"]}
    assert (str(AUDIENCE[2]), "Eli Brackenridge") in voters
    warned = next(e for e in document["audit_events"] if e["action"] == "member_warned")
    assert (warned["actor_name"], warned["target_user_name"]) == (NAMES[MOD][0], NAMES[FOR_C][0])


async def test_an_open_debate_shows_the_latest_names_and_ids_for_strangers(
    app: App, clock: ManualClock
) -> None:
    debate = await app.services.debates.start(
        moderator(), channel_id=CHANNEL, motion_ref="essay-1", format_name="open"
    )
    app.services.members.seen(GUILD, FOR_A, "Ada Thistlewood", "ada_tw", [(CHANNEL, "room")])
    await app.services.debates.join(member(FOR_A), CHANNEL, Side.FOR)
    await app.services.debates.join(member(AGAINST_B), CHANNEL, Side.AGAINST)  # never seen
    document = await exported(app, clock, debate.id)
    validate(document)
    names = {p["user"]: p["name"] for p in document["participants"]}
    assert names == {str(FOR_A): "Ada Thistlewood", str(AGAINST_B): None}
    assert document["debate"]["channel_name"] == "room"
    assert document["debate"]["guild_name"] is None


async def test_csv_has_names_beside_ids_and_a_people_file(app: App, clock: ManualClock) -> None:
    meet_everyone(app)
    scripted = await run_script(app, clock)
    files = csv_zip(await export_bytes(app, clock, scripted.debate_id, "csv"))
    people = {row["id"]: row["display_name"] for row in files["people.csv"]}
    assert people[str(FOR_C)] == "Cleo Marchbanks"
    argument = next(r for r in files["arguments.csv"] if r["author"] == str(AGAINST_B))
    assert argument["author_name"] == "Bram Oakenshaw"
    vote = next(r for r in files["votes.csv"] if r["voter"] == str(AUDIENCE[0]))
    assert vote["voter_name"] == "Dara Fennimore"


async def test_pseudonymous_voters_leave_voters_unnamed(app: App, clock: ManualClock) -> None:
    meet_everyone(app)
    scripted = await run_script(app, clock)
    document = await exported(app, clock, scripted.debate_id, pseudonymous=True)
    validate(document)
    people = {p["id"] for p in document["people"]}
    assert not people & {str(user) for user in AUDIENCE}
    assert str(FOR_A) in people  # debaters are named as authors anyway
    assert all(v["voter_name"] is None for v in document["motion_votes"])


def everything_in(data: bytes, fmt: str) -> str:
    """All the text of one export (every file of the CSV zip)."""
    if fmt != "csv":
        return data.decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


@pytest.mark.parametrize("show_moderators", [False, True], ids=["everyone", "moderators-shown"])
async def test_pseudonymous_all_leaves_no_name_and_no_id_in_any_format(
    app: App, clock: ManualClock, show_moderators: bool
) -> None:
    meet_everyone(app)
    scripted = await run_script(app, clock)
    exports = ExportsConfig(pseudonymous="all", show_moderators=show_moderators)
    hidden = {user: names for user, names in NAMES.items() if not (show_moderators and user == MOD)}
    for fmt in FORMATS:
        text = everything_in(
            await export_bytes(app, clock, scripted.debate_id, fmt, exports=exports), fmt
        )
        for user, (display, username) in hidden.items():
            for secret in (str(user), display, username):
                assert secret not in text, f"{secret!r} in the {fmt} export"
        assert "member-" in text
        if show_moderators and fmt != "argdown":  # the argument map names authors only
            assert NAMES[MOD][0] in text  # named; machine formats keep the id beside
            assert fmt in ("markdown", "html") or str(MOD) in text
    document = json.loads(
        await export_bytes(app, clock, scripted.debate_id, "json", exports=exports)
    )
    validate(document)
    assert document["options"]["pseudonymous"] == "all"
    authors = {a["author"] for a in document["arguments"]}
    assert all(a.startswith("member-") for a in authors) and len(authors) == 3
    # Stable: the same member is the same pseudonym as author and as voter.
    assert {v["voter"] for v in document["motion_votes"]} & authors
