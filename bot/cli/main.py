"""``debate-bot``: the command line (run, sync, demo, db, check-config, motions, export...).

Every failure an operator can act on is one line on standard error and a distinct exit
status (``bot.failures``): 2 bad usage or configuration, 3 database unreachable, 4 database
not migrated, 5 Discord rejected the token, 6 Discord unreachable, 7 Discord refused the bot
access (403); 1 is anything unexpected (its traceback only with DEBATE_BOT_TRACEBACK=1).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.config import ConfigError, load_settings
from bot.event_loop import loop_factory
from bot.exports.model import FORMATS as EXPORT_FORMATS
from bot.failures import EXIT_UNEXPECTED, EXIT_USAGE, OperatorError

Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

#: Set to 1 to see the traceback of an unexpected error (developers; operators need not).
TRACEBACK_ENV = "DEBATE_BOT_TRACEBACK"


def _add_config(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        required=required,
        help="YAML configuration file (see config.example.yaml); defaults apply without one",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each subcommand names the coroutine that runs it."""
    from bot.cli import commands

    parser = argparse.ArgumentParser(
        prog="debate-bot", description="Moderated, structured debates in Discord."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (token from DISCORD_TOKEN)")
    _add_config(run)
    run.add_argument("--shard-count", type=int, help="total number of shards")
    run.add_argument("--shard-ids", help="comma-separated shard ids this process runs")
    run.set_defaults(handler=commands.run, bot_loop=True)

    sync = sub.add_parser("sync", help="force a sync of the slash commands to Discord")
    _add_config(sync)
    sync.set_defaults(handler=commands.sync)

    demo = sub.add_parser("demo", help="offline: run a scripted debate and print the thread")
    _add_config(demo)
    demo.add_argument(
        "--keep",
        metavar="PATH",
        help="keep the demo's SQLite database at PATH (a new file) to export it afterwards",
    )
    demo.set_defaults(handler=commands.demo)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    for name, helptext, default in (
        ("upgrade", "apply migrations up to REVISION (default head)", "head"),
        ("downgrade", "revert migrations down to REVISION (default base)", "base"),
    ):
        action = db_sub.add_parser(name, help=helptext)
        _add_config(action)
        action.add_argument("revision", nargs="?", default=default)
        action.set_defaults(handler=commands.db_migrate)
    current = db_sub.add_parser("current", help="print the database's revision")
    _add_config(current)
    current.set_defaults(handler=commands.db_current)

    check = sub.add_parser("check-config", help="validate a configuration file")
    _add_config(check, required=True)
    check.set_defaults(handler=commands.check_config)

    prompts = sub.add_parser("check-prompts", help="load and test-render every template")
    _add_config(prompts)
    prompts.set_defaults(handler=commands.check_prompts)

    motions = sub.add_parser("motions", help="the motions debates can be about")
    motions_sub = motions.add_subparsers(dest="motions_command", required=True, metavar="ACTION")
    listing = motions_sub.add_parser("list", help="print the built-in (and a guild's) motions")
    _add_config(listing)
    listing.add_argument("--guild", type=int, help="also list this guild's own motions")
    listing.set_defaults(handler=commands.motions_list)

    essay = sub.add_parser("essay", help="essays whose propositions a series debates")
    essay_sub = essay.add_subparsers(dest="essay_command", required=True, metavar="ACTION")
    importing = essay_sub.add_parser("import", help="load an essay from a YAML file")
    _add_config(importing)
    importing.add_argument("file", metavar="FILE.yaml", help="the essay (see README: Essays)")
    importing.add_argument("--guild", type=int, help="only for this guild (default: every guild)")
    importing.set_defaults(handler=commands.essay_import)
    essays = essay_sub.add_parser("list", help="print the essays (and their propositions)")
    _add_config(essays)
    essays.add_argument("--guild", type=int, help="also list this guild's own essays")
    essays.set_defaults(handler=commands.essay_list)

    series = sub.add_parser("series", help="debate series")
    series_sub = series.add_subparsers(dest="series_command", required=True, metavar="ACTION")
    annotated = series_sub.add_parser("export", help="write a series' annotated essay")
    _add_config(annotated)
    annotated.add_argument("--series", type=int, required=True, help="the series' id")
    annotated.add_argument(
        "--format", required=True, choices=["markdown", "html", "json"], dest="fmt"
    )
    annotated.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    annotated.set_defaults(handler=commands.series_export)
    server = sub.add_parser("settings", help="a server's own settings (as /settings does)")
    server_sub = server.add_subparsers(dest="settings_command", required=True, metavar="ACTION")
    show = server_sub.add_parser("show", help="every setting of a server and where it comes from")
    _add_config(show)
    show.add_argument("--guild", type=int, required=True, help="the server's id")
    show.set_defaults(handler=commands.settings_show)
    change = server_sub.add_parser("set", help="set one of a server's settings")
    _add_config(change)
    change.add_argument("--guild", type=int, required=True, help="the server's id")
    change.add_argument("key", help="the setting, named as in the YAML (debates.results)")
    change.add_argument("value", help="the value, written as in the YAML; none clears")
    change.set_defaults(handler=commands.settings_set)
    reset = server_sub.add_parser("reset", help="drop a server's value: the YAML's applies")
    _add_config(reset)
    reset.add_argument("--guild", type=int, required=True, help="the server's id")
    reset.add_argument("key", help="the setting, named as in the YAML")
    reset.set_defaults(handler=commands.settings_reset)

    export = sub.add_parser("export", help="write a debate's transcript")
    _add_config(export)
    export.add_argument(
        "--database",
        metavar="PATH",
        help="read this SQLite file (or database URL) instead of the configuration's database",
    )
    export.add_argument("--debate", type=int, required=True, help="the debate's id")
    export.add_argument("--format", required=True, choices=list(EXPORT_FORMATS), dest="fmt")
    export.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    export.add_argument(
        "--include-removed",
        action="store_true",
        help="include the text of arguments removed by moderators (and, in the Argdown "
        "map, the removed arguments themselves)",
    )
    export.set_defaults(handler=commands.export)
    return parser


def _loop_factory(args: argparse.Namespace) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The bot's configured event loop for ``run``; asyncio's for the other commands."""
    if not getattr(args, "bot_loop", False):
        return None
    return loop_factory(load_settings(args.config).performance.event_loop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``debate-bot`` script and of ``python -m bot``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    handler: Handler = args.handler
    try:
        with asyncio.Runner(loop_factory=_loop_factory(args)) as runner:
            return runner.run(handler(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OperatorError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = _database_failure(exc, args)
        if failure is not None:
            print(f"error: {failure.message}", file=sys.stderr)
            return failure.exit_status
        return _unexpected(exc)


def _database_failure(exc: BaseException, args: argparse.Namespace) -> OperatorError | None:
    """The operator's line for a database that is down, refuses us or has no tables."""
    from bot.storage.availability import operator_error

    try:
        url = load_settings(getattr(args, "config", None)).database.url
    except ConfigError:
        return None
    return operator_error(exc, url)


def _unexpected(exc: BaseException) -> int:
    """One line with a reference; the traceback only when asked for."""
    reference = secrets.token_hex(4)
    if os.environ.get(TRACEBACK_ENV, "").strip() not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    print(
        f"error: unexpected {type(exc).__name__}: {_first_line(exc)} [ref {reference}] "
        f"(set {TRACEBACK_ENV}=1 to see where)",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "(no message)"
