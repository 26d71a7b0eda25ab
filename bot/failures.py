"""What operators see when the bot cannot start or a command cannot run: one line, one status.

Each failure carries the process exit status documented in the README ("When things fail"),
so a supervisor or a script can tell a bad configuration from a database that is down.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_DATABASE_UNREACHABLE = 3
EXIT_DATABASE_NOT_MIGRATED = 4
EXIT_DISCORD_AUTH = 5
EXIT_DISCORD_UNREACHABLE = 6
EXIT_DISCORD_FORBIDDEN = 7


class OperatorError(Exception):
    """A failure the operator can act on; ``message`` is the one line they are shown."""

    exit_status = EXIT_UNEXPECTED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(OperatorError):
    """Bad command-line usage or a configuration that cannot work."""

    exit_status = EXIT_USAGE


class DatabaseUnreachable(OperatorError):
    """The database does not answer, refuses the login, or cannot be opened."""

    exit_status = EXIT_DATABASE_UNREACHABLE


class DatabaseNotMigrated(OperatorError):
    """The database has no schema, or an older one than this version of the bot needs."""

    exit_status = EXIT_DATABASE_NOT_MIGRATED


class DiscordAuthFailed(OperatorError):
    """Discord rejected the token."""

    exit_status = EXIT_DISCORD_AUTH


class DiscordUnreachable(OperatorError):
    """Discord could not be reached at start-up, after every retry."""

    exit_status = EXIT_DISCORD_UNREACHABLE


class DiscordForbidden(OperatorError):
    """Discord accepted the token but refused the bot an action it needs to start (403)."""

    exit_status = EXIT_DISCORD_FORBIDDEN
