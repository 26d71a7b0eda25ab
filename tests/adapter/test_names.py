"""Names as Discord sends them in interactions reach the exports: server nickname, else
global name, else username; the server, channel and thread names."""

from __future__ import annotations

import json

from bot.domain.enums import Side
from bot.services.views import Actor
from tests.adapter.conftest import Harness

DEFERRED = 2.0


async def test_export_names_members_server_channel_and_thread(harness: Harness) -> None:
    w, emu = harness.world, harness.emu
    nicked = emu.add_member(w.guild, "nina_u", nick="Nina on this server", global_name="Nina G")
    global_only = emu.add_member(w.guild, "gus_u", global_name="Gus Everywhere")
    plain = emu.add_member(w.guild, "paul_u")
    thread, _ = await harness.start_debate(fmt="open")
    for user in (nicked.id, global_only.id):
        await harness.slash(user, "debate join", {"side": "for"}, channel=thread)
    await harness.slash(plain.id, "debate join", {"side": "against"}, channel=thread)
    await harness.slash(nicked.id, "propose", {"text": "Names matter."}, channel=thread)
    never_seen = w.debaters_against[0]  # joins through the services: never met by the bot
    await harness.app.services.debates.join(Actor(w.guild, never_seen), thread, Side.AGAINST)

    exported = await harness.slash(
        w.moderator, "debate export", {"format": "json"}, channel=thread, settle=DEFERRED
    )
    document = json.loads(exported.files[0][1])
    names = {p["user"]: p["name"] for p in document["participants"]}
    assert names == {
        str(nicked.id): "Nina on this server",
        str(global_only.id): "Gus Everywhere",
        str(plain.id): "paul_u",
        str(never_seen): None,
    }
    people = {p["id"]: p["username"] for p in document["people"]}
    assert people[str(nicked.id)] == "nina_u"
    assert document["debate"]["created_by_name"] == w.names[w.moderator]
    thread_name = next(t["name"] for t in emu.threads(w.channel) if int(t["id"]) == thread)
    debate = document["debate"]
    assert (debate["guild_name"], debate["channel_name"], debate["thread_name"]) == (
        "Essay Club",
        "debates",
        thread_name,
    )
    assert emu.violations == []
