"""Typed refusals: expected outcomes that carry a message a member can act on.

The adapter shows ``message`` ephemerally; nothing was changed when one is raised.
"""

from __future__ import annotations

from datetime import datetime


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class Refusal(Exception):
    """Base of every expected refusal; ``code`` is stable, ``message`` is for people."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotModerator(Refusal):
    code = "not_moderator"

    def __init__(self) -> None:
        super().__init__(
            "Only moderators can do that (Manage Server, Manage Messages, or a moderator role)."
        )


class NoDebateHere(Refusal):
    code = "no_debate"

    def __init__(self) -> None:
        super().__init__(
            "There is no open debate in this channel. Use the command in the debate's thread, "
            "or ask a moderator to start one with /debate start."
        )


class UnknownDebate(Refusal):
    code = "unknown_debate"

    def __init__(self, debate_id: int) -> None:
        super().__init__(f"Debate {debate_id} does not exist in this server.")


class DebateAlreadyOpen(Refusal):
    code = "debate_exists"

    def __init__(self) -> None:
        super().__init__(
            "A debate is already running here. End it with /debate end, "
            "or start the new one from another channel."
        )


class DebateClosed(Refusal):
    code = "debate_closed"

    def __init__(self) -> None:
        super().__init__("This debate is closed. See the results with /debate summary.")


class UnknownMotion(Refusal):
    code = "unknown_motion"

    def __init__(self, motion: str) -> None:
        super().__init__(
            f"There is no motion {motion!r} in this server. Pick one from the list "
            "(/motions list shows them all)."
        )


class BuiltinMotion(Refusal):
    code = "builtin_motion"

    def __init__(self) -> None:
        super().__init__("Built-in motions from the essay cannot be removed; only added ones can.")


class UnknownFormat(Refusal):
    code = "unknown_format"

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"There is no format {name!r}. Choose one of: {', '.join(known)}.")


class WrongPhase(Refusal):
    code = "wrong_phase"

    def __init__(self, what: str, phase: str, allowed: list[str]) -> None:
        where = ", ".join(allowed) if allowed else "no phase of this format"
        super().__init__(
            f"You can't {what} during the {phase} phase. That is possible during: {where}."
        )


class NotJoined(Refusal):
    code = "not_joined"

    def __init__(self) -> None:
        super().__init__(
            "Join the debate first: /debate join, or the For / Against / Audience buttons "
            "on the motion card."
        )


class NotDebater(Refusal):
    code = "not_debater"

    def __init__(self) -> None:
        super().__init__(
            "The audience votes and marks arguments but does not argue. "
            "Join the For or Against side with /debate join to post arguments."
        )


class SideSwitchRefused(Refusal):
    code = "side_switch"

    def __init__(self, side: str) -> None:
        super().__init__(
            f"You already posted arguments for the {side} side, so you can't switch sides "
            "in this format."
        )


class AlreadyOnSide(Refusal):
    code = "already_on_side"

    def __init__(self, side: str) -> None:
        super().__init__(f"You are already on the {side} side.")


class LimitReached(Refusal):
    code = "limit_reached"

    def __init__(self, kind: str, limit: int) -> None:
        what = "statement" if limit == 1 else "statements"
        super().__init__(
            f"Each debater posts {limit} {kind} {what}, and you have posted yours. "
            "Wait for the next phase to argue again."
        )


class OwnSide(Refusal):
    code = "own_side"

    def __init__(self, number: int) -> None:
        super().__init__(
            f"#{number} is an argument of your own side: rebut the other side's arguments, "
            "or add your point with /propose."
        )


class OwnArgument(Refusal):
    code = "own_argument"

    def __init__(self, what: str) -> None:
        super().__init__(f"You can't {what} your own argument.")


class UnknownArgument(Refusal):
    code = "unknown_argument"

    def __init__(self, number: int) -> None:
        super().__init__(
            f"There is no argument #{number} in this debate. Pick one from the suggestions."
        )


class ArgumentRemoved(Refusal):
    code = "argument_removed"

    def __init__(self, number: int) -> None:
        super().__init__(f"Argument #{number} was removed by a moderator and can't be used.")


class ArgumentNotRemoved(Refusal):
    code = "argument_not_removed"

    def __init__(self, number: int) -> None:
        super().__init__(f"Argument #{number} is not removed, so there is nothing to restore.")


class VoteClosed(Refusal):
    code = "vote_closed"

    def __init__(self, phase: str, allowed: list[str]) -> None:
        where = ", ".join(allowed) if allowed else "no phase of this format"
        super().__init__(
            f"Motion votes are not open during the {phase} phase. You can vote during: {where}."
        )


class TooLong(Refusal):
    code = "too_long"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"Your text is {length} characters; the limit is {limit}. Shorten it and send it again."
        )


class TooShort(Refusal):
    code = "too_short"

    def __init__(self, what: str, minimum: int) -> None:
        super().__init__(f"The {what} needs at least {minimum} characters. Say a bit more.")


class EmptyText(Refusal):
    code = "empty"

    def __init__(self) -> None:
        super().__init__("The text is empty. Write your argument and send it again.")


class Muted(Refusal):
    code = "muted"

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(
            f"You are muted in this server's debates until {_when(until)} ({reason}). "
            "You can read along until then."
        )
        self.until = until


class Locked(Refusal):
    code = "locked"

    def __init__(self) -> None:
        super().__init__(
            "A moderator has paused submissions in this debate. Try again when it is unlocked."
        )


class OnCooldown(Refusal):
    code = "cooldown"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Slow down a little: you can post your next argument in {max(1, round(seconds))} s."
        )
        self.retry_after = seconds


class DuplicateArgument(Refusal):
    code = "duplicate"

    def __init__(self, number: int) -> None:
        super().__init__(f"You already posted this text as #{number} in this debate.")


class NewMember(Refusal):
    code = "new_member"

    def __init__(self, minutes: int, allowed_at: datetime) -> None:
        super().__init__(
            f"Members who joined the server less than {minutes} minutes ago can watch and vote "
            f"but not argue yet. You can argue from {_when(allowed_at)}."
        )


class AlreadyCredited(Refusal):
    code = "already_credited"

    def __init__(self, number: int) -> None:
        super().__init__(f"You already credited #{number} with changing your mind.")


class PhaseChanged(Refusal):
    code = "phase_changed"

    def __init__(self, phase: str) -> None:
        super().__init__(f"The phase already moved on; the debate is now in {phase}.")


class NotMuted(Refusal):
    code = "not_muted"

    def __init__(self) -> None:
        super().__init__("That member is not muted.")


class AlreadyLocked(Refusal):
    code = "already_locked"

    def __init__(self, locked: bool) -> None:
        super().__init__(
            "Submissions are already paused." if locked else "Submissions are not paused."
        )


class NoDeadline(Refusal):
    code = "no_deadline"

    def __init__(self) -> None:
        super().__init__("This phase has no deadline to extend.")


class BadPropositions(Refusal):
    code = "bad_propositions"

    def __init__(self, given: str, valid: list[int]) -> None:
        numbers = ", ".join(map(str, valid))
        super().__init__(
            f"{given!r} is not a list of this essay's propositions. Use `all`, or numbers "
            f"separated by commas such as `1,4,7`; the valid numbers are {numbers}."
        )


class UnknownEssay(Refusal):
    code = "unknown_essay"

    def __init__(self, essay: str) -> None:
        super().__init__(
            f"There is no essay {essay!r} in this server. Pick one from the list, or leave "
            "the option out for the built-in essay."
        )


class NeedsChannel(Refusal):
    code = "needs_channel"

    def __init__(self) -> None:
        super().__init__(
            "A series opens a thread per proposition: run /series start in a text channel, "
            "not in a thread."
        )


class NoSeriesHere(Refusal):
    code = "no_series"

    def __init__(self) -> None:
        super().__init__(
            "There is no series in this channel. Start one with /series start, or run the "
            "command in the channel (or a debate thread) of the series."
        )


class NoSeriesYet(Refusal):
    code = "no_series_yet"

    def __init__(self) -> None:
        super().__init__(
            "This server has no series yet, so there is no series leaderboard. Use "
            "scope:server, or ask a moderator to start a series with /series start."
        )


class LeaderboardNotPublic(Refusal):
    code = "leaderboard_not_public"

    def __init__(self) -> None:
        super().__init__(
            "Only moderators can post the leaderboard in the channel. Run /debate leaderboard "
            "without public: to see it yourself (only you will see it)."
        )


class UnknownSeries(Refusal):
    code = "unknown_series"

    def __init__(self, series_id: int) -> None:
        super().__init__(f"Series {series_id} does not exist in this server.")


class SeriesClosed(Refusal):
    code = "series_closed"

    def __init__(self) -> None:
        super().__init__("This series is over. Export it with /series export.")


class SeriesBusy(Refusal):
    code = "series_busy"

    def __init__(self, motion_ids: list[int]) -> None:
        listed = ", ".join(map(str, motion_ids))
        super().__init__(
            f"Motions {listed} are being debated in a thread of this channel already. End "
            "those debates (/debate end in their threads) or pick other propositions."
        )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class BotLacksPermissions(Refusal):
    """The bot's role lacks channel permissions the action needs; ``names`` as Discord shows."""

    code = "bot_permissions"

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        plural = "s" if len(names) > 1 else ""
        listed = _listed(self.names)
        super().__init__(
            f"I'm missing the {listed} permission{plural} in this channel, so I can't do that "
            f"here. Ask a server admin to give my role {listed} in this channel (or use another "
            "channel)."
        )


class DatabaseUnavailable(Refusal):
    """The database is down, read-only or full: nothing was changed; the member retries."""

    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__("The bot's database is unavailable; try again in a minute.")


class NotAdmin(Refusal):
    code = "not_admin"

    def __init__(self) -> None:
        super().__init__(
            "Only the server's admins can change the bot's settings (Manage Server, or an admin "
            "role the bot's operator configured)."
        )


class UnknownSetting(Refusal):
    code = "unknown_setting"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"There is no setting `{key}`. Pick one from the list (type a few letters of it), "
            "or see them all with /settings show."
        )
        self.key = key


class OperatorOnlySetting(Refusal):
    code = "operator_only_setting"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"`{key}` is set only by the bot's operator, in the configuration file; it cannot "
            "be changed from Discord."
        )
        self.key = key


class InvalidSetting(Refusal):
    """A value that breaks the rule of its key; the message names both."""

    code = "invalid_setting"

    def __init__(self, key: str, rule: str) -> None:
        super().__init__(f"`{key}` {rule}. Nothing was changed.")
        self.key = key
        self.rule = rule


class NotADebateChannel(Refusal):
    code = "not_a_debate_channel"

    def __init__(self, channels: list[int]) -> None:
        where = ", ".join(f"<#{c}>" for c in channels)
        super().__init__(
            f"Debates in this server start only in {where}. Use /debate start there, or ask an "
            "admin to change `debates.channels`."
        )
