"""Use cases: one async method per use case, one database transaction each.

The adapter and the command line call these; they return plain results from
:mod:`bot.services.views` and raise :class:`bot.domain.errors.Refusal` subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services.arguments import ArgumentService
from bot.services.audit_feed import AuditFeed
from bot.services.debates import DebateService
from bot.services.essays import EssayService
from bot.services.guild_configs import GuildConfigs
from bot.services.guild_settings import SettingsService
from bot.services.leaderboard import LeaderboardService
from bot.services.members import MemberNames
from bot.services.moderation import ModerationService
from bot.services.motions import MotionService
from bot.services.outbox import OutboxService
from bot.services.series import SeriesService
from bot.services.state import StateService
from bot.services.summaries import SummaryService
from bot.services.votes import VoteService
from bot.storage.database import Database

if TYPE_CHECKING:
    from bot.services.annotated import AnnotatedEssayService
    from bot.services.exports import ExportService


@dataclass(frozen=True)
class Services:
    """Every service, sharing one database, clock and configuration.

    Exports and the annotated essay are built on first use: their writers are a large share
    of the imports, and a bot that is never asked for an export should not start slower.
    """

    db: Database
    clock: Clock
    settings: Settings
    motions: MotionService
    debates: DebateService
    arguments: ArgumentService
    votes: VoteService
    moderation: ModerationService
    state: StateService
    summaries: SummaryService
    essays: EssayService
    series: SeriesService
    leaderboard: LeaderboardService
    guild_settings: SettingsService
    configs: GuildConfigs
    audit_feed: AuditFeed
    outbox: OutboxService
    members: MemberNames

    @classmethod
    def build(cls, db: Database, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        configs = GuildConfigs(settings)
        args = (db, clock, settings, configs)
        return cls(
            db=db,
            clock=clock,
            settings=settings,
            motions=MotionService(*args),
            debates=DebateService(*args),
            arguments=ArgumentService(*args),
            votes=VoteService(*args),
            moderation=ModerationService(*args),
            state=StateService(*args),
            summaries=SummaryService(*args),
            essays=EssayService(*args),
            series=SeriesService(*args),
            leaderboard=LeaderboardService(*args),
            guild_settings=SettingsService(*args),
            configs=configs,
            audit_feed=AuditFeed(db),
            outbox=OutboxService(db),
            members=MemberNames(db, clock),
        )

    @cached_property
    def exports(self) -> ExportService:
        from bot.services.exports import ExportService

        return ExportService(self.db, self.clock, self.settings, self.configs)

    @cached_property
    def annotated(self) -> AnnotatedEssayService:
        from bot.services.annotated import AnnotatedEssayService

        return AnnotatedEssayService(self.db, self.clock, self.settings, self.configs)
