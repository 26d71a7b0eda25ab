"""The series driver: opens the debates of a series when they are due and keeps its card
up to date.

Nothing is scheduled in memory only: every pass asks the database what is due
(:meth:`bot.services.series.SeriesService.work`), so the deadline loop (every few seconds),
start-up, a closing debate and ``/series start`` all drive a series the same way, after a
restart too. A pass also edits a series card whose debates moved since it was last shown
(the only memory kept; after a restart each card is edited once). Passes never overlap: a
request during a pass runs one more pass after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import discord

from bot.adapter import render
from bot.adapter.announce import Announcer
from bot.adapter.components import card_view
from bot.adapter.limits import THREAD_NAME, one_line
from bot.adapter.series_render import series_card, series_results
from bot.domain import errors
from bot.services import Services
from bot.services.series_views import Fingerprint, SeriesView
from bot.services.views import Actor, PhaseChange

log = logging.getLogger("bot.adapter.series")

#: How long a series whose debate Discord refused to open waits before trying again.
RETRY_SECONDS = 60.0


class SeriesDriver:
    """Runs series passes in the background, one at a time."""

    def __init__(
        self,
        client: discord.Client,
        services: Services,
        announcer: Announcer,
        owns_guild: Callable[[int], bool] = lambda _guild: True,
    ) -> None:
        self.client = client
        self.services = services
        self.announcer = announcer
        self.owns_guild = owns_guild
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        #: The state each open series' card was last edited to show.
        self._shown: dict[int, Fingerprint] = {}
        #: Series whose last opening Discord refused, with when to try again (monotonic):
        #: a channel without the permissions is not sent a card every pass.
        self._retry_at: dict[int, float] = {}

    def poke(self) -> None:
        """Ask for a pass (now, or right after the one running)."""
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="series")

    async def settle(self) -> None:
        """Wait until no pass is running or requested."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def run_pass(self) -> None:
        """A pass now, waited for (the deadline loop and ``/series start`` use it)."""
        self.poke()
        await self.settle()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def debate_closed(self, change: PhaseChange) -> None:
        """Announcer hook: a closed debate may be a series' (its card changes, and a sequence
        opens its next debate) without waiting for the deadline loop's next pass."""
        if change.ended:
            self.poke()

    async def _drain(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await self._pass()
            except asyncio.CancelledError:
                raise
            except errors.DatabaseUnavailable:  # logged once per outage
                log.debug("series pass paused: the database is unavailable")
            except Exception:
                log.exception("series pass failed; the next one retries")

    async def _pass(self) -> None:
        works = await self.services.series.work(self.owns_guild)
        for work in works:
            for debate_id, phase_index in work.stray_debates:
                await self.close_debate(None, work.guild_id, debate_id, phase_index)
            opened = 0
            waiting = self._retry_at.get(work.series_id, 0.0) > time.monotonic()
            for position in () if waiting else work.open_positions:
                try:
                    await self.open_item(work.series_id, position)
                    opened += 1
                except errors.Refusal as refusal:
                    log.info("series %s item %s: %s", work.series_id, position, refusal.message)
                except discord.HTTPException as exc:
                    log.warning(
                        "series %s item %s: could not open (again in %.0f s): %s",
                        work.series_id,
                        position,
                        RETRY_SECONDS,
                        exc,
                    )
                    self._retry_at[work.series_id] = time.monotonic() + RETRY_SECONDS
                    break
            if work.complete:
                done = await self.services.series.complete(work.series_id)
                if done is not None:
                    await self.finished(done)
                    continue
            if opened or work.fingerprint != self._shown.get(work.series_id):
                view = await self.services.series.get(work.guild_id, work.series_id)
                await self.refresh_card(view)
        still_shown = {w.series_id for w in works if w.fingerprint}
        self._shown = {k: v for k, v in self._shown.items() if k in still_shown}

    async def close_debate(
        self, actor: Actor | None, guild_id: int, debate_id: int, phase_index: int
    ) -> None:
        """Close one open debate of a series and announce it like any other closing."""
        change = await self.services.debates.advance(
            actor, guild_id=guild_id, debate_id=debate_id, expected_index=phase_index, to_end=True
        )
        if change is not None:
            await self.announcer.phase_changed(change)

    async def open_item(self, series_id: int, position: int) -> None:
        """Open one proposition's debate in a new thread of the series' channel."""
        series = await self.services.series.get_any(series_id)
        item = next(i for i in series.items if i.position == position)
        channel = self.announcer.channel(series.channel_id, series.guild_id)
        card = await channel.send(
            embed=discord.Embed(title="Starting a debate…", description=item.motion.text),
            allowed_mentions=render.NO_MENTIONS,
        )
        try:
            thread = await self.client.http.start_thread_with_message(
                series.channel_id,
                card.id,
                name=one_line(f"{item.number}. {item.motion.text}", THREAD_NAME),
                auto_archive_duration=self.services.configs.get(
                    series.guild_id
                ).debates.thread_auto_archive_minutes,
            )
        except discord.HTTPException:
            await card.delete()
            raise
        thread_id = int(thread["id"])
        try:
            debate = await self.services.series.open_item(
                series_id,
                position,
                thread_id=thread_id,
                parent_channel_id=series.channel_id,
                card_message_id=card.id,
            )
        except Exception:
            await card.delete()
            with contextlib.suppress(discord.HTTPException):
                await self.client.http.delete_channel(thread_id)
            raise
        await card.edit(embed=render.motion_card(debate), view=card_view(debate.id))
        await self.announcer.channel(thread_id, series.guild_id).send(
            f"Debate #{debate.id} runs in this thread: proposition {item.number} of series "
            f"#{series.id}. Use /propose, /rebut, /vote and /debate status here.",
            allowed_mentions=render.NO_MENTIONS,
        )

    async def refresh_card(self, series: SeriesView) -> None:
        """Edit the series card to show where each proposition stands."""
        if series.card_message_id is None:
            self._shown[series.id] = series.fingerprint()
            return
        message = self.announcer.channel(series.channel_id, series.guild_id).get_partial_message(
            series.card_message_id
        )
        try:
            await message.edit(embed=series_card(series), allowed_mentions=render.NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not update the card of series %s: %s", series.id, exc)
            return
        self._shown[series.id] = series.fingerprint()

    async def finished(self, series: SeriesView) -> None:
        """Post the results of a series that ended, and show it as over on its card."""
        await self.refresh_card(series)
        try:
            await self.announcer.channel(series.channel_id, series.guild_id).send(
                embed=series_results(series), allowed_mentions=render.NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.warning("could not post the results of series %s: %s", series.id, exc)
