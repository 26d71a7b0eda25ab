"""The outbox dispatcher: delivers what the thread is owed, once, in order, whatever Discord does.

The services write an outbox row with every change that owes the thread a post or an edit
(see ``bot.services.outbox``). This loop claims the rows of this process's shards, renders
each from the record as it is now, and sends it: the rows of one channel one after another,
channels side by side. A post carries a nonce with ``enforce_nonce``, so a retry after a
timeout whose outcome is unknown gets back the first message rather than a second one.

- Delivered: the row keeps the message id (an argument's card also on the argument).
- 5xx, a timeout, a dropped connection, a 429 discord.py did not wait out: tried again with
  exponential backoff (or after the 429's ``retry_after``); the channel's later rows wait.
- 403 or 404: marked failed with the reason, logged, and the server's moderation log
  channel (if it has one) is told which permission is missing or that the thread is gone.

The interaction response stays the fast path for an argument's card: the command's handler
holds the card (:meth:`OutboxDispatcher.hold_card`) while it answers with it and marks the
row delivered with the argument's message id. The row is due only after
``FAST_PATH_GRACE``, so the dispatcher posts the card itself only when that answer failed or
the process died before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
import discord
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.adapter import permissions, render
from bot.adapter.components import argument_view, card_view
from bot.adapter.notices import notice_text
from bot.domain.errors import DatabaseUnavailable
from bot.metrics.registry import Metrics
from bot.services import Services
from bot.services import outbox as rows
from bot.services.outbox import OutboxItem, Shards

log = logging.getLogger("bot.adapter.outbox")

#: First retry after this many seconds, doubling up to :data:`MAX_BACKOFF`.
BASE_BACKOFF = 0.5
#: Capped well inside the few minutes Discord remembers a nonce for.
MAX_BACKOFF = 60.0
#: Failures other than Discord's or the database's (a bug, a summary that cannot be made)
#: stop being retried after this many attempts, so one row cannot hold its thread forever.
MAX_OTHER_ATTEMPTS = 5
#: An argument's card is looked for in its thread among the messages from this long before
#: its row was written (clock skew) to :data:`FAST_PATH_WINDOW` after (the answer follows
#: the commit within Discord's three seconds, or its deferral's follow-up soon after).
FAST_PATH_SKEW = timedelta(seconds=2)
FAST_PATH_WINDOW = timedelta(seconds=60)
#: At most this many messages are looked through (a busy thread posts hundreds a minute).
HISTORY_LIMIT = 5000
#: How often delivered rows past their keeping time are deleted.
PRUNE_SECONDS = 3600.0
#: How often the loop looks even when nothing woke it (rows due later, other processes).
CHECK_SECONDS = 5.0


class Permanent(Exception):
    """A row that can never be delivered as it is: marked failed with this reason."""


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones, with jitter."""
    delay = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def _retry_after(exc: discord.HTTPException) -> float | None:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


class OutboxDispatcher:
    """Claims and delivers outbox rows; woken by every commit that wrote some."""

    def __init__(
        self,
        client: discord.Client,
        services: Services,
        shards: Callable[[], Shards | None] = lambda: None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        self.services = services
        self.outbox = services.outbox
        self.shards = shards
        self.metrics = metrics
        #: Rows this process is delivering right now.
        self._busy: set[int] = set()
        #: Arguments (debate, number) whose card this process is sending right now, by an
        #: interaction's answer or by this loop: whoever takes one first sends it.
        self._cards: set[tuple[int, int]] = set()
        self._told: set[tuple[int, str]] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        services.db.after_commit.append(self._committed)

    # -- the fast path -------------------------------------------------------------------

    def hold_card(self, card: tuple[int, int]) -> bool:
        """Take the card of argument ``card`` (debate, number) for sending; False when this
        process is sending it already."""
        if card in self._cards:
            return False
        self._cards.add(card)
        return True

    def card_done(self, card: tuple[int, int]) -> None:
        """The holder is finished with the card (delivered, or left for a retry)."""
        self._cards.discard(card)

    def delivered_by_interaction(self) -> None:
        if self.metrics is not None:
            self.metrics.outbox_delivered("argument_card", "interaction")

    # -- the loop ------------------------------------------------------------------------

    def _committed(self, session: AsyncSession) -> None:
        """Wake the loop when a commit wrote rows due now; rows waiting for their fast path
        are found by the loop's own timer (a burst of posts wakes nothing)."""
        due = session.info.pop(rows.WRITTEN, None)
        if due is not None and due <= rows.wall_now():
            self.wake()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        with contextlib.suppress(Exception):
            # Claims left by a process that ran these shards before (and died) are void.
            await self.outbox.release_claims(self.shards())
        pruned_at = 0.0
        claims_left = False
        while True:
            self._wake.clear()
            try:
                if claims_left:
                    # A pass the outage broke left its rows claimed (the release could not
                    # be written): free them now, or the thread would wait out the lease.
                    await self.outbox.release_claims(self.shards())
                    claims_left = False
                if time.monotonic() - pruned_at > PRUNE_SECONDS:
                    pruned_at = time.monotonic()
                    if pruned := await self.outbox.prune():
                        log.info("deleted %d outbox rows delivered over a week ago", pruned)
                await self.run_pass()
                soonest = await self.outbox.next_due_in(self.shards())
            except asyncio.CancelledError:
                raise
            except DatabaseUnavailable:  # logged once per outage; the outbox waits
                log.debug("outbox pass paused: the database is unavailable")
                claims_left = True
                soonest = None
            except Exception:
                log.exception("outbox pass failed; retrying")
                soonest = None
            delay = CHECK_SECONDS if soonest is None else min(CHECK_SECONDS, max(soonest, 0.05))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def run_pass(self) -> int:
        """Claim what is due and deliver it; returns how many rows were settled."""
        items = await self.outbox.claim(
            shards=self.shards(), exclude=set(self._busy), cards=set(self._cards)
        )
        channels: dict[int, list[OutboxItem]] = {}
        for item in items:
            channels.setdefault(item.channel_id, []).append(item)
        settled = await asyncio.gather(*(self._channel(queue) for queue in channels.values()))
        await self._measure()
        return sum(settled)

    async def settle(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Deliver until nothing of this process's shards is pending (tests); gives up
        quietly after ``timeout`` seconds or while the database is unavailable."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            try:
                await self.run_pass()
                soonest = await self.outbox.next_due_in(self.shards())
            except DatabaseUnavailable:  # nothing can go out until it is back
                return
            if soonest is None and not self._busy and not self._cards:
                return
            await asyncio.sleep(min(max(soonest or 0.0, 0.02), 0.5))

    async def _channel(self, queue: list[OutboxItem]) -> int:
        """One channel's rows in order; stops at the first that must wait."""
        settled = 0
        for index, item in enumerate(queue):
            card = (item.debate_id or 0, item.ref or 0)
            is_card = item.kind == rows.ARGUMENT_CARD
            if is_card and not self.hold_card(card):  # an answer is carrying it meanwhile
                await self.outbox.release([i.id for i in queue[index:]])
                return settled
            self._busy.add(item.id)
            try:
                went_on = await self._attempt(item)
            finally:
                self._busy.discard(item.id)
                if is_card:
                    self.card_done(card)
            if not went_on:
                await self.outbox.release([i.id for i in queue[index + 1 :]])
                return settled
            settled += 1
        return settled

    async def _attempt(self, item: OutboxItem) -> bool:
        """Deliver ``item``; True when it is settled (delivered or failed for good)."""
        try:
            await self._deliver(item)
        except discord.Forbidden as exc:
            await self._failed(item, f"403 {exc.text or 'Forbidden'}", exc)
            return True
        except discord.NotFound as exc:
            await self._failed(item, f"404 {exc.text or 'Not Found'}", exc)
            return True
        except Permanent as exc:
            await self._failed(item, str(exc), None)
            return True
        except discord.RateLimited as exc:
            return await self._retry(
                item, f"429, retry after {exc.retry_after:.1f} s", exc.retry_after
            )
        except discord.HTTPException as exc:
            if exc.status == 429:
                after = _retry_after(exc) or backoff(item.attempts)
                return await self._retry(item, f"429 {exc.text}", after)
            if exc.status >= 500:
                return await self._retry(item, f"{exc.status} {exc.text}", backoff(item.attempts))
            await self._failed(item, f"{exc.status} {exc.text}", exc)
            return True
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # The outcome is unknown: the retry carries the same nonce.
            reason = f"no answer from Discord ({type(exc).__name__})"
            return await self._retry(item, reason, backoff(item.attempts))
        except DatabaseUnavailable:
            # Logged once per outage by the database. If the retry cannot be written
            # either, the claim runs out and the row is tried again then.
            with contextlib.suppress(DatabaseUnavailable):
                await self._retry(item, "the database is unavailable", backoff(item.attempts))
            return False
        except DBAPIError as exc:
            return await self._retry(item, f"database: {exc.orig}", backoff(item.attempts))
        except Exception as exc:
            log.exception("outbox row %s (%s) could not be delivered", item.id, item.kind)
            if item.attempts >= MAX_OTHER_ATTEMPTS:
                await self._failed(item, f"gave up: {exc!r}", None)
                return True
            return await self._retry(item, repr(exc), backoff(item.attempts))
        self._count(item, "delivered")
        return True

    async def _retry(self, item: OutboxItem, reason: str, after: float) -> bool:
        log.info(
            "outbox row %s (%s in channel %s): %s; again in %.1f s",
            item.id,
            item.kind,
            item.channel_id,
            reason,
            after,
        )
        await self.outbox.retry(item.id, reason, after)
        self._count(item, "retried")
        return False

    async def _failed(
        self, item: OutboxItem, reason: str, exc: discord.HTTPException | None
    ) -> None:
        log.warning(
            "outbox row %s (%s in channel %s of guild %s) failed for good: %s",
            item.id,
            item.kind,
            item.channel_id,
            item.guild_id,
            reason,
        )
        await self.outbox.failed(item.id, reason)
        self._count(item, "failed")
        if exc is not None and exc.status in (403, 404):
            await self._tell_moderators(item, exc)

    # -- rendering and sending ------------------------------------------------------------

    async def _deliver(self, item: OutboxItem) -> None:
        services = self.services
        where = self.client.get_partial_messageable(item.channel_id, guild_id=item.guild_id)
        guild_id, debate_id = item.guild_id, item.debate_id or 0
        if item.kind == rows.ARGUMENT_CARD:
            assert item.ref is not None
            argument = await services.arguments.get(guild_id, debate_id, item.ref)
            if argument.message_id is not None:  # shown already; only the mark was lost
                await self.outbox.delivered(item.id, argument.message_id)
                return
            shown = await self._shown_by_its_answer(where, item)
            if shown is not None:
                await services.arguments.set_message(guild_id, debate_id, argument.number, shown)
                return
            removed = argument.status.value == "removed"
            message = await where.send(
                embed=render.argument_card(argument),
                view=argument_view(debate_id, argument.number, removed=removed),
                allowed_mentions=render.NO_MENTIONS,
                nonce=item.nonce,
            )
            await services.arguments.set_message(guild_id, debate_id, argument.number, message.id)
            return
        if item.kind == rows.ARGUMENT_EDIT:
            assert item.ref is not None
            argument = await services.arguments.get(guild_id, debate_id, item.ref)
            if argument.message_id is not None:  # else its card, when it goes, shows this
                removed = argument.status.value == "removed"
                await where.get_partial_message(argument.message_id).edit(
                    embed=render.argument_card(argument),
                    view=argument_view(debate_id, argument.number, removed=removed),
                    allowed_mentions=render.NO_MENTIONS,
                )
            await self.outbox.delivered(item.id, argument.message_id)
            return
        if item.kind == rows.MOTION_CARD:
            debate = await services.debates.get(guild_id, debate_id)
            if debate.card_message_id is not None:
                view = card_view(debate.id) if debate.is_open else discord.ui.View()
                await where.get_partial_message(debate.card_message_id).edit(
                    embed=render.motion_card(debate), view=view
                )
            await self.outbox.delivered(item.id, debate.card_message_id)
            return
        message_id = await self._post(item, where)
        await self.outbox.delivered(item.id, message_id)

    async def _shown_by_its_answer(
        self, where: discord.PartialMessageable, item: OutboxItem
    ) -> int | None:
        """The card's message if the interaction's answer did carry it, though the process
        stopped before it could mark the row (a crash between the two): the bot's message
        in the thread, since the row was written, whose title names the argument."""
        title = f"#{item.ref} "
        since = discord.utils.time_snowflake(item.created_at - FAST_PATH_SKEW)
        until = item.created_at + FAST_PATH_WINDOW
        me = self.client.user.id if self.client.user else None
        try:
            async for message in where.history(
                limit=HISTORY_LIMIT, after=discord.Object(since), oldest_first=True
            ):
                if message.created_at > until:
                    break
                if message.author.id != me:
                    continue
                if any((embed.title or "").startswith(title) for embed in message.embeds):
                    return message.id
        except discord.HTTPException as exc:  # no history to read: post
            log.info("could not read channel %s to look for a card: %s", item.channel_id, exc)
        return None

    async def _post(self, item: OutboxItem, where: discord.PartialMessageable) -> int | None:
        """Send a new message for a phase change, a summary or a notice."""
        facts = item.payload
        guild_id, debate_id = item.guild_id, item.debate_id or 0
        if item.kind == rows.PHASE:
            deadline = facts.get("deadline")
            embeds = [
                render.phase_embed(
                    debate_id,
                    title=str(facts["title"]),
                    previous_title=str(facts["previous_title"]),
                    deadline=datetime.fromisoformat(deadline) if deadline else None,
                    ended=bool(facts.get("ended")),
                )
            ]
            if facts.get("ended"):
                results = await self.services.debates.results(guild_id, debate_id)
                embeds.append(render.results_embed(results))
            message = await where.send(
                embeds=embeds, allowed_mentions=render.NO_MENTIONS, nonce=item.nonce
            )
            return message.id
        if item.kind == rows.SUMMARY:
            summaries = self.services.summaries
            if facts.get("stage") == "final":
                summary = await summaries.produce(guild_id, debate_id, "final")
            else:
                summary = await summaries.produce(
                    guild_id, debate_id, "phase", phase=facts.get("phase")
                )
            message = await where.send(
                embed=render.summary_embed(summary),
                allowed_mentions=render.NO_MENTIONS,
                nonce=item.nonce,
            )
            await summaries.record(
                guild_id, debate_id, summary, channel_id=item.channel_id, message_id=message.id
            )
            return message.id
        if item.kind == rows.NOTICE:
            try:
                text, mention = notice_text(facts)
            except (KeyError, ValueError) as exc:
                raise Permanent(f"unreadable notice: {exc!r}") from exc
            allowed = (
                discord.AllowedMentions(
                    users=[discord.Object(mention)], roles=False, everyone=False
                )
                if mention
                else render.NO_MENTIONS
            )
            message = await where.send(
                embed=render.notice(text), allowed_mentions=allowed, nonce=item.nonce
            )
            return message.id
        raise Permanent(f"unknown kind {item.kind!r}")

    # -- telling people -------------------------------------------------------------------

    def _missing_here(self, channel_id: int) -> list[str]:
        """The posting permissions the bot lacks in ``channel_id``, as far as the cache
        knows (empty when it cannot tell)."""
        channel = self.client.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        me = getattr(guild, "me", None)
        if channel is None or me is None or not hasattr(channel, "permissions_for"):
            return []
        in_thread = isinstance(channel, discord.Thread)
        return permissions.missing(
            channel.permissions_for(me), permissions.for_debate(in_thread, False)
        )

    async def _tell_moderators(self, item: OutboxItem, exc: discord.HTTPException) -> None:
        """Say in the server's moderation log channel why the thread missed a post."""
        if exc.status == 403:
            lacking = self._missing_here(item.channel_id)
            if lacking:
                why = f"I lack the permission {', '.join(lacking)} there"
            else:  # the cache cannot tell: name what posting there needs
                channel = self.client.get_channel(item.channel_id)
                needed = permissions.for_debate(isinstance(channel, discord.Thread), False)
                names = ", ".join(permissions.NAMES[n] for n in needed)
                why = f"Discord refused it ({exc.text or 'Missing Permissions'}); I need {names}"
            fix = "Give me that permission in the channel's settings; later posts will go out."
        else:
            why = "the channel or thread is gone"
            fix = "Nothing more will be posted there."
        log.warning("guild %s, channel %s: %s", item.guild_id, item.channel_id, why)
        key = (item.channel_id, why)
        if key in self._told:
            return
        self._told.add(key)
        log_channel = self.services.configs.get(item.guild_id).moderation.log_channel
        if log_channel is None or log_channel == item.channel_id:
            return
        what = item.kind.replace("_", " ")
        text = f"I could not post in <#{item.channel_id}> ({what}): {why}. {fix}"
        try:
            await self.client.get_partial_messageable(log_channel, guild_id=item.guild_id).send(
                text, allowed_mentions=render.NO_MENTIONS
            )
        except discord.HTTPException as failure:
            log.warning("guild %s: could not tell the log channel: %s", item.guild_id, failure)

    # -- figures --------------------------------------------------------------------------

    def _count(self, item: OutboxItem, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.outbox_delivered(item.kind, outcome)

    async def _measure(self) -> None:
        if self.metrics is not None:
            self.metrics.outbox_pending.set(await self.outbox.pending(self.shards()))
