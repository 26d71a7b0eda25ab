"""Who may do what, and when: the checks every service runs before it writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import errors
from bot.domain.enums import Action, ArgumentKind, ArgumentStatus, Side
from bot.domain.formats import Format, Phase

MIN_EXPLANATION = 20


@dataclass(frozen=True, slots=True)
class ArgumentRef:
    """The facts about an existing argument that the rules look at."""

    number: int
    author_id: int
    side: Side
    status: ArgumentStatus


def require_action(fmt: Format, phase: Phase, action: Action, what: str) -> None:
    """Refuse ``action`` unless ``phase`` allows it."""
    if phase.is_closed:
        raise errors.DebateClosed()
    if not phase.allows(action):
        if action is Action.VOTE:
            raise errors.VoteClosed(phase.title, fmt.phases_allowing(action))
        raise errors.WrongPhase(what, phase.title, fmt.phases_allowing(action))


def check_participation(
    fmt: Format,
    phase: Phase,
    action: Action,
    what: str,
    *,
    locked: bool,
    muted_until: datetime | None,
    mute_reason: str | None,
    joined: bool,
    now: datetime,
) -> None:
    """The checks before any vote, mark or credit, in the order members are told about them:
    closed, muted, paused, wrong phase, not joined."""
    if phase.is_closed:
        raise errors.DebateClosed()
    check_mute(muted_until, mute_reason, now)
    if locked:
        raise errors.Locked()
    require_action(fmt, phase, action, what)
    if not joined:
        raise errors.NotJoined()


def check_text(text: str, limit: int) -> str:
    """Strip ``text`` and refuse it when empty or over ``limit`` characters."""
    body = text.strip()
    if not body:
        raise errors.EmptyText()
    if len(body) > limit:
        raise errors.TooLong(len(body), limit)
    return body


def check_mute(muted_until: datetime | None, reason: str | None, now: datetime) -> None:
    """Refuse a muted member until the mute expires."""
    if muted_until is not None and muted_until > now:
        raise errors.Muted(muted_until, reason or "no reason given")


def check_member_age(joined_at: datetime | None, minimum_minutes: int, now: datetime) -> None:
    """Refuse arguing to members who joined the server too recently (0 disables)."""
    if minimum_minutes <= 0 or joined_at is None:
        return
    allowed_at = joined_at + timedelta(minutes=minimum_minutes)
    if now < allowed_at:
        raise errors.NewMember(minimum_minutes, allowed_at)


def check_cooldown(last_post: datetime | None, cooldown_seconds: int, now: datetime) -> None:
    """Refuse an argument posted sooner than the cooldown after the member's previous one."""
    if last_post is None or cooldown_seconds <= 0:
        return
    wait = (last_post + timedelta(seconds=cooldown_seconds) - now).total_seconds()
    if wait > 0:
        raise errors.OnCooldown(wait)


def proposal_kind(phase: Phase, side: Side | None, posted_in_phase: int) -> ArgumentKind:
    """The kind of a new argument in ``phase``, after checking who may post it."""
    if side is None:
        raise errors.NotJoined()
    if not side.is_debater:
        raise errors.NotDebater()
    if phase.argument_kind is None:  # pragma: no cover - formats pair propose with a kind
        raise errors.WrongPhase("post arguments", phase.title, [])
    if phase.per_debater_limit is not None and posted_in_phase >= phase.per_debater_limit:
        raise errors.LimitReached(phase.argument_kind.value, phase.per_debater_limit)
    return phase.argument_kind


def check_rebuttal_target(side: Side | None, target: ArgumentRef) -> None:
    """A debater rebuts a visible argument of the other debating side."""
    if side is None:
        raise errors.NotJoined()
    if not side.is_debater:
        raise errors.NotDebater()
    if target.status is ArgumentStatus.REMOVED:
        raise errors.ArgumentRemoved(target.number)
    if target.side == side:
        raise errors.OwnSide(target.number)


def check_mark_target(member_id: int, target: ArgumentRef, what: str) -> None:
    """Persuasive marks and mind changes go to visible arguments of someone else."""
    if target.status is ArgumentStatus.REMOVED:
        raise errors.ArgumentRemoved(target.number)
    if target.author_id == member_id:
        raise errors.OwnArgument(what)


def check_side_change(fmt: Format, current: Side | None, wanted: Side, has_posted: bool) -> None:
    """Joining is always possible; switching sides stops once the member has argued."""
    if current == wanted:
        raise errors.AlreadyOnSide(wanted.value)
    if current is not None and has_posted and not fmt.allow_side_switch:
        raise errors.SideSwitchRefused(current.value)


def check_explanation(text: str, limit: int) -> str:
    """A mind change needs a real explanation, within the length limit."""
    body = text.strip()
    if len(body) < MIN_EXPLANATION:
        raise errors.TooShort("explanation", MIN_EXPLANATION)
    if len(body) > limit:
        raise errors.TooLong(len(body), limit)
    return body
