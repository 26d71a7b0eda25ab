"""The small closed vocabularies of the debate domain."""

from enum import StrEnum


class Side(StrEnum):
    """A participant's side in a debate."""

    FOR = "for"
    AGAINST = "against"
    AUDIENCE = "audience"

    @property
    def is_debater(self) -> bool:
        """Debaters argue; the audience only votes, marks and credits."""
        return self is not Side.AUDIENCE


class Stance(StrEnum):
    """A motion vote."""

    FOR = "for"
    AGAINST = "against"
    UNDECIDED = "undecided"


class ArgumentKind(StrEnum):
    """What an argument is, which follows from the phase it was posted in."""

    OPENING = "opening"
    CLAIM = "claim"
    REBUTTAL = "rebuttal"
    CLOSING = "closing"


class ArgumentStatus(StrEnum):
    """Whether an argument is shown, or hidden by a moderator."""

    VISIBLE = "visible"
    REMOVED = "removed"


class Action(StrEnum):
    """Things a member may do in a phase; formats list the ones each phase allows."""

    JOIN = "join"
    PROPOSE = "propose"
    REBUT = "rebut"
    VOTE = "vote"
    PERSUASIVE = "persuasive"
    DELTA = "delta"


class DebateStatus(StrEnum):
    """A debate is open until its last phase closes."""

    OPEN = "open"
    CLOSED = "closed"


class ResultsVisibility(StrEnum):
    """When motion-vote tallies may be shown."""

    AFTER_CLOSE = "after_close"
    LIVE = "live"


class AuditAction(StrEnum):
    """Every moderator action and phase change leaves one of these."""

    DEBATE_STARTED = "debate_started"
    PHASE_ADVANCED = "phase_advanced"
    PHASE_EXTENDED = "phase_extended"
    DEBATE_ENDED = "debate_ended"
    ARGUMENT_REMOVED = "argument_removed"
    ARGUMENT_RESTORED = "argument_restored"
    MEMBER_WARNED = "member_warned"
    MEMBER_MUTED = "member_muted"
    MEMBER_UNMUTED = "member_unmuted"
    DEBATE_LOCKED = "debate_locked"
    DEBATE_UNLOCKED = "debate_unlocked"
    MOTION_ADDED = "motion_added"
    MOTION_REMOVED = "motion_removed"
    SETTING_CHANGED = "setting_changed"
    SETTING_RESET = "setting_reset"
