"""Configuration: a YAML file validated by pydantic, plus the token from the environment.

An unknown key, a wrong type or a bad value is a :class:`ConfigError` naming the key and
the file; the command line turns it into exit status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

TOKEN_ENV = "DISCORD_TOKEN"


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscordConfig(_Section):
    """Where commands are synced, and (for the emulator only) where Discord lives."""

    guilds: list[int] = Field(default_factory=list)
    api_base_url: str | None = None
    gateway_url: str | None = None
    #: Tries to reach Discord at start-up before giving up (exit status 6).
    startup_attempts: Annotated[int, Field(ge=1, le=100)] = 6
    #: Wait before the second try; it doubles after each failed try, up to 60 s.
    startup_backoff_seconds: Annotated[float, Field(gt=0, le=60)] = 2.0


#: The SQLAlchemy drivers the bot is built and tested for.
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///debates.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            driver = make_url(value).drivername
        except ArgumentError:
            raise ValueError(
                "not a database URL; use sqlite+aiosqlite:///debates.db or "
                "postgresql+asyncpg://user:password@host:5432/debates"
            ) from None
        if driver not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"unsupported database driver {driver!r}; the bot supports "
                f"{SUPPORTED_DRIVERS[0]} and {SUPPORTED_DRIVERS[1]} only"
            )
        return value


class ModerationConfig(_Section):
    moderator_roles: list[int | str] = Field(default_factory=list)
    #: Roles (names or ids) whose members may change a server's settings with /settings,
    #: besides anyone with Manage Server.
    admin_roles: list[int | str] = Field(default_factory=list)
    #: A channel where every audit event of the server is posted as it happens (a server sets
    #: its own with /settings; an operator default makes little sense across servers).
    log_channel: Annotated[int, Field(gt=0)] | None = None


class RateLimitConfig(_Section):
    """Per-member limit on commands and button presses."""

    actions: Annotated[int, Field(ge=1)] = 8
    per_seconds: Annotated[float, Field(gt=0)] = 10.0


class DebatesConfig(_Section):
    use_threads: bool = True
    default_format: str = "oxford"
    max_argument_length: Annotated[int, Field(ge=20, le=3900)] = 1500
    argument_cooldown_seconds: Annotated[int, Field(ge=0)] = 30
    results: Literal["after_close", "live"] = "after_close"
    min_member_age_minutes: Annotated[int, Field(ge=0)] = 0
    thread_auto_archive_minutes: Literal[60, 1440, 4320, 10080] = 1440
    deadline_check_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    #: Channels where /debate start works; empty means anywhere.
    channels: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list)
    #: A role mentioned once when a debate opens (it must be mentionable).
    announce_role: Annotated[int, Field(gt=0)] | None = None

    @field_validator("default_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        from bot.domain.formats import builtin_formats

        if value not in builtin_formats():
            raise ValueError(f"unknown format {value!r}; known: {', '.join(builtin_formats())}")
        return value


class LlmConfig(_Section):
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.1"
    api_key_env: str | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 20.0
    max_tokens: Annotated[int, Field(ge=16, le=8192)] = 600


class SummariesConfig(_Section):
    enabled: bool = True
    backend: Literal["template", "llm"] = "template"
    prompts_dir: Path | None = None
    llm: LlmConfig = Field(default_factory=LlmConfig)


class ExportsConfig(_Section):
    pseudonymous_voters: bool = False
    #: ``all``: every member's name and id is a pseudonym in every format.
    pseudonymous: Literal["none", "all"] = "none"
    #: With ``pseudonymous: all``, moderators keep their names and ids.
    show_moderators: bool = False

    @field_validator("pseudonymous", mode="before")
    @classmethod
    def _off_is_none(cls, value: object) -> object:
        """YAML reads ``off`` and ``no`` as false, and an empty value as null: all mean none."""
        return "none" if value in (None, False, "off", "") else value


class PhaseTiming(_Section):
    """How long one phase of a format lasts, overriding the format's own default."""

    minutes: Annotated[int, Field(ge=1, le=43200)]


def _check_formats(value: dict[str, dict[str, PhaseTiming]]) -> dict[str, dict[str, PhaseTiming]]:
    from bot.domain.formats import builtin_formats

    known = builtin_formats()
    for name, phases in value.items():
        if name not in known:
            raise ValueError(f"unknown format {name!r}; known: {', '.join(known)}")
        timed = [p.name for p in known[name].phases if p.minutes is not None]
        for phase in phases:
            if phase not in timed:
                raise ValueError(
                    f"format {name} has no timed phase {phase!r}; its phases: {', '.join(timed)}"
                )
    return value


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class PerformanceConfig(_Section):
    """Process tuning for bursts (see ``bot.event_loop`` and ``bot.collector``)."""

    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    gc_young_threshold: Annotated[int, Field(ge=100, le=1_000_000)] = 50_000
    gc_freeze_after_ready: bool = True


class MetricsConfig(_Section):
    """The Prometheus scrape endpoint (``bot.metrics``); off unless ``listen`` is set."""

    listen: str | None = None

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        from bot.metrics.server import parse_listen

        if value is not None:
            parse_listen(value)
        return value


class Settings(_Section):
    """The whole validated configuration."""

    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    moderation: ModerationConfig = Field(default_factory=ModerationConfig)
    debates: DebatesConfig = Field(default_factory=DebatesConfig)
    summaries: SummariesConfig = Field(default_factory=SummariesConfig)
    exports: ExportsConfig = Field(default_factory=ExportsConfig)
    #: Phase durations per format and phase (``formats.oxford.floor.minutes``); a phase not
    #: listed keeps the duration of ``bot/domain/formats/<format>.yaml``.
    formats: dict[str, dict[str, PhaseTiming]] = Field(default_factory=dict)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    performance: PerformanceConfig = Field(default_factory=PerformanceConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)

    @field_validator("formats")
    @classmethod
    def _known_phases(
        cls, value: dict[str, dict[str, PhaseTiming]]
    ) -> dict[str, dict[str, PhaseTiming]]:
        return _check_formats(value)

    def phase_minutes(self, format_name: str, phase: str, default: int | None) -> int | None:
        """The duration of ``phase`` of ``format_name``: configured, else the format's own."""
        timing = self.formats.get(format_name, {}).get(phase)
        return timing.minutes if timing is not None else default


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against config.example.yaml)"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def parse_settings(data: Any, source: str = "<config>") -> Settings:
    """Validate a mapping already read from YAML."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    if "token" in data or "token" in (data.get("discord") or {}):
        raise ConfigError(
            f"{source}: token: the bot token is read only from the {TOKEN_ENV} environment "
            "variable; remove it from the file"
        )
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def load_settings(path: str | Path | None) -> Settings:
    """Read and validate ``path``; with no path, the defaults."""
    if path is None:
        return Settings()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{file}: not valid YAML{where}") from None
    return parse_settings(data, str(file))


def token_from_env() -> str:
    """The bot token, from the environment only; never from the file, never logged."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ConfigError(
            f"{TOKEN_ENV} is not set: export the bot token from the Discord developer portal "
            f"(export {TOKEN_ENV}=...) and start again"
        )
    return token
