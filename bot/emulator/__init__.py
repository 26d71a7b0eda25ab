"""A Discord emulator on loopback for testing the real discord.py client offline.

It must not import discord: it speaks Discord's wire protocol (gateway + REST) only.
"""

from __future__ import annotations

from . import faults, limits
from .emulator import DiscordEmulator
from .errors import EmulatorError, InteractionTimeout
from .faults import Faults, RateLimit, Reset, Status, Timeout
from .interactions import InteractionResult
from .state import ChannelState, GuildState, MemberState, RoleState, UserState
from .world import RecordedRequest, Violation

__all__ = [
    "ChannelState",
    "DiscordEmulator",
    "EmulatorError",
    "Faults",
    "GuildState",
    "InteractionResult",
    "InteractionTimeout",
    "MemberState",
    "RateLimit",
    "RecordedRequest",
    "Reset",
    "RoleState",
    "Status",
    "Timeout",
    "UserState",
    "Violation",
    "faults",
    "limits",
]
