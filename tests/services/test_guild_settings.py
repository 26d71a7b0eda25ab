"""Server settings in the service layer, on SQLite and PostgreSQL: values stay in their
server, are checked by the configuration's rules, are audited, and reach another App on the
same database with one query."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import config_keys
from bot.app import App
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain import errors
from bot.services.views import Actor
from bot.storage.models import AuditEvent, GuildSettings
from tests.conftest import GUILD, OTHER_GUILD, make_settings
from tests.services.helpers import snapshot

ADMIN = 42


def admin(guild_id: int = GUILD) -> Actor:
    return Actor(guild_id=guild_id, user_id=ADMIN, is_admin=True)


async def test_a_value_applies_in_its_server_only(app: App) -> None:
    store = app.services.guild_settings
    change = await store.change(admin(), GUILD, "debates.max_argument_length", "300")
    assert (change.before, change.after, change.source) == ("1500", "300", "server")
    assert app.settings_for(GUILD).debates.max_argument_length == 300
    assert app.settings_for(OTHER_GUILD).debates.max_argument_length == 1500
    assert app.settings_for(OTHER_GUILD) is app.settings, "no copy for a server without values"
    await store.change(admin(), GUILD, "formats.oxford.floor.minutes", "12")
    assert app.settings_for(GUILD).phase_minutes("oxford", "floor", 45) == 12
    assert app.settings_for(OTHER_GUILD).phase_minutes("oxford", "floor", 45) == 45
    reset = await store.reset(admin(), GUILD, "debates.max_argument_length")
    assert (reset.after, reset.source) == ("1500", "default")
    assert app.settings_for(GUILD).debates.max_argument_length == 1500
    assert app.settings_for(GUILD).phase_minutes("oxford", "floor", 45) == 12


async def test_refusals_change_nothing(app: App) -> None:
    store = app.services.guild_settings
    before = await snapshot(app)
    with pytest.raises(errors.NotAdmin):
        await store.change(Actor(GUILD, 7, is_moderator=True), GUILD, "debates.results", "live")
    with pytest.raises(errors.InvalidSetting, match="must be between 20 and 3900"):
        await store.change(admin(), GUILD, "debates.max_argument_length", "19")
    with pytest.raises(errors.OperatorOnlySetting):
        await store.change(admin(), GUILD, "summaries.backend", "llm")
    with pytest.raises(errors.OperatorOnlySetting):
        await store.change(admin(), GUILD, "database.url", "sqlite://")
    with pytest.raises(errors.UnknownSetting):
        await store.change(admin(), GUILD, "debates.colour", "red")
    assert await snapshot(app) == before


async def test_every_change_is_audited_in_its_server(app: App) -> None:
    store = app.services.guild_settings
    await store.change(admin(), GUILD, "debates.results", "live")
    await store.change(None, GUILD, "debates.use_threads", "no")
    await store.reset(admin(), GUILD, "debates.results")
    async with app.db.read() as session:
        rows = (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [(r.guild_id, r.action, r.actor_id, r.detail) for r in rows] == [
        (GUILD, "setting_changed", ADMIN, "debates.results: after_close -> live"),
        (GUILD, "setting_changed", None, "debates.use_threads: true -> false (by the operator)"),
        (GUILD, "setting_reset", ADMIN, "debates.results: live -> after_close"),
    ]


async def test_a_change_reaches_another_app_on_the_same_database(
    app: App, database_url: str, clock: ManualClock
) -> None:
    other = await App.create(make_settings(database_url), clock=clock, upgrade=False)
    try:
        await app.services.guild_settings.change(admin(), GUILD, "debates.results", "live")
        await app.services.guild_settings.change(admin(), OTHER_GUILD, "debates.results", "live")
        await app.services.guild_settings.reset(admin(), OTHER_GUILD, "debates.results")
        assert other.settings_for(GUILD).debates.results == "after_close"  # not yet looked
        assert await other.services.guild_settings.refresh() == 2
        assert other.settings_for(GUILD).debates.results == "live"
        assert other.settings_for(OTHER_GUILD).debates.results == "after_close"
        assert await other.services.guild_settings.refresh() == 0, "only what changed"
        async with app.db.read() as session:
            revisions = (await session.scalars(select(GuildSettings.revision))).all()
        assert sorted(revisions) == [1, 3]
    finally:
        await other.close()


def test_stored_values_the_rules_now_refuse_are_skipped() -> None:
    base = Settings()
    applied = config_keys.apply_leniently(
        base, {"debates.max_argument_length": 99999, "debates.results": "live"}
    )
    assert applied.debates.max_argument_length == 1500 and applied.debates.results == "live"


@pytest.mark.parametrize(
    ("key", "typed", "value"),
    [
        ("debates.channels", "<#12>, <#13>", [12, 13]),
        ("debates.channels", "none", []),
        ("moderation.moderator_roles", "<@&5> Chairs, 6", [5, "Chairs", 6]),
        ("debates.announce_role", "<@&5>", 5),
        ("debates.announce_role", "none", None),
        ("debates.use_threads", "false", False),
        ("debates.rate_limit.per_seconds", "2.5", 2.5),
    ],
)
def test_typed_values_read_as_the_yaml_would(key: str, typed: str, value: object) -> None:
    assert config_keys.parse_value(config_keys.guild_key(key), typed) == value
