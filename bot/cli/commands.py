"""The coroutines behind each ``debate-bot`` subcommand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app import App
from bot.config import Settings, load_settings
from bot.domain.errors import DatabaseUnavailable, Refusal
from bot.storage import migrate
from bot.storage.database import Database


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


async def run(args: argparse.Namespace) -> int:
    """Run the Discord bot until SIGINT/SIGTERM."""
    from bot.adapter.runner import run_bot

    return await run_bot(_settings(args), shard_count=args.shard_count, shard_ids=args.shard_ids)


async def sync(args: argparse.Namespace) -> int:
    """Log in, push the command tree to Discord, and exit."""
    from bot.adapter.runner import force_sync

    return await force_sync(_settings(args))


async def demo(args: argparse.Namespace) -> int:
    """The offline demo: a scripted debate, printed as its thread reads."""
    from bot.demo.run import run_demo

    return await run_demo(_settings(args), keep=getattr(args, "keep", None))


async def db_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = Database(settings.database.url)
    try:
        if args.db_command == "upgrade":
            await migrate.upgrade(db, args.revision)
        else:
            await migrate.downgrade(db, args.revision)
        print(f"database at revision {await migrate.current_revision(db) or 'base'}")
    finally:
        await db.dispose()
    return 0


async def db_current(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = Database(settings.database.url)
    try:
        current = await migrate.current_revision(db)
    finally:
        await db.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind head {head}: run debate-bot db upgrade"
    print(f"{current or 'base'} ({state})")
    return 0


async def check_config(args: argparse.Namespace) -> int:
    """Validate a file and print what was found; errors exit 2 through ``main``."""
    settings = load_settings(args.config)
    print(f"{args.config}: OK")
    print(f"  database.url: {_redact(settings.database.url)}")
    guilds = ", ".join(map(str, settings.discord.guilds)) or "(none: commands sync globally)"
    print(f"  discord.guilds: {guilds}")
    roles = ", ".join(map(str, settings.moderation.moderator_roles)) or "(none)"
    print(f"  moderation.moderator_roles: {roles}")
    d = settings.debates
    print(
        f"  debates: format={d.default_format} threads={d.use_threads} "
        f"max_length={d.max_argument_length} cooldown={d.argument_cooldown_seconds}s "
        f"results={d.results} min_member_age={d.min_member_age_minutes}min"
    )
    print(f"  summaries.backend: {settings.summaries.backend}")
    return 0


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def check_prompts(args: argparse.Namespace) -> int:
    from bot.summaries.check import check_prompts_command

    return await check_prompts_command(_settings(args))


async def motions_list(args: argparse.Namespace) -> int:
    app = await App.create(_settings(args))
    try:
        for motion in await app.services.motions.available(args.guild):
            where = f"essay para {motion.paragraphs}" if motion.builtin else "guild"
            print(f"{motion.id:>3}  {motion.text}  [{where}]")
    finally:
        await app.close()
    return 0


async def settings_show(args: argparse.Namespace) -> int:
    """Every key a server may set, its value there and where the value comes from."""
    app = await App.create(_settings(args))
    try:
        entries = await app.services.guild_settings.show(None, args.guild)
    finally:
        await app.close()
    width = max(len(e.key) for e in entries)
    for entry in entries:
        source = "server" if entry.source == "server" else "default"
        print(f"{entry.key:<{width}}  {_plain(entry.value)}  [{source}]")
    return 0


async def settings_set(args: argparse.Namespace) -> int:
    """Set one of a server's settings, checked by the same rules as the YAML and audited."""
    return await _settings_change(args, args.value)


async def settings_reset(args: argparse.Namespace) -> int:
    """Drop a server's value of one key: the configuration file's applies again."""
    return await _settings_change(args, None)


async def _settings_change(args: argparse.Namespace, value: str | None) -> int:
    app = await App.create(_settings(args))
    try:
        store = app.services.guild_settings
        if value is None:
            change = await store.reset(None, args.guild, args.key)
        else:
            change = await store.change(None, args.guild, args.key, value)
    except DatabaseUnavailable:
        raise  # the operator's line and status come from main
    except Refusal as refusal:
        print(f"error: {refusal.message}", file=sys.stderr)
        return 2
    finally:
        await app.close()
    print(f"guild {args.guild}: {change.key} = {_plain(change.value)} ({change.source})")
    print("Running bots pick the change up within a few seconds.")
    return 0


def _plain(value: object) -> str:
    """A value as the YAML file would hold it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


async def export(args: argparse.Namespace) -> int:
    from bot.exports.cli import export_command

    settings = _settings(args)
    if getattr(args, "database", None):
        settings = with_database(settings, args.database)
    return await export_command(settings, args)


def with_database(settings: Settings, path_or_url: str) -> Settings:
    """``settings`` reading another database: a URL as given, or a SQLite file's path."""
    from pydantic import ValidationError

    from bot.config import DatabaseConfig
    from bot.failures import UsageError

    url = path_or_url
    if "://" not in url:
        url = f"sqlite+aiosqlite:///{Path(path_or_url).resolve()}"
    try:
        database = DatabaseConfig.model_validate({**settings.database.model_dump(), "url": url})
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise UsageError(f"--database {path_or_url}: {reason}") from None
    return settings.model_copy(update={"database": database})


async def essay_import(args: argparse.Namespace) -> int:
    """Validate an essay file and load it; problems are printed with their line numbers."""
    import asyncio
    import sys
    from pathlib import Path

    from bot.domain.essays import EssayFileError, parse_essay_file

    path = Path(args.file)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        spec = parse_essay_file(text, str(path))
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except EssayFileError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    app = await App.create(_settings(args))
    try:
        essay, created = await app.services.essays.import_spec(spec, args.guild)
    finally:
        await app.close()
    scope = f"guild {args.guild}" if args.guild else "every guild"
    verb = "imported" if created else "updated"
    print(
        f"{verb} essay {essay.id} ({essay.key}): {essay.title!r}, "
        f"{essay.propositions} propositions, for {scope}"
    )
    return 0


async def essay_list(args: argparse.Namespace) -> int:
    app = await App.create(_settings(args))
    try:
        for essay in await app.services.essays.available(args.guild):
            scope = (
                "built in"
                if essay.builtin
                else (f"guild {essay.guild_id}" if essay.guild_id else "every guild")
            )
            print(f"{essay.id:>3}  {essay.key}  {essay.title}  [{scope}]")
            for proposition in await app.services.essays.propositions(args.guild, str(essay.id)):
                where = proposition.motion.paragraphs or "?"
                print(f"       {proposition.number:>3}. {proposition.motion.text}  [para {where}]")
    finally:
        await app.close()
    return 0


async def series_export(args: argparse.Namespace) -> int:
    """Write the annotated essay of a series; an unknown series exits 2."""
    import asyncio
    import sys
    from pathlib import Path

    app = await App.create(_settings(args))
    try:
        exported = await app.services.annotated.render(None, args.series, args.fmt)
    except DatabaseUnavailable:
        raise  # the operator's line and status come from main
    except Refusal as refusal:
        print(f"error: {refusal.message}", file=sys.stderr)
        return 2
    finally:
        await app.close()
    if args.out:
        await asyncio.to_thread(Path(args.out).write_bytes, exported.data)
        print(f"wrote {args.out} ({len(exported.data):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(exported.data)
        sys.stdout.flush()
    return 0
