"""The cogs, one per area: debates, arguments and votes, motions, moderation, series,
settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from discord.ext import commands


async def add_cogs(bot: commands.Bot) -> None:
    """Register every cog on ``bot``."""
    from bot.adapter.cogs.arguments import ArgumentsCog
    from bot.adapter.cogs.debates import DebatesCog
    from bot.adapter.cogs.moderation import ModerationCog
    from bot.adapter.cogs.motions import MotionsCog
    from bot.adapter.cogs.series import SeriesCog
    from bot.adapter.cogs.settings import SettingsCog

    cogs = (
        DebatesCog(bot),
        ArgumentsCog(bot),
        MotionsCog(bot),
        ModerationCog(bot),
        SeriesCog(bot),
        SettingsCog(bot),
    )
    for cog in cogs:
        await bot.add_cog(cog)
